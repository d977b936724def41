"""Tests of the visible PDF, its PDF/A-3 and Factur-X structure, and French formatting."""

import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import facturx
import pytest
from fontTools.ttLib import TTFont
from lxml import etree
from pypdf import PdfReader

from services.ledger.documents import (
    DocumentKind,
    DocumentToRender,
    UnsupportedCharacterError,
    build_cii_xml,
    render_document,
)
from services.ledger.documents.format import (
    format_amount,
    format_date,
    format_iban,
    format_number,
    format_rate,
    format_siren,
    format_unit_price,
)
from services.ledger.documents.model import DocumentLine, compute_totals
from services.ledger.documents.samples import (
    ALL_SAMPLES,
    BUYER,
    sample_credit_note,
    sample_fec_invoice,
    sample_invoice,
    sample_long_invoice,
    sample_partly_paid_invoice,
    sample_zero_vat_invoice,
)
from tests.ledger.pdf_cells import record_overflowing_cells

NNBSP = "\u202f"  # narrow no-break space, the French thousands separator
NBSP = "\u00a0"  # no-break space, before € and after « N° »
CII_NAMESPACES = {"ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"}
XMP_NAMESPACES = {
    "x": "adobe:ns:meta/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "fx": "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#",
}


@pytest.fixture(scope="module")
def rendered() -> dict[str, bytes]:
    """Render every sample document once for the whole module."""
    return {name: render_document(build()) for name, build in ALL_SAMPLES.items()}


def page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(BytesIO(pdf)).pages]


def xmp_root(pdf: bytes) -> etree._Element:
    reader = PdfReader(BytesIO(pdf))
    return etree.fromstring(reader.trailer["/Root"]["/Metadata"].get_object().get_data())


def xmp_value(root: etree._Element, path: str) -> str:
    values = root.xpath(path, namespaces=XMP_NAMESPACES)
    assert len(values) == 1, f"expected one match for {path}, found {len(values)}"
    return values[0].text


# French formatting


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("1234.56", f"1{NNBSP}234,56{NBSP}€"),
        ("0.00", f"0,00{NBSP}€"),
        ("5", f"5,00{NBSP}€"),
        ("999.90", f"999,90{NBSP}€"),
        ("1000000.00", f"1{NNBSP}000{NNBSP}000,00{NBSP}€"),
        ("-1234.50", f"\u22121{NNBSP}234,50{NBSP}€"),
        ("-0.00", f"0,00{NBSP}€"),
    ],
)
def test_format_amount_french_typography(amount, expected):
    assert format_amount(Decimal(amount)) == expected


def test_format_amount_rejects_fraction_of_cent():
    with pytest.raises(ValueError, match="more than two decimals"):
        format_amount(Decimal("1.005"))


@pytest.mark.parametrize(
    ("value", "expected"),
    [("12", "12"), ("2.50", "2,5"), ("1000", f"1{NNBSP}000"), ("0.125", "0,125"), ("1E+3", f"1{NNBSP}000")],
)
def test_format_number_drops_trailing_zeros(value, expected):
    assert format_number(Decimal(value)) == expected


def test_format_unit_price_keeps_extra_decimals():
    assert format_unit_price(Decimal("0.1234")) == f"0,1234{NBSP}€"
    assert format_unit_price(Decimal("85.5")) == f"85,50{NBSP}€"


def test_format_rate_and_date():
    assert format_rate(Decimal("20.00")) == f"20{NNBSP}%"
    assert format_rate(Decimal("5.50")) == f"5,5{NNBSP}%"
    assert format_date(date(2026, 7, 31)) == "31/07/2026"


def test_format_identifiers_in_groups():
    assert format_siren("812345676") == f"812{NBSP}345{NBSP}676"
    assert format_siren("81234567600017") == f"812{NBSP}345{NBSP}676{NBSP}00017"
    assert format_iban("FR7630006000011234567890189") == "FR76 3000 6000 0112 3456 7890 189"


# Visible text


def test_invoice_text_shows_french_headings_and_amounts(rendered):
    text = page_texts(rendered["invoice"])[0]

    for expected in (
        "FACTURE",
        f"N°{NBSP}F-2026-0107",
        f"Date{NBSP}: 31/07/2026",
        f"Échéance{NBSP}: 31/08/2026",
        "Gestion Immobilière du Parc",
        f"SIREN{NBSP}: 812{NBSP}345{NBSP}676",
        f"TVA intracommunautaire{NBSP}: FR19812345676",
        "Agence Étoile & Fils",
        f"Compte client{NBSP}: 411ETOILE",
        "Désignation",
        "Quantité",
        "Prix unitaire HT",
        "Montant HT",
        "résidence « Les Tilleuls »",
        f"1{NNBSP}150,00{NBSP}€",
        f"20{NNBSP}%",
        f"Total HT 2{NNBSP}176,00{NBSP}€",
        f"Total TVA 435,20{NBSP}€",
        f"Total TTC 2{NNBSP}611,20{NBSP}€",
    ):
        assert expected in text, expected


def test_invoice_text_shows_payment_terms_and_mentions(rendered):
    text = " ".join(page_texts(rendered["invoice"])[0].split("\n"))

    assert f"Conditions de paiement{NBSP}: 30 jours fin de mois, soit au plus tard le 31/08/2026." in text
    assert "IBAN FR76 3000 6000 0112 3456 7890 189, BIC BNPAFRPP" in text
    assert "pénalités de retard au taux de trois fois le taux d’intérêt légal" in text
    assert f"indemnité forfaitaire de 40{NBSP}€ pour frais de recouvrement" in text
    assert "Aucun escompte n’est accordé en cas de paiement anticipé." in text


def test_invoice_footer_shows_legal_identity(rendered):
    text = page_texts(rendered["invoice"])[0]

    assert f"SAS au capital de 50{NNBSP}000,00{NBSP}€, RCS Lyon 812{NBSP}345{NBSP}676" in text
    assert "Page 1/1" in text


def test_partly_paid_invoice_text_shows_remaining_amount(rendered):
    text = page_texts(rendered["partly_paid_invoice"])[0]

    assert f"Total TTC 671,15{NBSP}€" in text
    assert f"Déjà réglé 201,00{NBSP}€" in text
    assert f"Reste à payer 470,15{NBSP}€" in text


def test_unpaid_invoice_text_has_no_remaining_amount(rendered):
    text = page_texts(rendered["invoice"])[0]

    assert "Déjà réglé" not in text
    assert "Reste à payer" not in text


def test_credit_note_text_names_corrected_invoice(rendered):
    text = page_texts(rendered["credit_note"])[0].replace("\n", " ")

    assert "AVOIR" in text
    assert f"N°{NBSP}AV-2026-0012" in text
    assert f"Avoir sur la facture n°{NBSP}F-2026-0042 du{NBSP}01/07/2026" in text
    assert "Échéance" not in text
    assert "IBAN" not in text


def test_credit_note_text_shows_payment_mentions(rendered):
    text = page_texts(rendered["credit_note"])[0].replace("\n", " ")

    assert "pénalités de retard au taux de trois fois le taux d’intérêt légal" in text
    assert f"indemnité forfaitaire de 40{NBSP}€ pour frais de recouvrement" in text
    assert "Aucun escompte n’est accordé en cas de paiement anticipé." in text


@pytest.mark.parametrize("name", ["invoice", "credit_note"])
def test_pdf_text_states_every_xml_note(rendered, name):
    reader = PdfReader(BytesIO(rendered[name]))
    text = " ".join(page.extract_text().replace("\n", " ") for page in reader.pages)
    xml = etree.fromstring(reader.attachments["factur-x.xml"][0])
    notes = xml.xpath("//ram:IncludedNote/ram:Content/text()", namespaces=CII_NAMESPACES)

    assert len(notes) == 4
    for note in notes:
        assert note in text, note


def test_zero_vat_invoice_text_shows_exemption(rendered):
    text = page_texts(rendered["zero_vat_invoice"])[0]

    assert "Exonéré" in text
    assert f"Motif d’exonération{NBSP}: Exonération de TVA, article 261 D 2° du CGI" in text
    assert f"Total TVA 0,00{NBSP}€" in text


def test_fec_invoice_text_shows_summary_lines(rendered):
    text = page_texts(rendered["fec_invoice"])[0]

    assert text.count("Prestations selon facture") == 2
    assert f"1{NNBSP}234,56{NBSP}€" in text


def test_long_invoice_spans_pages_with_headings(rendered):
    texts = page_texts(rendered["long_invoice"])

    assert len(texts) > 1
    assert f"Page 1/{len(texts)}" in texts[0]
    assert f"Page {len(texts)}/{len(texts)}" in texts[-1]
    for page_text in texts[1:]:
        assert f"Facture n°{NBSP}F-2026-0111 (suite)" in page_text
    assert "Désignation" in texts[1]
    assert "n° 60 – relevé des" in texts[-1]
    assert f"Total TTC 2{NNBSP}214,00{NBSP}€" in texts[-1]


def pages_containing(texts: list[str], phrase: str) -> list[int]:
    return [index for index, text in enumerate(texts) if phrase in text.replace("\n", " ")]


# With 32 or 33 lines the payment block reaches the foot of page 2, where a
# block drawn line by line leaves the terms on page 2 and the bank details,
# or half of the mentions, on page 3.
@pytest.mark.parametrize("line_count", range(31, 35))
def test_payment_block_stays_on_one_page(line_count):
    texts = page_texts(render_document(sample_long_invoice(line_count)))

    terms_pages = pages_containing(texts, "Conditions de paiement")
    assert len(terms_pages) == 1
    assert pages_containing(texts, "Règlement par virement bancaire") == terms_pages
    assert pages_containing(texts, "en rappelant la référence F-2026-0111.") == terms_pages
    assert pages_containing(texts, "Tout paiement après l’échéance") == terms_pages
    assert pages_containing(texts, "Aucun escompte") == terms_pages


@pytest.mark.parametrize("line_count", range(32, 36))
def test_credit_note_mentions_stay_on_one_page(line_count):
    invoice = sample_long_invoice(line_count)
    credit_note = DocumentToRender(**(dict(invoice) | {"kind": DocumentKind.CREDIT_NOTE, "due_date": None}))

    texts = page_texts(render_document(credit_note))

    mentions_pages = pages_containing(texts, "Tout paiement après l’échéance")
    assert len(mentions_pages) == 1
    assert pages_containing(texts, "indemnité forfaitaire") == mentions_pages
    assert pages_containing(texts, "Aucun escompte") == mentions_pages


def test_largest_amounts_fit_their_columns(monkeypatch):
    # The feed accepts a total up to 9 999 999 999 999,99 € and a unit price of 15 digits.
    line = DocumentLine(
        description="Cession", quantity=Decimal("1"), unit_price=Decimal("8333333333333.32"), vat_rate=Decimal("20")
    )
    breakdown, net_total, vat_total, total = compute_totals([line])
    document = DocumentToRender(
        **(
            dict(sample_invoice())
            | {
                "lines": (line,),
                "vat_breakdown": breakdown,
                "net_total": net_total,
                "vat_total": vat_total,
                "total": total,
                "amount_paid": Decimal("0.01"),
            }
        )
    )
    overflows = record_overflowing_cells(monkeypatch)

    text = page_texts(render_document(document))[0]

    assert overflows == []
    assert f"Total TTC 9{NNBSP}999{NNBSP}999{NNBSP}999{NNBSP}999,98{NBSP}€" in text
    assert f"Reste à payer 9{NNBSP}999{NNBSP}999{NNBSP}999{NNBSP}999,97{NBSP}€" in text
    assert f"8{NNBSP}333{NNBSP}333{NNBSP}333{NNBSP}333,32{NBSP}€" in text


def test_wrapped_long_word_keeps_every_character():
    long_word = "Référence" * 20
    document = DocumentToRender(**(dict(sample_invoice()) | {"buyer": BUYER.model_copy(update={"customer_account": long_word})}))

    text = "".join(page_texts(render_document(document))[0].split())

    assert long_word in text


def test_pdf_typographic_apostrophes():
    buyer = BUYER.model_copy(update={"legal_name": "Clés de la Presqu'île", "address_lines": ("22 rue de la Presqu'île",)})
    document = DocumentToRender(**(dict(sample_invoice()) | {"buyer": buyer}))
    pdf = render_document(document)

    text = page_texts(pdf)[0]
    xml = facturx.get_facturx_xml_from_pdf(BytesIO(pdf))[1].decode()

    assert "Clés de la Presqu’île" in text
    assert "22 rue de la Presqu’île" in text
    assert "Presqu'île" not in text
    assert "Clés de la Presqu'île" in xml
    assert "Presqu’île" not in xml


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_pdftotext_reads_accents_euro_and_quotes(rendered, tmp_path: Path):
    path = tmp_path / "invoice.pdf"
    path.write_bytes(rendered["invoice"])

    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout

    # pdftotext 22.12 prints U+202F and U+00A0 as U+0020, so this test compares
    # spaces as any whitespace. The pypdf tests check the exact characters.
    normalized = " ".join(text.split())
    assert "Échéance : 31/08/2026" in normalized
    assert "résidence « Les Tilleuls »" in normalized
    assert "Total TTC 2 611,20 €" in normalized
    assert "Règlement par virement bancaire" in normalized


def test_pdf_maps_no_break_spaces_to_unicode(rendered):
    reader = PdfReader(BytesIO(rendered["invoice"]))
    fonts = reader.pages[0]["/Resources"]["/Font"]

    cmaps = b"".join(font.get_object()["/ToUnicode"].get_object().get_data() for font in fonts.values())

    assert b"<202F>" in cmaps
    assert b"<00A0>" in cmaps
    assert b"<20AC>" in cmaps


def buyer_box_lines(pdf: bytes) -> list[str]:
    """Return the text lines of the CLIENT box, from its heading to the customer account."""
    lines = page_texts(pdf)[0].split("\n")
    start = lines.index("CLIENT")
    end = next(index for index, line in enumerate(lines) if line.startswith("Compte client"))
    return lines[start : end + 1]


@pytest.mark.parametrize(
    ("postal_code", "city", "expected_line"),
    [(None, None, None), ("69002", None, "69002"), (None, "Lyon", "Lyon")],
)
def test_buyer_box_unknown_postal_code_city(postal_code, city, expected_line):
    buyer = BUYER.model_copy(
        update={"address_lines": ("Adresse non communiquée",), "postal_code": postal_code, "city": city}
    )
    document = DocumentToRender(**(dict(sample_invoice()) | {"buyer": buyer}))

    lines = buyer_box_lines(render_document(document))

    address_lines = ["Adresse non communiquée"] if expected_line is None else ["Adresse non communiquée", expected_line]
    assert lines == ["CLIENT", "Agence Étoile & Fils", *address_lines, f"Compte client{NBSP}: 411ETOILE"]


def test_render_rejects_character_outside_font():
    document = sample_invoice().model_copy(update={"buyer": BUYER.model_copy(update={"city": "Lyon 中"})})

    with pytest.raises(UnsupportedCharacterError, match=r"document\.buyer\.city contains '中' \(U\+4E2D\)"):
        render_document(document)


# Factur-X and PDF/A-3 structure


@pytest.mark.parametrize("name", sorted(ALL_SAMPLES))
def test_embedded_xml_round_trips_and_passes_xsd(rendered, name):
    filename, xml = facturx.get_xml_from_pdf(rendered[name], check_xsd=True)

    assert filename == "factur-x.xml"
    assert xml == build_cii_xml(ALL_SAMPLES[name]())
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931") is True


def test_embedded_xml_is_associated_file_with_data_relationship(rendered):
    reader = PdfReader(BytesIO(rendered["invoice"]))
    root = reader.trailer["/Root"]

    associated = [entry.get_object() for entry in root["/AF"].get_object()]
    assert [entry["/F"] for entry in associated] == ["factur-x.xml"]
    assert associated[0]["/AFRelationship"] == "/Data"
    assert associated[0]["/EF"]["/F"].get_object()["/Subtype"] == "/text/xml"


def test_pdf_declares_pdfa3b_and_facturx_en16931(rendered):
    root = xmp_root(rendered["invoice"])

    assert xmp_value(root, "//pdfaid:part") == "3"
    assert xmp_value(root, "//pdfaid:conformance") == "B"
    assert xmp_value(root, "//fx:ConformanceLevel") == "EN 16931"
    assert xmp_value(root, "//fx:DocumentFileName") == "factur-x.xml"
    assert xmp_value(root, "//fx:DocumentType") == "INVOICE"


def test_pdf_has_pdfa_output_intent_with_icc_profile(rendered):
    root = PdfReader(BytesIO(rendered["invoice"])).trailer["/Root"]

    intents = [intent.get_object() for intent in root["/OutputIntents"]]
    assert [intent["/S"] for intent in intents] == ["/GTS_PDFA1"]
    assert intents[0]["/DestOutputProfile"].get_object()["/N"] == 3


def test_pdf_embeds_every_font(rendered):
    reader = PdfReader(BytesIO(rendered["long_invoice"]))

    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            descendant = font.get_object()["/DescendantFonts"][0].get_object()
            assert "/FontFile2" in descendant["/FontDescriptor"].get_object(), descendant["/BaseFont"]


def test_embedded_font_glyph_boxes_match_outlines(rendered):
    reader = PdfReader(BytesIO(rendered["long_invoice"]))

    for font in reader.pages[-1]["/Resources"]["/Font"].values():
        descendant = font.get_object()["/DescendantFonts"][0].get_object()
        program = TTFont(BytesIO(descendant["/FontDescriptor"]["/FontFile2"].get_object().get_data()))
        glyphs = program["glyf"]
        for name in program.getGlyphOrder():
            glyph = glyphs[name]
            if glyph.numberOfContours == 0:
                continue
            stored = (glyph.xMin, glyph.yMin, glyph.xMax, glyph.yMax)
            glyph.recalcBounds(glyphs)
            assert stored == (glyph.xMin, glyph.yMin, glyph.xMax, glyph.yMax), (descendant["/BaseFont"], name)


def test_pdf_header_is_single_pdf_17(rendered):
    pdf = rendered["invoice"]

    assert pdf.startswith(b"%PDF-1.7\n%")
    assert pdf.count(b"%PDF-") == 1
    assert pdf.rstrip().endswith(b"%%EOF")


def test_pdf_dates_come_from_issue_date(rendered):
    reader = PdfReader(BytesIO(rendered["invoice"]))
    root = xmp_root(rendered["invoice"])

    assert reader.metadata["/CreationDate"] == "D:20260731000000+00'00'"
    assert reader.metadata["/ModDate"] == "D:20260731000000+00'00'"
    assert xmp_value(root, "//xmp:CreateDate") == "2026-07-31T00:00:00+00:00"
    assert xmp_value(root, "//xmp:ModifyDate") == "2026-07-31T00:00:00+00:00"
    assert [attachment.modification_date.isoformat() for attachment in reader.attachment_list] == ["2026-07-31T00:00:00+00:00"]


def test_pdf_information_matches_xmp(rendered):
    reader = PdfReader(BytesIO(rendered["credit_note"]))

    assert reader.metadata["/Title"] == "Avoir AV-2026-0012"
    assert reader.metadata["/Author"] == "Gestion Immobilière du Parc"
    assert "/Keywords" not in reader.metadata
    assert reader.trailer["/ID"][0] == reader.trailer["/ID"][1]


def test_render_is_byte_identical_for_same_document(rendered):
    assert render_document(sample_invoice()) == rendered["invoice"]
    assert render_document(sample_long_invoice()) == rendered["long_invoice"]


def test_render_differs_for_other_document(rendered):
    other = render_document(sample_invoice().model_copy(update={"number": "F-2026-0999"}))

    assert other != rendered["invoice"]
    assert PdfReader(BytesIO(other)).trailer["/ID"] != PdfReader(BytesIO(rendered["invoice"])).trailer["/ID"]


def test_render_in_threads_matches_serial(rendered):
    names = ["invoice", "credit_note", "long_invoice"] * 3

    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda name: render_document(ALL_SAMPLES[name]()), names))

    for name, pdf in zip(names, results, strict=True):
        assert pdf == rendered[name], name


@pytest.mark.skipif(shutil.which("qpdf") is None, reason="qpdf is not installed")
@pytest.mark.parametrize("name", ["invoice", "credit_note", "long_invoice"])
def test_qpdf_finds_no_structural_error(rendered, name, tmp_path: Path):
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(rendered[name])

    result = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "No syntax or stream encoding errors found" in result.stdout


@pytest.mark.parametrize(
    "build",
    [sample_invoice, sample_credit_note, sample_partly_paid_invoice, sample_zero_vat_invoice, sample_fec_invoice],
)
def test_pdf_is_one_a4_page(build):
    reader = PdfReader(BytesIO(render_document(build())))

    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width), 2), round(float(box.height), 2)) == (595.28, 841.89)
