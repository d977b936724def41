"""Building e-mail messages safely and queueing them for the dispatcher.

Messages are ``email.message.EmailMessage`` objects, and every value that
goes into a header is checked for CR and LF first, so no user input can add
a header or a recipient. Queued messages are written to ``outgoing_mail`` in
the caller's transaction; ``MailDispatcher`` sends them after commit.

A queued message is encrypted with the data key (see `services.accounts.crypto`)
until it is sent, because invitation and password-reset messages contain a live
link token. Only a service without MF_DATA_ENCRYPTION_KEY queues messages in
clear, and it logs a warning at start-up.
"""

from __future__ import annotations

import uuid
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import SMTP
from email.utils import formatdate, make_msgid, parseaddr

import asyncpg
import structlog

from services.accounts.crypto import DataCipher
from shared.typography import apply_french_spacing as french
from shared.errors import Unprocessable
from shared.logging import redact_link_tokens

log = structlog.get_logger(__name__)

# Long enough for any real subject, short enough to fit a mail client's list.
MAX_SUBJECT_LENGTH = 200

# Rows encrypted per transaction by encrypt_pending_mail.
ENCRYPTION_BATCH_ROWS = 200


class InvalidMailHeader(Unprocessable):
    """A value meant for an e-mail header contains a line break or a control character."""

    code = "invalid_mail_header"

    def __init__(self, field: str) -> None:
        super().__init__(
            french(f"Le champ « {field} » ne doit pas contenir de saut de ligne : retapez-le sur une seule ligne."),
            field=field,
        )


def check_header_value(value: str, field: str) -> str:
    """Return ``value`` unchanged, or raise InvalidMailHeader when it contains CR, LF or another control character."""
    if any(ord(character) < 32 or ord(character) == 127 for character in value):
        raise InvalidMailHeader(field)
    return value


def _address(value: str, field: str) -> Address:
    check_header_value(value, field)
    display_name, address = parseaddr(value)
    if "@" not in address:
        raise ValueError(f"{field}: {value!r} is not an e-mail address; expected name@domain")
    local_part, _, domain = address.rpartition("@")
    return Address(display_name=display_name, username=local_part, domain=domain)


def build_message(
    *, sender: str, to: str, subject: str, body: str, reply_to: str | None = None
) -> EmailMessage:
    """Build a plain-text UTF-8 message; raise InvalidMailHeader for a header value with a line break."""
    message = EmailMessage(policy=SMTP)
    sender_address = _address(sender, "expéditeur")
    message["From"] = sender_address
    message["To"] = _address(to, "destinataire")
    if reply_to:
        message["Reply-To"] = _address(reply_to, "répondre à")
    message["Subject"] = check_header_value(subject[:MAX_SUBJECT_LENGTH], "objet")
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender_address.domain)
    message.set_content(body, charset="utf-8")
    return message


def without_link_tokens(raw: bytes) -> bytes:
    """Return the queued message ``raw`` with the token of each single-use link replaced by ``{token}``.

    A sent message stays in ``outgoing_mail`` for support questions, and a
    pending invitation or reset link in it would work for anyone who reads the
    table or a dump of it. The body is decoded first, because the message
    stores it in a transfer encoding (base64 or quoted-printable) where the
    token cannot be searched for.
    """
    message = BytesParser(policy=SMTP).parsebytes(raw)
    body = message.get_content()
    redacted = redact_link_tokens(body)
    if redacted == body:
        return raw
    message.set_content(redacted, charset="utf-8")
    return message.as_bytes()


def mail_context(mail_id: uuid.UUID | str) -> str:
    """Return the associated data that binds an encrypted queued message to its row."""
    return f"outgoing-mail:{mail_id}"


async def queue_mail(
    connection: asyncpg.Connection,
    *,
    cipher: DataCipher | None,
    sender: str,
    to: str,
    subject: str,
    body: str,
    reply_to: str | None = None,
) -> uuid.UUID:
    """Build a message and store it for sending after the caller's transaction commits; return its id.

    The message is stored encrypted with ``cipher``, or in clear when the
    service has no data key (``cipher`` None).
    """
    message = build_message(sender=sender, to=to, subject=subject, body=body, reply_to=reply_to)
    mail_id = uuid.uuid4()
    raw = message.as_bytes()
    encrypted = cipher.encrypt(raw, mail_context(mail_id)) if cipher is not None else None
    await connection.execute(
        """INSERT INTO outgoing_mail (id, sender, recipients, subject, message, message_encrypted)
           VALUES ($1, $2, $3, $4, $5, $6)""",
        mail_id,
        parseaddr(sender)[1],
        [parseaddr(to)[1]],
        subject[:MAX_SUBJECT_LENGTH],
        raw if encrypted is None else None,
        encrypted,
    )
    return mail_id


async def encrypt_pending_mail(pool: asyncpg.Pool, cipher: DataCipher) -> int:
    """Encrypt every unsent message stored in clear; return how many were encrypted.

    Such rows were queued before messages were encrypted, or while the
    service ran without a data key. The service runs this at start-up,
    because SQL cannot reach the key. Each batch locks its rows and skips
    those that a dispatcher is sending.
    """
    encrypted = 0
    while True:
        async with pool.acquire() as connection, connection.transaction():
            rows = await connection.fetch(
                """SELECT id, message FROM outgoing_mail
                    WHERE sent_at IS NULL AND message IS NOT NULL
                    ORDER BY id
                    LIMIT $1
                      FOR UPDATE SKIP LOCKED""",
                ENCRYPTION_BATCH_ROWS,
            )
            if not rows:
                break
            await connection.executemany(
                "UPDATE outgoing_mail SET message = NULL, message_encrypted = $2 WHERE id = $1",
                [(row["id"], cipher.encrypt(bytes(row["message"]), mail_context(row["id"]))) for row in rows],
            )
        encrypted += len(rows)
    if encrypted:
        log.info("pending_mail_encrypted", count=encrypted, key_id=cipher.current_key_id)
    return encrypted
