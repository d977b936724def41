"""HTTP errors that aiohttp raises itself reach ledger clients as French JSON, not as aiohttp's English text."""

from __future__ import annotations

from tests.ledger.test_feed import creditor_with_terms

ENGLISH_WORDINGS = ("Not Found", "Method Not Allowed", "Maximum request body size", "Request Entity Too Large")
# The body limit that shared.service gives every service app.
CLIENT_MAX_SIZE = 64 * 1024 * 1024


def assert_no_english(text: str) -> None:
    for wording in ENGLISH_WORDINGS:
        assert wording not in text, wording


async def test_unknown_path_404_in_french(ledger_service):
    response = await ledger_service.client.get("/creditors/x/nothing-here", headers=ledger_service.system_headers())
    text = await response.text()
    error = (await response.json())["error"]

    assert response.status == 404
    assert response.content_type == "application/json"
    assert error["code"] == "not_found"
    assert error["message"] == "La page ou la ressource demandée est introuvable."
    assert_no_english(text)


async def test_wrong_method_405_in_french(ledger_service, ledger_pool):
    creditor = await creditor_with_terms(ledger_pool)

    response = await ledger_service.client.delete(
        f"/creditors/{creditor}/documents", headers=ledger_service.system_headers()
    )
    text = await response.text()
    error = (await response.json())["error"]

    assert response.status == 405
    assert error["code"] == "method_not_allowed"
    assert error["message"].startswith("La méthode DELETE n’est pas acceptée à cette adresse\u00a0: utilisez ")
    assert "POST" in response.headers["Allow"]
    assert_no_english(text)


async def test_oversized_document_413_in_french(ledger_service, ledger_pool):
    creditor = await creditor_with_terms(ledger_pool)
    body = b"{" + b" " * CLIENT_MAX_SIZE + b"}"

    response = await ledger_service.client.post(
        f"/creditors/{creditor}/documents",
        data=body,
        headers={**ledger_service.system_headers(), "Content-Type": "application/json"},
    )
    text = await response.text()
    error = (await response.json())["error"]

    assert response.status == 413
    assert error["code"] == "payload_too_large"
    assert error["message"] == "La requête est trop volumineuse."
    assert_no_english(text)
