"""NATS users and permissions (shared.events.access) on a real server.

These tests provoke permission violations on a server of their own. The session's server
runs with the same users, as `mesfactures up` does. So every test that starts
a service shows that the service can do its work under its own user. The
session also ends with an error if that server refused anything to anyone
(tests/conftest.py).
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nats
import nats.errors
import pytest
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, StreamConfig
from nats.js.errors import NotFoundError

from services.runtime.engines import EmbeddedNats
from services.runtime.secrets import generate_nats_passwords
from shared.events.access import OPERATOR, authorization_block, inbox_prefix, service_permissions
from shared.events.disputes import DISPUTE_RESOLVED
from shared.events.payments import PAYMENT_SUCCEEDED
from shared.events.streams import STREAMS, durable_name, ensure_stream
from tests.conftest import free_port

QUICK = 1.0


@dataclass
class PrivateServer:
    """A NATS server with the product's users, and how to log in to it."""

    nats: EmbeddedNats
    passwords: dict[str, str]

    async def connect_nats(self, user: str) -> nats.aio.client.Client:
        return await nats.connect(self.nats.client_url(user), inbox_prefix=inbox_prefix(user))


@pytest.fixture(scope="module")
def server() -> Iterator[PrivateServer]:
    passwords = generate_nats_passwords()
    folder = Path(tempfile.mkdtemp(prefix="nats-access-"))
    private = EmbeddedNats(folder, free_port(), passwords)
    private.start()
    try:
        yield PrivateServer(private, passwords)
    finally:
        private.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(autouse=True)
async def streams(server) -> None:
    """The four streams, as the services declare them at start."""
    operator = await server.connect_nats(OPERATOR)
    try:
        for spec in STREAMS.values():
            await ensure_stream(operator.jetstream(), spec, update=False)
    finally:
        await operator.close()


class ServerErrors:
    """Collects the errors the server sends to a client (permission violations arrive this way)."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    async def record(self, error: Exception) -> None:
        self.messages.append(str(error))

    async def wait_for(self, text: str) -> str:
        """Return the first error that contains ``text``, ignoring case (nats-py lowers it)."""
        for _ in range(100):
            found = [message for message in self.messages if text.lower() in message.lower()]
            if found:
                return found[0]
            await asyncio.sleep(0.05)
        raise AssertionError(f"the server sent no error containing {text!r}; it sent {self.messages}")


async def connect_as(server: PrivateServer, user: str, errors: ServerErrors) -> nats.aio.client.Client:
    return await nats.connect(
        server.nats.client_url(user), inbox_prefix=inbox_prefix(user), error_cb=errors.record, allow_reconnect=False
    )


async def last_message_on(server: PrivateServer, stream: str, subject: str):
    operator = await server.connect_nats(OPERATOR)
    try:
        return await operator.jetstream().get_last_msg(stream, subject)
    except NotFoundError:
        return None
    finally:
        await operator.close()


@pytest.mark.parametrize("credentials", ["none", "wrong password", "unknown user"])
async def test_nats_server_refuses_client_without_valid_credentials(server, credentials) -> None:
    port = server.nats.port
    url = {
        "none": f"nats://127.0.0.1:{port}",
        "wrong password": f"nats://ledger:not-the-password@127.0.0.1:{port}",
        "unknown user": f"nats://intruder:{server.passwords['ledger']}@127.0.0.1:{port}",
    }[credentials]
    errors = ServerErrors()

    with pytest.raises((nats.errors.NoServersError, nats.errors.Error)) as raised:
        await nats.connect(url, allow_reconnect=False, max_reconnect_attempts=0, error_cb=errors.record, connect_timeout=QUICK)

    assert any("Authorization Violation" in message for message in [str(raised.value), *errors.messages])


async def test_service_user_publishes_own_events(server) -> None:
    subject = f"ledger.access.{uuid.uuid4().hex}"
    errors = ServerErrors()
    client = await connect_as(server, "ledger", errors)
    try:
        acknowledgement = await client.jetstream().publish(subject, b"{}", stream="LEDGER", timeout=QUICK)
    finally:
        await client.close()

    assert acknowledgement.stream == "LEDGER"
    assert await last_message_on(server, "LEDGER", subject) is not None
    assert errors.messages == []


async def test_service_user_cannot_publish_events_of_another_service(server) -> None:
    """A forged payments.payment.succeeded from the ledger's user never reaches the PAYMENTS stream."""
    subject = f"payments.payment.succeeded.{uuid.uuid4().hex}"
    errors = ServerErrors()
    client = await connect_as(server, "ledger", errors)
    try:
        with pytest.raises(nats.errors.Error):  # no reply from the stream: the server dropped the message
            await client.jetstream().publish(subject, b'{"forged": true}', timeout=QUICK)
        await client.publish(subject, b'{"forged": true}')
        await client.flush()
        error_message = await errors.wait_for("Permissions Violation for Publish")
    finally:
        await client.close()

    assert subject.lower() in error_message.lower()
    assert await last_message_on(server, "PAYMENTS", subject) is None


async def test_service_user_cannot_create_unnamed_consumer(server) -> None:
    """A consumer that is not one of the ledger's durables, here a push one delivering to payments, is refused."""
    subject = f"payments.payment.succeeded.{uuid.uuid4().hex}"
    errors = ServerErrors()
    client = await connect_as(server, "ledger", errors)
    try:
        jetstream = client.jetstream(timeout=QUICK)
        await jetstream.publish("ledger.forged.payment", b'{"forged": true}')
        with pytest.raises(nats.errors.Error):
            await jetstream.add_consumer(
                "LEDGER",
                ConsumerConfig(
                    filter_subject="ledger.forged.payment", deliver_subject=subject, deliver_policy=DeliverPolicy.ALL
                ),
            )
        await errors.wait_for("Permissions Violation for Publish")
    finally:
        await client.close()

    assert await last_message_on(server, "PAYMENTS", subject) is None


async def test_service_user_cannot_alter_other_stream(server) -> None:
    errors = ServerErrors()
    client = await connect_as(server, "disputes", errors)
    jetstream = client.jetstream(timeout=QUICK)
    attempts = {
        "delete": jetstream.delete_stream("PAYMENTS"),
        "purge": jetstream.purge_stream("PAYMENTS"),
        "update": jetstream.update_stream(StreamConfig(name="PAYMENTS", subjects=["payments.>", "disputes.copy.>"])),
        "new stream": jetstream.add_stream(StreamConfig(name="FORGED", subjects=["forged.>"])),
    }
    try:
        for name, attempt in attempts.items():
            with pytest.raises(nats.errors.Error):
                await attempt
            assert errors.messages, f"{name}: the server sent no error_message"
    finally:
        await client.close()

    operator = await server.connect_nats(OPERATOR)
    try:
        info = await operator.jetstream().stream_info("PAYMENTS")
        with pytest.raises(NotFoundError):
            await operator.jetstream().stream_info("FORGED")
    finally:
        await operator.close()
    assert info.config.subjects == list(STREAMS["payments"].subjects)


async def test_service_user_cannot_read_replies_of_another_service(server) -> None:
    errors = ServerErrors()
    client = await connect_as(server, "ledger", errors)
    try:
        await client.subscribe("_INBOX_payments.>")
        await client.flush()
        error_message = await errors.wait_for("Permissions Violation for Subscription")
    finally:
        await client.close()

    assert "_inbox_payments.>" in error_message.lower()


def test_service_permissions_publish_only_on_own_stream() -> None:
    for service, spec in STREAMS.items():
        published = [subject for subject in service_permissions(service)["publish"] if not subject.startswith("$JS.")]
        assert published == list(spec.subjects)
        updates = [subject for subject in service_permissions(service)["publish"] if ".STREAM.UPDATE." in subject]
        assert updates == [f"$JS.API.STREAM.UPDATE.{spec.name}"]


@pytest.mark.parametrize("password", ['with"quote', "with\\backslash", "with space", ""])
def test_authorization_block_refuses_password_it_cannot_hold(password: str) -> None:
    with pytest.raises(ValueError, match="generate-secrets.py"):
        authorization_block({"ledger": password}, {})


LEDGER_PAYMENTS = durable_name("ledger", PAYMENT_SUCCEEDED)
LEDGER_DISPUTES = durable_name("ledger", DISPUTE_RESOLVED)


async def ledger_consumer(server: PrivateServer, stream: str, durable: str, subject: str):
    """Create the ledger's durable pull consumer as the ledger's user, and return its info."""
    client = await connect_as(server, "ledger", ServerErrors())
    try:
        return await client.jetstream(timeout=QUICK).add_consumer(
            stream,
            ConsumerConfig(durable_name=durable, filter_subject=subject, ack_policy=AckPolicy.EXPLICIT),
        )
    finally:
        await client.close()


async def test_service_user_reads_its_own_durable_consumer(server) -> None:
    await ledger_consumer(server, "PAYMENTS", LEDGER_PAYMENTS, PAYMENT_SUCCEEDED)
    payments = await connect_as(server, "payments", ServerErrors())
    await payments.jetstream().publish(PAYMENT_SUCCEEDED, b'{"paid": true}')
    await payments.close()
    client = await connect_as(server, "ledger", ServerErrors())
    try:
        subscription = await client.jetstream().pull_subscribe_bind(LEDGER_PAYMENTS, stream="PAYMENTS")
        messages = await subscription.fetch(1, timeout=QUICK)
        for message in messages:
            await message.ack_sync()
    finally:
        await client.close()

    assert [message.data for message in messages] == [b'{"paid": true}']


async def test_service_user_cannot_fetch_other_consumer(server) -> None:
    """A message the accounts service fetched and acknowledged would be lost to the ledger."""
    await ledger_consumer(server, "PAYMENTS", LEDGER_PAYMENTS, PAYMENT_SUCCEEDED)
    payments = await connect_as(server, "payments", ServerErrors())
    await payments.jetstream().publish(PAYMENT_SUCCEEDED, b'{"paid": "again"}')
    await payments.close()
    operator = await server.connect_nats(OPERATOR)
    pending = (await operator.jetstream().consumer_info("PAYMENTS", LEDGER_PAYMENTS)).num_pending
    errors = ServerErrors()
    client = await connect_as(server, "accounts", errors)
    try:
        subscription = await client.jetstream().pull_subscribe_bind(LEDGER_PAYMENTS, stream="PAYMENTS")
        with pytest.raises(nats.errors.Error):
            await subscription.fetch(1, timeout=QUICK)
        await errors.wait_for("Permissions Violation for Publish")
        after = await operator.jetstream().consumer_info("PAYMENTS", LEDGER_PAYMENTS)
    finally:
        await client.close()
        await operator.close()

    assert pending >= 1
    assert after.num_pending == pending
    assert after.num_ack_pending == 0


async def test_service_user_cannot_change_another_services_consumer(server) -> None:
    """A new filter on the ledger's consumer would hide every later dispute resolution from it."""
    await ledger_consumer(server, "DISPUTES", LEDGER_DISPUTES, DISPUTE_RESOLVED)
    errors = ServerErrors()
    client = await connect_as(server, "payments", errors)
    try:
        with pytest.raises(nats.errors.Error):
            await client.jetstream(timeout=QUICK).add_consumer(
                "DISPUTES",
                ConsumerConfig(durable_name=LEDGER_DISPUTES, filter_subject="disputes.nothing", ack_policy=AckPolicy.EXPLICIT),
            )
    finally:
        await client.close()
    operator = await server.connect_nats(OPERATOR)
    try:
        info = await operator.jetstream().consumer_info("DISPUTES", LEDGER_DISPUTES)
    finally:
        await operator.close()

    assert errors.messages
    assert info.config.filter_subject == DISPUTE_RESOLVED
