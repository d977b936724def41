"""The portal's icon: /favicon.ico and the SVG that every page links."""

from __future__ import annotations

import io

from PIL import Image


async def test_favicon_ico_is_served(gateway):
    response = await gateway.get("/favicon.ico")
    body = await response.read()

    assert response.status == 200
    assert response.headers["Content-Type"] == "image/x-icon"
    assert response.headers["Cache-Control"] == "public, max-age=86400"
    assert Image.open(io.BytesIO(body)).format == "ICO"


async def test_favicon_svg_is_served(gateway):
    response = await gateway.get("/static/favicon.svg")

    assert response.status == 200
    assert response.headers["Content-Type"] == "image/svg+xml"
    assert (await response.text()).startswith("<svg ")


async def test_pages_link_the_icon(gateway, logged_in):
    login_page = await (await gateway.get("/connexion")).text()
    portal_page = await (await logged_in.get("/securite")).text()

    for page in (login_page, portal_page):
        assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
        assert '<link rel="icon" href="/favicon.ico" sizes="16x16 32x32 48x48">' in page
