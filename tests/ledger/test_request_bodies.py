"""Request bodies that the ledger cannot read or store get a 422 that names the field, never a 500."""

from __future__ import annotations

import json

import pytest

from tests.ledger.test_feed import creditor_with_terms, invoice_body
from tests.ledger.test_import import fec_bytes, row

JSON = {"Content-Type": "application/json"}


async def send(service, method: str, path: str, data: str):
    response = await service.client.request(method, path, data=data, headers={**service.system_headers(), **JSON})
    return response.status, await response.json()


async def test_feed_nul_and_lone_surrogate_422(ledger_service, ledger_pool):
    creditor = await creditor_with_terms(ledger_pool)
    for escaped in ("\\u0000", "\\ud800"):
        body = json.dumps(invoice_body()).replace("Abonnement annonces", f"Abonnement{escaped} annonces")

        status, answer = await send(ledger_service, "POST", f"/creditors/{creditor}/documents", body)

        assert status == 422, escaped
        assert answer["error"]["details"]["field"] == "lines.0.description"
        assert "caractère nul ou un caractère Unicode incomplet" in answer["error"]["message"]
        assert "Abonnement" not in answer["error"]["message"]
    stored = await ledger_pool.fetchval("SELECT count(*) FROM entries WHERE creditor_id = $1", creditor)

    assert stored == 0


async def test_creditor_body_not_object_422(ledger_service):
    for body in ("{pas du json", "[1, 2]", '"nom"'):
        status, answer = await send(ledger_service, "PUT", "/creditors/corps-invalide", body)

        assert status == 422, body
        assert answer["error"]["message"].startswith("Le corps de la requête doit être")


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ('{"name": ' + "9" * 5000 + "}", "application/json"),
        ("[" * 100_000 + "]" * 100_000, "application/json"),
        ('{"name": "Créancier"}', "application/json; charset=klingon"),
    ],
    ids=["long integer", "deep nesting", "unknown charset"],
)
async def test_unreadable_json_body_422(ledger_service, body, content_type):
    response = await ledger_service.client.put(
        "/creditors/corps-illisible", data=body, headers={**ledger_service.system_headers(), "Content-Type": content_type}
    )
    answer = await response.json()

    assert response.status == 422
    assert answer["error"]["message"] == "Le corps de la requête doit être un document JSON."


async def test_fec_upload_above_json_limit_read(ledger_service, ledger_pool):
    # The service's body limit, meant for JSON, is 64 MiB; a FEC file may be larger.
    creditor = await creditor_with_terms(ledger_pool)
    header = fec_bytes().split(b"\r\n")[0]
    body = header + b"\r\n" + b"x" * (65 * 1024 * 1024) + b"\r\n"

    response = await ledger_service.client.post(
        f"/creditors/{creditor}/imports/fec", data=body, headers=ledger_service.system_headers()
    )
    answer = await response.json()

    assert response.status == 422
    assert answer["error"]["code"] == "invalid_fec"
    assert answer["error"]["details"]["line"] == 2


async def test_feed_zero_and_oversized_totals_422(ledger_service, ledger_pool):
    creditor = await creditor_with_terms(ledger_pool)
    free = invoice_body(
        number="FA-ZERO",
        lines=[{"description": "Geste commercial", "quantity": "1", "unit_price": "0", "vat_rate": "20"}],
        totals={"net_total": "0.00", "vat_total": "0.00", "total": "0.00"},
    )
    huge = invoice_body(
        number="FA-HUGE",
        lines=[{"description": "Lot", "quantity": "99999999999", "unit_price": "1000", "vat_rate": "0"}],
        totals={"net_total": "99999999999000.00", "vat_total": "0.00", "total": "99999999999000.00"},
    )

    for body, wording in ((free, "vaut 0,00\u00a0€"), (huge, "au-delà du plus grand montant")):
        status, answer = await send(ledger_service, "POST", f"/creditors/{creditor}/documents", json.dumps(body))

        assert status == 422, body["number"]
        assert answer["error"]["details"]["field"] == "totals.total"
        assert wording in answer["error"]["message"]
    stored = await ledger_pool.fetchval("SELECT count(*) FROM entries WHERE creditor_id = $1", creditor)

    assert stored == 0


async def test_nul_in_file_name_and_number_422(ledger_service, ledger_pool):
    creditor = await creditor_with_terms(ledger_pool)
    headers = ledger_service.system_headers()

    upload = await ledger_service.client.post(
        f"/creditors/{creditor}/imports/fec?file_name=export%00.txt", data=fec_bytes(), headers=headers
    )
    pdf = await ledger_service.client.get(
        f"/creditors/{creditor}/documents/FA%00/pdf", headers=ledger_service.headers_for(accounts=((creditor, "C001"),))
    )

    assert upload.status == 422
    assert (await upload.json())["error"]["details"]["field"] == "file_name"
    assert pdf.status == 422
    assert await ledger_pool.fetchval("SELECT count(*) FROM imports WHERE creditor_id = $1", creditor) == 0


async def test_duplicated_key_422_names_it(ledger_service, ledger_pool):
    body = '{"name": "Premier nom", "name": "Second nom"}'

    status, answer = await send(ledger_service, "PUT", "/creditors/cle-double", body)

    assert status == 422
    assert answer["error"]["message"] == (
        "Le corps de la requête contient deux fois la clé «\u00a0name\u00a0»\u202f; envoyez-la une seule fois."
    )
    assert await ledger_pool.fetchval("SELECT count(*) FROM creditors WHERE id = 'cle-double'") == 0


@pytest.mark.parametrize("request_id", ["x" * 500, "id with spaces", ""], ids=["too long", "spaces", "empty"])
async def test_invalid_request_id_not_used_as_correlation(ledger_service, ledger_pool, request_id):
    creditor = await creditor_with_terms(ledger_pool)
    headers = {**ledger_service.system_headers(), **JSON, "X-Request-Id": request_id}

    response = await ledger_service.client.post(
        f"/creditors/{creditor}/documents", data=json.dumps(invoice_body()), headers=headers
    )
    correlation_ids = await ledger_pool.fetch(
        "SELECT payload->>'correlation_id' AS id FROM outbox WHERE payload->>'creditor_id' = $1", creditor
    )

    assert response.status == 201
    assert correlation_ids
    assert {row["id"] for row in correlation_ids} == {response.headers["X-Request-Id"]}
    assert response.headers["X-Request-Id"] != request_id


async def test_fec_import_events_carry_request_id(ledger_service, ledger_pool):
    creditor = await creditor_with_terms(ledger_pool)
    headers = {**ledger_service.system_headers(), "X-Request-Id": "import-42"}

    invoice = [
        row("VE", "1", "20260701", "411000", "C001", "FA1", "Facture", "120,00", ""),
        row("VE", "1", "20260701", "706000", "", "FA1", "Facture", "", "100,00"),
        row("VE", "1", "20260701", "445710", "", "FA1", "TVA", "", "20,00"),
    ]

    response = await ledger_service.client.post(
        f"/creditors/{creditor}/imports/fec", data=fec_bytes(*invoice), headers=headers
    )
    correlation_ids = await ledger_pool.fetch(
        "SELECT DISTINCT payload->>'correlation_id' AS id FROM outbox WHERE payload->>'creditor_id' = $1", creditor
    )

    assert response.status == 200, await response.text()
    assert [row["id"] for row in correlation_ids] == ["import-42"]
