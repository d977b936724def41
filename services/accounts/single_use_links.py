"""Single-use links sent by e-mail (invitations and password resets).

The link carries a random 32-byte token; only its SHA-256 is stored. A link
works once, until it expires or is revoked. ``claim_link`` marks it used in
the caller's transaction, so a link used twice at the same moment succeeds
only once.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta
from typing import Literal

import asyncpg

from services.accounts.sessions import hash_token
from shared.errors import DomainError

Purpose = Literal["invitation", "password_reset"]
TOKEN_BYTES = 32


class LinkInvalid(DomainError):
    """The link is unknown, expired, revoked or already used; the error does not tell which."""

    status = 410
    code = "link_invalid"

    def __init__(self) -> None:
        super().__init__(
            "Ce lien n’est plus valable : il a expiré ou a déjà servi. Demandez-en un nouveau."
        )


async def create_link(
    connection: asyncpg.Connection,
    purpose: Purpose,
    *,
    lifetime: timedelta,
    email: str,
    user_id: uuid.UUID | None = None,
    agency_id: uuid.UUID | None = None,
    role: str | None = None,
    display_name: str = "",
    created_by: uuid.UUID | None = None,
) -> tuple[str, asyncpg.Record]:
    """Store a new link; return its token (to put in the e-mail only) and its row."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    row = await connection.fetchrow(
        """INSERT INTO single_use_links
               (id, token_hash, purpose, user_id, agency_id, role, email, display_name, created_by, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now() + $10::interval)
           RETURNING *""",
        uuid.uuid4(),
        hash_token(token),
        purpose,
        user_id,
        agency_id,
        role,
        email,
        display_name,
        created_by,
        lifetime,
    )
    return token, row


async def find_live_link(connection: asyncpg.Connection, purpose: Purpose, token: str, *, lock: bool = False) -> asyncpg.Record:
    """Return the live link of ``token``; raise LinkInvalid otherwise."""
    row = await connection.fetchrow(
        f"""SELECT * FROM single_use_links
             WHERE token_hash = $1 AND purpose = $2
               AND used_at IS NULL AND revoked_at IS NULL AND expires_at > now()
             {'FOR UPDATE' if lock else ''}""",
        hash_token(token),
        purpose,
    )
    if row is None:
        raise LinkInvalid()
    return row


async def claim_link(connection: asyncpg.Connection, purpose: Purpose, token: str) -> asyncpg.Record:
    """Lock the live link of ``token`` and mark it used; raise LinkInvalid otherwise."""
    row = await find_live_link(connection, purpose, token, lock=True)
    await connection.execute("UPDATE single_use_links SET used_at = now() WHERE id = $1", row["id"])
    return row
