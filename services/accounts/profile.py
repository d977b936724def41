"""Informations compte: the main contact and the billing details of a customer account.

Changes apply at once, are recorded in the audit trail with the values
before and after, and publish ``accounts.profile.updated``, all in one
transaction.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

import asyncpg

from services.accounts import events
from services.accounts.audit import record_audit
from services.accounts.scope import AccountScope
from services.accounts.validation import BillingDetails, MainContact
from shared.events.accounts import ProfileUpdated
from shared.principal import Principal

MAIN_CONTACT_FIELDS = ("last_name", "first_name", "job_title")
BILLING_FIELDS = (
    "address_line1",
    "address_line2",
    "address_line3",
    "postal_code",
    "city",
    "country",
    "phone",
    "mobile",
    "fax",
    "email",
)

Section = Literal["main_contact", "billing_details"]
_TABLES: dict[Section, tuple[str, tuple[str, ...]]] = {
    "main_contact": ("main_contacts", MAIN_CONTACT_FIELDS),
    "billing_details": ("billing_details", BILLING_FIELDS),
}


async def read_section(connection: asyncpg.Connection, scope: AccountScope, section: Section) -> dict[str, Any] | None:
    """Return the section's fields, or None when they were never filled."""
    table, fields = _TABLES[section]
    # Table and column names come from the fixed _TABLES mapping, never from input.
    row = await connection.fetchrow(
        f"SELECT {', '.join(fields)}, updated_at FROM {table} WHERE creditor_id = $1 AND customer_account = $2",
        scope.creditor_id,
        scope.customer_account,
    )
    if row is None:
        return None
    values = {field: row[field] for field in fields}
    values["updated_at"] = row["updated_at"].isoformat()
    return values


async def _update_section(
    connection: asyncpg.Connection,
    principal: Principal,
    scope: AccountScope,
    section: Section,
    values: dict[str, str | None],
) -> dict[str, Any]:
    table, fields = _TABLES[section]
    # Serialises updates of one section, so each audit entry's "before" is the previous "after".
    await connection.execute(
        "SELECT pg_advisory_xact_lock(hashtext($1))", f"{section}:{scope.creditor_id}:{scope.customer_account}"
    )
    before = await read_section(connection, scope, section)
    before_values = {field: before[field] for field in fields} if before else None

    columns = ", ".join(fields)
    placeholders = ", ".join(f"${index}" for index in range(3, 3 + len(fields)))
    updates = ", ".join(f"{field} = EXCLUDED.{field}" for field in fields)
    # Identifiers come from the fixed _TABLES mapping; every value is a bound parameter.
    await connection.execute(
        f"""INSERT INTO {table} (creditor_id, customer_account, {columns}, updated_by)
            VALUES ($1, $2, {placeholders}, ${3 + len(fields)}::uuid)
            ON CONFLICT (creditor_id, customer_account)
            DO UPDATE SET {updates}, updated_at = now(), updated_by = EXCLUDED.updated_by""",
        scope.creditor_id,
        scope.customer_account,
        *[values[field] for field in fields],
        principal.user_id,
    )

    changed = [field for field in fields if before_values is None or before_values[field] != values[field]]
    await record_audit(
        connection,
        principal,
        subject=section,
        action="updated" if before_values else "created",
        creditor_id=scope.creditor_id,
        customer_account=scope.customer_account,
        agency_id=scope.agency_id,
        before=before_values,
        after=values,
    )
    await events.publish(
        connection,
        ProfileUpdated(section=section, changed_fields=changed, values=values, updated_by=principal.user_id),
        creditor_id=scope.creditor_id,
        customer_account=scope.customer_account,
    )
    return await read_section(connection, scope, section)


async def update_main_contact(
    pool: asyncpg.Pool, principal: Principal, scope: AccountScope, contact: MainContact
) -> dict[str, Any]:
    """Replace the main contact; return the stored values."""
    async with pool.acquire() as connection, connection.transaction():
        return await _update_section(connection, principal, scope, "main_contact", dataclasses.asdict(contact))


async def update_billing_details(
    pool: asyncpg.Pool, principal: Principal, scope: AccountScope, details: BillingDetails
) -> dict[str, Any]:
    """Replace the billing details; return the stored values."""
    async with pool.acquire() as connection, connection.transaction():
        return await _update_section(connection, principal, scope, "billing_details", dataclasses.asdict(details))
