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

from dataclasses import dataclass
from datetime import date
from decimal import Decimal



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
