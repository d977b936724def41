"""Liveness and readiness of the gateway."""

from __future__ import annotations

import asyncio

from aiohttp import web

from gateway.clients import HTTP_SESSION, probe_health
from gateway.settings import SETTINGS


async def healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """Report ready when every service's /healthz returns 200, else 503 with the failing services."""
    settings = request.app[SETTINGS]
    services = {
        "accounts": str(settings.accounts_url),
        "ledger": str(settings.ledger_url),
        "disputes": str(settings.disputes_url),
        "payments": str(settings.payments_url),
    }
    http = request.app[HTTP_SESSION]
    results = await asyncio.gather(*(probe_health(http, name, url) for name, url in services.items()))
    problems = [problem for problem in results if problem is not None]
    if problems:
        return web.json_response({"status": "unavailable", "problems": problems}, status=503)
    return web.json_response({"status": "ready"})


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
