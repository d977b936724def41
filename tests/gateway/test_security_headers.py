"""Security headers on pages, API responses, static files and errors."""

from __future__ import annotations

import pytest

EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


@pytest.mark.parametrize(
    "path",
    ["/connexion", "/api/v1/openapi.json", "/static/portal.css", "/page-inconnue", "/api/v1/me"],
)
async def test_security_headers_on_every_response(gateway, path):
    response = await gateway.get(path)
    policy = response.headers["Content-Security-Policy"]

    for name, value in EXPECTED.items():
        assert response.headers[name] == value, name
    assert "frame-ancestors 'none'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy


async def test_pages_are_not_cached(logged_in):
    response = await logged_in.get("/etat-de-compte")

    assert response.headers["Cache-Control"] == "no-store"


async def test_pages_have_no_inline_script(logged_in, portal_data):
    for path in ("/etat-de-compte", "/connexion", "/litiges"):
        html = await (await logged_in.get(path)).text()

        assert "<script>" not in html, path
        assert " on" + "change=" not in html, path
        assert "<style" not in html, path
        assert ' style="' not in html, path


async def test_unknown_page_is_french_404(gateway):
    response = await gateway.get("/page-inconnue")
    html = await response.text()

    assert response.status == 404
    assert "Page introuvable" in html
    assert '<html lang="fr">' in html


async def test_request_id_is_returned(gateway):
    response = await gateway.get("/connexion")

    assert len(response.headers["X-Request-Id"]) >= 16
