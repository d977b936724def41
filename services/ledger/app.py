"""The ledger service: application factory and lifecycle."""

from __future__ import annotations

from pathlib import Path

from services.ledger.consumers import SUBSCRIPTIONS, ledger_consumers
from services.ledger.routes import setup_routes
from shared.service import ServiceDefinition

DEFINITION = ServiceDefinition(
    name="ledger",
    migrations=Path(__file__).parent / "migrations",
    setup_routes=setup_routes,
    consumers=ledger_consumers,
    subscriptions=SUBSCRIPTIONS,
)
