"""Invoice and credit-note PDFs built from the ledger, stored once and served."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from facturx import get_xml_from_pdf
from lxml import etree
from pypdf import PdfReader
from structlog.testing import capture_logs

from services.ledger.creditors import CreditorIdentity, set_creditor_identity, upsert_creditor
from services.ledger.documents import validate_cii_xml
from services.ledger.importer import import_fec
from services.ledger.domain import CHANGED_ENTRY_MAX_DAYS, EntryKind, paris_today
from services.ledger.operations import insert_entry
from services.ledger.rendering import CreditNoteVatUnknown, build_document, stored_document
from services.ledger.documents import render_document
from tests.conftest import fixture_path, unique_id
from tests.ledger.test_feed import invoice_body
from tests.ledger.test_import import fec_bytes, row
from tests.ledger.test_statement import invoice_rows

RAM = "{urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100}"

IDENTITY = CreditorIdentity(
    legal_name="PRESSE IMMO TEST SAS",
    legal_form="SAS",
    share_capital=Decimal("100000.00"),
    rcs_city="Lyon",
    siren="812345676",
    siret="81234567600017",
    vat_number="FR19812345676",
    address_lines=["14 rue des Tanneurs"],
    postal_code="69002",
    city="Lyon",
    email="facturation@presse-immo.example",
    iban="FR7630002012340001234567846",
    bic="CRLYFRPP",
)


async def creditor_with_identity(pool) -> str:
    creditor = unique_id("pdf")
    await upsert_creditor(pool, creditor, "Presse Immo Test", "30 jours fin de mois")
    await set_creditor_identity(pool, creditor, IDENTITY)
    return creditor


def grand_total(xml: bytes) -> Decimal:
    root = etree.fromstring(xml)
    return Decimal(root.find(f".//{RAM}GrandTotalAmount").text)


async def test_every_real_fec_document_renders_valid_factur_x(ledger_pool):
    creditor = await creditor_with_identity(ledger_pool)
    data = fixture_path("fec", "0000000001FEC20220831.txt").read_bytes()
    await import_fec(ledger_pool, creditor, data, file_name="0000000001FEC20220831.txt")
    entries = await ledger_pool.fetch(
        "SELECT * FROM entries WHERE creditor_id = $1 AND kind IN ('invoice', 'credit_note') ORDER BY id", creditor
    )
    failures = []
    without_breakdown = []
    async with ledger_pool.acquire() as connection:
        for entry in entries:
            document = await build_document(connection, entry)
            pdf = render_document(document)
            if document.vat_rates_unknown:
                without_breakdown.append(entry["document_number"])
                continue
            _name, xml = get_xml_from_pdf(pdf, check_xsd=False)
            try:
                validate_cii_xml(xml)
            except Exception as error:  # collect every failing document, not only the first
                failures.append((entry["document_number"], repr(error)))
                continue
            if grand_total(xml) != entry["debit"] + entry["credit"]:
                failures.append((entry["document_number"], f"total {grand_total(xml)}"))

    assert len(entries) == 400
    assert failures == []
    # One revenue line and one VAT line that no standard rate explains on the whole base.
    assert sorted(without_breakdown) == [
        "AV  220187", "AV  220233",
        "FA  220185", "FA  220188", "FA  220209", "FA  220231", "FA  220232", "FA  220260",
    ]


async def test_invoice_pdf_typography_of_stored_texts(ledger_pool):
    # The database's default late-payment rate has a straight apostrophe, and
    # the accounting's number has two spaces: the PDF prints ’ and keeps both.
    creditor = await creditor_with_identity(ledger_pool)
    await ledger_pool.execute("UPDATE creditors SET penalty_rate = DEFAULT WHERE id = $1", creditor)
    await import_fec(
        ledger_pool, creditor, fec_bytes(*invoice_rows("FA  0042", "1", "20260110", "C001", "120,00")), file_name="a.txt"
    )

    document = await stored_document(ledger_pool, creditor, "C001", "FA  0042")
    reader = PdfReader(io.BytesIO(document.content))
    text = "".join(page.extract_text() for page in reader.pages).replace("\n", " ")
    xml = get_xml_from_pdf(document.content, check_xsd=False)[1].decode()

    assert "taux d’intérêt légal" in text
    assert "d'intérêt" not in text
    assert "taux d’intérêt légal" in xml
    assert "N°\u00a0FA  0042" in text


@pytest.mark.parametrize("new_terms", ["45 jours", "à réception"])
async def test_invoice_after_terms_change_states_due_date_only(ledger_pool, new_terms):
    # Issued under « 30 jours fin de mois »: due 28/02/2026. Terms changed
    # before the first view would print beside a due date they do not give.
    creditor = await creditor_with_identity(ledger_pool)
    await import_fec(
        ledger_pool, creditor, fec_bytes(*invoice_rows("FA-T1", "1", "20260110", "C001", "120,00")), file_name="t.txt"
    )
    await ledger_pool.execute("UPDATE creditors SET payment_terms = $2 WHERE id = $1", creditor, new_terms)

    document = await stored_document(ledger_pool, creditor, "C001", "FA-T1")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(document.content)).pages).replace("\n", " ")
    xml = get_xml_from_pdf(document.content, check_xsd=False)[1].decode()

    assert "Paiement au plus tard le 28/02/2026." in text
    assert new_terms not in text
    assert "Conditions de paiement" not in text
    assert new_terms not in xml
    assert ">20260228</udt:DateTimeString>" in xml


async def test_invoice_under_its_terms_states_them(ledger_pool):
    creditor = await creditor_with_identity(ledger_pool)
    await import_fec(
        ledger_pool, creditor, fec_bytes(*invoice_rows("FA-T2", "1", "20260110", "C001", "120,00")), file_name="u.txt"
    )

    document = await stored_document(ledger_pool, creditor, "C001", "FA-T2")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(document.content)).pages).replace("\n", " ")

    assert "Conditions de paiement\u00a0: 30 jours fin de mois, soit au plus tard le 28/02/2026." in text


async def test_unexplained_vat_prints_no_breakdown(ledger_pool):
    creditor = await creditor_with_identity(ledger_pool)
    data = fixture_path("fec", "0000000001FEC20220831.txt").read_bytes()
    await import_fec(ledger_pool, creditor, data, file_name="0000000001FEC20220831.txt")

    document = await stored_document(ledger_pool, creditor, "CCALIX", "FA  220185")
    reader = PdfReader(io.BytesIO(document.content))
    # The layout wraps text at spaces, so line breaks are read back as spaces.
    text = "".join(page.extract_text() for page in reader.pages).replace("\n", " ")
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()

    assert "Taux de TVA non précisé\u00a0:" in text
    assert "Ce PDF ne contient donc pas de données Factur-X." in text
    assert "4\u202f216,80\u00a0€" in text
    assert "86,72\u00a0€" in text
    assert "4\u202f303,52\u00a0€" in text
    assert "20\u00a0%" not in text
    assert "0\u00a0%" not in text
    assert reader.attachments == {}
    assert "<pdfaid:part>3</pdfaid:part>" in xmp
    assert "factur-x" not in xmp.lower()
    assert document.final is True


async def test_pdf_route_renders_once_and_caches(ledger_service, ledger_pool):
    creditor = await creditor_with_identity(ledger_pool)
    await ledger_service.client.post(f"/creditors/{creditor}/documents", json=invoice_body(),
                                     headers=ledger_service.system_headers())
    headers = ledger_service.headers_for(accounts=((creditor, "C001"),))

    first = await ledger_service.client.get(f"/creditors/{creditor}/documents/FA-F1/pdf", headers=headers)
    content = await first.read()
    second = await ledger_service.client.get(f"/creditors/{creditor}/documents/FA-F1/pdf", headers=headers)
    again = await second.read()
    cached = await ledger_service.client.get(
        f"/creditors/{creditor}/documents/FA-F1/pdf", headers={**headers, "If-None-Match": first.headers["ETag"]}
    )
    stored = await ledger_pool.fetchval(
        "SELECT count(*) FROM document_files f JOIN entries e ON e.id = f.entry_id WHERE e.creditor_id = $1",
        creditor,
    )
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)

    assert first.status == 200
    assert first.headers["Content-Type"] == "application/pdf"
    assert first.headers["Cache-Control"] == "private, no-store"
    assert again == content
    assert cached.status == 304
    assert stored == 1
    assert "FA-F1" in text
    assert "332,90\u00a0€" in text


async def test_pdf_of_another_account_is_not_found(ledger_service, ledger_pool):
    creditor = await creditor_with_identity(ledger_pool)
    await ledger_service.client.post(f"/creditors/{creditor}/documents", json=invoice_body(),
                                     headers=ledger_service.system_headers())
    stranger = ledger_service.headers_for(accounts=((creditor, "C999"),))
    other_creditor = ledger_service.headers_for(accounts=(("autre", "C001"),))

    foreign = await ledger_service.client.get(f"/creditors/{creditor}/documents/FA-F1/pdf", headers=stranger)
    unlinked = await ledger_service.client.get(f"/creditors/{creditor}/documents/FA-F1/pdf", headers=other_creditor)

    assert foreign.status == 404
    assert unlinked.status == 404



async def test_pdf_with_undrawable_character_is_rejected(ledger_service, ledger_pool):
    # A UTF-8 FEC may contain any Unicode text, but the PDF fonts cover Latin scripts only.
    creditor = await creditor_with_identity(ledger_pool)
    await import_fec(
        ledger_pool, creditor, fec_bytes(*invoice_rows("FA-Ω1", "1", "20260110", "C001", "120,00")), file_name="o.txt"
    )
    headers = ledger_service.headers_for(accounts=((creditor, "C001"),))

    with capture_logs() as logs:
        response = await ledger_service.client.get(f"/creditors/{creditor}/documents/FA-Ω1/pdf", headers=headers)
    error = (await response.json())["error"]
    warnings = [line for line in logs if line["event"] == "document_character_unsupported"]
    stored = await ledger_pool.fetchval(
        "SELECT count(*) FROM document_files f JOIN entries e ON e.id = f.entry_id WHERE e.creditor_id = $1",
        creditor,
    )

    assert response.status == 409
    assert error["code"] == "document_character_unsupported"
    assert error["message"].startswith(
        "Le document n°\u00a0FA-Ω1 ne peut pas être affiché\u00a0: son texte contient le caractère «\u00a0Ω\u00a0»"
    )
    assert error["details"]["field"] == "document.number"
    assert len(warnings) == 1
    assert warnings[0]["code_point"] == "U+03A9"
    assert stored == 0


async def credit_note_document(pool, lettering: str):
    """Import an invoice and a credit note for it, lettered together with `lettering` (or not), and build the credit note."""
    creditor = await creditor_with_identity(pool)
    lines = [
        *invoice_rows("FA0101", "1", "20260702", "C001", "120,00", lettering),
        row("VE", "2", "20260710", "411000", "C001", "AV0101", "Avoir", "", "120,00", lettering),
        row("VE", "2", "20260710", "706000", "", "AV0101", "Avoir", "100,00", ""),
        row("VE", "2", "20260710", "445710", "", "AV0101", "TVA", "20,00", ""),
    ]
    await import_fec(pool, creditor, fec_bytes(*lines), file_name="avoir.txt")
    entry = await pool.fetchrow("SELECT * FROM entries WHERE creditor_id = $1 AND document_number = 'AV0101'", creditor)
    async with pool.acquire() as connection:
        return await build_document(connection, entry)


async def test_lettered_credit_note_names_its_invoice(ledger_pool):
    document = await credit_note_document(ledger_pool, "AA")

    _name, xml = get_xml_from_pdf(render_document(document), check_xsd=False)
    reference = etree.fromstring(xml).find(f".//{RAM}InvoiceReferencedDocument")

    assert document.preceding_invoice_number == "FA0101"
    assert document.preceding_invoice_date.isoformat() == "2026-07-02"
    assert reference.find(f"{RAM}IssuerAssignedID").text == "FA0101"


async def test_unlettered_credit_note_names_no_invoice(ledger_pool):
    document = await credit_note_document(ledger_pool, "")

    assert document.preceding_invoice_number is None


def credit_note_lines(invoice_day: date, note_day: date, lettering: str) -> list[str]:
    """Return an invoice FA0201 and its credit note AV0201 of C001, lettered together with `lettering` (or not)."""
    note = note_day.strftime("%Y%m%d")
    return [
        *invoice_rows("FA0201", "1", invoice_day.strftime("%Y%m%d"), "C001", "120,00", lettering),
        row("VE", "2", note, "411000", "C001", "AV0201", "Avoir", "", "120,00", lettering),
        row("VE", "2", note, "706000", "", "AV0201", "Avoir", "100,00", ""),
        row("VE", "2", note, "445710", "", "AV0201", "TVA", "20,00", ""),
    ]


async def stored_pdf_count(pool, creditor) -> int:
    return await pool.fetchval(
        "SELECT count(*) FROM document_files f JOIN entries e ON e.id = f.entry_id WHERE e.creditor_id = $1", creditor
    )


async def test_lettered_credit_note_not_stored(ledger_pool):
    creditor = await creditor_with_identity(ledger_pool)
    invoice_day, note_day = paris_today() - timedelta(days=20), paris_today() - timedelta(days=10)
    await import_fec(
        ledger_pool, creditor, fec_bytes(*credit_note_lines(invoice_day, note_day, "")), file_name="m1.txt"
    )

    before_lettering = await stored_document(ledger_pool, creditor, "C001", "AV0201")
    await import_fec(
        ledger_pool, creditor, fec_bytes(*credit_note_lines(invoice_day, note_day, "AA")), file_name="m1-bis.txt"
    )
    after_lettering = await stored_document(ledger_pool, creditor, "C001", "AV0201")
    _name, xml = get_xml_from_pdf(after_lettering.content, check_xsd=False)

    assert before_lettering.final is False
    # A later file may still letter the credit note with other invoices, which would change its reference.
    assert after_lettering.final is False
    assert await stored_pdf_count(ledger_pool, creditor) == 0
    assert etree.fromstring(xml).find(f".//{RAM}InvoiceReferencedDocument/{RAM}IssuerAssignedID").text == "FA0201"


async def test_old_unlettered_credit_note_not_stored(ledger_pool):
    creditor = await creditor_with_identity(ledger_pool)
    note_day = paris_today() - timedelta(days=CHANGED_ENTRY_MAX_DAYS + 1)
    await import_fec(
        ledger_pool, creditor, fec_bytes(*credit_note_lines(note_day, note_day, "")), file_name="old.txt"
    )

    document = await stored_document(ledger_pool, creditor, "C001", "AV0201")

    assert document.final is False
    assert await stored_pdf_count(ledger_pool, creditor) == 0


def demo_credit_note_lines(label: str) -> list[str]:
    """Return the demo's group AH of C00131: two invoices, a credit note labelled ``label`` and a payment."""
    return [
        *invoice_rows("FA2026-000012", "1", "20260401", "C00131", "237,60", "AH"),
        *invoice_rows("FA2026-000015", "2", "20260415", "C00131", "178,80", "AH"),
        row("VE", "3", "20260420", "411000", "C00131", "AV2026-000001", label, "", "178,80", "AH"),
        row("VE", "3", "20260420", "706000", "", "AV2026-000001", label, "149,00", ""),
        row("VE", "3", "20260420", "445710", "", "AV2026-000001", "TVA", "29,80", ""),
        row("BQ", "4", "20260430", "411000", "C00131", "VIR-1", "Virement", "", "237,60", "AH"),
        row("BQ", "4", "20260430", "512000", "", "VIR-1", "Virement", "237,60", ""),
    ]


async def import_demo_group(pool, label: str) -> str:
    creditor = await creditor_with_identity(pool)
    await import_fec(pool, creditor, fec_bytes(*demo_credit_note_lines(label)), file_name="ah.txt")
    return creditor


async def test_credit_note_label_names_invoice(ledger_pool):
    creditor = await import_demo_group(ledger_pool, "Avoir AV2026-000001 sur FA2026-000015")

    document = await stored_document(ledger_pool, creditor, "C00131", "AV2026-000001")
    _name, xml = get_xml_from_pdf(document.content, check_xsd=False)
    reference = etree.fromstring(xml).find(f".//{RAM}InvoiceReferencedDocument")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(document.content)).pages)

    assert reference.find(f"{RAM}IssuerAssignedID").text == "FA2026-000015"
    assert "Avoir sur la facture n°\u00a0FA2026-000015\ndu\u00a015/04/2026" in text
    assert "FA2026-000012" not in text
    # The label is the credit note's own data, which no later lettering changes.
    assert document.final is True
    assert await stored_pdf_count(ledger_pool, creditor) == 1


async def test_label_ignores_spaces_and_case(ledger_pool):
    creditor = await import_demo_group(ledger_pool, "avoir s/ fa 2026-000015 du 15 avril")
    entry = await ledger_pool.fetchrow(
        "SELECT * FROM entries WHERE creditor_id = $1 AND document_number = 'AV2026-000001'", creditor
    )

    async with ledger_pool.acquire() as connection:
        document = await build_document(connection, entry)

    assert document.preceding_invoice_number == "FA2026-000015"


async def test_group_of_two_invoices_names_none(ledger_pool):
    creditor = await import_demo_group(ledger_pool, "Avoir geste commercial")

    document = await stored_document(ledger_pool, creditor, "C00131", "AV2026-000001")
    _name, xml = get_xml_from_pdf(document.content, check_xsd=False)

    # The allocation applies the credit to the oldest invoice, FA2026-000012, which is not a reference.
    assert etree.fromstring(xml).find(f".//{RAM}InvoiceReferencedDocument") is None
    assert document.final is False
    assert await stored_pdf_count(ledger_pool, creditor) == 0


async def test_label_naming_two_invoices_names_none(ledger_pool):
    creditor = await import_demo_group(ledger_pool, "Avoir sur FA2026-000012 et FA2026-000015")
    entry = await ledger_pool.fetchrow(
        "SELECT * FROM entries WHERE creditor_id = $1 AND document_number = 'AV2026-000001'", creditor
    )

    async with ledger_pool.acquire() as connection:
        document = await build_document(connection, entry)

    assert document.preceding_invoice_number is None


async def test_number_prefix_is_not_a_reference(ledger_pool):
    creditor = await creditor_with_identity(ledger_pool)
    lines = [
        *invoice_rows("FA 1", "1", "20260401", "C001", "120,00"),
        row("VE", "2", "20260420", "411000", "C001", "AV 7", "Avoir sur FA 15", "", "120,00"),
        row("VE", "2", "20260420", "706000", "", "AV 7", "Avoir sur FA 15", "100,00", ""),
        row("VE", "2", "20260420", "445710", "", "AV 7", "TVA", "20,00", ""),
    ]
    await import_fec(ledger_pool, creditor, fec_bytes(*lines), file_name="prefix.txt")
    entry = await ledger_pool.fetchrow("SELECT * FROM entries WHERE creditor_id = $1 AND document_number = 'AV 7'", creditor)

    async with ledger_pool.acquire() as connection:
        document = await build_document(connection, entry)

    assert document.preceding_invoice_number is None


async def test_shared_piece_ref_is_not_a_reference(ledger_pool):
    creditor = await creditor_with_identity(ledger_pool)
    lines = [
        *invoice_rows("VE 0523", "1", "20230505", "C001", "120,00"),
        row("VE", "2", "20230520", "411000", "C001", "VE 0523", "Avoir", "", "120,00"),
        row("VE", "2", "20230520", "706000", "", "VE 0523", "Avoir", "100,00", ""),
        row("VE", "2", "20230520", "445710", "", "VE 0523", "TVA", "20,00", ""),
    ]
    await import_fec(ledger_pool, creditor, fec_bytes(*lines), file_name="shared.txt")
    entry = await ledger_pool.fetchrow(
        "SELECT * FROM entries WHERE creditor_id = $1 AND kind = 'credit_note'", creditor
    )

    async with ledger_pool.acquire() as connection:
        document = await build_document(connection, entry)

    assert document.preceding_invoice_number is None


async def dispute_credit_note(pool, invoice_lines: list[str], invoice: str, amount: str):
    """Import `invoice_lines`, credit `amount` of `invoice` as a dispute does, and build the credit note."""
    creditor = await creditor_with_identity(pool)
    await import_fec(pool, creditor, fec_bytes(*invoice_lines), file_name="ventes.txt")
    async with pool.acquire() as connection, connection.transaction():
        note_id = await insert_entry(
            connection, creditor=creditor, account="C001", kind=EntryKind.CREDIT_NOTE, number="AV-lit_1-1",
            document_date=date(2026, 8, 1), amount=Decimal(amount), label="Avoir suite au litige lit_1",
            source="dispute", source_key=f"dispute:lit_1:{invoice}", preceding_document=invoice,
        )
        entry = await connection.fetchrow("SELECT * FROM entries WHERE id = $1", note_id)
        return await build_document(connection, entry)


def two_rate_invoice() -> list[str]:
    """An invoice FA0301 of C001: 100,00 € at 20 % and 200,00 € at 5,5 %, 331,00 € in all."""
    return [
        row("VE", "1", "20260702", "411000", "C001", "FA0301", "Facture", "331,00", ""),
        row("VE", "1", "20260702", "706000", "", "FA0301", "Abonnement", "", "100,00"),
        row("VE", "1", "20260702", "445710", "", "FA0301", "TVA 20", "", "20,00"),
        row("VE", "1", "20260702", "706100", "", "FA0301", "Annonces", "", "200,00"),
        row("VE", "1", "20260702", "445712", "", "FA0301", "TVA 5,5", "", "11,00"),
    ]


async def test_dispute_credit_note_takes_invoice_vat(ledger_pool):
    document = await dispute_credit_note(ledger_pool, invoice_rows("FA0101", "1", "20260702", "C001", "120,00"), "FA0101", "60.00")

    assert [(item.rate, item.taxable_base, item.vat_amount) for item in document.vat_breakdown] == [
        (Decimal("20"), Decimal("50.00"), Decimal("10.00"))
    ]
    assert document.total == Decimal("60.00")
    assert validate_cii_xml(get_xml_from_pdf(render_document(document), check_xsd=False)[1]) is None


async def test_dispute_full_credit_mirrors_invoice(ledger_pool):
    document = await dispute_credit_note(ledger_pool, two_rate_invoice(), "FA0301", "331.00")

    assert [(item.rate, item.taxable_base, item.vat_amount) for item in document.vat_breakdown] == [
        (Decimal("20"), Decimal("100.00"), Decimal("20.00")),
        (Decimal("5.5"), Decimal("200.00"), Decimal("11.00")),
    ]


async def test_dispute_partial_credit_shares_rates(ledger_pool):
    document = await dispute_credit_note(ledger_pool, two_rate_invoice(), "FA0301", "100.00")

    assert [(item.rate, item.taxable_base, item.vat_amount) for item in document.vat_breakdown] == [
        (Decimal("20"), Decimal("30.21"), Decimal("6.04")),
        (Decimal("5.5"), Decimal("60.43"), Decimal("3.32")),
    ]
    assert document.net_total + document.vat_total == Decimal("100.00")


def unknown_rate_invoice() -> list[str]:
    """An invoice FA-37 of C001: 1 000,00 € before VAT and 37,00 € of VAT, which no single rate gives."""
    return [
        row("VE", "1", "20260702", "411000", "C001", "FA-37", "Facture", "1037,00", ""),
        row("VE", "1", "20260702", "706000", "", "FA-37", "Prestations", "", "1000,00"),
        row("VE", "1", "20260702", "445710", "", "FA-37", "TVA", "", "37,00"),
    ]


async def test_dispute_credit_of_unknown_rates_has_none(ledger_pool):
    document = await dispute_credit_note(ledger_pool, unknown_rate_invoice(), "FA-37", "1037.00")

    assert document.vat_rates_unknown is True
    assert document.vat_breakdown == ()
    assert (document.net_total, document.vat_total) == (Decimal("1000.00"), Decimal("37.00"))


async def test_dispute_credit_of_unknown_invoice_not_rendered(ledger_pool):
    with pytest.raises(CreditNoteVatUnknown, match="la facture qu’il corrige \\(FA-ABSENT\\) n’est pas dans le grand livre"):
        await dispute_credit_note(ledger_pool, invoice_rows("FA0101", "1", "20260702", "C001", "120,00"), "FA-ABSENT", "60.00")


async def test_pdf_route_if_none_match_forms(ledger_service, ledger_pool):
    creditor = await creditor_with_identity(ledger_pool)
    await ledger_service.client.post(f"/creditors/{creditor}/documents", json=invoice_body(),
                                     headers=ledger_service.system_headers())
    headers = ledger_service.headers_for(accounts=((creditor, "C001"),))
    path = f"/creditors/{creditor}/documents/FA-F1/pdf"
    etag = (await ledger_service.client.get(path, headers=headers)).headers["ETag"]
    # HTTP defines "*" in If-None-Match as matching any current copy, and compares the tags weakly.
    expected_statuses = {
        "*": 304,
        f'"other", {etag}': 304,
        f"W/{etag}": 304,
        '"other"': 200,
        etag[:-5] + '"': 200,
    }

    for value, expected in expected_statuses.items():
        response = await ledger_service.client.get(path, headers={**headers, "If-None-Match": value})

        assert response.status == expected, value
