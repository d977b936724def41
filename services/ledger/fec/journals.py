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

from enum import StrEnum

from .line_scan import JournalMovements

OPENING_JOURNAL_CODES = frozenset({"AN", "ANO", "RAN"})


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


def infer_journal_type(code: str, movements: JournalMovements) -> JournalType:
    """Return the type of the journal `code` from its label and its movements by account family."""
    if is_opening_journal(code, movements.label):
        return JournalType.OPENING
    # A share of at least 2/5, compared without a division.
    if movements.total and 5 * movements.cash >= 2 * movements.total:
        return JournalType.BANK
    if movements.total and 5 * movements.sales >= 2 * movements.total:
        return JournalType.SALES
    return JournalType.OTHER
