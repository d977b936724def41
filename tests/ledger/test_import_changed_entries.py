"""A later file that changes an imported entry is rejected; other files that repeat numbers are not."""

from __future__ import annotations

import pytest

from services.ledger.fec import FecChangedEntryError
from services.ledger.importer import import_fec
from tests.ledger.test_import import fec_bytes, new_creditor, row


def invoice_entry(number: str, day: str, piece: str, amount: str, net: str, vat: str) -> list[str]:
    return [
        row("VE", number, day, "411000", "C001", piece, "Facture", amount, ""),
        row("VE", number, day, "706000", "", piece, "Facture", "", net),
        row("VE", number, day, "445710", "", piece, "TVA", "", vat),
    ]


async def entry_count(pool, creditor) -> int:
    return await pool.fetchval("SELECT count(*) FROM entries WHERE creditor_id = $1", creditor)


async def creditor_with_january_invoice(pool) -> str:
    """Return a new creditor whose first import, january.txt, contains invoice F0002 of 240,00 dated 2026-01-15."""
    creditor = await new_creditor(pool)
    await import_fec(
        pool, creditor, fec_bytes(*invoice_entry("2", "20260115", "F0002", "240,00", "200,00", "40,00")),
        file_name="january.txt",
    )
    return creditor


async def test_changed_amount_is_rejected(ledger_pool):
    creditor = await creditor_with_january_invoice(ledger_pool)
    corrected = fec_bytes(*invoice_entry("2", "20260115", "F0002", "250,00", "210,00", "40,00"))

    with pytest.raises(FecChangedEntryError) as raised:
        await import_fec(ledger_pool, creditor, corrected, file_name="january-corrected.txt")

    message = str(raised.value)
    assert "nothing was imported, because 1 customer line changes an entry imported earlier" in message
    assert "line 2: entry VE 2 (document F0002, customer C001) was imported from january.txt" in message
    assert "with debit 240.00, credit 0.00, dated 2026-01-15" in message
    assert "this file gives debit 250.00, credit 0.00, dated 2026-01-15" in message
    assert "credit note" in message
    assert raised.value.line_numbers == (2,)
    assert await entry_count(ledger_pool, creditor) == 1
    assert await ledger_pool.fetchval("SELECT count(*) FROM imports WHERE creditor_id = $1", creditor) == 1


async def test_changed_date_is_rejected(ledger_pool):
    creditor = await creditor_with_january_invoice(ledger_pool)
    redated = fec_bytes(*invoice_entry("2", "20260120", "F0002", "240,00", "200,00", "40,00"))

    with pytest.raises(FecChangedEntryError, match="dated 2026-01-20"):
        await import_fec(ledger_pool, creditor, redated, file_name="january-redated.txt")


async def test_number_of_another_year_is_new(ledger_pool):
    creditor = await new_creditor(ledger_pool)
    await import_fec(
        ledger_pool, creditor, fec_bytes(*invoice_entry("2", "20250115", "FACTURE", "240,00", "200,00", "40,00")),
        file_name="2025.txt",
    )

    summary = await import_fec(
        ledger_pool, creditor, fec_bytes(*invoice_entry("2", "20260115", "FACTURE", "120,00", "100,00", "20,00")),
        file_name="2026.txt",
    )

    assert summary.entries_created == 1
    assert await entry_count(ledger_pool, creditor) == 2


async def test_added_entry_beside_imported_one_is_new(ledger_pool):
    creditor = await new_creditor(ledger_pool)
    january = invoice_entry("2", "20260115", "F0002", "240,00", "200,00", "40,00")
    await import_fec(ledger_pool, creditor, fec_bytes(*january), file_name="january.txt")

    summary = await import_fec(
        ledger_pool, creditor,
        fec_bytes(*january, *invoice_entry("3", "20260116", "F0003", "120,00", "100,00", "20,00")),
        file_name="january-full.txt",
    )

    assert summary.entries_created == 1
    assert await entry_count(ledger_pool, creditor) == 2
