"""Login sessions: opaque random tokens of which only a SHA-256 hash is stored.

A session ends when it is revoked, when it has been idle for 30 minutes or
when it is 12 hours old, whichever comes first. Reading a session refreshes
its last-seen time, but at most once a minute, so a busy page does not write
on every request. The idle timeout is therefore exact to about one minute.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg

from services.accounts.domain import SessionExpired

TOKEN_BYTES = 32
IDLE_TIMEOUT = timedelta(minutes=30)
ABSOLUTE_TIMEOUT = timedelta(hours=12)
LAST_SEEN_WRITE_INTERVAL = timedelta(minutes=1)


@dataclass(frozen=True)
class SessionInfo:
    """Owner of a session and the accounts it gives access to."""

    session_id: str
    user_id: str
    login: str
    display_name: str
    agency_id: str | None
    agency_name: str | None
    role: str
    accounts: list[dict[str, str]]
    staff_creditors: list[str]
    expires_at: datetime

    def as_json(self) -> dict[str, object]:
        return {
            "session_id": self.session_id,
            "user_id": self.user_id,
            "login": self.login,
            "display_name": self.display_name,
            "agency_id": self.agency_id,
            "agency_name": self.agency_name,
            "role": self.role,
            "accounts": self.accounts,
            "staff_creditors": self.staff_creditors,
            "expires_at": self.expires_at.isoformat(),
        }


def hash_token(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


async def open_session(connection: asyncpg.Connection, user_id: uuid.UUID, client_ip: str) -> tuple[str, uuid.UUID]:
    """Create a new session for ``user_id``; return its token (shown once) and its id."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session_id = uuid.uuid4()
    await connection.execute(
        """INSERT INTO sessions (id, token_hash, user_id, client_ip, expires_at)
           VALUES ($1, $2, $3, $4, now() + $5::interval)""",
        session_id,
        hash_token(token),
        user_id,
        client_ip,
        ABSOLUTE_TIMEOUT,
    )
    return token, session_id


async def session_info(connection: asyncpg.Connection, session_id: uuid.UUID) -> SessionInfo:
    """Load the SessionInfo of a session, whatever its state (callers check validity)."""
    row = await connection.fetchrow(
        """SELECT s.id, s.user_id, s.expires_at, u.login, u.display_name, u.kind,
                  m.role, m.agency_id, a.name AS agency_name
             FROM sessions s
             JOIN users u ON u.id = s.user_id
             LEFT JOIN memberships m ON m.user_id = u.id
             LEFT JOIN agencies a ON a.id = m.agency_id
            WHERE s.id = $1""",
        session_id,
    )
    if row is None:
        raise SessionExpired()
    return await _build_info(connection, row)


async def _build_info(connection: asyncpg.Connection, row: asyncpg.Record) -> SessionInfo:
    accounts: list[dict[str, str]] = []
    staff_creditors: list[str] = []
    if row["kind"] == "staff":
        role = "staff"
        staff_creditors = [
            record["creditor_id"]
            for record in await connection.fetch(
                "SELECT creditor_id FROM staff_creditors WHERE user_id = $1 ORDER BY creditor_id", row["user_id"]
            )
        ]
    else:
        role = row["role"]
        accounts = [
            {"creditor": record["creditor_id"], "customer_account": record["customer_account"]}
            for record in await connection.fetch(
                """SELECT creditor_id, customer_account FROM agency_accounts
                    WHERE agency_id = $1 ORDER BY creditor_id, customer_account""",
                row["agency_id"],
            )
        ]
    return SessionInfo(
        session_id=str(row["id"]),
        user_id=str(row["user_id"]),
        login=row["login"],
        display_name=row["display_name"],
        agency_id=str(row["agency_id"]) if row["agency_id"] else None,
        agency_name=row["agency_name"],
        role=role,
        accounts=accounts,
        staff_creditors=staff_creditors,
        expires_at=row["expires_at"],
    )


async def resolve_session(connection: asyncpg.Connection, token: str | None) -> SessionInfo:
    """Return the live session of ``token`` and refresh its last-seen time; raise SessionExpired otherwise."""
    if not token:
        raise SessionExpired()
    row = await connection.fetchrow(
        """SELECT s.id, s.user_id, s.expires_at, u.login, u.display_name, u.kind,
                  m.role, m.agency_id, a.name AS agency_name,
                  s.last_seen_at < now() - $3::interval AS last_seen_stale
             FROM sessions s
             JOIN users u ON u.id = s.user_id
             LEFT JOIN memberships m ON m.user_id = u.id
             LEFT JOIN agencies a ON a.id = m.agency_id
            WHERE s.token_hash = $1
              AND s.revoked_at IS NULL
              AND u.disabled_at IS NULL
              AND s.expires_at > now()
              AND s.last_seen_at > now() - $2::interval""",
        hash_token(token),
        IDLE_TIMEOUT,
        LAST_SEEN_WRITE_INTERVAL,
    )
    if row is None:
        raise SessionExpired()
    if row["last_seen_stale"]:
        await connection.execute("UPDATE sessions SET last_seen_at = now() WHERE id = $1", row["id"])
    return await _build_info(connection, row)


async def revoke_session(connection: asyncpg.Connection, token: str | None, reason: str = "logout") -> bool:
    """Revoke the session of ``token``; return whether a live session was revoked."""
    if not token:
        return False
    status = await connection.execute(
        "UPDATE sessions SET revoked_at = now(), revoke_reason = $2 WHERE token_hash = $1 AND revoked_at IS NULL",
        hash_token(token),
        reason,
    )
    return status != "UPDATE 0"


async def revoke_user_sessions(
    connection: asyncpg.Connection, user_id: uuid.UUID, *, reason: str, keep_token: str | None = None
) -> int:
    """Revoke every live session of ``user_id`` except the one of ``keep_token``; return how many."""
    keep_hash = hash_token(keep_token) if keep_token else None
    status = await connection.execute(
        """UPDATE sessions SET revoked_at = now(), revoke_reason = $2
            WHERE user_id = $1 AND revoked_at IS NULL
              AND ($3::bytea IS NULL OR token_hash <> $3)""",
        user_id,
        reason,
        keep_hash,
    )
    return int(status.split()[-1])


async def delete_dead_sessions(connection: asyncpg.Connection) -> int:
    """Delete sessions that ended more than a day ago; return how many."""
    status = await connection.execute(
        """DELETE FROM sessions
            WHERE expires_at < now() - interval '1 day'
               OR revoked_at < now() - interval '1 day'
               OR last_seen_at < now() - interval '1 day'"""
    )
    return int(status.split()[-1])
