"""Routes of the password-reset flow and of invitation acceptance, called by the gateway for anonymous visitors."""

from __future__ import annotations

from aiohttp import web

from services.accounts import credentials, invitations
from services.accounts.domain import InvalidRequest, reported_as_invalid_fields, require_system
from services.accounts.keys import ACCOUNTS_SETTINGS, CIPHER
from services.accounts.routes.bodies import json_body, optional_text, required_new_password, required_text
from shared.web import POOL, principal_of

MAX_TOKEN_LENGTH = 100


async def post_reset_request(request: web.Request) -> web.Response:
    require_system(principal_of(request))
    body = await json_body(request)
    identifier = required_text(body, "login", max_length=254)

    await credentials.request_reset(
        request.app[POOL], request.app[ACCOUNTS_SETTINGS], request.app.get(CIPHER), identifier.strip()
    )
    # The same response whether or not the login exists.
    return web.json_response({"status": "accepted"}, status=202)


async def get_reset(request: web.Request) -> web.Response:
    require_system(principal_of(request))
    token = request.match_info["token"][:MAX_TOKEN_LENGTH]
    return web.json_response(await credentials.describe_reset(request.app[POOL], token))


async def post_reset(request: web.Request) -> web.Response:
    require_system(principal_of(request))
    token = request.match_info["token"][:MAX_TOKEN_LENGTH]
    body = await json_body(request)
    password = required_new_password(body, "password")

    with reported_as_invalid_fields():
        await credentials.complete_reset(
            request.app[POOL], request.app[ACCOUNTS_SETTINGS], request.app.get(CIPHER), token, password
        )
    return web.Response(status=204)


async def get_invitation(request: web.Request) -> web.Response:
    require_system(principal_of(request))
    token = request.match_info["token"][:MAX_TOKEN_LENGTH]
    return web.json_response(await invitations.describe_invitation(request.app[POOL], token))


async def post_invitation(request: web.Request) -> web.Response:
    require_system(principal_of(request))
    token = request.match_info["token"][:MAX_TOKEN_LENGTH]
    body = await json_body(request)
    login = required_text(body, "login", max_length=254).strip()
    password = required_new_password(body, "password")
    # 200 here, because accept_invitation rejects more than 100 characters as an invalid form field.
    display_name = optional_text(body, "display_name", max_length=200)
    # Absent means unchecked, and an empty confirmation is a mismatch, so optional_text, which returns None for "", does not fit.
    confirmation = body.get("password_confirmation")
    if confirmation is not None and not isinstance(confirmation, str):
        raise InvalidRequest("password_confirmation", "un texte est attendu")

    with reported_as_invalid_fields():
        user_id = await invitations.accept_invitation(
            request.app[POOL],
            token,
            login=login,
            password=password,
            display_name=display_name,
            password_confirmation=confirmation,
        )
    return web.json_response({"user_id": user_id}, status=201)


def add_routes(app: web.Application) -> None:
    app.router.add_post("/internal/password-resets", post_reset_request)
    app.router.add_get("/internal/password-resets/{token}", get_reset)
    app.router.add_post("/internal/password-resets/{token}", post_reset)
    app.router.add_get("/internal/invitations/{token}", get_invitation)
    app.router.add_post("/internal/invitations/{token}", post_invitation)
