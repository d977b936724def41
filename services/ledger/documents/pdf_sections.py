"""Draw the lines table, VAT summary, totals and payment terms of a document page."""

from decimal import Decimal

from fpdf import FPDF

from services.ledger.documents.format import (
    NO_BREAK_SPACE,
    format_amount,
    format_date,
    format_iban,
    format_number,
    format_rate,
    format_unit_price,
)
from services.ledger.documents.mentions import (
    NO_EARLY_PAYMENT_DISCOUNT,
    RECOVERY_INDEMNITY,
    late_payment_penalties,
)
from services.ledger.documents.model import DocumentKind, DocumentLine, DocumentToRender, VatCategory
from services.ledger.documents.pdf_style import (
    FONT_FAMILY,
    HEADING_FILL,
    MARGIN,
    RIGHT_COLUMN_WIDTH,
    RIGHT_COLUMN_X,
    RULE_GREY,
    TEXT_GREY,
)
from services.ledger.documents.pdf_text import draw_fitted_cell, draw_paragraph, wrap_text

# Heading, width in mm and alignment of each column. The widths add up to the 180 mm between margins.
# Quantité is 18 mm wide because its heading in bold takes 14.8 mm and a cell pads 1.5 mm on each side.
LINE_COLUMNS = (
    ("Désignation", 79.0, "L"),
    ("Quantité", 18.0, "R"),
    ("Prix unitaire HT", 31.0, "R"),
    ("TVA", 18.0, "R"),
    ("Montant HT", 34.0, "R"),
)
TABLE_FONT_SIZE = 8.5
TABLE_LINE_HEIGHT = 4.5
ROW_PADDING = 1.2  # mm above and below the text of a row
SUMMARY_ROW_HEIGHT = 5.5
VAT_COLUMNS = (("Taux de TVA", 26.0, "L"), ("Base HT", 36.0, "R"), ("Montant TVA", 32.0, "R"))
TOTAL_AMOUNT_WIDTH = 32.0
PAYMENT_FONT_SIZE = 9
PAYMENT_LINE_HEIGHT = 4.8
PAYMENT_MENTIONS_GAP = 2.0  # mm between the bank details and the mentions
MENTIONS_FONT_SIZE = 7.5
MENTIONS_LINE_HEIGHT = 3.8


# Printed in the VAT column, and explained under the table, when the accounting gives no rate.
UNKNOWN_RATE_LABEL = "—"
UNKNOWN_VAT_RATES_NOTE = (
    f"Taux de TVA non précisé{NO_BREAK_SPACE}: la comptabilité du vendeur ne ventile pas la TVA de ce "
    "document par taux. Les totaux HT, TVA et TTC sont ceux de ses écritures comptables. "
    "Ce PDF ne contient donc pas de données Factur-X."
)


def line_rows(document: DocumentToRender) -> list[tuple[str, tuple[str, str, str, str]]]:
    """Return the description and the quantity, unit price, VAT and amount texts of each row of the lines table.

    A document whose VAT rates are unknown gets one summary row of its total
    before VAT, with no rate.
    """
    if document.vat_rates_unknown:
        quantity = Decimal(1) if document.net_total >= 0 else Decimal(-1)
        values = (
            format_number(quantity),
            format_unit_price(abs(document.net_total)),
            UNKNOWN_RATE_LABEL,
            format_amount(document.net_total),
        )
        return [(document.summary_line_description, values)]
    return [(line.description, _line_values(line)) for line in document.lines_to_render()]


def _line_values(line: DocumentLine) -> tuple[str, str, str, str]:
    return (
        format_number(line.quantity),
        format_unit_price(line.unit_price),
        _rate_label(line.vat_category, line.vat_rate),
        format_amount(line.net_amount),
    )


def draw_lines(pdf: FPDF, rows: list[tuple[str, tuple[str, str, str, str]]]) -> None:
    """Draw the table of `line_rows`, starting a new page with the headings when a row does not fit."""
    _draw_line_headings(pdf)
    pdf.set_draw_color(RULE_GREY)
    description_width = LINE_COLUMNS[0][1]
    for description, values in rows:
        pdf.set_font(FONT_FAMILY, "", TABLE_FONT_SIZE)
        description_lines = wrap_text(pdf, description, description_width)
        row_height = len(description_lines) * TABLE_LINE_HEIGHT + 2 * ROW_PADDING
        if pdf.will_page_break(row_height):
            pdf.add_page()
            _draw_line_headings(pdf)
            pdf.set_font(FONT_FAMILY, "", TABLE_FONT_SIZE)

        top = pdf.get_y()
        pdf.set_xy(MARGIN, top + ROW_PADDING)
        for text in description_lines:
            pdf.cell(description_width, TABLE_LINE_HEIGHT, text, new_x="LEFT", new_y="NEXT")

        x = MARGIN + description_width
        for value, (_, width, align) in zip(values, LINE_COLUMNS[1:], strict=True):
            pdf.set_xy(x, top + ROW_PADDING)
            draw_fitted_cell(pdf, width, TABLE_LINE_HEIGHT, value, align=align)
            x += width

        bottom = top + row_height
        pdf.line(MARGIN, bottom, MARGIN + pdf.epw, bottom)
        pdf.set_xy(MARGIN, bottom)
    pdf.ln(5)


def _draw_line_headings(pdf: FPDF) -> None:
    pdf.set_font(FONT_FAMILY, "B", TABLE_FONT_SIZE)
    pdf.set_fill_color(*HEADING_FILL)
    pdf.set_x(MARGIN)
    for heading, width, align in LINE_COLUMNS:
        pdf.cell(width, TABLE_LINE_HEIGHT + 2 * ROW_PADDING, heading, align=align, fill=True)
    pdf.ln()


def _rate_label(category: VatCategory, rate: Decimal) -> str:
    if category is VatCategory.EXEMPT:
        return "Exonéré"
    return format_rate(rate)


def draw_vat_and_totals(pdf: FPDF, document: DocumentToRender) -> None:
    """Draw the VAT summary per rate on the left and the totals on the right, on one page."""
    totals = _totals_rows(document)
    reasons = [entry.exemption_reason for entry in document.vat_breakdown if entry.exemption_reason]
    summary_rows = len(document.vat_breakdown) + 1
    if document.vat_rates_unknown:
        summary_rows = 6  # room for UNKNOWN_VAT_RATES_NOTE, which wraps to five lines at this width
    needed_height = max(len(totals), summary_rows) * SUMMARY_ROW_HEIGHT + len(reasons) * 8 + 4
    if pdf.will_page_break(needed_height):
        pdf.add_page()

    top = pdf.get_y()
    if document.vat_rates_unknown:
        pdf.set_x(MARGIN)
        pdf.set_font(FONT_FAMILY, "", TABLE_FONT_SIZE)
        draw_paragraph(pdf, UNKNOWN_VAT_RATES_NOTE, sum(width for _, width, _ in VAT_COLUMNS), 4.5)
    else:
        _draw_vat_summary(pdf, document, reasons)
    summary_bottom = pdf.get_y()

    pdf.set_y(top)
    for label, amount, emphasized in totals:
        pdf.set_font(FONT_FAMILY, "B" if emphasized else "", 9.5)
        pdf.set_fill_color(*HEADING_FILL)
        pdf.set_x(RIGHT_COLUMN_X)
        pdf.cell(RIGHT_COLUMN_WIDTH - TOTAL_AMOUNT_WIDTH, SUMMARY_ROW_HEIGHT, label, fill=emphasized)
        draw_fitted_cell(pdf, TOTAL_AMOUNT_WIDTH, SUMMARY_ROW_HEIGHT, amount, align="R", fill=emphasized)
        pdf.ln()

    pdf.set_xy(MARGIN, max(summary_bottom, pdf.get_y()) + 6)


def _totals_rows(document: DocumentToRender) -> list[tuple[str, str, bool]]:
    """Return (label, formatted amount, emphasized) for each total to print."""
    rows = [
        ("Total HT", format_amount(document.net_total), False),
        ("Total TVA", format_amount(document.vat_total), False),
        ("Total TTC", format_amount(document.total), True),
    ]
    if document.amount_paid is not None:
        if document.kind is DocumentKind.INVOICE:
            paid_label, due_label = "Déjà réglé", "Reste à payer"
        else:
            paid_label, due_label = "Déjà remboursé", "Reste à rembourser"
        rows.append((paid_label, format_amount(document.amount_paid), False))
        rows.append((due_label, format_amount(document.amount_due), True))
    return rows


def _draw_vat_summary(pdf: FPDF, document: DocumentToRender, reasons: list[str]) -> None:
    pdf.set_font(FONT_FAMILY, "B", TABLE_FONT_SIZE)
    pdf.set_fill_color(*HEADING_FILL)
    pdf.set_x(MARGIN)
    for heading, width, align in VAT_COLUMNS:
        pdf.cell(width, SUMMARY_ROW_HEIGHT, heading, align=align, fill=True)
    pdf.ln()

    pdf.set_font(FONT_FAMILY, "", TABLE_FONT_SIZE)
    for entry in document.vat_breakdown:
        values = (
            _rate_label(entry.category, entry.rate),
            format_amount(entry.taxable_base),
            format_amount(entry.vat_amount),
        )
        for value, (_, width, align) in zip(values, VAT_COLUMNS, strict=True):
            draw_fitted_cell(pdf, width, SUMMARY_ROW_HEIGHT, value, align=align)
        pdf.ln()

    pdf.set_font(FONT_FAMILY, "", 7.5)
    summary_width = sum(width for _, width, _ in VAT_COLUMNS)
    for reason in reasons:
        draw_paragraph(pdf, f"Motif d’exonération{NO_BREAK_SPACE}: {reason}", summary_width, 4)


def draw_payment(pdf: FPDF, document: DocumentToRender) -> None:
    """Draw the payment terms, the bank details and the late-payment mentions of an invoice, on one page."""
    seller = document.seller
    assert document.due_date is not None  # the model requires it on invoices
    if seller.payment_terms:
        terms = (
            f"Conditions de paiement{NO_BREAK_SPACE}: {seller.payment_terms}, "
            f"soit au plus tard le {format_date(document.due_date)}."
        )
    else:
        terms = f"Paiement au plus tard le {format_date(document.due_date)}."
    bank_details = (
        f"Règlement par virement bancaire sur le compte IBAN {format_iban(seller.iban)}, "
        f"BIC {seller.bic}, en rappelant la référence {document.number}."
    )
    mentions = _payment_mentions(document)

    pdf.set_font(FONT_FAMILY, "B", PAYMENT_FONT_SIZE)
    terms_lines = wrap_text(pdf, terms, pdf.epw)
    pdf.set_font(FONT_FAMILY, "", PAYMENT_FONT_SIZE)
    bank_lines = wrap_text(pdf, bank_details, pdf.epw)
    height = (
        (len(terms_lines) + len(bank_lines)) * PAYMENT_LINE_HEIGHT
        + PAYMENT_MENTIONS_GAP
        + _mentions_height(pdf, mentions)
    )
    # Start a new page rather than split the block, so the due date, the IBAN and the penalties read together.
    if pdf.will_page_break(height):
        pdf.add_page()

    pdf.set_x(MARGIN)
    pdf.set_font(FONT_FAMILY, "B", PAYMENT_FONT_SIZE)
    draw_paragraph(pdf, terms, pdf.epw, PAYMENT_LINE_HEIGHT)
    pdf.set_font(FONT_FAMILY, "", PAYMENT_FONT_SIZE)
    draw_paragraph(pdf, bank_details, pdf.epw, PAYMENT_LINE_HEIGHT)
    pdf.ln(PAYMENT_MENTIONS_GAP)
    _draw_mentions(pdf, mentions)


def draw_payment_mentions(pdf: FPDF, document: DocumentToRender) -> None:
    """Draw the late-payment penalties, the recovery indemnity and the absence of discount, on one page.

    Invoices and credit notes both print them, because the Factur-X XML of
    both carries them as notes (see `cii._add_exchanged_document`), and the
    PDF must state what the XML states.
    """
    mentions = _payment_mentions(document)
    if pdf.will_page_break(_mentions_height(pdf, mentions)):
        pdf.add_page()
    _draw_mentions(pdf, mentions)


def _payment_mentions(document: DocumentToRender) -> str:
    return " ".join((late_payment_penalties(document.seller), RECOVERY_INDEMNITY, NO_EARLY_PAYMENT_DISCOUNT))


def _mentions_height(pdf: FPDF, mentions: str) -> float:
    pdf.set_font(FONT_FAMILY, "", MENTIONS_FONT_SIZE)
    return len(wrap_text(pdf, mentions, pdf.epw)) * MENTIONS_LINE_HEIGHT


def _draw_mentions(pdf: FPDF, mentions: str) -> None:
    pdf.set_x(MARGIN)
    pdf.set_font(FONT_FAMILY, "", MENTIONS_FONT_SIZE)
    pdf.set_text_color(TEXT_GREY)
    draw_paragraph(pdf, mentions, pdf.epw, MENTIONS_LINE_HEIGHT)
    pdf.set_text_color(0)
