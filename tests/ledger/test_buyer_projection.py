"""The ledger keeps the buyer's billing address from the accounts service's events."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta


from services.ledger.creditors import upsert_creditor
from shared.events.accounts import ProfileUpdated
from shared.events.envelope import EventEnvelope
from tests.conftest import unique_id


def profile_event(creditor: str, city: str, occurred_at: datetime) -> EventEnvelope:
    data = ProfileUpdated(
        section="billing_details",
        changed_fields=["city"],
        values={"address_line1": "3 place du Parc", "address_line2": None, "address_line3": None,
                "postal_code": "44000", "city": city, "country": "FR"},
        updated_by="0b5e0d1a-8f3c-4c52-9a57-2f1a7a1f6c11",
    )
    return EventEnvelope(
        type=ProfileUpdated.EVENT_TYPE, producer="accounts", creditor_id=creditor, customer_account="C001",
        occurred_at=occurred_at, data=data.model_dump(mode="json"),
    )


async def publish(engines, event: EventEnvelope) -> None:
    client = await engines.connect_nats("accounts")
    await client.jetstream().publish(event.type, event.model_dump_json().encode(), stream="ACCOUNTS")
    await client.close()


async def wait_for_inbox(pool, event_id) -> None:
    for _ in range(400):
        if await pool.fetchval("SELECT 1 FROM inbox WHERE consumer = 'ledger' AND event_id = $1", event_id):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"event {event_id} was not consumed within 20 s")


async def test_buyer_address_ignores_older_event(ledger_service, ledger_pool, engines):
    creditor = unique_id("buyer")
    await upsert_creditor(ledger_pool, creditor, "Créancier")
    now = datetime.now(UTC)
    newer = profile_event(creditor, "Nantes", now)
    older = profile_event(creditor, "Rennes", now - timedelta(minutes=5))

    await publish(engines, newer)
    await wait_for_inbox(ledger_pool, newer.event_id)
    await publish(engines, older)
    await wait_for_inbox(ledger_pool, older.event_id)
    account = await ledger_pool.fetchrow(
        "SELECT address_lines, postal_code, city FROM customer_accounts WHERE creditor_id = $1", creditor
    )

    assert account["address_lines"] == ["3 place du Parc"]
    assert account["postal_code"] == "44000"
    assert account["city"] == "Nantes"
