"""Queued mail is encrypted with the data key until it is sent, and follows key rotation."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import AsyncIterator
from email.parser import BytesParser
from email.policy import SMTP

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from services.accounts.app import DEFINITION
from services.accounts.crypto import DataCipher
from services.accounts.mail import build_message, encrypt_pending_mail, mail_context, queue_mail
from services.accounts.mail_dispatch import BATCH_SIZE, MailDispatcher
from services.accounts.reencrypt import reencrypt_all
from services.accounts.settings import AccountsSettings
from services.accounts.single_use_links import hash_token
from shared.service import create_service_app
from tests.accounts.conftest import PUBLIC_URL
from tests.accounts.support import dispatch_until_handled, link_token, principal_headers, wait_for_mail
from tests.accounts.test_crypto import new_key
from tests.accounts.test_reencrypt import scratch_accounts_dsn, scratch_pool  # noqa: F401 (fixtures)
from tests.conftest import ServiceClient, unique_id

SENDER = "Mes Factures <no-reply@mesfactures.example>"


def settings_for(engines, port: int) -> AccountsSettings:
    return AccountsSettings(
        database_url=engines.service_dsn("accounts"), **engines.nats_settings("accounts"), smtp_host="127.0.0.1",
        smtp_port=port,
    )


@pytest.fixture
async def accounts_queueing(engines, signer, data_key) -> AsyncIterator[ServiceClient]:
    """The accounts service with a data key and no SMTP server, so its mail stays queued."""
    settings = AccountsSettings(
        database_url=engines.service_dsn("accounts"),
        **engines.nats_settings("accounts"),
        principal_public_key=engines.secrets.principal_public_key,
        public_url=PUBLIC_URL,
        data_encryption_key=data_key,
    )
    client = TestClient(TestServer(create_service_app(DEFINITION, settings)))
    await client.start_server()
    yield ServiceClient(client, signer, "accounts")
    await client.close()


def invitation_body(token: str) -> str:
    return f"Bonjour é,\n\nAcceptez l’invitation : http://127.0.0.1:8470/invitation/{token}\n"


async def queued_row(pool: asyncpg.Pool, mail_id: uuid.UUID) -> asyncpg.Record:
    return await pool.fetchrow(
        "SELECT message, message_encrypted, sent_at, attempts, last_error FROM outgoing_mail WHERE id = $1", mail_id
    )


async def queued_mail_to(pool: asyncpg.Pool, address: str) -> asyncpg.Record:
    return await pool.fetchrow(
        "SELECT id, message, message_encrypted FROM outgoing_mail WHERE $1 = ANY(recipients) AND sent_at IS NULL",
        address,
    )


def assert_holds_no_plaintext(stored: bytes, plain: bytes, token: str) -> None:
    """Check that ``stored`` contains neither the link token nor any line of the message ``plain``."""
    assert token.encode() not in stored
    assert plain not in stored
    for line in plain.splitlines():
        if len(line) >= 12:
            assert line not in stored, line


async def test_queued_row_holds_no_token_or_body(engines, accounts_pool, mail_sink, data_key):
    cipher = DataCipher(data_key)
    token = secrets.token_urlsafe(32)
    subject = f"Invitation {uuid.uuid4().hex[:8]}"
    async with accounts_pool.acquire() as connection:
        mail_id = await queue_mail(
            connection, cipher=cipher, sender=SENDER, to="agence@example.org", subject=subject, body=invitation_body(token)
        )

    queued = await queued_row(accounts_pool, mail_id)
    stored = bytes(queued["message_encrypted"])
    plain = cipher.decrypt(stored, mail_context(mail_id))

    assert queued["message"] is None
    assert f"/invitation/{token}" in BytesParser(policy=SMTP).parsebytes(plain).get_content()
    assert_holds_no_plaintext(stored, plain, token)


async def test_dispatcher_decrypts_to_send(engines, accounts_pool, mail_sink, data_key):
    cipher = DataCipher(data_key)
    token = secrets.token_urlsafe(32)
    subject = f"Invitation {uuid.uuid4().hex[:8]}"
    async with accounts_pool.acquire() as connection:
        mail_id = await queue_mail(
            connection, cipher=cipher, sender=SENDER, to="agence@example.org", subject=subject, body=invitation_body(token)
        )
    dispatcher = MailDispatcher(accounts_pool, settings_for(engines, mail_sink.port), cipher=cipher, smtp_host="127.0.0.1")

    await dispatch_until_handled(dispatcher, accounts_pool, mail_id)
    [delivered] = await wait_for_mail(mail_sink.folder, lambda message: message.subject == subject)
    sent_copy = await queued_row(accounts_pool, mail_id)
    sent_copy_text = BytesParser(policy=SMTP).parsebytes(bytes(sent_copy["message"])).get_content()

    assert delivered.envelope_to == ["agence@example.org"]
    assert delivered.text.replace("\r\n", "\n") == invitation_body(token)
    assert sent_copy["sent_at"] is not None
    assert sent_copy["message_encrypted"] is None
    assert token not in sent_copy_text
    assert "http://127.0.0.1:8470/invitation/{token}" in sent_copy_text


async def test_invitation_queued_encrypted_by_service(accounts_queueing, agency_admin, accounts_pool, engines, mail_sink, data_key):
    cipher = DataCipher(data_key)
    email = f"{unique_id('invitee')}@agence.example"

    response = await accounts_queueing.client.post(
        "/agency/invitations",
        json={"email": email, "role": "lecteur"},
        headers=principal_headers(accounts_queueing, agency_admin),
    )
    queued = await queued_mail_to(accounts_pool, email)
    stored = bytes(queued["message_encrypted"])
    plain = cipher.decrypt(stored, mail_context(queued["id"]))
    token = link_token(BytesParser(policy=SMTP).parsebytes(plain).get_content(), "invitation")
    link = await accounts_pool.fetchval("SELECT id FROM single_use_links WHERE token_hash = $1", hash_token(token))

    assert response.status == 201, await response.text()
    assert queued["message"] is None
    assert str(link) == (await response.json())["invitation_id"]
    assert_holds_no_plaintext(stored, plain, token)

    dispatcher = MailDispatcher(accounts_pool, settings_for(engines, mail_sink.port), cipher=cipher, smtp_host="127.0.0.1")
    await dispatch_until_handled(dispatcher, accounts_pool, queued["id"])
    [delivered] = await wait_for_mail(mail_sink.folder, lambda message: email in message.envelope_to)

    assert f"{PUBLIC_URL}/invitation/{token}" in delivered.text


async def test_reset_link_queued_encrypted_by_service(accounts_queueing, agency_admin, accounts_pool, data_key):
    response = await accounts_queueing.client.post(
        "/internal/password-resets", json={"login": agency_admin.login}, headers=accounts_queueing.system_headers()
    )
    queued = await queued_mail_to(accounts_pool, agency_admin.email)
    stored = bytes(queued["message_encrypted"])
    plain = DataCipher(data_key).decrypt(stored, mail_context(queued["id"]))
    token = link_token(BytesParser(policy=SMTP).parsebytes(plain).get_content(), "mot-de-passe")

    assert response.status == 202
    assert queued["message"] is None
    assert_holds_no_plaintext(stored, plain, token)


async def test_start_up_encrypts_mail_queued_in_clear(engines, signer, accounts_pool, data_key):
    """Rows queued in clear, as before encryption or without a key, are encrypted when a service with a key starts."""
    token = secrets.token_urlsafe(32)
    raw = build_message(
        sender=SENDER, to="agence@example.org", subject="Invitation", body=invitation_body(token)
    ).as_bytes()
    pending_id, sent_id = uuid.uuid4(), uuid.uuid4()
    await accounts_pool.execute(
        """INSERT INTO outgoing_mail (id, sender, recipients, subject, message, sent_at)
           VALUES ($1, 'no-reply@mesfactures.example', '{agence@example.org}', 'Invitation', $2, NULL),
                  ($3, 'no-reply@mesfactures.example', '{agence@example.org}', 'Invitation', $4, now())""",
        pending_id,
        raw,
        sent_id,
        b"sent copy",
    )
    settings = AccountsSettings(
        database_url=engines.service_dsn("accounts"),
        **engines.nats_settings("accounts"),
        principal_public_key=engines.secrets.principal_public_key,
        data_encryption_key=data_key,
    )

    client = TestClient(TestServer(create_service_app(DEFINITION, settings)))
    await client.start_server()
    await client.close()
    pending = await queued_row(accounts_pool, pending_id)
    sent = await queued_row(accounts_pool, sent_id)

    assert pending["message"] is None
    assert DataCipher(data_key).decrypt(bytes(pending["message_encrypted"]), mail_context(pending_id)) == raw
    assert_holds_no_plaintext(bytes(pending["message_encrypted"]), raw, token)
    assert bytes(sent["message"]) == b"sent copy"
    assert sent["message_encrypted"] is None


async def test_encrypt_pending_mail_skips_encrypted_rows(scratch_pool):
    key = new_key()
    cipher = DataCipher(key)
    async with scratch_pool.acquire() as connection:
        encrypted_id = await queue_mail(connection, cipher=cipher, sender=SENDER, to="a@example.org", subject="A", body="a")
        clear_id = await queue_mail(connection, cipher=None, sender=SENDER, to="b@example.org", subject="B", body="b")
    before = await queued_row(scratch_pool, encrypted_id)

    first = await encrypt_pending_mail(scratch_pool, cipher)
    again = await encrypt_pending_mail(scratch_pool, cipher)

    assert first == 1
    assert again == 0
    assert (await queued_row(scratch_pool, encrypted_id))["message_encrypted"] == before["message_encrypted"]
    assert (await queued_row(scratch_pool, clear_id))["message"] is None


async def test_old_key_message_sent_during_rotation(engines, scratch_pool, scratch_accounts_dsn, mail_sink):
    old, new = new_key(), new_key()
    subject = f"Rotation {uuid.uuid4().hex[:8]}"
    async with scratch_pool.acquire() as connection:
        mail_id = await queue_mail(
            connection, cipher=DataCipher(old), sender=SENDER, to="agence@example.org", subject=subject, body="Bonjour"
        )
    settings = AccountsSettings(
        database_url=scratch_accounts_dsn, **engines.nats_settings("accounts"), smtp_host="127.0.0.1",
        smtp_port=mail_sink.port,
    )
    dispatcher = MailDispatcher(scratch_pool, settings, cipher=DataCipher(new, [old]), smtp_host="127.0.0.1")

    sent = await dispatcher.send_due()
    [delivered] = await wait_for_mail(mail_sink.folder, lambda message: message.subject == subject)

    assert sent == 1
    assert delivered.text.strip() == "Bonjour"
    assert (await queued_row(scratch_pool, mail_id))["sent_at"] is not None


async def test_reencrypted_message_needs_only_new_key(engines, scratch_pool, scratch_accounts_dsn, mail_sink):
    old, new = new_key(), new_key()
    subject = f"Rotation {uuid.uuid4().hex[:8]}"
    async with scratch_pool.acquire() as connection:
        mail_id = await queue_mail(
            connection, cipher=DataCipher(old), sender=SENDER, to="agence@example.org", subject=subject, body="Bonjour"
        )
    before = bytes((await queued_row(scratch_pool, mail_id))["message_encrypted"])

    reports = await reencrypt_all(scratch_pool, DataCipher(new, [old]))
    after = bytes((await queued_row(scratch_pool, mail_id))["message_encrypted"])
    settings = AccountsSettings(
        database_url=scratch_accounts_dsn, **engines.nats_settings("accounts"), smtp_host="127.0.0.1",
        smtp_port=mail_sink.port,
    )
    dispatcher = MailDispatcher(scratch_pool, settings, cipher=DataCipher(new), smtp_host="127.0.0.1")
    sent = await dispatcher.send_due()
    [delivered] = await wait_for_mail(mail_sink.folder, lambda message: message.subject == subject)

    mail_report = next(report for report in reports if report.table == "outgoing_mail")
    assert (mail_report.values, mail_report.reencrypted) == (1, 1)
    assert not DataCipher(old).uses_current_key(after)
    assert DataCipher(new).uses_current_key(after)
    assert after != before
    assert sent == 1
    assert delivered.text.strip() == "Bonjour"


async def test_message_without_its_key_stays_queued(engines, scratch_pool, scratch_accounts_dsn, mail_sink):
    subject = f"Clé {uuid.uuid4().hex[:8]}"
    async with scratch_pool.acquire() as connection:
        mail_id = await queue_mail(
            connection, cipher=DataCipher(new_key()), sender=SENDER, to="agence@example.org", subject=subject, body="x"
        )
    settings = AccountsSettings(
        database_url=scratch_accounts_dsn, **engines.nats_settings("accounts"), smtp_host="127.0.0.1",
        smtp_port=mail_sink.port,
    )
    dispatcher = MailDispatcher(scratch_pool, settings, cipher=DataCipher(new_key()), smtp_host="127.0.0.1")

    sent = await dispatcher.send_due()
    row = await queued_row(scratch_pool, mail_id)

    assert sent == 0
    assert row["sent_at"] is None
    assert row["attempts"] == 1
    assert "MF_DATA_ENCRYPTION_PREVIOUS_KEYS" in row["last_error"]
    assert row["message_encrypted"] is not None


async def test_undecryptable_batch_does_not_hold_others(engines, scratch_pool, scratch_accounts_dsn, mail_sink, monkeypatch):
    """A full batch of messages that no key decrypts is followed at once by the next batch, not after the poll."""
    monkeypatch.setattr("services.accounts.mail_dispatch.POLL_SECONDS", 3600.0)
    key = new_key()
    foreign = DataCipher(new_key())
    subject = f"Lisible {uuid.uuid4().hex[:8]}"
    async with scratch_pool.acquire() as connection:
        for _ in range(BATCH_SIZE + 5):
            await queue_mail(connection, cipher=foreign, sender=SENDER, to="agence@example.org", subject="Illisible", body="x")
        await queue_mail(connection, cipher=DataCipher(key), sender=SENDER, to="agence@example.org", subject=subject, body="x")
    settings = AccountsSettings(
        database_url=scratch_accounts_dsn, **engines.nats_settings("accounts"), smtp_host="127.0.0.1",
        smtp_port=mail_sink.port,
    )
    dispatcher = MailDispatcher(scratch_pool, settings, cipher=DataCipher(key), smtp_host="127.0.0.1")
    await dispatcher.start()
    try:
        # The bound is far below the poll interval set above, and far above the few batches' work.
        delivered = await wait_for_mail(mail_sink.folder, lambda message: message.subject == subject, timeout=60)
    finally:
        await dispatcher.stop()
    unsent = await scratch_pool.fetchval("SELECT count(*) FROM outgoing_mail WHERE sent_at IS NULL")

    assert len(delivered) == 1
    assert unsent == BATCH_SIZE + 5
