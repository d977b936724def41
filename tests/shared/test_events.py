"""Outbox relay and idempotent consumers against real PostgreSQL and NATS JetStream."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import uuid
from pathlib import Path

import asyncpg
import nats
import pytest
import structlog
from structlog.testing import capture_logs

from services.runtime.engines import EmbeddedNats
from shared.db import SHARED_SQL, close_pool, create_pool, migrate
from shared.events.broker import build_broker, running_broker
from shared.events.consumer import EventConsumer, envelope_mismatch, subscribe
from shared.events.envelope import EventEnvelope
from shared.events.outbox import EventTooLarge, add_to_outbox
from shared.events.relay import BatchOutcome, OutboxRelay
from shared.events.replay import pending_dead_letters, replay_dead_letters
from tests.conftest import free_port


@pytest.fixture
async def scratch_dsn(engines):
    """A database of its own with the eventing tables, dropped afterwards."""
    name = f"scratch_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(engines.postgres.admin_dsn)
    await admin.execute(f'CREATE DATABASE "{name}"')
    dsn = engines.postgres.dsn("postgres", engines.secrets.postgres_password, name)
    await migrate(dsn, [SHARED_SQL])
    yield dsn
    await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    await admin.close()


@pytest.fixture
def private_nats():
    """A NATS server of this test only, so it can be stopped without disturbing others."""
    folder = Path(tempfile.mkdtemp(prefix="nats-restart-"))
    server = EmbeddedNats(folder, free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


async def _write_events(pool: asyncpg.Pool, count: int, tag: str) -> list[uuid.UUID]:
    ids = []
    async with pool.acquire() as connection:
        for index in range(count):
            event = EventEnvelope(type=f"ledger.test.{tag}", producer="ledger", data={"index": index})
            async with connection.transaction():
                await add_to_outbox(connection, event)
            ids.append(event.event_id)
    return ids


async def _stream_event_ids(nats_url: str, subject: str, expected: int) -> list[str]:
    """Read every message of ``subject``: wait up to 30 s for ``expected`` of them, then 1 s for extras."""
    client = await nats.connect(nats_url)
    jetstream = client.jetstream()
    subscription = await jetstream.pull_subscribe(subject, durable=None, stream="LEDGER")
    seen = []
    deadline = asyncio.get_running_loop().time() + 30
    while True:
        waiting_for_extras = len(seen) >= expected
        if not waiting_for_extras and asyncio.get_running_loop().time() > deadline:
            break
        try:
            messages = await subscription.fetch(500, timeout=1.0)
        except (nats.errors.TimeoutError, asyncio.TimeoutError):
            if waiting_for_extras:
                break
            continue
        for message in messages:
            seen.append(EventEnvelope.model_validate_json(message.data).event_id)
            await message.ack()
    await client.close()
    return [str(event_id) for event_id in seen]


async def _wait_until_published(pool: asyncpg.Pool, timeout: float = 60.0) -> None:
    async def unpublished() -> int:
        return await pool.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")

    deadline = asyncio.get_running_loop().time() + timeout
    while await unpublished() > 0:
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{await unpublished()} events still unpublished after {timeout} s")
        await asyncio.sleep(0.1)


async def test_relay_survives_nats_restart_without_loss_or_duplicate(scratch_dsn, private_nats):
    pool = await create_pool(scratch_dsn, min_size=2, max_size=4)
    broker = build_broker(private_nats.url)
    async with running_broker(broker, declare=["ledger"]):
        relay = OutboxRelay(pool, broker, batch_size=20, poll_seconds=0.1)
        await relay.start()
        before = await _write_events(pool, 100, "restart")
        await _wait_until_published(pool)

        private_nats.stop()
        during = await _write_events(pool, 50, "restart")
        await asyncio.sleep(0.5)
        private_nats.start()
        after = await _write_events(pool, 50, "restart")
        await _wait_until_published(pool)
        await relay.stop()
    published = await _stream_event_ids(private_nats.url, "ledger.test.restart", expected=200)
    await pool.close()

    expected = {str(event_id) for event_id in before + during + after}
    assert len(published) == len(expected)
    assert set(published) == expected


async def test_relay_republish_of_same_event_is_deduplicated(scratch_dsn, private_nats):
    pool = await create_pool(scratch_dsn, min_size=2, max_size=4)
    broker = build_broker(private_nats.url)
    async with running_broker(broker, declare=["ledger"]):
        relay = OutboxRelay(pool, broker, batch_size=10, poll_seconds=0.1)
        ids = await _write_events(pool, 5, "dedup")
        await relay.publish_batch()
        # Simulate a crash after publishing but before the rows were marked.
        await pool.execute("UPDATE outbox SET published_at = NULL")
        await relay.publish_batch()
    published = await _stream_event_ids(private_nats.url, "ledger.test.dedup", expected=5)
    await pool.close()

    assert sorted(published) == sorted(str(event_id) for event_id in ids)


async def _publish_raw(nats_url: str, subject: str, body: bytes, times: int, headers: dict | None = None) -> None:
    client = await nats.connect(nats_url)
    jetstream = client.jetstream()
    for _ in range(times):
        # No Nats-Msg-Id unless given: each copy is stored, as a redelivery would bring it again.
        await jetstream.publish(subject, body, stream="LEDGER", headers=headers)
    await client.close()


async def _wait_for(condition, timeout: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.1)


async def test_consumer_applies_redelivered_event_once(scratch_dsn, private_nats):
    pool = await create_pool(scratch_dsn, min_size=2, max_size=4)
    await pool.execute("CREATE TABLE effects (event_id uuid, note text)")

    async def record(connection, event):
        await connection.execute("INSERT INTO effects VALUES ($1, 'applied')", event.event_id)

    consumer = EventConsumer("test-idempotence", pool, {"ledger.test.once": record})
    broker = build_broker(private_nats.url)
    subscribe(broker, consumer, ["ledger.test.once"])
    event = EventEnvelope(type="ledger.test.once", producer="ledger")
    async with running_broker(broker, declare=["ledger"]):
        await _publish_raw(private_nats.url, "ledger.test.once", event.model_dump_json().encode(), times=3)
        await _wait_for(lambda: _inbox_has(pool, event.event_id))
        await asyncio.sleep(1.0)  # leave time for the two copies to be processed as well
    effects = await pool.fetchval("SELECT count(*) FROM effects WHERE event_id = $1", event.event_id)
    await pool.close()

    assert effects == 1


async def _inbox_has(pool, event_id) -> bool:
    return bool(await pool.fetchval("SELECT 1 FROM inbox WHERE event_id = $1", event_id))


async def test_consumer_retries_a_failing_handler_then_applies(scratch_dsn, private_nats):
    pool = await create_pool(scratch_dsn, min_size=2, max_size=4)
    await pool.execute("CREATE TABLE effects (event_id uuid)")
    calls = {"count": 0}

    async def flaky(connection, event):
        calls["count"] += 1
        if calls["count"] == 1:
            raise ConnectionError("transient failure")
        await connection.execute("INSERT INTO effects VALUES ($1)", event.event_id)

    consumer = EventConsumer("test-retry", pool, {"ledger.test.retry": flaky})
    broker = build_broker(private_nats.url)
    subscribe(broker, consumer, ["ledger.test.retry"])
    event = EventEnvelope(type="ledger.test.retry", producer="ledger")
    async with running_broker(broker, declare=["ledger"]):
        await _publish_raw(private_nats.url, "ledger.test.retry", event.model_dump_json().encode(), times=1)
        await _wait_for(lambda: _inbox_has(pool, event.event_id))
    effects = await pool.fetchval("SELECT count(*) FROM effects")
    await pool.close()

    assert calls["count"] == 2
    assert effects == 1


async def test_consumer_dead_letters_after_max_deliveries(scratch_dsn, private_nats):
    pool = await create_pool(scratch_dsn, min_size=2, max_size=4)

    async def always_fails(connection, event):
        raise ValueError("cannot apply")

    consumer = EventConsumer("test-dead", pool, {"ledger.test.dead": always_fails}, max_deliveries=2)
    broker = build_broker(private_nats.url)
    subscribe(broker, consumer, ["ledger.test.dead"])
    event = EventEnvelope(type="ledger.test.dead", producer="ledger")

    async def dead_lettered() -> bool:
        return bool(await pool.fetchval("SELECT 1 FROM dead_letters WHERE event_id = $1", str(event.event_id)))

    async with running_broker(broker, declare=["ledger"]):
        await _publish_raw(private_nats.url, "ledger.test.dead", event.model_dump_json().encode(), times=1)
        await _wait_for(dead_lettered)
    row = await pool.fetchrow("SELECT deliveries, error FROM dead_letters WHERE event_id = $1", str(event.event_id))
    await pool.close()

    assert row["deliveries"] == 2
    assert "cannot apply" in row["error"]


async def test_consumer_dead_letters_a_malformed_body(scratch_dsn, private_nats):
    pool = await create_pool(scratch_dsn, min_size=2, max_size=4)
    consumer = EventConsumer("test-malformed", pool, {})
    broker = build_broker(private_nats.url)
    subscribe(broker, consumer, ["ledger.test.malformed"])

    async def stored() -> bool:
        return bool(await pool.fetchval("SELECT 1 FROM dead_letters WHERE consumer = 'test-malformed'"))

    async with running_broker(broker, declare=["ledger"]):
        await _publish_raw(private_nats.url, "ledger.test.malformed", b"{not json", times=1)
        await _wait_for(stored)
    payload = await pool.fetchval("SELECT payload FROM dead_letters WHERE consumer = 'test-malformed'")
    await pool.close()

    assert payload == b"{not json"


async def test_consumer_logs_malformed_body_with_message_id(scratch_dsn, private_nats):
    pool = await create_pool(scratch_dsn, min_size=2, max_size=4)
    consumer = EventConsumer("test-malformed-log", pool, {})
    broker = build_broker(private_nats.url)
    subscribe(broker, consumer, ["ledger.test.malformed_log"])

    async def stored() -> bool:
        return bool(await pool.fetchval("SELECT 1 FROM dead_letters WHERE consumer = 'test-malformed-log'"))

    with capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
        async with running_broker(broker, declare=["ledger"]):
            await _publish_raw(
                private_nats.url, "ledger.test.malformed_log", b"{not json", times=1, headers={"Nats-Msg-Id": "msg-17"}
            )
            await _wait_for(stored)
    dead_letter_id = await pool.fetchval("SELECT id FROM dead_letters WHERE consumer = 'test-malformed-log'")
    await pool.close()
    entries = [entry for entry in logs if entry["event"] == "event_dead_lettered"]

    assert len(entries) == 1
    assert entries[0]["log_level"] == "error"
    assert entries[0]["event_id"] == "msg-17"
    assert entries[0]["dead_letter_id"] == dead_letter_id
    assert "invalid envelope" in entries[0]["error"]


async def test_consumer_rejects_envelope_without_event_id(scratch_dsn, private_nats):
    pool = await create_pool(scratch_dsn, min_size=2, max_size=4)
    calls = []

    async def record(connection, event):
        calls.append(event.event_id)

    consumer = EventConsumer("test-no-id", pool, {"ledger.test.no_id": record})
    broker = build_broker(private_nats.url)
    subscribe(broker, consumer, ["ledger.test.no_id"])
    # Two deliveries of one event whose producer left out event_id and occurred_at.
    body = b'{"type": "ledger.test.no_id", "producer": "ledger", "data": {}}'

    async def both_stored() -> bool:
        return await pool.fetchval("SELECT count(*) FROM dead_letters WHERE consumer = 'test-no-id'") == 2

    async with running_broker(broker, declare=["ledger"]):
        await _publish_raw(private_nats.url, "ledger.test.no_id", body, times=2)
        await _wait_for(both_stored)
    errors = [row["error"] for row in await pool.fetch("SELECT error FROM dead_letters WHERE consumer = 'test-no-id'")]
    inbox = await pool.fetchval("SELECT count(*) FROM inbox")
    await pool.close()

    assert calls == []
    assert inbox == 0
    assert all("event_id" in error and "occurred_at" in error for error in errors)


async def test_broker_stops_while_nats_away(scratch_dsn, private_nats):
    pool = await create_pool(scratch_dsn, min_size=1, max_size=2)

    async def record(connection, event):
        pass

    consumer = EventConsumer("test-stop-away", pool, {"ledger.test.stop_away": record})
    broker = build_broker(private_nats.url)
    subscribe(broker, consumer, ["ledger.test.stop_away"])

    async def reconnecting() -> bool:
        return broker.connection.is_reconnecting

    with capture_logs() as logs:
        async with running_broker(broker, declare=["ledger"]):
            private_nats.stop()
            await _wait_for(reconnecting)
    await pool.close()

    assert broker.connection.is_closed
    assert [entry["event"] for entry in logs if entry["log_level"] == "warning"] == ["broker_closed_without_drain"]


async def test_consumer_logs_failed_dead_letter_store(scratch_dsn, private_nats):
    pool = await create_pool(scratch_dsn, min_size=2, max_size=4)
    # The dead letter cannot be stored, as when the database rejects the insert.
    await pool.execute("ALTER TABLE dead_letters ADD CONSTRAINT no_rows CHECK (false) NOT VALID")
    consumer = EventConsumer("test-store-fails", pool, {})
    broker = build_broker(private_nats.url)
    subscribe(broker, consumer, ["ledger.test.store_fails"])
    failures = []

    async def failure_logged() -> bool:
        failures.extend(entry for entry in logs if entry["event"] == "dead_letter_store_failed")
        return bool(failures)

    with capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
        async with running_broker(broker, declare=["ledger"]):
            await _publish_raw(
                private_nats.url, "ledger.test.store_fails", b"{not json", times=1, headers={"Nats-Msg-Id": "msg-23"}
            )
            await _wait_for(failure_logged)
    await pool.close()

    assert failures[0]["log_level"] == "error"
    assert failures[0]["event_id"] == "msg-23"
    assert "CheckViolationError" in failures[0]["error"]


class StubbornBroker:
    """A broker whose publish ignores cancellation and waits until released, as a stuck client library might."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.released = asyncio.Event()

    async def publish(self, *_args, **_kwargs) -> None:
        self.started.set()
        while not self.released.is_set():
            try:
                await self.released.wait()
            except asyncio.CancelledError:
                continue


async def test_relay_stop_gives_up_on_stuck_publish(scratch_dsn):
    pool = await create_pool(scratch_dsn, min_size=2, max_size=4)
    broker = StubbornBroker()
    relay = OutboxRelay(pool, broker, batch_size=5, poll_seconds=0.1, stop_timeout_seconds=0.5)
    await _write_events(pool, 3, "stuck")
    await relay.start()
    await asyncio.wait_for(broker.started.wait(), timeout=10)

    started = asyncio.get_running_loop().time()
    await relay.stop()
    stopped_after = asyncio.get_running_loop().time() - started
    await close_pool(pool, timeout_seconds=0.5)
    unpublished = await _count_unpublished(scratch_dsn)
    # Let the stuck publish return, so that the event loop can end the relay's task after the test.
    broker.released.set()

    assert stopped_after < 5
    assert unpublished == 3


async def test_relay_stop_ends_after_swallowed_cancel(scratch_dsn):
    """A batch that swallows the stop's cancellation must not keep the loop running until the stop timeout."""
    pool = await create_pool(scratch_dsn, min_size=2, max_size=4)
    relay = OutboxRelay(pool, StubbornBroker(), poll_seconds=0.05, stop_timeout_seconds=3600.0)
    publishing = asyncio.Event()
    batches = 0

    async def batch_swallowing_cancel() -> BatchOutcome:
        # Finish the batch although the task was cancelled during it, as a library may do.
        nonlocal batches
        batches += 1
        if batches > 1:
            return BatchOutcome(0, 0, 0)
        publishing.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            asyncio.current_task().uncancel()
        return BatchOutcome(1, 0, 0)

    relay.publish_batch = batch_swallowing_cancel
    await relay.start()
    await publishing.wait()

    stopping = asyncio.create_task(relay.stop())
    # The wait bounds a hang of an hour, the stop timeout set above, not the stop's speed.
    done, _pending = await asyncio.wait({stopping}, timeout=60)
    if not done:
        relay._task.cancel()
        relay._stopping = True
        await stopping
    await close_pool(pool, timeout_seconds=0.5)

    assert stopping in done
    assert batches == 1


async def _count_unpublished(dsn: str) -> int:
    connection = await asyncpg.connect(dsn)
    try:
        return await connection.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")
    finally:
        await connection.close()


@pytest.mark.parametrize(
    ("subject", "event_type", "producer", "reason"),
    [
        ("ledger.test.typed", "ledger.test.typed", "ledger", None),
        ("ledger.test.typed", "ledger.test.other", "ledger", "envelope type 'ledger.test.other' differs"),
        ("accounts.profile.updated", "payments.payment.succeeded", "payments", "differs from the subject"),
        ("ledger.test.typed", "ledger.test.typed", "payments", "envelope producer 'payments' is not 'ledger'"),
        ("ledger.test.v2", "ledger.test.v2", "ledger", "data schema version 2 of 'ledger.test.v2' is newer"),
    ],
)
def test_envelope_mismatch_cases(subject, event_type, producer, reason):
    version = 2 if subject.endswith("v2") else 1
    mismatch = envelope_mismatch(subject, EventEnvelope(type=event_type, producer=producer, version=version))

    if reason is None:
        assert mismatch is None
    else:
        assert reason in mismatch


async def test_consumer_dead_letters_envelope_of_other_type(scratch_dsn, private_nats):
    pool = await create_pool(scratch_dsn, min_size=2, max_size=4)
    calls = []

    async def record(connection, event):
        calls.append(event.type)

    consumer = EventConsumer("test-forged", pool, {"ledger.test.typed": record, "ledger.test.other": record})
    broker = build_broker(private_nats.url)
    subscribe(broker, consumer, ["ledger.test.typed"])
    forged = EventEnvelope(type="ledger.test.other", producer="ledger")

    async def stored() -> bool:
        return bool(await pool.fetchval("SELECT 1 FROM dead_letters WHERE consumer = 'test-forged'"))

    async with running_broker(broker, declare=["ledger"]):
        await _publish_raw(private_nats.url, "ledger.test.typed", forged.model_dump_json().encode(), times=1)
        await _wait_for(stored)
    row = await pool.fetchrow("SELECT event_id, error, deliveries FROM dead_letters WHERE consumer = 'test-forged'")
    inbox = await pool.fetchval("SELECT count(*) FROM inbox")
    await pool.close()

    assert calls == []
    assert inbox == 0
    assert row["event_id"] == str(forged.event_id)
    assert row["deliveries"] == 1
    assert "differs from the subject 'ledger.test.typed'" in row["error"]


async def _write_oversized_rows(pool: asyncpg.Pool, count: int) -> None:
    """Write outbox rows whose body is over NATS's 1 MiB limit, as an older release could have."""
    for _ in range(count):
        event = EventEnvelope(type="ledger.test.oversized", producer="ledger", data={"blob": "x" * 1_100_000})
        await pool.execute(
            "INSERT INTO outbox (event_id, subject, stream, payload) VALUES ($1, $2, 'LEDGER', $3)",
            event.event_id,
            event.type,
            event.model_dump(mode="json"),
        )


async def test_relay_publishes_past_rows_broker_rejects(scratch_dsn, private_nats):
    pool = await create_pool(scratch_dsn, min_size=2, max_size=4)
    await _write_oversized_rows(pool, 5)
    behind = await _write_events(pool, 50, "behind")
    broker = build_broker(private_nats.url)
    async with running_broker(broker, declare=["ledger"]):
        relay = OutboxRelay(pool, broker, batch_size=5, poll_seconds=0.1)
        await relay.start()
        published = await _stream_event_ids(private_nats.url, "ledger.test.behind", expected=50)
        await relay.stop()
    stuck = await pool.fetch(
        "SELECT attempts, last_error, next_attempt_at FROM outbox WHERE subject = 'ledger.test.oversized'"
    )
    await pool.close()

    assert sorted(published) == sorted(str(event_id) for event_id in behind)
    assert len(stuck) == 5
    assert all(row["attempts"] >= 1 for row in stuck)
    assert all("MaxPayload" in row["last_error"] for row in stuck)
    assert all(row["next_attempt_at"] is not None for row in stuck)


async def test_outbox_rejects_event_over_nats_limit(scratch_dsn):
    pool = await create_pool(scratch_dsn, min_size=1, max_size=2)
    event = EventEnvelope(type="ledger.test.oversized", producer="ledger", data={"blob": "x" * 1_100_000})

    with pytest.raises(EventTooLarge, match="more than the 1000000 that NATS accepts"):
        async with pool.acquire() as connection, connection.transaction():
            await add_to_outbox(connection, event)
    rows = await pool.fetchval("SELECT count(*) FROM outbox")
    await pool.close()

    assert rows == 0


async def _dead_letter_row(pool, consumer: str, subject: str, body: bytes, event_id: str | None) -> int:
    return await pool.fetchval(
        """INSERT INTO dead_letters (consumer, subject, event_id, payload, error, deliveries)
           VALUES ($1, $2, $3, $4, 'ValueError()', 8) RETURNING id""",
        consumer, subject, event_id, body,
    )


async def test_dead_letter_replay_applies_once_after_fix(scratch_dsn, private_nats):
    pool = await create_pool(scratch_dsn, min_size=2, max_size=4)
    await pool.execute("CREATE TABLE effects (event_id uuid)")
    fixed = {"yet": False}

    async def record(connection, event):
        if not fixed["yet"]:
            raise ValueError("handler bug")
        await connection.execute("INSERT INTO effects VALUES ($1)", event.event_id)

    consumer = EventConsumer("test-replay", pool, {"ledger.test.replay": record}, max_deliveries=1)
    broker = build_broker(private_nats.url)
    subscribe(broker, consumer, ["ledger.test.replay"])
    event = EventEnvelope(type="ledger.test.replay", producer="ledger")

    async def dead_lettered() -> bool:
        return bool(await pool.fetchval("SELECT 1 FROM dead_letters WHERE event_id = $1", str(event.event_id)))

    async with running_broker(broker, declare=["ledger"]):
        await _publish_raw(private_nats.url, "ledger.test.replay", event.model_dump_json().encode(), times=1)
        await _wait_for(dead_lettered)
    fixed["yet"] = True
    first = await replay_dead_letters(pool, [consumer])
    second = await replay_dead_letters(pool, [consumer])
    effects = await pool.fetchval("SELECT count(*) FROM effects WHERE event_id = $1", event.event_id)
    pending = await pending_dead_letters(pool)
    await pool.close()

    assert [(result.event_id, result.outcome) for result in first] == [(str(event.event_id), "applied")]
    assert second == []
    assert effects == 1
    assert pending == []


async def test_dead_letter_replay_outcomes(scratch_dsn):
    pool = await create_pool(scratch_dsn, min_size=1, max_size=2)

    async def still_failing(connection, event):
        raise ValueError("still broken")

    async def record(connection, event):
        pass

    consumer = EventConsumer("test-outcomes", pool, {"ledger.test.broken": still_failing, "ledger.test.done": record})
    broken = EventEnvelope(type="ledger.test.broken", producer="ledger")
    done = EventEnvelope(type="ledger.test.done", producer="ledger")
    forged = EventEnvelope(type="ledger.test.done", producer="payments")
    await pool.execute(
        "INSERT INTO inbox (consumer, event_id, event_type) VALUES ('test-outcomes', $1, $2)", done.event_id, done.type
    )
    ids = [
        await _dead_letter_row(pool, "test-outcomes", broken.type, broken.model_dump_json().encode(), str(broken.event_id)),
        await _dead_letter_row(pool, "test-outcomes", done.type, done.model_dump_json().encode(), str(done.event_id)),
        await _dead_letter_row(pool, "test-outcomes", forged.type, forged.model_dump_json().encode(), str(forged.event_id)),
        await _dead_letter_row(pool, "test-outcomes", "ledger.test.done", b"{not json", None),
        await _dead_letter_row(pool, "another-consumer", done.type, done.model_dump_json().encode(), str(done.event_id)),
        await _dead_letter_row(pool, "test-outcomes", done.type, b'{"type": "ledger.test.done", "producer": "ledger"}', None),
    ]

    results = await replay_dead_letters(pool, [consumer])
    only_one = await replay_dead_letters(pool, [consumer], dead_letter_id=ids[0])
    pending = [row["id"] for row in await pending_dead_letters(pool)]
    await pool.close()

    assert [(result.dead_letter_id, result.outcome) for result in results] == [
        (ids[0], "failed"),
        (ids[1], "already_applied"),
        (ids[2], "not_replayable"),
        (ids[3], "not_replayable"),
        (ids[4], "not_replayable"),
        (ids[5], "not_replayable"),
    ]
    assert "still broken" in results[0].detail
    assert "producer 'payments' is not 'ledger'" in results[2].detail
    assert "not a valid envelope" in results[3].detail
    assert "no consumer named 'another-consumer'" in results[4].detail
    assert results[5].detail == "the stored body is not a valid envelope: event_id: Field required"
    assert [(result.dead_letter_id, result.outcome) for result in only_one] == [(ids[0], "failed")]
    assert pending == [ids[0], ids[2], ids[3], ids[4], ids[5]]


async def test_relay_counts_first_try_failures_apart(scratch_dsn, private_nats):
    pool = await create_pool(scratch_dsn, min_size=1, max_size=2)
    await _write_oversized_rows(pool, 1)
    broker = build_broker(private_nats.url)
    async with running_broker(broker, declare=["ledger"]):
        relay = OutboxRelay(pool, broker, batch_size=5, poll_seconds=0.1)
        first = await relay.publish_batch()
        waiting = await relay.publish_batch()
        await pool.execute("UPDATE outbox SET next_attempt_at = now()")
        again = await relay.publish_batch()
    await pool.close()

    # A row that failed before fails again without making the relay back off as a whole.
    assert first == (0, 1, 1)
    assert waiting == (0, 0, 0)
    assert again == (0, 1, 0)


async def test_relay_logs_stuck_batch_once(scratch_dsn, private_nats):
    pool = await create_pool(scratch_dsn, min_size=1, max_size=2)
    await pool.execute("UPDATE outbox SET published_at = now() WHERE published_at IS NULL")
    await _write_oversized_rows(pool, 5)
    await pool.execute("UPDATE outbox SET attempts = 4 WHERE published_at IS NULL")
    stuck_ids = {str(event_id) for (event_id,) in await pool.fetch("SELECT event_id FROM outbox WHERE published_at IS NULL")}
    broker = build_broker(private_nats.url)
    async with running_broker(broker, declare=["ledger"]):
        relay = OutboxRelay(pool, broker, batch_size=10)
        with capture_logs() as logs:
            outcome = await relay.publish_batch()
    await pool.close()
    lines = [entry for entry in logs if entry["event"].startswith("outbox_event")]

    assert outcome.failed == 5
    assert len(lines) == 1
    assert lines[0]["event"] == "outbox_events_stuck"
    assert lines[0]["log_level"] == "error"
    assert lines[0]["count"] == 5
    assert set(lines[0]["event_ids"]) == stuck_ids
    assert lines[0]["subjects"] == ["ledger.test.oversized"]
    assert lines[0]["max_attempts"] == 5
    assert "MaxPayload" in lines[0]["error"]


async def test_relay_sends_envelope_correlation_id(scratch_dsn, private_nats):
    pool = await create_pool(scratch_dsn, min_size=1, max_size=2)
    await pool.execute("UPDATE outbox SET published_at = now() WHERE published_at IS NULL")
    correlated = EventEnvelope(type="ledger.test.traced", producer="ledger", data={}, correlation_id="import-42")
    uncorrelated = EventEnvelope(type="ledger.test.traced", producer="ledger", data={})
    async with pool.acquire() as connection, connection.transaction():
        await add_to_outbox(connection, correlated)
        await add_to_outbox(connection, uncorrelated)
    broker = build_broker(private_nats.url)
    async with running_broker(broker, declare=["ledger"]):
        outcome = await OutboxRelay(pool, broker, batch_size=10).publish_batch()
    await pool.close()
    client = await nats.connect(private_nats.url)
    subscription = await client.jetstream().pull_subscribe("ledger.test.traced", durable=None, stream="LEDGER")
    messages = await subscription.fetch(2, timeout=5)
    await client.close()
    headers = {EventEnvelope.model_validate_json(message.data).event_id: message.headers for message in messages}

    assert outcome.published == 2
    assert headers[correlated.event_id]["correlation_id"] == "import-42"
    assert headers[uncorrelated.event_id]["correlation_id"] == str(uncorrelated.event_id)
