"""The account statement as an A4 PDF in French (« Relevé de compte »), drawn with fpdf2.

The table has the statement's columns (Désignation, Date, Échéance, Débit,
Crédit, Lettrage, Reste dû, État), repeats its headings on every page and ends
with the totals. Every page carries « Page n/N ». The fonts are the embedded
DejaVu Sans subsets of the invoice PDFs, and amounts and dates use their
French formats (`1 234,56 €`, `31/07/2026`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal

from fpdf import FPDF

from services.ledger.documents.fonts import BOLD_FONT_PATH, REGULAR_FONT_PATH, covered_codepoints
from services.ledger.documents.format import NO_BREAK_SPACE, format_amount, format_date, format_number
from services.ledger.documents.pdf_style import FONT_FAMILY, FOOTER_HEIGHT, HEADING_FILL, MARGIN, RULE_GREY, TEXT_GREY
from services.ledger.documents.pdf_text import draw_fitted_cell, draw_paragraph, wrap_text
from services.ledger.statement import (
    BROUGHT_FORWARD_KIND,
    PARTIAL_LETTERING_MARK,
    StatementFilter,
    StatementView,
    lettering_text,
    period_start,
)

TITLE = "Relevé de compte"
# The note under the table of the web page, for the same mark in the Lettrage column.
PARTIAL_LETTERING_NOTE = (
    f"«{NO_BREAK_SPACE}{PARTIAL_LETTERING_MARK}{NO_BREAK_SPACE}» dans Lettrage{NO_BREAK_SPACE}: "
    "les écritures de ce code de lettrage ne se soldent pas encore."
)
TABLE_FONT_SIZE = 7.5
LINE_HEIGHT = 3.8
ROW_PADDING = 1.0  # mm above and below the text of a row
CELL_PADDING = 1.0  # mm between a cell's border and its text
# Printed in place of a character that the embedded Latin fonts cannot draw.
REPLACEMENT_CHARACTER = "?"
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Column:
    """One column of the table: heading, row key, width in mm and alignment."""

    heading: str
    key: str
    width: float
    align: str


# The widths add up to the 180 mm between the margins of a portrait A4 page. At 7.5 pt,
# « Facture n° FA2026-000034 » and a date fit on one line. « Partiellement réglée » and
# « an (partiel) » wrap onto two lines, which costs less height because such rows are rarer.
COLUMNS = (
    Column("Désignation", "designation", 38.0, "L"),
    Column("Date", "document_date", 17.5, "L"),
    Column("Échéance", "due_date", 17.5, "L"),
    Column("Débit", "debit", 22.0, "R"),
    Column("Crédit", "credit", 22.0, "R"),
    Column("Lettrage", "lettering", 15.0, "C"),
    Column("Reste dû", "amount_due", 23.0, "R"),
    Column("État", "state_label", 25.0, "L"),
)
# Columns whose text may wrap onto several lines. The others are drawn on one line,
# at a smaller font size when a value is wider than its column (`draw_fitted_cell`).
WRAPPED_KEYS = frozenset({"designation", "lettering", "state_label"})


def statement_totals(rows: Sequence[Mapping[str, str]]) -> dict[str, str]:
    """Add up debit, credit and amount due of statement rows, as the JSON statement's totals do.

    A row's ``amount_due`` is already negative for a credit that is not yet
    allocated, so the sum is the balance still due.
    """
    totals = {"debit": ZERO, "credit": ZERO, "amount_due": ZERO}
    # The brought-forward row counts in the totals, so that debit minus credit matches the amount due.
    for row in rows:
        for key in totals:
            totals[key] += Decimal(row[key])
    return {key: str(value) for key, value in totals.items()}


def describe_filter(statement_filter: StatementFilter, today: date) -> str:
    """Describe in French which entries the statement lists, with the dates the ledger applied.

    The « all » view without dates covers the 365 days up to ``today``, as
    ``services.ledger.statement`` filters it.
    """
    date_from = period_start(statement_filter, today)
    date_to = statement_filter.date_to
    if statement_filter.view is StatementView.UNPAID:
        text = "Factures non réglées"
        subject = "émises"
    else:
        text = "Toutes les écritures"
        subject = "datées"

    if date_from is not None and date_to is not None:
        text += f" {subject} du {format_date(date_from)} au {format_date(date_to)}"
    elif date_from is not None:
        text += f" {subject} depuis le {format_date(date_from)}"
    elif date_to is not None:
        text += f" {subject} jusqu’au {format_date(date_to)}"
    if statement_filter.number:
        text += f", n° de document contenant «{NO_BREAK_SPACE}{statement_filter.number}{NO_BREAK_SPACE}»"
    return text


def render_statement_pdf(
    creditor_name: str,
    account: str,
    rows: Sequence[Mapping[str, str | None]],
    totals: Mapping[str, str | Decimal],
    filters_description: str,
    generated_on: date,
    customer_name: str | None = None,
) -> bytes:
    """Render the statement rows as an A4 « Relevé de compte » and return the PDF bytes.

    ``customer_name``, the agency's name as the ledger knows it, is printed
    above its account number when given.

    ``rows`` are statement rows as ``fetch_all_rows`` returns them (decimal
    strings, ISO dates) and ``totals`` has ``debit``, ``credit`` and
    ``amount_due``. The same arguments give the same bytes, because the
    creation date is ``generated_on``. A character that the embedded fonts
    cannot draw is printed as « ? ».
    """
    pdf = _StatementPdf(_printable(creditor_name), _printable(account), generated_on)
    pdf.add_page()
    _draw_title(pdf, filters_description, _printable(customer_name) if customer_name else None)
    _draw_headings(pdf)
    for row in rows:
        _draw_row(pdf, row)
    if not rows:
        pdf.set_font(FONT_FAMILY, "", TABLE_FONT_SIZE + 1)
        pdf.cell(0, 10, "Aucune écriture ne correspond à cette sélection.", new_x="LMARGIN", new_y="NEXT")
    _draw_totals(pdf, totals, sum(1 for row in rows if row.get("kind") != BROUGHT_FORWARD_KIND))
    if any(row.get("lettering") and row.get("lettering_partial") for row in rows):
        pdf.ln(2)
        pdf.set_font(FONT_FAMILY, "", TABLE_FONT_SIZE)
        draw_paragraph(pdf, PARTIAL_LETTERING_NOTE, pdf.epw, LINE_HEIGHT)
    return bytes(pdf.output())


class _StatementPdf(FPDF):
    def __init__(self, creditor_name: str, account: str, generated_on: date) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.creditor_name = creditor_name
        self.account = account
        self.generated_on = generated_on
        self.add_font(FONT_FAMILY, "", REGULAR_FONT_PATH)
        self.add_font(FONT_FAMILY, "B", BOLD_FONT_PATH)
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.c_margin = CELL_PADDING
        self.set_auto_page_break(True, margin=MARGIN + FOOTER_HEIGHT)
        self.set_creation_date(datetime.combine(generated_on, time(), tzinfo=UTC))
        self.set_title(f"{TITLE} – {creditor_name} – {account}")
        self.set_lang("fr-FR")

    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.set_font(FONT_FAMILY, "", 8)
        self.set_text_color(TEXT_GREY)
        self.cell(0, 5, f"{TITLE} – {self.creditor_name} – compte {self.account} (suite)", align="R")
        self.ln(8)
        self.set_text_color(0)
        # Every page after the first starts with the table, so its headings come first.
        _draw_headings(self)

    def footer(self) -> None:
        self.set_y(-(MARGIN + FOOTER_HEIGHT) + 4)
        self.set_draw_color(RULE_GREY)
        self.line(MARGIN, self.get_y(), self.w - MARGIN, self.get_y())
        self.ln(1.5)
        self.set_font(FONT_FAMILY, "", 7.5)
        self.set_text_color(TEXT_GREY)
        self.cell(self.epw / 2, 4, f"Édité le {format_date(self.generated_on)}")
        self.cell(self.epw / 2, 4, f"Page {self.page_no()}/{{nb}}", align="R")
        self.set_text_color(0)


def _draw_title(pdf: _StatementPdf, filters_description: str, customer_name: str | None) -> None:
    pdf.set_font(FONT_FAMILY, "B", 18)
    pdf.cell(0, 9, TITLE, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    details = (
        ("Créancier", pdf.creditor_name),
        *((("Client", customer_name),) if customer_name else ()),
        ("Compte client", pdf.account),
        ("Sélection", _printable(filters_description)),
        ("Date d’édition", format_date(pdf.generated_on)),
    )
    label_width = 32.0
    for label, value in details:
        pdf.set_x(MARGIN)
        pdf.set_font(FONT_FAMILY, "B", 9)
        pdf.cell(label_width, 5, f"{label}{NO_BREAK_SPACE}:")
        pdf.set_font(FONT_FAMILY, "", 9)
        draw_paragraph(pdf, value, pdf.epw - label_width, 5)
    pdf.ln(5)


def _draw_headings(pdf: FPDF) -> None:
    pdf.set_font(FONT_FAMILY, "B", TABLE_FONT_SIZE)
    pdf.set_fill_color(*HEADING_FILL)
    pdf.set_x(MARGIN)
    for column in COLUMNS:
        pdf.cell(column.width, LINE_HEIGHT + 2 * ROW_PADDING, column.heading, align=column.align, fill=True)
    pdf.ln()


def _draw_row(pdf: _StatementPdf, row: Mapping[str, str | None]) -> None:
    pdf.set_font(FONT_FAMILY, "", TABLE_FONT_SIZE)
    cells = []
    for column in COLUMNS:
        if column.key == "lettering":
            text = _printable(lettering_text(row))
        else:
            text = _cell_text(column.key, row.get(column.key))
        lines = [text]
        if column.key in WRAPPED_KEYS and pdf.get_string_width(text) > column.width - 2 * pdf.c_margin:
            # wrap_text joins words with single spaces, so only text that overflows goes through it
            # and a number such as « FA  220001 » keeps its double space when it fits.
            lines = wrap_text(pdf, text, column.width)
        cells.append((column, lines))
    row_height = max(len(lines) for _, lines in cells) * LINE_HEIGHT + 2 * ROW_PADDING
    if pdf.will_page_break(row_height):
        # The new page's header() draws the headings again.
        pdf.add_page()
        pdf.set_font(FONT_FAMILY, "", TABLE_FONT_SIZE)

    top = pdf.get_y()
    x = MARGIN
    for column, lines in cells:
        pdf.set_xy(x, top + ROW_PADDING)
        if column.key in WRAPPED_KEYS:
            for line in lines:
                pdf.cell(column.width, LINE_HEIGHT, line, align=column.align, new_x="LEFT", new_y="NEXT")
        else:
            draw_fitted_cell(pdf, column.width, LINE_HEIGHT, lines[0], align=column.align)
        x += column.width
    bottom = top + row_height
    pdf.set_draw_color(RULE_GREY)
    pdf.line(MARGIN, bottom, MARGIN + pdf.epw, bottom)
    pdf.set_xy(MARGIN, bottom)


def _cell_text(key: str, value: str | None) -> str:
    if value is None or value == "":
        return ""
    if key in ("document_date", "due_date"):
        return format_date(date.fromisoformat(value))
    if key in ("debit", "credit"):
        # Like the screen, a row shows only the side it is on.
        amount = Decimal(value)
        return format_amount(amount) if amount != 0 else ""
    if key == "amount_due":
        return format_amount(Decimal(value))
    return _printable(value)


def _draw_totals(pdf: _StatementPdf, totals: Mapping[str, str | Decimal], row_count: int) -> None:
    height = LINE_HEIGHT + 2 * ROW_PADDING
    if pdf.will_page_break(2 * height):
        pdf.add_page()
    label = f"Total ({format_number(Decimal(row_count))} écriture{'s' if row_count > 1 else ''})"
    pdf.set_font(FONT_FAMILY, "B", TABLE_FONT_SIZE)
    pdf.set_fill_color(*HEADING_FILL)
    pdf.set_x(MARGIN)
    for column in COLUMNS:
        if column.key == "designation":
            text = label
            # The label spans the designation and both date columns.
            width = sum(item.width for item in COLUMNS[:3])
        elif column.key in ("document_date", "due_date"):
            continue
        elif column.key in totals:
            text = format_amount(Decimal(totals[column.key]))
            width = column.width
        else:
            text = ""
            width = column.width
        draw_fitted_cell(pdf, width, height, text, align=column.align if column.key != "designation" else "L", fill=True)
    pdf.ln()


def _printable(text: str) -> str:
    covered = covered_codepoints()
    return "".join(character if ord(character) in covered else REPLACEMENT_CHARACTER for character in text)
