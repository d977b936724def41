"""Events the accounts service publishes, wrapped in envelopes for the outbox."""

from __future__ import annotations

from datetime import datetime

import asyncpg
import structlog

from shared.events.accounts import AccountsEvent
from shared.events.envelope import EventEnvelope
from shared.events.outbox import add_to_outbox

PRODUCER = "accounts"


def envelope_for(
    event: AccountsEvent,
    *,
    creditor_id: str | None = None,
    customer_account: str | None = None,
    occurred_at: datetime | None = None,
) -> EventEnvelope:
    """Wrap ``event`` in an envelope correlated with the current request, if any.

    ``occurred_at`` defaults to the current time of this process.
    """
    correlation_id = structlog.contextvars.get_contextvars().get("request_id")
    times = {"occurred_at": occurred_at} if occurred_at is not None else {}
    return EventEnvelope(
        **times,
        type=event.EVENT_TYPE,
        version=event.VERSION,
        producer=PRODUCER,
        creditor_id=creditor_id,
        customer_account=customer_account,
        correlation_id=correlation_id,
        data=event.model_dump(mode="json"),
    )


async def publish(
    connection: asyncpg.Connection,
    event: AccountsEvent,
    *,
    creditor_id: str | None = None,
    customer_account: str | None = None,
    occurred_at: datetime | None = None,
) -> None:
    """Add ``event`` to the outbox inside the caller's transaction."""
    await add_to_outbox(
        connection,
        envelope_for(event, creditor_id=creditor_id, customer_account=customer_account, occurred_at=occurred_at),
    )
