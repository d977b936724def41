"""Routes of the logged-in user's own account: profile, password, other sessions, TOTP."""

from __future__ import annotations

from aiohttp import web

from services.accounts import credentials, totp
from services.accounts.crypto import cipher_or_unavailable
from services.accounts.domain import reported_as_invalid_fields
from services.accounts.keys import ACCOUNTS_SETTINGS, CIPHER
from services.accounts.passwords import MAX_PASSWORD_LENGTH
from services.accounts.reauth import ReauthenticationFailed, reauthenticate
from services.accounts.routes.bodies import json_body, optional_text, required_new_password, required_text
from services.accounts.routes.principals import user_id_of
from services.accounts.routes.sessions import SESSION_HEADER
from services.accounts.sessions import revoke_user_sessions
from shared.errors import NotFound
from shared.principal import Role
from shared.web import POOL, principal_of


async def get_me(request: web.Request) -> web.Response:
    principal = principal_of(request)
    user_id = user_id_of(principal)
    async with request.app[POOL].acquire() as connection:
        row = await connection.fetchrow(
            """SELECT login, display_name, email, totp_enabled_at, password_changed_at
                 FROM users WHERE id = $1""",
            user_id,
        )
        remaining_codes = await totp.remaining_recovery_codes(connection, user_id)
    if row is None:
        raise NotFound("Utilisateur introuvable.", user_id=principal.user_id)
    return web.json_response(
        {
            "user_id": str(user_id),
            "login": row["login"],
            "display_name": row["display_name"],
            "email": row["email"],
            "role": principal.role.value,
            "totp_enabled": row["totp_enabled_at"] is not None,
            "totp_required_for_bank_changes": principal.role is Role.ADMIN,
            "recovery_codes_remaining": remaining_codes,
            "password_changed_at": row["password_changed_at"].isoformat() if row["password_changed_at"] else None,
        }
    )


async def post_password(request: web.Request) -> web.Response:
    principal = principal_of(request)
    user_id = user_id_of(principal)
    body = await json_body(request)
    current = required_text(body, "current_password", max_length=MAX_PASSWORD_LENGTH)
    new = required_new_password(body, "new_password")
    totp_code = optional_text(body, "totp_code", max_length=32)

    await reauthenticate(
        request.app[POOL], request.app.get(CIPHER), principal, password=current, totp_code=totp_code, require_second_factor=False
    )
    with reported_as_invalid_fields():
        revoked = await credentials.change_password(
            request.app[POOL],
            request.app[ACCOUNTS_SETTINGS],
            request.app.get(CIPHER),
            user_id,
            new,
            keep_session_token=request.headers.get(SESSION_HEADER),
        )
    return web.json_response({"other_sessions_closed": revoked})


async def post_password_check(request: web.Request) -> web.Response:
    """List every problem of a password change without making it: the current password and the new one's rules.

    The portal calls it when the confirmation typed differs from the new
    password, so that the page lists all the errors at once. The current
    password's check counts as an attempt, as a change does. The second
    factor is not checked, because checking a code would spend it.
    """
    principal = principal_of(request)
    body = await json_body(request)
    current = required_text(body, "current_password", max_length=MAX_PASSWORD_LENGTH)
    new = required_new_password(body, "new_password")
    problems = [
        {"field": "new_password", "code": problem.code, "message": problem.message}
        for problem in await credentials.new_password_problems(request.app[POOL], user_id_of(principal), new)
    ]
    try:
        await reauthenticate(
            request.app[POOL], request.app.get(CIPHER), principal, password=current, totp_code=None,
            require_second_factor=False, check_second_factor=False,
        )
    except ReauthenticationFailed as failed:
        problems.insert(0, {"field": "current_password", "code": failed.code, "message": failed.message})
    return web.json_response({"problems": problems})


async def post_revoke_other_sessions(request: web.Request) -> web.Response:
    user_id = user_id_of(principal_of(request))
    keep = request.headers.get(SESSION_HEADER)
    async with request.app[POOL].acquire() as connection:
        revoked = await revoke_user_sessions(connection, user_id, reason="logout_others", keep_token=keep)
    return web.json_response({"other_sessions_closed": revoked})


async def post_totp_enrolment(request: web.Request) -> web.Response:
    """Start a TOTP enrolment after checking the current password.

    The password check stops someone who holds only a session, such as a
    borrowed one, from enrolling their own app and locking the owner out.
    """
    principal = principal_of(request)
    user_id = user_id_of(principal)
    cipher = cipher_or_unavailable(request.app.get(CIPHER))
    body = await json_body(request)
    password = required_text(body, "password", max_length=MAX_PASSWORD_LENGTH)

    async with request.app[POOL].acquire() as connection:
        if await totp.is_enabled(connection, user_id):
            raise totp.SecondFactorAlreadyEnabled()
    await reauthenticate(
        request.app[POOL], cipher, principal, password=password, totp_code=None, require_second_factor=False
    )
    async with request.app[POOL].acquire() as connection, connection.transaction():
        login = await connection.fetchval("SELECT login FROM users WHERE id = $1", user_id)
        enrolment = await totp.start_enrolment(connection, cipher, user_id, login)
    return web.json_response(enrolment, status=201)


async def post_totp_confirmation(request: web.Request) -> web.Response:
    user_id = user_id_of(principal_of(request))
    cipher = cipher_or_unavailable(request.app.get(CIPHER))
    body = await json_body(request)
    code = required_text(body, "code", max_length=32)

    async with request.app[POOL].acquire() as connection, connection.transaction():
        codes = await totp.confirm_enrolment(connection, cipher, user_id, code)
    return web.json_response({"recovery_codes": codes})


async def delete_totp(request: web.Request) -> web.Response:
    principal = principal_of(request)
    user_id = user_id_of(principal)
    body = await json_body(request)
    password = required_text(body, "password", max_length=MAX_PASSWORD_LENGTH)
    code = required_text(body, "totp_code", max_length=32)

    await reauthenticate(
        request.app[POOL], request.app.get(CIPHER), principal, password=password, totp_code=code, require_second_factor=False
    )
    async with request.app[POOL].acquire() as connection, connection.transaction():
        await totp.disable(connection, user_id)
    return web.Response(status=204)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/me", get_me)
    app.router.add_post("/me/password", post_password)
    app.router.add_post("/me/password/check", post_password_check)
    app.router.add_post("/me/sessions/revoke-others", post_revoke_other_sessions)
    app.router.add_post("/me/totp/enrolment", post_totp_enrolment)
    app.router.add_post("/me/totp/confirmation", post_totp_confirmation)
    app.router.add_delete("/me/totp", delete_totp)
