"""Page titles: the area, the creditor, the page number and « Erreur » after a rejected form."""

from __future__ import annotations

import re

from tests.gateway.conftest import csrf_token_of

NBSP = "\u00a0"


def title_of(html: str) -> str:
    match = re.search(r"<title>(.*?)</title>", html, re.S)
    assert match is not None, "the page has no <title>"
    return match.group(1).replace("&nbsp;", NBSP)


async def test_statement_title_names_creditor(logged_in, portal_data):
    first = await (await logged_in.get(f"/creanciers/{portal_data.first.id}/etat-de-compte")).text()
    second = await (await logged_in.get(f"/creanciers/{portal_data.second.id}/etat-de-compte")).text()

    assert title_of(first) == "État de compte – Presse Immo Ouest – Mes Factures"
    assert title_of(second) == "État de compte – Annonces Sud Services – Mes Factures"


async def test_statement_title_names_page(logged_in, portal_data):
    html = await (await logged_in.get(f"/creanciers/{portal_data.first.id}/etat-de-compte?view=all&page=2")).text()

    assert title_of(html) == "État de compte – Presse Immo Ouest – page 2 – Mes Factures"


async def test_security_title_names_no_creditor(logged_in):
    security = await (await logged_in.get("/securite")).text()

    assert title_of(security) == "Sécurité – Mes Factures"


async def test_rejected_contact_title(logged_in, portal_data):
    page = await (await logged_in.get(f"/creanciers/{portal_data.first.id}/nous-contacter")).text()
    response = await logged_in.post(
        f"/creanciers/{portal_data.first.id}/nous-contacter",
        data={"csrf_token": csrf_token_of(page), "service": "facturation", "subject": "", "message": "Bonjour"},
    )
    html = await response.text()

    assert response.status == 422
    assert title_of(html) == f"Erreur{NBSP}: Nous contacter – Presse Immo Ouest – Mes Factures"
    assert 'id="error-summary"' in html
    assert 'href="#contact-subject"' in html


async def test_rejected_password_title(logged_in):
    page = await (await logged_in.get("/securite")).text()
    response = await logged_in.post(
        "/securite/mot-de-passe",
        data={
            "csrf_token": csrf_token_of(page),
            "current_password": "mot de passe actuel",
            "new_password": "cheval correct batterie agrafe",
            "new_password_confirmation": "cheval correct batterie agrafe 2",
        },
    )
    html = await response.text()

    assert response.status == 422
    assert title_of(html) == f"Erreur{NBSP}: Sécurité – Mes Factures"
    assert 'href="#security-new_password_confirmation"' in html


async def test_login_error_title(gateway, portal_data):
    page = await (await gateway.get("/connexion")).text()
    response = await gateway.post(
        "/connexion",
        data={"login": portal_data.agency.login, "password": "pas le bon", "csrf_token": csrf_token_of(page)},
    )
    html = await response.text()

    assert title_of(html) == f"Erreur{NBSP}: Connexion – Mes Factures"
