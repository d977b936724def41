"""Password resets by e-mail and password changes from a logged-in session.

A reset link is valid for 1 hour and works once. Any password change ends
the user's other sessions (all of them after a reset) and sends a notice to
the user's address.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any, Literal

import asyncpg
import structlog

from services.accounts import events, notices
from services.accounts.crypto import DataCipher
from services.accounts.mail import queue_mail
from services.accounts.passwords import hash_password
from services.accounts.sessions import revoke_user_sessions
from services.accounts.settings import AccountsSettings
from services.accounts.single_use_links import LinkInvalid, claim_link, create_link, find_live_link
from services.accounts.validation import validate_password
from services.accounts.validation.errors import FieldError, ValidationError
from shared.events.accounts import PasswordChanged

log = structlog.get_logger(__name__)

RESET_LIFETIME = timedelta(hours=1)
# At most this many reset e-mails per user and per hour, so the form cannot flood a mailbox.
MAX_RESETS_PER_HOUR = 3


async def request_reset(
    pool: asyncpg.Pool, settings: AccountsSettings, cipher: DataCipher | None, identifier: str
) -> int:
    """Send a reset link to each active user whose login or e-mail is ``identifier``; return how many were sent.

    The route returns the same response whatever the result, so the form does
    not reveal which logins or addresses exist.
    """
    sent = 0
    async with pool.acquire() as connection, connection.transaction():
        users = await connection.fetch(
            """SELECT id, login, email FROM users
                WHERE (lower(login) = lower($1) OR lower(email) = lower($1))
                  AND disabled_at IS NULL AND email IS NOT NULL
                FOR UPDATE""",
            identifier,
        )
        for user in users:
            recent = await connection.fetchval(
                """SELECT count(*) FROM single_use_links
                    WHERE purpose = 'password_reset' AND user_id = $1 AND created_at > now() - interval '1 hour'""",
                user["id"],
            )
            if recent >= MAX_RESETS_PER_HOUR:
                log.warning("password_reset_rate_limited", user_id=str(user["id"]))
                continue
            token, link = await create_link(
                connection, "password_reset", lifetime=RESET_LIFETIME, email=user["email"], user_id=user["id"]
            )
            subject, body = notices.password_reset(
                login=user["login"], link=f"{settings.public_url}/mot-de-passe/{token}", expires_at=link["expires_at"]
            )
            await queue_mail(
                connection, cipher=cipher, sender=settings.mail_sender, to=user["email"], subject=subject, body=body
            )
            log.info("password_reset_sent", user_id=str(user["id"]), link_id=str(link["id"]))
            sent += 1
    return sent


async def _active_user_login(connection: asyncpg.Connection, link: asyncpg.Record) -> str:
    """Return the login of the reset link's user; raise LinkInvalid when that user is disabled.

    Disabling a user revokes the user's reset links, and this check also covers
    links sent before that revocation existed.
    """
    login = await connection.fetchval(
        "SELECT login FROM users WHERE id = $1 AND disabled_at IS NULL", link["user_id"]
    )
    if login is None:
        raise LinkInvalid()
    return login


async def revoke_reset_links(connection: asyncpg.Connection, user_id: uuid.UUID) -> int:
    """Revoke the live reset links of ``user_id``; return how many were revoked."""
    status = await connection.execute(
        """UPDATE single_use_links SET revoked_at = now()
            WHERE purpose = 'password_reset' AND user_id = $1 AND used_at IS NULL AND revoked_at IS NULL""",
        user_id,
    )
    return int(status.split()[-1])


async def describe_reset(pool: asyncpg.Pool, token: str) -> dict[str, Any]:
    """Return the login and expiry a reset page shows; raise LinkInvalid for a dead link or a disabled user."""
    async with pool.acquire() as connection:
        link = await find_live_link(connection, "password_reset", token)
        login = await _active_user_login(connection, link)
    return {"login": login, "expires_at": link["expires_at"].isoformat()}


async def _store_new_password(
    connection: asyncpg.Connection,
    settings: AccountsSettings,
    cipher: DataCipher | None,
    user_id: uuid.UUID,
    password_hash: str,
    *,
    method: Literal["reset_link", "change"],
    keep_session_token: str | None,
) -> int:
    user = await connection.fetchrow(
        """UPDATE users SET password_hash = $2, password_changed_at = now()
            WHERE id = $1 RETURNING login, email, password_changed_at""",
        user_id,
        password_hash,
    )
    revoked = await revoke_user_sessions(
        connection, user_id, reason=f"password_{method}", keep_token=keep_session_token
    )
    # Other reset links of the user die with the old password.
    await revoke_reset_links(connection, user_id)
    await events.publish(
        connection, PasswordChanged(user_id=str(user_id), method=method, sessions_revoked=revoked)
    )
    if user["email"]:
        subject, body = notices.password_changed(login=user["login"], changed_at=user["password_changed_at"])
        await queue_mail(
            connection, cipher=cipher, sender=settings.mail_sender, to=user["email"], subject=subject, body=body
        )
    log.info("password_changed", user_id=str(user_id), method=method, sessions_revoked=revoked)
    return revoked


async def complete_reset(
    pool: asyncpg.Pool, settings: AccountsSettings, cipher: DataCipher | None, token: str, new_password: str
) -> None:
    """Set the password of the link's user and end all of the user's sessions.

    Raises LinkInvalid (also when the user is disabled), or ValidationError for
    a password that breaks the policy (the link then stays usable).
    """
    async with pool.acquire() as connection:
        link = await find_live_link(connection, "password_reset", token)
        login = await _active_user_login(connection, link)
    validate_password(new_password, login=login)
    password_hash = await hash_password(new_password)
    async with pool.acquire() as connection, connection.transaction():
        link = await claim_link(connection, "password_reset", token)
        # Checked again, because the user may have been disabled while the password was hashed.
        await _active_user_login(connection, link)
        await _store_new_password(
            connection, settings, cipher, link["user_id"], password_hash, method="reset_link", keep_session_token=None
        )


async def new_password_problems(pool: asyncpg.Pool, user_id: uuid.UUID, new_password: str) -> list[FieldError]:
    """Return every rule of the password policy that ``new_password`` breaks for the user, without changing anything."""
    async with pool.acquire() as connection:
        login = await connection.fetchval("SELECT login FROM users WHERE id = $1", user_id)
    try:
        validate_password(new_password, login=login)
    except ValidationError as error:
        return list(error.errors)
    return []


async def change_password(
    pool: asyncpg.Pool,
    settings: AccountsSettings,
    cipher: DataCipher | None,
    user_id: uuid.UUID,
    new_password: str,
    *,
    keep_session_token: str | None,
) -> int:
    """Set a new password (after re-authentication) and end the user's other sessions; return how many ended."""
    async with pool.acquire() as connection:
        login = await connection.fetchval("SELECT login FROM users WHERE id = $1", user_id)
    validate_password(new_password, login=login)
    password_hash = await hash_password(new_password)
    async with pool.acquire() as connection, connection.transaction():
        return await _store_new_password(
            connection,
            settings,
            cipher,
            user_id,
            password_hash,
            method="change",
            keep_session_token=keep_session_token,
        )
