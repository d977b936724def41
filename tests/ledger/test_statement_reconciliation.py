"""Statement totals that reconcile with the balance: unallocated credits, brought-forward balance, ageing."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from services.ledger.creditors import upsert_creditor
from services.ledger.domain import paris_today
from services.ledger.importer import import_fec
from tests.conftest import fixture_path, unique_id
from tests.ledger.test_import import fec_bytes, row
from tests.ledger.test_statement import day, get_statement, invoice_rows, payment_rows

MIGRATION = (
    Path(__file__).resolve().parents[2]
    / "services" / "ledger" / "migrations" / "0010_open_credits_and_opening_due_dates.sql"
)


async def seed(ledger_pool) -> str:
    """C001: an invoice of 400 days ago still due, a paid pair this year, one open invoice and an unallocated credit note."""
    creditor = unique_id("cred")
    await upsert_creditor(ledger_pool, creditor, "Créancier de test", "30 jours")
    lines = [
        *invoice_rows("FA0001", "1", day(-400), "C001", "300,00"),
        *invoice_rows("FA0002", "2", day(-100), "C001", "120,00", "AA"),
        *payment_rows("VIR1", "1", day(-90), "C001", "120,00", "AA"),
        *invoice_rows("FA0003", "3", day(-20), "C001", "600,00"),
        row("VE", "4", day(-10), "411000", "C001", "AV0001", "Avoir", "", "240,00"),
        row("VE", "4", day(-10), "706000", "", "AV0001", "Avoir", "200,00", ""),
        row("VE", "4", day(-10), "445710", "", "AV0001", "TVA", "40,00", ""),
    ]
    await import_fec(ledger_pool, creditor, fec_bytes(*lines), file_name="seed.txt")
    return creditor


async def balance(ledger_pool, creditor: str, account: str) -> Decimal:
    return await ledger_pool.fetchval(
        "SELECT sum(debit) - sum(credit) FROM entries WHERE creditor_id = $1 AND customer_account = $2",
        creditor,
        account,
    )


async def test_unpaid_view_lists_unallocated_credit(ledger_service, ledger_pool):
    creditor = await seed(ledger_pool)

    _, body = await get_statement(ledger_service, creditor, "C001")
    rows = {r["document_number"]: r for r in body["rows"]}

    assert sorted(rows) == ["AV0001", "FA0001", "FA0003"]
    assert rows["AV0001"]["amount_due"] == "-240.00"
    assert rows["AV0001"]["state"] == "unallocated"
    assert not rows["AV0001"]["selectable"]
    assert body["total_rows"] == 3
    assert body["totals"] == {"debit": "900.00", "credit": "240.00", "amount_due": "660.00"}
    assert Decimal(body["totals"]["amount_due"]) == await balance(ledger_pool, creditor, "C001")


async def test_all_view_brings_older_balance_forward(ledger_service, ledger_pool):
    creditor = await seed(ledger_pool)

    _, body = await get_statement(ledger_service, creditor, "C001", view="all")
    totals = body["totals"]

    assert "FA0001" not in [r["document_number"] for r in body["rows"]]
    assert body["brought_forward"] == {
        "date": (paris_today() - timedelta(days=366)).isoformat(),
        "debit": "300.00",
        "credit": "0.00",
        "amount_due": "300.00",
    }
    assert totals == {"debit": "1020.00", "credit": "360.00", "amount_due": "660.00"}
    assert Decimal(totals["debit"]) - Decimal(totals["credit"]) == Decimal(totals["amount_due"])


async def test_all_view_without_older_entries_has_none(ledger_service, ledger_pool):
    creditor = await seed(ledger_pool)

    _, body = await get_statement(ledger_service, creditor, "C001", view="all", date_from=day(-500)[:4] + "-01-01")

    assert body["brought_forward"] is None


async def test_number_search_has_no_brought_forward(ledger_service, ledger_pool):
    creditor = await seed(ledger_pool)

    _, body = await get_statement(ledger_service, creditor, "C001", view="all", number="FA0003")

    assert body["brought_forward"] is None
    assert body["totals"]["amount_due"] == "600.00"


async def test_exports_end_with_brought_forward(ledger_service, ledger_pool):
    creditor = await seed(ledger_pool)
    headers = ledger_service.headers_for(accounts=((creditor, "C001"),))

    response = await ledger_service.client.get(
        f"/creditors/{creditor}/statement.csv", params={"view": "all"}, headers=headers
    )
    rows = list(csv.reader(io.StringIO((await response.read()).decode("utf-8-sig")), delimiter=";"))

    assert rows[-1][0].startswith("Solde au ")
    assert rows[-1][4:6] == ["300,00", "0,00"]
    assert rows[-1][7] == "300,00"


async def test_ageing_gives_credits_and_balance(ledger_service, ledger_pool):
    creditor = await seed(ledger_pool)
    headers = ledger_service.headers_for(accounts=((creditor, "C001"),))

    response = await ledger_service.client.get(f"/creditors/{creditor}/ageing", headers=headers)
    body = await response.json()

    assert body["total"] == "900.00"
    assert body["unallocated_credits"] == "240.00"
    assert body["balance"] == "660.00"


async def test_real_file_unpaid_total_is_balance(ledger_service, ledger_pool):
    creditor = unique_id("cred")
    await upsert_creditor(ledger_pool, creditor, "Créancier de test")
    data = fixture_path("fec", "0000000001FEC20220831.txt").read_bytes()
    await import_fec(ledger_pool, creditor, data, file_name="0000000001FEC20220831.txt")
    accounts = [
        r["account_number"]
        for r in await ledger_pool.fetch("SELECT account_number FROM customer_accounts WHERE creditor_id = $1", creditor)
    ]

    mismatches = {}
    for account in accounts:
        _, body = await get_statement(ledger_service, creditor, account, page_size="200")
        expected = await balance(ledger_pool, creditor, account)
        if Decimal(body["totals"]["amount_due"]) != expected:
            mismatches[account] = (body["totals"]["amount_due"], expected)

    assert len(accounts) == 17
    assert mismatches == {}
    _, cpro = await get_statement(ledger_service, creditor, "CPRO00")
    assert cpro["totals"]["amount_due"] == "27123.29"


async def test_opening_balance_gets_due_date(ledger_service, ledger_pool):
    creditor = unique_id("cred")
    await upsert_creditor(ledger_pool, creditor, "Créancier de test", "30 jours")
    lines = [
        row("AN", "1", day(-200), "411000", "C001", "AN2025", "A nouveau", "418,80", ""),
        row("AN", "1", day(-200), "890000", "", "AN2025", "A nouveau", "", "418,80"),
    ]
    await import_fec(ledger_pool, creditor, fec_bytes(*lines), file_name="opening.txt")

    _, body = await get_statement(ledger_service, creditor, "C001")

    assert body["rows"][0]["kind"] == "opening_balance"
    assert body["rows"][0]["due_date"] == (paris_today() - timedelta(days=170)).isoformat()
    assert body["rows"][0]["state"] == "overdue"


async def test_migration_dates_imported_opening_balances(ledger_pool):
    creditor = unique_id("cred")
    await upsert_creditor(ledger_pool, creditor, "Créancier de test", "30 jours fin de mois")
    lines = [
        row("AN", "1", "20250610", "411000", "C001", "AN2025", "A nouveau", "418,80", ""),
        row("AN", "1", "20250610", "890000", "", "AN2025", "A nouveau", "", "418,80"),
    ]
    await import_fec(ledger_pool, creditor, fec_bytes(*lines), file_name="opening.txt")
    backfill = MIGRATION.read_text().split("WITH terms AS", 1)[1]

    async with ledger_pool.acquire() as connection, connection.transaction():
        await connection.execute("UPDATE entries SET due_date = NULL WHERE creditor_id = $1", creditor)
        await connection.execute("WITH terms AS" + backfill)
        due_date = await connection.fetchval("SELECT due_date FROM entries WHERE creditor_id = $1", creditor)

    assert due_date.isoformat() == "2025-07-31"
