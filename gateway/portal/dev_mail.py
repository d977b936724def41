"""Development page ``/dev/courriels``: the messages caught by the local SMTP sink.

The embedded runtime sends all mail to a local sink that stores each message
as an ``.eml`` file in ``MF_MAIL_DIR``, so a new user can follow invitation
and reset links without a mail server. The page exists only when the
gateway setting ``mail_dir`` is set; otherwise it responds with 404. Production
never sets it. The page needs no login, because the person following an
invitation has no account yet. It lists every agency's reset and invitation
links, so it serves only clients on the loopback interface and responds with
404 to any other client and to any request that a proxy forwarded.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path

import aiohttp_jinja2
import structlog
from aiohttp import web
from markupsafe import Markup, escape

from gateway.portal.display import PARIS
from gateway.settings import SETTINGS

log = structlog.get_logger(__name__)

DEV_MAIL_PATH = "/dev/courriels"
MAX_MESSAGES = 100
# The sink records the SMTP envelope in this header, before the message's own headers.
ENVELOPE_TO_HEADER = "X-Sink-Envelope-To"
URL_PATTERN = re.compile(r"https?://[^\s<>\"']+")
# A request with one of these headers came through a proxy, so its socket peer is not the client.
PROXY_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Real-IP")


@dataclass(frozen=True)
class CaughtMessage:
    """One message of the sink's folder, ready to show."""

    file_name: str
    subject: str
    sender: str
    recipients: str
    date: str
    body: str


def linkify(text: str) -> Markup:
    """Escape ``text`` and turn each http(s) URL in it into a link."""
    parts: list[str] = []
    position = 0
    for match in URL_PATTERN.finditer(text):
        url = match.group(0).rstrip(".,;:)")
        parts.append(escape(text[position : match.start()]))
        parts.append(Markup('<a href="{0}">{0}</a>').format(url))
        position = match.start() + len(url)
    parts.append(escape(text[position:]))
    return Markup("").join(parts)


def french_date(header: str) -> str:
    """Return a Date header as ``31/07/2026 à 14:05`` Paris time, or the header itself when it cannot be parsed."""
    try:
        moment = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return header
    if moment.tzinfo is not None:
        moment = moment.astimezone(PARIS)
    return f"{moment:%d/%m/%Y} à {moment:%H:%M}"


def plain_body(message: EmailMessage) -> str:
    """Return the text/plain body of ``message``, or a French note on the page when its charset cannot decode it."""
    part = message.get_body(preferencelist=("plain",))
    if part is None:
        return ""
    charset = part.get_content_charset("us-ascii")
    try:
        return part.get_content()
    except LookupError as error:
        # Python has no codec of that name, or its codec does not decode bytes to text, as with "rot13".
        log.warning("dev_mail_body_unreadable", charset=charset, error=repr(error))
        return f"(corps illisible\u00a0: «\u00a0{charset}\u00a0» n’est pas un jeu de caractères connu pour du texte)"
    except ValueError as error:
        # The codec exists but failed, as the "idna" codec does: it rejects the "replace" error handler of get_content.
        log.warning("dev_mail_body_unreadable", charset=charset, error=repr(error))
        return f"(corps illisible\u00a0: le texte ne se décode pas avec le jeu de caractères «\u00a0{charset}\u00a0»)"


def read_caught_message(path: Path) -> CaughtMessage:
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    recipients = str(message.get(ENVELOPE_TO_HEADER) or message.get("To") or "")
    return CaughtMessage(
        file_name=path.name,
        subject=str(message.get("Subject", "")),
        sender=str(message.get("From", "")),
        recipients=recipients,
        date=french_date(str(message.get("Date", ""))),
        body=plain_body(message),
    )


def list_caught_messages(folder: Path, limit: int = MAX_MESSAGES) -> list[CaughtMessage]:
    """Return the newest ``limit`` messages of ``folder``.

    The sink starts each file name with the UTC time, so the names sort by age.
    """
    if not folder.is_dir():
        return []
    paths = sorted(folder.glob("*.eml"), reverse=True)[:limit]
    messages = []
    for path in paths:
        try:
            messages.append(read_caught_message(path))
        except OSError as error:
            # The sink may not have finished, or someone deleted the file meanwhile.
            log.warning("dev_mail_unreadable", file=path.name, error=repr(error))
    return messages


def is_local_client(request: web.Request) -> bool:
    """Return whether the socket peer is a loopback address (127.0.0.0/8, ::1) and no proxy forwarded the request.

    A proxy on the same host connects from the loopback interface on behalf of
    remote clients, so a request that carries a forwarding header is not local.
    """
    if any(name in request.headers for name in PROXY_HEADERS):
        return False
    peername = request.transport.get_extra_info("peername") if request.transport else None
    if not isinstance(peername, tuple) or not peername:
        return False
    try:
        address = ipaddress.ip_address(peername[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


async def dev_mail_page(request: web.Request) -> web.Response:
    folder = request.app[SETTINGS].mail_dir
    if folder is None:
        raise web.HTTPNotFound()
    if not is_local_client(request):
        log.warning("dev_mail_remote_client_rejected", peer=request.remote)
        raise web.HTTPNotFound()
    messages = await asyncio.to_thread(list_caught_messages, folder)
    context = {"messages": messages, "folder": str(folder), "max_messages": MAX_MESSAGES, "linkify": linkify}
    return aiohttp_jinja2.render_template("dev_mail.html", request, context)


def setup_routes(app: web.Application) -> None:
    app.router.add_get(DEV_MAIL_PATH, dev_mail_page, name="dev_mail")
