"""End to end: a real FEC file imported, a user created, the statement read through the gateway."""

from __future__ import annotations

from decimal import Decimal

from services.accounts.commands import create_user, ensure_creditor
from services.ledger.creditors import upsert_creditor
from services.ledger.importer import import_fec
from shared.db import open_pool
from tests.conftest import fixture_path, unique_id

PASSWORD = "relevé-de-compte-réel-2026"


async def test_agency_reads_real_fec_statement_through_gateway(engines, make_gateway, accounts_pool):
    creditor = unique_id("fec")
    login = unique_id("cpro")
    data = fixture_path("fec", "0000000001FEC20220831.txt").read_bytes()
    async with open_pool(engines.service_dsn("ledger"), max_size=2) as ledger_pool:
        await upsert_creditor(ledger_pool, creditor, "Créancier réel")
        await import_fec(ledger_pool, creditor, data, file_name="0000000001FEC20220831.txt")
    await ensure_creditor(accounts_pool, creditor, "Créancier réel")
    await create_user(accounts_pool, login=login, password=PASSWORD, creditor=creditor, customer_account="CPRO00")
    gateway = await make_gateway()

    login_response = await gateway.post("/api/v1/session", json={"login": login, "password": PASSWORD})
    creditors = await (await gateway.get("/api/v1/creditors")).json()
    statement = await gateway.get(
        f"/api/v1/creditors/{creditor}/statement", params={"view": "all", "date_from": "2000-01-01"}
    )
    body = await statement.json()
    page = await gateway.get(f"/creanciers/{creditor}/etat-de-compte", params={"view": "all", "date_from": "2000-01-01"})
    html = await page.text()

    assert login_response.status == 200
    assert [c["id"] for c in creditors["creditors"]] == [creditor]
    assert statement.status == 200
    assert body["customer_account"] == "CPRO00"
    assert Decimal(body["totals"]["debit"]) - Decimal(body["totals"]["credit"]) == Decimal("27123.29")
    assert Decimal(body["totals"]["amount_due"]) == Decimal("27123.29")
    assert page.status == 200
    assert "État de compte" in html
    assert "27\u202f123,29\u00a0€" in html
