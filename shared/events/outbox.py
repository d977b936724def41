"""Writing events to the outbox inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable

import asyncpg

from shared.db import copy_text, copy_text_rows
from shared.events.envelope import EventEnvelope
from shared.events.streams import stream_for_subject


# NATS refuses a message larger than its max_payload, 1 MiB unless configured
# otherwise. The margin leaves room for the headers.
MAX_EVENT_BYTES = 1_000_000


class EventTooLarge(ValueError):
    """An event whose JSON body NATS would refuse."""


async def add_to_outbox(connection: asyncpg.Connection, event: EventEnvelope) -> None:
    """Store ``event`` for publication; commits or rolls back with the caller's change.

    Raises EventTooLarge, failing the caller's change, for an event that
    the broker could never accept.
    """
    size = len(event.model_dump_json().encode())
    if size > MAX_EVENT_BYTES:
        raise EventTooLarge(
            f"event {event.type} {event.event_id} is {size} bytes of JSON, more than the {MAX_EVENT_BYTES}"
            " that NATS accepts: carry large content by reference"
        )
    stream = stream_for_subject(event.type)
    await connection.execute(
        "INSERT INTO outbox (event_id, subject, stream, payload) VALUES ($1, $2, $3, $4)",
        event.event_id,
        event.type,
        stream.name,
        event.model_dump(mode="json"),
    )


async def add_many_to_outbox(connection: asyncpg.Connection, events: list[EventEnvelope]) -> None:
    """Store many events in one round trip (imports emit thousands).

    The size is not checked here, to keep imports fast: the callers build
    small events of fixed shape.
    """
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


OUTBOX_COPY_COLUMNS = ("event_id", "subject", "stream", "payload")


def outbox_copy_row(event_id: str, subject: str, stream: str, payload_json: str) -> str:
    """Return one event as a row of COPY text for `copy_to_outbox`; `payload_json` is the JSON of the envelope."""
    return f"{event_id}\t{copy_text(subject)}\t{copy_text(stream)}\t{copy_text(payload_json)}\n"


async def copy_to_outbox(connection: asyncpg.Connection, rows: Iterable[str]) -> None:
    """Store events given as rows of `outbox_copy_row` in one COPY.

    The statement-level trigger that wakes the relay fires for a COPY as for
    an INSERT. As in `add_many_to_outbox`, the size is not checked: the
    callers build small events of fixed shape.
    """
    await copy_text_rows(connection, "outbox", OUTBOX_COPY_COLUMNS, rows)
