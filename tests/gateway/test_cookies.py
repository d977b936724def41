"""Attributes of the cookies the gateway sets, in secure and in plain-http mode."""

from __future__ import annotations

from http.cookies import SimpleCookie

from tests.gateway.conftest import csrf_token_of


def set_cookie_headers(response) -> dict[str, str]:
    """Map each cookie name to its raw Set-Cookie header."""
    headers = {}
    for header in response.headers.getall("Set-Cookie", []):
        cookie = SimpleCookie()
        cookie.load(header)
        for name in cookie:
            headers[name] = header
    return headers


def attributes(header: str) -> set[str]:
    return {part.strip().split("=")[0].lower() for part in header.split(";")[1:]}


async def log_in_by_hand(gateway, portal_data, login_cookie_name: str):
    """Log in while sending the login CSRF cookie by hand (the jar does not send Secure cookies over http)."""
    form = await gateway.get("/connexion")
    nonce = form.cookies[login_cookie_name].value
    token = csrf_token_of(await form.text())
    return await gateway.post(
        "/connexion",
        data={"login": portal_data.agency.login, "password": portal_data.agency.password, "csrf_token": token},
        headers={"Cookie": f"{login_cookie_name}={nonce}"},
        allow_redirects=False,
    )


async def test_secure_session_cookie_has_host_prefix(make_gateway, portal_data):
    gateway = await make_gateway(cookie_secure=True)

    response = await log_in_by_hand(gateway, portal_data, "__Host-mf_login_csrf")
    headers = set_cookie_headers(response)
    session_header = headers["__Host-mf_session"]

    assert response.status == 302
    assert "mf_session" not in headers
    assert {"secure", "httponly", "samesite", "path"} <= attributes(session_header)
    assert "SameSite=Lax" in session_header
    assert "Path=/" in session_header
    assert "Domain" not in session_header
    assert "Max-Age" not in session_header


async def test_plain_session_cookie_is_not_secure(make_gateway, portal_data):
    gateway = await make_gateway(cookie_secure=False)

    response = await log_in_by_hand(gateway, portal_data, "mf_login_csrf")
    session_header = set_cookie_headers(response)["mf_session"]

    assert response.status == 302
    assert "secure" not in attributes(session_header)
    assert "httponly" in attributes(session_header)
    assert "SameSite=Lax" in session_header


async def test_secure_mode_sends_hsts(make_gateway):
    gateway = await make_gateway(cookie_secure=True)

    response = await gateway.get("/connexion")

    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


async def test_session_cookie_holds_only_the_token(logged_in, portal_data):
    cookie = logged_in.session.cookie_jar.filter_cookies(logged_in.make_url("/"))["mf_session"].value

    assert portal_data.agency.login not in cookie
    assert "." not in cookie
    assert len(cookie) >= 32
