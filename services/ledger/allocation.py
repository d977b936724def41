"""Allocations derived from imported lettering.

Rule: within one lettering group of one customer account, credits settle
debits oldest first (by date, then by entry id), each credit in date order.
A group is the entries with the same code from the same import scope: the
file that last set their lettering.
What a group cannot match stays open: a debit partly paid, or a credit
left unallocated (its counterpart lies outside the file, for example in an
opening balance). Codes are compared exactly as imported, after trimming,
so codes of different creditors or accounts never merge.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import asyncpg


@dataclass(slots=True)
class OpenEntry:
    id: int
    customer_account: str
    kind: str
    lettering: str | None
    lettering_scope: str | None
    document_date: date
    amount: Decimal
    is_debit: bool
    open_before: Decimal
    open_amount: Decimal


@dataclass(frozen=True, slots=True)
class BalanceChange:
    """An entry whose open amount changed."""

    entry_id: int
    customer_account: str
    kind: str
    before: Decimal
    after: Decimal


def settle_group(debits: list[OpenEntry], credits: list[OpenEntry]) -> list[tuple[int, int, Decimal]]:
    """Match credits against debits oldest first; return ``(debit_id, credit_id, amount)`` rows."""
    matches = []
    ordered_debits = sorted(debits, key=lambda entry: (entry.document_date, entry.id))
    for credit in sorted(credits, key=lambda entry: (entry.document_date, entry.id)):
        for debit in ordered_debits:
            if credit.open_amount == 0:
                break
            if debit.open_amount == 0:
                continue
            amount = min(debit.open_amount, credit.open_amount)
            debit.open_amount -= amount
            credit.open_amount -= amount
            matches.append((debit.id, credit.id, amount))
    return matches


async def rebuild_import_allocations(
    connection: asyncpg.Connection, creditor: str, accounts: list[str]
) -> list[BalanceChange]:
    """Recompute the import allocations of ``accounts`` and every entry's open amount.

    Allocations made by the ledger itself (payments, credit-note imputations)
    are kept and reduce what the lettering groups can still match.
    """
    if not accounts:
        return []
    await connection.execute(
        """DELETE FROM allocations
            WHERE creditor_id = $1 AND customer_account = ANY($2::text[])
              AND origin = 'import' AND reversed_at IS NULL""",
        creditor,
        accounts,
    )
    rows = await connection.fetch(
        """WITH allocated AS (
               SELECT entry_id, sum(amount) AS amount
                 FROM (SELECT debit_entry_id AS entry_id, amount FROM allocations
                        WHERE creditor_id = $1 AND customer_account = ANY($2::text[]) AND reversed_at IS NULL
                       UNION ALL
                       SELECT credit_entry_id, amount FROM allocations
                        WHERE creditor_id = $1 AND customer_account = ANY($2::text[]) AND reversed_at IS NULL
                      ) AS sides
                GROUP BY entry_id)
           SELECT e.id, e.customer_account, e.kind, e.lettering, e.lettering_scope, e.document_date,
                  e.debit, e.credit,
                  e.open_amount, coalesce(a.amount, 0) AS allocated
             FROM entries e
             LEFT JOIN allocated a ON a.entry_id = e.id
            WHERE e.creditor_id = $1 AND e.customer_account = ANY($2::text[])""",
        creditor,
        accounts,
    )
    entries = []
    groups: dict[tuple[str, str, str], list[OpenEntry]] = defaultdict(list)
    for row in rows:
        amount = row["debit"] + row["credit"]
        entry = OpenEntry(
            id=row["id"],
            customer_account=row["customer_account"],
            kind=row["kind"],
            lettering=row["lettering"],
            lettering_scope=row["lettering_scope"],
            document_date=row["document_date"],
            amount=amount,
            is_debit=row["debit"] > 0,
            open_before=row["open_amount"],
            open_amount=amount - row["allocated"],
        )
        entries.append(entry)
        # Only imported codes make import allocations; the ledger's own codes
        # describe allocations it made itself, which are kept as they are.
        if entry.lettering and entry.lettering_scope and entry.lettering_scope.startswith("import:"):
            groups[(entry.customer_account, entry.lettering_scope, entry.lettering)].append(entry)

    new_allocations = []
    for (account, scope, code), members in groups.items():
        debits = [entry for entry in members if entry.is_debit]
        credits = [entry for entry in members if not entry.is_debit]
        for debit_id, credit_id, amount in settle_group(debits, credits):
            new_allocations.append((creditor, account, debit_id, credit_id, amount, code, scope, "import"))
    if new_allocations:
        await connection.copy_records_to_table(
            "allocations",
            records=new_allocations,
            columns=[
                "creditor_id", "customer_account", "debit_entry_id", "credit_entry_id",
                "amount", "lettering", "lettering_scope", "origin",
            ],
        )

    changes = [
        BalanceChange(entry.id, entry.customer_account, entry.kind, entry.open_before, entry.open_amount)
        for entry in entries
        if entry.open_amount != entry.open_before
    ]
    if changes:
        await connection.execute(
            """UPDATE entries AS e
                  SET open_amount = c.open_amount, balance_version = e.balance_version + 1
                 FROM unnest($1::bigint[], $2::numeric[]) AS c(id, open_amount)
                WHERE e.id = c.id""",
            [change.entry_id for change in changes],
            [change.after for change in changes],
        )
    return changes
