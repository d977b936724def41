"""A creditor whose billing system pushes documents and whose accounting later books them in FEC files."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.ledger.fec import FecChangedEntryError
from services.ledger.importer import import_fec
from tests.ledger.test_feed import creditor_with_terms, invoice_body, post
from tests.ledger.test_import import fec_bytes, row


def booked_invoice(number: str, amount: str, net: str, vat: str, lettering: str = "") -> list[str]:
    """Return the FEC entry that books the pushed invoice `number` of 1 July 2026 for C001."""
    return [
        row("VE", "7", "20260701", "411000", "C001", number, "Facture", amount, "", lettering),
        row("VE", "7", "20260701", "706000", "", number, "Facture", "", net),
        row("VE", "7", "20260701", "445710", "", number, "TVA", "", vat),
    ]


def transfer(reference: str, amount: str, lettering: str) -> list[str]:
    return [
        row("BQ", "8", "20260720", "411000", "C001", reference, "Virement", "", amount, lettering),
        row("BQ", "8", "20260720", "512000", "", reference, "Virement", amount, ""),
    ]


async def account_entries(pool, creditor):
    return await pool.fetch(
        "SELECT kind, document_number, debit, credit, open_amount, source FROM entries WHERE creditor_id = $1 ORDER BY id",
        creditor,
    )


async def test_fec_books_pushed_invoice_once(ledger_service, ledger_pool):
    creditor = await creditor_with_terms(ledger_pool)
    await post(ledger_service, creditor, invoice_body(number="FA-F1"))

    summary = await import_fec(
        ledger_pool, creditor,
        fec_bytes(*booked_invoice("fa-f1 ", "332,90", "280,00", "52,90", "AA"), *transfer("VIR1", "332,90", "AA")),
        file_name="july.txt",
    )
    entries = await account_entries(ledger_pool, creditor)

    assert summary.entries_created == 1
    assert summary.receipts_matched == 0
    assert [(entry["kind"], entry["source"]) for entry in entries] == [("invoice", "feed"), ("payment", "fec")]
    assert [entry["open_amount"] for entry in entries] == [Decimal("0.00"), Decimal("0.00")]


async def test_fec_booking_pushed_invoice_twice_changes_nothing(ledger_service, ledger_pool):
    creditor = await creditor_with_terms(ledger_pool)
    await post(ledger_service, creditor, invoice_body(number="FA-F1"))
    await import_fec(
        ledger_pool, creditor, fec_bytes(*booked_invoice("FA-F1", "332,90", "280,00", "52,90")), file_name="july.txt"
    )

    summary = await import_fec(
        ledger_pool, creditor,
        fec_bytes(*booked_invoice("FA-F1", "332,90", "280,00", "52,90"), *transfer("VIR1", "100,00", "")),
        file_name="july-and-payment.txt",
    )

    assert summary.entries_created == 1
    assert len(await account_entries(ledger_pool, creditor)) == 2


async def test_fec_with_other_amount_than_pushed_invoice_rejected(ledger_service, ledger_pool):
    creditor = await creditor_with_terms(ledger_pool)
    await post(ledger_service, creditor, invoice_body(number="FA-F1"))

    with pytest.raises(FecChangedEntryError) as raised:
        await import_fec(
            ledger_pool, creditor, fec_bytes(*booked_invoice("FA-F1", "342,90", "290,00", "52,90")), file_name="july.txt"
        )

    assert "le document FA-F1 (client C001) a été reçu du logiciel de facturation" in str(raised.value)
    assert "avec débit 342,90\u00a0€" in str(raised.value)
    assert len(await account_entries(ledger_pool, creditor)) == 1


async def test_push_after_fec_booking_changes_nothing(ledger_service, ledger_pool):
    creditor = await creditor_with_terms(ledger_pool)
    await import_fec(
        ledger_pool, creditor, fec_bytes(*booked_invoice("fa-f1 ", "332,90", "280,00", "52,90")), file_name="july.txt"
    )
    booked_id = await ledger_pool.fetchval("SELECT id FROM entries WHERE creditor_id = $1", creditor)

    status, body = await post(ledger_service, creditor, invoice_body(number="FA-F1"))

    assert status == 200
    assert body["entry_id"] == booked_id
    assert body["created"] is False
    assert len(await account_entries(ledger_pool, creditor)) == 1


async def test_push_with_other_total_than_booked_conflicts(ledger_service, ledger_pool):
    creditor = await creditor_with_terms(ledger_pool)
    await import_fec(
        ledger_pool, creditor, fec_bytes(*booked_invoice("FA-F1", "300,00", "250,00", "50,00")), file_name="july.txt"
    )

    status, body = await post(ledger_service, creditor, invoice_body(number="FA-F1"))

    assert status == 409
    assert "déjà dans la comptabilité importée, pour un total de 300,00\u00a0€ et non de 332,90\u00a0€" in body["error"]["message"]
    assert len(await account_entries(ledger_pool, creditor)) == 1


def installments(number: str) -> list[str]:
    """Return an entry that books the 332,90 invoice `number` of 1 July 2026 in two due-date lines."""
    return [
        row("VE", "7", "20260701", "411000", "C001", number, "Facture échéance 1", "166,45", ""),
        row("VE", "7", "20260701", "411000", "C001", number, "Facture échéance 2", "166,45", ""),
        row("VE", "7", "20260701", "706000", "", number, "Facture", "", "280,00"),
        row("VE", "7", "20260701", "445710", "", number, "TVA", "", "52,90"),
    ]


async def account_balance(pool, creditor) -> Decimal:
    return await pool.fetchval("SELECT sum(debit) - sum(credit) FROM entries WHERE creditor_id = $1", creditor)


async def test_fec_installments_book_pushed_invoice_once(ledger_service, ledger_pool):
    creditor = await creditor_with_terms(ledger_pool)
    await post(ledger_service, creditor, invoice_body(number="FA-F1"))

    summary = await import_fec(ledger_pool, creditor, fec_bytes(*installments("FA-F1")), file_name="july.txt")
    again = await import_fec(
        ledger_pool, creditor, fec_bytes(*installments("FA-F1"), *transfer("VIR1", "100,00", "")), file_name="later.txt"
    )

    assert summary.entries_created == 0
    assert again.entries_created == 1
    assert await account_balance(ledger_pool, creditor) == Decimal("232.90")


async def test_push_after_fec_installments_changes_nothing(ledger_service, ledger_pool):
    creditor = await creditor_with_terms(ledger_pool)
    await import_fec(ledger_pool, creditor, fec_bytes(*installments("FA-F1")), file_name="july.txt")

    status, body = await post(ledger_service, creditor, invoice_body(number="FA-F1"))

    assert status == 200
    assert body["created"] is False
    assert await account_balance(ledger_pool, creditor) == Decimal("332.90")


async def test_opening_balance_books_pushed_invoice_once(ledger_service, ledger_pool):
    creditor = await creditor_with_terms(ledger_pool)
    await post(ledger_service, creditor, invoice_body(number="FA-F1", issue_date="2025-12-01"))

    summary = await import_fec(
        ledger_pool, creditor,
        fec_bytes(
            row("AN", "1", "20260101", "411000", "C001", "FA-F1", "A nouveau FA-F1", "332,90", "", "AA"),
            row("AN", "1", "20260101", "890000", "", "AN", "A nouveau", "", "332,90"),
            row("BQ", "2", "20260120", "411000", "C001", "VIR1", "Virement", "", "332,90", "AA"),
            row("BQ", "2", "20260120", "512000", "", "VIR1", "Virement", "332,90", ""),
        ),
        file_name="FEC2026.txt",
    )
    entries = await account_entries(ledger_pool, creditor)

    assert summary.entries_created == 1
    assert [(entry["kind"], entry["source"], entry["open_amount"]) for entry in entries] == [
        ("invoice", "feed", Decimal("0.00")),
        ("payment", "fec", Decimal("0.00")),
    ]


async def test_earlier_year_number_stays_apart(ledger_service, ledger_pool):
    creditor = await creditor_with_terms(ledger_pool)
    await post(ledger_service, creditor, invoice_body(number="FA-F1"))

    summary = await import_fec(
        ledger_pool, creditor,
        fec_bytes(
            row("VE", "3", "20250115", "411000", "C001", "FA-F1", "Facture", "120,00", ""),
            row("VE", "3", "20250115", "706000", "", "FA-F1", "Facture", "", "100,00"),
            row("VE", "3", "20250115", "445710", "", "FA-F1", "TVA", "", "20,00"),
        ),
        file_name="FEC2025.txt",
    )

    assert summary.entries_created == 1
    assert await account_balance(ledger_pool, creditor) == Decimal("452.90")
