"""The gateway: application factory and lifecycle.

The gateway authenticates users through the accounts service, serves the
French portal and the JSON API, and calls the services with a signed
principal. It stores nothing durable.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp
import aiohttp_jinja2
import jinja2
import structlog
from aiohttp import web

from gateway import api, health
from gateway.clients import ACCOUNTS, HTTP_SESSION, LEDGER, AccountsClient, LedgerClient
from gateway.csrf import CSRF_SECRET
from gateway.format import JINJA_FILTERS
from gateway.middlewares import add_security_headers, error_middleware, json_body_middleware, request_size_middleware
from gateway.portal import (
    account_details,
    account_screens,
    contact,
    creditor_selector,
    disputes,
    documents,
    login,
    payment,
    statement,
)
from gateway.sessions import COOKIE_NAMES, COOKIE_SECURE, SESSION_RESOLVER, CookieNames, SessionResolver
from gateway.settings import SETTINGS, GatewaySettings
from shared.principal import PrincipalSigner
from shared.web import request_context_middleware

log = structlog.get_logger(__name__)

PACKAGE_DIR = Path(__file__).parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
STATIC_DIR = PACKAGE_DIR / "static"
MAX_REQUEST_BYTES = 1024 * 1024
HOME_REDIRECT = "/etat-de-compte"
# Pages link /static/favicon.svg; this ICO is the same drawing at 16, 32 and 48 pixels.
FAVICON_PATH = STATIC_DIR / "favicon.ico"
FAVICON_CACHE = "public, max-age=86400"


async def home(_request: web.Request) -> web.Response:
    raise web.HTTPFound(HOME_REDIRECT)


async def favicon(_request: web.Request) -> web.FileResponse:
    """Serve the ICO icon at the address browsers request when a page names no icon, such as a PDF tab."""
    return web.FileResponse(FAVICON_PATH, headers={"Content-Type": "image/x-icon", "Cache-Control": FAVICON_CACHE})


def static_files_under(directory: Path) -> dict[str, Path]:
    """Map the path of each regular file under ``directory``, relative and with ``/`` separators, to the file."""
    return {path.relative_to(directory).as_posix(): path for path in directory.rglob("*") if path.is_file()}


def static_file_handler(directory: Path) -> Callable[[web.Request], Awaitable[web.FileResponse]]:
    """Build the handler of /static/{filename}, which serves the files found under ``directory`` at startup.

    aiohttp 3.14's add_static returns an empty 404 response for a missing file,
    which never reaches the error middleware. This handler raises HTTPNotFound instead, so
    the visitor gets the French 404 page. Only files present at startup are
    served, so no request path can name a file outside ``directory``.
    """
    files = static_files_under(directory)

    async def static_file(request: web.Request) -> web.FileResponse:
        path = files.get(request.match_info["filename"])
        if path is None:
            raise web.HTTPNotFound()
        # FileResponse adds ETag and Last-Modified and handles conditional and range requests.
        return web.FileResponse(path)

    return static_file


def create_gateway_app(settings: GatewaySettings) -> web.Application:
    """Build the gateway application. Its HTTP clients open on startup and close on cleanup."""
    app = web.Application(
        middlewares=[request_context_middleware, error_middleware, request_size_middleware, json_body_middleware],
        client_max_size=MAX_REQUEST_BYTES,
    )
    app[SETTINGS] = settings
    app[COOKIE_SECURE] = settings.cookie_secure
    app[COOKIE_NAMES] = CookieNames.for_security(settings.cookie_secure)
    app[CSRF_SECRET] = settings.session_secret.encode()
    signer = PrincipalSigner(settings.principal_private_key)

    async def service_clients(app: web.Application) -> AsyncIterator[None]:
        timeout = aiohttp.ClientTimeout(total=settings.service_timeout_seconds)
        async with aiohttp.ClientSession(timeout=timeout) as http:
            app[HTTP_SESSION] = http
            accounts = AccountsClient("accounts", str(settings.accounts_url), http, signer)
            app[ACCOUNTS] = accounts
            app[LEDGER] = LedgerClient("ledger", str(settings.ledger_url), http, signer)
            app[SESSION_RESOLVER] = SessionResolver(
                accounts.current_session, ttl_seconds=settings.session_cache_seconds
            )
            log.info("gateway_started", host=settings.http_host, port=settings.http_port)
            yield
            log.info("gateway_stopping")

    app.cleanup_ctx.append(service_clients)
    app.on_response_prepare.append(add_security_headers)

    aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=jinja2.select_autoescape(["html"]),
        filters=JINJA_FILTERS,
    )

    app.router.add_get("/", home, name="home")
    app.router.add_get("/favicon.ico", favicon, name="favicon")
    for area in (login, creditor_selector, statement, documents, disputes, contact, account_details, payment):
        area.setup_routes(app)
    account_screens.setup_routes(app)
    api.setup_routes(app)
    health.setup_routes(app)
    app.router.add_get("/static/{filename:.+}", static_file_handler(STATIC_DIR), name="static")
    return app
