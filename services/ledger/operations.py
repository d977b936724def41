"""Ledger operations: record a payment, impute a credit note, reverse a payment.

Each operation runs inside the caller's transaction together with its
outbox events. An operation first takes a share lock on its creditor's row,
which a FEC import of that creditor holds exclusively. An import plans open
amounts from one read of the accounts, so no operation may change them in
the meantime. Operations on different customer accounts still run side by
side.

Every writer of a customer account takes the creditor's share lock, then
the account's row lock (`lock_account`, through `ensure_account` for a new
account), before it reads or writes any row of that account: entries,
allocations, pending allocations, the lettering counter and the per-day
totals. After that it may touch those rows in any order, because no other
writer of the account runs until it commits. An import locks the creditor
row exclusively instead, which excludes every writer of its accounts.
A writer that skipped the account lock could take a day's totals and an
entry in the opposite order of another and deadlock. Without the lock, a
credit note and the invoice it names, written at the same time, each
missed the other's uncommitted row, so the credit note's pending
allocation was never applied.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import asyncpg

from services.ledger.domain import (
    EntryKind,
    LedgerError,
    paris_today,
    search_key,
)
from services.ledger.events import balance_changed_event
from shared.errors import Conflict, NotFound, Unprocessable
from shared.events.outbox import add_many_to_outbox

LEDGER_SCOPE = "ledger"
ZERO = Decimal("0.00")
DOCUMENT_KINDS = (EntryKind.INVOICE.value, EntryKind.CREDIT_NOTE.value)


class DocumentNotFound(LedgerError, NotFound):
    code = "document_not_found"


class InvalidAmount(LedgerError, Unprocessable):
    code = "invalid_amount"


class AlreadyReversed(LedgerError, Conflict):
    code = "already_reversed"


@dataclass
class OperationResult:
    """Changes made by an operation."""

    entry_id: int | None = None
    allocated: Decimal = ZERO
    unallocated: Decimal = ZERO
    pending: list[str] = field(default_factory=list)
    touched: list[int] = field(default_factory=list)
    already_done: bool = False


async def next_lettering_code(connection: asyncpg.Connection, creditor: str, account: str) -> str:
    """Return a new code for the account: ``L`` and a counter that never goes back."""
    value = await connection.fetchval(
        """INSERT INTO lettering_counters (creditor_id, customer_account, last_value) VALUES ($1, $2, 1)
           ON CONFLICT (creditor_id, customer_account)
           DO UPDATE SET last_value = lettering_counters.last_value + 1
           RETURNING last_value""",
        creditor,
        account,
    )
    return f"L{value:05d}"


async def lock_entries(connection: asyncpg.Connection, entry_ids: list[int]) -> dict[int, asyncpg.Record]:
    """Lock the entries `entry_ids` in id order and return their rows by id.

    The lock is FOR NO KEY UPDATE: a writer changes open amounts and
    lettering, never an id, so a foreign key check on an entry (storing a
    document's PDF at its first view) does not wait for it.
    """
    rows = await connection.fetch(
        """SELECT id, creditor_id, customer_account, kind, document_number, due_date, debit, credit,
                  open_amount, lettering, lettering_scope, balance_version
             FROM entries WHERE id = ANY($1::bigint[]) ORDER BY id FOR NO KEY UPDATE""",
        sorted(set(entry_ids)),
    )
    return {row["id"]: row for row in rows}


async def allocate(
    connection: asyncpg.Connection,
    debit: asyncpg.Record,
    credit: asyncpg.Record,
    amount: Decimal,
    code: str,
) -> None:
    """Allocate ``amount`` of ``credit`` to ``debit`` (both locked by the caller)."""
    if amount <= 0:
        raise InvalidAmount(f"Montant d’imputation invalide : {amount} (un montant positif est attendu).")
    await connection.execute(
        """INSERT INTO allocations (creditor_id, customer_account, debit_entry_id, credit_entry_id, amount,
                                    lettering, lettering_scope, origin)
           VALUES ($1, $2, $3, $4, $5, $6, $7, 'ledger')""",
        debit["creditor_id"],
        debit["customer_account"],
        debit["id"],
        credit["id"],
        amount,
        code,
        LEDGER_SCOPE,
    )
    # The CHECK (open_amount >= 0) constraint rejects any over-allocation.
    await connection.execute(
        """UPDATE entries
              SET open_amount = open_amount - $2,
                  balance_version = balance_version + 1,
                  lettering = coalesce(lettering, $3),
                  lettering_scope = CASE WHEN lettering IS NULL THEN $4 ELSE lettering_scope END,
                  lettering_date = CASE WHEN lettering IS NULL THEN $5 ELSE lettering_date END
            WHERE id = ANY($1::bigint[])""",
        [debit["id"], credit["id"]],
        amount,
        code,
        LEDGER_SCOPE,
        paris_today(),
    )


async def balance_events(
    connection: asyncpg.Connection, creditor: str, entry_ids: list[int], correlation_id: str | None
) -> None:
    """Write ``ledger.document.balance_changed`` for the invoices and credit notes among ``entry_ids``."""
    rows = await connection.fetch(
        """SELECT id, customer_account, kind, document_number, due_date, debit, credit, open_amount,
                  balance_version
             FROM entries WHERE id = ANY($1::bigint[]) AND kind = ANY($2::text[]) ORDER BY id""",
        sorted(set(entry_ids)),
        list(DOCUMENT_KINDS),
    )
    await add_many_to_outbox(
        connection,
        [
            balance_changed_event(creditor, row, row["open_amount"], row["balance_version"], correlation_id=correlation_id)
            for row in rows
        ],
    )


async def lock_creditor(connection: asyncpg.Connection, creditor: str) -> None:
    """Take the creditor's share lock, which waits for a running import of its FEC files (see the module doc)."""
    if not await connection.fetchval("SELECT true FROM creditors WHERE id = $1 FOR SHARE", creditor):
        raise DocumentNotFound(f"Créancier «\u00a0{creditor}\u00a0» inconnu du grand livre.")


async def lock_account(connection: asyncpg.Connection, creditor: str, account: str) -> None:
    """Take the customer account's row lock, after the creditor's (see the module doc).

    A row that does not exist yet locks nothing: `ensure_account` creates it
    first. The lock does not block foreign key checks, which take a weaker
    one, so the account's entries and address versions can still refer to it.
    """
    await lock_creditor(connection, creditor)
    await _lock_account_row(connection, creditor, account)


async def _lock_account_row(connection: asyncpg.Connection, creditor: str, account: str) -> None:
    await connection.execute(
        "SELECT 1 FROM customer_accounts WHERE creditor_id = $1 AND account_number = $2 FOR NO KEY UPDATE",
        creditor,
        account,
    )


async def ensure_account(connection: asyncpg.Connection, creditor: str, account: str) -> None:
    """Create the customer account if needed and take its lock (see `lock_account`)."""
    await lock_creditor(connection, creditor)
    await connection.execute(
        """INSERT INTO customer_accounts (creditor_id, account_number) VALUES ($1, $2)
           ON CONFLICT DO NOTHING""",
        creditor,
        account,
    )
    await _lock_account_row(connection, creditor, account)


async def insert_entry(
    connection: asyncpg.Connection,
    *,
    creditor: str,
    account: str,
    kind: EntryKind,
    number: str,
    document_date: date,
    amount: Decimal,
    label: str,
    source: str,
    source_key: str,
    due_date: date | None = None,
    preceding_document: str | None = None,
) -> int | None:
    """Insert an entry; return its id, or None when ``source_key`` exists (already recorded)."""
    is_debit = kind in (EntryKind.INVOICE, EntryKind.REFUND, EntryKind.OPENING_BALANCE)
    return await connection.fetchval(
        """INSERT INTO entries (creditor_id, customer_account, kind, document_number, search_key,
                               document_date, due_date, label, debit, credit, open_amount, source,
                               source_key, preceding_document)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
           ON CONFLICT (creditor_id, source_key) DO NOTHING
           RETURNING id""",
        creditor,
        account,
        kind.value,
        number,
        search_key(number),
        document_date,
        due_date,
        label,
        amount if is_debit else ZERO,
        ZERO if is_debit else amount,
        amount,
        source,
        source_key,
        preceding_document,
    )


async def find_documents(
    connection: asyncpg.Connection, creditor: str, account: str, numbers: list[str], kind: EntryKind
) -> dict[str, int]:
    """Map each requested number's search key to the id of the matching document, if any.

    A number may recur on one account, in another fiscal year. The document
    still open wins, and among several the newest, so that a payment reaches
    the invoice that the statement shows as due, not a paid one of an earlier year.
    """
    keys = [search_key(number) for number in numbers]
    rows = await connection.fetch(
        """SELECT DISTINCT ON (search_key) search_key, id FROM entries
            WHERE creditor_id = $1 AND customer_account = $2 AND kind = $3 AND search_key = ANY($4::text[])
            ORDER BY search_key, open_amount > 0 DESC, document_date DESC, id DESC""",
        creditor,
        account,
        kind.value,
        keys,
    )
    return {row["search_key"]: row["id"] for row in rows}


async def settle_credit(
    connection: asyncpg.Connection,
    creditor: str,
    account: str,
    credit_id: int,
    targets: list[tuple[str, Decimal]],
    *,
    target_kind: EntryKind = EntryKind.INVOICE,
) -> OperationResult:
    """Allocate a credit entry to the named debits; keep what cannot be applied yet as pending."""
    await lock_account(connection, creditor, account)
    result = OperationResult(entry_id=credit_id)
    found = await find_documents(connection, creditor, account, [number for number, _ in targets], target_kind)
    locked = await lock_entries(connection, [credit_id, *found.values()])

    credit = locked[credit_id]
    remaining = credit["open_amount"]
    code: str | None = None
    touched = [credit_id]
    for number, requested in targets:
        entry_id = found.get(search_key(number))
        if entry_id is None:
            # Not known yet (the feed or the next FEC file brings it): apply it then.
            await connection.execute(
                """INSERT INTO pending_allocations (creditor_id, customer_account, credit_entry_id, search_key,
                                                    document_number, amount)
                   VALUES ($1, $2, $3, $4, $5, $6)""",
                creditor,
                account,
                credit_id,
                search_key(number),
                number,
                requested,
            )
            result.pending.append(number)
            continue

        # Read again: an earlier target of this call may have allocated to it.
        debit = await connection.fetchrow(
            "SELECT id, creditor_id, customer_account, open_amount FROM entries WHERE id = $1", entry_id
        )
        amount = min(requested, debit["open_amount"], remaining)
        if amount <= 0:
            continue
        code = code or await next_lettering_code(connection, creditor, account)
        await allocate(connection, debit, credit, amount, code)
        remaining -= amount
        result.allocated += amount
        touched.append(entry_id)

    result.unallocated = remaining
    result.touched = touched
    return result


async def record_payment(
    connection: asyncpg.Connection,
    *,
    creditor: str,
    account: str,
    payment_id: str,
    amount: Decimal,
    invoices: list[tuple[str, Decimal]],
    paid_on: date | None = None,
    correlation_id: str | None = None,
) -> OperationResult:
    """Record a card payment and allocate it to its invoices, once per payment id.

    An amount beyond what the invoices still owe stays on the account as an
    unallocated credit.
    """
    if amount <= 0:
        raise InvalidAmount(f"Montant de paiement invalide : {amount} (un montant positif est attendu).")
    await ensure_account(connection, creditor, account)
    entry_id = await insert_entry(
        connection,
        creditor=creditor,
        account=account,
        kind=EntryKind.PAYMENT,
        number=payment_id,
        document_date=paid_on or paris_today(),
        amount=amount,
        label="Paiement par carte",
        source="payment",
        source_key=f"payment:{payment_id}",
    )
    if entry_id is None:
        return OperationResult(already_done=True)
    result = await settle_credit(connection, creditor, account, entry_id, invoices)
    await balance_events(connection, creditor, result.touched, correlation_id)
    return result


async def impute_credit_note(
    connection: asyncpg.Connection,
    *,
    creditor: str,
    account: str,
    credit_note_number: str,
    invoice_number: str,
    amount: Decimal | None = None,
    correlation_id: str | None = None,
) -> OperationResult:
    """Impute a credit note on an invoice (all that is still open on both, or ``amount``)."""
    await lock_account(connection, creditor, account)
    notes = await find_documents(connection, creditor, account, [credit_note_number], EntryKind.CREDIT_NOTE)
    note_id = notes.get(search_key(credit_note_number))
    if note_id is None:
        raise DocumentNotFound(f"Avoir n° {credit_note_number} introuvable sur ce compte.")
    invoices = await find_documents(connection, creditor, account, [invoice_number], EntryKind.INVOICE)
    if search_key(invoice_number) not in invoices:
        raise DocumentNotFound(f"Facture n° {invoice_number} introuvable sur ce compte.")
    requested = amount if amount is not None else Decimal("999999999999.99")
    result = await settle_credit(connection, creditor, account, note_id, [(invoice_number, requested)])
    await balance_events(connection, creditor, result.touched, correlation_id)
    return result


async def reverse_payment(
    connection: asyncpg.Connection,
    *,
    creditor: str,
    account: str,
    payment_number: str,
    reason: str,
    correlation_id: str | None = None,
) -> OperationResult:
    """Reverse a returned transfer or refunded payment: its invoices are due again.

    Every active allocation of the payment is marked reversed, then a debit
    ("Rejet de règlement") of the payment's amount consumes the payment, so
    the account balance goes back up by that amount.
    """
    # Under the account lock, a reversal of the same payment that ran at the
    # same time has committed, so the check below finds it.
    await lock_account(connection, creditor, account)
    payments = await find_documents(connection, creditor, account, [payment_number], EntryKind.PAYMENT)
    payment_id = payments.get(search_key(payment_number))
    if payment_id is None:
        raise DocumentNotFound(f"Règlement {payment_number} introuvable sur ce compte.")
    reversal_key = f"reversal:{payment_id}"
    if await connection.fetchval(
        "SELECT 1 FROM entries WHERE creditor_id = $1 AND source_key = $2", creditor, reversal_key
    ):
        raise AlreadyReversed(f"Le règlement {payment_number} a déjà été rejeté.")

    allocations = await connection.fetch(
        """SELECT id, debit_entry_id, amount FROM allocations
            WHERE credit_entry_id = $1 AND reversed_at IS NULL ORDER BY id FOR UPDATE""",
        payment_id,
    )
    locked = await lock_entries(connection, [payment_id, *(row["debit_entry_id"] for row in allocations)])
    for row in allocations:
        await connection.execute(
            "UPDATE allocations SET reversed_at = now(), reversal_reason = $2 WHERE id = $1", row["id"], reason
        )
        await connection.execute(
            """UPDATE entries SET open_amount = open_amount + $2, balance_version = balance_version + 1
                WHERE id = ANY($1::bigint[])""",
            [row["debit_entry_id"], payment_id],
            row["amount"],
        )
    payment = locked[payment_id]
    amount = payment["credit"]
    reversal_id = await insert_entry(
        connection,
        creditor=creditor,
        account=account,
        kind=EntryKind.REFUND,
        number=f"REJ-{payment_number}",
        document_date=paris_today(),
        amount=amount,
        label=f"Rejet de règlement : {reason}"[:200],
        source="reversal",
        source_key=reversal_key,
    )
    if reversal_id is None:
        raise AlreadyReversed(f"Le règlement {payment_number} a déjà été rejeté.")
    reversal = (await lock_entries(connection, [reversal_id]))[reversal_id]
    payment = (await lock_entries(connection, [payment_id]))[payment_id]
    await allocate(connection, reversal, payment, amount, await next_lettering_code(connection, creditor, account))
    touched = [row["debit_entry_id"] for row in allocations]
    await balance_events(connection, creditor, touched, correlation_id)
    return OperationResult(entry_id=reversal_id, allocated=amount)


async def apply_pending_allocations(
    connection: asyncpg.Connection, creditor: str, accounts: list[str], correlation_id: str | None = None
) -> int:
    """Apply pending allocations whose invoice has arrived; return how many were applied."""
    pending = await connection.fetch(
        """SELECT p.id, p.customer_account, p.credit_entry_id, p.document_number, p.amount
             FROM pending_allocations p
            WHERE p.creditor_id = $1 AND p.customer_account = ANY($2::text[]) AND p.applied_at IS NULL
              AND EXISTS (SELECT 1 FROM entries e
                           WHERE e.creditor_id = p.creditor_id AND e.customer_account = p.customer_account
                             AND e.search_key = p.search_key AND e.kind = 'invoice')
            ORDER BY p.id
              FOR UPDATE""",
        creditor,
        accounts,
    )
    for row in pending:
        await connection.execute("UPDATE pending_allocations SET applied_at = now() WHERE id = $1", row["id"])
        result = await settle_credit(
            connection, creditor, row["customer_account"], row["credit_entry_id"], [(row["document_number"], row["amount"])]
        )
        await balance_events(connection, creditor, result.touched, correlation_id)
    return len(pending)
