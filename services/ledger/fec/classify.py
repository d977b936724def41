"""Classify customer lines (accounts 411) into invoices, credit notes, payments and other kinds.

A customer line is classified from the other lines of its entry that sit on the
opposite side (credit lines for a customer debit, debit lines for a customer
credit), in this order:

1. Any line of the opening-balance journal is OPENING_BALANCE.
2. A line with no amount is ADJUSTMENT.
3. Against sales revenue (70) or output VAT (4457): INVOICE for a customer
   debit, CREDIT_NOTE for a customer credit.
4. Against a class 5 account (bank, cash, cheques to cash): REFUND for a
   customer debit, PAYMENT for a customer credit.
5. In a bank journal, against any account other than a customer account:
   also REFUND or PAYMENT, e.g. a transfer booked against a suspense account.
6. Anything else is ADJUSTMENT: write-offs (654, 658, 678, 758, 778...),
   transfers between customer accounts, reclassifications.

When the entry key is unreliable (see `entries`), the entry does not show
which lines belong together. Only rules 1 and 2 apply then, and the journal
type and side decide the rest. A sales journal gives INVOICE for a debit and
CREDIT_NOTE for a credit, a bank journal gives REFUND or PAYMENT, and other
journals give ADJUSTMENT.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from .accounts import is_cash_account, is_customer_account, is_output_vat_account, is_sales_revenue_account
from .entries import EntryKey
from .journals import JournalType
from .records import FecLine
from .vat import VatBreakdown


class DocumentKind(StrEnum):
    """Business meaning of a customer line."""

    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"
    PAYMENT = "payment"
    REFUND = "refund"
    OPENING_BALANCE = "opening_balance"
    ADJUSTMENT = "adjustment"


DOCUMENT_KINDS_WITH_VAT = frozenset({DocumentKind.INVOICE, DocumentKind.CREDIT_NOTE})


@dataclass(frozen=True, slots=True)
class CustomerLine:
    """Line on a customer account (411) with its classification and document data."""

    line: FecLine
    customer_account: str
    """CompAuxNum, or CompteNum when the file has no auxiliary account on the line."""
    customer_label: str
    """CompAuxLib, or CompteLib when the file has no auxiliary account on the line."""
    kind: DocumentKind
    document_number: str
    """PieceRef, or "{JournalCode}-{EcritureNum}" when PieceRef is empty."""
    document_date: date
    """PieceDate, or EcritureDate when PieceDate is empty."""
    debit: Decimal
    credit: Decimal
    lettering: str | None
    """EcritureLet stripped, None when the line is not lettered."""
    lettering_date: date | None
    entry_key: EntryKey
    vat_breakdown: tuple[VatBreakdown, ...] = ()
    """Base and VAT per rate for invoices and credit notes whose entry shows them, else empty."""
    net_total: Decimal | None = None
    """Total before VAT of an invoice or credit note, None for other kinds or when unknown."""
    vat_total: Decimal | None = None
    """Total VAT of an invoice or credit note, None for other kinds or when unknown."""
    total: Decimal | None = None
    """Amount of an invoice or credit note including VAT: the customer line's amount, as a positive number."""

    @property
    def balance(self) -> Decimal:
        """Debit minus credit, the line's effect on the customer's balance."""
        return self.debit - self.credit


def classify_customer_line(
    line: FecLine, entry_lines: Sequence[FecLine], journal_type: JournalType, *, reliable_entry: bool
) -> DocumentKind:
    """Return the kind of the customer `line`, using the rules in the module docstring.

    `entry_lines` are all the lines of the line's entry, `line` included.
    """
    if journal_type is JournalType.OPENING:
        return DocumentKind.OPENING_BALANCE
    amount = line.debit - line.credit
    if not amount:
        return DocumentKind.ADJUSTMENT
    is_debit = amount > 0
    if not reliable_entry:
        return _classify_by_journal(journal_type, is_debit)

    against_sales = against_cash = against_other = False
    for other in entry_lines:
        other_amount = other.debit - other.credit
        if not other_amount or (other_amount > 0) == is_debit:
            continue
        account = other.account_number
        if is_customer_account(account):
            continue
        if is_sales_revenue_account(account) or is_output_vat_account(account):
            against_sales = True
        elif is_cash_account(account):
            against_cash = True
        else:
            against_other = True

    if against_sales:
        return DocumentKind.INVOICE if is_debit else DocumentKind.CREDIT_NOTE
    if against_cash or (against_other and journal_type is JournalType.BANK):
        return DocumentKind.REFUND if is_debit else DocumentKind.PAYMENT
    return DocumentKind.ADJUSTMENT


def _classify_by_journal(journal_type: JournalType, is_debit: bool) -> DocumentKind:
    if journal_type is JournalType.SALES:
        return DocumentKind.INVOICE if is_debit else DocumentKind.CREDIT_NOTE
    if journal_type is JournalType.BANK:
        return DocumentKind.REFUND if is_debit else DocumentKind.PAYMENT
    return DocumentKind.ADJUSTMENT
