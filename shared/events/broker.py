"""faststream NATS broker lifecycle and stream declaration."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

import structlog
from faststream.nats import NatsBroker
from faststream.nats.security import NatsUserPassword
from nats.errors import ConnectionClosedError, ConnectionReconnectingError

from shared.events.access import inbox_prefix
from shared.events.streams import STREAMS, ensure_stream

log = structlog.get_logger(__name__)


def build_broker(nats_url: str, user: str = "", password: str = "") -> NatsBroker:
    """Build a broker that reconnects forever, so a NATS restart only delays events.

    With ``user``, the broker logs in with that user and password, and takes
    its replies on the user's own inbox prefix, the only one the server lets
    that user read (see `shared.events.access`).
    """
    credentials = (
        {"security": NatsUserPassword(user, password), "inbox_prefix": inbox_prefix(user)} if user else {}
    )
    return NatsBroker(
        nats_url,
        **credentials,
        max_reconnect_attempts=-1,
        reconnect_time_wait=1,
        connect_timeout=5,
        allow_reconnect=True,
        logger=None,
    )


@asynccontextmanager
async def running_broker(
    broker: NatsBroker, *, declare: Iterable[str] = tuple(STREAMS), replicas: int = 1, owner: str | None = None
) -> AsyncIterator[NatsBroker]:
    """Connect, declare the named producers' streams, start subscribers; stop on exit.

    With ``owner``, an existing stream is brought to this configuration only
    when it is the owner's own; the others are only created when missing.
    """
    await broker.connect()
    jetstream = broker.connection.jetstream()
    for producer in declare:
        await ensure_stream(
            jetstream, STREAMS[producer], replicas=replicas, update=owner is None or producer == owner
        )
    await broker.start()
    try:
        yield broker
    finally:
        await stop_broker(broker)


async def stop_broker(broker: NatsBroker) -> None:
    """Stop the subscribers and drain the connection, or close it when NATS is away.

    The nats client refuses to drain while it reconnects. Closing without a
    drain loses nothing: JetStream redelivers unacknowledged messages, and
    unpublished events stay in the outbox.
    """
    try:
        await broker.stop()
    except (ConnectionReconnectingError, ConnectionClosedError) as error:
        log.warning("broker_closed_without_drain", error=repr(error))
        await broker.connection.close()
