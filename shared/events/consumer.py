"""Durable, idempotent event consumption.

Each handler runs in one database transaction together with the insert of
the event id into ``inbox``; the message is acknowledged only after commit.
A redelivered event finds its id already there and has no second effect.
A handler that raises is retried with back-off. After ``max_deliveries``
the message is stored in ``dead_letters`` and then acknowledged, so nothing
is dropped and an operator can replay it (`shared.events.replay`). A body
that is not a valid envelope, or lacks the producer's ``event_id`` or
``occurred_at``, can never succeed and goes to ``dead_letters`` at once.
Every dead letter is logged as ``event_dead_lettered`` at error level.

The handler is chosen by the message's subject, which NATS allowed only the
owning service to publish on (see `shared.events.access`). An envelope whose
``type`` is not that subject, or whose ``producer`` is not the service that
owns it, is a forgery or a bug: it is dead-lettered at once and has no effect.
So is an event of a data schema version newer than the consumer reads: it
waits in ``dead_letters`` for a release that reads it, then a replay.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

import asyncpg
import structlog
from faststream import AckPolicy
from faststream.nats import ConsumerConfig, DeliverPolicy, JStream, NatsBroker, PullSub
from faststream.nats.annotations import NatsMessage
from nats.js.api import AckPolicy as JsAckPolicy
from pydantic import ValidationError

from shared.events.access import inbox_prefix
from shared.events.envelope import EventEnvelope, ReceivedEnvelope
from shared.events.streams import durable_name, stream_for_subject

log = structlog.get_logger(__name__)

EventHandler = Callable[[asyncpg.Connection, EventEnvelope], Awaitable[None]]

DEFAULT_MAX_DELIVERIES = 8
KNOWN_VERSION = 1
"""Newest data schema version of each event type that the handlers read."""
MAX_RETRY_DELAY_SECONDS = 60.0


def retry_delay(delivery: int) -> float:
    """Back-off before the next delivery: 1 s, 2 s, 4 s … capped at one minute."""
    return min(MAX_RETRY_DELAY_SECONDS, float(2 ** max(0, delivery - 1)))


def envelope_mismatch(subject: str, event: EventEnvelope) -> str | None:
    """Return why ``event`` may not be handled from ``subject``, or None when its type, producer and version fit.

    The first token of a subject names the service whose stream captures it
    and whose NATS user alone may publish on it.
    """
    if event.type != subject:
        return f"envelope type {event.type!r} differs from the subject {subject!r} it was published on"
    owner = subject.split(".", 1)[0]
    if event.producer != owner:
        return f"envelope producer {event.producer!r} is not {owner!r}, the service that publishes on {subject!r}"
    if event.version > KNOWN_VERSION:
        return (
            f"data schema version {event.version} of {subject!r} is newer than version {KNOWN_VERSION}, which this"
            " release reads: upgrade the consumer, then replay the dead letter"
        )
    return None


class EventConsumer:
    """Consumer that routes events of some types to handlers, with one effect per event and consumer name."""

    def __init__(
        self,
        name: str,
        pool: asyncpg.Pool,
        handlers: dict[str, EventHandler],
        *,
        max_deliveries: int = DEFAULT_MAX_DELIVERIES,
    ) -> None:
        self.name = name
        self._pool = pool
        self._handlers = handlers
        self._max_deliveries = max_deliveries

    async def handle(self, message: NatsMessage) -> None:
        raw = message.raw_message
        delivery = raw.metadata.num_delivered if raw.metadata else 1
        try:
            event = ReceivedEnvelope.model_validate_json(message.body)
        except ValidationError as error:
            # The body names no usable event id, so the log names the one the publisher gave NATS, if any.
            message_id = (raw.headers or {}).get("Nats-Msg-Id")
            with structlog.contextvars.bound_contextvars(event_id=message_id, consumer=self.name):
                await self._dead_letter(raw.subject, None, message.body, f"invalid envelope: {error}", delivery)
            await message.ack()
            return

        bound = structlog.contextvars.bound_contextvars(
            event_id=str(event.event_id), event_type=event.type, consumer=self.name
        )
        with bound:
            mismatch = envelope_mismatch(raw.subject, event)
            if mismatch is not None:
                await self._dead_letter(raw.subject, str(event.event_id), message.body, mismatch, delivery)
                await message.ack()
                return
            handler = self.handler_for(raw.subject)
            if handler is None:
                # Subjects are filtered, but a wildcard can bring types this consumer ignores.
                await message.ack()
                return
            try:
                applied = await self._apply(handler, event)
            except Exception as error:  # any failure: retry, then dead-letter
                if delivery >= self._max_deliveries:
                    await self._dead_letter(raw.subject, str(event.event_id), message.body, repr(error), delivery)
                    await message.ack()
                    return
                delay = retry_delay(delivery)
                log.warning("event_failed", error=repr(error), delivery=delivery, retry_in=delay)
                await message.nack(delay=delay)
                return
            await message.ack()
            log.info("event_consumed" if applied else "event_duplicate_ignored")

    def handler_for(self, subject: str) -> EventHandler | None:
        """Return the handler of the events published on ``subject``, or None when this consumer ignores them."""
        return self._handlers.get(subject)

    async def apply(self, connection: asyncpg.Connection, handler: EventHandler, event: EventEnvelope) -> bool:
        """Run ``handler`` and record the event in the inbox, in the caller's transaction.

        Returns False, and runs nothing, when the inbox already has the event.
        """
        inserted = await connection.fetchval(
            """INSERT INTO inbox (consumer, event_id, event_type) VALUES ($1, $2, $3)
               ON CONFLICT DO NOTHING RETURNING true""",
            self.name,
            event.event_id,
            event.type,
        )
        if not inserted:
            return False
        await handler(connection, event)
        return True

    async def _apply(self, handler: EventHandler, event: EventEnvelope) -> bool:
        async with self._pool.acquire() as connection, connection.transaction():
            return await self.apply(connection, handler, event)

    async def _dead_letter(
        self, subject: str, event_id: str | None, body: bytes, error: str, deliveries: int
    ) -> None:
        """Store the message in ``dead_letters`` and log it at error level with the dead letter's id.

        If the insert fails, the failure is logged, because the broker's logger
        is off, and the exception propagates. The message is then not
        acknowledged, so JetStream redelivers it after the ack wait.
        """
        try:
            dead_letter_id = await self._pool.fetchval(
                """INSERT INTO dead_letters (consumer, subject, event_id, payload, error, deliveries)
                   VALUES ($1, $2, $3, $4, $5, $6) RETURNING id""",
                self.name,
                subject,
                event_id,
                bytes(body),
                error[:4000],
                deliveries,
            )
        except Exception as store_error:
            log.error(
                "dead_letter_store_failed", subject=subject, deliveries=deliveries, reason=error, error=repr(store_error)
            )
            raise
        log.error(
            "event_dead_lettered", dead_letter_id=dead_letter_id, subject=subject, deliveries=deliveries, error=error
        )


def subscribe(broker: NatsBroker, consumer: EventConsumer, subjects: Iterable[str], *, user: str = "") -> None:
    """Register one durable pull consumer per subject filter for ``consumer``.

    ``user`` is the NATS user of the broker's connection: the messages are
    fetched on that user's inbox prefix, the only one NATS lets it read
    (faststream would otherwise use the default ``_INBOX.``).
    """
    fetch_prefix = f"{inbox_prefix(user) if user else '_INBOX'}.".encode()
    for subject in subjects:
        spec = stream_for_subject(subject)
        durable = durable_name(consumer.name, subject)
        broker.subscriber(
            subject,
            stream=JStream(spec.name, declare=False),
            durable=durable,
            pull_sub=PullSub(batch_size=32, timeout=1.0),
            inbox_prefix=fetch_prefix,
            ack_policy=AckPolicy.MANUAL,
            config=ConsumerConfig(
                ack_policy=JsAckPolicy.EXPLICIT,
                ack_wait=30,
                max_deliver=-1,
                deliver_policy=DeliverPolicy.ALL,
            ),
        )(consumer.handle)
