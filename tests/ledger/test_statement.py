"""The statement served by the ledger service: filters, pagination, states, isolation."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from structlog.testing import capture_logs

from services.ledger.creditors import upsert_creditor
from services.ledger.domain import paris_today, search_text
from services.ledger.importer import import_fec
from tests.conftest import unique_id
from tests.ledger.test_import import fec_bytes, row


def day(offset_days: int) -> str:
    return (paris_today() + timedelta(days=offset_days)).strftime("%Y%m%d")


def invoice_rows(number: str, entry: str, when: str, account: str, amount: str, lettering: str = ""):
    total = Decimal(amount.replace(",", "."))
    net_amount = (total / Decimal("1.2")).quantize(Decimal("0.01"))
    net = str(net_amount).replace(".", ",")
    vat = str(total - net_amount).replace(".", ",")
    return [
        row("VE", entry, when, "411000", account, number, "Facture", amount, "", lettering),
        row("VE", entry, when, "706000", "", number, "Facture", "", net),
        row("VE", entry, when, "445710", "", number, "TVA", "", vat),
    ]


def payment_rows(reference: str, entry: str, when: str, account: str, amount: str, lettering: str = ""):
    return [
        row("BQ", entry, when, "411000", account, reference, "Virement", "", amount, lettering),
        row("BQ", entry, when, "512000", "", reference, "Virement", amount, ""),
    ]


async def seed(ledger_pool) -> str:
    """Two agencies' accounts: C001 with paid, partly paid, overdue and open invoices; C002 with one."""
    creditor = unique_id("cred")
    await upsert_creditor(ledger_pool, creditor, "Créancier de test", "30 jours")
    lines = [
        *invoice_rows("FA  220001", "1", day(-100), "C001", "120,00", "AA"),
        *payment_rows("VIR1", "1", day(-90), "C001", "120,00", "AA"),
        *invoice_rows("FA220002", "2", day(-10), "C001", "2000,00", "AB"),
        *payment_rows("VIR2", "2", day(-5), "C001", "500,00", "AB"),
        *invoice_rows("FA220003", "3", day(-60), "C001", "240,00"),
        *invoice_rows("FA220004", "4", day(-1), "C001", "60,00"),
        *invoice_rows("FA220005", "5", day(-1), "C001", "60,00"),
        *invoice_rows("FA220006", "6", day(-1), "C001", "60,00"),
        *invoice_rows("FB990001", "7", day(-3), "C002", "999,00"),
    ]
    await import_fec(ledger_pool, creditor, fec_bytes(*lines), file_name="seed.txt")
    return creditor


async def get_statement(service, creditor, account, **query):
    headers = service.headers_for(accounts=((creditor, account),))
    response = await service.client.get(f"/creditors/{creditor}/statement", params=query, headers=headers)
    return response.status, await response.json()


async def test_default_view_lists_unpaid_invoices_of_own_account(ledger_service, ledger_pool):
    creditor = await seed(ledger_pool)

    status, body = await get_statement(ledger_service, creditor, "C001")
    numbers = [r["document_number"] for r in body["rows"]]

    assert status == 200
    assert sorted(numbers) == ["FA220002", "FA220003", "FA220004", "FA220005", "FA220006"]
    assert body["totals"]["amount_due"] == "1920.00"


async def test_states_and_amounts_due(ledger_service, ledger_pool):
    creditor = await seed(ledger_pool)

    _, body = await get_statement(ledger_service, creditor, "C001", view="all")
    by_number = {r["document_number"]: r for r in body["rows"]}

    assert by_number["FA  220001"]["state_label"] == "Réglée"
    assert by_number["FA220002"]["amount_due"] == "1500.00"
    assert by_number["FA220002"]["state_label"] == "Partiellement réglée"
    assert by_number["FA220003"]["state_label"] == "Échue"
    assert by_number["FA220004"]["state_label"] == "Non réglée"
    assert by_number["FA220002"]["designation"] == "Facture n°\u00a0FA220002"
    assert by_number["VIR2"]["designation"] == "Règlement VIR2"
    assert by_number["VIR2"]["state_label"] == "Imputé"


async def test_number_search_ignores_spaces_and_case(ledger_service, ledger_pool):
    creditor = await seed(ledger_pool)

    _, body = await get_statement(ledger_service, creditor, "C001", view="all", number="fa220001")

    assert [r["document_number"] for r in body["rows"]] == ["FA  220001"]


async def test_number_search_ignores_punctuation(ledger_service, ledger_pool):
    creditor = await seed(ledger_pool)

    _, body = await get_statement(ledger_service, creditor, "C001", view="all", number="fa-22.0003")

    assert [r["document_number"] for r in body["rows"]] == ["FA220003"]
    assert body["totals"]["debit"] == "240.00"


async def test_number_search_of_punctuation_only(ledger_service, ledger_pool):
    creditor = await seed(ledger_pool)

    _, body = await get_statement(ledger_service, creditor, "C001", view="all", number="--")

    assert body["rows"] == []


async def test_date_range_bounds_the_view(ledger_service, ledger_pool):
    creditor = await seed(ledger_pool)
    start = (paris_today() - timedelta(days=70)).isoformat()
    end = (paris_today() - timedelta(days=8)).isoformat()

    _, body = await get_statement(ledger_service, creditor, "C001", view="all", date_from=start, date_to=end)

    assert sorted(r["document_number"] for r in body["rows"]) == ["FA220002", "FA220003"]


async def test_pagination_returns_each_row_once_under_ties(ledger_service, ledger_pool):
    creditor = await seed(ledger_pool)
    seen = []
    for page in (1, 2, 3, 4, 5):
        _, body = await get_statement(ledger_service, creditor, "C001", view="all", page=str(page), page_size="2")
        seen.extend(r["id"] for r in body["rows"])

    assert body["total_rows"] == 8
    assert len(seen) == 8
    assert len(set(seen)) == 8


async def test_foreign_account_is_not_found(ledger_service, ledger_pool):
    creditor = await seed(ledger_pool)
    other_creditor = await seed(ledger_pool)
    headers = ledger_service.headers_for(accounts=((creditor, "C001"),))

    foreign = await ledger_service.client.get(f"/creditors/{other_creditor}/statement", headers=headers)
    unknown = await ledger_service.client.get("/creditors/nope/statement", headers=headers)

    assert foreign.status == 404
    assert unknown.status == 404


async def test_own_account_without_entries_is_empty(ledger_service, ledger_pool):
    # A new agency's account has no entry until the creditor's first import.
    creditor = await seed(ledger_pool)

    status, body = await get_statement(ledger_service, creditor, "C404", view="all")

    assert status == 200
    assert body["rows"] == []
    assert body["total_rows"] == 0
    assert body["totals"]["amount_due"] == "0.00"


async def test_statement_requires_a_signed_principal(ledger_service, ledger_pool):
    creditor = await seed(ledger_pool)

    missing = await ledger_service.client.get(f"/creditors/{creditor}/statement")
    forged = await ledger_service.client.get(
        f"/creditors/{creditor}/statement", headers={"X-MF-Principal": "e30.AAAA"}
    )

    assert missing.status == 401
    assert forged.status == 401


async def test_bad_filter_gets_french_message(ledger_service, ledger_pool):
    creditor = await seed(ledger_pool)

    status, body = await get_statement(ledger_service, creditor, "C001", date_from="31/07/2026")

    assert status == 422
    assert "AAAA-MM-JJ" in body["error"]["message"]


async def test_impossible_day_named_as_such(ledger_service, ledger_pool):
    creditor = await seed(ledger_pool)

    status, body = await get_statement(ledger_service, creditor, "C001", date_from="2026-02-30")

    assert status == 422
    assert body["error"]["message"] == (
        "La date de début «\u00a02026-02-30\u00a0» n’existe pas\u00a0: vérifiez le jour et le mois."
    )


async def test_import_endpoint_rejects_agency_users(ledger_service, ledger_pool):
    creditor = await seed(ledger_pool)
    headers = ledger_service.headers_for(accounts=((creditor, "C001"),))

    response = await ledger_service.client.post(f"/creditors/{creditor}/imports/fec", data=b"x", headers=headers)

    assert response.status == 403


async def test_import_endpoint_reports_line_of_bad_value(ledger_service, ledger_pool):
    creditor = await seed(ledger_pool)
    bad = fec_bytes(row("VE", "9", "20261332", "411000", "C001", "FA9", "Facture", "1,00", ""))

    response = await ledger_service.client.post(
        f"/creditors/{creditor}/imports/fec", data=bad, headers=ledger_service.system_headers()
    )
    body = await response.json()

    assert response.status == 422
    assert body["error"]["details"]["line"] == 2
    assert "20261332" in body["error"]["message"]


async def test_rejected_import_is_logged(ledger_service, ledger_pool):
    creditor = await seed(ledger_pool)
    bad = fec_bytes(row("VE", "9", "20261332", "411000", "C001", "FA9", "Facture", "1,00", ""))

    with capture_logs() as logs:
        await ledger_service.client.post(
            f"/creditors/{creditor}/imports/fec", params={"file_name": "bad.txt"}, data=bad,
            headers=ledger_service.system_headers(),
        )
    rejected = [entry for entry in logs if entry["event"] == "fec_import_rejected"]

    assert len(rejected) == 1
    assert rejected[0]["creditor"] == creditor
    assert rejected[0]["file_name"] == "bad.txt"
    assert rejected[0]["line"] == 2
    assert "20261332" in rejected[0]["error"]


async def test_partial_lettering_is_flagged(ledger_service, ledger_pool):
    creditor = await seed(ledger_pool)

    _, body = await get_statement(ledger_service, creditor, "C001", view="all")
    by_number = {r["document_number"]: r for r in body["rows"]}

    assert by_number["FA220002"]["lettering_partial"] is True
    assert by_number["VIR2"]["lettering_partial"] is True
    assert by_number["FA  220001"]["lettering_partial"] is False
    assert by_number["FA220003"]["lettering_partial"] is False



async def test_search_text_matches_stored_column(ledger_pool):
    creditor = unique_id("cred")
    await upsert_creditor(ledger_pool, creditor, "Créancier de test", "30 jours")
    numbers = ["FA  220001", "fa-2026/000019", "AV.0001_b", "Été-ß 12", "---"]
    lines = [
        line
        for entry, number in enumerate(numbers, start=1)
        for line in invoice_rows(number, str(entry), day(-3), "C001", "12,00")
    ]
    await import_fec(ledger_pool, creditor, fec_bytes(*lines), file_name="numbers.txt")

    rows = await ledger_pool.fetch("SELECT document_number, search_text FROM entries WHERE creditor_id = $1", creditor)

    assert len(rows) == len(numbers)
    assert {row["document_number"]: row["search_text"] for row in rows} == {number: search_text(number) for number in numbers}
