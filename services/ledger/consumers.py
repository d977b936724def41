"""Events the ledger consumes: card payments, resolved disputes, buyers' billing details and creditors' identities."""

from __future__ import annotations

from datetime import date

import asyncpg
import structlog

from services.ledger.creditors import apply_creditor_identity, identity_of_event
from services.ledger.domain import EntryKind, paris_today
from services.ledger.operations import (
    ensure_account,
    insert_entry,
    record_payment,
    settle_credit,
    balance_events,
)
from shared.events.consumer import EventConsumer
from shared.events.accounts import CreditorIdentityUpdated, ProfileUpdated
from shared.events.disputes import DISPUTE_RESOLVED, DisputeResolved
from shared.events.envelope import EventEnvelope
from shared.events.payments import PAYMENT_SUCCEEDED, PaymentSucceeded

log = structlog.get_logger(__name__)

CONSUMER_NAME = "ledger"
PROFILE_UPDATED = ProfileUpdated.EVENT_TYPE
CREDITOR_IDENTITY_UPDATED = CreditorIdentityUpdated.EVENT_TYPE


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


async def on_profile_updated(connection: asyncpg.Connection, event: EventEnvelope) -> None:
    """Add a version to the account's billing address history and update its latest address.

    Documents print the version in force on their date (see
    ``services.ledger.rendering.address_in_force``).
    """
    profile = ProfileUpdated.model_validate(event.data)
    if profile.section != "billing_details" or not event.creditor_id or not event.customer_account:
        return
    # A creditor that the ledger does not know yet gets a row named by its id,
    # as the creditor identity event does, so that the address waits there for
    # `ledger create-creditor` and the first import instead of being lost.
    created = await connection.fetchval(
        "INSERT INTO creditors (id, name) VALUES ($1, $1) ON CONFLICT (id) DO NOTHING RETURNING true",
        event.creditor_id,
    )
    if created:
        log.warning("profile_created_unknown_creditor", creditor=event.creditor_id, event_id=str(event.event_id))
    # The creditor's share lock first, as every other writer of its accounts
    # takes it: a running FEC import holds it, so this waits for the import
    # instead of creating the account under it and deadlocking with it.
    await connection.execute("SELECT 1 FROM creditors WHERE id = $1 FOR SHARE", event.creditor_id)
    values = profile.values
    address_lines = [
        line for line in (values.get("address_line1"), values.get("address_line2"), values.get("address_line3")) if line
    ]
    await ensure_account(connection, event.creditor_id, event.customer_account)
    # An older event delivered late is still a version of the past. The inbox
    # already rejects a redelivered event before this handler runs, and the
    # unique event_id prevents a second version even without it.
    await connection.execute(
        """INSERT INTO buyer_address_versions
               (creditor_id, account_number, event_id, occurred_at, address_lines, postal_code, city, country)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (event_id) DO NOTHING""",
        event.creditor_id,
        event.customer_account,
        event.event_id,
        event.occurred_at,
        address_lines,
        values.get("postal_code"),
        values.get("city"),
        values.get("country") or "FR",
    )
    # Events may arrive out of order: an older address never replaces a newer one.
    await connection.execute(
        """UPDATE customer_accounts
              SET address_lines = $3, postal_code = $4, city = $5, country = $6, buyer_updated_at = $7
            WHERE creditor_id = $1 AND account_number = $2
              AND (buyer_updated_at IS NULL OR buyer_updated_at < $7)""",
        event.creditor_id,
        event.customer_account,
        address_lines,
        values.get("postal_code"),
        values.get("city"),
        values.get("country") or "FR",
        event.occurred_at,
    )


async def on_creditor_identity_updated(connection: asyncpg.Connection, event: EventEnvelope) -> None:
    """Store the creditor's legal identity, which its next invoices and credit notes print.

    An event no later than the one stored, such as an older event delivered late, changes nothing.
    """
    if not event.creditor_id:
        raise ValueError(f"event {event.event_id} has no creditor_id")
    name, identity = identity_of_event(event.data, event.event_id)
    stored = await apply_creditor_identity(connection, event.creditor_id, name, identity, event.occurred_at)
    log.info(
        "creditor_identity_stored" if stored else "creditor_identity_outdated_ignored",
        creditor=event.creditor_id,
        occurred_at=event.occurred_at.isoformat(),
    )


SUBSCRIPTIONS = (PAYMENT_SUCCEEDED, DISPUTE_RESOLVED, PROFILE_UPDATED, CREDITOR_IDENTITY_UPDATED)
"""Subjects the ledger reads, through durable consumers named after it."""


def ledger_consumers(pool: asyncpg.Pool) -> list[tuple[EventConsumer, list[str]]]:
    consumer = EventConsumer(
        CONSUMER_NAME,
        pool,
        {
            PAYMENT_SUCCEEDED: on_payment_succeeded,
            DISPUTE_RESOLVED: on_dispute_resolved,
            PROFILE_UPDATED: on_profile_updated,
            CREDITOR_IDENTITY_UPDATED: on_creditor_identity_updated,
        },
    )
    return [(consumer, list(SUBSCRIPTIONS))]
