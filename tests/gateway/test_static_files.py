"""Files under /static: served with ETag and Last-Modified, and a missing one shown as the French 404 page."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "path", ["/static/inexistant.css", "/static/", "/static/%2e%2e/app.py", "/static/..%2fapp.py", "/static/portal.css/x"]
)
async def test_missing_static_file_is_french_404(gateway, path):
    response = await gateway.get(path)
    html = await response.text()

    assert response.status == 404, path
    assert response.content_type == "text/html", path
    assert "Page introuvable" in html, path
    assert '<html lang="fr">' in html, path


async def test_static_file_keeps_caching_headers(gateway):
    response = await gateway.get("/static/portal.css")
    body = await response.read()
    again = await gateway.get("/static/portal.css", headers={"If-None-Match": response.headers["ETag"]})

    assert response.status == 200
    assert response.content_type == "text/css"
    assert body
    assert "Last-Modified" in response.headers
    assert "Cache-Control" not in response.headers
    assert again.status == 304


async def test_static_file_serves_head(gateway):
    response = await gateway.head("/static/portal.js")

    assert response.status == 200
    assert response.content_type in {"application/javascript", "text/javascript"}
