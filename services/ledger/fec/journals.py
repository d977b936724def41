"""Infer what each journal of a FEC file records: opening balances, sales, bank or other.

Journal codes are free text (e.g. VE, VEN, BQ, CRC, C1 or CIC), so only the
opening-balance journal is recognised by its code or label. The others are
recognised by the accounts they move:

- BANK when class 5 accounts (bank, cash, cheques to cash) carry at least 40 %
  of the journal's movements (debit plus credit). Every entry of a pure bank
  journal puts one side on class 5, which gives 50 %, while sales, purchase and
  payroll journals rarely touch class 5.
- SALES when sales revenue (70) and output VAT (4457) carry at least 40 %.
- OTHER for everything else (purchases, payroll, miscellaneous operations).

A cash-register journal that sells for cash against 53 matches both shares and
counts as BANK.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from enum import StrEnum

from .accounts import is_cash_account, is_output_vat_account, is_sales_revenue_account
from .records import FecLine

OPENING_JOURNAL_CODES = frozenset({"AN", "ANO", "RAN"})
_MIN_SHARE = Decimal("0.4")


class JournalType(StrEnum):
    """Kind of operations a journal records."""

    OPENING = "opening"
    SALES = "sales"
    BANK = "bank"
    OTHER = "other"


def is_opening_journal(code: str, label: str) -> bool:
    """Return whether the journal carries the opening balances ("à nouveaux").

    Matches the codes AN, ANO and RAN in any case, and labels such as "A nouveaux"
    or "Report à nouveau".
    """
    return code.upper() in OPENING_JOURNAL_CODES or "nouveau" in label.casefold()


def infer_journal_types(lines: Iterable[FecLine]) -> dict[str, JournalType]:
    """Return the type of every journal code that appears in `lines`."""
    labels: dict[str, str] = {}
    movements: defaultdict[str, Decimal] = defaultdict(Decimal)
    cash_movements: defaultdict[str, Decimal] = defaultdict(Decimal)
    sales_movements: defaultdict[str, Decimal] = defaultdict(Decimal)

    for line in lines:
        code = line.journal_code
        labels.setdefault(code, line.journal_label)
        movement = abs(line.debit) + abs(line.credit)
        movements[code] += movement
        if is_cash_account(line.account_number):
            cash_movements[code] += movement
        elif is_sales_revenue_account(line.account_number) or is_output_vat_account(line.account_number):
            sales_movements[code] += movement

    types: dict[str, JournalType] = {}
    for code, label in labels.items():
        total = movements[code]
        if is_opening_journal(code, label):
            types[code] = JournalType.OPENING
        elif total and cash_movements[code] >= total * _MIN_SHARE:
            types[code] = JournalType.BANK
        elif total and sales_movements[code] >= total * _MIN_SHARE:
            types[code] = JournalType.SALES
        else:
            types[code] = JournalType.OTHER
    return types
