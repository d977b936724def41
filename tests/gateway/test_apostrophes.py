"""French messages and screens of the gateway use the typographic apostrophe ’, never the straight one."""

from __future__ import annotations

from gateway.clients import DEFAULT_MESSAGES


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
    body = await (await gateway.put("/api/v1/me", json={})).json()

    assert body["error"]["message"] == "Cette méthode n’est pas acceptée à cette adresse."


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
