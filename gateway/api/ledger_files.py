"""API routes of the ledger's documents, statement exports and ageing summary, relayed as they arrive."""

from __future__ import annotations

from aiohttp import web

from gateway.api.session import API_BASE
from gateway.ledger_files import (
    ExportFormat,
    export_filters,
    relay_ageing,
    relay_document_pdf,
    relay_statement_export,
)
from gateway.sessions import require_session


async def document_pdf(request: web.Request) -> web.StreamResponse:
    active = await require_session(request)
    return await relay_document_pdf(
        request, active.info, request.match_info["creditor"], request.match_info["number"], request.query.get("entry")
    )


async def statement_csv(request: web.Request) -> web.StreamResponse:
    active = await require_session(request)
    filters = export_filters(request.query)
    return await relay_statement_export(
        request, active.info, request.match_info["creditor"], ExportFormat.CSV, filters
    )


async def statement_pdf(request: web.Request) -> web.StreamResponse:
    active = await require_session(request)
    filters = export_filters(request.query)
    return await relay_statement_export(
        request, active.info, request.match_info["creditor"], ExportFormat.PDF, filters
    )


async def ageing(request: web.Request) -> web.StreamResponse:
    active = await require_session(request)
    return await relay_ageing(request, active.info, request.match_info["creditor"])


def setup_routes(app: web.Application) -> None:
    creditor_base = f"{API_BASE}/creditors/{{creditor}}"
    app.router.add_get(f"{creditor_base}/documents/{{number}}/pdf", document_pdf)
    app.router.add_get(f"{creditor_base}/statement.csv", statement_csv)
    app.router.add_get(f"{creditor_base}/statement.pdf", statement_pdf)
    app.router.add_get(f"{creditor_base}/ageing", ageing)
