"""The e-mailed invitation link ``/invitation/{token}``: choose a login and a password, then enter the portal.

An invitation is valid for 72 hours and works once (the accounts service
enforces both). Once the user exists, the gateway logs it in with the new
credentials. When that login fails (throttled, or a service error), the page
sends the user to the login form instead, because the account exists anyway.
"""

from __future__ import annotations

from typing import Any

import structlog
from aiohttp import web

from gateway.accounts_portal import LinkExpired, accounts_portal
from gateway.authentication import log_in, start_session
from gateway.errors import CsrfRejected, InvalidCredentials, LoginThrottled, ServiceUnavailable
from gateway.portal.display import ROLE_DESCRIPTIONS, role_label
from gateway.format import group_thousands
from gateway.portal.forms import (
    FieldErrors,
    check_visitor_form,
    field_errors_of,
    form_text,
    form_texts,
    read_form,
    render_visitor_page,
)
from gateway.portal.navigation import DEFAULT_PATH
from gateway.portal.password_reset import CONFIRMATION_MISMATCH, EXPIRED_FORM_MESSAGE, PASSWORD_REQUIRED
from shared.errors import Conflict, Unprocessable

log = structlog.get_logger(__name__)

LOGIN_REQUIRED = "Choisissez un identifiant : c’est le nom avec lequel vous vous connecterez."
# Maximum length of a new login at the accounts service, which checks the rest of the
# login rule (at least 3 characters, ASCII letters, digits and . - _ @).
MAX_NEW_LOGIN_LENGTH = 64
LOGIN_TOO_LONG = f"L’identifiant est trop long : {MAX_NEW_LOGIN_LENGTH} caractères au plus."
MAX_DISPLAY_NAME_LENGTH = 100
# The fields in the order of the form, which the error summary follows.
FORM_FIELDS = ("login", "display_name", "password", "password_confirmation")


def render_invitation(
    request: web.Request,
    invitation: dict[str, Any],
    *,
    values: dict[str, str] | None = None,
    errors: FieldErrors | None = None,
    error: str | None = None,
    status: int = 200,
) -> web.Response:
    role = invitation.get("role") or ""
    context = {
        "invitation": invitation,
        "role_label": role_label(role),
        "role_description": ROLE_DESCRIPTIONS.get(role, ""),
        "values": values
        or {"login": invitation.get("email") or "", "display_name": invitation.get("display_name") or ""},
        "errors": errors or {},
        "error": error,
        "action": request.path,
    }
    return render_visitor_page(request, "invitation.html", context, status=status)


def render_link_expired(request: web.Request, error: LinkExpired) -> web.Response:
    return render_visitor_page(
        request, "link_expired.html", {"message": error.message, "purpose": "invitation"}, status=error.status
    )


async def invitation_page(request: web.Request) -> web.Response:
    try:
        invitation = await accounts_portal(request).describe_invitation(request.match_info["token"])
    except LinkExpired as expired:
        return render_link_expired(request, expired)
    return render_invitation(request, invitation)


def check_choices(values: dict[str, str], password: str, confirmation: str) -> FieldErrors:
    """Return the errors the gateway can see before calling accounts: missing fields, lengths and a mismatched confirmation."""
    errors: FieldErrors = {}
    if not values["login"]:
        errors["login"] = LOGIN_REQUIRED
    elif len(values["login"]) > MAX_NEW_LOGIN_LENGTH:
        errors["login"] = LOGIN_TOO_LONG
    if len(values["display_name"]) > MAX_DISPLAY_NAME_LENGTH:
        errors["display_name"] = (
            f"Le nom affiché dépasse {MAX_DISPLAY_NAME_LENGTH} caractères ({group_thousands(str(len(values['display_name'])))} saisis)\u00a0: "
            "raccourcissez-le."
        )
    if not password:
        errors["password"] = PASSWORD_REQUIRED
    elif password != confirmation:
        errors["password_confirmation"] = CONFIRMATION_MISMATCH
    return errors


def in_form_order(errors: FieldErrors) -> FieldErrors:
    """Return ``errors`` in the order of the form's fields, with any other field last."""

    def position(field: str) -> int:
        return FORM_FIELDS.index(field) if field in FORM_FIELDS else len(FORM_FIELDS)

    return {field: errors[field] for field in sorted(errors, key=position)}


async def invitation_submit(request: web.Request) -> web.Response:
    """Create the invited user, log it in and open the portal."""
    client = accounts_portal(request)
    token = request.match_info["token"]
    try:
        invitation = await client.describe_invitation(token)
    except LinkExpired as expired:
        return render_link_expired(request, expired)
    form = await read_form(request)
    try:
        check_visitor_form(request, form)
    except CsrfRejected:
        # The page keeps the login and the name, so only the passwords are typed again.
        typed, _too_long = form_texts(form, ("login", "display_name"))
        return render_invitation(request, invitation, values=typed, error=EXPIRED_FORM_MESSAGE, status=403)

    values = {
        "login": form_text(form, "login"),
        "display_name": form_text(form, "display_name"),
    }
    password = form_text(form, "password", strip=False)
    confirmation = form_text(form, "password_confirmation", strip=False)
    errors = check_choices(values, password, confirmation)
    # Accounts gets the form despite a mismatched confirmation, so that the page also lists its login and
    # password rule errors. It checks the confirmation too, so it creates no user then. An empty or too long
    # field would make the request itself invalid, so that form is not sent.
    if values["login"] and password and not errors.keys() & {"login", "display_name"}:
        try:
            await client.accept_invitation(
                token,
                {
                    "login": values["login"],
                    "password": password,
                    "password_confirmation": confirmation,
                    "display_name": values["display_name"],
                },
            )
        except LinkExpired as expired:
            return render_link_expired(request, expired)
        except Conflict as taken:
            # The login is taken, and the link stays usable for another choice.
            return render_invitation(request, invitation, values=values, errors={"login": taken.message}, status=409)
        except Unprocessable as rejected:
            # The gateway's message wins for a field that both reject, as on the other forms.
            errors = {**(field_errors_of(rejected) or {"password": rejected.message}), **errors}
    if errors:
        return render_invitation(request, invitation, values=values, errors=in_form_order(errors), status=422)

    try:
        result = await log_in(request, values["login"], password)
    except (InvalidCredentials, LoginThrottled, ServiceUnavailable) as error:
        log.warning("invitation_login_failed", error=error.code)
        return render_visitor_page(request, "invitation_done.html", {"login": values["login"]})
    redirect = web.HTTPSeeOther(DEFAULT_PATH)
    start_session(redirect, request.app, result)
    raise redirect


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/invitation/{token}", invitation_page, name="invitation")
    app.router.add_post("/invitation/{token}", invitation_submit)
