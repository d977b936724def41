"""Events the ledger writes to its outbox."""

from __future__ import annotations

from decimal import Decimal

from services.ledger.domain import document_state, paris_today
from shared.events.envelope import EventEnvelope
from shared.events.ledger import BALANCE_CHANGED, DOCUMENT_ISSUED, BalanceChanged, DocumentIssued


def document_issued_event(creditor: str, row, amount_due: Decimal, *, correlation_id: str | None) -> EventEnvelope:
    """Build ``ledger.document.issued`` for a new invoice or credit note row."""
    total = row["debit"] + row["credit"]
    state = document_state(
        debit=row["debit"], credit=row["credit"], open_amount=amount_due, due_date=row["due_date"], today=paris_today()
    )
    data = DocumentIssued(
        entry_id=row["id"],
        kind=row["kind"],
        document_number=row["document_number"],
        document_date=row["document_date"],
        due_date=row["due_date"],
        total=total,
        amount_due=amount_due,
        state=state.value,
    )
    return EventEnvelope(
        type=DOCUMENT_ISSUED,
        producer="ledger",
        creditor_id=creditor,
        customer_account=row["customer_account"],
        correlation_id=correlation_id,
        data=data.model_dump(mode="json"),
    )


def balance_changed_event(
    creditor: str, row, amount_due: Decimal, sequence: int, *, correlation_id: str | None
) -> EventEnvelope:
    """Build ``ledger.document.balance_changed`` from an entry row and its new open amount."""
    state = document_state(
        debit=row["debit"], credit=row["credit"], open_amount=amount_due, due_date=row["due_date"], today=paris_today()
    )
    data = BalanceChanged(
        entry_id=row["id"],
        kind=row["kind"],
        document_number=row["document_number"],
        total=row["debit"] + row["credit"],
        amount_due=amount_due,
        state=state.value,
        sequence=sequence,
    )
    return EventEnvelope(
        type=BALANCE_CHANGED,
        producer="ledger",
        creditor_id=creditor,
        customer_account=row["customer_account"],
        correlation_id=correlation_id,
        data=data.model_dump(mode="json"),
    )
