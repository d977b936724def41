"""The customer account an agency principal acts on at one creditor."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import asyncpg

from shared.errors import NotFound
from shared.principal import Principal


@dataclass(frozen=True)
class AccountScope:
    """One customer account at one creditor, and the agency that owns it."""

    creditor_id: str
    customer_account: str
    agency_id: uuid.UUID


async def resolve_account(connection: asyncpg.Connection, principal: Principal, creditor_id: str) -> AccountScope:
    """Return the principal's account at ``creditor_id``; raise NotFound when it has none there.

    The signed principal names the account, and the database must agree that
    the principal's agency owns it, so a stale principal gets 404 too.
    """
    customer_account = principal.account_at(creditor_id)
    agency_id = None
    if customer_account is not None and principal.agency_id is not None:
        agency_id = await connection.fetchval(
            """SELECT agency_id FROM agency_accounts
                WHERE creditor_id = $1 AND customer_account = $2 AND agency_id = $3::uuid""",
            creditor_id,
            customer_account,
            principal.agency_id,
        )
    if agency_id is None:
        raise NotFound(
            "Aucun compte client de votre agence n’existe chez ce créancier. Choisissez un autre créancier.",
            creditor=creditor_id,
        )
    return AccountScope(creditor_id, customer_account, agency_id)
