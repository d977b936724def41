"""The « État de compte » label, with its accented capital, in the menu, the title and the breadcrumb."""

from __future__ import annotations

import re

from gateway.portal.layout import STATEMENT


def test_statement_area_label():
    assert STATEMENT.label == "État de compte"


async def test_menu_shows_accented_label(logged_in):
    html = await (await logged_in.get("/securite")).text()

    assert '<a href="/etat-de-compte">État de compte</a>' in html
    assert "Etat de compte" not in html


async def test_statement_title_and_breadcrumb(logged_in):
    html = await (await logged_in.get("/etat-de-compte")).text()

    assert re.search(r"<title>État de compte – [^<]+ – Mes Factures</title>", html)
    assert '<span aria-current="page">État de compte</span>' in html
