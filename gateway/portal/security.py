"""Sécurité: the user's password, other sessions and TOTP second factor.

Changing the password keeps the current session and ends the user's other
sessions (the accounts service does both), and this replica then drops the
user's cached sessions. TOTP enrolment shows a QR code
rendered here as inline SVG with segno, plus the secret as text, and a form
for a code from the app. Starting the enrolment needs the current password,
checked by the accounts service, so that a borrowed session cannot lock the
owner out. Confirming the code shows the recovery codes once, in the
response itself and never in a URL. Disabling TOTP needs the password and a
current code.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pyotp
import segno
import structlog
from aiohttp import web
from markupsafe import Markup

from gateway.accounts_portal import TooManyAttempts, accounts_portal
from gateway.errors import ServiceUnavailable
from gateway.format import format_wait
from gateway.portal.forms import ExpiredForm, FieldErrors, field_errors_of, form_text, read_session_form
from gateway.portal.layout import SECURITY, PortalFrame, load_frame, render_page
from gateway.portal.password_reset import CONFIRMATION_MISMATCH
from gateway.sessions import SESSION_RESOLVER
from gateway.settings import SETTINGS
from shared.errors import Conflict, Unprocessable

log = structlog.get_logger(__name__)

PASSWORD_PATH = "/securite/mot-de-passe"
SESSIONS_PATH = "/securite/sessions"
TOTP_PATH = "/securite/double-authentification"
TOTP_CONFIRMATION_PATH = f"{TOTP_PATH}/confirmation"
TOTP_DISABLE_PATH = f"{TOTP_PATH}/desactivation"
OTPAUTH_PREFIX = "otpauth://totp/"
# The accounts service makes each enrolment's URI with pyotp, from a secret of
# pyotp.random_base32() (32 base32 characters) and this issuer (services/accounts/totp.py).
TOTP_ISSUER = "Mes Factures"
ENROLMENT_SECRET = re.compile(r"[A-Z2-7]{32}")
SECRET_GROUP_LENGTH = 4
# The service names the current password ``password`` when re-authentication fails.
REAUTHENTICATION_FIELDS = {"password": "current_password", "totp_code": "totp_code"}
NOTICES = {
    "mot-de-passe": "Votre mot de passe a été modifié. Vos autres sessions ouvertes ont été fermées : "
    "reconnectez-vous sur vos autres appareils avec le nouveau mot de passe.",
    "sessions": "Vos autres sessions ont été fermées. Cette session reste ouverte.",
    "totp-active": "La double authentification est déjà activée.",
    "totp-desactivee": "La double authentification est désactivée.",
}
NOTICE_PARAMETER = "fait"
# Notices of actions that end sessions, which get the describe_closing_delay sentence.
SESSION_CLOSING_NOTICES = frozenset({"mot-de-passe", "sessions"})
# The Sécurité forms contain only passwords and codes, which a page never shows again,
# so a form from before a new login comes back empty with one of these messages.
EXPIRED_FORM_WITH_SECRETS = (
    "Le formulaire a expiré, par exemple après une nouvelle connexion dans un autre onglet, "
    "et n’a donc pas été pris en compte. Les mots de passe et codes saisis ne sont jamais réaffichés : "
    "saisissez-les de nouveau, puis envoyez le formulaire."
)
EXPIRED_SESSIONS_FORM = (
    "Le formulaire a expiré, par exemple après une nouvelle connexion dans un autre onglet, "
    "et n’a donc pas été pris en compte : vos autres sessions restent ouvertes. "
    "Cliquez de nouveau sur « Fermer les autres sessions » pour les fermer."
)
REQUIRED_MESSAGES = {
    "current_password": "Saisissez votre mot de passe actuel.",
    "new_password": "Saisissez un nouveau mot de passe.",
    "totp_code": "Saisissez le code à 6\u00a0chiffres de votre application, ou un code de secours.",
    "code": "Saisissez le code à 6\u00a0chiffres affiché par votre application.",
}


def describe_closing_delay(cache_seconds: float) -> str:
    """Return the notices' sentence on how long other gateway replicas may still accept an ended session.

    This replica drops the user's cached sessions at once. Another replica
    keeps a resolved session for its own ``session_cache_seconds``.
    """
    # NOTE: this assumes that every replica has the same session_cache_seconds. A replica set
    # otherwise keeps an ended session for its own value, which the settings cap at 5 s.
    if cache_seconds <= 0:
        return ""
    return f" Sur vos autres appareils, la fermeture peut prendre jusqu’à {format_wait(cache_seconds)}."


def notice_text(request: web.Request, key: str) -> str | None:
    """Return the confirmation notice named by ``key`` in the query, or None for an unknown key."""
    notice = NOTICES.get(key)
    if notice is None or key not in SESSION_CLOSING_NOTICES:
        return notice
    return notice + describe_closing_delay(request.app[SETTINGS].session_cache_seconds)


def qr_code_svg(otpauth_uri: str) -> Markup:
    """Render the ``otpauth://`` URI as an inline SVG QR code (segno, error correction level M)."""
    return Markup(segno.make(otpauth_uri, error="m").svg_inline(scale=5, border=2))


def grouped_secret(secret: str) -> str:
    """Return the base32 secret in groups of four characters, easier to type into an app."""
    compact = secret.replace(" ", "")
    groups = range(0, len(compact), SECRET_GROUP_LENGTH)
    return " ".join(compact[index : index + SECRET_GROUP_LENGTH] for index in groups)


def secret_of(otpauth_uri: str) -> str | None:
    """Return the ``secret`` parameter of a TOTP provisioning URI, or None when it is not one."""
    if not otpauth_uri.startswith(OTPAUTH_PREFIX):
        return None
    values = parse_qs(urlsplit(otpauth_uri).query).get("secret")
    return values[0] if values else None


def is_enrolment_uri(otpauth_uri: str, login: str) -> bool:
    """Return whether ``otpauth_uri`` has the form of the URI that the accounts service makes for ``login``.

    The URI comes back in a hidden field of the confirmation form, and the
    page draws it again as a QR code. A forged or altered URI, such as one
    too long for a QR code or one for another user or app, must not reach it.
    """
    secret = secret_of(otpauth_uri)
    if secret is None or not ENROLMENT_SECRET.fullmatch(secret):
        return False
    return otpauth_uri == pyotp.TOTP(secret).provisioning_uri(name=login, issuer_name=TOTP_ISSUER)


def reauthentication_errors(rejected: Unprocessable, *, new_password_field: str | None) -> FieldErrors:
    """Map a 422 of a password-protected route to the page's field names.

    A failed re-authentication names ``password`` (the current one) or
    ``totp_code``. A policy rejection of a new password names ``password``
    too, which then means ``new_password_field``.
    """
    errors = field_errors_of(rejected)
    if rejected.code == "reauthentication_failed":
        return {REAUTHENTICATION_FIELDS.get(name, name): message for name, message in errors.items()}
    if new_password_field and "password" in errors:
        errors[new_password_field] = errors.pop("password")
    return errors or {"current_password": rejected.message}


async def render_security(
    request: web.Request,
    frame: PortalFrame,
    *,
    errors: FieldErrors | None = None,
    alert: str | None = None,
    status: int = 200,
) -> web.Response:
    me = await accounts_portal(request).me(frame.session.info)
    notice_key = request.query.get(NOTICE_PARAMETER, "")
    context: dict[str, Any] = {
        "me": me,
        "errors": errors or {},
        "alert": alert,
        "notice": notice_text(request, notice_key) if status == 200 else None,
        "password_action": PASSWORD_PATH,
        "sessions_action": SESSIONS_PATH,
        "totp_action": TOTP_PATH,
        "totp_disable_action": TOTP_DISABLE_PATH,
    }
    return render_page(request, "security.html", frame, context, status=status)


async def security_page(request: web.Request) -> web.Response:
    frame = await load_frame(request, SECURITY)
    return await render_security(request, frame)


async def render_expired_form(request: web.Request, expired: ExpiredForm, message: str) -> web.Response:
    """Show the Sécurité page again with ``message`` and a fresh token, after a form from before a new login."""
    frame = await load_frame(request, SECURITY)
    return await render_security(request, frame, alert=message, status=expired.status)


def missing_fields(values: dict[str, str]) -> FieldErrors:
    return {name: REQUIRED_MESSAGES[name] for name, value in values.items() if not value}


async def change_password(request: web.Request) -> web.Response:
    """Change the password after checking the current one, then redirect with the confirmation."""
    try:
        active, form = await read_session_form(request)
    except ExpiredForm as expired:
        return await render_expired_form(request, expired, EXPIRED_FORM_WITH_SECRETS)
    frame = await load_frame(request, SECURITY)
    values = {
        "current_password": form_text(form, "current_password", strip=False),
        "new_password": form_text(form, "new_password", strip=False),
    }
    errors = missing_fields(values)
    body = {**values, "totp_code": form_text(form, "totp_code") or None}
    if not errors and values["new_password"] != form_text(form, "new_password_confirmation", strip=False):
        # The change is not made, but accounts still reports what else is wrong, so
        # that the page lists every error at once, as the invitation page does.
        try:
            problems = await accounts_portal(request).password_change_problems(active, body)
        except TooManyAttempts as throttled:
            return await render_security(request, frame, alert=throttled.message, status=throttled.status)
        errors = {**problems, "new_password_confirmation": CONFIRMATION_MISMATCH}
    if errors:
        return await render_security(request, frame, errors=errors, status=422)

    try:
        await accounts_portal(request).change_password(active, body)
    except Unprocessable as rejected:
        errors = reauthentication_errors(rejected, new_password_field="new_password")
        return await render_security(request, frame, errors=errors, status=422)
    except TooManyAttempts as throttled:
        return await render_security(request, frame, alert=throttled.message, status=throttled.status)
    forget_cached_sessions(request, active.info.user_id)
    raise web.HTTPSeeOther(f"{SECURITY.path}?{NOTICE_PARAMETER}=mot-de-passe")


async def revoke_other_sessions(request: web.Request) -> web.Response:
    try:
        active, _form = await read_session_form(request)
    except ExpiredForm as expired:
        return await render_expired_form(request, expired, EXPIRED_SESSIONS_FORM)
    await accounts_portal(request).revoke_other_sessions(active)
    forget_cached_sessions(request, active.info.user_id)
    raise web.HTTPSeeOther(f"{SECURITY.path}?{NOTICE_PARAMETER}=sessions")


def forget_cached_sessions(request: web.Request, user_id: str) -> None:
    """Drop this replica's cached sessions of ``user_id``, so the ones accounts just ended stop working here at once."""
    dropped = request.app[SESSION_RESOLVER].forget_user(user_id)
    log.info("cached_sessions_dropped", user_id=user_id, count=dropped)


def render_enrolment(
    request: web.Request, frame: PortalFrame, otpauth_uri: str, *, error: str | None = None, status: int = 200
) -> web.Response:
    secret = secret_of(otpauth_uri) or ""
    context = {
        "qr_code": qr_code_svg(otpauth_uri),
        "otpauth_uri": otpauth_uri,
        "secret": grouped_secret(secret),
        "error": error,
        "confirmation_action": TOTP_CONFIRMATION_PATH,
    }
    return render_page(request, "totp_enrolment.html", frame, context, status=status)


async def start_totp_enrolment(request: web.Request) -> web.Response:
    """Check the current password, create a pending TOTP secret and show its QR code and confirmation form."""
    try:
        active, form = await read_session_form(request)
    except ExpiredForm as expired:
        return await render_expired_form(request, expired, EXPIRED_FORM_WITH_SECRETS)
    frame = await load_frame(request, SECURITY)
    password = form_text(form, "password", strip=False)
    if not password:
        errors = {"enrol_current_password": REQUIRED_MESSAGES["current_password"]}
        return await render_security(request, frame, errors=errors, status=422)
    try:
        enrolment = await accounts_portal(request).start_totp_enrolment(active.info, password)
    except Unprocessable as rejected:
        # The password is the form's only field, so every rejection shows under it.
        errors = {"enrol_current_password": rejected.message}
        return await render_security(request, frame, errors=errors, status=422)
    except TooManyAttempts as throttled:
        return await render_security(request, frame, alert=throttled.message, status=throttled.status)
    except Conflict:
        raise web.HTTPSeeOther(f"{SECURITY.path}?{NOTICE_PARAMETER}=totp-active") from None
    otpauth_uri = enrolment.get("otpauth_uri")
    if not isinstance(otpauth_uri, str) or secret_of(otpauth_uri) is None:
        log.error("totp_enrolment_invalid_response", user_id=active.info.user_id)
        raise ServiceUnavailable("accounts")
    return render_enrolment(request, frame, otpauth_uri)


async def confirm_totp(request: web.Request) -> web.Response:
    """Activate TOTP with a code from the app and show the recovery codes once."""
    try:
        active, form = await read_session_form(request)
    except ExpiredForm as expired:
        return await render_expired_confirmation(request, expired)
    frame = await load_frame(request, SECURITY)
    # The form carries the URI back so that a wrong code can show the same QR code again.
    otpauth_uri = form_text(form, "otpauth_uri")
    if not is_enrolment_uri(otpauth_uri, active.info.login):
        # NOTE: this checks the URI's form, not its secret, which only the accounts service stores.
        # A URI of the right form with another secret is still drawn, but accounts rejects its codes.
        log.info("totp_enrolment_uri_rejected", user_id=active.info.user_id, length=len(otpauth_uri))
        raise web.HTTPSeeOther(SECURITY.path)
    code = form_text(form, "code").replace(" ", "")
    if not code:
        return render_enrolment(request, frame, otpauth_uri, error=REQUIRED_MESSAGES["code"], status=422)
    try:
        recovery_codes = await accounts_portal(request).confirm_totp(active.info, code)
    except Unprocessable as rejected:
        return render_enrolment(request, frame, otpauth_uri, error=rejected.message, status=422)
    except Conflict:
        raise web.HTTPSeeOther(f"{SECURITY.path}?{NOTICE_PARAMETER}=totp-active") from None
    return render_page(request, "recovery_codes.html", frame, {"recovery_codes": recovery_codes})


async def render_expired_confirmation(request: web.Request, expired: ExpiredForm) -> web.Response:
    """Show the same QR code again after a confirmation form from before a new login, so that only the code is typed again.

    The pending secret stays in the accounts service until a code confirms it.
    A URI that is not an enrolment of this user gets the Sécurité page instead.
    """
    frame = await load_frame(request, SECURITY)
    otpauth_uri = form_text(expired.form, "otpauth_uri")
    if not is_enrolment_uri(otpauth_uri, frame.session.info.login):
        return await render_security(request, frame, alert=EXPIRED_FORM_WITH_SECRETS, status=expired.status)
    return render_enrolment(request, frame, otpauth_uri, error=EXPIRED_FORM_WITH_SECRETS, status=expired.status)


async def disable_totp(request: web.Request) -> web.Response:
    try:
        active, form = await read_session_form(request)
    except ExpiredForm as expired:
        return await render_expired_form(request, expired, EXPIRED_FORM_WITH_SECRETS)
    frame = await load_frame(request, SECURITY)
    values = {"current_password": form_text(form, "password", strip=False), "totp_code": form_text(form, "totp_code")}
    errors = missing_fields(values)
    if errors:
        return await render_security(request, frame, errors=_prefixed(errors, "disable_"), status=422)
    try:
        await accounts_portal(request).disable_totp(active.info, values["current_password"], values["totp_code"])
    except Unprocessable as rejected:
        errors = reauthentication_errors(rejected, new_password_field=None)
        return await render_security(request, frame, errors=_prefixed(errors, "disable_"), status=422)
    except TooManyAttempts as throttled:
        return await render_security(request, frame, alert=throttled.message, status=throttled.status)
    raise web.HTTPSeeOther(f"{SECURITY.path}?{NOTICE_PARAMETER}=totp-desactivee")


def _prefixed(errors: FieldErrors, prefix: str) -> FieldErrors:
    # The TOTP forms' error keys are prefixed, so their errors never show under the password change form.
    return {f"{prefix}{name}": message for name, message in errors.items()}


def setup_routes(app: web.Application) -> None:
    app.router.add_get(SECURITY.path, security_page, name="security")
    app.router.add_post(PASSWORD_PATH, change_password)
    app.router.add_post(SESSIONS_PATH, revoke_other_sessions)
    app.router.add_post(TOTP_PATH, start_totp_enrolment)
    app.router.add_post(TOTP_CONFIRMATION_PATH, confirm_totp)
    app.router.add_post(TOTP_DISABLE_PATH, disable_totp)
