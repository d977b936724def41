"""Events the ledger writes to its outbox."""

from __future__ import annotations

import json
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import asyncpg

from services.ledger.domain import EntryKind, document_state, paris_today
from shared.events.envelope import EventEnvelope, new_event_id
from shared.events.ledger import BALANCE_CHANGED, DOCUMENT_ISSUED, BalanceChanged, DocumentIssued
from shared.events.outbox import outbox_copy_row
from shared.events.streams import stream_for_subject

DOCUMENT_KINDS = frozenset((EntryKind.INVOICE.value, EntryKind.CREDIT_NOTE.value))
CENT = Decimal("0.01")


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


def document_issued_rows(creditor: str, entries, *, correlation_id: str | None) -> list[str]:
    """Build ``ledger.document.issued`` for the invoices and credit notes among an import's new `entries`.

    Returns outbox rows in COPY text (see `outbox_copy_row`). Each entry
    gives its id, kind, number, dates, amounts and open amount as they are
    stored. The rows hold the same events as `add_document_issued_events`
    builds in SQL from the stored rows, in the same order and with ids made
    the same way. Building them in Python lets the import do it while
    PostgreSQL writes the entries: for 400 events, building took about 4 ms
    and their COPY 7 to 8 ms, where the INSERT ... SELECT took 11 to 12 ms
    of the server's time. A test compares both builders.
    """
    template = EventEnvelope(
        type=DOCUMENT_ISSUED, producer="ledger", creditor_id=creditor, correlation_id=correlation_id
    ).model_dump(mode="json")
    del template["event_id"], template["customer_account"], template["data"]
    envelope_head = json.dumps(template, separators=(",", ":"))[:-1]  # without its closing brace
    id_prefix = str(new_event_id())[:28]
    stream = stream_for_subject(DOCUMENT_ISSUED).name
    today = paris_today()
    # Accounts, dates and amounts recur across documents, so each distinct one
    # is converted once, which cut this loop from 12 to 9 µs per event.
    account_texts: dict[str, str] = {}
    date_texts: dict[date | None, str] = {None: "null"}
    stored_amounts: dict[Decimal, Decimal] = {}
    rows = []
    number = 0
    for entry in sorted(entries, key=lambda entry: entry.id):
        if entry.kind not in DOCUMENT_KINDS:
            continue
        number += 1
        event_id = f"{id_prefix}{number:08x}"
        debit = stored_amounts.get(entry.debit)
        if debit is None:
            debit = stored_amounts[entry.debit] = _stored_amount(entry.debit)
        credit = stored_amounts.get(entry.credit)
        if credit is None:
            credit = stored_amounts[entry.credit] = _stored_amount(entry.credit)
        open_amount = stored_amounts.get(entry.open_amount)
        if open_amount is None:
            open_amount = stored_amounts[entry.open_amount] = _stored_amount(entry.open_amount)
        state = document_state(
            debit=debit, credit=credit, open_amount=open_amount, due_date=entry.due_date, today=today
        ).value
        account = account_texts.get(entry.customer_account)
        if account is None:
            account = account_texts[entry.customer_account] = json.dumps(entry.customer_account)
        document_date = date_texts.get(entry.document_date)
        if document_date is None:
            document_date = date_texts[entry.document_date] = f'"{entry.document_date.isoformat()}"'
        due_date = date_texts.get(entry.due_date)
        if due_date is None:
            due_date = date_texts[entry.due_date] = f'"{entry.due_date.isoformat()}"'
        # !s formats a Decimal with str(), three times faster than its __format__.
        data = (
            f'{{"entry_id":{entry.id},"kind":"{entry.kind}","document_number":{json.dumps(entry.document_number)},'
            f'"document_date":{document_date},"due_date":{due_date},'
            f'"total":"{debit + credit!s}","amount_due":"{open_amount!s}","state":"{state}"}}'
        )
        payload = f'{envelope_head},"event_id":"{event_id}","customer_account":{account},"data":{data}}}'
        rows.append(outbox_copy_row(event_id, DOCUMENT_ISSUED, stream, payload))
    return rows


def _stored_amount(amount: Decimal) -> Decimal:
    """Return `amount` as a numeric(15, 2) column stores it: rounded to the cent, half away from zero, no -0."""
    stored = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    return stored.copy_abs() if stored.is_zero() else stored


async def add_document_issued_events(
    connection: asyncpg.Connection,
    creditor: str,
    import_id: int,
    first_entry_id: int,
    last_entry_id: int,
    *,
    correlation_id: str | None,
) -> None:
    """Write ``ledger.document.issued`` for the invoices and credit notes an import created, in one statement.

    An import creates thousands of documents, and building each envelope
    with pydantic, then encoding it and sending it, cost more than writing
    the entries. PostgreSQL builds the events from the stored rows instead.
    The envelope's fixed fields come from an `EventEnvelope` dumped here, so
    its format stays the model's. The ``data`` object follows
    `DocumentIssued` field by field, with the state from the SQL
    `document_state` function. A test compares these events with the ones
    `document_issued_event` builds for the same rows.

    The import calls it only when it changed the new documents' open
    amounts after writing them (pending allocations), and otherwise writes
    the rows of `document_issued_rows`.
    """
    template = EventEnvelope(
        type=DOCUMENT_ISSUED, producer="ledger", creditor_id=creditor, correlation_id=correlation_id
    ).model_dump(mode="json")
    del template["event_id"], template["customer_account"], template["data"]
    await connection.execute(
        """INSERT INTO outbox (event_id, subject, stream, payload)
           SELECT event_id, $5, $6,
                  $7::jsonb || jsonb_build_object(
                      'event_id', event_id,
                      'customer_account', customer_account,
                      'data', jsonb_build_object(
                          'entry_id', id,
                          'kind', kind,
                          'document_number', document_number,
                          'document_date', document_date,
                          'due_date', due_date,
                          'total', (debit + credit)::text,
                          'amount_due', open_amount::text,
                          'state', document_state(debit, credit, open_amount, due_date, $4)))
             FROM (SELECT ($8 || lpad(to_hex(row_number() OVER (ORDER BY e.id)), 8, '0'))::uuid AS event_id, e.*
                     FROM entries e
                    WHERE e.id BETWEEN $2 AND $3 AND e.import_id = $1
                      AND e.kind IN ('invoice', 'credit_note')
                    ORDER BY e.id) AS created""",
        import_id,
        first_entry_id,
        last_entry_id,
        paris_today(),
        DOCUMENT_ISSUED,
        stream_for_subject(DOCUMENT_ISSUED).name,
        template,
        # One UUIDv7 for the statement, whose last 32 bits become a counter.
        # The ids keep the entries' order and need no random bytes per row,
        # which cost 3 µs per row with uuidv7() (measured here, 4,000 rows).
        str(new_event_id())[:28],
    )
