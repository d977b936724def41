"""Login throttling per login and per client address.

The OWASP Authentication Cheat Sheet advises delaying failed logins more and
more rather than locking the account for good, because a permanent lock lets
an attacker shut a real user out. The numbers used here:

- per login: 5 failures within 15 minutes are free. From the 5th on, the
  next attempt waits 30 s, doubled for each further failure (60 s, 120 s …)
  and capped at 15 minutes. A successful login resets the count.
- per client address: 20 failures within 15 minutes, across all logins,
  block that address until the oldest of them is 15 minutes old. A success
  does not reset this count, so an attacker cannot clear it by logging in to
  an account of its own. An IPv6 client counts by its /64 network, because
  a provider gives one subscriber a whole /64 (or more), and each of its
  addresses would otherwise get 20 failures of its own.

Attempts rejected because of throttling check no password and are not
counted, so the delay stops growing once the attacker has to wait.
Time comes from the database (``now()``), the same clock that stamps attempts.

A typed login is often a password typed in the wrong field, so the table
stores an HMAC of it (see `stored_login_key`), never the login itself. Its
key derives from MF_DATA_ENCRYPTION_KEY, which the database does not hold,
so a dump of the table does not give the typed values away. A new data key
starts the per-login counts afresh.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import math
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

import asyncpg

LOGIN_WINDOW = timedelta(minutes=15)
LOGIN_FREE_FAILURES = 5
LOGIN_FIRST_DELAY_SECONDS = 30
LOGIN_MAX_DELAY_SECONDS = 15 * 60

ADDRESS_WINDOW = timedelta(minutes=15)
ADDRESS_MAX_FAILURES = 20

# Attempts older than this are never read again and may be deleted.
ATTEMPT_RETENTION = timedelta(days=1)


# Used until `use_login_hash_key` is given a data key, as in a process
# without MF_DATA_ENCRYPTION_KEY: the stored values are then plain SHA-256
# HMACs under a public key, which hide a login only from a casual reader.
_UNKEYED = b"mesfactures login throttle"
_login_hash_key = _UNKEYED


def use_login_hash_key(data_key_b64: str) -> None:
    """Derive the key of `stored_login_key` from the data encryption key (base64), or drop it when empty."""
    global _login_hash_key
    if data_key_b64:
        _login_hash_key = hmac.new(base64.b64decode(data_key_b64), _UNKEYED, hashlib.sha256).digest()
    else:
        _login_hash_key = _UNKEYED


def stored_login_key(login_key: str) -> str:
    """Return the value stored in ``login_attempts.login_key`` for the folded login ``login_key``."""
    return hmac.new(_login_hash_key, login_key.encode("utf-8"), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class ThrottleState:
    """Whether the next attempt must wait, and because of which limit."""

    scope: Literal["login", "address"]
    failures: int
    retry_after: int


def login_delay_seconds(failures: int) -> int:
    """Return the wait imposed after ``failures`` failures of one login (0 below the threshold)."""
    if failures < LOGIN_FREE_FAILURES:
        return 0
    delay = LOGIN_FIRST_DELAY_SECONDS * 2 ** (failures - LOGIN_FREE_FAILURES)
    return min(LOGIN_MAX_DELAY_SECONDS, delay)


async def login_throttle_state(connection: asyncpg.Connection, login_key: str) -> ThrottleState | None:
    """Return the per-login limit's state, ignoring the client address."""
    login_key = stored_login_key(login_key)
    row = await connection.fetchrow(
        """WITH last_success AS (
               SELECT max(attempted_at) AS at FROM login_attempts
                WHERE login_key = $1 AND succeeded)
           SELECT count(*) AS failures,
                  extract(epoch FROM now() - max(attempted_at)) AS seconds_since_last
             FROM login_attempts, last_success
            WHERE login_key = $1
              AND NOT succeeded
              AND attempted_at > now() - $2::interval
              AND (last_success.at IS NULL OR attempted_at > last_success.at)""",
        login_key,
        LOGIN_WINDOW,
    )
    failures = row["failures"]
    delay = login_delay_seconds(failures)
    if delay == 0:
        return None
    remaining = delay - float(row["seconds_since_last"])
    if remaining <= 0:
        return None
    return ThrottleState("login", failures, math.ceil(remaining))


def address_key(client_ip: str) -> str:
    """Return the key that counts failures of ``client_ip``: the IPv4 address, or the IPv6 /64 network.

    An IPv4-mapped IPv6 address counts as its IPv4 address. A value that is
    not an address is kept as it is.
    """
    try:
        address = ipaddress.ip_address(client_ip)
    except ValueError:
        return client_ip
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


async def _address_state(connection: asyncpg.Connection, client_ip: str) -> ThrottleState | None:
    client_ip = address_key(client_ip)
    failures = await connection.fetchval(
        """SELECT count(*) FROM login_attempts
            WHERE client_ip = $1 AND NOT succeeded AND attempted_at > now() - $2::interval""",
        client_ip,
        ADDRESS_WINDOW,
    )
    if failures < ADDRESS_MAX_FAILURES:
        return None
    # The address is free again once enough failures leave the window that fewer
    # than the maximum remain: that happens when the (failures - max + 1)-th oldest leaves.
    remaining = await connection.fetchval(
        """SELECT extract(epoch FROM attempted_at + $2::interval - now())
             FROM login_attempts
            WHERE client_ip = $1 AND NOT succeeded AND attempted_at > now() - $2::interval
            ORDER BY attempted_at
           OFFSET $3 LIMIT 1""",
        client_ip,
        ADDRESS_WINDOW,
        failures - ADDRESS_MAX_FAILURES,
    )
    if remaining is None or remaining <= 0:
        return None
    return ThrottleState("address", failures, math.ceil(float(remaining)))


async def throttle_state(
    connection: asyncpg.Connection, login_key: str, client_ip: str
) -> ThrottleState | None:
    """Return the limit that makes the next attempt wait the longest, or None when it may proceed."""
    states = [
        state
        for state in (
            await login_throttle_state(connection, login_key),
            await _address_state(connection, client_ip),
        )
        if state is not None
    ]
    if not states:
        return None
    return max(states, key=lambda state: state.retry_after)


async def record_attempt(
    connection: asyncpg.Connection, login_key: str, client_ip: str, *, succeeded: bool
) -> None:
    """Store one password check, under the stored key of the login and the address key of ``client_ip``."""
    await connection.execute(
        "INSERT INTO login_attempts (login_key, client_ip, succeeded) VALUES ($1, $2, $3)",
        stored_login_key(login_key),
        address_key(client_ip),
        succeeded,
    )


async def delete_old_attempts(connection: asyncpg.Connection) -> int:
    """Delete attempts older than ``ATTEMPT_RETENTION``; return how many."""
    status = await connection.execute(
        "DELETE FROM login_attempts WHERE attempted_at < now() - $1::interval", ATTEMPT_RETENTION
    )
    return int(status.split()[-1])
