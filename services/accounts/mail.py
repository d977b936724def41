"""Building e-mail messages safely and queueing them for the dispatcher.

Messages are ``email.message.EmailMessage`` objects, and every value that
goes into a header is checked for CR and LF first, so no user input can add
a header or a recipient. Queued messages are written to ``outgoing_mail`` in
the caller's transaction; ``MailDispatcher`` sends them after commit.
"""

from __future__ import annotations

import uuid
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import SMTP
from email.utils import formatdate, make_msgid, parseaddr

import asyncpg

from shared.typography import apply_french_spacing as french
from shared.errors import Unprocessable
from shared.logging import redact_link_tokens

# Long enough for any real subject, short enough to fit a mail client's list.
MAX_SUBJECT_LENGTH = 200


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


async def queue_mail(
    connection: asyncpg.Connection,
    *,
    sender: str,
    to: str,
    subject: str,
    body: str,
    reply_to: str | None = None,
) -> uuid.UUID:
    """Build a message and store it for sending after the caller's transaction commits; return its id."""
    message = build_message(sender=sender, to=to, subject=subject, body=body, reply_to=reply_to)
    mail_id = uuid.uuid4()
    await connection.execute(
        """INSERT INTO outgoing_mail (id, sender, recipients, subject, message)
           VALUES ($1, $2, $3, $4, $5)""",
        mail_id,
        parseaddr(sender)[1],
        [parseaddr(to)[1]],
        subject[:MAX_SUBJECT_LENGTH],
        message.as_bytes(),
    )
    return mail_id
