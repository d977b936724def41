"""Check a parsed FEC file and extract its classified customer lines."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from .accounts import AccountFamilies, AccountFamily
from .cents import AmountUnits, CentAmounts, DecimalAmounts, NotWholeCents
from .classify import (
    DOCUMENT_KINDS_WITH_VAT,
    CustomerLine,
    DocumentKind,
    build_customer_line,
    classify_customer_lines,
)
from .entries import FecEntry, build_entries, check_entries
from .errors import FecValueError
from .gc_pause import garbage_collection_paused
from .journals import JournalType, infer_journal_type
from .line_scan import LineScan, scan_lines
from .records import FecFile, FecLine
from .vat import VatSummary, VatSummaryCache
from .values import MAX_AMOUNT
from .wording import COLON, SEMICOLON, amount, counted, lines_phrase, place, quoted

_MAX_LISTED_LINES = 5
MAX_CODE_LENGTH = 100
"""Maximum characters of each code the ledger stores and indexes for a customer line.

JournalCode, EcritureNum, PieceRef and the customer account go together
into the entry's unique source key, and EcritureLet into an index of its
own. A character takes at most 4 bytes, so codes of this length stay below
the 2,704 bytes that an entry of a PostgreSQL B-tree index (version 4) may
take. The import rejects a longer code instead of failing on the index.
"""
_CUSTOMER = AccountFamily.CUSTOMER
"""A module constant, because reading it from the Enum class in a loop is slow (see `line_scan`)."""


class FecAnalysis:
    """Entries and classified customer lines of a FEC file whose balances are checked."""

    __slots__ = ("customer_lines", "warnings", "total_debit", "total_credit", "_entries", "_entry_source")

    def __init__(
        self,
        customer_lines: list[CustomerLine],
        warnings: list[str],
        total_debit: Decimal,
        total_credit: Decimal,
        entry_source: tuple[FecFile, LineScan, set[int]],
    ) -> None:
        # Lines on 411 accounts, in file order.
        self.customer_lines = customer_lines
        # Reader warnings followed by analysis warnings.
        self.warnings = warnings
        self.total_debit = total_debit
        self.total_credit = total_credit
        self._entries: list[FecEntry] | None = None
        self._entry_source = entry_source

    @property
    def entries(self) -> list[FecEntry]:
        """Every entry of the file in order of first appearance, built on first use.

        The import reads only `customer_lines`, so the entries without a
        customer line are built only when asked for.
        """
        if self._entries is None:
            fec, scan, unreliable = self._entry_source
            self._entries = build_entries(fec, scan, unreliable)
        return self._entries

    def customer_balances(self) -> dict[str, Decimal]:
        """Return debit minus credit per customer account, opening balances included."""
        balances: dict[str, Decimal] = {}
        for customer_line in self.customer_lines:
            account = customer_line.customer_account
            balances[account] = balances.get(account, Decimal("0.00")) + customer_line.balance
        return balances


def analyse_fec(fec: FecFile) -> FecAnalysis:
    """Group the lines of `fec` into entries, check balances and classify every customer line.

    Invoices and credit notes get a VAT breakdown when their entry shows which
    revenue and VAT lines belong to them: the whole entry when it has one such
    document, else the lines sharing the document's PieceRef if they balance
    alone. Raises FecUnbalancedError when an entry does not balance and its
    journal does not either.
    """
    with garbage_collection_paused():
        try:
            return _analyse(fec, CentAmounts())
        except NotWholeCents:
            return _analyse(fec, DecimalAmounts())


def _analyse(fec: FecFile, amounts: AmountUnits) -> FecAnalysis:
    families = AccountFamilies()
    scan = scan_lines(fec.columns, amounts, families)
    unreliable, warnings = check_entries(fec, scan)
    customer_entries = build_entries(fec, scan, unreliable, scan.customer_groups)

    vat_summaries = VatSummaryCache(families)
    journal_types: dict[str, JournalType] = {}
    customer_lines: list[CustomerLine] = []
    without_breakdown: list[FecLine] = []
    for entry in customer_entries:
        journal_code = entry.key[0]
        journal_type = journal_types.get(journal_code)
        if journal_type is None:
            journal_type = journal_types[journal_code] = infer_journal_type(journal_code, scan.journals[journal_code])

        customer_fec_lines = [line for line in entry.lines if families[line.account_number] is _CUSTOMER]
        kinds = classify_customer_lines(
            customer_fec_lines, entry.lines, journal_type, amounts, families, reliable_entry=entry.is_reliable
        )
        document_count = sum(1 for kind in kinds if kind in DOCUMENT_KINDS_WITH_VAT)
        lines_by_piece_ref = _lines_by_piece_ref(entry.lines) if document_count > 1 and entry.is_reliable else {}

        for line, kind in zip(customer_fec_lines, kinds):
            vat_summary = None
            if kind in DOCUMENT_KINDS_WITH_VAT and entry.is_reliable:
                if document_count == 1:
                    document_lines = entry.lines
                else:
                    document_lines = _lines_of_document(lines_by_piece_ref[line.piece_ref], amounts, families)
                if document_lines is None:
                    without_breakdown.append(line)
                else:
                    vat_summary = vat_summaries.summarise(document_lines, 1 if kind is DocumentKind.INVOICE else -1)
            customer_lines.append(_build_customer_line(entry, line, kind, vat_summary))

    customer_lines.sort(key=lambda customer_line: customer_line.line.line_number)
    _reject_amounts_beyond_storage(customer_lines, fec.source)
    _reject_codes_beyond_storage(customer_lines, fec.source)
    warnings.extend(_missing_customer_warnings(customer_lines, fec.source))
    if without_breakdown:
        warnings.append(_without_breakdown_warning(without_breakdown, fec.source))
    return FecAnalysis(
        customer_lines=customer_lines,
        warnings=[*fec.warnings, *warnings],
        total_debit=sum(fec.columns.debit, Decimal("0.00")),
        total_credit=sum(fec.columns.credit, Decimal("0.00")),
        entry_source=(fec, scan, unreliable),
    )


def _reject_amounts_beyond_storage(customer_lines: list[CustomerLine], source: str) -> None:
    """Raise FecValueError when an amount the ledger stores for a customer line exceeds MAX_AMOUNT.

    The reader bounds each Debit and Credit, but a line's balance (Debit minus
    a negative Credit) and a document's totals before VAT and of VAT add
    several of them, and would overflow the ledger's numeric(15, 2) columns.
    """
    for customer_line in customer_lines:
        stored = (
            ("le solde Debit − Credit", customer_line.debit - customer_line.credit),
            ("le total hors taxes", customer_line.net_total),
            ("le total de TVA", customer_line.vat_total),
        )
        for name, value in stored:
            if value is not None and not -MAX_AMOUNT <= value <= MAX_AMOUNT:
                line_number = customer_line.line.line_number
                raise FecValueError(
                    f"{place(source, line_number)}{COLON} {name} de cette ligne de compte client, {amount(value)},"
                    " dépasse le plus grand montant que le grand livre enregistre (au plus"
                    f" {amount(MAX_AMOUNT)} en valeur absolue){SEMICOLON} corrigez l’écriture dans le logiciel"
                    " comptable, puis exportez de nouveau le fichier",
                    line_number=line_number,
                    value=str(value),
                )


def _reject_codes_beyond_storage(customer_lines: list[CustomerLine], source: str) -> None:
    """Raise FecValueError when a code that the ledger indexes for a customer line exceeds MAX_CODE_LENGTH."""
    for customer_line in customer_lines:
        line = customer_line.line
        codes = (
            ("JournalCode", line.journal_code),
            ("EcritureNum", line.entry_number),
            ("PieceRef", line.piece_ref),
            ("CompAuxNum" if line.aux_account is not None else "CompteNum", customer_line.customer_account),
            ("EcritureLet", line.lettering or ""),
        )
        for column, value in codes:
            if len(value) > MAX_CODE_LENGTH:
                raise FecValueError(
                    f"{place(source, line.line_number, column)}{COLON} la valeur {quoted(value[:40] + '…')} compte"
                    f" {counted(len(value), 'caractère', 'caractères')}, alors que le grand livre enregistre au plus"
                    f" {MAX_CODE_LENGTH} caractères dans cette colonne pour une ligne de compte client{SEMICOLON}"
                    " raccourcissez-la dans le logiciel comptable, puis exportez de nouveau le fichier",
                    line_number=line.line_number,
                    column=column,
                    value=value,
                )


def _missing_customer_warnings(customer_lines: list[CustomerLine], source: str) -> list[str]:
    """Warn about customer lines without CompAuxNum on an account whose other lines name their customer.

    Such a line counts for a customer account named after the collective
    account (411000, say), which no agency has: the export most likely lost
    its CompAuxNum.
    """
    collective = {line.line.account_number for line in customer_lines if line.line.aux_account is not None}
    orphans: dict[str, list[int]] = {}
    for line in customer_lines:
        if line.line.aux_account is None and line.line.account_number in collective:
            orphans.setdefault(line.line.account_number, []).append(line.line.line_number)
    warnings = []
    for account, line_numbers in orphans.items():
        listed_lines = lines_phrase(line_numbers, _MAX_LISTED_LINES)
        if len(line_numbers) == 1:
            subject, attached = f"la {listed_lines} du compte {account} n’a", "elle est rattachée"
        else:
            subject, attached = f"les {listed_lines} du compte {account} n’ont", "elles sont rattachées"
        warnings.append(
            f"{source}{COLON} {subject} pas de compte client (CompAuxNum), alors que les autres lignes de ce"
            f" compte en ont un{SEMICOLON} {attached} à un compte client {quoted(account)}. Vérifiez l’export du"
            " logiciel comptable."
        )
    return warnings


def _lines_by_piece_ref(entry_lines: Sequence[FecLine]) -> dict[str, list[FecLine]]:
    groups: dict[str, list[FecLine]] = {}
    for line in entry_lines:
        groups.setdefault(line.piece_ref, []).append(line)
    return groups


def _lines_of_document(
    document_lines: list[FecLine], amounts: AmountUnits, families: AccountFamilies
) -> list[FecLine] | None:
    """Return the lines of one PieceRef of an entry if they form one balanced document: one customer line, debit = credit."""
    customer_count = sum(1 for line in document_lines if families[line.account_number] is AccountFamily.CUSTOMER)
    balance = sum(amounts[line.debit] - amounts[line.credit] for line in document_lines)
    if customer_count != 1 or balance:
        return None
    return document_lines


def _build_customer_line(
    entry: FecEntry, line: FecLine, kind: DocumentKind, vat_summary: VatSummary | None
) -> CustomerLine:
    document_number = line.piece_ref or f"{line.journal_code}-{line.entry_number}"
    if line.aux_account is not None:
        customer_account, customer_label = line.aux_account, line.aux_label or line.account_label
    else:
        customer_account, customer_label = line.account_number, line.account_label

    total = abs(line.debit - line.credit) if kind in DOCUMENT_KINDS_WITH_VAT else None
    return build_customer_line(
        line,
        customer_account,
        customer_label,
        kind,
        document_number,
        line.piece_date or line.entry_date,
        line.debit,
        line.credit,
        line.lettering,
        line.lettering_date,
        entry.key,
        vat_summary.rows if vat_summary else (),
        vat_summary.net_total if vat_summary else None,
        vat_summary.vat_total if vat_summary else None,
        total,
    )


def _without_breakdown_warning(lines: list[FecLine], source: str) -> str:
    where = lines_phrase([line.line_number for line in lines], _MAX_LISTED_LINES)
    if len(lines) == 1:
        subject = "1 ligne de facture ou d’avoir n’a pas de ventilation de TVA"
    else:
        subject = f"{counted(len(lines), 'ligne', 'lignes')} de facture ou d’avoir n’ont pas de ventilation de TVA"
    return (
        f"{source}{COLON} {subject} ({where}), car leur écriture contient plusieurs documents que PieceRef"
        " ne sépare pas en groupes équilibrés"
    )
