"""faststream NATS broker lifecycle and stream declaration."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

from faststream.nats import NatsBroker

from shared.events.streams import STREAMS, ensure_stream


def build_broker(nats_url: str) -> NatsBroker:
    """Build a broker that reconnects forever, so a NATS restart only delays events."""
    return NatsBroker(
        nats_url,
        max_reconnect_attempts=-1,
        reconnect_time_wait=1,
        connect_timeout=5,
        allow_reconnect=True,
        logger=None,
    )


@asynccontextmanager
async def running_broker(
    broker: NatsBroker, *, declare: Iterable[str] = tuple(STREAMS), replicas: int = 1
) -> AsyncIterator[NatsBroker]:
    """Connect, declare the named producers' streams, start subscribers; stop on exit."""
    await broker.connect()
    jetstream = broker.connection.jetstream()
    for producer in declare:
        await ensure_stream(jetstream, STREAMS[producer], replicas=replicas)
    await broker.start()
    try:
        yield broker
    finally:
        await broker.stop()
