"""FEC imports through the gateway's API: staff of the creditor only, the file streamed as the body."""

from __future__ import annotations

from tests.conftest import fixture_path
from tests.gateway.conftest import log_in
from tests.gateway.support import create_creditor, create_staff_login

FEC_FILE = "0000000001FEC20220831.txt"
OCTET_STREAM = {"Content-Type": "application/octet-stream"}


def import_url(creditor: str) -> str:
    return f"/api/v1/creditors/{creditor}/imports/fec"


async def staff_gateway(gateway, accounts_pool, ledger_service) -> tuple[object, str]:
    creditor = await create_creditor(accounts_pool, ledger_service, "Presse Immo Import")
    login, password = await create_staff_login(accounts_pool, [creditor])
    response = await log_in(gateway, login, password)
    assert response.status == 302
    return gateway, creditor


async def test_staff_imports_real_file(gateway, accounts_pool, ledger_service):
    client, creditor = await staff_gateway(gateway, accounts_pool, ledger_service)
    data = fixture_path("fec", FEC_FILE).read_bytes()

    first = await client.post(import_url(creditor), params={"file_name": FEC_FILE}, data=data, headers=OCTET_STREAM)
    again = await client.post(import_url(creditor), params={"file_name": FEC_FILE}, data=data, headers=OCTET_STREAM)
    summary, repeated = await first.json(), await again.json()

    assert first.status == 200
    assert summary["lines"] == 5422
    assert summary["customer_accounts"] == 17
    assert summary["file_name"] == FEC_FILE
    assert summary["already_imported"] is False
    assert again.status == 200
    assert repeated["already_imported"] is True


async def test_invalid_file_names_line(gateway, accounts_pool, ledger_service):
    client, creditor = await staff_gateway(gateway, accounts_pool, ledger_service)
    header = fixture_path("fec", FEC_FILE).read_bytes().split(b"\n", 1)[0]
    bad = header + b"\nVE\tVentes\t1\t20260231\t411000\tClients\tC1\tAgence\tF1\t20260101\tFacture\t10,00\t0,00\t\t\t\t\t\n"

    response = await client.post(import_url(creditor), params={"file_name": "bad.txt"}, data=bad, headers=OCTET_STREAM)
    body = await response.json()

    assert response.status == 422
    assert body["error"]["code"] == "invalid_fec"
    assert body["error"]["details"]["line"] == 2
    assert body["error"]["details"]["column"] == "EcritureDate"
    assert body["error"]["details"]["value"] == "20260231"
    assert body["error"]["message"] == (
        "Fichier FEC refusé, rien n’a été importé. bad.txt, ligne 2, colonne EcritureDate\u00a0: «\u00a020260231\u00a0»"
        " n’est pas une date (attendu\u00a0: AAAAMMJJ avec un jour qui existe, par exemple 20220831)"
    )


async def test_agency_user_is_forbidden(logged_in, portal_data):
    response = await logged_in.post(import_url(portal_data.first.id), data=b"JournalCode\n", headers=OCTET_STREAM)
    message = (await response.json())["error"]["message"]

    assert response.status == 403
    assert message.startswith("Action réservée au personnel du créancier, qui importe les fichiers FEC")
    assert "écrivez à son service facturation (menu «\u00a0Nous contacter\u00a0»)" in message


async def test_other_content_type_is_rejected(gateway, accounts_pool, ledger_service):
    client, creditor = await staff_gateway(gateway, accounts_pool, ledger_service)

    response = await client.post(import_url(creditor), data=b"x", headers={"Content-Type": "text/plain"})
    body = await response.json()

    assert response.status == 415
    assert "application/octet-stream" in body["error"]["message"]


async def test_anonymous_upload_needs_session(gateway, portal_data):
    response = await gateway.post(import_url(portal_data.first.id), data=b"x", headers=OCTET_STREAM)

    assert response.status == 401


async def test_upload_without_content_type_rejected(gateway, accounts_pool, ledger_service):
    # aiohttp reads a missing Content-Type as application/octet-stream, but a cross-site fetch of a
    # Blob without a type sends no Content-Type and needs no CORS preflight, so the header must be there.
    client, creditor = await staff_gateway(gateway, accounts_pool, ledger_service)
    data = fixture_path("fec", FEC_FILE).read_bytes()

    response = await client.post(import_url(creditor), data=data, skip_auto_headers=["Content-Type"])
    body = await response.json()

    assert response.status == 415
    assert body["error"]["code"] == "unsupported_media_type"
    assert body["error"]["details"]["content_type"] is None
    assert body["error"]["message"] == (
        "La requête n’a pas d’en-tête Content-Type\u00a0: envoyez l’en-tête Content-Type: application/octet-stream."
    )


async def test_staff_lists_own_creditors(gateway, accounts_pool, ledger_service):
    client, creditor = await staff_gateway(gateway, accounts_pool, ledger_service)

    response = await client.get("/api/v1/creditors")
    body = await response.json()

    assert response.status == 200
    assert body == {"creditors": [{"id": creditor, "name": "Presse Immo Import", "customer_account": None}]}


async def test_blank_file_name_gets_default(gateway, accounts_pool, ledger_service):
    client, creditor = await staff_gateway(gateway, accounts_pool, ledger_service)
    data = fixture_path("fec", FEC_FILE).read_bytes()

    blank = await client.post(import_url(creditor), params={"file_name": "   "}, data=b"x", headers=OCTET_STREAM)
    padded = await client.post(
        import_url(creditor), params={"file_name": f"  {FEC_FILE} ", "encoding": " utf-8 "}, data=data, headers=OCTET_STREAM
    )
    blank_message = (await blank.json())["error"]["message"]
    padded_summary = await padded.json()

    assert blank.status == 422
    assert blank_message.startswith("Fichier FEC refusé, rien n’a été importé. upload.txt, ligne 1\u00a0:")
    assert padded.status == 200, padded_summary
    assert padded_summary["file_name"] == FEC_FILE
