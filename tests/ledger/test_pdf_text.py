"""Tests of the PDF text wrapping that invoices, credit notes and statements share."""

from fpdf import FPDF

from services.ledger.documents.pdf_text import wrap_text


def pdf_with_font() -> FPDF:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=10)
    return pdf


def test_wrap_keeps_double_space_in_number():
    pdf = pdf_with_font()

    assert wrap_text(pdf, "N° FA  220393", 150) == ["N° FA  220393"]


def test_wrap_drops_spaces_at_break():
    pdf = pdf_with_font()
    width = pdf.get_string_width("Facture FA") + 2 * pdf.c_margin + 1

    lines = wrap_text(pdf, "Facture FA  220393 du mois", width)

    assert lines == ["Facture FA", "220393 du", "mois"]


def test_wrap_empty_text_gives_one_line():
    assert wrap_text(pdf_with_font(), "", 100) == [""]
