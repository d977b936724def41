"""API routes of the session: login, logout and the current user."""

from __future__ import annotations

from typing import Any

import structlog
from aiohttp import web

from gateway.authentication import log_in, log_out, start_session
from gateway.errors import RequestTooLarge, format_byte_size
from gateway.sessions import SessionInfo, require_session
from shared.errors import DomainError, Unprocessable
from shared.web import DuplicateJsonKey, loads_unique_keys

log = structlog.get_logger(__name__)

API_BASE = "/api/v1"


class InvalidJson(DomainError):
    """The request body is not valid JSON."""

    code = "invalid_json"


def session_payload(info: SessionInfo) -> dict[str, Any]:
    """Return the API view of a session, which leaves out the internal session id."""
    return {
        "user_id": info.user_id,
        "login": info.login,
        "display_name": info.display_name,
        "agency_id": info.agency_id,
        "agency_name": info.agency_name,
        "role": info.role.value,
        "accounts": [account.model_dump() for account in info.accounts],
        "expires_at": info.expires_at.isoformat(),
    }


async def read_json_object(request: web.Request) -> dict[str, Any]:
    """Parse the body as a JSON object, or raise InvalidJson, or RequestTooLarge over the gateway's client_max_size.

    Besides syntax errors, the body may name a charset that Python does not
    know (LookupError), hold an integer of more than 4300 digits (ValueError)
    or nest arrays beyond the recursion limit (RecursionError).
    """
    try:
        body = await request.json(loads=loads_unique_keys)
    except web.HTTPRequestEntityTooLarge:
        limit = request.client_max_size
        raise RequestTooLarge(
            f"La requête est trop volumineuse\u00a0: son corps dépasse la limite de {format_byte_size(limit)}. "
            "Envoyez des textes plus courts, puis recommencez.",
            max_size=limit,
        ) from None
    except DuplicateJsonKey as error:
        raise InvalidJson(error.message()) from None
    except (ValueError, LookupError, RecursionError) as error:
        # ValueError covers json.JSONDecodeError and UnicodeDecodeError. The error's text may quote the body.
        log.info("invalid_json_body", path=request.path, error_type=type(error).__name__)
        raise InvalidJson("Le corps de la requête n’est pas un JSON valide.") from None
    if not isinstance(body, dict):
        raise InvalidJson("Le corps de la requête doit être un objet JSON.")
    return body


def credential_errors(body: dict[str, Any]) -> list[tuple[str, str]]:
    """Return (field, French message) for each field of the login body that is missing or not a string."""
    errors = [
        (name, f"Le champ «\u00a0{name}\u00a0» est obligatoire\u00a0: envoyez-le sous forme de texte.")
        for name in ("login", "password")
        if not isinstance(body.get(name), str)
    ]
    # Without this check a number would be dropped, and a user enrolled in TOTP would get totp_required.
    if body.get("totp_code") is not None and not isinstance(body["totp_code"], str):
        errors.append(
            (
                "totp_code",
                "Le champ «\u00a0totp_code\u00a0» doit être un texte, par exemple «\u00a0492039\u00a0»\u00a0: "
                "mettez le code entre guillemets.",
            )
        )
    return errors


async def create_session(request: web.Request) -> web.Response:
    body = await read_json_object(request)
    errors = credential_errors(body)
    if errors:
        raise Unprocessable(" ".join(message for _, message in errors), fields=[field for field, _ in errors])
    result = await log_in(request, body["login"], body["password"], totp_code=body.get("totp_code"))
    response = web.json_response({"session": session_payload(result.session)})
    start_session(response, request.app, result)
    return response


async def delete_session(request: web.Request) -> web.Response:
    response = web.Response(status=204)
    await log_out(request, response)
    return response


async def current_user(request: web.Request) -> web.Response:
    active = await require_session(request)
    return web.json_response(session_payload(active.info))


def setup_routes(app: web.Application) -> None:
    app.router.add_post(f"{API_BASE}/session", create_session)
    app.router.add_delete(f"{API_BASE}/session", delete_session)
    app.router.add_get(f"{API_BASE}/me", current_user)
