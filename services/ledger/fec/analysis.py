"""Check a parsed FEC file and extract its classified customer lines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from .accounts import is_customer_account
from .classify import DOCUMENT_KINDS_WITH_VAT, CustomerLine, DocumentKind, classify_customer_line
from .entries import FecEntry, group_entries
from .journals import infer_journal_types
from .records import FecFile, FecLine
from .vat import VatSummary, summarise_vat

_MAX_LISTED_LINES = 5


@dataclass(frozen=True, slots=True)
class FecAnalysis:
    """Entries and classified customer lines of a FEC file whose balances are checked."""

    entries: list[FecEntry]
    """Entries in order of first appearance."""
    customer_lines: list[CustomerLine]
    """Lines on 411 accounts, in file order."""
    warnings: list[str]
    """Reader warnings followed by analysis warnings."""
    total_debit: Decimal
    total_credit: Decimal

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
    entries, warnings = group_entries(fec)
    journal_types = infer_journal_types(fec.lines)

    customer_lines: list[CustomerLine] = []
    without_breakdown: list[FecLine] = []
    for entry in entries:
        customer_fec_lines = [line for line in entry.lines if is_customer_account(line.account_number)]
        if not customer_fec_lines:
            continue
        journal_type = journal_types[entry.journal_code]
        kinds = [
            classify_customer_line(line, entry.lines, journal_type, reliable_entry=entry.is_reliable)
            for line in customer_fec_lines
        ]
        document_count = sum(1 for kind in kinds if kind in DOCUMENT_KINDS_WITH_VAT)

        for line, kind in zip(customer_fec_lines, kinds):
            vat_summary = None
            if kind in DOCUMENT_KINDS_WITH_VAT and entry.is_reliable:
                document_lines = entry.lines if document_count == 1 else _lines_of_document(line, entry.lines)
                if document_lines is None:
                    without_breakdown.append(line)
                else:
                    vat_summary = summarise_vat(document_lines, 1 if kind is DocumentKind.INVOICE else -1)
            customer_lines.append(_build_customer_line(entry, line, kind, vat_summary))

    customer_lines.sort(key=lambda customer_line: customer_line.line.line_number)
    if without_breakdown:
        warnings.append(_without_breakdown_warning(without_breakdown, fec.source))
    return FecAnalysis(
        entries=entries,
        customer_lines=customer_lines,
        warnings=[*fec.warnings, *warnings],
        total_debit=sum((line.debit for line in fec.lines), Decimal("0.00")),
        total_credit=sum((line.credit for line in fec.lines), Decimal("0.00")),
    )


def _lines_of_document(customer_line: FecLine, entry_lines: Sequence[FecLine]) -> Sequence[FecLine] | None:
    """Return the entry's lines that share the PieceRef of `customer_line`, if they form one balanced document."""
    document_lines = [line for line in entry_lines if line.piece_ref == customer_line.piece_ref]
    customer_count = sum(1 for line in document_lines if is_customer_account(line.account_number))
    balance = sum((line.debit - line.credit for line in document_lines), Decimal(0))
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
    return CustomerLine(
        line=line,
        customer_account=customer_account,
        customer_label=customer_label,
        kind=kind,
        document_number=document_number,
        document_date=line.piece_date or line.entry_date,
        debit=line.debit,
        credit=line.credit,
        lettering=line.lettering,
        lettering_date=line.lettering_date,
        entry_key=entry.key,
        vat_breakdown=vat_summary.rows if vat_summary else (),
        net_total=vat_summary.net_total if vat_summary else None,
        vat_total=vat_summary.vat_total if vat_summary else None,
        total=total,
    )


def _without_breakdown_warning(lines: list[FecLine], source: str) -> str:
    listed_lines = ", ".join(str(line.line_number) for line in lines[:_MAX_LISTED_LINES])
    if len(lines) > _MAX_LISTED_LINES:
        listed_lines += f" and {len(lines) - _MAX_LISTED_LINES} more"
    return (
        f"{source}: {len(lines)} invoice or credit-note lines have no VAT breakdown (lines {listed_lines})"
        " because their entry contains several documents that PieceRef does not separate into"
        " balanced groups"
    )
