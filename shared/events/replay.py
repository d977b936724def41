"""Replaying dead letters: events a consumer gave up on, run again once the cause is fixed.

A replay runs the consumer's handler directly on the stored envelope, in the
same transaction as the inbox record and the dead letter's ``replayed_at``.
It does not publish the event again: JetStream would drop a copy with the
same Nats-Msg-Id inside its duplicate window, and the other consumers of the
subject have handled it already. An event that the inbox already has (a
redelivery applied it meanwhile) is marked replayed without a second effect.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import asyncpg
import structlog
from pydantic import ValidationError

from shared.events.consumer import EventConsumer, envelope_mismatch
from shared.events.envelope import ReceivedEnvelope

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class ReplayResult:
    """The outcome of replaying one dead letter."""

    dead_letter_id: int
    event_id: str | None
    outcome: str
    """``applied``, ``already_applied``, ``failed`` (the handler raised again) or ``not_replayable``."""
    detail: str = ""

    @property
    def succeeded(self) -> bool:
        return self.outcome in ("applied", "already_applied")


async def pending_dead_letters(pool: asyncpg.Pool, *, include_replayed: bool = False) -> list[asyncpg.Record]:
    """Return the dead letters, oldest first: those neither replayed nor dismissed, or all of them."""
    return await pool.fetch(
        """SELECT id, consumer, subject, event_id, error, deliveries, created_at, replayed_at, dismissed_at,
                  dismissal_note
             FROM dead_letters
            WHERE $1 OR (replayed_at IS NULL AND dismissed_at IS NULL)
            ORDER BY id""",
        include_replayed,
    )


async def dismiss_dead_letter(pool: asyncpg.Pool, dead_letter_id: int, note: str) -> bool:
    """Set aside a dead letter that will never be replayed, with the operator's reason; return whether one was."""
    status = await pool.execute(
        """UPDATE dead_letters SET dismissed_at = now(), dismissal_note = $2
            WHERE id = $1 AND replayed_at IS NULL AND dismissed_at IS NULL""",
        dead_letter_id,
        note,
    )
    if status == "UPDATE 1":
        log.info("dead_letter_dismissed", dead_letter_id=dead_letter_id, note=note)
        return True
    return False


async def replay_dead_letters(
    pool: asyncpg.Pool, consumers: Iterable[EventConsumer], *, dead_letter_id: int | None = None
) -> list[ReplayResult]:
    """Replay the dead letters not replayed yet (or only ``dead_letter_id``), oldest first.

    Each one runs in a transaction of its own, so one that fails again stays
    as it was and does not stop the others.
    """
    by_name = {consumer.name: consumer for consumer in consumers}
    ids = await pool.fetch(
        """SELECT id FROM dead_letters
            WHERE replayed_at IS NULL AND dismissed_at IS NULL AND ($1::bigint IS NULL OR id = $1)
            ORDER BY id""",
        dead_letter_id,
    )
    results = []
    for row in ids:
        async with pool.acquire() as connection, connection.transaction():
            result = await _replay_one(connection, by_name, row["id"])
        if result is not None:
            log.info("dead_letter_replayed", dead_letter_id=result.dead_letter_id, event_id=result.event_id,
                     outcome=result.outcome, detail=result.detail)
            results.append(result)
    return results


async def _replay_one(
    connection: asyncpg.Connection, consumers: dict[str, EventConsumer], dead_letter_id: int
) -> ReplayResult | None:
    row = await connection.fetchrow(
        """SELECT id, consumer, subject, event_id, payload FROM dead_letters
            WHERE id = $1 AND replayed_at IS NULL AND dismissed_at IS NULL
              FOR UPDATE""",
        dead_letter_id,
    )
    if row is None:
        return None  # another replay took it meanwhile

    def not_replayable(detail: str) -> ReplayResult:
        return ReplayResult(dead_letter_id, row["event_id"], "not_replayable", detail)

    consumer = consumers.get(row["consumer"])
    if consumer is None:
        return not_replayable(f"no consumer named {row['consumer']!r} in this service")
    try:
        event = ReceivedEnvelope.model_validate_json(bytes(row["payload"]))
    except ValidationError as error:
        first = error.errors()[0]
        location = ".".join(str(part) for part in first["loc"]) or "body"
        return not_replayable(f"the stored body is not a valid envelope: {location}: {first['msg']}")
    mismatch = envelope_mismatch(row["subject"], event)
    if mismatch is not None:
        return not_replayable(mismatch)
    handler = consumer.handler_for(row["subject"])
    if handler is None:
        return not_replayable(f"consumer {consumer.name!r} has no handler for {row['subject']!r}")

    try:
        async with connection.transaction():  # a savepoint: a failed handler leaves nothing behind
            applied = await consumer.apply(connection, handler, event)
    except Exception as error:  # the cause is not fixed yet: the dead letter stays for a later replay
        return ReplayResult(dead_letter_id, row["event_id"], "failed", repr(error)[:500])
    await connection.execute("UPDATE dead_letters SET replayed_at = now() WHERE id = $1", dead_letter_id)
    return ReplayResult(dead_letter_id, row["event_id"], "applied" if applied else "already_applied")
