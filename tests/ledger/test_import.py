"""FEC import into the ledger database, on the real files and on crafted ones."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.ledger.creditors import upsert_creditor
from services.ledger.fec import FecError
from services.ledger.importer import import_fec
from tests.conftest import fixture_path, unique_id

FILE_TAB = ("fec", "0000000001FEC20220831.txt")
FILE_PIPE = ("fec", "111111111FEC20221231.TXT")

HEADER = (
    "JournalCode\tJournalLib\tEcritureNum\tEcritureDate\tCompteNum\tCompteLib\tCompAuxNum\tCompAuxLib\t"
    "PieceRef\tPieceDate\tEcritureLib\tDebit\tCredit\tEcritureLet\tDateLet\tValidDate\tMontantdevise\tIdevise"
)


def fec_bytes(*rows: str) -> bytes:
    return ("\r\n".join([HEADER, *rows]) + "\r\n").encode()


def row(journal, number, day, account, aux, piece, label, debit, credit, lettering=""):
    return "\t".join(
        [journal, journal, number, day, account, "lib", aux, aux and "Agence", piece, day, label,
         debit, credit, lettering, "", day, "", ""]
    )


async def new_creditor(pool) -> str:
    creditor = unique_id("cred")
    await upsert_creditor(pool, creditor, "Créancier de test")
    return creditor


async def account_balances(pool, creditor):
    rows = await pool.fetch(
        """SELECT customer_account,
                  sum(debit) - sum(credit) AS balance,
                  sum(CASE WHEN debit > 0 THEN open_amount ELSE 0 END) AS still_due,
                  sum(CASE WHEN credit > 0 THEN open_amount ELSE 0 END) AS unallocated
             FROM entries WHERE creditor_id = $1 GROUP BY customer_account""",
        creditor,
    )
    return {r["customer_account"]: r for r in rows}


async def test_import_tab_file_gives_expected_balances(ledger_pool):
    creditor = await new_creditor(ledger_pool)
    data = fixture_path(*FILE_TAB).read_bytes()

    summary = await import_fec(ledger_pool, creditor, data, file_name=FILE_TAB[1])
    balances = await account_balances(ledger_pool, creditor)

    assert summary.lines == 5422
    assert summary.customer_accounts == 17
    assert len(balances) == 17
    assert balances["CPRO00"]["balance"] == Decimal("27123.29")
    assert sum(r["balance"] for r in balances.values()) == Decimal("52517.24")


async def test_import_pipe_file_gives_expected_balances(ledger_pool):
    creditor = await new_creditor(ledger_pool)
    data = fixture_path(*FILE_PIPE).read_bytes()

    summary = await import_fec(ledger_pool, creditor, data, file_name=FILE_PIPE[1])
    balances = await account_balances(ledger_pool, creditor)

    assert summary.lines == 934
    assert len(balances) == 34
    assert sum(r["balance"] for r in balances.values()) == Decimal("14416.52")
    assert summary.warnings, "the single-byte code page must be reported"


@pytest.mark.parametrize("parts", [FILE_TAB, FILE_PIPE])
async def test_still_due_minus_unallocated_equals_balance(ledger_pool, parts):
    creditor = await new_creditor(ledger_pool)
    await import_fec(ledger_pool, creditor, fixture_path(*parts).read_bytes(), file_name=parts[1])

    balances = await account_balances(ledger_pool, creditor)

    for account, totals in balances.items():
        assert totals["still_due"] - totals["unallocated"] == totals["balance"], account


async def test_allocations_never_exceed_amounts(ledger_pool):
    creditor = await new_creditor(ledger_pool)
    await import_fec(ledger_pool, creditor, fixture_path(*FILE_TAB).read_bytes(), file_name=FILE_TAB[1])

    over_allocated = await ledger_pool.fetchval(
        """SELECT count(*) FROM entries e
            WHERE e.creditor_id = $1
              AND (SELECT coalesce(sum(amount), 0) FROM allocations a
                    WHERE a.reversed_at IS NULL AND (a.debit_entry_id = e.id OR a.credit_entry_id = e.id))
                  <> e.debit + e.credit - e.open_amount""",
        creditor,
    )

    assert over_allocated == 0


async def test_same_file_twice_changes_nothing(ledger_pool):
    creditor = await new_creditor(ledger_pool)
    data = fixture_path(*FILE_TAB).read_bytes()
    await import_fec(ledger_pool, creditor, data, file_name=FILE_TAB[1])
    entries_before = await ledger_pool.fetchval("SELECT count(*) FROM entries WHERE creditor_id = $1", creditor)
    outbox_before = await ledger_pool.fetchval("SELECT count(*) FROM outbox")

    second = await import_fec(ledger_pool, creditor, data, file_name=FILE_TAB[1])
    entries_after = await ledger_pool.fetchval("SELECT count(*) FROM entries WHERE creditor_id = $1", creditor)

    assert second.already_imported
    assert entries_after == entries_before
    assert await ledger_pool.fetchval("SELECT count(*) FROM outbox") == outbox_before


async def test_later_file_updates_lettering_without_duplicates(ledger_pool):
    creditor = await new_creditor(ledger_pool)
    invoice = row("VE", "1", "20260701", "411000", "C001", "FA001", "Facture", "120,00", "")
    revenue = row("VE", "1", "20260701", "706000", "", "FA001", "Facture", "", "100,00")
    vat = row("VE", "1", "20260701", "445710", "", "FA001", "TVA", "", "20,00")
    payment = row("BQ", "1", "20260715", "411000", "C001", "VIR1", "Virement", "", "120,00")
    bank = row("BQ", "1", "20260715", "512000", "", "VIR1", "Virement", "120,00", "")
    first = fec_bytes(invoice, revenue, vat, payment, bank)
    lettered_invoice = row("VE", "1", "20260701", "411000", "C001", "FA001", "Facture", "120,00", "", "AA")
    lettered_payment = row("BQ", "1", "20260715", "411000", "C001", "VIR1", "Virement", "", "120,00", "AA")
    second = fec_bytes(lettered_invoice, revenue, vat, lettered_payment, bank)
    await import_fec(ledger_pool, creditor, first, file_name="july.txt")

    summary = await import_fec(ledger_pool, creditor, second, file_name="july-lettered.txt")
    rows = await ledger_pool.fetch(
        "SELECT kind, lettering, open_amount FROM entries WHERE creditor_id = $1 ORDER BY id", creditor
    )

    assert summary.entries_created == 0
    assert summary.lettering_updated == 2
    assert [(r["kind"], r["lettering"], r["open_amount"]) for r in rows] == [
        ("invoice", "AA", Decimal("0.00")),
        ("payment", "AA", Decimal("0.00")),
    ]


async def test_unbalanced_file_changes_nothing(ledger_pool):
    creditor = await new_creditor(ledger_pool)
    bad = fec_bytes(
        row("VE", "1", "20260701", "411000", "C001", "FA001", "Facture", "120,00", ""),
        row("VE", "1", "20260701", "706000", "", "FA001", "Facture", "", "100,00"),
    )

    with pytest.raises(FecError) as raised:
        await import_fec(ledger_pool, creditor, bad, file_name="bad.txt")
    imports = await ledger_pool.fetchval("SELECT count(*) FROM imports WHERE creditor_id = $1", creditor)
    entries = await ledger_pool.fetchval("SELECT count(*) FROM entries WHERE creditor_id = $1", creditor)

    assert "VE" in str(raised.value)
    assert imports == 0
    assert entries == 0


async def test_import_writes_an_issued_event_per_document(ledger_pool):
    creditor = await new_creditor(ledger_pool)
    await import_fec(ledger_pool, creditor, fixture_path(*FILE_TAB).read_bytes(), file_name=FILE_TAB[1])

    documents = await ledger_pool.fetchval(
        "SELECT count(*) FROM entries WHERE creditor_id = $1 AND kind IN ('invoice', 'credit_note')", creditor
    )
    events = await ledger_pool.fetchval(
        "SELECT count(*) FROM outbox WHERE subject = 'ledger.document.issued' AND payload->>'creditor_id' = $1",
        creditor,
    )

    assert documents > 0
    assert events == documents
