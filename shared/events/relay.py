"""Outbox relay: publishes committed events to JetStream, in batches.

Rows are claimed with ``FOR UPDATE SKIP LOCKED``, so several replicas of a
service can relay together without publishing a row twice at the same time.
Each message carries ``Nats-Msg-Id`` = event id: if the relay crashes after
publishing but before marking the row, the retry falls inside the stream's
duplicate window and JetStream drops it. A retry after that window stores a
second copy, which consumers' inboxes ignore. The stream's order may differ
from the outbox's when batches or replicas overlap, so a consumer that
cares orders by the event's own data (``occurred_at``, a version).

A row that fails while others of its batch go out waits for its own next
attempt (``next_attempt_at``, doubling up to ``MAX_ROW_RETRY_SECONDS``), so an
event that the broker keeps rejecting never holds back the rest. Such a row
is kept, never dropped, and logged at error level from its
``STUCK_ATTEMPTS``-th failure on, in one line for all such rows of a batch. When a whole batch fails and some of its
rows were tried for the first time, the broker is probably away, so the
relay backs off as a whole. Rows that only failed again do not make it wait.
"""

from __future__ import annotations

import asyncio
import json
from typing import NamedTuple

import asyncpg
import structlog
from faststream.nats import NatsBroker

log = structlog.get_logger(__name__)

MAX_BACKOFF_SECONDS = 30.0
MAX_ROW_RETRY_SECONDS = 60.0
STUCK_ATTEMPTS = 5
# The stuck rows of a batch are logged in one line, with the ids of at most this many.
STUCK_IDS_LOGGED = 20
PUBLISH_TIMEOUT_SECONDS = 5.0
# How long stop() waits for the cancelled loop and for the listener
# connection. Rows of an abandoned batch stay unpublished and go out later.
STOP_TIMEOUT_SECONDS = 10.0


class BatchOutcome(NamedTuple):
    """The counts of one batch's rows by outcome."""

    published: int
    failed: int
    failed_first_try: int
    """Failed rows that no batch had tried before. When a batch publishes nothing and some of
    its rows were new, the broker is probably away. When only rows that failed before fail
    again, the broker is fine and those rows wait for their own next attempt."""


def row_retry_delay(attempts: int) -> float:
    """Wait before the next attempt of a row that failed ``attempts`` times: 1 s, 2 s, 4 s … capped at one minute."""
    return min(MAX_ROW_RETRY_SECONDS, float(2 ** max(0, attempts - 1)))


class OutboxRelay:
    """Publishes unpublished outbox rows until stopped."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        broker: NatsBroker,
        *,
        batch_size: int = 100,
        poll_seconds: float = 1.0,
        stop_timeout_seconds: float = STOP_TIMEOUT_SECONDS,
    ) -> None:
        self._pool = pool
        self._stop_timeout_seconds = stop_timeout_seconds
        self._broker = broker
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task | None = None
        self._listener: asyncpg.Connection | None = None

    async def start(self) -> None:
        self._listener = await self._pool.acquire()
        await self._listener.add_listener("outbox", self._on_notify)
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        """Cancel the loop and release the listener connection, giving up on either after the stop timeout.

        The cancellation can be lost. In Python 3.11, wait_for returns the
        result of a wait that ends in the same loop iteration as the
        cancellation, and drops the cancellation (CPython issue 86296, fixed
        in 3.12). The loop's wait for NOTIFY wake-ups is such a wait, and a
        library may swallow it too. So the loop also checks a stop flag
        before each batch, which the stop sets and wakes it for. Giving up
        after the timeout loses nothing, because the rows of the batch in
        flight stay unpublished unless their transaction commits, and they go
        out again later (JetStream drops a duplicate by Nats-Msg-Id).
        """
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            self._task.cancel()
            done, _pending = await asyncio.wait({self._task}, timeout=self._stop_timeout_seconds)
            if not done:
                log.error("outbox_relay_stop_timed_out", waited_seconds=self._stop_timeout_seconds)
        if self._listener is not None:
            listener, self._listener = self._listener, None
            try:
                await asyncio.wait_for(listener.remove_listener("outbox", self._on_notify), self._stop_timeout_seconds)
                await asyncio.wait_for(self._pool.release(listener), self._stop_timeout_seconds)
            except (TimeoutError, OSError, asyncpg.PostgresError) as error:
                log.error("outbox_listener_release_failed", error=repr(error))
                listener.terminate()

    def _on_notify(self, *_args: object) -> None:
        self._wake.set()

    async def _run(self) -> None:
        failures = 0
        while not self._stopping:
            self._wake.clear()
            try:
                outcome = await self.publish_batch()
                if outcome.failed_first_try and not outcome.published:
                    raise RuntimeError(f"none of {outcome.failed} events published")
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the broker or the database is away: retry later
                failures += 1
                delay = min(MAX_BACKOFF_SECONDS, 0.25 * 2**failures)
                log.warning("outbox_relay_failed", error=repr(error), retry_in=delay)
                await asyncio.sleep(delay)
                continue
            failures = 0
            if outcome.published + outcome.failed == self._batch_size:
                continue  # more rows are probably waiting
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self._poll_seconds)
            except TimeoutError:
                pass

    async def publish_batch(self) -> BatchOutcome:
        """Publish one batch of due rows; return how many were published and how many failed.

        A failed row gets its error, one more attempt and the time of its
        next attempt, in the same transaction that marks the published rows.
        """
        async with self._pool.acquire() as connection, connection.transaction():
            rows = await connection.fetch(
                """SELECT position, event_id, subject, stream, payload, attempts
                     FROM outbox
                    WHERE published_at IS NULL AND (next_attempt_at IS NULL OR next_attempt_at <= now())
                    ORDER BY position
                    LIMIT $1
                      FOR UPDATE SKIP LOCKED""",
                self._batch_size,
            )
            if not rows:
                return BatchOutcome(0, 0, 0)

            results = await asyncio.gather(
                *(self._publish(row) for row in rows), return_exceptions=True
            )
            done = [row["position"] for row, result in zip(rows, results) if result is None]
            failed = [
                (row["position"], repr(result)[:4000], row_retry_delay(row["attempts"] + 1))
                for row, result in zip(rows, results)
                if result is not None
            ]
            if done:
                await connection.execute(
                    "UPDATE outbox SET published_at = now(), attempts = attempts + 1 "
                    "WHERE position = ANY($1::bigint[])",
                    done,
                )
            if failed:
                await connection.executemany(
                    """UPDATE outbox
                          SET attempts = attempts + 1, last_error = $2,
                              next_attempt_at = now() + make_interval(secs => $3)
                        WHERE position = $1""",
                    failed,
                )
        stuck = [
            (row, result) for row, result in zip(rows, results)
            if result is not None and row["attempts"] + 1 >= STUCK_ATTEMPTS
        ]
        if stuck:
            # One line per batch, because while the broker is away every row of every batch fails.
            first_row, first_error = stuck[0]
            log.error(
                "outbox_events_stuck",
                count=len(stuck),
                event_ids=[str(row["event_id"]) for row, _ in stuck[:STUCK_IDS_LOGGED]],
                subjects=sorted({row["subject"] for row, _ in stuck}),
                max_attempts=max(row["attempts"] + 1 for row, _ in stuck),
                error=repr(first_error),
            )
        log.debug("outbox_batch_published", published=len(done), failed=len(failed))
        failed_first_try = sum(result is not None and row["attempts"] == 0 for row, result in zip(rows, results))
        return BatchOutcome(len(done), len(failed), failed_first_try)

    async def _publish(self, row: asyncpg.Record) -> None:
        body = json.dumps(row["payload"], separators=(",", ":")).encode()
        # faststream sends correlation_id as a header, and makes up a random one when none is given.
        # The envelope's own, or else the event id, lets NATS tools follow an event and its effects.
        correlation_id = row["payload"].get("correlation_id") or str(row["event_id"])
        await self._broker.publish(
            body,
            subject=row["subject"],
            headers={"Nats-Msg-Id": str(row["event_id"]), "content-type": "application/json"},
            correlation_id=correlation_id,
            stream=row["stream"],
            timeout=PUBLISH_TIMEOUT_SECONDS,
        )
