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

from .accounts import AccountFamilies, AccountFamily
from .cents import AmountUnits
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


class _CustomerLineSlots:
    """Plain class with the same slots as CustomerLine, so that an instance can become a CustomerLine."""

    __slots__ = CustomerLine.__slots__


_new_object = object.__new__


def build_customer_line(
    line: FecLine,
    customer_account: str,
    customer_label: str,
    kind: DocumentKind,
    document_number: str,
    document_date: date,
    debit: Decimal,
    credit: Decimal,
    lettering: str | None,
    lettering_date: date | None,
    entry_key: EntryKey,
    vat_breakdown: tuple[VatBreakdown, ...],
    net_total: Decimal | None,
    vat_total: Decimal | None,
    total: Decimal | None,
) -> CustomerLine:
    """Build the same CustomerLine as `CustomerLine(...)` with the same arguments, several times faster.

    See `records.build_fec_line` for how and why.
    """
    customer_line = _new_object(_CustomerLineSlots)
    customer_line.line = line
    customer_line.customer_account = customer_account
    customer_line.customer_label = customer_label
    customer_line.kind = kind
    customer_line.document_number = document_number
    customer_line.document_date = document_date
    customer_line.debit = debit
    customer_line.credit = credit
    customer_line.lettering = lettering
    customer_line.lettering_date = lettering_date
    customer_line.entry_key = entry_key
    customer_line.vat_breakdown = vat_breakdown
    customer_line.net_total = net_total
    customer_line.vat_total = vat_total
    customer_line.total = total
    customer_line.__class__ = CustomerLine
    return customer_line


def classify_customer_lines(
    customer_lines: Sequence[FecLine],
    entry_lines: Sequence[FecLine],
    journal_type: JournalType,
    amounts: AmountUnits,
    families: AccountFamilies,
    *,
    reliable_entry: bool,
) -> list[DocumentKind]:
    """Return the kind of each of `customer_lines`, using the rules in the module docstring.

    `customer_lines` are the lines on 411 accounts of one entry, and
    `entry_lines` all the lines of that entry, the customer lines included.
    `amounts` gives the number to compare for each amount (see `cents`).
    """
    if journal_type is JournalType.OPENING:
        return [DocumentKind.OPENING_BALANCE] * len(customer_lines)
    debit_families, credit_families = _counterpart_families(entry_lines, amounts, families) if reliable_entry else (0, 0)

    kinds: list[DocumentKind] = []
    for line in customer_lines:
        amount = amounts[line.debit] - amounts[line.credit]
        if not amount:
            kinds.append(DocumentKind.ADJUSTMENT)
        elif not reliable_entry:
            kinds.append(_classify_by_journal(journal_type, amount > 0))
        elif amount > 0:
            kinds.append(_classify_by_counterparts(credit_families, journal_type, is_debit=True))
        else:
            kinds.append(_classify_by_counterparts(debit_families, journal_type, is_debit=False))
    return kinds


def _counterpart_families(
    entry_lines: Sequence[FecLine], amounts: AmountUnits, families: AccountFamilies
) -> tuple[int, int]:
    """Return the account families of the entry's debit lines and of its credit lines, as AccountFamily masks.

    Lines with no amount count on neither side.
    """
    debit_families = credit_families = 0
    for line in entry_lines:
        amount = amounts[line.debit] - amounts[line.credit]
        if amount > 0:
            debit_families |= families[line.account_number]
        elif amount:
            credit_families |= families[line.account_number]
    return debit_families, credit_families


_SALES_FAMILIES = AccountFamily.SALES_REVENUE | AccountFamily.OUTPUT_VAT
_CASH_FAMILY = int(AccountFamily.CASH)
_OTHER_FAMILY = int(AccountFamily.OTHER)


def _classify_by_counterparts(counterpart_families: int, journal_type: JournalType, *, is_debit: bool) -> DocumentKind:
    """Apply rules 3 to 6 to a customer line whose opposite side has lines of the `counterpart_families` mask.

    Customer accounts on the opposite side count for nothing.
    """
    if counterpart_families & _SALES_FAMILIES:
        return DocumentKind.INVOICE if is_debit else DocumentKind.CREDIT_NOTE
    if counterpart_families & _CASH_FAMILY or (counterpart_families & _OTHER_FAMILY and journal_type is JournalType.BANK):
        return DocumentKind.REFUND if is_debit else DocumentKind.PAYMENT
    return DocumentKind.ADJUSTMENT


def _classify_by_journal(journal_type: JournalType, is_debit: bool) -> DocumentKind:
    if journal_type is JournalType.SALES:
        return DocumentKind.INVOICE if is_debit else DocumentKind.CREDIT_NOTE
    if journal_type is JournalType.BANK:
        return DocumentKind.REFUND if is_debit else DocumentKind.PAYMENT
    return DocumentKind.ADJUSTMENT
