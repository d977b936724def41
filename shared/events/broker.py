"""faststream NATS broker lifecycle and stream declaration."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

from faststream.nats import NatsBroker
from faststream.nats.security import NatsUserPassword

from shared.events.access import inbox_prefix
from shared.events.streams import STREAMS, ensure_stream


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
        await broker.stop()
