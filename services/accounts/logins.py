"""Password login: throttling, verification and a new session per success."""

from __future__ import annotations

import uuid

import asyncpg
import structlog

from services.accounts import events, totp
from services.accounts.crypto import DataCipher
from services.accounts.domain import (
    InvalidCredentials,
    SecondFactorCodeInvalid,
    SecondFactorCodeRequired,
    Throttled,
)
from services.accounts.passwords import hash_password, needs_rehash, verify_password
from services.accounts.sessions import SessionInfo, open_session, session_info
from services.accounts.throttle import ThrottleState, record_attempt, throttle_state
from shared.events.accounts import LoginThrottled

log = structlog.get_logger(__name__)


async def fold_login(connection: asyncpg.Connection, login: str) -> str:
    """Return ``login`` lower-cased by PostgreSQL's ``lower()``, the key of logins and of their throttle.

    The users_login_unique index and every login lookup compare ``lower(login)``.
    Python's ``str.lower()`` differs from it for non-ASCII capitals: for all of
    them on a database created with ``--locale=C``, where ``lower()`` changes
    ASCII letters only, and for a few (final Σ, İ) under other locales. So the
    typed login is folded by the same database function.
    """
    return await connection.fetchval("SELECT lower($1)", login)


async def _lock_login(connection: asyncpg.Connection, login_key: str) -> None:
    # Serialises attempts on one login, so parallel guesses cannot all pass the
    # throttle check before any failure is recorded.
    # NOTE: attempts on different logins from one address are not serialised, so a
    # parallel burst can pass the per-address limit by up to its number of requests.
    await connection.execute("SELECT pg_advisory_xact_lock(hashtext('login:' || $1))", login_key)


class _Failure(Exception):
    """Internal: the attempt failed with ``error``, to raise once the transaction has committed."""

    def __init__(self, error: Exception) -> None:
        self.error = error


async def log_in(
    pool: asyncpg.Pool,
    *,
    login: str,
    password: str,
    client_ip: str,
    totp_code: str | None = None,
    cipher: DataCipher | None = None,
) -> tuple[str, SessionInfo]:
    """Check the credentials and open a new session; return its token and its SessionInfo.

    Raises Throttled while a limit applies and InvalidCredentials for a wrong
    login or password, with the same message whether the login exists or not.
    For a user with TOTP enabled, a right password without ``totp_code``
    raises SecondFactorCodeRequired (not counted as a failure), and a wrong
    code raises SecondFactorCodeInvalid (counted).
    """
    throttled: ThrottleState | None = None
    failure: Exception | None = None
    async with pool.acquire() as connection:
        async with connection.transaction():
            login_key = await fold_login(connection, login)
            await _lock_login(connection, login_key)
            throttled = await throttle_state(connection, login_key, client_ip)
            if throttled is None:
                try:
                    return await _check_credentials(connection, login_key, password, client_ip, totp_code, cipher)
                except _Failure as raised:
                    failure = raised.error
            shown_login = await _loggable_login(connection, login_key)
            if throttled is None and not isinstance(failure, SecondFactorCodeRequired):
                await _publish_if_throttled(connection, shown_login, login_key, client_ip)
    if throttled is not None:
        log.warning("login_rejected_throttled", login=shown_login, client_ip=client_ip, scope=throttled.scope)
        raise Throttled(throttled.retry_after)
    log.info("login_failed", login=shown_login, client_ip=client_ip, reason=type(failure).__name__)
    raise failure


async def _loggable_login(connection: asyncpg.Connection, login_key: str) -> str | None:
    """Return ``login_key`` when it is a user's login, else None.

    A login that matches no user is often a password typed into the login
    field, so it never reaches the logs or the events.
    """
    known = await connection.fetchval("SELECT true FROM users WHERE lower(login) = $1", login_key)
    return login_key if known else None


async def _check_credentials(
    connection: asyncpg.Connection,
    login_key: str,
    password: str,
    client_ip: str,
    totp_code: str | None,
    cipher: DataCipher | None,
) -> tuple[str, SessionInfo]:
    """Verify the password and second factor; on success record it and open a session.

    Raises _Failure after recording a counted failure, so the caller can commit it.
    """
    user = await connection.fetchrow(
        """SELECT id, password_hash, totp_enabled_at IS NOT NULL AS has_totp
             FROM users WHERE lower(login) = $1 AND disabled_at IS NULL""",
        login_key,
    )
    password_hash = user["password_hash"] if user is not None else None
    if not await verify_password(password_hash, password):
        await record_attempt(connection, login_key, client_ip, succeeded=False)
        raise _Failure(InvalidCredentials())
    if user["has_totp"]:
        if not totp_code:
            raise _Failure(SecondFactorCodeRequired())
        if cipher is None or not await totp.check_code(connection, cipher, user["id"], totp_code):
            await record_attempt(connection, login_key, client_ip, succeeded=False)
            raise _Failure(SecondFactorCodeInvalid())

    await record_attempt(connection, login_key, client_ip, succeeded=True)
    if needs_rehash(password_hash):
        await connection.execute(
            "UPDATE users SET password_hash = $2 WHERE id = $1", user["id"], await hash_password(password)
        )
        log.info("password_rehashed", user_id=str(user["id"]))
    token, session_id = await open_session(connection, uuid.UUID(str(user["id"])), client_ip)
    info = await session_info(connection, session_id)
    log.info("login_succeeded", user_id=info.user_id)
    return token, info


async def _publish_if_throttled(
    connection: asyncpg.Connection, shown_login: str | None, login_key: str, client_ip: str
) -> None:
    state = await throttle_state(connection, login_key, client_ip)
    if state is None:
        return
    log.warning("login_throttled", login=shown_login, client_ip=client_ip, scope=state.scope, failures=state.failures)
    await events.publish(
        connection,
        LoginThrottled(
            scope=state.scope,
            login=shown_login,
            client_ip=client_ip,
            failures=state.failures,
            retry_after_seconds=state.retry_after,
        ),
    )
