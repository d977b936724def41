"""Sends queued mail through SMTP with aiosmtplib, retrying with back-off.

Rows are claimed with ``FOR UPDATE SKIP LOCKED``, so several replicas can
send together without sending a message twice at the same time. A message
that the server rejects, or that cannot reach it, is retried 30 s later and
then after doubling delays capped at one hour. It is never dropped, so a
message may be sent twice when the service stops between the send and the
row update.

A message is decrypted only to be sent (see `services.accounts.mail`). One
that no configured key decrypts stays queued, with the error in
``last_error``, and is tried again with the same back-off.
"""

from __future__ import annotations

import asyncio

import aiosmtplib
import asyncpg
import structlog

from services.accounts.crypto import DataCipher, DecryptionFailed
from services.accounts.mail import mail_context, without_link_tokens
from services.accounts.settings import AccountsSettings

log = structlog.get_logger(__name__)

BATCH_SIZE = 20
POLL_SECONDS = 5.0
FIRST_RETRY_SECONDS = 30
MAX_RETRY_SECONDS = 3600
SMTP_TIMEOUT_SECONDS = 10.0
# The stop cancels the loop again after each of these waits, up to STOP_CANCELS times.
STOP_RECANCEL_SECONDS = 0.5
STOP_CANCELS = 20


# Sent messages contain personal data and are kept only this long, for support questions.
SENT_MAIL_RETENTION_DAYS = 30


async def delete_sent_mail(connection: asyncpg.Connection) -> int:
    """Delete messages sent more than SENT_MAIL_RETENTION_DAYS ago; return how many."""
    status = await connection.execute(
        "DELETE FROM outgoing_mail WHERE sent_at < now() - make_interval(days => $1)", SENT_MAIL_RETENTION_DAYS
    )
    return int(status.split()[-1])


def retry_delay_seconds(attempts: int) -> int:
    """Return the wait before the next try after ``attempts`` failed tries."""
    return min(MAX_RETRY_SECONDS, FIRST_RETRY_SECONDS * 2 ** max(0, attempts - 1))


class MailDispatcher:
    """Sends due rows of ``outgoing_mail`` until stopped."""

    def __init__(
        self, pool: asyncpg.Pool, settings: AccountsSettings, *, cipher: DataCipher | None, smtp_host: str
    ) -> None:
        self._pool = pool
        self._settings = settings
        self._cipher = cipher
        self._smtp_host = smtp_host
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._listener: asyncpg.Connection | None = None
        self._stopping = False
        # Rows that the last batch took, sent or not.
        self._claimed = 0

    async def start(self) -> None:
        self._listener = await self._pool.acquire()
        await self._listener.add_listener("outgoing_mail", self._on_notify)
        self._task = asyncio.create_task(self._run(), name="mail-dispatcher")
        log.info("mail_dispatcher_started", smtp_host=self._smtp_host, smtp_port=self._settings.smtp_port)

    async def stop(self) -> None:
        # A cancellation during a send can be lost: aiosmtplib may turn it into an
        # SMTP error, which send_due catches, and in tests the send sometimes
        # completed after it. So the flag ends the loop, and the event its wait.
        #
        # One cancellation is not always enough either. aiosmtplib 5.1.3 handles it
        # in SMTP.__aexit__ by sending QUIT and waiting for the reply, for up to
        # the SMTP timeout. When
        # the cancellation comes in the middle of DATA, the server reads QUIT as
        # message text and never replies, so that wait lasted the whole timeout.
        # The stop therefore cancels again until the loop ends.
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await self._cancel_until_done(self._task)
        if self._listener is not None:
            await self._listener.remove_listener("outgoing_mail", self._on_notify)
            await self._pool.release(self._listener)
        log.info("mail_dispatcher_stopped")

    @staticmethod
    async def _cancel_until_done(task: asyncio.Task) -> None:
        for _attempt in range(STOP_CANCELS):
            task.cancel()
            done, _pending = await asyncio.wait({task}, timeout=STOP_RECANCEL_SECONDS)
            if done:
                break
        else:
            log.error("mail_dispatcher_stop_timed_out", waited_seconds=STOP_CANCELS * STOP_RECANCEL_SECONDS)
            return
        if not task.cancelled() and task.exception() is not None:
            log.error("mail_dispatcher_failed", error=repr(task.exception()))

    def _on_notify(self, *_args: object) -> None:
        self._wake.set()

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            self._claimed = 0
            try:
                await self.send_due()
            except (OSError, asyncpg.PostgresError) as error:
                log.warning("mail_dispatch_failed", error=repr(error))
            # A full batch means more rows are probably due, also when none of it could be sent: a
            # failed row waits for its own next attempt, so the next batch takes the rows after it.
            if self._claimed == BATCH_SIZE:
                continue
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=POLL_SECONDS)
            except TimeoutError:
                pass

    async def send_due(self) -> int:
        """Send one batch of due messages; return how many the server accepted."""
        sent = 0
        async with self._pool.acquire() as connection, connection.transaction():
            rows = await connection.fetch(
                """SELECT id, sender, recipients, message, message_encrypted, attempts FROM outgoing_mail
                    WHERE sent_at IS NULL AND next_attempt_at <= now()
                    ORDER BY created_at
                    LIMIT $1
                      FOR UPDATE SKIP LOCKED""",
                BATCH_SIZE,
            )
            self._claimed = len(rows)
            for row in rows:
                try:
                    message = self._plain_message(row)
                except DecryptionFailed as error:
                    delay = await self._record_failure(connection, row, error)
                    log.error("mail_decryption_failed", mail_id=str(row["id"]), error=str(error), retry_in=delay)
                    continue
                try:
                    await self._send(row, message)
                except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
                    if self._stopping:
                        # Roll back: the row stays due and is sent again at the next start.
                        raise asyncio.CancelledError from error
                    delay = await self._record_failure(connection, row, error)
                    log.warning("mail_send_failed", mail_id=str(row["id"]), error=repr(error), retry_in=delay)
                    continue
                # The copy kept after sending is in clear, for support questions, but has no
                # usable link (see without_link_tokens), so the encrypted message is dropped.
                await connection.execute(
                    """UPDATE outgoing_mail
                          SET sent_at = now(), attempts = attempts + 1, message = $2, message_encrypted = NULL
                        WHERE id = $1""",
                    row["id"],
                    without_link_tokens(message),
                )
                log.info("mail_sent", mail_id=str(row["id"]))
                sent += 1
        return sent

    def _plain_message(self, row: asyncpg.Record) -> bytes:
        """Return the row's message, decrypted when stored encrypted; raise DecryptionFailed when no key decrypts it."""
        if row["message_encrypted"] is None:
            return bytes(row["message"])
        context = mail_context(row["id"])
        if self._cipher is None:
            raise DecryptionFailed(
                f"value for {context} is encrypted but MF_DATA_ENCRYPTION_KEY is not set: set it to the key"
                " that encrypted the message"
            )
        return self._cipher.decrypt(bytes(row["message_encrypted"]), context)

    @staticmethod
    async def _record_failure(connection: asyncpg.Connection, row: asyncpg.Record, error: Exception) -> int:
        """Count a failed try, schedule the next one and return the delay in seconds."""
        attempts = row["attempts"] + 1
        delay = retry_delay_seconds(attempts)
        await connection.execute(
            """UPDATE outgoing_mail
                  SET attempts = $2, last_error = $3, next_attempt_at = now() + make_interval(secs => $4)
                WHERE id = $1""",
            row["id"],
            attempts,
            repr(error)[:2000],
            delay,
        )
        return delay

    async def _send(self, row: asyncpg.Record, message: bytes) -> None:
        settings = self._settings
        await aiosmtplib.send(
            message,
            sender=row["sender"],
            recipients=list(row["recipients"]),
            hostname=self._smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username or None,
            password=settings.smtp_password or None,
            start_tls=settings.smtp_starttls,
            timeout=SMTP_TIMEOUT_SECONDS,
        )
