"""The audit trail: who changed what, when, with the values before and after.

Entries are written in the transaction of the change. Bank details appear
in them only masked.
"""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from shared.principal import Principal


async def record_audit(
    connection: asyncpg.Connection,
    principal: Principal,
    *,
    subject: str,
    action: str,
    creditor_id: str | None = None,
    customer_account: str | None = None,
    agency_id: uuid.UUID | str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Append one audit entry for a change made by ``principal``."""
    await connection.execute(
        """INSERT INTO audit_entries
               (actor_user_id, actor_role, agency_id, creditor_id, customer_account, subject, action, before, after)
           VALUES ($1, $2, $3::uuid, $4, $5, $6, $7, $8, $9)""",
        principal.user_id,
        principal.role.value,
        str(agency_id) if agency_id is not None else None,
        creditor_id,
        customer_account,
        subject,
        action,
        before,
        after,
    )


async def audit_entries(
    connection: asyncpg.Connection, creditor_id: str, customer_account: str, *, limit: int = 200
) -> list[dict[str, Any]]:
    """Return the latest audit entries of one customer account, newest first."""
    rows = await connection.fetch(
        """SELECT id, occurred_at, actor_user_id, actor_role, subject, action, before, after
             FROM audit_entries
            WHERE creditor_id = $1 AND customer_account = $2
            ORDER BY occurred_at DESC, id DESC
            LIMIT $3""",
        creditor_id,
        customer_account,
        limit,
    )
    return [
        {
            "id": row["id"],
            "occurred_at": row["occurred_at"].isoformat(),
            "actor_user_id": row["actor_user_id"],
            "actor_role": row["actor_role"],
            "subject": row["subject"],
            "action": row["action"],
            "before": row["before"],
            "after": row["after"],
        }
        for row in rows
    ]
