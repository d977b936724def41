"""Nous contacter: the creditor's billing and collections contacts (not built yet)."""

from __future__ import annotations

from aiohttp import web

from gateway.portal.layout import CONTACT, render_coming_soon


async def contact_page(request: web.Request) -> web.Response:
    return await render_coming_soon(request, CONTACT)


def setup_routes(app: web.Application) -> None:
    app.router.add_get(CONTACT.path, contact_page, name="contact")
