"""Routes the gateway calls to log users in and to resolve or close their sessions."""

from __future__ import annotations

import ipaddress

from aiohttp import web

from services.accounts.domain import InvalidRequest, require_system
from services.accounts.logins import log_in
from services.accounts.passwords import MAX_PASSWORD_LENGTH
from services.accounts.keys import CIPHER
from services.accounts.routes.bodies import json_body, optional_text, required_text
from services.accounts.sessions import resolve_session, revoke_session
from shared.web import POOL, principal_of

SESSION_HEADER = "X-MF-Session"
MAX_LOGIN_LENGTH = 254
MAX_ADDRESS_LENGTH = 64


def client_address(value: str) -> str:
    """Return the IPv4 or IPv6 address ``value`` in canonical form."""
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise InvalidRequest("client_ip", "une adresse IPv4 ou IPv6 est attendue") from None


async def post_login(request: web.Request) -> web.Response:
    require_system(principal_of(request))
    body = await json_body(request)
    login = required_text(body, "login", max_length=MAX_LOGIN_LENGTH)
    password = required_text(body, "password", max_length=MAX_PASSWORD_LENGTH)
    client_ip = client_address(required_text(body, "client_ip", max_length=MAX_ADDRESS_LENGTH))

    totp_code = optional_text(body, "totp_code", max_length=32)

    token, info = await log_in(
        request.app[POOL],
        login=login,
        password=password,
        client_ip=client_ip,
        totp_code=totp_code,
        cipher=request.app.get(CIPHER),
    )
    return web.json_response({"session_token": token, "session": info.as_json()})


async def get_current_session(request: web.Request) -> web.Response:
    require_system(principal_of(request))
    async with request.app[POOL].acquire() as connection:
        info = await resolve_session(connection, request.headers.get(SESSION_HEADER))
    return web.json_response(info.as_json())


async def delete_current_session(request: web.Request) -> web.Response:
    require_system(principal_of(request))
    async with request.app[POOL].acquire() as connection:
        await revoke_session(connection, request.headers.get(SESSION_HEADER))
    return web.Response(status=204)


def add_routes(app: web.Application) -> None:
    app.router.add_post("/internal/logins", post_login)
    app.router.add_get("/internal/sessions/current", get_current_session)
    app.router.add_delete("/internal/sessions/current", delete_current_session)
