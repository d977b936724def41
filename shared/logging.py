"""structlog set-up shared by every process.

Context (service, request id, event id) is bound through contextvars at the
edge, so every line of a request or a message carries it.
"""

from __future__ import annotations

import logging
import re
import sys

import structlog
from aiohttp.http_exceptions import HttpProcessingError

SENSITIVE_KEYS = frozenset({"password", "iban", "card", "secret", "token", "authorization", "cookie"})

# Paths whose last part is the token of a single-use link: an invitation or
# a password reset, on the portal and on the accounts service. Anyone who reads
# the token can use the link until it expires, so log lines show "{token}"
# in its place. tests/gateway/test_log_redaction.py checks that this covers every
# route of the gateway and the services with a {token} part.
_SINGLE_USE_LINK = re.compile(
    r"(/(?:invitation|mot-de-passe|internal/password-resets|internal/invitations)/)[^/?#\s\"']+"
)


# A session travels in the portal's cookie and in the header that the gateway
# sends to the accounts service. Error texts of libraries may quote a raw
# request (aiohttp quotes the header line that it could not parse), so the
# value of these headers, and the cookie wherever it appears, are replaced.
_SESSION_COOKIE = re.compile(r"(mf_session=)[^;\s'\"\\]+")
_SECRET_HEADER = re.compile(r"(?i)((?:cookie|x-mf-session|authorization):\s*)[^\r\n'\"\\]+")


def redact_link_tokens(text: str) -> str:
    """Return ``text`` with the token of every single-use link path replaced by ``{token}``."""
    return _SINGLE_USE_LINK.sub(r"\1{token}", text)


def redact_secrets_in_text(text: str) -> str:
    """Return ``text`` without link tokens, session cookies and secret header values."""
    text = redact_link_tokens(text)
    text = _SESSION_COOKIE.sub(r"\1[redacted]", text)
    return _SECRET_HEADER.sub(r"\1[redacted]", text)


def _scrub_sensitive(_logger: object, _method: str, event_dict: dict) -> dict:
    """Replace values of keys that may carry secrets or full bank details, and secrets inside text."""
    for key, value in list(event_dict.items()):
        if any(word in key.lower() for word in SENSITIVE_KEYS):
            event_dict[key] = "[redacted]"
        elif isinstance(value, str):
            event_dict[key] = redact_secrets_in_text(value)
    return event_dict


class _RejectedRequestFilter(logging.Filter):
    """Log a request that aiohttp cannot parse as one info line, without the request's bytes.

    aiohttp logs such a request at error level with an exception whose text
    quotes the offending line, which may be the Cookie header with a live
    session. A browser that sends too many cookies, or a client that sends a
    control character, causes it, so it is the client's error, not ours.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, HttpProcessingError):
            remote = record.args[0] if isinstance(record.args, tuple) and record.args else None
            record.msg = "http_request_rejected: %s (status %s) from %s"
            record.args = (type(error).__name__, error.code, remote)
            record.exc_info = None
            record.exc_text = None
            record.levelno = logging.INFO
            record.levelname = "INFO"
        return True


def configure_logging(service: str, *, log_format: str = "auto", level: str = "info") -> None:
    """Configure structlog and the standard library root logger once per process."""
    use_json = log_format == "json" or (log_format == "auto" and not sys.stderr.isatty())
    numeric_level = logging.getLevelName(level.upper())

    shared_processors: list = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _scrub_sensitive,
    ]
    renderer = (
        structlog.processors.JSONRenderer()
        if use_json
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        # Scrubbed again once the traceback is text, which may quote a URL.
        processors=[*shared_processors, structlog.processors.format_exc_info, _scrub_sensitive, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(numeric_level),
        # One write of the record and its line break: with PYTHONUNBUFFERED,
        # as the stack starts its services, print() writes them apart, and
        # another process sharing the terminal or file could write in between.
        logger_factory=structlog.WriteLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )

    # Route standard-library records (aiohttp, asyncpg, nats) through the same renderer.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
            # The traceback becomes text first, so that the scrubber reads it.
            foreign_pre_chain=[
                *shared_processors,
                structlog.stdlib.add_logger_name,
                structlog.processors.format_exc_info,
                _scrub_sensitive,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(numeric_level)
    server_logger = logging.getLogger("aiohttp.server")
    if not any(isinstance(existing, _RejectedRequestFilter) for existing in server_logger.filters):
        server_logger.addFilter(_RejectedRequestFilter())
    # factur-x logs an INFO line for every PDF it writes, and fontTools about 50
    # (« glyf pruned », « cmap pruned ») each time fpdf2 subsets a font. Keep their warnings only.
    for noisy_logger in ("factur-x", "fontTools"):
        logging.getLogger(noisy_logger).setLevel(max(numeric_level, logging.WARNING))
    # At debug level, aiosmtpd (the local SMTP sink) logs every line of every message.
    # Quoted-printable may wrap the link of an invitation or a reset over two lines,
    # so the end of its token would escape the redaction of single-use links.
    logging.getLogger("mail.log").setLevel(max(numeric_level, logging.INFO))
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(service=service)
