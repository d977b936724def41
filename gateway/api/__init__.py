"""JSON API v1 of the portal, on the same cookie session as the pages."""

from __future__ import annotations

from aiohttp import web

from gateway.api import creditors, imports, ledger_files, openapi, session


def setup_routes(app: web.Application) -> None:
    session.setup_routes(app)
    creditors.setup_routes(app)
    ledger_files.setup_routes(app)
    imports.setup_routes(app)
    openapi.setup_routes(app)
