"""Posted forms that aiohttp cannot decode get a French 400 page, never a 500."""

from __future__ import annotations

from html import unescape

import structlog

from tests.gateway.conftest import csrf_token_of

URLENCODED = "application/x-www-form-urlencoded"
BOUNDARY = "limite-du-test"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"
UNREADABLE_MESSAGE = (
    "Le formulaire envoyé n’a pas pu être lu, car son encodage est invalide ou inconnu. "
    "Rechargez la page du formulaire, puis envoyez-le de nouveau depuis celle-ci."
)


def multipart(*parts: tuple[str, bytes]) -> bytes:
    """Return a multipart/form-data body of ``parts``, each a block of part headers and the part's content."""
    body = b""
    for headers, content in parts:
        body += f"--{BOUNDARY}\r\n{headers}\r\n\r\n".encode() + content + b"\r\n"
    return body + f"--{BOUNDARY}--\r\n".encode()


def unreadable_bodies(token: str) -> dict[str, tuple[bytes, str]]:
    """Return form bodies, named by what is wrong with them, that each carry ``token`` as their CSRF token."""
    csrf = ('Content-Disposition: form-data; name="csrf_token"', token.encode())
    return {
        "invalid UTF-8 byte": (b"login=d\xffmo&password=x&csrf_token=" + token.encode(), URLENCODED),
        "Latin-1 byte": (b"service=facturation&subject=Caf\xe9&csrf_token=" + token.encode(), URLENCODED),
        "unknown charset": (f"login=demo&csrf_token={token}".encode(), f"{URLENCODED}; charset=klingon"),
        "multipart part with unknown charset": (
            multipart(csrf, ('Content-Disposition: form-data; name="login"\r\nContent-Type: text/plain; charset=klingon', b"demo")),
            MULTIPART,
        ),
        "multipart part with invalid UTF-8 byte": (
            multipart(csrf, ('Content-Disposition: form-data; name="login"', b"d\xffmo")),
            MULTIPART,
        ),
        "multipart part with unknown transfer encoding": (
            multipart(csrf, ('Content-Disposition: form-data; name="login"\r\nContent-Transfer-Encoding: x-inconnu', b"demo")),
            MULTIPART,
        ),
        "multipart part with invalid base64": (
            multipart(csrf, ('Content-Disposition: form-data; name="login"\r\nContent-Transfer-Encoding: base64', b"d")),
            MULTIPART,
        ),
        "multipart part without name": (multipart(csrf, ("Content-Disposition: form-data", b"demo")), MULTIPART),
        "multipart without boundary": (multipart(csrf), "multipart/form-data"),
        "multipart with wrong boundary": (multipart(csrf).replace(BOUNDARY.encode(), b"autre"), MULTIPART),
    }


def error_events(events: list[dict]) -> list[dict]:
    return [event for event in events if event["log_level"] in ("error", "critical", "exception")]


async def assert_unreadable_everywhere(client, path: str, token: str) -> None:
    """Post every unreadable body to ``path`` and check that each gets the 400 page without an error log."""
    for case, (data, content_type) in unreadable_bodies(token).items():
        with structlog.testing.capture_logs() as events:
            response = await client.post(
                path, data=data, headers={"Content-Type": content_type}, allow_redirects=False
            )
        page = unescape(await response.text())

        assert response.status == 400, f"{case}: {response.status} {page[:300]}"
        assert UNREADABLE_MESSAGE in page, case
        assert error_events(events) == [], case


async def test_login_form_unreadable_400(gateway):
    token = csrf_token_of(await (await gateway.get("/connexion")).text())

    await assert_unreadable_everywhere(gateway, "/connexion", token)


async def test_visitor_form_unreadable_400(gateway):
    token = csrf_token_of(await (await gateway.get("/mot-de-passe-perdu")).text())

    await assert_unreadable_everywhere(gateway, "/mot-de-passe-perdu", token)


async def test_logout_form_unreadable_400(logged_in):
    token = csrf_token_of(await (await logged_in.get("/securite")).text())

    await assert_unreadable_everywhere(logged_in, "/deconnexion", token)
    assert (await logged_in.get("/api/v1/me")).status == 200


async def test_selector_form_unreadable_400(logged_in):
    token = csrf_token_of(await (await logged_in.get("/securite")).text())

    await assert_unreadable_everywhere(logged_in, "/creancier", token)


async def test_contact_form_unreadable_400(logged_in, portal_data):
    path = f"/creanciers/{portal_data.first.id}/nous-contacter"
    token = csrf_token_of(await (await logged_in.get(path)).text())

    await assert_unreadable_everywhere(logged_in, path, token)
