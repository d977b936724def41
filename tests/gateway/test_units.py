"""Pure helpers of the gateway: pagination, return paths, client IP, CSRF tokens, session cache."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta
from unittest.mock import Mock

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from gateway.client_ip import client_ip
from gateway.csrf import CSRF_SECRET, check_session_csrf_token, session_csrf_token
from gateway.errors import CsrfRejected
from gateway.portal.navigation import local_path, path_for_creditor
from gateway.portal.pagination import build_pagination, page_numbers
from gateway.sessions import SessionInfo, SessionResolver

TOKEN = "t" * 43


def session_info(expires_in: timedelta = timedelta(hours=1)) -> SessionInfo:
    return SessionInfo(
        session_id="s-1",
        user_id="u-1",
        login="agent",
        role="comptable",
        accounts=[{"creditor": "cred-a", "customer_account": "C1"}],
        expires_at=datetime.now(UTC) + expires_in,
    )


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class CountingFetcher:
    def __init__(self, info: SessionInfo | None) -> None:
        self.info = info
        self.calls = 0

    async def __call__(self, token: str) -> SessionInfo | None:
        self.calls += 1
        return self.info


@pytest.mark.parametrize(
    ("current", "total", "expected"),
    [
        (1, 1, [1]),
        (1, 3, [1, 2, 3]),
        (1, 10, [1, 2, 3, None, 10]),
        (5, 10, [1, None, 3, 4, 5, 6, 7, None, 10]),
        (10, 10, [1, None, 8, 9, 10]),
        (4, 10, [1, 2, 3, 4, 5, 6, None, 10]),
    ],
)
def test_page_numbers_window(current, total, expected):
    assert page_numbers(current, total) == expected


def test_pagination_links_keep_filters():
    pagination = build_pagination("/etat-de-compte", {"view": "all", "number": "FA 1"}, page=2, page_size=50, total_rows=120)

    assert pagination.total_pages == 3
    assert pagination.previous_url == "/etat-de-compte?view=all&number=FA+1&page=1"
    assert pagination.next_url == "/etat-de-compte?view=all&number=FA+1&page=3"
    assert [link.current for link in pagination.links] == [False, True, False]


@pytest.mark.parametrize(
    ("candidate", "expected"),
    [
        ("/litiges", "/litiges"),
        ("/etat-de-compte?view=all", "/etat-de-compte?view=all"),
        ("//autre-site.example", "/etat-de-compte"),
        ("/\\autre-site.example", "/etat-de-compte"),
        ("https://autre-site.example/", "/etat-de-compte"),
        ("/a\r\nSet-Cookie: x", "/etat-de-compte"),
        (None, "/etat-de-compte"),
    ],
)
def test_local_path_accepts_only_site_paths(candidate, expected):
    assert local_path(candidate) == expected


def test_path_for_creditor_rewrites_creditor_segment():
    assert path_for_creditor("/creanciers/old/etat-de-compte?page=3", "new") == "/creanciers/new/etat-de-compte"
    assert path_for_creditor("/litiges?x=1", "new") == "/litiges"


def request_from(peer: str, forwarded_for: str | None = None) -> web.Request:
    transport = Mock()
    transport.get_extra_info.return_value = (peer, 50000)
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return make_mocked_request("GET", "/", headers=headers, transport=transport)


def test_client_ip_ignores_forwarded_for_without_trusted_proxies():
    request = request_from("198.51.100.7", "203.0.113.9")

    assert client_ip(request, []) == "198.51.100.7"


def test_client_ip_ignores_forwarded_for_from_untrusted_peer():
    request = request_from("198.51.100.7", "203.0.113.9")

    assert client_ip(request, [ipaddress.ip_network("10.0.0.0/8")]) == "198.51.100.7"


def test_client_ip_takes_last_untrusted_hop():
    request = request_from("10.0.0.2", "203.0.113.66, 203.0.113.9, 10.0.0.1")

    assert client_ip(request, [ipaddress.ip_network("10.0.0.0/8")]) == "203.0.113.9"


def test_client_ip_stops_at_unparsable_hop():
    request = request_from("10.0.0.2", "203.0.113.9, pas-une-adresse")

    assert client_ip(request, [ipaddress.ip_network("10.0.0.0/8")]) == "10.0.0.2"


def test_csrf_token_is_bound_to_session():
    app = web.Application()
    app[CSRF_SECRET] = b"k" * 32
    token = session_csrf_token(app, "session-a")

    check_session_csrf_token(app, "session-a", token)
    with pytest.raises(CsrfRejected):
        check_session_csrf_token(app, "session-b", token)
    with pytest.raises(CsrfRejected):
        check_session_csrf_token(app, "session-a", None)


async def test_session_resolver_caches_within_ttl():
    fetcher = CountingFetcher(session_info())
    clock = Clock()
    resolver = SessionResolver(fetcher, ttl_seconds=5, clock=clock)

    await resolver.resolve(TOKEN)
    clock.now += 4.9
    cached = await resolver.resolve(TOKEN)

    assert cached is not None
    assert fetcher.calls == 1


async def test_session_resolver_asks_again_after_ttl():
    fetcher = CountingFetcher(session_info())
    clock = Clock()
    resolver = SessionResolver(fetcher, ttl_seconds=5, clock=clock)

    await resolver.resolve(TOKEN)
    clock.now += 5
    await resolver.resolve(TOKEN)

    assert fetcher.calls == 2


async def test_session_resolver_forget_drops_entry():
    fetcher = CountingFetcher(session_info())
    resolver = SessionResolver(fetcher, ttl_seconds=5, clock=Clock())

    await resolver.resolve(TOKEN)
    resolver.forget(TOKEN)
    await resolver.resolve(TOKEN)

    assert fetcher.calls == 2


async def test_session_resolver_rejects_expired_session():
    fetcher = CountingFetcher(session_info(expires_in=timedelta(seconds=-1)))
    resolver = SessionResolver(fetcher, ttl_seconds=5, clock=Clock())

    assert await resolver.resolve(TOKEN) is None


async def test_session_resolver_skips_malformed_token():
    fetcher = CountingFetcher(session_info())
    resolver = SessionResolver(fetcher, ttl_seconds=5, clock=Clock())

    resolved = await resolver.resolve("court")

    assert resolved is None
    assert fetcher.calls == 0


async def test_session_resolver_does_not_cache_unknown_token():
    fetcher = CountingFetcher(None)
    resolver = SessionResolver(fetcher, ttl_seconds=5, clock=Clock())

    await resolver.resolve(TOKEN)
    await resolver.resolve(TOKEN)

    assert fetcher.calls == 2


async def test_session_resolver_bounds_cache_size():
    fetcher = CountingFetcher(session_info())
    resolver = SessionResolver(fetcher, ttl_seconds=5, max_entries=2, clock=Clock())

    for letter in "abc":
        await resolver.resolve(letter * 43)
    await resolver.resolve("a" * 43)

    assert fetcher.calls == 4
