"""Connexion and déconnexion pages."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from gateway.authentication import log_in, log_out, start_session
from gateway.csrf import (
    CSRF_FIELD,
    check_login_csrf_token,
    check_session_csrf_token,
    current_or_new_login_nonce,
    login_csrf_token,
)
from gateway.errors import CsrfRejected, InvalidCredentials, LoginThrottled, SecondFactorInvalid, SecondFactorRequired
from gateway.portal.forms import read_form
from gateway.portal.layout import BANK_CHANGE_REVIEWS
from gateway.portal.navigation import (
    DEFAULT_PATH,
    SESSION_EXPIRED_ON_FORM,
    SESSION_EXPIRED_ON_PAGE,
    SESSION_EXPIRED_PARAMETER,
    local_path,
)
from gateway.sessions import COOKIE_NAMES, delete_cookie, optional_session, set_cookie
from shared.principal import Role

LOGGED_OUT_MESSAGE = "Vous êtes déconnecté."
SESSION_EXPIRED_MESSAGES = {
    SESSION_EXPIRED_ON_PAGE: "Votre session a expiré. Reconnectez-vous pour revenir à la page demandée.",
    SESSION_EXPIRED_ON_FORM: (
        "Votre session a expiré avant l’envoi du formulaire, qui n’a donc pas été pris en compte. "
        "Reconnectez-vous, puis recommencez."
    ),
}
EXPIRED_FORM_MESSAGE = "Le formulaire a expiré. Saisissez à nouveau vos identifiants."
# The page comes back with an empty password field after a right password without a code or
# with a wrong code, so these messages, unlike the API's, ask for the password again.
TOTP_REQUIRED_MESSAGE = (
    "Saisissez de nouveau votre mot de passe, et le code à 6\u00a0chiffres de votre application "
    "d’authentification ou un code de secours."
)
TOTP_INVALID_MESSAGE = (
    "Le code de vérification est incorrect ou a déjà servi. Saisissez de nouveau votre mot de passe, "
    "et le nouveau code affiché par votre application ou un code de secours."
)


def render_login(
    request: web.Request,
    *,
    error: str | None = None,
    notice: str | None = None,
    login: str = "",
    totp_required: bool = False,
    next_path: str | None = None,
    status: int = 200,
) -> web.Response:
    """Render the login form with a fresh login CSRF nonce in its cookie.

    ``totp_required`` adds the TOTP code field, for a user enrolled in TOTP. ``next_path`` is the
    page to open after login, by default the ``suite`` query parameter of the login page.
    """
    if next_path is None:
        next_path = local_path(request.query.get("suite"))
    nonce = current_or_new_login_nonce(request.cookies.get(request.app[COOKIE_NAMES].login_csrf))
    response = aiohttp_jinja2.render_template(
        "login.html",
        request,
        {
            "error": error,
            "notice": notice,
            "login": login,
            "totp_required": totp_required,
            "next_path": next_path,
            "csrf_field": CSRF_FIELD,
            "csrf_token": login_csrf_token(request.app, nonce),
        },
        status=status,
    )
    set_cookie(response, request.app, request.app[COOKIE_NAMES].login_csrf, nonce)
    return response


async def login_page(request: web.Request) -> web.Response:
    if await optional_session(request) is not None:
        raise web.HTTPFound(local_path(request.query.get("suite")))
    notice = SESSION_EXPIRED_MESSAGES.get(request.query.get(SESSION_EXPIRED_PARAMETER, ""))
    if request.query.get("deconnexion") == "1":
        notice = LOGGED_OUT_MESSAGE
    return render_login(request, notice=notice)


async def login_submit(request: web.Request) -> web.Response:
    form = await read_form(request)
    login = form.get("login")
    password = form.get("password")
    login = login if isinstance(login, str) else ""
    password = password if isinstance(password, str) else ""
    totp_code = form.get("totp_code")
    totp_code = totp_code.strip() if isinstance(totp_code, str) else ""
    names = request.app[COOKIE_NAMES]
    # The form posts to /connexion without a query, so a form shown again keeps its own return path.
    target = local_path(form.get("suite"))

    try:
        check_login_csrf_token(request.app, request.cookies.get(names.login_csrf), form.get(CSRF_FIELD))
    except CsrfRejected:
        return render_login(request, error=EXPIRED_FORM_MESSAGE, login=login, next_path=target, status=403)
    try:
        result = await log_in(request, login, password, totp_code=totp_code or None)
    except (SecondFactorRequired, SecondFactorInvalid) as error:
        # The gateway keeps no state between the two steps and never sends the password back
        # in the page, so the user types the password again with the code.
        message = TOTP_REQUIRED_MESSAGE if isinstance(error, SecondFactorRequired) else TOTP_INVALID_MESSAGE
        return render_login(request, error=message, login=login, totp_required=True, next_path=target, status=error.status)
    except InvalidCredentials as error:
        return render_login(request, error=error.message, login=login, next_path=target, status=error.status)
    except LoginThrottled as error:
        return render_login(request, error=error.message, login=login, next_path=target, status=error.status)

    if result.session.role is Role.STAFF and target == DEFAULT_PATH:
        # Staff hold no customer account, so their first page is the back-office.
        target = BANK_CHANGE_REVIEWS.path
    redirect = web.HTTPFound(target)
    start_session(redirect, request.app, result)
    delete_cookie(redirect, request.app, names.login_csrf)
    raise redirect


async def logout_submit(request: web.Request) -> web.Response:
    active = await optional_session(request)
    form = await read_form(request)
    if active is not None:
        check_session_csrf_token(request.app, active.info.session_id, form.get(CSRF_FIELD))
    redirect = web.HTTPFound("/connexion?deconnexion=1")
    await log_out(request, redirect)
    raise redirect


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/connexion", login_page, name="login")
    app.router.add_post("/connexion", login_submit)
    app.router.add_post("/deconnexion", logout_submit, name="logout")
