"""Posted forms of the account screens: CSRF checks, text fields and field errors.

Forms of a logged-in user carry the session's CSRF token. Forms shown to
visitors without a session (lost password, reset and invitation links) use
the login form's signed double submit: a random nonce in a cookie and its
HMAC in the form.
"""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web
from multidict import MultiDictProxy

from gateway.csrf import (
    CSRF_FIELD,
    check_login_csrf_token,
    check_session_csrf_token,
    login_csrf_token,
    new_login_nonce,
)
from gateway.sessions import COOKIE_NAMES, ActiveSession, require_session, set_cookie
from shared.errors import DomainError

FieldErrors = dict[str, str]

# Longer than any value the accounts service accepts, so it still reports the
# precise limit of each field, and short enough to bound what is forwarded.
MAX_FIELD_LENGTH = 5000


async def read_session_form(request: web.Request) -> tuple[ActiveSession, MultiDictProxy[Any]]:
    """Return the session and the posted form, or raise CsrfRejected when the form lacks the session's token."""
    active = await require_session(request)
    form = await request.post()
    check_session_csrf_token(request.app, active.info.session_id, form.get(CSRF_FIELD))
    return active, form


async def read_visitor_form(request: web.Request) -> MultiDictProxy[Any]:
    """Return a visitor's posted form, or raise CsrfRejected unless it matches the nonce cookie."""
    form = await request.post()
    nonce = request.cookies.get(request.app[COOKIE_NAMES].login_csrf)
    check_login_csrf_token(request.app, nonce, form.get(CSRF_FIELD))
    return form


def render_visitor_page(
    request: web.Request, template: str, context: dict[str, Any], *, status: int = 200
) -> web.Response:
    """Render a page for visitors without a session, with a fresh CSRF nonce for its form."""
    nonce = new_login_nonce()
    response = aiohttp_jinja2.render_template(
        template,
        request,
        {"csrf_field": CSRF_FIELD, "csrf_token": login_csrf_token(request.app, nonce), **context},
        status=status,
    )
    set_cookie(response, request.app, request.app[COOKIE_NAMES].login_csrf, nonce)
    return response


def form_text(form: MultiDictProxy[Any], name: str, *, strip: bool = True) -> str:
    """Return the text field ``name``, "" when it is missing or a file, cut to MAX_FIELD_LENGTH characters."""
    value = form.get(name)
    if not isinstance(value, str):
        return ""
    value = value[:MAX_FIELD_LENGTH]
    return value.strip() if strip else value


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
