"""French messages and screens of the gateway use the typographic apostrophe ’, never the straight one."""

from __future__ import annotations

from html import unescape

from gateway.clients import DEFAULT_MESSAGES
from gateway.portal.display import address_lines, country_choices
from tests.gateway.conftest import log_in
from tests.gateway.support import CreditorAccount, create_agency_member, create_creditor


def assert_typographic(text: str) -> None:
    """Fail when ``text`` contains a French elision written with a straight apostrophe."""
    for elision in ("l'", "d'", "n'", "qu'"):
        assert f" {elision}" not in text, elision


async def test_error_page_link(gateway):
    response = await gateway.get("/page-qui-n-existe-pas")
    html = await response.text()

    assert response.status == 404
    assert "Retour à l’accueil" in html
    assert_typographic(html)


async def test_breadcrumb_label(logged_in):
    html = await (await logged_in.get("/securite")).text()

    assert 'aria-label="Fil d’Ariane"' in html


async def test_session_required_message(gateway):
    body = await (await gateway.get("/api/v1/me")).json()

    assert body["error"]["message"] == "Votre session a expiré ou vous n’êtes pas connecté. Connectez-vous pour continuer."


async def test_method_not_allowed_message(gateway):
    with_json = await gateway.put("/api/v1/me", json={})
    without_body = await gateway.put("/api/v1/me")

    assert with_json.status == 405
    assert (await with_json.json())["error"]["message"] == (
        "La méthode PUT n’est pas acceptée à cette adresse\u00a0: utilisez GET ou HEAD."
    )
    assert "GET" in with_json.headers["Allow"]
    # The method is wrong whatever the body, so the 405 comes before any Content-Type check.
    assert without_body.status == 405


async def test_unsupported_media_type_message(gateway):
    response = await gateway.post("/api/v1/session", data="login=x", headers={"Content-Type": "text/plain"})
    message = (await response.json())["error"]["message"]

    assert response.status == 415
    assert "n’est pas accepté" in message
    assert "envoyez l’en-tête Content-Type: application/json." in message


async def test_invalid_json_message(gateway):
    response = await gateway.post("/api/v1/session", data="{", headers={"Content-Type": "application/json"})

    assert (await response.json())["error"]["message"] == "Le corps de la requête n’est pas un JSON valide."


def test_default_service_messages():
    for message in DEFAULT_MESSAGES.values():
        assert_typographic(message)


def test_country_list_apostrophes():
    names = [name for _code, name in country_choices()]

    assert "Côte d’Ivoire" in names
    assert "Territoire britannique de l’océan Indien" in names
    assert not [name for name in names if "'" in name]


def test_address_lines_apostrophes():
    lines = address_lines({"address_line1": "22 rue de la Presqu'île", "postal_code": "56000", "city": "Vannes"})

    assert lines == ["22 rue de la Presqu’île", "56000 Vannes"]


async def test_top_bar_names_apostrophes(gateway, accounts_pool, ledger_service):
    creditor_id = await create_creditor(accounts_pool, ledger_service, "Annonces de l'Ouest")
    member = await create_agency_member(accounts_pool, [CreditorAccount(creditor_id, "Annonces de l'Ouest", "C4401")], role="lecteur")
    await accounts_pool.execute("UPDATE agencies SET name = 'Clés de la Presqu''île' WHERE name = $1", member.agency_name)
    await accounts_pool.execute("UPDATE users SET display_name = 'Jeanne d''Arc' WHERE login = $1", member.login)
    gateway.session.cookie_jar.clear()
    await log_in(gateway, member.login, member.password)

    page = unescape(await (await gateway.get("/securite")).text())

    assert '<span class="user-agency">Clés de la Presqu’île</span>' in page
    assert '<span class="user-name">Jeanne d’Arc</span>' in page
    assert ">Annonces de l’Ouest</option>" in page
    assert "Presqu'île" not in page
    assert "d'Arc" not in page
