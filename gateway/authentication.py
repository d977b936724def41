"""Login and logout, shared by the portal's forms and the JSON API."""

from __future__ import annotations

import structlog
from aiohttp import web

from gateway.client_ip import client_ip
from gateway.clients import ACCOUNTS, LoginResult
from gateway.errors import (
    InvalidCredentials,
    LoginThrottled,
    SecondFactorInvalid,
    SecondFactorRequired,
    ServiceUnavailable,
)
from gateway.sessions import COOKIE_NAMES, SESSION_RESOLVER, clear_session_cookies, set_session_cookie
from gateway.settings import SETTINGS

log = structlog.get_logger(__name__)

MAX_LOGIN_LENGTH = 254
MAX_PASSWORD_LENGTH = 1024


async def log_in(request: web.Request, login: str, password: str, totp_code: str | None = None) -> LoginResult:
    """Open a new session for ``login`` and revoke the one the request's cookie held, if any.

    The caller sets the new token as the session cookie, so a token known
    before login never authenticates the logged-in user (session fixation).
    Raises InvalidCredentials (also for over-long input) or LoginThrottled,
    and for a user enrolled in TOTP SecondFactorRequired when ``totp_code`` is
    missing or SecondFactorInvalid when it is wrong.
    """
    login = login.strip()
    if not login or not password or len(login) > MAX_LOGIN_LENGTH or len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidCredentials()

    ip_address = client_ip(request, request.app[SETTINGS].trusted_proxies)
    try:
        result = await request.app[ACCOUNTS].log_in(login, password, ip_address, totp_code=totp_code)
    except InvalidCredentials:
        log.info("login_rejected", reason="invalid_credentials", client_ip=ip_address)
        raise
    except (SecondFactorRequired, SecondFactorInvalid) as error:
        log.info("login_rejected", reason=error.code, client_ip=ip_address)
        raise
    except LoginThrottled as error:
        log.info("login_rejected", reason="throttled", client_ip=ip_address, retry_after=error.details["retry_after"])
        raise

    previous_token = request.cookies.get(request.app[COOKIE_NAMES].session)
    if previous_token:
        try:
            await revoke(request, previous_token)
        except ServiceUnavailable:
            # The new session is open already, and the old one still expires by itself.
            log.warning("previous_session_not_revoked")
    log.info("login_succeeded", user_id=result.session.user_id, agency_id=result.session.agency_id)
    return result


async def revoke(request: web.Request, token: str) -> None:
    """Revoke ``token`` at accounts and drop it from this gateway's session cache."""
    request.app[SESSION_RESOLVER].forget(token)
    await request.app[ACCOUNTS].revoke_session(token)


async def log_out(request: web.Request, response: web.StreamResponse) -> None:
    """Revoke the request's session, if any, and clear the session cookies on ``response``.

    The response also requests that the browser clear its cache of the site,
    where an earlier version let invoice PDFs stay readable after logout.
    """
    token = request.cookies.get(request.app[COOKIE_NAMES].session)
    if token:
        await revoke(request, token)
        log.info("logout")
    clear_session_cookies(response, request.app)
    response.headers["Clear-Site-Data"] = '"cache"'


def start_session(response: web.StreamResponse, app: web.Application, result: LoginResult) -> None:
    """Set the session cookie of a fresh login on ``response``."""
    set_session_cookie(response, app, result.token)
