"""The disputes service: application factory and lifecycle."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from shared.service import ServiceDefinition


def setup_routes(app: web.Application) -> None:
    # TODO: add the disputes routes when the disputes capability is built; until then only the health routes respond.
    return None


DEFINITION = ServiceDefinition(
    name="disputes",
    migrations=Path(__file__).parent / "migrations",
    setup_routes=setup_routes,
)
