"""Every event type of the system with its data model: the published contract.

``asyncapi_document()`` turns the catalog into an AsyncAPI document through
faststream, one channel per event type, each message being an
``EventEnvelope`` whose ``data`` is the type's model.
"""

from __future__ import annotations

from dataclasses import dataclass

from faststream.nats import NatsBroker
from faststream.specification import AsyncAPI
from pydantic import BaseModel, ConfigDict, create_model

from shared.events import accounts, disputes, ledger, payments
from shared.events.envelope import EventEnvelope
from shared.events.streams import stream_for_subject


@dataclass(frozen=True, slots=True)
class EventSpec:
    """One event type: its subject, data model and meaning."""

    type: str
    model: type[BaseModel]
    description: str


def _accounts_events() -> list[EventSpec]:
    specs = []
    for model in accounts.AccountsEvent.__subclasses__():
        specs.append(EventSpec(model.EVENT_TYPE, model, (model.__doc__ or "").strip().splitlines()[0]))
    return specs


EVENT_CATALOG: tuple[EventSpec, ...] = (
    EventSpec(ledger.DOCUMENT_ISSUED, ledger.DocumentIssued, "An invoice or credit note entered the ledger."),
    EventSpec(ledger.BALANCE_CHANGED, ledger.BalanceChanged, "A document's amount still due changed."),
    EventSpec(payments.PAYMENT_SUCCEEDED, payments.PaymentSucceeded, "The card processor confirmed a payment."),
    EventSpec(disputes.DISPUTE_RESOLVED, disputes.DisputeResolved, "The collections team closed a dispute."),
    *_accounts_events(),
)


class PublishedEnvelope(EventEnvelope):
    """The envelope as the schema describes it: producers send every field, null or not.

    Its defaults apply when a producer builds an event, never on the wire,
    and consumers reject an event without ``event_id`` or ``occurred_at``
    (see `ReceivedEnvelope`). So the schema marks every envelope field as
    required, as pydantic does for a model's output.
    """

    model_config = ConfigDict(
        frozen=True, json_schema_mode_override="serialization", json_schema_serialization_defaults_required=True
    )


def envelope_model(spec: EventSpec) -> type[BaseModel]:
    """Build the envelope model of ``spec.type``, its ``data`` typed by the event's model."""
    name = "".join(part.capitalize() for part in spec.type.replace("_", ".").split(".")) + "Event"
    return create_model(name, __base__=PublishedEnvelope, data=(spec.model, ...))


def asyncapi_document(version: str = "1.0.0") -> dict:
    """Build the AsyncAPI document of every event type."""
    broker = NatsBroker()
    for spec in EVENT_CATALOG:
        broker.publisher(
            spec.type,
            stream=stream_for_subject(spec.type).name,
            title=spec.type,
            description=spec.description,
            schema=envelope_model(spec),
        )
    document = AsyncAPI(
        broker,
        title="Mes Factures events",
        version=version,
        description="Events exchanged over NATS JetStream; every message is an EventEnvelope (JSON).",
    )
    specification = document.to_specification().to_jsonable()
    # faststream points each message's correlation id at a header of its own,
    # which carries a random id. The envelope's correlation_id is in the body.
    for message in specification["components"]["messages"].values():
        message["correlationId"] = {"location": "$message.payload#/correlation_id"}
    return specification
