"""HTTP routes of the accounts service, one module per concept."""

from __future__ import annotations

from aiohttp import web

from services.accounts.routes import account, agency, creditors, mail_sink, me, passwords, sessions, staff


def setup_routes(app: web.Application) -> None:
    sessions.add_routes(app)
    passwords.add_routes(app)
    creditors.add_routes(app)
    me.add_routes(app)
    agency.add_routes(app)
    account.add_routes(app)
    staff.add_routes(app)
    mail_sink.add_routes(app)
