"""The envelope every event travels in, whatever its producer."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import uuid6
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


def new_event_id() -> uuid.UUID:
    """Return a UUIDv7, so event ids sort by creation time."""
    return uuid.UUID(str(uuid6.uuid7()))


class EventEnvelope(BaseModel):
    """One event as published on NATS JetStream (the JSON body of the message)."""

    model_config = ConfigDict(frozen=True)

    event_id: uuid.UUID = Field(
        default_factory=new_event_id,
        description="UUIDv7; also the Nats-Msg-Id header used for de-duplication",
        examples=["01936a4e-7c2b-7d3e-9f10-3c5e8a1b2c3d"],
    )
    type: str = Field(
        ..., description="event type, also the NATS subject", examples=["ledger.document.issued"]
    )
    version: int = Field(1, ge=1, description="version of the data schema of this type")
    occurred_at: datetime = Field(
        default_factory=lambda: datetime.now(UTC), description="when the fact happened (UTC)"
    )
    producer: str = Field(..., description="service that produced the event", examples=["ledger"])
    creditor_id: str | None = Field(None, description="creditor slug", examples=["pressimmo"])
    customer_account: str | None = Field(
        None, description="customer account number at that creditor", examples=["C00123"]
    )
    correlation_id: str | None = Field(
        None, description="request id or causing event id", examples=["b1f0c1d2e3"]
    )
    data: dict[str, Any] = Field(default_factory=dict, description="payload of the event type")


class ReceivedEnvelope(EventEnvelope):
    """An envelope read from the broker, whose id and time must come from its producer.

    The defaults of `EventEnvelope` suit a producer only. A missing
    ``event_id`` filled in on receipt would differ at each delivery, so the
    inbox could not recognize a redelivery and would apply it again. A
    missing ``occurred_at`` would date the fact at its receipt, which breaks
    the ordering of events delivered late.
    """

    event_id: uuid.UUID = Field(..., description="UUIDv7 given by the producer, also the Nats-Msg-Id header")
    occurred_at: AwareDatetime = Field(..., description="when the fact happened, with its UTC offset")
