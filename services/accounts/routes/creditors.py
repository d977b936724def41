"""Routes that show creditors to an agency or staff principal."""

from __future__ import annotations

from aiohttp import web

from shared.principal import Principal, Role
from shared.web import POOL, principal_of


def visible_creditors(principal: Principal) -> list[str] | None:
    """Return the creditor ids the principal may see, or None for every creditor (system)."""
    if principal.role is Role.SYSTEM:
        return None
    if principal.role is Role.STAFF:
        return list(principal.staff_creditors)
    return sorted({account.creditor for account in principal.accounts})


async def get_creditors(request: web.Request) -> web.Response:
    creditor_ids = visible_creditors(principal_of(request))
    rows = await request.app[POOL].fetch(
        """SELECT id, name FROM creditors
            WHERE $1::text[] IS NULL OR id = ANY($1::text[])
            ORDER BY name, id""",
        creditor_ids,
    )
    return web.json_response({"creditors": [{"id": row["id"], "name": row["name"]} for row in rows]})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/creditors", get_creditors)
