"""Events the ledger consumes: card payments and resolved disputes."""

from __future__ import annotations

from datetime import date

import asyncpg
import structlog

from services.ledger.domain import EntryKind, paris_today
from services.ledger.operations import (
    ensure_account,
    insert_entry,
    record_payment,
    settle_credit,
    balance_events,
)
from shared.events.consumer import EventConsumer
from shared.events.disputes import DISPUTE_RESOLVED, DisputeResolved
from shared.events.envelope import EventEnvelope
from shared.events.payments import PAYMENT_SUCCEEDED, PaymentSucceeded

log = structlog.get_logger(__name__)

CONSUMER_NAME = "ledger"


async def on_payment_succeeded(connection: asyncpg.Connection, event: EventEnvelope) -> None:
    """Record the payment and allocate it to the invoices it pays."""
    payment = PaymentSucceeded.model_validate(event.data)
    result = await record_payment(
        connection,
        creditor=payment.creditor,
        account=payment.customer_account,
        payment_id=payment.payment_id,
        amount=payment.amount,
        invoices=[(invoice.document_number, invoice.amount) for invoice in payment.invoices],
        paid_on=date.fromisoformat(payment.paid_on) if payment.paid_on else None,
        correlation_id=str(event.event_id),
    )
    log.info(
        "payment_recorded",
        payment_id=payment.payment_id,
        allocated=str(result.allocated),
        unallocated=str(result.unallocated),
        pending=result.pending,
        already_done=result.already_done,
    )


async def on_dispute_resolved(connection: asyncpg.Connection, event: EventEnvelope) -> None:
    """Issue one credit note per credited invoice and impute it on that invoice."""
    dispute = DisputeResolved.model_validate(event.data)
    if dispute.outcome != "credit_note":
        return
    creditor = event.creditor_id
    account = event.customer_account
    if not creditor or not account:
        raise ValueError(f"event {event.event_id} has no creditor_id or customer_account")
    await ensure_account(connection, creditor, account)
    for position, invoice in enumerate(dispute.credited_invoices, start=1):
        number = f"AV-{dispute.dispute_id}-{position}"
        note_id = await insert_entry(
            connection,
            creditor=creditor,
            account=account,
            kind=EntryKind.CREDIT_NOTE,
            number=number,
            document_date=paris_today(),
            amount=invoice.amount,
            label=f"Avoir suite au litige {dispute.dispute_id}",
            source="dispute",
            source_key=f"dispute:{dispute.dispute_id}:{position}",
            preceding_document=invoice.document_number,
        )
        if note_id is None:
            continue  # issued by an earlier delivery
        result = await settle_credit(connection, creditor, account, note_id, [(invoice.document_number, invoice.amount)])
        await balance_events(connection, creditor, [note_id, *result.touched], str(event.event_id))


def ledger_consumers(pool: asyncpg.Pool) -> list[tuple[EventConsumer, list[str]]]:
    consumer = EventConsumer(
        CONSUMER_NAME,
        pool,
        {PAYMENT_SUCCEEDED: on_payment_succeeded, DISPUTE_RESOLVED: on_dispute_resolved},
    )
    return [(consumer, [PAYMENT_SUCCEEDED, DISPUTE_RESOLVED])]
