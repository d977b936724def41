"""« Mot de passe perdu ? »: the reset request form and the e-mailed link ``/mot-de-passe/{token}``.

The request form shows the same response whether or not the identifier or
e-mail exists, so it reveals no account. The link is valid for one hour and
works once (the accounts service enforces both). Setting the new password
ends every session of the user.
"""

from __future__ import annotations

from typing import Any

import structlog
from aiohttp import web
from multidict import MultiDictProxy

from gateway.accounts_portal import LinkExpired, accounts_portal
from gateway.errors import CsrfRejected
from gateway.portal.forms import (
    FieldErrors,
    check_visitor_form,
    field_errors_of,
    form_text,
    read_form,
    read_visitor_form,
    render_visitor_page,
)
from gateway.sessions import SESSION_RESOLVER, clear_session_cookies
from shared.errors import Unprocessable

log = structlog.get_logger(__name__)

FORGOTTEN_PATH = "/mot-de-passe-perdu"
MAX_IDENTIFIER_LENGTH = 254
NEUTRAL_ANSWER = (
    "Si un compte correspond à cet identifiant ou à cette adresse e-mail, un lien pour choisir un nouveau "
    "mot de passe vient de lui être envoyé par e-mail. Ce lien est valable une heure."
)
IDENTIFIER_REQUIRED = "Saisissez votre identifiant ou votre adresse e-mail."
EXPIRED_FORM_MESSAGE = "Le formulaire a expiré. Saisissez à nouveau vos informations."
CONFIRMATION_MISMATCH = "Les deux mots de passe saisis sont différents : saisissez deux fois le même."
PASSWORD_REQUIRED = "Saisissez un nouveau mot de passe."


def render_forgotten(
    request: web.Request, *, identifier: str = "", error: str | None = None, status: int = 200
) -> web.Response:
    context = {"identifier": identifier, "error": error, "done": None}
    return render_visitor_page(request, "password_forgotten.html", context, status=status)


def typed_identifier(form: MultiDictProxy[Any]) -> str:
    """Return the posted identifier, or "" when it is missing or longer than the field's maxlength."""
    value = form.get("identifier")
    if not isinstance(value, str) or len(value) > MAX_IDENTIFIER_LENGTH:
        return ""
    return value.strip()


async def forgotten_page(request: web.Request) -> web.Response:
    return render_forgotten(request)


async def forgotten_submit(request: web.Request) -> web.Response:
    """Request a reset e-mail from accounts and show the same confirmation whatever the identifier."""
    form = await read_form(request)
    try:
        check_visitor_form(request, form)
    except CsrfRejected:
        # As the login page keeps the login, the page keeps the identifier, so that sending again takes one click.
        return render_forgotten(request, identifier=typed_identifier(form), error=EXPIRED_FORM_MESSAGE, status=403)
    identifier = form_text(form, "identifier")
    if not identifier:
        return render_forgotten(request, error=IDENTIFIER_REQUIRED, status=422)
    if len(identifier) <= MAX_IDENTIFIER_LENGTH:
        # A longer value cannot be a login or an address, and accounts would reject it.
        await accounts_portal(request).request_password_reset(identifier)
    context = {"identifier": "", "error": None, "done": NEUTRAL_ANSWER}
    return render_visitor_page(request, "password_forgotten.html", context)


def render_link_expired(request: web.Request, error: LinkExpired) -> web.Response:
    return render_visitor_page(
        request, "link_expired.html", {"message": error.message, "purpose": "reset"}, status=error.status
    )


def render_reset(
    request: web.Request,
    link: dict[str, Any],
    *,
    errors: FieldErrors | None = None,
    error: str | None = None,
    status: int = 200,
) -> web.Response:
    context = {"login": link.get("login", ""), "errors": errors or {}, "error": error, "action": request.path}
    return render_visitor_page(request, "password_reset.html", context, status=status)


async def reset_page(request: web.Request) -> web.Response:
    try:
        link = await accounts_portal(request).describe_password_reset(request.match_info["token"])
    except LinkExpired as expired:
        return render_link_expired(request, expired)
    return render_reset(request, link)


async def reset_submit(request: web.Request) -> web.Response:
    """Set the new password, then show the confirmation and clear any session cookie of this browser."""
    client = accounts_portal(request)
    token = request.match_info["token"]
    try:
        link = await client.describe_password_reset(token)
    except LinkExpired as expired:
        return render_link_expired(request, expired)
    try:
        form = await read_visitor_form(request)
    except CsrfRejected:
        return render_reset(request, link, error=EXPIRED_FORM_MESSAGE, status=403)

    password = form_text(form, "password", strip=False)
    confirmation = form_text(form, "password_confirmation", strip=False)
    if not password:
        return render_reset(request, link, errors={"password": PASSWORD_REQUIRED}, status=422)
    if password != confirmation:
        return render_reset(request, link, errors={"password_confirmation": CONFIRMATION_MISMATCH}, status=422)
    try:
        await client.complete_password_reset(token, password)
    except LinkExpired as expired:
        return render_link_expired(request, expired)
    except Unprocessable as rejected:
        errors = field_errors_of(rejected) or {"password": rejected.message}
        return render_reset(request, link, errors=errors, status=422)

    response = render_visitor_page(request, "password_reset_done.html", {"login": link.get("login", "")})
    # Accounts has ended every session of the user, this browser's included,
    # and this replica stops accepting them at once.
    if link.get("login"):
        dropped = request.app[SESSION_RESOLVER].forget_login(link["login"])
        log.info("cached_sessions_dropped", reason="password_reset", count=dropped)
    clear_session_cookies(response, request.app)
    return response


def setup_routes(app: web.Application) -> None:
    app.router.add_get(FORGOTTEN_PATH, forgotten_page, name="password_forgotten")
    app.router.add_post(FORGOTTEN_PATH, forgotten_submit)
    app.router.add_get("/mot-de-passe/{token}", reset_page, name="password_reset")
    app.router.add_post("/mot-de-passe/{token}", reset_submit)
