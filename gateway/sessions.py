"""The session cookie and the resolution of its token through the accounts service.

The cookie contains only the opaque token that accounts issued. Every request
resolves it again through a small in-memory cache keyed by the token's SHA-256
digest. A revoked session therefore stops working at once on the replica that
revoked it, and within ``session_cache_seconds`` (at most 5 s) on the others.
The same holds for the sessions that a password change or « Fermer mes autres
sessions » ends, because the replica that relays it drops the user's cached sessions.
"""

from __future__ import annotations

import hashlib
import re
import time
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from gateway.errors import SessionRequired
from shared.principal import AccountRef, Role

# Tokens are opaque, but anything outside this alphabet or length cannot be one
# that accounts issued, so it is dropped without a call.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9._~+/=-]{16,512}")
MAX_CACHED_SESSIONS = 10_000


class SessionInfo(BaseModel):
    """A user's session as the accounts service returns it."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    session_id: str
    user_id: str
    login: str
    display_name: str = ""
    agency_id: str | None = None
    agency_name: str | None = None
    role: Role
    accounts: tuple[AccountRef, ...] = ()
    staff_creditors: tuple[str, ...] = ()
    expires_at: datetime = Field(description="instant after which accounts rejects the session (UTC)")

    def account_at(self, creditor: str) -> str | None:
        """Return the agency's customer account at ``creditor``, or None."""
        for account in self.accounts:
            if account.creditor == creditor:
                return account.customer_account
        return None

    def has_expired(self) -> bool:
        expires_at = self.expires_at if self.expires_at.tzinfo else self.expires_at.replace(tzinfo=UTC)
        return expires_at <= datetime.now(UTC)


@dataclass(frozen=True)
class ActiveSession:
    """The token of the request's cookie together with the session it resolved to."""

    token: str
    info: SessionInfo


@dataclass(frozen=True)
class CookieNames:
    """Cookie names, with the ``__Host-`` prefix when cookies are Secure."""

    session: str
    creditor: str
    login_csrf: str

    @classmethod
    def for_security(cls, secure: bool) -> CookieNames:
        prefix = "__Host-" if secure else ""
        return cls(
            session=f"{prefix}mf_session",
            creditor=f"{prefix}mf_creditor",
            login_csrf=f"{prefix}mf_login_csrf",
        )


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(value: str | None) -> bool:
    return value is not None and TOKEN_PATTERN.fullmatch(value) is not None


SessionFetcher = Callable[[str], Awaitable[SessionInfo | None]]


class SessionResolver:
    """Session resolution through accounts, with each result cached for a few seconds.

    Only valid sessions are cached, so a flood of invalid tokens cannot fill
    the cache. The cache keeps at most ``max_entries`` sessions and drops the
    oldest first.
    """

    def __init__(
        self,
        fetch_session: SessionFetcher,
        *,
        ttl_seconds: float,
        max_entries: int = MAX_CACHED_SESSIONS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch_session = fetch_session
        self._ttl_seconds = ttl_seconds
        self._max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, SessionInfo]] = OrderedDict()

    async def resolve(self, token: str) -> SessionInfo | None:
        """Return the session of ``token``, or None when accounts does not know it or it expired."""
        if not looks_like_token(token):
            return None
        key = token_digest(token)
        now = self._clock()
        cached = self._entries.get(key)
        if cached is not None:
            stored_at, info = cached
            if now - stored_at < self._ttl_seconds and not info.has_expired():
                return info
            del self._entries[key]

        info = await self._fetch_session(token)
        if info is None or info.has_expired():
            return None
        if self._ttl_seconds > 0:
            self._entries[key] = (now, info)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)
        return info

    def forget(self, token: str) -> None:
        """Drop the cached session of ``token`` (after a logout)."""
        self._entries.pop(token_digest(token), None)

    def forget_user(self, user_id: str) -> int:
        """Drop every cached session of ``user_id`` (after accounts ended some of them); return how many.

        The id is compared as a UUID, so an id typed in upper case in a URL,
        which accounts accepts, drops the same sessions.
        """
        canonical_id = _canonical_id(user_id)
        return self._forget(lambda info: _canonical_id(info.user_id) == canonical_id)

    def forget_login(self, login: str) -> int:
        """Drop every cached session of the user whose login is ``login``, in any case; return how many."""
        folded_login = login.strip().lower()
        return self._forget(lambda info: info.login.lower() == folded_login)

    def _forget(self, matches: Callable[[SessionInfo], bool]) -> int:
        keys = [key for key, (_stored_at, info) in self._entries.items() if matches(info)]
        for key in keys:
            del self._entries[key]
        return len(keys)


def _canonical_id(user_id: str) -> str:
    """Return ``user_id`` in the canonical form of a UUID, or as it is when it is not one."""
    try:
        return str(uuid.UUID(user_id))
    except ValueError:
        return user_id


SESSION_RESOLVER = web.AppKey("session_resolver", SessionResolver)
COOKIE_NAMES = web.AppKey("cookie_names", CookieNames)
COOKIE_SECURE = web.AppKey("cookie_secure", bool)
REQUEST_SESSION = web.RequestKey("mf_session", ActiveSession | None)


async def optional_session(request: web.Request) -> ActiveSession | None:
    """Resolve the session cookie once per request, returning None when it is missing or invalid."""
    if REQUEST_SESSION in request:
        return request[REQUEST_SESSION]
    token = request.cookies.get(request.app[COOKIE_NAMES].session)
    active = None
    if token:
        info = await request.app[SESSION_RESOLVER].resolve(token)
        if info is not None:
            active = ActiveSession(token=token, info=info)
    request[REQUEST_SESSION] = active
    return active


async def require_session(request: web.Request) -> ActiveSession:
    """Return the request's session or raise SessionRequired."""
    active = await optional_session(request)
    if active is None:
        raise SessionRequired()
    return active


def set_cookie(response: web.StreamResponse, app: web.Application, name: str, value: str) -> None:
    """Set a browser-session cookie: HttpOnly, SameSite=Lax, Path=/, and Secure when configured."""
    response.set_cookie(
        name,
        value,
        path="/",
        httponly=True,
        samesite="Lax",
        secure=app[COOKIE_SECURE],
    )


def delete_cookie(response: web.StreamResponse, app: web.Application, name: str) -> None:
    # A __Host- cookie is only replaced by a Set-Cookie that is Secure too.
    response.del_cookie(name, path="/", secure=app[COOKIE_SECURE], httponly=True, samesite="Lax")


def set_session_cookie(response: web.StreamResponse, app: web.Application, token: str) -> None:
    set_cookie(response, app, app[COOKIE_NAMES].session, token)


def clear_session_cookies(response: web.StreamResponse, app: web.Application) -> None:
    """Delete the session cookie and the remembered creditor."""
    names = app[COOKIE_NAMES]
    delete_cookie(response, app, names.session)
    delete_cookie(response, app, names.creditor)
