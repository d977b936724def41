"""Posted forms of the account screens: CSRF checks, text fields and field errors.

Forms of a logged-in user carry the session's CSRF token. Forms shown to
visitors without a session (lost password, reset and invitation links) use
the login form's signed double submit: a random nonce in a cookie and its
HMAC in the form.

A logged-in user's form whose token belongs to an earlier session, such as
a form opened before a new login in another tab, raises ExpiredForm. A
handler that catches it shows the same form again with the typed values
and FORM_EXPIRED_MESSAGE, and executes nothing.

Text fields are never cut. Browsers submit line breaks as CRLF, so a
field's line breaks become LF before any length check, which then counts
characters as the browser's ``maxlength`` did.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import aiohttp_jinja2
import structlog
from aiohttp import web
from multidict import MultiDictProxy
from yarl import URL

from gateway.csrf import (
    CSRF_FIELD,
    check_login_csrf_token,
    check_session_csrf_token,
    current_or_new_login_nonce,
    login_csrf_token,
)
from gateway.errors import CsrfRejected, RequestTooLarge, UnreadableForm, format_byte_size
from gateway.format import NO_BREAK_SPACE, group_thousands
from gateway.portal.navigation import same_origin_referer
from gateway.sessions import COOKIE_NAMES, ActiveSession, require_session, set_cookie
from shared.errors import DomainError, Unprocessable
from shared.typography import format_count

log = structlog.get_logger(__name__)

FieldErrors = dict[str, str]

# Hard cap on any text field, checked after line breaks become LF. It is above every
# limit of the accounts service (the longest is a contact message's 5000 characters),
# so the service still reports each field's precise limit. A longer value is rejected,
# never cut. A browser that enforces the forms' maxlength never reaches it.
MAX_FIELD_LENGTH = 20_000

# French names of the posted fields, as the forms label them, for FieldTooLong.
FIELD_LABELS = {
    "code": "Code de vérification",
    "current_password": "Mot de passe actuel",
    "display_name": "Nom affiché",
    "email": "Adresse e-mail",
    "identifier": "Identifiant",
    "invoice_numbers": "Numéros de facture",
    "login": "Identifiant",
    "message": "Message",
    "new_password": "Nouveau mot de passe",
    "new_password_confirmation": "Confirmation du nouveau mot de passe",
    "otpauth_uri": "Adresse de configuration TOTP",
    "password": "Mot de passe",
    "password_confirmation": "Confirmation du mot de passe",
    "reason": "Motif",
    "role": "Rôle",
    "service": "Destinataire",
    "subject": "Objet",
    "totp_code": "Code de vérification",
}


# A new login in another tab is the usual cause, but a rotated session secret has the same effect.
FORM_EXPIRED_MESSAGE = (
    "Le formulaire a expiré, par exemple après une nouvelle connexion dans un autre onglet, "
    "et n’a donc pas été pris en compte. Vérifiez les valeurs saisies ci-dessous, puis envoyez-le de nouveau."
)


class ExpiredForm(CsrfRejected):
    """A same-origin form of a logged-in user whose CSRF token is not the current session's.

    ``form`` is the posted form, so that the handler can show the typed values again.
    A handler that does not catch it returns the generic 403 page, as for any other CsrfRejected.
    """

    def __init__(self, form: MultiDictProxy[Any]) -> None:
        super().__init__()
        self.form = form


class FieldTooLong(Unprocessable):
    """A posted text field longer than MAX_FIELD_LENGTH characters, which the gateway rejects instead of forwarding."""

    code = "field_too_long"

    def __init__(self, field: str, label: str, length: int) -> None:
        limit = group_thousands(str(MAX_FIELD_LENGTH))
        typed = group_thousands(str(length))
        space = NO_BREAK_SPACE
        super().__init__(
            f"Le champ «{space}{label}{space}» dépasse {limit} caractères ({typed} saisis){space}: "
            "raccourcissez-le puis renvoyez le formulaire.",
            field=field,
        )


async def read_form(request: web.Request) -> MultiDictProxy[Any]:
    """Return the posted form, or raise UnreadableForm when aiohttp cannot decode its body and RequestTooLarge over a limit.

    A urlencoded body may hold a byte that is invalid in its charset
    (UnicodeDecodeError) or name a charset that Python does not know
    (LookupError). A multipart body may also lack its boundary or a part's
    name, or use an unknown transfer encoding, for which aiohttp 3.14 raises
    RuntimeError.
    """
    try:
        return await request.post()
    except web.HTTPRequestEntityTooLarge as too_large:
        raise form_too_large(request, too_large) from None
    except (ValueError, LookupError, RuntimeError) as error:
        # The error's text may quote the body, which can contain a password.
        log.info("unreadable_form", path=request.path, error_type=type(error).__name__)
        raise UnreadableForm() from None


def form_too_large(request: web.Request, error: web.HTTPRequestEntityTooLarge) -> RequestTooLarge:
    """Return the French 413 of a form over the request's size limit or over its limit on form fields."""
    # aiohttp 3.14 raises the same error for both limits, and names the form fields in its text for the second.
    if "form fields" in (error.text or ""):
        max_fields = request.client_max_fields
        return RequestTooLarge(
            f"Le formulaire envoyé compte plus de {format_count(max_fields)}\u00a0champs, le maximum accepté. "
            "Rechargez la page du formulaire, puis envoyez-le de nouveau depuis celle-ci.",
            max_fields=max_fields,
        )
    max_size = request.client_max_size
    return RequestTooLarge(
        f"Le formulaire envoyé est trop volumineux\u00a0: il dépasse la limite de {format_byte_size(max_size)}. "
        "Raccourcissez les textes saisis, puis envoyez-le de nouveau depuis la page du formulaire.",
        max_size=max_size,
    )


async def read_session_form(request: web.Request) -> tuple[ActiveSession, MultiDictProxy[Any]]:
    """Return the session and the posted form, or raise CsrfRejected when the form lacks the session's token.

    The error is ExpiredForm when the form comes from a page of this site, and
    plain CsrfRejected otherwise, so that another site's form is never shown again.
    """
    active = await require_session(request)
    form = await read_form(request)
    try:
        check_session_csrf_token(request.app, active.info.session_id, form.get(CSRF_FIELD))
    except CsrfRejected:
        same_origin = is_same_origin_form(request)
        log.info("csrf_rejected", path=request.path, user_id=active.info.user_id, same_origin=same_origin)
        if same_origin:
            raise ExpiredForm(form) from None
        raise
    return active, form


def is_same_origin_form(request: web.Request) -> bool:
    """Return whether the posted form comes from a page of this site, by its Referer and its Origin.

    The Referer must be a page of this site. The Origin header, which browsers add to a POST,
    must then name this site too, unless it is ``null``, which names no site.
    """
    if same_origin_referer(request) is None:
        return False
    origin = request.headers.get("Origin")
    if origin is None or origin == "null":
        return True
    try:
        return URL(origin).raw_authority == request.host
    except ValueError:
        return False


async def read_visitor_form(request: web.Request) -> MultiDictProxy[Any]:
    """Return a visitor's posted form, or raise CsrfRejected unless it matches the nonce cookie."""
    form = await read_form(request)
    check_visitor_form(request, form)
    return form


def check_visitor_form(request: web.Request, form: MultiDictProxy[Any]) -> None:
    """Raise CsrfRejected unless the visitor's posted ``form`` carries the token of the nonce cookie."""
    nonce = request.cookies.get(request.app[COOKIE_NAMES].login_csrf)
    check_login_csrf_token(request.app, nonce, form.get(CSRF_FIELD))


def render_visitor_page(
    request: web.Request, template: str, context: dict[str, Any], *, status: int = 200
) -> web.Response:
    """Render a page for visitors without a session, with a fresh CSRF nonce for its form."""
    nonce = current_or_new_login_nonce(request.cookies.get(request.app[COOKIE_NAMES].login_csrf))
    response = aiohttp_jinja2.render_template(
        template,
        request,
        {"csrf_field": CSRF_FIELD, "csrf_token": login_csrf_token(request.app, nonce), **context},
        status=status,
    )
    set_cookie(response, request.app, request.app[COOKIE_NAMES].login_csrf, nonce)
    return response


def normalize_line_breaks(text: str) -> str:
    """Replace CRLF and lone CR with LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def form_text(form: MultiDictProxy[Any], name: str, *, strip: bool = True, label: str | None = None) -> str:
    """Return the text field ``name`` with LF line breaks, or "" when it is missing or a file.

    Raises FieldTooLong, named by ``label`` or by the field's entry in
    FIELD_LABELS, when the field has more than MAX_FIELD_LENGTH characters.
    """
    value = form.get(name)
    if not isinstance(value, str):
        return ""
    value = normalize_line_breaks(value)
    if len(value) > MAX_FIELD_LENGTH:
        raise FieldTooLong(name, label or FIELD_LABELS.get(name, name), len(value))
    return value.strip() if strip else value


def form_texts(form: MultiDictProxy[Any], names: Iterable[str]) -> tuple[dict[str, str], FieldErrors]:
    """Return the stripped text fields ``names``, and the FieldTooLong message of each over-long one.

    An over-long field's value is "", so that the form shown again with the
    error does not repeat tens of thousands of characters.
    """
    values: dict[str, str] = {}
    errors: FieldErrors = {}
    for name in names:
        try:
            values[name] = form_text(form, name)
        except FieldTooLong as too_long:
            values[name] = ""
            errors[name] = too_long.message
    return values, errors


def field_errors_of(error: DomainError) -> FieldErrors:
    """Map each form field the service rejected to its French message.

    The accounts service lists field errors in ``details.fields`` (code
    ``invalid_fields``) or names one field in ``details.field``, for a wrong
    password or a malformed value. Several messages for one field are joined.
    """
    errors: FieldErrors = {}
    fields = error.details.get("fields")
    if isinstance(fields, list):
        for item in fields:
            if not isinstance(item, dict):
                continue
            name, message = item.get("field"), item.get("message")
            if isinstance(name, str) and isinstance(message, str):
                errors[name] = f"{errors[name]} {message}" if name in errors else message
        return errors
    field = error.details.get("field")
    if isinstance(field, str):
        errors[field] = error.message
    return errors
