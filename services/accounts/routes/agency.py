"""Routes with which an agency's administrateurs manage its users and invitations."""

from __future__ import annotations

import uuid

from aiohttp import web

from services.accounts import agency_users, invitations
from services.accounts.domain import Action, InvalidRequest, reported_as_invalid_fields, require_role
from services.accounts.keys import ACCOUNTS_SETTINGS, CIPHER
from services.accounts.routes.bodies import json_body, optional_text, required_text
from services.accounts.routes.principals import agency_id_of
from services.accounts.validation import validate_email
from services.accounts.validation.text import clean_text
from shared.errors import NotFound
from shared.principal import Role
from shared.web import POOL, principal_of

AGENCY_ROLE_VALUES = (Role.ADMIN.value, Role.ACCOUNTANT.value, Role.READER.value)


def _role(body: dict, field: str = "role") -> str:
    role = required_text(body, field, max_length=20)
    if role not in AGENCY_ROLE_VALUES:
        raise InvalidRequest(field, f"les rôles acceptés sont {', '.join(AGENCY_ROLE_VALUES)}")
    return role


async def get_users(request: web.Request) -> web.Response:
    principal = principal_of(request)
    require_role(principal, Action.MANAGE_USERS)
    async with request.app[POOL].acquire() as connection:
        users = await agency_users.list_users(connection, agency_id_of(principal))
        pending = await invitations.pending_invitations(connection, agency_id_of(principal))
    return web.json_response({"users": users, "invitations": pending})


async def patch_user(request: web.Request) -> web.Response:
    principal = principal_of(request)
    require_role(principal, Action.MANAGE_USERS)
    agency_id_of(principal)
    body = await json_body(request)
    role = _role(body)

    revoked = await agency_users.change_role(
        request.app[POOL],
        principal,
        request.match_info["user_id"],
        role,
        settings=request.app[ACCOUNTS_SETTINGS],
        cipher=request.app.get(CIPHER),
    )
    return web.json_response({"invitations_revoked": revoked})


async def delete_user(request: web.Request) -> web.Response:
    principal = principal_of(request)
    require_role(principal, Action.MANAGE_USERS)
    agency_id_of(principal)
    revoked = await agency_users.disable_user(
        request.app[POOL],
        principal,
        request.match_info["user_id"],
        settings=request.app[ACCOUNTS_SETTINGS],
        cipher=request.app.get(CIPHER),
    )
    return web.json_response({"invitations_revoked": revoked})


async def post_enabled_user(request: web.Request) -> web.Response:
    principal = principal_of(request)
    require_role(principal, Action.MANAGE_USERS)
    agency_id_of(principal)
    await agency_users.enable_user(request.app[POOL], principal, request.match_info["user_id"])
    return web.Response(status=204)


async def post_invitation(request: web.Request) -> web.Response:
    principal = principal_of(request)
    require_role(principal, Action.MANAGE_USERS)
    agency_id_of(principal)
    body = await json_body(request)
    role = _role(body)
    with reported_as_invalid_fields():
        email = validate_email(optional_text(body, "email", max_length=254))
        display_name = clean_text(
            optional_text(body, "display_name", max_length=200),
            field="display_name",
            label="Nom",
            max_length=100,
            required=False,
        )

    invitation = await invitations.invite(
        request.app[POOL],
        request.app[ACCOUNTS_SETTINGS],
        request.app.get(CIPHER),
        principal,
        email=email,
        role=role,
        display_name=display_name or "",
    )
    return web.json_response(invitation, status=201)


async def delete_invitation(request: web.Request) -> web.Response:
    principal = principal_of(request)
    require_role(principal, Action.MANAGE_USERS)
    try:
        invitation_id = uuid.UUID(request.match_info["invitation_id"])
    except ValueError:
        invitation_id = None
    async with request.app[POOL].acquire() as connection:
        revoked = invitation_id is not None and await invitations.revoke_invitation(
            connection, agency_id_of(principal), invitation_id
        )
    if not revoked:
        raise NotFound("Cette invitation n’existe pas ou a déjà servi.", invitation_id=request.match_info["invitation_id"])
    return web.Response(status=204)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/agency/users", get_users)
    app.router.add_patch("/agency/users/{user_id}", patch_user)
    app.router.add_delete("/agency/users/{user_id}", delete_user)
    app.router.add_post("/agency/users/{user_id}/enable", post_enabled_user)
    app.router.add_post("/agency/invitations", post_invitation)
    app.router.add_delete("/agency/invitations/{invitation_id}", delete_invitation)
