"""Application factory shared by the four business services.

Each service describes itself with a ``ServiceDefinition``. This module
wires the pool, the broker, the outbox relay, the consumers and the
middlewares in one lifecycle, so every service starts and stops alike.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import structlog
from aiohttp import web

from shared.db import SHARED_SQL, open_pool
from shared.events.broker import build_broker, running_broker
from shared.events.consumer import EventConsumer, subscribe
from shared.events.relay import OutboxRelay
from shared.principal import PrincipalVerifier
from shared.settings import ServiceSettings
from shared.web import (
    BROKER,
    POOL,
    VERIFIER,
    add_health_routes,
    error_middleware,
    principal_middleware,
    request_context_middleware,
)

log = structlog.get_logger(__name__)

SETTINGS = web.AppKey("settings", ServiceSettings)
RELAY = web.AppKey("relay", OutboxRelay)

ConsumerFactory = Callable[[asyncpg.Pool], list[tuple[EventConsumer, list[str]]]]


@dataclass(frozen=True)
class ServiceDefinition:
    """Parts that make one service different from the others."""

    name: str
    migrations: Path
    setup_routes: Callable[[web.Application], None]
    consumers: ConsumerFactory | None = None
    subscriptions: tuple[str, ...] = ()
    """Subjects the service's consumers read, each through a durable consumer named after the service.

    NATS lets the service use those durable consumers and no other (see
    `shared.events.access`), so `consumers` may subscribe to these subjects only.
    """
    extra_contexts: list[Callable[[web.Application], AsyncIterator[None]]] = field(default_factory=list)

    @property
    def migration_folders(self) -> list[Path]:
        return [SHARED_SQL, self.migrations]


async def freeze_startup_heap(_app: web.Application) -> None:
    """Move everything allocated at start-up out of the garbage collector's reach.

    Modules, schemas and caches live as long as the process. Without this,
    each full collection walks them again, which made one document render
    in twenty take twice as long (measured with bench/bench_pdf_render.py).
    """
    gc.freeze()


def create_service_app(definition: ServiceDefinition, settings: ServiceSettings) -> web.Application:
    """Build the aiohttp application of one service."""
    app = web.Application(
        middlewares=[request_context_middleware, error_middleware, principal_middleware],
        client_max_size=64 * 1024 * 1024,
    )
    app[SETTINGS] = settings
    app[VERIFIER] = PrincipalVerifier(
        settings.principal_public_key, settings.previous_principal_keys(), audience=definition.name
    )

    async def database(app: web.Application) -> AsyncIterator[None]:
        async with open_pool(settings.database_url) as pool:
            app[POOL] = pool
            yield

    async def events(app: web.Application) -> AsyncIterator[None]:
        broker = build_broker(settings.nats_url, settings.nats_user, settings.nats_password.get_secret_value())
        if definition.consumers is not None:
            for consumer, subjects in definition.consumers(app[POOL]):
                undeclared = [subject for subject in subjects if subject not in definition.subscriptions]
                if consumer.name != definition.name or undeclared:
                    raise RuntimeError(
                        f"{definition.name}: consumer {consumer.name!r} of {undeclared or list(subjects)} is not declared"
                        " in ServiceDefinition.subscriptions under the service's name, so NATS would refuse it"
                    )
                subscribe(broker, consumer, subjects, user=settings.nats_user)
        # Every service declares all streams so consumers can bind before producers start.
        async with running_broker(broker, replicas=settings.stream_replicas, owner=definition.name):
            app[BROKER] = broker
            relay = OutboxRelay(
                app[POOL],
                broker,
                batch_size=settings.outbox_batch_size,
                poll_seconds=settings.outbox_poll_seconds,
            )
            await relay.start()
            app[RELAY] = relay
            log.info("service_started", service=definition.name)
            try:
                yield
            finally:
                await relay.stop()
                log.info("service_stopping", service=definition.name)

    app.on_startup.append(freeze_startup_heap)
    app.cleanup_ctx.append(database)
    app.cleanup_ctx.append(events)
    for context in definition.extra_contexts:
        app.cleanup_ctx.append(context)
    add_health_routes(app)
    definition.setup_routes(app)
    return app
