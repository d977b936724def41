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

from collections.abc import Sequence
from decimal import Decimal
from enum import StrEnum
from operator import attrgetter

from .accounts import is_cash_account, is_output_vat_account, is_sales_revenue_account
from .records import FecLine

OPENING_JOURNAL_CODES = frozenset({"AN", "ANO", "RAN"})
_MIN_SHARE = Decimal("0.4")
_debit_of = attrgetter("debit")
_credit_of = attrgetter("credit")


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


def infer_journal_type(code: str, lines: Sequence[FecLine]) -> JournalType:
    """Return the type of the journal `code` from all its lines, the first of them first in file order.

    The label of the first line is the journal's label.
    """
    if is_opening_journal(code, lines[0].journal_label):
        return JournalType.OPENING
    total = _movements(lines)
    if not total:
        return JournalType.OTHER
    if _movements([line for line in lines if is_cash_account(line.account_number)]) >= total * _MIN_SHARE:
        return JournalType.BANK
    sales_lines = [
        line
        for line in lines
        if is_sales_revenue_account(line.account_number) or is_output_vat_account(line.account_number)
    ]
    if _movements(sales_lines) >= total * _MIN_SHARE:
        return JournalType.SALES
    return JournalType.OTHER


def _movements(lines: Sequence[FecLine]) -> Decimal:
    """Return the sum of debit plus credit, in absolute value, of `lines`."""
    debits = sum(map(abs, map(_debit_of, lines)), Decimal(0))
    return debits + sum(map(abs, map(_credit_of, lines)), Decimal(0))
