"""A local SMTP server that stores each message as an ``.eml`` file.

The embedded default sends all mail here, so invitation and reset links can
be followed without a mail server. Each file is the message as received,
preceded by ``X-Sink-Envelope-From`` and ``X-Sink-Envelope-To`` headers
that record the SMTP envelope. Run alone with
``python -m services.accounts.mail_sink FOLDER [PORT]``.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import uuid
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import structlog
from aiosmtpd.smtp import SMTP, Envelope, Session

from shared.logging import configure_logging

log = structlog.get_logger(__name__)

DEFAULT_PORT = 8025


class FolderHandler:
    """aiosmtpd handler that writes each accepted message to ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802 - aiosmtpd's hook name
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        name = f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
        header = (
            f"X-Sink-Envelope-From: {envelope.mail_from}\r\n"
            f"X-Sink-Envelope-To: {', '.join(envelope.rcpt_tos)}\r\n"
        ).encode()
        content = envelope.original_content or envelope.content or b""
        if isinstance(content, str):
            content = content.encode()
        # Write then rename, so a reader never sees half a message. Only the
        # owner may read it: invitation and reset mails hold live links.
        temporary = self.folder / f".{name}.part"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(header + content)
        os.replace(temporary, self.folder / name)
        log.info("mail_stored", file=name, recipients=len(envelope.rcpt_tos))
        return "250 Message stored"


class MailSink:
    """The SMTP sink running in the current event loop on ``host``:``port``."""

    def __init__(self, folder: Path, *, host: str = "127.0.0.1", port: int = DEFAULT_PORT) -> None:
        self.folder = folder
        self.host = host
        self.port = port
        self._server: asyncio.Server | None = None
        self._sessions: weakref.WeakSet[SMTP] = weakref.WeakSet()

    def _new_session(self, handler: FolderHandler) -> SMTP:
        session = SMTP(handler, hostname="mesfactures-sink", data_size_limit=10 * 1024 * 1024)
        self._sessions.add(session)
        return session

    async def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.folder.chmod(0o700)
        handler = FolderHandler(self.folder)
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: self._new_session(handler), host=self.host, port=self.port
        )
        if self.port == 0:
            self.port = self._server.sockets[0].getsockname()[1]
        log.info("mail_sink_started", host=self.host, port=self.port, folder=str(self.folder))

    async def stop(self) -> None:
        if self._server is None:
            return
        self._server.close()
        # Server.wait_closed waits for every open connection, and a client cancelled
        # mid-conversation may never send QUIT, so open sessions are closed here.
        for session in list(self._sessions):
            if session.transport is not None and not session.transport.is_closing():
                session.transport.close()
        await self._server.wait_closed()
        self._server = None
        log.info("mail_sink_stopped")


@dataclass(frozen=True)
class StoredMessage:
    """One message of the sink's folder."""

    name: str
    envelope_to: list[str]
    sender: str
    to: str
    subject: str
    date: str
    message: EmailMessage

    @property
    def text(self) -> str:
        """Return the plain-text body."""
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""


def read_message(path: Path) -> StoredMessage:
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    return StoredMessage(
        name=path.name,
        envelope_to=[address.strip() for address in str(message.get("X-Sink-Envelope-To", "")).split(",") if address.strip()],
        sender=str(message.get("From", "")),
        to=str(message.get("To", "")),
        subject=str(message.get("Subject", "")),
        date=str(message.get("Date", "")),
        message=message,
    )


def list_messages(folder: Path) -> list[StoredMessage]:
    """Return the stored messages, newest first (file names start with the UTC time)."""
    if not folder.is_dir():
        return []
    return [read_message(path) for path in sorted(folder.glob("*.eml"), reverse=True)]


async def _serve(folder: Path, port: int) -> None:
    """Run the sink until SIGINT or SIGTERM, then stop it and return normally.

    Handling the signals in the event loop, rather than letting SIGINT raise
    KeyboardInterrupt, lets Ctrl-C stop the sink without a traceback.
    """
    stop_requested = asyncio.Event()
    loop = asyncio.get_running_loop()
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(stop_signal, stop_requested.set)
    sink = MailSink(folder, port=port)
    await sink.start()
    try:
        await stop_requested.wait()
    finally:
        await sink.stop()


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: python -m services.accounts.mail_sink FOLDER [PORT]")
    configure_logging(
        "smtp-sink", log_format=os.environ.get("MF_LOG_FORMAT", "auto"), level=os.environ.get("MF_LOG_LEVEL", "info")
    )
    asyncio.run(_serve(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) == 3 else DEFAULT_PORT))
