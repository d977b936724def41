"""CSRF tokens of the portal's forms.

Forms of a logged-in user carry ``HMAC-SHA256(secret, "session:" + session id)``.
The token is bound to the session, needs no storage and changes when the
session is rotated at login. The login form, which has no session yet, uses a
signed double submit: a random value in an HttpOnly cookie and, in the form,
the HMAC of that value. A cross-site page can neither read that cookie nor
forge the HMAC.

The JSON API uses no token. Its state-changing requests must declare
``Content-Type: application/json``, which a cross-site HTML form cannot send
and a cross-site script cannot send without a CORS preflight that the
gateway never grants. The session cookie is also SameSite=Lax.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

from aiohttp import web

from gateway.errors import CsrfRejected

CSRF_FIELD = "csrf_token"
CSRF_SECRET = web.AppKey("csrf_secret", bytes)
# secrets.token_urlsafe(24): 24 random bytes in 32 URL-safe Base64 characters.
LOGIN_NONCE_PATTERN = re.compile(r"[A-Za-z0-9_-]{32}")


def _sign(secret: bytes, purpose: str, value: str) -> str:
    digest = hmac.new(secret, f"{purpose}:{value}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def session_csrf_token(app: web.Application, session_id: str) -> str:
    """Return the CSRF token of the forms of session ``session_id``."""
    return _sign(app[CSRF_SECRET], "session", session_id)


def check_session_csrf_token(app: web.Application, session_id: str, submitted: object) -> None:
    """Raise CsrfRejected unless ``submitted`` is the token of ``session_id``."""
    if not isinstance(submitted, str) or not hmac.compare_digest(
        submitted, session_csrf_token(app, session_id)
    ):
        raise CsrfRejected()


def new_login_nonce() -> str:
    """Return a random value for the login CSRF cookie."""
    return secrets.token_urlsafe(24)


def current_or_new_login_nonce(cookie_value: str | None) -> str:
    """Return the browser's login CSRF nonce when it has one, else a new nonce.

    Every visitor page (login, invitation, password reset) puts the HMAC of this nonce in its form.
    A new nonce at each page would reject the form of any page opened before it, such as the first
    of two login tabs, so a page keeps the nonce that the browser already has. A successful login
    deletes the cookie, so the next login page gets a new nonce.
    """
    if cookie_value is not None and LOGIN_NONCE_PATTERN.fullmatch(cookie_value):
        return cookie_value
    return new_login_nonce()


def login_csrf_token(app: web.Application, nonce: str) -> str:
    """Return the form token that matches the login CSRF cookie ``nonce``."""
    return _sign(app[CSRF_SECRET], "login", nonce)


def check_login_csrf_token(app: web.Application, nonce: str | None, submitted: object) -> None:
    """Raise CsrfRejected unless ``submitted`` matches the login cookie's ``nonce``."""
    if not nonce or not isinstance(submitted, str) or not hmac.compare_digest(
        submitted, login_csrf_token(app, nonce)
    ):
        raise CsrfRejected()
