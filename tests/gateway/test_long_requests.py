"""A URL or a header over 8 Kio gets a French 414 or 431 instead of aiohttp's English 400."""

from __future__ import annotations

from html import unescape

from gateway.middlewares import MAX_HEADER_BYTES, MAX_URL_BYTES

NBSP = "\u00a0"
LONG_NUMBER = "x" * (MAX_URL_BYTES + 100)


async def test_long_api_url_gets_json_414(gateway):
    response = await gateway.get(f"/api/v1/creditors/pressimmo/documents/{LONG_NUMBER}/pdf")
    error = (await response.json())["error"]

    assert response.status == 414
    assert error["code"] == "uri_too_long"
    assert error["message"].startswith(f"L’adresse demandée est trop longue{NBSP}: elle dépasse 8{NBSP}Kio.")
    assert error["details"] == {"max_bytes": MAX_URL_BYTES}


async def test_long_portal_url_gets_french_page(gateway):
    response = await gateway.get("/etat-de-compte", params={"number": LONG_NUMBER})
    page = unescape(await response.text())

    assert response.status == 414
    assert response.content_type == "text/html"
    assert "raccourcissez la recherche ou les filtres" in page
    assert "Got more than" not in page


async def test_url_at_limit_reaches_routes(gateway):
    path = "/api/v1/creditors/pressimmo/statement?number="
    response = await gateway.get(path + "x" * (MAX_URL_BYTES - len(path)))

    assert response.status == 401


async def test_long_cookie_gets_431(gateway):
    response = await gateway.get("/api/v1/me", headers={"Cookie": "trace=" + "c" * MAX_HEADER_BYTES})
    error = (await response.json())["error"]

    assert response.status == 431
    assert error["code"] == "header_too_large"
    assert f"L’en-tête «{NBSP}Cookie{NBSP}» de la requête dépasse 8{NBSP}Kio" in error["message"]
    assert "effacez les cookies de ce site" in error["message"]


async def test_long_header_gets_431(gateway):
    response = await gateway.get("/api/v1/me", headers={"X-Trace": "t" * MAX_HEADER_BYTES})
    error = (await response.json())["error"]

    assert response.status == 431
    assert error["details"] == {"header": "X-Trace", "max_bytes": MAX_HEADER_BYTES}
    assert "raccourcissez-le" in error["message"]
