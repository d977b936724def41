"""Mail building, the SMTP sink and the dispatcher of queued mail."""

from __future__ import annotations

import asyncio
import secrets
import uuid
from email.parser import BytesParser
from email.policy import SMTP

import pytest

from services.accounts.mail import InvalidMailHeader, build_message, queue_mail
from services.accounts.mail_dispatch import FIRST_RETRY_SECONDS, MailDispatcher
from services.accounts.mail_sink import list_messages
from services.accounts.settings import AccountsSettings
from tests.accounts.support import dispatch_until_handled, wait_for_mail

SENDER = "Mes Factures <no-reply@mesfactures.example>"


@pytest.mark.parametrize(
    "subject",
    ["Bonjour\r\nBcc: victim@example.org", "Bonjour\nBcc: victim@example.org", "Bonjour\rX: y", "Bonjour\x00"],
)
def test_subject_with_line_break_is_rejected(subject):
    with pytest.raises(InvalidMailHeader) as raised:
        build_message(sender=SENDER, to="agence@example.org", subject=subject, body="texte")

    assert raised.value.details["field"] == "objet"
    assert raised.value.status == 422


def test_recipient_with_line_break_is_rejected():
    with pytest.raises(InvalidMailHeader):
        build_message(sender=SENDER, to="agence@example.org\r\nBcc: victim@example.org", subject="Objet", body="texte")


def test_reply_to_with_line_break_is_rejected():
    with pytest.raises(InvalidMailHeader):
        build_message(
            sender=SENDER, to="agence@example.org", subject="Objet", body="texte", reply_to="a@b.fr\nBcc: c@d.fr"
        )


def test_body_line_breaks_stay_in_body():
    message = build_message(
        sender=SENDER, to="agence@example.org", subject="Objet", body="Ligne 1\nBcc: victim@example.org\n"
    )

    assert message["Bcc"] is None
    assert "Bcc: victim@example.org" in message.get_content()


def test_non_ascii_subject_is_encoded():
    message = build_message(sender=SENDER, to="agence@example.org", subject="Réinitialisation – été", body="é")

    assert "Réinitialisation – été" == str(message["Subject"])
    assert b"Subject: =?utf-8?" in message.as_bytes()


def settings_for(engines, port: int) -> AccountsSettings:
    return AccountsSettings(
        database_url=engines.service_dsn("accounts"), **engines.nats_settings("accounts"), smtp_host="127.0.0.1",
        smtp_port=port,
    )


async def test_dispatcher_delivers_queued_mail_to_sink(engines, accounts_pool, mail_sink):
    subject = f"Test {uuid.uuid4().hex[:8]}"
    async with accounts_pool.acquire() as connection:
        mail_id = await queue_mail(connection, cipher=None, sender=SENDER, to="agence@example.org", subject=subject, body="Bonjour é")
    dispatcher = MailDispatcher(accounts_pool, settings_for(engines, mail_sink.port), cipher=None, smtp_host="127.0.0.1")

    await dispatch_until_handled(dispatcher, accounts_pool, mail_id)
    stored = await wait_for_mail(mail_sink.folder, lambda message: message.subject == subject)
    sent_at = await accounts_pool.fetchval("SELECT sent_at FROM outgoing_mail WHERE id = $1", mail_id)

    assert stored[0].envelope_to == ["agence@example.org"]
    assert stored[0].text.strip() == "Bonjour é"
    assert sent_at is not None


async def test_sent_copy_keeps_no_single_use_link_token(engines, accounts_pool, mail_sink):
    """The mail goes out with its link; the copy kept in outgoing_mail cannot be used to open it."""
    token = secrets.token_urlsafe(32)
    subject = f"Invitation {uuid.uuid4().hex[:8]}"
    body = f"Bonjour é,\n\nAcceptez l’invitation : http://127.0.0.1:8470/invitation/{token}\n"
    async with accounts_pool.acquire() as connection:
        mail_id = await queue_mail(connection, cipher=None, sender=SENDER, to="agence@example.org", subject=subject, body=body)
    dispatcher = MailDispatcher(accounts_pool, settings_for(engines, mail_sink.port), cipher=None, smtp_host="127.0.0.1")

    await dispatch_until_handled(dispatcher, accounts_pool, mail_id)
    delivered = await wait_for_mail(mail_sink.folder, lambda message: message.subject == subject)
    kept = await accounts_pool.fetchval("SELECT message FROM outgoing_mail WHERE id = $1", mail_id)
    kept_text = BytesParser(policy=SMTP).parsebytes(bytes(kept)).get_content()

    assert f"/invitation/{token}" in delivered[0].text
    assert token not in kept_text
    assert token.encode() not in bytes(kept)
    assert "http://127.0.0.1:8470/invitation/{token}" in kept_text
    assert kept_text.startswith("Bonjour é,")


async def test_dispatcher_retries_when_server_is_down(engines, accounts_pool, mail_sink):
    port = mail_sink.port
    await mail_sink.stop()
    subject = f"Retry {uuid.uuid4().hex[:8]}"
    async with accounts_pool.acquire() as connection:
        mail_id = await queue_mail(connection, cipher=None, sender=SENDER, to="agence@example.org", subject=subject, body="x")
    dispatcher = MailDispatcher(accounts_pool, settings_for(engines, port), cipher=None, smtp_host="127.0.0.1")

    await dispatch_until_handled(dispatcher, accounts_pool, mail_id)
    row = await accounts_pool.fetchrow(
        "SELECT sent_at, attempts, last_error, extract(epoch FROM next_attempt_at - now()) AS wait FROM outgoing_mail WHERE id = $1",
        mail_id,
    )

    assert row["sent_at"] is None
    assert row["attempts"] == 1
    assert row["last_error"]
    assert FIRST_RETRY_SECONDS - 5 < row["wait"] <= FIRST_RETRY_SECONDS
    assert list_messages(mail_sink.folder) == []


async def test_sink_listing_route_returns_messages(engines, signer, tmp_path):
    from aiohttp.test_utils import TestClient, TestServer

    from services.accounts.app import DEFINITION
    from shared.db import open_pool
    from shared.service import create_service_app
    from tests.conftest import ServiceClient, free_port

    port = free_port()
    settings = AccountsSettings(
        database_url=engines.service_dsn("accounts"),
        **engines.nats_settings("accounts"),
        principal_public_key=engines.secrets.principal_public_key,
        smtp_port=port,
        mail_sink_dir=tmp_path / "sink",
    )
    client = TestClient(TestServer(create_service_app(DEFINITION, settings)))
    await client.start_server()
    service = ServiceClient(client, signer, "accounts")
    try:
        subject = f"Liste {uuid.uuid4().hex[:8]}"
        async with open_pool(engines.service_dsn("accounts"), max_size=1) as pool, pool.acquire() as connection:
            await queue_mail(connection, cipher=None, sender=SENDER, to="liste@example.org", subject=subject, body="Bonjour")
        await wait_for_mail(settings.mail_sink_dir, lambda message: message.subject == subject)

        response = await service.client.get("/internal/mail-sink/messages", headers=service.system_headers())
        listed = [message for message in (await response.json())["messages"] if message["subject"] == subject]
        refused = await service.client.get(
            "/internal/mail-sink/messages", headers=service.headers_for(agency_id=None)
        )
    finally:
        await client.close()

    assert response.status == 200
    assert listed[0]["envelope_to"] == ["liste@example.org"]
    assert listed[0]["text"].strip() == "Bonjour"
    assert refused.status == 403


async def test_sink_files_owner_only(engines, accounts_pool, mail_sink):
    # Invitation and reset mails hold live links, so other users of the machine may not read them.
    subject = f"Test {uuid.uuid4().hex[:8]}"
    async with accounts_pool.acquire() as connection:
        mail_id = await queue_mail(
            connection, cipher=None, sender=SENDER, to="agence@example.org", subject=subject, body="Lien"
        )
    dispatcher = MailDispatcher(accounts_pool, settings_for(engines, mail_sink.port), cipher=None, smtp_host="127.0.0.1")

    await dispatch_until_handled(dispatcher, accounts_pool, mail_id)
    await wait_for_mail(mail_sink.folder, lambda message: message.subject == subject)
    modes = {path.name: path.stat().st_mode & 0o777 for path in mail_sink.folder.iterdir()}

    assert mail_sink.folder.stat().st_mode & 0o777 == 0o700
    assert modes
    assert set(modes.values()) == {0o600}


async def test_stop_ends_after_swallowed_cancel(engines, accounts_pool, mail_sink, monkeypatch):
    """A send that swallows the stop's cancellation must not leave the loop waiting for its next poll."""
    monkeypatch.setattr("services.accounts.mail_dispatch.POLL_SECONDS", 3600.0)
    dispatcher = MailDispatcher(accounts_pool, settings_for(engines, mail_sink.port), cipher=None, smtp_host="127.0.0.1")
    sending = asyncio.Event()
    batches = 0

    async def send_swallowing_cancel() -> int:
        # Finish the send although the task was cancelled during it, as real sends sometimes did.
        nonlocal batches
        batches += 1
        if batches > 1:
            return 0
        sending.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            asyncio.current_task().uncancel()
        return 1

    dispatcher.send_due = send_swallowing_cancel
    await dispatcher.start()
    await sending.wait()

    stopping = asyncio.create_task(dispatcher.stop())
    # The wait bounds a hang of an hour, the poll interval set above, not the stop's speed.
    # asyncio.wait cancels nothing on timeout, unlike wait_for, whose cancellation stop() would absorb.
    done, _pending = await asyncio.wait({stopping}, timeout=60)
    if not done:
        dispatcher._task.cancel()
        await stopping

    assert stopping in done
    assert batches == 1


class StallingSmtpServer:
    """An SMTP server that accepts a message's DATA command and then never replies again, like a stuck relay."""

    def __init__(self) -> None:
        self.stalled = asyncio.Event()
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []
        self.port = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._session, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        self._server.close()
        for writer in self._writers:
            writer.close()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.append(writer)
        writer.write(b"220 stalling.example ESMTP\r\n")
        while line := await reader.readline():
            command = line[:4].upper()
            if command == b"DATA":
                writer.write(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                break
            writer.write(b"250 OK\r\n")
        # Read the message, then QUIT as message text, and never reply.
        self.stalled.set()
        while await reader.read(4096):
            pass
        writer.close()


async def test_stop_during_stalled_send(engines, accounts_pool, monkeypatch):
    """A stop during a send to a server that stopped replying ends without waiting for the SMTP timeout.

    aiosmtplib handles the stop's cancellation by sending QUIT and waiting for
    its reply for the whole SMTP timeout, set to an hour here. The message
    stays due: its try is rolled back, to be made again at the next start.
    """
    monkeypatch.setattr("services.accounts.mail_dispatch.SMTP_TIMEOUT_SECONDS", 3600.0)
    server = StallingSmtpServer()
    await server.start()
    async with accounts_pool.acquire() as connection:
        await queue_mail(connection, cipher=None, sender=SENDER, to="agence@example.org", subject="Bloqué", body="x")
    due_rows = "SELECT id, attempts, sent_at, next_attempt_at FROM outgoing_mail ORDER BY id"
    before = await accounts_pool.fetch(due_rows)
    dispatcher = MailDispatcher(accounts_pool, settings_for(engines, server.port), cipher=None, smtp_host="127.0.0.1")
    await dispatcher.start()
    await server.stalled.wait()

    stopping = asyncio.create_task(dispatcher.stop())
    # The wait bounds a hang of an hour, the SMTP timeout set above, not the stop's speed.
    done, _pending = await asyncio.wait({stopping}, timeout=60)
    if not done:
        await server.stop()  # the reply's wait ends on the closed connection
        await stopping
    after = await accounts_pool.fetch(due_rows)
    await server.stop()

    assert stopping in done
    assert after == before
