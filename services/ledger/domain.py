"""Ledger rules: entry kinds, document states, due dates and errors."""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from shared.errors import DomainError, NotFound, Unprocessable

PARIS = ZoneInfo("Europe/Paris")
CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def paris_today() -> date:
    """Today's calendar date in Europe/Paris, the reference for due dates."""
    return datetime.now(PARIS).date()


# A new line that matches an imported entry that this file no longer
# contains is taken for a change of that entry when their dates are at most
# this far apart. Farther apart, it is taken for an entry of another fiscal
# year that reuses the number (many programs number entries from 1 each year).
CHANGED_ENTRY_MAX_DAYS = 183


class EntryKind(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"
    PAYMENT = "payment"
    REFUND = "refund"
    OPENING_BALANCE = "opening_balance"
    ADJUSTMENT = "adjustment"


# A no-break space binds « n° » to the number, so that a wrapped label never splits them.
DESIGNATION_PREFIX = {
    EntryKind.INVOICE: "Facture n°\u00a0",
    EntryKind.CREDIT_NOTE: "Avoir n°\u00a0",
    EntryKind.PAYMENT: "Règlement ",
    EntryKind.REFUND: "Remboursement ",
    EntryKind.OPENING_BALANCE: "Report à nouveau ",
    EntryKind.ADJUSTMENT: "Écriture ",
}


def designation(kind: str, document_number: str) -> str:
    """French label of an entry as the statement shows it."""
    return DESIGNATION_PREFIX[EntryKind(kind)] + document_number


class DocumentState(StrEnum):
    """State of an entry; debit rows use the first four, credit rows the last three."""

    PAID = "paid"
    UNPAID = "unpaid"
    PARTIALLY_PAID = "partially_paid"
    OVERDUE = "overdue"
    ALLOCATED = "allocated"
    UNALLOCATED = "unallocated"
    PARTIALLY_ALLOCATED = "partially_allocated"


STATE_LABELS = {
    DocumentState.PAID: "Réglée",
    DocumentState.UNPAID: "Non réglée",
    DocumentState.PARTIALLY_PAID: "Partiellement réglée",
    DocumentState.OVERDUE: "Échue",
    DocumentState.ALLOCATED: "Imputé",
    DocumentState.UNALLOCATED: "Non imputé",
    DocumentState.PARTIALLY_ALLOCATED: "Partiellement imputé",
}


def document_state(
    *, debit: Decimal, credit: Decimal, open_amount: Decimal, due_date: date | None, today: date
) -> DocumentState:
    """Decide an entry's state; the one place used by every screen, export and event.

    A debit with an amount still due is overdue once its due date is before
    today (Europe/Paris calendar days): due on the 31st, overdue on the 1st.
    """
    if debit > 0:
        if open_amount == 0:
            return DocumentState.PAID
        if due_date is not None and due_date < today:
            return DocumentState.OVERDUE
        if open_amount < debit:
            return DocumentState.PARTIALLY_PAID
        return DocumentState.UNPAID
    if open_amount == 0:
        return DocumentState.ALLOCATED
    if open_amount < credit:
        return DocumentState.PARTIALLY_ALLOCATED
    return DocumentState.UNALLOCATED


def search_key(document_number: str) -> str:
    """Document number as matched between payments and invoices: upper case, without white space or format characters.

    Format characters (Unicode category Cf), such as the zero-width space
    U+200B, the word joiner U+2060 or the soft hyphen U+00AD, are invisible,
    so « FA\u200b220001 » is the document « FA220001 ». Migration 0017 removed
    them from the keys stored before this rule.
    """
    compact = "".join(document_number.split())
    if not compact.isascii():
        # No ASCII character is a format character, so most numbers skip this loop.
        compact = "".join(character for character in compact if unicodedata.category(character) != "Cf")
    return compact.upper()


_SEARCH_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")


def search_text(document_number: str) -> str:
    """Document number as the statement's search compares it: ASCII letters and digits only, upper case.

    The same as the generated column entries.search_text (migration 0011).
    """
    return "".join(character for character in document_number if character in _SEARCH_CHARACTERS).upper()


@dataclass(frozen=True, slots=True)
class PaymentTerms:
    """Payment terms such as ``30 jours fin de mois``, ``45 jours`` or ``à réception``."""

    days: int
    end_of_month: bool

    def due_date(self, issued: date) -> date:
        due = issued + timedelta(days=self.days)
        if self.end_of_month:
            due = due.replace(day=calendar.monthrange(due.year, due.month)[1])
        return due


_TERMS_PATTERN = re.compile(r"^(\d{1,3})\s*jours?(\s+fin\s+de\s+mois)?$")


def parse_payment_terms(text: str) -> PaymentTerms:
    """Parse French payment terms; raise ``InvalidPaymentTerms`` naming the accepted forms."""
    # Accents and case are ignored, so "à réception", "A RECEPTION" and "a réception" all match.
    decomposed = unicodedata.normalize("NFKD", text.lower())
    normalized = " ".join("".join(character for character in decomposed if not unicodedata.combining(character)).split())
    if normalized in {"a reception", "comptant", "a reception de facture"}:
        return PaymentTerms(days=0, end_of_month=False)
    match = _TERMS_PATTERN.match(normalized)
    if match is None:
        raise InvalidPaymentTerms(
            f"Conditions de paiement « {text} » non reconnues : utilisez « à réception », "
            "« N jours » ou « N jours fin de mois »."
        )
    return PaymentTerms(days=int(match.group(1)), end_of_month=bool(match.group(2)))


class LedgerError(DomainError):
    """Base of the ledger's errors."""


class InvalidPaymentTerms(LedgerError, Unprocessable):
    code = "invalid_payment_terms"


class UnknownCreditor(LedgerError, NotFound):
    code = "unknown_creditor"


class AccountNotFound(LedgerError, NotFound):
    code = "not_found"


class InvalidFilter(LedgerError, Unprocessable):
    code = "invalid_filter"


class InvalidFecFile(LedgerError, Unprocessable):
    code = "invalid_fec"
