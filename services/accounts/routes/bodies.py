"""Reading JSON request bodies field by field, with French errors that name the field."""

from __future__ import annotations

from decimal import Decimal
from functools import partial
from typing import Any

import structlog
from aiohttp import web

from services.accounts.domain import REQUEST_BODY_FIELD, InvalidRequest
from shared.typography import format_count
from shared.web import UNSTORABLE_TEXT_MESSAGE, DuplicateJsonKey, loads_unique_keys, unstorable_text_field

log = structlog.get_logger(__name__)

DEFAULT_MAX_LENGTH = 1000


async def json_body(request: web.Request, *, exact_numbers: bool = False) -> dict[str, Any]:
    """Return the request's JSON object; raise InvalidRequest when the body is not one.

    With ``exact_numbers``, numbers with a fraction or exponent are read as
    Decimal instead of float, so that an amount keeps every cent.

    Besides syntax errors, the body may name a charset that Python does not
    know (LookupError), hold an integer of more than 4300 digits (ValueError)
    or nest arrays beyond the recursion limit (RecursionError).
    """
    try:
        loads = partial(loads_unique_keys, parse_float=Decimal) if exact_numbers else loads_unique_keys
        body = await request.json(loads=loads)
    except DuplicateJsonKey as error:
        raise InvalidRequest(
            REQUEST_BODY_FIELD, f"la clé {error.quoted_key()} y figure deux fois ; envoyez-la une seule fois"
        ) from None
    except (ValueError, LookupError, RecursionError) as error:
        # ValueError covers json.JSONDecodeError and UnicodeDecodeError. The error's text may quote the body.
        log.info("invalid_json_body", path=request.path, error_type=type(error).__name__)
        raise InvalidRequest(REQUEST_BODY_FIELD, "un objet JSON est attendu") from None
    if not isinstance(body, dict):
        raise InvalidRequest(REQUEST_BODY_FIELD, "un objet JSON est attendu")
    field = unstorable_text_field(body)
    if field is not None:
        raise InvalidRequest(field, UNSTORABLE_TEXT_MESSAGE)
    return body


def required_text(body: dict[str, Any], field: str, *, max_length: int = DEFAULT_MAX_LENGTH) -> str:
    """Return the non-empty string ``body[field]`` of at most ``max_length`` characters."""
    value = body.get(field)
    if not isinstance(value, str) or not value:
        raise InvalidRequest(field, "un texte non vide est attendu")
    if len(value) > max_length:
        raise InvalidRequest(field, f"au plus {format_count(max_length)} caractères sont acceptés, reçu {format_count(len(value))}")
    return value


# validate_password judges a new password's length and names the 128-character rule.
# This larger bound only keeps an absurd value from being normalised.
NEW_PASSWORD_READ_LIMIT = 64 * 1024


def required_new_password(body: dict[str, Any], field: str) -> str:
    """Return the non-empty string ``body[field]``, a new password whose length the password rules judge."""
    return required_text(body, field, max_length=NEW_PASSWORD_READ_LIMIT)


def optional_text(body: dict[str, Any], field: str, *, max_length: int = DEFAULT_MAX_LENGTH) -> str | None:
    """Return the string ``body[field]``, or None when it is absent, null or empty."""
    value = body.get(field)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidRequest(field, "un texte est attendu")
    if len(value) > max_length:
        raise InvalidRequest(field, f"au plus {format_count(max_length)} caractères sont acceptés, reçu {format_count(len(value))}")
    return value
