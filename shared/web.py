"""aiohttp building blocks shared by the services and the gateway."""

from __future__ import annotations

import json
import time
import traceback
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
import structlog
from aiohttp import web
from faststream.nats import NatsBroker

from shared.errors import DomainError, Unprocessable
from shared.principal import PRINCIPAL_HEADER, InvalidPrincipal, Principal, PrincipalVerifier

log = structlog.get_logger(__name__)

REQUEST_ID_HEADER = "X-Request-Id"
PUBLIC_PATHS = frozenset({"/healthz", "/readyz"})

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

POOL = web.AppKey("pool", asyncpg.Pool)
BROKER = web.AppKey("broker", NatsBroker)
VERIFIER = web.AppKey("verifier", PrincipalVerifier)
PRINCIPAL = web.RequestKey("principal", Principal)
REQUEST_ID = web.RequestKey("request_id", str)

# A request id from outside is kept only if it is short and plain, so it
# cannot smuggle line breaks or bulk into every log line.
_REQUEST_ID_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:")
MAX_REQUEST_ID_LENGTH = 64

# French messages of the HTTP errors that aiohttp raises itself (no route, wrong method, body over
# client_max_size), whose own text is English, such as « 404: Not Found ».
HTTP_ERROR_MESSAGES = {
    400: ("bad_request", "La requête est invalide."),
    404: ("not_found", "La page ou la ressource demandée est introuvable."),
    405: ("method_not_allowed", "Cette méthode n’est pas acceptée à cette adresse."),
    413: ("payload_too_large", "La requête est trop volumineuse."),
}
INTERNAL_ERROR_MESSAGE = "Une erreur interne est survenue. Réessayez plus tard."


def http_error_message(status: int) -> tuple[str, str]:
    """Return the error code and French message of an HTTP error status raised by aiohttp."""
    return HTTP_ERROR_MESSAGES.get(status, ("http_error", INTERNAL_ERROR_MESSAGE))


def http_exception_message(error: web.HTTPException, method: str) -> tuple[str, str]:
    """Return the code and French message of an HTTP error that aiohttp raised; a 405 names the methods to use."""
    code, message = http_error_message(error.status)
    allowed = sorted({name.strip() for name in error.headers.get("Allow", "").split(",") if name.strip()})
    if error.status == 405 and allowed:
        listed = allowed[0] if len(allowed) == 1 else f"{', '.join(allowed[:-1])} ou {allowed[-1]}"
        message = f"La méthode {method} n’est pas acceptée à cette adresse\u00a0: utilisez {listed}."
    return code, message


def json_error(status: int, code: str, message: str, **details: object) -> web.Response:
    body = {"error": {"code": code, "message": message, **({"details": details} if details else {})}}
    return web.json_response(body, status=status)


@web.middleware
async def request_context_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Bind a request id to every log line and write one summary line per request."""
    request_id = request.headers.get(REQUEST_ID_HEADER, "")
    if not request_id or len(request_id) > MAX_REQUEST_ID_LENGTH or not set(request_id) <= _REQUEST_ID_CHARACTERS:
        request_id = uuid.uuid4().hex
    request[REQUEST_ID] = request_id
    started = time.perf_counter()
    with structlog.contextvars.bound_contextvars(request_id=request_id):
        status = 500
        try:
            response = await handler(request)
            status = response.status
        except web.HTTPException as error:
            status = error.status
            raise
        finally:
            if request.path not in PUBLIC_PATHS:
                log.info(
                    "http_request",
                    method=request.method,
                    path=request.path,
                    status=status,
                    duration_ms=round((time.perf_counter() - started) * 1000, 2),
                )
        response.headers[REQUEST_ID_HEADER] = request_id
        return response


class DuplicateJsonKey(ValueError):
    """A JSON object of a request body names the same key twice."""

    def __init__(self, key: str) -> None:
        super().__init__("a JSON object names the same key twice")
        self.key = key

    def quoted_key(self) -> str:
        """Return the key between French quotes, cut to 40 characters, for an error message."""
        displayed_key = self.key if len(self.key) <= 40 else self.key[:40] + "…"
        return f"«\u00a0{displayed_key}\u00a0»"

    def message(self) -> str:
        """Return the French error message for an API caller, naming the key."""
        return f"Le corps de la requête contient deux fois la clé {self.quoted_key()} ; envoyez-la une seule fois."


def _unique_keys_object(pairs: list[tuple[str, object]]) -> dict[str, object]:
    body = dict(pairs)
    if len(body) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateJsonKey(key)
            seen.add(key)
    return body


def loads_unique_keys(text: str | bytes, **options: object) -> object:
    """Parse JSON like ``json.loads``, but raise DuplicateJsonKey when an object repeats a key.

    ``json.loads`` keeps the last of two values under one key, so a client
    that sends ``{"iban": A, "iban": B}`` would see B stored while its own
    serializer or a proxy may have validated A.
    """
    return json.loads(text, object_pairs_hook=_unique_keys_object, **options)


def unstorable_text_field(value: object, path: str = "") -> str | None:
    """Return the path (``lines.0.description``) of the first text in ``value`` that PostgreSQL cannot store.

    JSON may carry a NUL character or half of a UTF-16 surrogate pair
    (``"\\ud800"``), which no form sends. The database driver refuses them
    with an error that quotes the value, and a login field may hold a
    mistyped password, so services reject them before, without quoting.
    Returns "" for a top-level string, and None when every text can be stored.
    """
    if isinstance(value, str):
        if "\x00" in value:
            return path
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return path
        return None
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        found = unstorable_text_field(item, f"{path}.{key}" if path else str(key))
        if found is not None:
            return found
    return None


def _reject_unstorable_parameters(request: web.Request) -> None:
    """Raise Unprocessable naming a path or query parameter that PostgreSQL cannot store."""
    for source in (request.match_info, request.query):
        for name, value in source.items():
            if unstorable_text_field(value) is not None:
                raise Unprocessable(
                    f"Requête invalide : le paramètre {name} {UNSTORABLE_TEXT_REASON} ; retapez-le.", field=name
                )


def _raised_at(error: BaseException) -> str | None:
    """Return ``file:line`` of the project's innermost frame in the error's traceback."""
    location = None
    for frame in traceback.extract_tb(error.__traceback__):
        path = Path(frame.filename)
        if _PROJECT_ROOT in path.parents and ".venv" not in path.parts:
            location = f"{path.relative_to(_PROJECT_ROOT)}:{frame.lineno}"
    return location


_PROJECT_ROOT = Path(__file__).resolve().parents[1]
UNSTORABLE_TEXT_REASON = "contient un caractère nul ou un caractère Unicode incomplet"
UNSTORABLE_TEXT_MESSAGE = f"le texte {UNSTORABLE_TEXT_REASON} ; retapez-le"


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Map domain errors and aiohttp's HTTP errors to French JSON errors, and log and hide anything unexpected."""
    try:
        _reject_unstorable_parameters(request)
        return await handler(request)
    except DomainError as error:
        return json_error(error.status, error.code, error.message, **error.details)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        response = json_error(error.status, *http_exception_message(error, request.method))
        if "Allow" in error.headers:
            # A 405 must list the methods that the resource accepts.
            response.headers["Allow"] = error.headers["Allow"]
        return response
    except (asyncpg.DataError, asyncpg.IntegrityConstraintViolationError) as error:
        # Their text quotes the value that PostgreSQL or the driver refused, or
        # the whole failing row, which may hold a password typed into another
        # field or personal data, so only their kind and the code that ran are logged.
        log.error(
            "unhandled_error",
            path=request.path,
            error_type=type(error).__name__,
            sqlstate=error.sqlstate,
            constraint=getattr(error, "constraint_name", None),
            raised_at=_raised_at(error),
        )
        return json_error(500, "internal_error", INTERNAL_ERROR_MESSAGE)
    except Exception:
        log.exception("unhandled_error", path=request.path)
        return json_error(500, "internal_error", INTERNAL_ERROR_MESSAGE)


@web.middleware
async def principal_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Verify the gateway's signed principal on every non-public route."""
    if request.path in PUBLIC_PATHS:
        return await handler(request)
    try:
        principal = request.app[VERIFIER].verify(request.headers.get(PRINCIPAL_HEADER))
    except InvalidPrincipal as error:
        log.warning("principal_rejected", reason=str(error))
        return json_error(401, "unauthenticated", "Authentification requise.")
    request[PRINCIPAL] = principal
    with structlog.contextvars.bound_contextvars(user_id=principal.user_id, agency_id=principal.agency_id):
        return await handler(request)


def request_id_of(request: web.Request) -> str:
    """Return the request id that the log lines carry: the caller's X-Request-Id when valid, else a new one.

    Events take it as their correlation id, so that they can be found from
    the log lines of the request that caused them.
    """
    return request[REQUEST_ID]


def principal_of(request: web.Request) -> Principal:
    return request[PRINCIPAL]


async def healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """Report ready when the database responds and the broker is connected."""
    problems = []
    pool = request.app.get(POOL)
    if pool is not None:
        try:
            await pool.fetchval("SELECT 1")
        except (OSError, asyncpg.PostgresError) as error:
            problems.append(f"database: {error!r}")
    broker = request.app.get(BROKER)
    if broker is not None:
        connection = broker._connection  # noqa: SLF001 - faststream exposes no public probe
        if connection is None or not connection.is_connected:
            problems.append("broker: not connected")
    if problems:
        return web.json_response({"status": "unavailable", "problems": problems}, status=503)
    return web.json_response({"status": "ready"})


def add_health_routes(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
