"""Informations compte: the agency's contact, billing address and bank details (not built yet)."""

from __future__ import annotations

from aiohttp import web

from gateway.portal.layout import ACCOUNT_DETAILS, render_coming_soon


async def account_details_page(request: web.Request) -> web.Response:
    return await render_coming_soon(request, ACCOUNT_DETAILS)


def setup_routes(app: web.Application) -> None:
    app.router.add_get(ACCOUNT_DETAILS.path, account_details_page, name="account_details")
