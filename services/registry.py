"""Lookup of each service's definition by name, so tools can iterate over them."""

from __future__ import annotations

import importlib

from shared.service import ServiceDefinition

SERVICE_NAMES = ("accounts", "ledger", "disputes", "payments")


def service_definition(name: str) -> ServiceDefinition:
    """Import ``services.<name>.app`` and return its ``DEFINITION``."""
    if name not in SERVICE_NAMES:
        raise ValueError(f"unknown service {name!r}: expected one of {', '.join(SERVICE_NAMES)}")
    module = importlib.import_module(f"services.{name}.app")
    return module.DEFINITION


def service_subscriptions() -> dict[str, tuple[str, ...]]:
    """Return the subjects each service reads, by service name (see `ServiceDefinition.subscriptions`)."""
    return {name: service_definition(name).subscriptions for name in SERVICE_NAMES}
