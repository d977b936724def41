"""Statement CSV export and ageing summary of the ledger service."""

from __future__ import annotations

import csv
import io

from tests.ledger.test_statement import seed


async def test_csv_export_is_french_excel_friendly(ledger_service, ledger_pool):
    creditor = await seed(ledger_pool)
    headers = ledger_service.headers_for(accounts=((creditor, "C001"),))

    response = await ledger_service.client.get(
        f"/creditors/{creditor}/statement.csv", params={"view": "all"}, headers=headers
    )
    raw = await response.read()
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    by_number = {row[1]: row for row in rows[1:]}

    assert response.status == 200
    assert raw.startswith(b"\xef\xbb\xbf")
    assert rows[0][0] == "Désignation"
    assert len(rows) == 9
    assert by_number["FA220002"][4] == "2000,00"
    assert by_number["FA220002"][7] == "1500,00"
    assert by_number["FA220002"][8] == "Partiellement réglée"
    assert by_number["VIR2"][5] == "500,00"


async def test_csv_export_marks_partial_lettering(ledger_service, ledger_pool):
    creditor = await seed(ledger_pool)
    headers = ledger_service.headers_for(accounts=((creditor, "C001"),))

    response = await ledger_service.client.get(
        f"/creditors/{creditor}/statement.csv", params={"view": "all"}, headers=headers
    )
    rows = list(csv.reader(io.StringIO((await response.read()).decode("utf-8-sig")), delimiter=";"))
    lettering = {row[1]: row[6] for row in rows[1:]}

    assert lettering["FA220002"] == "AB (partiel)"
    assert lettering["VIR2"] == "AB (partiel)"
    assert lettering["FA  220001"] == "AA"
    assert lettering["VIR1"] == "AA"
    assert lettering["FA220003"] == ""


async def test_csv_export_binds_number_sign(ledger_service, ledger_pool):
    creditor = await seed(ledger_pool)
    headers = ledger_service.headers_for(accounts=((creditor, "C001"),))

    response = await ledger_service.client.get(
        f"/creditors/{creditor}/statement.csv", params={"view": "all"}, headers=headers
    )
    rows = list(csv.reader(io.StringIO((await response.read()).decode("utf-8-sig")), delimiter=";"))
    designations = {row[1]: row[0] for row in rows[1:]}

    assert designations["FA220002"] == "Facture n°\u00a0FA220002"


async def test_ageing_sorts_amounts_due_by_days_overdue(ledger_service, ledger_pool):
    creditor = await seed(ledger_pool)
    headers = ledger_service.headers_for(accounts=((creditor, "C001"),))

    response = await ledger_service.client.get(f"/creditors/{creditor}/ageing", headers=headers)
    body = await response.json()
    amounts = {bucket["key"]: bucket["amount"] for bucket in body["buckets"]}

    assert response.status == 200
    # Terms are 30 days: FA220002 (10 days old) and FA220004-6 (1 day old) are not yet due,
    # FA220003 (60 days old, due 30 days ago) is 30 days overdue.
    assert amounts["not_due"] == "1680.00"
    assert amounts["days_1_30"] == "240.00"
    assert body["total"] == "1920.00"


async def test_exports_refuse_foreign_account(ledger_service, ledger_pool):
    creditor = await seed(ledger_pool)
    other_creditor = await seed(ledger_pool)
    headers = ledger_service.headers_for(accounts=((other_creditor, "C001"),))

    csv_response = await ledger_service.client.get(f"/creditors/{creditor}/statement.csv", headers=headers)
    ageing_response = await ledger_service.client.get(f"/creditors/{creditor}/ageing", headers=headers)

    assert csv_response.status == 404
    assert ageing_response.status == 404


async def test_exports_of_account_without_entries(ledger_service, ledger_pool):
    creditor = await seed(ledger_pool)
    headers = ledger_service.headers_for(accounts=((creditor, "C404"),))

    csv_response = await ledger_service.client.get(f"/creditors/{creditor}/statement.csv", headers=headers)
    ageing_response = await ledger_service.client.get(f"/creditors/{creditor}/ageing", headers=headers)

    assert csv_response.status == 200
    assert ageing_response.status == 200
    assert (await ageing_response.json())["balance"] == "0.00"
