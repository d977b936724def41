"""HTTP routes of the accounts service, one module per concept."""

from __future__ import annotations

from aiohttp import web

from services.accounts.routes import creditors, sessions


def setup_routes(app: web.Application) -> None:
    sessions.add_routes(app)
    creditors.add_routes(app)
