"""The accounts service: application factory and lifecycle."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import structlog
from aiohttp import web

from services.accounts.routes import setup_routes
from services.accounts.sessions import delete_dead_sessions
from services.accounts.settings import AccountsSettings, accounts_settings
from services.accounts.throttle import delete_old_attempts
from shared.service import SETTINGS, ServiceDefinition
from shared.web import POOL

log = structlog.get_logger(__name__)

ACCOUNTS_SETTINGS = web.AppKey("accounts_settings", AccountsSettings)
HOUSEKEEPING_INTERVAL_SECONDS = 600.0


async def settings_context(app: web.Application) -> AsyncIterator[None]:
    """Read the accounts-specific settings once, before the routes serve."""
    app[ACCOUNTS_SETTINGS] = accounts_settings(app[SETTINGS])
    yield


async def _delete_dead_rows(app: web.Application) -> None:
    while True:
        await asyncio.sleep(HOUSEKEEPING_INTERVAL_SECONDS)
        try:
            async with app[POOL].acquire() as connection:
                attempts = await delete_old_attempts(connection)
                sessions = await delete_dead_sessions(connection)
            log.info("housekeeping_done", deleted_attempts=attempts, deleted_sessions=sessions)
        except (OSError, asyncpg.PostgresError) as error:
            log.warning("housekeeping_failed", error=repr(error))


async def housekeeping_context(app: web.Application) -> AsyncIterator[None]:
    """Delete old login attempts and dead sessions every 10 minutes."""
    task = asyncio.create_task(_delete_dead_rows(app), name="accounts-housekeeping")
    yield
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass


DEFINITION = ServiceDefinition(
    name="accounts",
    migrations=Path(__file__).parent / "migrations",
    setup_routes=setup_routes,
    extra_contexts=[settings_context, housekeeping_context],
)
