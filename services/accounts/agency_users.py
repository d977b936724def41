"""The users of an agency, as its administrateurs manage them."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import structlog

from services.accounts import bank_changes, events
from services.accounts.audit import record_audit
from services.accounts.credentials import revoke_reset_links
from services.accounts.crypto import DataCipher
from services.accounts.invitations import revoke_invitations_sent_by
from services.accounts.sessions import revoke_user_sessions
from services.accounts.settings import AccountsSettings
from shared.errors import Conflict, NotFound
from shared.events.accounts import UserDisabled, UserEnabled, UserRoleChanged
from shared.principal import Principal

log = structlog.get_logger(__name__)


class LastAdministrator(Conflict):
    code = "last_administrator"

    def __init__(self) -> None:
        super().__init__(
            "L’agence doit garder au moins un administrateur actif. Nommez-en un autre avant ce changement."
        )


class CannotDisableSelf(Conflict):
    code = "cannot_disable_self"

    def __init__(self) -> None:
        super().__init__("Vous ne pouvez pas désactiver votre propre accès. Demandez-le à un autre administrateur.")


def _user_not_found(user_id: str) -> NotFound:
    return NotFound("Cet utilisateur n’existe pas dans votre agence.", user_id=user_id)


async def list_users(connection: asyncpg.Connection, agency_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = await connection.fetch(
        """SELECT u.id, u.login, u.display_name, u.email, m.role, u.disabled_at,
                  u.totp_enabled_at IS NOT NULL AS totp_enabled, u.created_at
             FROM memberships m JOIN users u ON u.id = m.user_id
            WHERE m.agency_id = $1
            ORDER BY lower(u.display_name), lower(u.login)""",
        agency_id,
    )
    return [
        {
            "user_id": str(row["id"]),
            "login": row["login"],
            "display_name": row["display_name"],
            "email": row["email"],
            "role": row["role"],
            "active": row["disabled_at"] is None,
            "totp_enabled": row["totp_enabled"],
            "created_at": row["created_at"].isoformat(),
        }
        for row in rows
    ]


async def _locked_member(connection: asyncpg.Connection, agency_id: uuid.UUID, user_id: str) -> asyncpg.Record:
    # Lock every membership of the agency in one order, so two administrateurs
    # demoting each other at once cannot both pass the last-administrator check.
    await connection.execute("SELECT 1 FROM memberships WHERE agency_id = $1 ORDER BY user_id FOR UPDATE", agency_id)
    try:
        member_id = uuid.UUID(user_id)
    except ValueError:
        raise _user_not_found(user_id) from None
    row = await connection.fetchrow(
        """SELECT m.user_id, m.role, u.disabled_at FROM memberships m JOIN users u ON u.id = m.user_id
            WHERE m.agency_id = $1 AND m.user_id = $2""",
        agency_id,
        member_id,
    )
    if row is None:
        raise _user_not_found(user_id)
    return row


async def _other_active_admins(connection: asyncpg.Connection, agency_id: uuid.UUID, user_id: uuid.UUID) -> int:
    return await connection.fetchval(
        """SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id
            WHERE m.agency_id = $1 AND m.role = 'administrateur' AND u.disabled_at IS NULL AND m.user_id <> $2""",
        agency_id,
        user_id,
    )


async def change_role(
    pool: asyncpg.Pool,
    principal: Principal,
    user_id: str,
    role: str,
    *,
    settings: AccountsSettings,
    cipher: DataCipher | None,
) -> int:
    """Give ``role`` to a user of the principal's agency and return how many invitations were revoked.

    An administrateur who gets another role loses the live invitations they sent,
    because only an active administrateur's invitation can be accepted, and
    their pending bank change requests are withdrawn, with a notice. Raises
    LastAdministrator when no active administrateur would remain.
    """
    agency_id = uuid.UUID(principal.agency_id)
    revoked = 0
    async with pool.acquire() as connection, connection.transaction():
        pending_changes = await bank_changes.lock_pending_requests_of(connection, agency_id, user_id)
        member = await _locked_member(connection, agency_id, user_id)
        user_id = str(member["user_id"])
        if member["role"] == role:
            return revoked
        if member["role"] == "administrateur" and await _other_active_admins(connection, agency_id, member["user_id"]) == 0:
            raise LastAdministrator()
        await connection.execute("UPDATE memberships SET role = $2 WHERE user_id = $1", member["user_id"], role)
        if member["role"] == "administrateur":
            revoked = await revoke_invitations_sent_by(connection, member["user_id"])
            if revoked:
                log.info("invitations_revoked", user_id=user_id, reason="role_changed", count=revoked)
            await bank_changes.withdraw_locked_requests(
                connection, settings, cipher, principal, pending_changes, bank_changes.WITHDRAWN_AS_AUTHOR_DEMOTED
            )
        await record_audit(
            connection,
            principal,
            subject="user_role",
            action="updated",
            agency_id=agency_id,
            before={"user_id": user_id, "role": member["role"]},
            after={"user_id": user_id, "role": role},
        )
        await events.publish(
            connection,
            UserRoleChanged(user_id=user_id, agency_id=str(agency_id), role_before=member["role"], role_after=role),
        )
    return revoked


async def disable_user(
    pool: asyncpg.Pool, principal: Principal, user_id: str, *, settings: AccountsSettings, cipher: DataCipher | None
) -> int:
    """Disable a user of the principal's agency, end all of the user's sessions and revoke the user's live links.

    The links revoked are the user's password-reset links and the invitations the user sent.
    The user's pending bank change requests are withdrawn, with a notice.
    Returns how many invitations were revoked, 0 when the user was already disabled.
    """
    agency_id = uuid.UUID(principal.agency_id)
    async with pool.acquire() as connection, connection.transaction():
        pending_changes = await bank_changes.lock_pending_requests_of(connection, agency_id, user_id)
        member = await _locked_member(connection, agency_id, user_id)
        # Compared as UUIDs: the same id in upper case is the same user.
        if member["user_id"] == uuid.UUID(principal.user_id):
            raise CannotDisableSelf()
        user_id = str(member["user_id"])
        if member["disabled_at"] is not None:
            return 0
        if member["role"] == "administrateur" and await _other_active_admins(connection, agency_id, member["user_id"]) == 0:
            raise LastAdministrator()
        await connection.execute("UPDATE users SET disabled_at = now() WHERE id = $1", member["user_id"])
        await revoke_user_sessions(connection, member["user_id"], reason="user_disabled")
        revoked = await revoke_invitations_sent_by(connection, member["user_id"])
        if revoked:
            log.info("invitations_revoked", user_id=user_id, reason="user_disabled", count=revoked)
        await revoke_reset_links(connection, member["user_id"])
        await bank_changes.withdraw_locked_requests(
            connection, settings, cipher, principal, pending_changes, bank_changes.WITHDRAWN_AS_AUTHOR_DISABLED
        )
        await record_audit(
            connection,
            principal,
            subject="user",
            action="disabled",
            agency_id=agency_id,
            before={"user_id": user_id, "active": True},
            after={"user_id": user_id, "active": False},
        )
        await events.publish(
            connection, UserDisabled(user_id=user_id, agency_id=str(agency_id), disabled_by=principal.user_id)
        )
    return revoked


async def enable_user(pool: asyncpg.Pool, principal: Principal, user_id: str) -> None:
    """Let a disabled user of the principal's agency log in again; do nothing when the user is active."""
    agency_id = uuid.UUID(principal.agency_id)
    async with pool.acquire() as connection, connection.transaction():
        member = await _locked_member(connection, agency_id, user_id)
        user_id = str(member["user_id"])
        if member["disabled_at"] is None:
            return
        await connection.execute("UPDATE users SET disabled_at = NULL WHERE id = $1", member["user_id"])
        await record_audit(
            connection,
            principal,
            subject="user",
            action="enabled",
            agency_id=agency_id,
            before={"user_id": user_id, "active": False},
            after={"user_id": user_id, "active": True},
        )
        await events.publish(
            connection, UserEnabled(user_id=user_id, agency_id=str(agency_id), enabled_by=principal.user_id)
        )
