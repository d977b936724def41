"""Outbox relay: publishes committed events to JetStream, in batches.

Rows are claimed with ``FOR UPDATE SKIP LOCKED``, so several replicas of a
service can relay together without publishing a row twice at the same time.
Each message carries ``Nats-Msg-Id`` = event id: if the relay crashes after
publishing but before marking the row, the retry falls inside the stream's
duplicate window and JetStream drops it; consumers' inboxes catch any later
duplicate.
"""

from __future__ import annotations

import asyncio
import json

import asyncpg
import structlog
from faststream.nats import NatsBroker

log = structlog.get_logger(__name__)

MAX_BACKOFF_SECONDS = 30.0
PUBLISH_TIMEOUT_SECONDS = 5.0
# How long stop() waits for the cancelled loop and for the listener
# connection. Rows of an abandoned batch stay unpublished and go out later.
STOP_TIMEOUT_SECONDS = 10.0


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
        self._task: asyncio.Task | None = None
        self._listener: asyncpg.Connection | None = None

    async def start(self) -> None:
        self._listener = await self._pool.acquire()
        await self._listener.add_listener("outbox", self._on_notify)
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        """Cancel the loop and release the listener connection, giving up on either after the stop timeout.

        The loop may not end after cancellation when a library swallows
        it. NOTE: one such hang was seen in a test's teardown, and its cause
        is not known. Giving up loses nothing, because the rows of the batch
        in flight stay unpublished unless their transaction commits, and they
        go out again later (JetStream drops a duplicate by Nats-Msg-Id).
        """
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
        while True:
            self._wake.clear()
            try:
                published = await self.publish_batch()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the broker or the database is away: retry later
                failures += 1
                delay = min(MAX_BACKOFF_SECONDS, 0.25 * 2**failures)
                log.warning("outbox_relay_failed", error=repr(error), retry_in=delay)
                await asyncio.sleep(delay)
                continue
            failures = 0
            if published == self._batch_size:
                continue  # more rows are probably waiting
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self._poll_seconds)
            except TimeoutError:
                pass

    async def publish_batch(self) -> int:
        """Publish one batch; return how many rows were published.

        Raises the first publish error after marking the rows that did go out,
        so the caller backs off.
        """
        async with self._pool.acquire() as connection, connection.transaction():
            rows = await connection.fetch(
                """SELECT position, event_id, subject, stream, payload
                     FROM outbox
                    WHERE published_at IS NULL
                    ORDER BY position
                    LIMIT $1
                      FOR UPDATE SKIP LOCKED""",
                self._batch_size,
            )
            if not rows:
                return 0

            results = await asyncio.gather(
                *(self._publish(row) for row in rows), return_exceptions=True
            )
            done = [row["position"] for row, result in zip(rows, results) if result is None]
            failed = [
                (row["position"], repr(result))
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
                    "UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE position = $1",
                    failed,
                )
        log.debug("outbox_batch_published", published=len(done), failed=len(failed))
        if failed:
            raise RuntimeError(f"{len(failed)} events not published: {failed[0][1]}")
        return len(done)

    async def _publish(self, row: asyncpg.Record) -> None:
        body = json.dumps(row["payload"], separators=(",", ":")).encode()
        await self._broker.publish(
            body,
            subject=row["subject"],
            headers={"Nats-Msg-Id": str(row["event_id"]), "content-type": "application/json"},
            stream=row["stream"],
            timeout=PUBLISH_TIMEOUT_SECONDS,
        )
