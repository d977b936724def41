"""Writing events to the outbox inside the caller's transaction."""

from __future__ import annotations

import asyncpg

from shared.events.envelope import EventEnvelope
from shared.events.streams import stream_for_subject


async def add_to_outbox(connection: asyncpg.Connection, event: EventEnvelope) -> None:
    """Store ``event`` for publication; commits or rolls back with the caller's change."""
    stream = stream_for_subject(event.type)
    await connection.execute(
        "INSERT INTO outbox (event_id, subject, stream, payload) VALUES ($1, $2, $3, $4)",
        event.event_id,
        event.type,
        stream.name,
        event.model_dump(mode="json"),
    )


async def add_many_to_outbox(connection: asyncpg.Connection, events: list[EventEnvelope]) -> None:
    """Store many events in one round trip (imports emit thousands)."""
    if not events:
        return
    # One statement for the whole batch: one round trip and one NOTIFY.
    await connection.execute(
        """INSERT INTO outbox (event_id, subject, stream, payload)
           SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::jsonb[])""",
        [event.event_id for event in events],
        [event.type for event in events],
        [stream_for_subject(event.type).name for event in events],
        [event.model_dump(mode="json") for event in events],
    )
