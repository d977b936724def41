"""Log lines never carry the token of a single-use link (shared.logging)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import secrets
from collections.abc import Iterator

import pytest
import structlog
from aiohttp import web

from gateway.app import create_gateway_app
from gateway.middlewares import HTTP_PARSER_LIMITS
from gateway.settings import GatewaySettings
from services.registry import SERVICE_NAMES, service_definition
from shared.logging import _scrub_sensitive, configure_logging, redact_link_tokens
from shared.principal import generate_keypair

PARAMETER = re.compile(r"\{(?P<name>\w+)(?::[^}]*)?\}")


def token_routes(app) -> set[str]:
    """Return the canonical paths of ``app`` that have a part named like a token."""
    return {
        resource.canonical
        for resource in app.router.resources()
        if any("token" in name for name in PARAMETER.findall(resource.canonical))
    }


def all_token_routes() -> set[str]:
    gateway = create_gateway_app(
        GatewaySettings(principal_private_key=generate_keypair()[0], session_secret="s" * 40, cookie_secure=False)
    )
    routes = token_routes(gateway)
    for name in SERVICE_NAMES:
        service = web.Application()
        service_definition(name).setup_routes(service)
        routes |= token_routes(service)
    return routes


def test_every_token_route_is_known_to_the_redaction() -> None:
    routes = all_token_routes()

    assert "/invitation/{token}" in routes
    assert "/internal/password-resets/{token}" in routes
    for route in routes:
        token = secrets.token_urlsafe(32)
        path = PARAMETER.sub(lambda match: token if "token" in match["name"] else "x", route)
        assert token not in redact_link_tokens(path), route


@pytest.mark.parametrize(
    "path",
    ["/invitation/{}", "/mot-de-passe/{}", "/internal/password-resets/{}", "/internal/invitations/{}"],
)
def test_scrubbing_replaces_the_token_in_any_value(path: str) -> None:
    token = secrets.token_urlsafe(32)
    event = {
        "event": "http_request",
        "path": path.format(token),
        "error": f"ClientError('GET http://accounts:8471{path.format(token)}?x=1')",
        "status": 200,
    }

    scrubbed = _scrub_sensitive(None, "info", dict(event))

    assert token not in repr(scrubbed)
    assert scrubbed["path"] == path.format("{token}")
    assert scrubbed["status"] == 200


def test_scrubbing_keeps_other_paths() -> None:
    event = {"event": "http_request", "path": "/creanciers/pressimmo/etat-de-compte"}

    assert _scrub_sensitive(None, "info", dict(event)) == event


@contextlib.contextmanager
def json_logging() -> Iterator[None]:
    """Configure the gateway's JSON logs for the block, then restore the logging configuration."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    configure_logging("gateway", log_format="json")
    try:
        yield
    finally:
        structlog.reset_defaults()
        structlog.contextvars.clear_contextvars()
        root.handlers[:], root.level = handlers, level


def json_lines(capsys) -> list[dict]:
    """Return the JSON log lines written to standard error so far."""
    return [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]


async def test_request_log_invitation_link_hides_token(make_gateway, capsys) -> None:
    token = secrets.token_urlsafe(32)
    with json_logging():
        gateway = await make_gateway()
        response = await gateway.get(f"/invitation/{token}")
        await response.read()
    lines = json_lines(capsys)
    requests = [line for line in lines if line.get("event") == "http_request"]

    assert any(line["path"] == "/invitation/{token}" for line in requests)
    assert token not in json.dumps(lines)


async def send_raw(host: str, port: int, request: bytes) -> bytes:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(request)
        await writer.drain()
        return await asyncio.wait_for(reader.read(200), 10)
    finally:
        writer.close()


@pytest.mark.parametrize(
    "request_template",
    [
        # A header over the parser's limit (HTTP_PARSER_LIMITS). One over 8 KiB only is the gateway's 431.
        b"GET /api/v1/me HTTP/1.1\r\nHost: localhost\r\nCookie: __Host-mf_session=%s; big="
        + b"a" * (HTTP_PARSER_LIMITS["max_field_size"] + 1000) + b"\r\n\r\n",
        b"GET /api/v1/me HTTP/1.1\r\nHost: localhost\r\nCookie: __Host-mf_session=%s; theme=dark\x00\r\n\r\n",
        b"GET /invitation/%s\x01 HTTP/1.1\r\nHost: localhost\r\n\r\n",
    ],
    ids=["cookie-too-long", "control-character", "bad-url"],
)
async def test_unparsable_request_log_hides_secrets(make_gateway, capsys, request_template: bytes) -> None:
    token = secrets.token_urlsafe(32)
    with json_logging():
        gateway = await make_gateway()
        answer = await send_raw(gateway.host, gateway.port, request_template.replace(b"%s", token.encode()))
    lines = json_lines(capsys)
    rejected = [line for line in lines if line.get("event", "").startswith("http_request_rejected")]

    assert answer.split(b"\r\n")[0].endswith(b" 400 Bad Request")
    assert token not in json.dumps(lines)
    assert len(rejected) == 1
    assert rejected[0]["level"] == "info"


def test_scrubbing_replaces_session_cookie_in_text() -> None:
    token = secrets.token_urlsafe(32)
    event = {
        "event": "failed",
        "exception": f"LineTooLong: b'Cookie: __Host-mf_session={token}; big=aaa'\nX-MF-Session: {token}",
    }

    scrubbed = _scrub_sensitive(None, "error", dict(event))

    assert token not in json.dumps(scrubbed)
    assert "Cookie: [redacted]" in scrubbed["exception"]


async def test_long_cookie_log_hides_session(make_gateway, capsys) -> None:
    token = secrets.token_urlsafe(32)
    with json_logging():
        gateway = await make_gateway()
        request = b"GET /api/v1/me HTTP/1.1\r\nHost: localhost\r\nCookie: __Host-mf_session=%s; big=" + b"a" * 9000
        answer = await send_raw(gateway.host, gateway.port, request.replace(b"%s", token.encode()) + b"\r\n\r\n")
    lines = json_lines(capsys)

    assert answer.split(b"\r\n")[0].endswith(b" 431 Request Header Fields Too Large")
    assert token not in json.dumps(lines)
    assert token.encode() not in answer
