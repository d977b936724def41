"""A later file that changes an imported entry is rejected; other files that repeat numbers are not."""

from __future__ import annotations

import pytest

from services.ledger.fec import FecChangedEntryError
from services.ledger.importer import import_fec
from tests.conftest import fixture_path
from tests.ledger.test_import import fec_bytes, new_creditor, row


def invoice_entry(number: str, day: str, piece: str, amount: str, net: str, vat: str) -> list[str]:
    return [
        row("VE", number, day, "411000", "C001", piece, "Facture", amount, ""),
        row("VE", number, day, "706000", "", piece, "Facture", "", net),
        row("VE", number, day, "445710", "", piece, "TVA", "", vat),
    ]


async def entry_count(pool, creditor) -> int:
    return await pool.fetchval("SELECT count(*) FROM entries WHERE creditor_id = $1", creditor)


# The first invoice of January, repeated in every export of the month, so that
# each later file covers January from its first day.
FIRST_OF_JANUARY = invoice_entry("1", "20260102", "F0001", "120,00", "100,00", "20,00")


async def creditor_with_january_invoice(pool) -> str:
    """Return a new creditor whose first import, january.txt, contains F0001 and F0002 of 240,00 dated 2026-01-15."""
    creditor = await new_creditor(pool)
    await import_fec(
        pool,
        creditor,
        fec_bytes(*FIRST_OF_JANUARY, *invoice_entry("2", "20260115", "F0002", "240,00", "200,00", "40,00")),
        file_name="january.txt",
    )
    return creditor


async def test_changed_amount_is_rejected(ledger_pool):
    creditor = await creditor_with_january_invoice(ledger_pool)
    corrected = fec_bytes(*FIRST_OF_JANUARY, *invoice_entry("2", "20260115", "F0002", "250,00", "210,00", "40,00"))

    with pytest.raises(FecChangedEntryError) as raised:
        await import_fec(ledger_pool, creditor, corrected, file_name="january-corrected.txt")

    message = str(raised.value)
    assert "rien n’a été importé, car 1 ligne client modifie une écriture déjà enregistrée" in message
    assert "Ligne 5\u00a0: l’écriture VE 2 (document F0002, client C001) a été importée de january.txt" in message
    assert "avec débit 240,00\u00a0€, crédit 0,00\u00a0€, EcritureDate 15/01/2026, date du document 15/01/2026" in message
    assert "ce fichier donne l’écriture VE 2 (document F0002, client C001) avec débit 250,00\u00a0€, crédit 0,00\u00a0€" in message
    assert "un avoir, puis une nouvelle facture" in message
    assert raised.value.line_numbers == (5,)
    assert await entry_count(ledger_pool, creditor) == 2
    assert await ledger_pool.fetchval("SELECT count(*) FROM imports WHERE creditor_id = $1", creditor) == 1


async def test_changed_entry_date_is_rejected(ledger_pool):
    creditor = await creditor_with_january_invoice(ledger_pool)
    redated = fec_bytes(*FIRST_OF_JANUARY, *invoice_entry("2", "20260120", "F0002", "240,00", "200,00", "40,00"))

    with pytest.raises(FecChangedEntryError, match="EcritureDate 20/01/2026, date du document 20/01/2026"):
        await import_fec(ledger_pool, creditor, redated, file_name="january-redated.txt")


async def test_changed_piece_date_is_rejected(ledger_pool):
    creditor = await creditor_with_january_invoice(ledger_pool)
    lines = invoice_entry("2", "20260115", "F0002", "240,00", "200,00", "40,00")
    # PieceDate is the tenth field; the entry keeps its EcritureDate, amounts and number.
    redated = [line.split("\t") for line in lines]
    for fields in redated:
        fields[9] = "20260116"

    with pytest.raises(FecChangedEntryError, match="date du document 15/01/2026\u202f; ce fichier donne .* date du document 16/01/2026"):
        await import_fec(
            ledger_pool, creditor, fec_bytes(*FIRST_OF_JANUARY, *("\t".join(fields) for fields in redated)),
            file_name="january-piece-date.txt",
        )


async def test_renumbered_respaced_invoice_is_rejected(ledger_pool):
    creditor = await creditor_with_january_invoice(ledger_pool)
    renumbered = fec_bytes(*FIRST_OF_JANUARY, *invoice_entry("7", "20260115", "F 0002", "250,00", "210,00", "40,00"))

    with pytest.raises(FecChangedEntryError, match=r"l’écriture VE 2 \(document F0002, client C001\)"):
        await import_fec(ledger_pool, creditor, renumbered, file_name="january-renumbered.txt")


async def test_invoice_redated_later_month_rejected(ledger_pool):
    """The later file does not cover the invoice's old date, but its number names the same document."""
    creditor = await creditor_with_january_invoice(ledger_pool)
    february = fec_bytes(*invoice_entry("31", "20260203", "F0002", "240,00", "200,00", "40,00"))

    with pytest.raises(FecChangedEntryError) as raised:
        await import_fec(ledger_pool, creditor, february, file_name="february.txt")

    assert "l’écriture VE 2 (document F0002, client C001) a été importée de january.txt" in str(raised.value)
    assert "ce fichier donne l’écriture VE 31 (document F0002, client C001) avec débit 240,00\u00a0€, crédit 0,00\u00a0€, EcritureDate 03/02/2026" in str(
        raised.value
    )
    assert await entry_count(ledger_pool, creditor) == 2


async def test_later_months_file_leaves_older_entries(ledger_pool):
    creditor = await creditor_with_january_invoice(ledger_pool)

    summary = await import_fec(
        ledger_pool, creditor, fec_bytes(*invoice_entry("2", "20260210", "F0010", "90,00", "75,00", "15,00")),
        file_name="february.txt",
    )

    assert summary.entries_created == 1


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


async def test_real_file_with_corrected_invoice_is_rejected(ledger_pool):
    creditor = await new_creditor(ledger_pool)
    data = fixture_path("fec", "0000000001FEC20220831.txt").read_bytes()
    await import_fec(ledger_pool, creditor, data, file_name="FEC20220831.txt")
    # Invoice FA  220393 of CPRO00, re-exported with one space in its number,
    # another entry number and 10,00 more on the sale and the customer line.
    corrected = (
        data.replace(b"\t409\t20220831\t", b"\t999\t20220831\t")
        .replace(b"FA  220393", b"FA 220393")
        .replace(b"\t1362,53\t0,00\t", b"\t1372,53\t0,00\t")
        .replace(b"\t0,00\t1291,50\t", b"\t0,00\t1301,50\t")
    )

    with pytest.raises(FecChangedEntryError) as raised:
        await import_fec(ledger_pool, creditor, corrected, file_name="FEC20220831-corrected.txt")

    assert "l’écriture VEN 409 (document FA  220393, client CPRO00)" in str(raised.value)
    assert "ce fichier donne l’écriture VEN 999 (document FA 220393, client CPRO00) avec débit 1\u202f372,53\u00a0€" in str(raised.value)
    assert raised.value.line_numbers == (5410,)


def invoice_for(account: str, number: str, day: str, piece: str) -> list[str]:
    """Return a 240,00 invoice entry of `account`, as `invoice_entry` writes one for C001."""
    return [line.replace("\tC001\t", f"\t{account}\t") for line in invoice_entry(number, day, piece, "240,00", "200,00", "40,00")]


async def test_document_moved_to_other_customer_rejected(ledger_pool):
    creditor = await creditor_with_january_invoice(ledger_pool)
    moved = fec_bytes(*FIRST_OF_JANUARY, *invoice_for("C002", "2", "20260115", "F0002"))

    with pytest.raises(FecChangedEntryError) as raised:
        await import_fec(ledger_pool, creditor, moved, file_name="january-moved.txt")

    message = str(raised.value)
    assert "l’écriture VE 2 (document F0002, client C001) a été importée de january.txt" in message
    assert "ce fichier donne l’écriture VE 2 (document F0002, client C002)" in message
    assert raised.value.line_numbers == (5,)
    assert await entry_count(ledger_pool, creditor) == 2


async def test_document_moved_from_customer_absent_from_file_rejected(ledger_pool):
    creditor = await creditor_with_january_invoice(ledger_pool)
    moved = fec_bytes(*invoice_for("C002", "2", "20260115", "F0002"))

    with pytest.raises(FecChangedEntryError, match="client C002"):
        await import_fec(ledger_pool, creditor, moved, file_name="f0002-moved.txt")

    assert await entry_count(ledger_pool, creditor) == 2


async def test_number_of_another_customer_years_later_is_new(ledger_pool):
    creditor = await creditor_with_january_invoice(ledger_pool)
    next_year = fec_bytes(*invoice_for("C002", "2", "20270115", "F0002"))

    summary = await import_fec(ledger_pool, creditor, next_year, file_name="2027.txt")

    assert summary.entries_created == 1
    assert await entry_count(ledger_pool, creditor) == 3


async def test_unnumbered_pieces_of_two_years_new(ledger_pool):
    """Without PieceRef the number is VE-1 in both years, because entry numbers restart each year."""
    creditor = await new_creditor(ledger_pool)
    december = [line.replace("\tF0001\t", "\t\t") for line in invoice_entry("1", "20251215", "F0001", "120,00", "100,00", "20,00")]
    january = [line.replace("\tC001\t", "\tC002\t") for line in december]
    january = [line.replace("20251215", "20260110") for line in january]
    await import_fec(ledger_pool, creditor, fec_bytes(*december), file_name="FEC2025.txt")

    summary = await import_fec(ledger_pool, creditor, fec_bytes(*january), file_name="FEC2026-01.txt")

    assert summary.entries_created == 1
    assert await entry_count(ledger_pool, creditor) == 2


def test_api_rejection_says_nothing_imported_once():
    from services.ledger.fec import FecError
    from services.ledger.routes import _french_rejection

    changed = _french_rejection(FecError("mois.txt\u00a0: rien n’a été importé, car 1 ligne client modifie…"))
    unreadable = _french_rejection(FecError("mois.txt, ligne 2, colonne Debit\u00a0: «\u00a0x\u00a0» n’est pas un montant"))

    assert changed.count("rien n’a été importé") == 1
    assert unreadable.startswith("Fichier FEC refusé, rien n’a été importé. mois.txt, ligne 2")


async def test_document_losing_its_customer_names_the_export(ledger_pool):
    creditor = await creditor_with_january_invoice(ledger_pool)
    without_customer = fec_bytes(*FIRST_OF_JANUARY, *invoice_for("", "2", "20260115", "F0002"))

    with pytest.raises(FecChangedEntryError) as raised:
        await import_fec(ledger_pool, creditor, without_customer, file_name="january-export.txt")

    message = str(raised.value)
    assert "(document F0002, sans compte client, CompAuxNum vide sur le compte 411000)" in message
    assert "vérifiez que le logiciel comptable exporte CompAuxNum" in message
