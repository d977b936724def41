"""The ledger prints the creditor's identity that staff saved in the accounts service.

The accounts relay publishes ``accounts.creditor_identity.updated`` and the
ledger's consumer stores it, keeping the identity of the latest event.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer

from services.accounts.app import DEFINITION as ACCOUNTS
from services.accounts.commands import ensure_creditor
from services.accounts.contacts import identity_event, validate_identity
from services.accounts.settings import AccountsSettings
from services.ledger.consumers import on_creditor_identity_updated
from services.ledger.creditors import documents_available, upsert_creditor
from services.ledger.rendering import build_document
from shared.db import open_pool
from shared.events.accounts import CreditorIdentityUpdated
from shared.events.envelope import EventEnvelope
from shared.events.streams import durable_name
from shared.principal import Principal, Role
from shared.service import create_service_app
from tests.conftest import ServiceClient, unique_id
from tests.ledger.test_buyer_projection import (
    inbox_rows_after_redelivery,
    issue_invoice,
    pdf_text,
    publish,
    wait_for_inbox,
)
from tests.ledger.test_rendering import IDENTITY as LEDGER_IDENTITY
from tests.ledger.test_rendering import creditor_with_identity

# Durable consumer through which the ledger reads accounts.creditor_identity.updated.
IDENTITY_CONSUMER = durable_name("ledger", CreditorIdentityUpdated.EVENT_TYPE)
STAFF_USER = "00000000-0000-0000-0000-00000000beef"
STAFF = Principal(user_id=STAFF_USER, role=Role.STAFF, expires_at=0)

OLD_IBAN = LEDGER_IDENTITY.iban
NEW_IBAN = "FR7630006000011234567890189"
THIRD_IBAN = "FR7630004000010001234567830"

# The ledger test identity as staff type it in accounts: NEW_IBAN in groups of four, with its bank's BIC.
STAFF_IDENTITY = {
    **LEDGER_IDENTITY.model_dump(mode="json", exclude={"address_lines", "penalty_rate"}),
    "address_line1": LEDGER_IDENTITY.address_lines[0],
    "iban": "FR76 3000 6000 0112 3456 7890 189",
    "bic": "AGRIFRPP",
}


@pytest.fixture
async def accounts_pool(engines):
    async with open_pool(engines.service_dsn("accounts"), max_size=2) as pool:
        yield pool


@pytest.fixture
async def accounts(engines, signer) -> AsyncIterator[ServiceClient]:
    """The accounts service with an encryption key, as it runs in production, and its outbox relay."""
    settings = AccountsSettings(
        database_url=engines.service_dsn("accounts"),
        **engines.nats_settings("accounts"),
        principal_public_key=engines.secrets.principal_public_key,
        outbox_poll_seconds=0.2,
        data_encryption_key=engines.secrets.data_encryption_key,
    )
    client = TestClient(TestServer(create_service_app(ACCOUNTS, settings)))
    await client.start_server()
    yield ServiceClient(client, signer, "accounts")
    await client.close()


def identity_envelope(creditor: str, iban: str, occurred_at: datetime, bic: str) -> EventEnvelope:
    values = validate_identity({**STAFF_IDENTITY, "iban": iban, "bic": bic})
    return EventEnvelope(
        type=CreditorIdentityUpdated.EVENT_TYPE,
        producer="accounts",
        creditor_id=creditor,
        occurred_at=occurred_at,
        data=identity_event("Presse Immo Test", values, STAFF).model_dump(mode="json"),
    )


async def stored_iban(ledger_pool, creditor: str) -> str | None:
    return await ledger_pool.fetchval("SELECT iban FROM creditors WHERE id = $1", creditor)


async def wait_for_iban(ledger_pool, creditor: str, iban: str) -> None:
    """Wait until the ledger's row of ``creditor`` has ``iban``, which only the event delivers."""
    for _ in range(400):
        if await stored_iban(ledger_pool, creditor) == iban:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the ledger did not store the new IBAN of {creditor} within 20 s")


async def test_staff_iban_change_reaches_invoice(accounts, accounts_pool, ledger_service, ledger_pool):
    creditor = await creditor_with_identity(ledger_pool)
    await ensure_creditor(accounts_pool, creditor, "Presse Immo Test")
    await issue_invoice(ledger_service, creditor, "FA-IBAN", "2026-07-01")

    response = await accounts.client.put(
        f"/staff/creditors/{creditor}/identity",
        json=STAFF_IDENTITY,
        headers=accounts.headers_for(role=Role.STAFF, user_id=STAFF_USER, agency_id=None, staff_creditors=(creditor,)),
    )
    await wait_for_iban(ledger_pool, creditor, NEW_IBAN)
    row = await ledger_pool.fetchrow(
        "SELECT bic, identity_changed_at FROM creditors WHERE id = $1", creditor
    )
    updated_at = await accounts_pool.fetchval(
        "SELECT updated_at FROM creditor_identities WHERE creditor_id = $1", creditor
    )
    text = re.sub(r"\s", "", await pdf_text(ledger_service, creditor, "FA-IBAN"))
    async with ledger_pool.acquire() as connection:
        entry = await connection.fetchrow(
            "SELECT * FROM entries WHERE creditor_id = $1 AND document_number = 'FA-IBAN'", creditor
        )
        document = await build_document(connection, entry)

    assert response.status == 200, await response.text()
    assert row["bic"] == "AGRIFRPP"
    assert row["identity_changed_at"] == updated_at
    assert NEW_IBAN in text
    assert OLD_IBAN not in text
    assert document.seller.iban == NEW_IBAN


async def test_older_identity_event_changes_nothing(ledger_service, ledger_pool, engines):
    creditor = await creditor_with_identity(ledger_pool)
    now = datetime.now(UTC)
    newer = identity_envelope(creditor, NEW_IBAN, now, "AGRIFRPP")
    older = identity_envelope(creditor, THIRD_IBAN, now - timedelta(minutes=5), "BNPAFRPP")

    await publish(engines, newer)
    await wait_for_inbox(ledger_pool, newer.event_id)
    await publish(engines, older)
    await wait_for_inbox(ledger_pool, older.event_id)
    row = await ledger_pool.fetchrow("SELECT iban, bic, identity_changed_at FROM creditors WHERE id = $1", creditor)

    assert row["iban"] == NEW_IBAN
    assert row["bic"] == "AGRIFRPP"
    assert row["identity_changed_at"] == now


async def test_redelivered_identity_event_changes_nothing(ledger_service, ledger_pool, engines):
    creditor = await creditor_with_identity(ledger_pool)
    now = datetime.now(UTC)
    first = identity_envelope(creditor, THIRD_IBAN, now - timedelta(minutes=5), "BNPAFRPP")
    second = identity_envelope(creditor, NEW_IBAN, now, "AGRIFRPP")

    await publish(engines, first)
    await wait_for_inbox(ledger_pool, first.event_id)
    await publish(engines, second)
    await wait_for_inbox(ledger_pool, second.event_id)
    inbox_rows = await inbox_rows_after_redelivery(engines, ledger_pool, first, IDENTITY_CONSUMER)

    assert inbox_rows == 1
    assert await stored_iban(ledger_pool, creditor) == NEW_IBAN


async def test_identity_event_creates_unknown_creditor(ledger_pool):
    creditor = unique_id("new")
    event = identity_envelope(creditor, NEW_IBAN, datetime.now(UTC), "AGRIFRPP")

    async with ledger_pool.acquire() as connection, connection.transaction():
        await on_creditor_identity_updated(connection, event)
        available = await documents_available(connection, creditor)
    row = await ledger_pool.fetchrow("SELECT name, payment_terms, iban FROM creditors WHERE id = $1", creditor)

    assert row["name"] == "Presse Immo Test"
    assert row["payment_terms"] == "30 jours fin de mois"
    assert row["iban"] == NEW_IBAN
    assert available


async def test_identity_event_keeps_name_and_terms(ledger_pool):
    creditor = unique_id("kept")
    await upsert_creditor(ledger_pool, creditor, "Nom du grand livre", "45 jours")
    event = identity_envelope(creditor, NEW_IBAN, datetime.now(UTC), "AGRIFRPP")

    async with ledger_pool.acquire() as connection, connection.transaction():
        await on_creditor_identity_updated(connection, event)
    row = await ledger_pool.fetchrow("SELECT name, payment_terms, iban FROM creditors WHERE id = $1", creditor)

    assert row["name"] == "Nom du grand livre"
    assert row["payment_terms"] == "45 jours"
    assert row["iban"] == NEW_IBAN


async def test_same_time_event_changes_nothing(ledger_pool):
    creditor = await creditor_with_identity(ledger_pool)
    now = datetime.now(UTC)
    applied = identity_envelope(creditor, NEW_IBAN, now, "AGRIFRPP")
    same_time = identity_envelope(creditor, THIRD_IBAN, now, "BNPAFRPP")

    async with ledger_pool.acquire() as connection, connection.transaction():
        await on_creditor_identity_updated(connection, applied)
        await on_creditor_identity_updated(connection, same_time)

    assert await stored_iban(ledger_pool, creditor) == NEW_IBAN


async def test_identity_event_during_import_waits(ledger_pool):
    creditor = await creditor_with_identity(ledger_pool)
    event = identity_envelope(creditor, NEW_IBAN, datetime.now(UTC), "AGRIFRPP")
    # What an import does first: the creditor row FOR UPDATE, held until it commits.
    importing = await ledger_pool.acquire()
    transaction = importing.transaction()
    await transaction.start()
    try:
        await importing.execute("SELECT 1 FROM creditors WHERE id = $1 FOR UPDATE", creditor)

        async def store_identity():
            async with ledger_pool.acquire() as connection, connection.transaction():
                await on_creditor_identity_updated(connection, event)

        storing = asyncio.create_task(store_identity())
        await asyncio.sleep(0.3)
        await asyncio.wait_for(
            importing.execute("UPDATE creditors SET document_numbers_shared = true WHERE id = $1", creditor), 10
        )
        await transaction.commit()
    except BaseException:
        await transaction.rollback()
        raise
    finally:
        await ledger_pool.release(importing)
    await asyncio.wait_for(storing, 10)
    row = await ledger_pool.fetchrow("SELECT iban, document_numbers_shared FROM creditors WHERE id = $1", creditor)

    assert row["iban"] == NEW_IBAN
    assert row["document_numbers_shared"] is True
