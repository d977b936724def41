"""API routes of the agency's creditors and of each creditor's statement."""

from __future__ import annotations

from aiohttp import web

from gateway.accounts_portal import accounts_portal
from gateway.api.session import API_BASE
from gateway.clients import ACCOUNTS, LEDGER
from gateway.creditor_access import require_account
from gateway.sessions import require_session
from shared.principal import Role

STATEMENT_PARAMETERS = ("view", "date_from", "date_to", "number", "page", "page_size")


async def list_creditors(request: web.Request) -> web.Response:
    """Return the agency's creditors with its account number at each, or for staff the creditors they work for."""
    active = await require_session(request)
    if active.info.role is Role.STAFF:
        # Staff hold no customer account, but import files and review requests for these creditors.
        names = await accounts_portal(request).creditor_names(active.info)
        return web.json_response(
            {"creditors": [{"id": creditor, "name": name, "customer_account": None} for creditor, name in names.items()]}
        )
    creditors = await request.app[ACCOUNTS].list_creditors(active.info)
    return web.json_response(
        {
            "creditors": [
                {"id": creditor.id, "name": creditor.name, "customer_account": active.info.account_at(creditor.id)}
                for creditor in creditors
            ]
        }
    )


async def creditor_statement(request: web.Request) -> web.Response:
    """Return the ledger's statement JSON unchanged, because the ledger validates the filters itself."""
    active = await require_session(request)
    creditor = request.match_info["creditor"]
    require_account(active.info, creditor)
    parameters = {name: request.query[name] for name in STATEMENT_PARAMETERS if name in request.query}
    statement = await request.app[LEDGER].statement(active.info, creditor, parameters)
    return web.json_response(statement)


def setup_routes(app: web.Application) -> None:
    app.router.add_get(f"{API_BASE}/creditors", list_creditors)
    app.router.add_get(f"{API_BASE}/creditors/{{creditor}}/statement", creditor_statement)
