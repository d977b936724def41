"""Lay out the visible A4 page(s) of an invoice or credit note in French, with fpdf2.

The output is a PDF/A-3B file (fonts embedded, sRGB output intent) without the
Factur-X XML, which `facturx.render_document` adds afterwards. The lines table,
VAT summary, totals and payment terms are drawn by `pdf_sections`.
"""

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, time
from typing import Any

from fpdf import FPDF

from services.ledger.documents.fonts import BOLD_FONT_PATH, REGULAR_FONT_PATH, covered_codepoints
from services.ledger.documents.format import NO_BREAK_SPACE, format_date, format_siren
from services.ledger.documents.mentions import corrected_invoice, legal_identity
from services.ledger.documents.model import DocumentKind, DocumentToRender, Party, Seller
from services.ledger.documents.pdf_style import (
    FONT_FAMILY,
    FOOTER_HEIGHT,
    MARGIN,
    RIGHT_COLUMN_WIDTH,
    RIGHT_COLUMN_X,
    RULE_GREY,
    TEXT_GREY,
    TITLES,
    TITLES_IN_TEXT,
)
from services.ledger.documents.pdf_sections import (
    draw_lines,
    draw_payment,
    draw_payment_mentions,
    draw_vat_and_totals,
    line_rows,
)
from services.ledger.documents.pdf_text import draw_paragraph
from shared.typography import typographic_apostrophes

CELL_PADDING = 1.5  # mm between a cell's border and its text


class UnsupportedCharacterError(ValueError):
    """A text of the document contains a character that the embedded font cannot draw."""

    def __init__(self, message: str, field: str, character: str) -> None:
        super().__init__(message)
        self.field = field
        """Path of the text in the document's model dump, such as « document.buyer.legal_name »."""
        self.character = character


def render_visible_pdf(
    document: DocumentToRender, file_identifier: str, metadata: Mapping[str, str] | None = None
) -> bytes:
    """Return the document's pages as PDF/A-3B bytes, before the Factur-X XML is attached.

    `file_identifier` (32 hexadecimal digits) becomes the PDF trailer /ID, so the
    caller controls it and the same document gives the same bytes. `metadata`
    (title, author, subject) goes into the XMP packet, for a file that
    factur-x does not complete. Raises UnsupportedCharacterError when a text
    contains a character outside the Latin fonts, naming the field and the character.
    """
    check_characters(document)
    pdf = _DocumentPdf(document, file_identifier)
    if metadata is not None:
        pdf.set_title(metadata["title"])
        pdf.set_author(metadata["author"])
        pdf.set_subject(metadata["subject"])
    pdf.add_page()
    _draw_header(pdf, document)
    draw_lines(pdf, line_rows(document))
    draw_vat_and_totals(pdf, document)
    if document.kind is DocumentKind.INVOICE:
        draw_payment(pdf, document)
    else:
        draw_payment_mentions(pdf, document)
    return bytes(pdf.output())


def check_characters(document: DocumentToRender) -> None:
    """Raise UnsupportedCharacterError unless the fonts can draw every text of the document."""
    covered = covered_codepoints()
    for path, text in _texts(document.model_dump(), "document"):
        for character in text:
            if ord(character) not in covered:
                raise UnsupportedCharacterError(
                    f"{path} contains {character!r} (U+{ord(character):04X}), which the "
                    "embedded Latin font cannot draw. Transliterate it to Latin letters.",
                    field=path,
                    character=character,
                )


def _texts(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _texts(item, f"{path}.{key}")
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _texts(item, f"{path}[{index}]")


class _DocumentPdf(FPDF):
    def __init__(self, document: DocumentToRender, file_identifier: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4", enforce_compliance="PDF/A-3B")
        self._document = document
        self._file_identifier = file_identifier
        self.add_font(FONT_FAMILY, "", REGULAR_FONT_PATH)
        self.add_font(FONT_FAMILY, "B", BOLD_FONT_PATH)
        for font in self.fonts.values():
            # fpdf2 subsets each font again at output, and fontTools would then decompile
            # and recompile every kept glyph to recompute bounding boxes that subsetting
            # does not change. Skipping it saved about 6 ms per document (2-core machine).
            font.ttfont.recalcBBoxes = False
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.c_margin = CELL_PADDING
        self.set_auto_page_break(True, margin=MARGIN + FOOTER_HEIGHT)
        self.set_creation_date(datetime.combine(document.issue_date, time(), tzinfo=UTC))
        self.set_lang("fr-FR")

    def file_id(self) -> str:
        return f"<{self._file_identifier}><{self._file_identifier}>"

    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.set_font(FONT_FAMILY, "", 8)
        self.set_text_color(TEXT_GREY)
        title = TITLES_IN_TEXT[self._document.kind]
        self.cell(0, 5, f"{title} n°{NO_BREAK_SPACE}{self._document.number} (suite)", align="R")
        self.ln(8)
        self.set_text_color(0)

    def footer(self) -> None:
        self.set_y(-(MARGIN + FOOTER_HEIGHT) + 4)
        self.set_draw_color(RULE_GREY)
        self.line(MARGIN, self.get_y(), self.w - MARGIN, self.get_y())
        self.ln(1.5)
        self.set_font(FONT_FAMILY, "", 7)
        self.set_text_color(TEXT_GREY)
        draw_paragraph(self, _footer_text(self._document.seller), self.epw, 3.5, align="C")
        self.cell(0, 3.5, f"Page {self.page_no()}/{{nb}}", align="R")
        self.set_text_color(0)


def _footer_text(seller: Seller) -> str:
    parts = [legal_identity(seller)]
    if seller.siret is not None:
        parts.append(f"SIRET {format_siren(seller.siret)}")
    if seller.vat_number is not None:
        parts.append(f"TVA {seller.vat_number}")
    return " – ".join(parts)


def _draw_header(pdf: _DocumentPdf, document: DocumentToRender) -> None:
    top = pdf.get_y()
    _draw_seller(pdf, document.seller)
    seller_bottom = pdf.get_y()

    pdf.set_xy(RIGHT_COLUMN_X, top)
    _draw_title(pdf, document)
    pdf.set_xy(RIGHT_COLUMN_X, pdf.get_y() + 6)
    _draw_buyer(pdf, document)

    pdf.set_xy(MARGIN, max(seller_bottom, pdf.get_y()) + 8)


def _draw_seller(pdf: _DocumentPdf, seller: Seller) -> None:
    width = RIGHT_COLUMN_X - MARGIN - 10
    pdf.set_font(FONT_FAMILY, "B", 12)
    draw_paragraph(pdf, typographic_apostrophes(seller.legal_name), width, 6)
    pdf.set_font(FONT_FAMILY, "", 9)
    rows = list(_address(seller))
    rows.append(f"SIREN{NO_BREAK_SPACE}: {format_siren(seller.siren)}")
    if seller.siret is not None:
        rows.append(f"SIRET{NO_BREAK_SPACE}: {format_siren(seller.siret)}")
    if seller.vat_number is not None:
        rows.append(f"TVA intracommunautaire{NO_BREAK_SPACE}: {seller.vat_number}")
    if seller.email is not None:
        rows.append(seller.email)
    for row in rows:
        draw_paragraph(pdf, row, width, 4.5)


def _draw_title(pdf: _DocumentPdf, document: DocumentToRender) -> None:
    pdf.set_font(FONT_FAMILY, "B", 20)
    pdf.cell(RIGHT_COLUMN_WIDTH, 9, TITLES[document.kind], align="R", new_x="LEFT", new_y="NEXT")
    pdf.set_font(FONT_FAMILY, "B", 10)
    draw_paragraph(pdf, f"N°{NO_BREAK_SPACE}{document.number}", RIGHT_COLUMN_WIDTH, 5.5, align="R")
    pdf.set_font(FONT_FAMILY, "", 9)
    rows = [f"Date{NO_BREAK_SPACE}: {format_date(document.issue_date)}"]
    if document.due_date is not None:
        rows.append(f"Échéance{NO_BREAK_SPACE}: {format_date(document.due_date)}")
    correction = corrected_invoice(document)
    if correction is not None:
        rows.append(correction)
    for row in rows:
        draw_paragraph(pdf, row, RIGHT_COLUMN_WIDTH, 4.5, align="R")


def _draw_buyer(pdf: _DocumentPdf, document: DocumentToRender) -> None:
    buyer = document.buyer
    top = pdf.get_y()
    inner_width = RIGHT_COLUMN_WIDTH - 6

    pdf.set_xy(RIGHT_COLUMN_X + 3, top + 2.5)
    pdf.set_font(FONT_FAMILY, "", 7.5)
    pdf.set_text_color(TEXT_GREY)
    pdf.cell(inner_width, 4, "CLIENT", new_x="LEFT", new_y="NEXT")
    pdf.set_text_color(0)
    pdf.set_font(FONT_FAMILY, "B", 10)
    draw_paragraph(pdf, typographic_apostrophes(buyer.legal_name), inner_width, 5)
    pdf.set_font(FONT_FAMILY, "", 9)
    rows = list(_address(buyer))
    rows.append(f"Compte client{NO_BREAK_SPACE}: {buyer.customer_account}")
    if buyer.siren is not None:
        rows.append(f"SIREN{NO_BREAK_SPACE}: {format_siren(buyer.siren)}")
    if buyer.vat_number is not None:
        rows.append(f"TVA intracommunautaire{NO_BREAK_SPACE}: {buyer.vat_number}")
    for row in rows:
        draw_paragraph(pdf, row, inner_width, 4.5)

    bottom = pdf.get_y() + 2.5
    pdf.set_draw_color(RULE_GREY)
    pdf.rect(RIGHT_COLUMN_X, top, RIGHT_COLUMN_WIDTH, bottom - top)
    pdf.set_y(bottom)


def _address(party: Party) -> Iterator[str]:
    """Yield the party's address lines, with typographic apostrophes in place of the stored straight ones.

    The postal code and city line prints whichever of the two is known, and is left
    out when neither is.
    """
    for line in party.address_lines:
        yield typographic_apostrophes(line)
    postal_code_and_city = " ".join(part for part in (party.postal_code, party.city) if part is not None)
    if postal_code_and_city:
        yield typographic_apostrophes(postal_code_and_city)
    if party.country != "FR":
        yield party.country
