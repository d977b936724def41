"""Commands for the command-line interface: creditors, users and their accounts.

Each command runs in one transaction and publishes its events through the
outbox in that transaction. Errors are the service's domain errors, whose
French ``message`` the CLI can print as it is.
"""

from __future__ import annotations

import re
import uuid

import asyncpg

from services.accounts import events
from services.accounts.domain import (
    AccountOwnedByAnotherAgency,
    InvalidRequest,
    LoginAlreadyTaken,
    UnknownCreditor,
    UnknownUser,
)
from services.accounts.passwords import hash_password
from services.accounts.validation import validate_email, validate_login, validate_password
from shared.events.accounts import AccountLinked, UserCreated
from shared.principal import Role

CREDITOR_ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
AGENCY_ROLE_VALUES = (Role.ADMIN.value, Role.ACCOUNTANT.value, Role.READER.value)


async def ensure_creditor(pool: asyncpg.Pool, creditor_id: str, name: str) -> None:
    """Create the creditor, or rename it if it exists."""
    if not CREDITOR_ID_PATTERN.fullmatch(creditor_id):
        raise InvalidRequest("creditor_id", "seuls les lettres minuscules, les chiffres et les tirets sont acceptés, comme dans « pressimmo »")
    if not name.strip():
        raise InvalidRequest("name", "le nom du créancier ne peut pas être vide")
    await pool.execute(
        """INSERT INTO creditors (id, name) VALUES ($1, $2)
           ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name""",
        creditor_id,
        name.strip(),
    )


async def _require_creditor(connection: asyncpg.Connection, creditor: str) -> None:
    if await connection.fetchval("SELECT 1 FROM creditors WHERE id = $1", creditor) is None:
        raise UnknownCreditor(creditor)


async def _agency_of_account(
    connection: asyncpg.Connection, creditor: str, customer_account: str
) -> uuid.UUID | None:
    return await connection.fetchval(
        "SELECT agency_id FROM agency_accounts WHERE creditor_id = $1 AND customer_account = $2",
        creditor,
        customer_account,
    )


async def insert_user(
    connection: asyncpg.Connection,
    *,
    login: str,
    kind: str,
    password_hash: str | None,
    display_name: str,
    email: str | None,
) -> uuid.UUID:
    """Insert a user row; return its id, or raise LoginAlreadyTaken when the login exists in any case.

    The caller checks ``login`` with validate_login first.
    """
    user_id = uuid.uuid4()
    try:
        await connection.execute(
            """INSERT INTO users (id, login, kind, display_name, email, password_hash, password_changed_at)
               VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $6::text IS NULL THEN NULL ELSE now() END)""",
            user_id,
            login,
            kind,
            display_name,
            email,
            password_hash,
        )
    except asyncpg.UniqueViolationError:
        raise LoginAlreadyTaken(login) from None
    return user_id


async def link_account_to_agency(
    connection: asyncpg.Connection, agency_id: uuid.UUID, creditor: str, customer_account: str
) -> bool:
    """Attach (creditor, customer_account) to the agency; return whether a new link was made.

    Raises AccountOwnedByAnotherAgency when another agency already owns it.
    """
    await _require_creditor(connection, creditor)
    owner = await _agency_of_account(connection, creditor, customer_account)
    if owner == agency_id:
        return False
    if owner is not None:
        raise AccountOwnedByAnotherAgency(creditor, customer_account)
    await connection.execute(
        "INSERT INTO agency_accounts (creditor_id, customer_account, agency_id) VALUES ($1, $2, $3)",
        creditor,
        customer_account,
        agency_id,
    )
    agency_name = await connection.fetchval("SELECT name FROM agencies WHERE id = $1", agency_id)
    await events.publish(
        connection,
        AccountLinked(agency_id=str(agency_id), agency_name=agency_name),
        creditor_id=creditor,
        customer_account=customer_account,
    )
    return True


async def create_user(
    pool: asyncpg.Pool,
    *,
    login: str,
    password: str,
    creditor: str,
    customer_account: str,
    role: str = "administrateur",
    agency_name: str | None = None,
    display_name: str | None = None,
    email: str | None = None,
) -> str:
    """Create an agency user with ``role`` in the agency that owns (creditor, customer_account); return the user id.

    The agency is created, named ``agency_name`` (default ``Agence <account>``),
    when no agency owns the account yet. ``email`` receives password resets and
    notices. Raises ValidationError for a login or a password that breaks its
    rule or an invalid e-mail, LoginAlreadyTaken, UnknownCreditor or
    InvalidRequest.
    """
    if role not in AGENCY_ROLE_VALUES:
        raise InvalidRequest("role", f"les rôles acceptés sont {', '.join(AGENCY_ROLE_VALUES)}")
    validate_login(login)
    validate_password(password, login=login)
    email = validate_email(email) if email else None
    password_hash = await hash_password(password)

    async with pool.acquire() as connection, connection.transaction():
        await _require_creditor(connection, creditor)
        agency_id = await _agency_of_account(connection, creditor, customer_account)
        if agency_id is None:
            agency_id = uuid.uuid4()
            await connection.execute(
                "INSERT INTO agencies (id, name) VALUES ($1, $2)",
                agency_id,
                agency_name or f"Agence {customer_account}",
            )
            await link_account_to_agency(connection, agency_id, creditor, customer_account)
        user_id = await insert_user(
            connection,
            login=login,
            kind="agency",
            password_hash=password_hash,
            display_name=display_name or login,
            email=email,
        )
        await connection.execute(
            "INSERT INTO memberships (user_id, agency_id, role) VALUES ($1, $2, $3)", user_id, agency_id, role
        )
        await events.publish(
            connection,
            UserCreated(user_id=str(user_id), login=login, kind="agency", agency_id=str(agency_id), role=role),
            creditor_id=creditor,
            customer_account=customer_account,
        )
    return str(user_id)


async def link_account(pool: asyncpg.Pool, *, login: str, creditor: str, customer_account: str) -> None:
    """Add (creditor, customer_account) to the agency of the user ``login``.

    Does nothing when that agency already owns it; raises UnknownUser,
    UnknownCreditor or AccountOwnedByAnotherAgency.
    """
    async with pool.acquire() as connection, connection.transaction():
        agency_id = await connection.fetchval(
            """SELECT m.agency_id FROM users u JOIN memberships m ON m.user_id = u.id
                WHERE lower(u.login) = lower($1)""",
            login,
        )
        if agency_id is None:
            raise UnknownUser(login)
        await link_account_to_agency(connection, agency_id, creditor, customer_account)


async def create_staff_user(
    pool: asyncpg.Pool,
    *,
    login: str,
    password: str,
    creditors: list[str],
    display_name: str | None = None,
    email: str | None = None,
) -> str:
    """Create a staff user who works for ``creditors``; return the user id.

    Raises ValidationError for a login or a password that breaks its rule or an
    invalid e-mail, LoginAlreadyTaken, UnknownCreditor or InvalidRequest.
    """
    if not creditors:
        raise InvalidRequest("creditors", "au moins un créancier est attendu")
    validate_login(login)
    validate_password(password, login=login)
    email = validate_email(email) if email else None
    password_hash = await hash_password(password)

    async with pool.acquire() as connection, connection.transaction():
        for creditor in creditors:
            await _require_creditor(connection, creditor)
        user_id = await insert_user(
            connection,
            login=login,
            kind="staff",
            password_hash=password_hash,
            display_name=display_name or login,
            email=email,
        )
        await connection.executemany(
            "INSERT INTO staff_creditors (user_id, creditor_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            [(user_id, creditor) for creditor in creditors],
        )
        await events.publish(
            connection, UserCreated(user_id=str(user_id), login=login, kind="staff", role=Role.STAFF.value)
        )
    return str(user_id)
