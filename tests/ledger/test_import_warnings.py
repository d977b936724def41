"""Warnings of the FEC import for files that import nothing the operator expects."""

from __future__ import annotations

from services.ledger.importer import import_fec
from tests.conftest import unique_id
from tests.ledger.test_import import fec_bytes, new_creditor, row


def invoice_rows(number: str, day: str, lettering: str = "") -> list[str]:
    return [
        row("VE", number, day, "411000", "C001", f"FA{number}", "Facture", "120,00", "", lettering),
        row("VE", number, day, "706000", "", f"FA{number}", "Facture", "", "120,00"),
    ]


def payment_rows(number: str, day: str, lettering: str = "") -> list[str]:
    return [
        row("BQ", number, day, "411000", "C001", f"VIR{number}", "Virement", "", "120,00", lettering),
        row("BQ", number, day, "512000", "", f"VIR{number}", "Virement", "120,00", ""),
    ]


async def test_reimport_after_later_import_warns(ledger_pool):
    creditor = await new_creditor(ledger_pool)
    july = fec_bytes(*invoice_rows("1", "20260701"), *payment_rows("1", "20260715"))
    august = fec_bytes(*invoice_rows("1", "20260701", "AA"), *payment_rows("1", "20260715", "AA"))
    first = await import_fec(ledger_pool, creditor, july, file_name="juillet.txt")
    later = await import_fec(ledger_pool, creditor, august, file_name="aout.txt")

    again = await import_fec(ledger_pool, creditor, july, file_name="juillet-bis.txt")

    assert again.already_imported
    assert again.import_id == first.import_id
    assert len(again.warnings) == 1
    warning = again.warnings[0]
    assert f"l’import {first.import_id} (juillet.txt" in warning
    assert f"L’import {later.import_id} (aout.txt" in warning
    assert "le lettrage de ce fichier n’a pas été appliqué" in warning
    assert "exportez de nouveau le fichier depuis le logiciel comptable" in warning


async def test_reimport_of_latest_file_has_no_warning(ledger_pool):
    creditor = await new_creditor(ledger_pool)
    july = fec_bytes(*invoice_rows("1", "20260701"), *payment_rows("1", "20260715"))
    august = fec_bytes(*invoice_rows("1", "20260701", "AA"), *payment_rows("1", "20260715", "AA"))
    await import_fec(ledger_pool, creditor, july, file_name="juillet.txt")
    await import_fec(ledger_pool, creditor, august, file_name="aout.txt")

    again = await import_fec(ledger_pool, creditor, august, file_name="aout.txt")

    assert again.already_imported
    assert again.warnings == []


async def test_header_only_file_imports_with_warning(ledger_pool):
    creditor = await new_creditor(ledger_pool)
    file_name = f"{unique_id('vide')}.txt"

    summary = await import_fec(ledger_pool, creditor, fec_bytes(), file_name=file_name)

    assert not summary.already_imported
    assert summary.import_id > 0
    assert summary.lines == 0
    assert summary.warnings == [
        f"{file_name}\u00a0: aucune ligne de données après l’en-tête\u202f; vérifiez que l’export couvre une période"
        " qui a des écritures"
    ]
    stored = await ledger_pool.fetchval("SELECT warnings FROM imports WHERE id = $1", summary.import_id)
    assert stored == summary.warnings


async def test_reimport_in_other_encoding_keeps_first(ledger_pool):
    creditor = await new_creditor(ledger_pool)
    data = fec_bytes(*invoice_rows("FA1", "20260701")).replace(b"Facture", "Facturé".encode("cp1252"))
    first = await import_fec(ledger_pool, creditor, data, file_name="juillet.txt", encoding="cp1252")

    again = await import_fec(ledger_pool, creditor, data, file_name="juillet.txt", encoding="cp850")

    assert again.already_imported
    assert again.encoding == first.encoding == "cp1252"
    assert again.warnings == [
        f"juillet.txt\u00a0: ce fichier est identique à l’import {first.import_id}, lu en cp1252, donc il n’a pas"
        " été relu en cp850 et rien n’a changé. Un fichier déjà importé n’est pas relu."
    ]
