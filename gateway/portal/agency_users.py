"""Utilisateurs: an administrateur lists the agency's users, invites people, changes roles and disables users.

The menu shows the page to administrateurs only, and the accounts service
responds with 403 to any other role, which the error page shows. Each action posts
a small form and redirects back with a confirmation (post/redirect/get).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from aiohttp import web
from multidict import MultiDictProxy

from gateway.accounts_portal import accounts_portal
from gateway.portal.display import AGENCY_ROLE_CHOICES
from gateway.portal.forms import (
    FORM_EXPIRED_MESSAGE,
    ExpiredForm,
    FieldErrors,
    field_errors_of,
    form_text,
    read_session_form,
)
from gateway.portal.layout import USERS, PortalFrame, load_frame, render_page
from gateway.portal.security import forget_cached_sessions
from shared.errors import Conflict, NotFound, Unprocessable
from shared.typography import format_count

INVITATIONS_PATH = f"{USERS.path}/invitations"
NOTICE_PARAMETER = "fait"
# How many invitations the accounts service revoked, carried by the redirect after a
# role change or a deactivation.
REVOKED_INVITATIONS_PARAMETER = "invitations-annulees"
NOTICES = {
    "invitation": "L’invitation a été envoyée par e-mail. Le lien est valable 72 heures.",
    "revocation": "L’invitation a été annulée : son lien ne fonctionne plus.",
    "role": "Le rôle a été modifié. Il s’applique à la prochaine page ouverte par cet utilisateur.",
    "desactivation": (
        "L’utilisateur a été désactivé\u00a0: ses sessions ont été fermées et ses liens de changement"
        " de mot de passe ne sont plus valables."
    ),
    "reactivation": "L’utilisateur a été réactivé : il peut de nouveau se connecter avec son mot de passe.",
}
# The start of the sentence added to these notices when the action revoked invitations.
REVOKED_INVITATIONS_REASONS = {
    "role": "Son nouveau rôle ne lui permettant plus d’inviter,",
    "desactivation": "Par ailleurs,",
}
# An agency has far fewer invitations than this, so a longer value in the query is not a count.
MAX_COUNT_DIGITS = 6
AGENCY_ROLES = frozenset(role for role, _label in AGENCY_ROLE_CHOICES)
ROLE_REQUIRED = "Choisissez un rôle : administrateur, comptable ou lecteur."
EMAIL_REQUIRED = "Saisissez l’adresse e-mail de la personne à inviter."


def describe_revoked_invitations(count: int) -> str:
    """Return the clause that reports ``count`` (at least 1) revoked invitations of the user."""
    if count == 1:
        return "1\u00a0invitation en attente de sa part a été annulée\u00a0: son lien ne fonctionne plus."
    return (
        f"{format_count(count)}\u00a0invitations en attente de sa part ont été annulées\u00a0:"
        " leurs liens ne fonctionnent plus."
    )


def revoked_count_of(text: str) -> int:
    """Return the count of revoked invitations from the query, or 0 when it is missing or not a count."""
    if not text.isascii() or not text.isdigit() or len(text) > MAX_COUNT_DIGITS:
        return 0
    return int(text)


def notice_text(request: web.Request) -> str | None:
    """Return the confirmation notice that the redirect's query names, or None for an unknown one."""
    key = request.query.get(NOTICE_PARAMETER, "")
    notice = NOTICES.get(key)
    reason = REVOKED_INVITATIONS_REASONS.get(key)
    count = revoked_count_of(request.query.get(REVOKED_INVITATIONS_PARAMETER, ""))
    if notice is None or reason is None or count == 0:
        return notice
    return f"{notice} {reason} {describe_revoked_invitations(count)}"


def user_path(user_id: str, action: str) -> str:
    return f"{USERS.path}/{quote(user_id, safe='')}/{action}"


def invitation_path(invitation_id: str) -> str:
    return f"{INVITATIONS_PATH}/{quote(invitation_id, safe='')}/revocation"


async def render_users(
    request: web.Request,
    frame: PortalFrame,
    *,
    invite_values: dict[str, str] | None = None,
    errors: FieldErrors | None = None,
    alert: str | None = None,
    status: int = 200,
) -> web.Response:
    listing = await accounts_portal(request).agency_users(frame.session.info)
    context: dict[str, Any] = {
        "users": listing.get("users") or [],
        "invitations": listing.get("invitations") or [],
        "current_user_id": frame.session.info.user_id,
        "role_choices": AGENCY_ROLE_CHOICES,
        "invite_values": invite_values or {"role": "lecteur"},
        "errors": errors or {},
        "alert": alert,
        "notice": notice_text(request) if status == 200 else None,
        "invite_action": INVITATIONS_PATH,
        "user_path": user_path,
        "invitation_path": invitation_path,
    }
    return render_page(request, "agency_users.html", frame, context, status=status)


def done(notice: str, *, revoked_invitations: int = 0) -> web.HTTPSeeOther:
    location = f"{USERS.path}?{NOTICE_PARAMETER}={notice}"
    if revoked_invitations:
        location += f"&{REVOKED_INVITATIONS_PARAMETER}={revoked_invitations}"
    return web.HTTPSeeOther(location)


async def users_page(request: web.Request) -> web.Response:
    frame = await load_frame(request, USERS)
    return await render_users(request, frame)


async def invite(request: web.Request) -> web.Response:
    """Invite a user to the agency, or show the form again with its errors.

    A form from before a new login sends no invitation, and comes back with the typed values.
    """
    try:
        active, form = await read_session_form(request)
    except ExpiredForm as expired:
        frame = await load_frame(request, USERS)
        values = invitation_values(expired.form)
        return await render_users(
            request, frame, invite_values=values, alert=FORM_EXPIRED_MESSAGE, status=expired.status
        )
    frame = await load_frame(request, USERS)
    values = invitation_values(form)
    errors: FieldErrors = {}
    if not values["email"]:
        errors["email"] = EMAIL_REQUIRED
    if values["role"] not in AGENCY_ROLES:
        errors["role"] = ROLE_REQUIRED
    if errors:
        return await render_users(request, frame, invite_values=values, errors=errors, status=422)
    try:
        await accounts_portal(request).invite_user(active.info, values)
    except Unprocessable as rejected:
        errors = field_errors_of(rejected) or {"email": rejected.message}
        return await render_users(request, frame, invite_values=values, errors=errors, status=422)
    except Conflict as duplicate:
        # The address is already an active user's or has an invitation waiting.
        return await render_users(
            request, frame, invite_values=values, errors={"email": duplicate.message}, status=duplicate.status
        )
    raise done("invitation")


def invitation_values(form: MultiDictProxy[Any]) -> dict[str, str]:
    return {
        "email": form_text(form, "email"),
        "display_name": form_text(form, "display_name"),
        "role": form_text(form, "role"),
    }


async def revoke_invitation(request: web.Request) -> web.Response:
    active, _form = await read_session_form(request)
    try:
        await accounts_portal(request).revoke_invitation(active.info, request.match_info["invitation_id"])
    except NotFound as missing:
        frame = await load_frame(request, USERS)
        return await render_users(request, frame, alert=missing.message, status=404)
    raise done("revocation")


async def change_role(request: web.Request) -> web.Response:
    active, form = await read_session_form(request)
    role = form_text(form, "role")
    if role not in AGENCY_ROLES:
        frame = await load_frame(request, USERS)
        return await render_users(request, frame, alert=ROLE_REQUIRED, status=422)
    try:
        revoked = await accounts_portal(request).change_role(active.info, request.match_info["user_id"], role)
    except (Conflict, NotFound) as refused:
        # 409 protects the last active administrateur, and 404 means the user is not in the agency.
        frame = await load_frame(request, USERS)
        return await render_users(request, frame, alert=refused.message, status=refused.status)
    # A cached session still carries the old role, so this gateway drops the user's cached sessions.
    forget_cached_sessions(request, request.match_info["user_id"])
    raise done("role", revoked_invitations=revoked)


async def disable_user(request: web.Request) -> web.Response:
    active, _form = await read_session_form(request)
    try:
        revoked = await accounts_portal(request).disable_user(active.info, request.match_info["user_id"])
    except (Conflict, NotFound) as refused:
        # The service rejects disabling oneself or the last active administrateur.
        frame = await load_frame(request, USERS)
        return await render_users(request, frame, alert=refused.message, status=refused.status)
    forget_cached_sessions(request, request.match_info["user_id"])
    raise done("desactivation", revoked_invitations=revoked)


async def enable_user(request: web.Request) -> web.Response:
    active, _form = await read_session_form(request)
    try:
        await accounts_portal(request).enable_user(active.info, request.match_info["user_id"])
    except NotFound as refused:
        frame = await load_frame(request, USERS)
        return await render_users(request, frame, alert=refused.message, status=refused.status)
    raise done("reactivation")


def setup_routes(app: web.Application) -> None:
    app.router.add_get(USERS.path, users_page, name="agency_users")
    app.router.add_post(INVITATIONS_PATH, invite)
    app.router.add_post(f"{INVITATIONS_PATH}/{{invitation_id}}/revocation", revoke_invitation)
    app.router.add_post(f"{USERS.path}/{{user_id}}/role", change_role)
    app.router.add_post(f"{USERS.path}/{{user_id}}/desactivation", disable_user)
    app.router.add_post(f"{USERS.path}/{{user_id}}/reactivation", enable_user)
