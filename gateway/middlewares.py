"""Middlewares and response hooks of the gateway: errors, JSON requests and security headers."""

from __future__ import annotations

import math
from urllib.parse import urlencode

import aiohttp_jinja2
import structlog
from aiohttp import hdrs, web

from gateway.api.imports import RAW_BODY_CONTENT_TYPE, takes_raw_body
from gateway.errors import HeaderTooLarge, SessionRequired, UnsupportedMediaType, UriTooLong, format_byte_size
from gateway.portal.navigation import (
    SESSION_EXPIRED_ON_FORM,
    SESSION_EXPIRED_ON_PAGE,
    SESSION_EXPIRED_PARAMETER,
    local_path,
    same_origin_referer,
)
from gateway.relay import RelayInterrupted
from gateway.sessions import COOKIE_NAMES, COOKIE_SECURE, clear_session_cookies
from shared.errors import DomainError
from shared.web import INTERNAL_ERROR_MESSAGE, Handler, http_exception_message, json_error

log = structlog.get_logger(__name__)

API_PREFIX = "/api/"
STATIC_PREFIX = "/static/"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# No inline script or style anywhere: every script and stylesheet is a file under /static.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)
HSTS_VALUE = "max-age=31536000"


def is_api_request(request: web.Request) -> bool:
    return request.path.startswith(API_PREFIX)


def login_redirect(request: web.Request) -> web.Response:
    """Redirect to the login page, which sends the user back here after login.

    A form submitted without a valid session cannot be replayed after login. The login page then
    returns to the page that showed the form (the same-origin Referer) and tells the user to fill
    it in again. A page request that carried a session cookie gets a notice that the session expired.
    """
    has_session_cookie = bool(request.cookies.get(request.app[COOKIE_NAMES].session))
    query = {}
    if request.method in UNSAFE_METHODS:
        query["suite"] = form_page_path(request)
        query[SESSION_EXPIRED_PARAMETER] = SESSION_EXPIRED_ON_FORM
    else:
        query["suite"] = request.path_qs
        if has_session_cookie:
            query[SESSION_EXPIRED_PARAMETER] = SESSION_EXPIRED_ON_PAGE
    redirect = web.Response(status=302, headers={"Location": f"/connexion?{urlencode(query, safe='')}"})
    if has_session_cookie:
        clear_session_cookies(redirect, request.app)
    return redirect


def form_page_path(request: web.Request) -> str:
    """Return the path and query of the same-origin page that sent this form, or "/" when unknown."""
    referer = same_origin_referer(request)
    if referer is None:
        return "/"
    return local_path(referer.raw_path_qs, default="/")


def render_error_page(request: web.Request, status: int, message: str) -> web.Response:
    return aiohttp_jinja2.render_template(
        "error.html", request, {"status": status, "message": message}, status=status
    )


def add_retry_after(response: web.Response, error: DomainError) -> None:
    """Send a 429's ``details.retry_after`` also as the standard Retry-After header, in whole seconds rounded up."""
    retry_after = error.details.get("retry_after")
    if error.status == 429 and isinstance(retry_after, int | float) and retry_after > 0:
        response.headers[hdrs.RETRY_AFTER] = str(math.ceil(retry_after))


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn errors into JSON under /api/ and into French HTML pages elsewhere."""
    try:
        return await handler(request)
    except SessionRequired as error:
        if is_api_request(request):
            response = json_error(error.status, error.code, error.message)
            if request.cookies.get(request.app[COOKIE_NAMES].session):
                clear_session_cookies(response, request.app)
            return response
        return login_redirect(request)
    except DomainError as error:
        if is_api_request(request):
            response = json_error(error.status, error.code, error.message, **error.details)
        else:
            response = render_error_page(request, error.status, error.message)
        add_retry_after(response, error)
        return response
    except web.HTTPException as error:
        if error.status < 400:
            raise
        code, message = http_exception_message(error, request.method)
        if is_api_request(request):
            response = json_error(error.status, code, message)
            if "Allow" in error.headers:
                # A 405 must list the methods that the resource accepts.
                response.headers["Allow"] = error.headers["Allow"]
            return response
        return render_error_page(request, error.status, message)
    except RelayInterrupted:
        # Part of a file is already sent and no error response can follow it, so aiohttp closes the connection.
        raise
    except Exception:
        log.exception("unhandled_error", path=request.path)
        if is_api_request(request):
            return json_error(500, "internal_error", INTERNAL_ERROR_MESSAGE)
        return render_error_page(request, 500, INTERNAL_ERROR_MESSAGE)


# The gateway's limits on a URL and on one header. aiohttp 3.14's HTTP parser rejects a longer line with an
# English 400 before any middleware runs, so the gateway runs it with higher limits (HTTP_PARSER_LIMITS),
# and this module returns the French errors up to those.
MAX_URL_BYTES = 8 * 1024
MAX_HEADER_BYTES = 8 * 1024
# NOTE: a URL or header over these parser limits still gets aiohttp's English 400.
HTTP_PARSER_LIMITS = {"max_line_size": 64 * 1024, "max_field_size": 64 * 1024}
COOKIE_HEADER = hdrs.COOKIE.lower().encode()


@web.middleware
async def request_size_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Reject a URL or a header over 8 Kio with a French 414 or 431, before any route reads it."""
    if len(request.raw_path) > MAX_URL_BYTES:
        raise UriTooLong(
            f"L’adresse demandée est trop longue\u00a0: elle dépasse {format_byte_size(MAX_URL_BYTES)}. "
            "Revenez à la page précédente, puis raccourcissez la recherche ou les filtres.",
            max_bytes=MAX_URL_BYTES,
        )
    for name, value in request.raw_headers:
        if len(name) + len(value) <= MAX_HEADER_BYTES:
            continue
        header = name.decode("latin-1")
        if name.lower() == COOKIE_HEADER:
            next_step = "effacez les cookies de ce site dans le navigateur, puis rechargez la page."
        else:
            next_step = "raccourcissez-le, puis envoyez la requête de nouveau."
        raise HeaderTooLarge(
            f"L’en-tête «\u00a0{header}\u00a0» de la requête dépasse {format_byte_size(MAX_HEADER_BYTES)}\u00a0: "
            f"{next_step}",
            header=header,
            max_bytes=MAX_HEADER_BYTES,
        )
    return await handler(request)


@web.middleware
async def json_body_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Require ``Content-Type: application/json`` on state-changing API requests (CSRF defence).

    A FEC upload sends the file itself, as ``application/octet-stream``,
    which protects it the same way (see `gateway.api.imports.takes_raw_body`).
    A DELETE without a body, such as a logout, needs no Content-Type: a
    cross-site page can send a DELETE only after a CORS preflight, which the
    gateway never allows.
    """
    # A path without the route, or without this method, returns 404 or 405
    # whatever the body, so the Content-Type check does not run before it.
    if is_api_request(request) and request.method in UNSAFE_METHODS and request.match_info.http_exception is None:
        if request.method == "DELETE" and not request.body_exists:
            return await handler(request)
        expected = RAW_BODY_CONTENT_TYPE if takes_raw_body(request) else "application/json"
        if hdrs.CONTENT_TYPE not in request.headers:
            # aiohttp reads a missing header as application/octet-stream, the FEC upload's type. A
            # cross-site fetch of a Blob without a type sends no Content-Type and needs no CORS preflight.
            raise UnsupportedMediaType(
                "La requête n’a pas d’en-tête Content-Type\u00a0: "
                f"envoyez l’en-tête Content-Type: {expected}.",
                content_type=None,
            )
        if request.content_type != expected:
            raise UnsupportedMediaType(
                f"Le type de contenu «\u00a0{request.content_type}\u00a0» n’est pas accepté\u00a0: "
                f"envoyez l’en-tête Content-Type: {expected}.",
                content_type=request.content_type,
            )
    return await handler(request)


async def add_security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """Add the security headers to every response, static files and errors included."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "same-origin"
    headers["X-Frame-Options"] = "DENY"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if request.app[COOKIE_SECURE]:
        headers["Strict-Transport-Security"] = HSTS_VALUE
    if not request.path.startswith(STATIC_PREFIX):
        # Pages, files and API responses contain account data, so no shared or browser cache may
        # keep them. The relay does not pass a service's Cache-Control on (see `relay`).
        headers.setdefault("Cache-Control", "no-store")
