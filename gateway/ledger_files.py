"""Documents, statement exports and the ageing summary of the ledger, relayed for the API and the portal.

Each call carries the session's principal. Before a statement export or the
ageing, the gateway raises 404 for a creditor where the session has no
account, with the wording of every other route (`gateway.creditor_access`).
The ledger checks again and returns 404 for an account without entries or a
document that is not the agency's, and that 404 reaches the browser with the
ledger's message.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from urllib.parse import quote

from aiohttp import web

from gateway.clients import LEDGER
from gateway.creditor_access import foreign_creditor_error, require_account
from gateway.query_values import check_values
from gateway.relay import relay_get
from gateway.sessions import SessionInfo
from shared.errors import NotFound
from shared.principal import Role

# Statement filters that the exports accept. Pagination does not apply to a file.
EXPORT_FILTERS = ("view", "date_from", "date_to", "number")


class DocumentNotFound(NotFound):
    """Missing document, raised by the gateway without calling the ledger, with the ledger's error code."""

    code = "document_not_found"


class ExportFormat(StrEnum):
    CSV = "csv"
    PDF = "pdf"


def export_filters(query: Mapping[str, str]) -> dict[str, str]:
    """Keep the non-empty statement filters of ``query``; the ledger validates their values."""
    return {name: query[name] for name in EXPORT_FILTERS if query.get(name)}


async def relay_document_pdf(
    request: web.Request, session: SessionInfo, creditor: str, number: str, entry: str | None = None
) -> web.StreamResponse:
    """Relay the invoice or credit-note PDF ``number`` with its ETag. The gateway adds no-store, so browsers keep no copy.

    ``entry``, the statement row's id, picks one of several documents with
    the same number. The ledger checks that it is a document of the
    session's account with that number.
    """
    check_values({"document_number": number, "entry": entry})
    if session.role is Role.STAFF:
        # Staff have no customer account, so the ledger's 404 would wrongly speak of « votre compte ».
        raise foreign_creditor_error(session, creditor)
    if not number.strip("."):
        # quote() leaves dots alone, and the HTTP client would resolve a segment
        # of dots as "." or ".." and call another path of the ledger.
        raise DocumentNotFound(f"Document n° {number} introuvable pour votre compte.")
    path = f"/creditors/{quote(creditor, safe='')}/documents/{quote(number, safe='')}/pdf"
    params = {"entry": entry} if entry is not None else None
    return await relay_get(request, request.app[LEDGER], session, path, params)


async def relay_statement_export(
    request: web.Request,
    session: SessionInfo,
    creditor: str,
    export_format: ExportFormat,
    filters: Mapping[str, str],
) -> web.StreamResponse:
    """Relay the filtered statement as French Excel CSV or as the PDF « Relevé de compte »."""
    require_account(session, creditor)
    check_values(filters)
    path = f"/creditors/{quote(creditor, safe='')}/statement.{export_format.value}"
    return await relay_get(request, request.app[LEDGER], session, path, filters)


async def relay_ageing(request: web.Request, session: SessionInfo, creditor: str) -> web.StreamResponse:
    """Relay the ledger's ageing JSON (amounts still due by days overdue)."""
    require_account(session, creditor)
    path = f"/creditors/{quote(creditor, safe='')}/ageing"
    return await relay_get(request, request.app[LEDGER], session, path)
