"""Litiges: the agency's disputes (not built yet)."""

from __future__ import annotations

from aiohttp import web

from gateway.portal.layout import DISPUTES, render_coming_soon


async def disputes_page(request: web.Request) -> web.Response:
    return await render_coming_soon(request, DISPUTES)


def setup_routes(app: web.Application) -> None:
    app.router.add_get(DISPUTES.path, disputes_page, name="disputes")
