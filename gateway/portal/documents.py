"""Portal links to the ledger's files: invoice and credit-note PDFs, statement CSV and PDF.

The browser opens these URLs directly (a PDF in a new tab, in its own PDF
viewer, which also prints it). Errors come back as French HTML pages, and
an expired session leads to the login page, which returns here afterwards.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote, urlencode

from aiohttp import web

from gateway.ledger_files import ExportFormat, export_filters, relay_document_pdf, relay_statement_export
from gateway.sessions import require_session

DOCUMENT_PDF_PATH = "/creanciers/{creditor}/documents/{number}.pdf"
STATEMENT_EXPORT_PATHS = {
    ExportFormat.CSV: "/creanciers/{creditor}/releve.csv",
    ExportFormat.PDF: "/creanciers/{creditor}/releve.pdf",
}


def document_pdf_url(creditor: str, number: str, entry_id: int | None = None) -> str:
    """Return the portal URL of a document's PDF, each path segment percent-encoded.

    Document numbers may contain spaces or slashes (« FA  220001 »,
    « FA/2022/1 »), which become %20 and %2F. ``entry_id``, the statement
    row's id, goes in the query string: several documents of one account
    may share a number, and the ledger returns 409 for such a number alone.
    """
    path = DOCUMENT_PDF_PATH.format(creditor=quote(creditor, safe=""), number=quote(number, safe=""))
    return f"{path}?{urlencode({'entry': entry_id})}" if entry_id is not None else path


def statement_export_url(creditor: str, export_format: ExportFormat, filters: Mapping[str, str]) -> str:
    """Return the portal URL of the statement export with ``filters`` in its query string."""
    path = STATEMENT_EXPORT_PATHS[export_format].format(creditor=quote(creditor, safe=""))
    query = urlencode(export_filters(filters))
    return f"{path}?{query}" if query else path


async def document_pdf(request: web.Request) -> web.StreamResponse:
    active = await require_session(request)
    return await relay_document_pdf(
        request, active.info, request.match_info["creditor"], request.match_info["number"], request.query.get("entry")
    )


async def statement_csv(request: web.Request) -> web.StreamResponse:
    active = await require_session(request)
    return await relay_statement_export(
        request, active.info, request.match_info["creditor"], ExportFormat.CSV, export_filters(request.query)
    )


async def statement_pdf(request: web.Request) -> web.StreamResponse:
    active = await require_session(request)
    return await relay_statement_export(
        request, active.info, request.match_info["creditor"], ExportFormat.PDF, export_filters(request.query)
    )


def setup_routes(app: web.Application) -> None:
    app.router.add_get(DOCUMENT_PDF_PATH, document_pdf, name="document_pdf")
    app.router.add_get(STATEMENT_EXPORT_PATHS[ExportFormat.CSV], statement_csv, name="statement_csv")
    app.router.add_get(STATEMENT_EXPORT_PATHS[ExportFormat.PDF], statement_pdf, name="statement_pdf")
