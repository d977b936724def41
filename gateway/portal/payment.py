"""Règlement: online card payment of the selected invoices (not built yet)."""

from __future__ import annotations

from aiohttp import web

from gateway.portal.layout import PAYMENT, render_coming_soon


async def payment_page(request: web.Request) -> web.Response:
    return await render_coming_soon(request, PAYMENT)


def setup_routes(app: web.Application) -> None:
    app.router.add_get(PAYMENT.path, payment_page, name="payment")
