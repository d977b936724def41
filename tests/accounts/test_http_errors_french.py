"""HTTP errors that aiohttp raises itself reach the accounts service's clients as French JSON."""

from __future__ import annotations

ENGLISH_WORDINGS = ("Not Found", "Method Not Allowed")


async def test_unknown_path_404_in_french(accounts_service):
    response = await accounts_service.client.get("/nothing-here", headers=accounts_service.system_headers())
    text = await response.text()
    error = (await response.json())["error"]

    assert response.status == 404
    assert error["code"] == "not_found"
    assert error["message"] == "La page ou la ressource demandée est introuvable."
    for wording in ENGLISH_WORDINGS:
        assert wording not in text, wording


async def test_wrong_method_405_in_french(accounts_service):
    response = await accounts_service.client.delete(
        "/creditors/any/profile/billing-details", headers=accounts_service.system_headers()
    )
    text = await response.text()
    error = (await response.json())["error"]

    assert response.status == 405
    assert error["code"] == "method_not_allowed"
    assert error["message"].startswith("La méthode DELETE n’est pas acceptée à cette adresse\u00a0: utilisez ")
    assert "PUT" in response.headers["Allow"]
    for wording in ENGLISH_WORDINGS:
        assert wording not in text, wording
