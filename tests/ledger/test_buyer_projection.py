"""The ledger keeps the history of the buyer's billing address from the accounts service's events.

Documents print the address in force at the end of their date (Europe/Paris),
whenever their PDF is first rendered.
"""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime, timedelta

from pypdf import PdfReader

from services.ledger.creditors import upsert_creditor
from services.ledger.domain import paris_today
from services.registry import service_definition
from shared.events.accounts import ProfileUpdated
from shared.events.access import OPERATOR
from shared.events.envelope import EventEnvelope
from shared.events.streams import durable_name
from tests.ledger.migration_support import ledger_before
from tests.conftest import unique_id
from tests.ledger.test_feed import invoice_body
from tests.ledger.test_rendering import creditor_with_identity

NBSP = "\u00a0"  # no-break space, before « : » in the PDF
# Durable consumer through which the ledger reads accounts.profile.updated.
PROFILE_CONSUMER = durable_name("ledger", "accounts.profile.updated")


def profile_event(
    creditor: str, city: str, occurred_at: datetime, street: str = "3 place du Parc"
) -> EventEnvelope:
    data = ProfileUpdated(
        section="billing_details",
        changed_fields=["address_line1", "city"],
        values={"address_line1": street, "address_line2": None, "address_line3": None,
                "postal_code": "44000", "city": city, "country": "FR"},
        updated_by="0b5e0d1a-8f3c-4c52-9a57-2f1a7a1f6c11",
    )
    return EventEnvelope(
        type=ProfileUpdated.EVENT_TYPE, producer="accounts", creditor_id=creditor, customer_account="C001",
        occurred_at=occurred_at, data=data.model_dump(mode="json"),
    )


async def publish(engines, event: EventEnvelope) -> int:
    """Publish ``event`` as the accounts service and return its sequence number in the stream."""
    client = await engines.connect_nats("accounts")
    ack = await client.jetstream().publish(event.type, event.model_dump_json().encode(), stream="ACCOUNTS")
    await client.close()
    return ack.seq


async def wait_for_inbox(pool, event_id) -> None:
    for _ in range(400):
        if await pool.fetchval("SELECT 1 FROM inbox WHERE consumer = 'ledger' AND event_id = $1", event_id):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"event {event_id} was not consumed within 20 s")


async def wait_for_ack(engines, sequence: int, consumer: str = PROFILE_CONSUMER) -> None:
    """Wait until the ledger's `consumer` of ACCOUNTS has acknowledged every event up to ``sequence``, duplicates included.

    Only the ledger's user and the operator may read the ledger's consumer.
    """
    client = await engines.connect_nats(OPERATOR)
    try:
        for _ in range(400):
            info = await client.jetstream().consumer_info("ACCOUNTS", consumer)
            if info.ack_floor.stream_seq >= sequence:
                return
            await asyncio.sleep(0.05)
    finally:
        await client.close()
    raise AssertionError(f"message {sequence} of ACCOUNTS was not acknowledged within 20 s")


async def inbox_rows_after_redelivery(engines, pool, event: EventEnvelope, consumer: str = PROFILE_CONSUMER) -> int:
    """Deliver ``event``, which the ledger has consumed, a second time, and return how many inbox rows it has.

    Published again without a Nats-Msg-Id header, JetStream stores it as a
    second message, so the ledger receives the same event id twice.
    """
    sequence = await publish(engines, event)
    await wait_for_ack(engines, sequence, consumer)
    return await pool.fetchval("SELECT count(*) FROM inbox WHERE consumer = 'ledger' AND event_id = $1", event.event_id)


async def apply_events(engines, pool, *events: EventEnvelope) -> None:
    """Publish ``events`` in this order, waiting for the ledger to consume each one."""
    for event in events:
        await publish(engines, event)
        await wait_for_inbox(pool, event.event_id)


async def address_versions(pool, creditor: str) -> list[str]:
    rows = await pool.fetch(
        """SELECT city FROM buyer_address_versions WHERE creditor_id = $1 AND account_number = 'C001'
            ORDER BY occurred_at, id""",
        creditor,
    )
    return [row["city"] for row in rows]


async def issue_invoice(service, creditor: str, number: str, issue_date: str, account: str = "C001", **fields) -> None:
    """Issue an invoice through the feed, by default with no buyer, so that its address comes from the history."""
    response = await service.client.post(
        f"/creditors/{creditor}/documents",
        json=invoice_body(number, account, issue_date=issue_date, **fields),
        headers=service.system_headers(),
    )
    assert response.status == 201, await response.text()


async def pdf_text(service, creditor: str, number: str, account: str = "C001") -> str:
    """Fetch the invoice's PDF as ``account`` (rendering it on first request) and return its text."""
    headers = service.headers_for(accounts=((creditor, account),))
    response = await service.client.get(f"/creditors/{creditor}/documents/{number}/pdf", headers=headers)
    assert response.status == 200, await response.text()
    content = await response.read()
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


async def test_late_older_event_adds_only_version(ledger_service, ledger_pool, engines):
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
    assert await address_versions(ledger_pool, creditor) == ["Rennes", "Nantes"]


async def test_redelivered_event_adds_no_version(ledger_service, ledger_pool, engines):
    creditor = unique_id("buyer")
    await upsert_creditor(ledger_pool, creditor, "Créancier")
    event = profile_event(creditor, "Nantes", datetime.now(UTC))

    await publish(engines, event)
    await wait_for_inbox(ledger_pool, event.event_id)
    inbox_rows = await inbox_rows_after_redelivery(engines, ledger_pool, event)

    assert inbox_rows == 1
    assert await address_versions(ledger_pool, creditor) == ["Nantes"]


async def test_invoice_prints_address_of_its_date(ledger_service, ledger_pool, engines):
    creditor = await creditor_with_identity(ledger_pool)
    await issue_invoice(ledger_service, creditor, "FA-JUIN", "2026-06-30")
    await issue_invoice(ledger_service, creditor, "FA-JUILLET", "2026-07-10")
    await issue_invoice(ledger_service, creditor, "FA-AOUT", "2026-08-01")

    # A document prints the address in force at the end of its date, so the
    # change at 23:30 on 10 July applies to the invoice of that day.
    await apply_events(
        engines,
        ledger_pool,
        profile_event(creditor, "Rennes", datetime.fromisoformat("2026-06-01T09:00+02:00"), street="8 rue de Brest"),
        profile_event(creditor, "Nantes", datetime.fromisoformat("2026-07-10T23:30+02:00"), street="3 place du Parc"),
    )
    june = await pdf_text(ledger_service, creditor, "FA-JUIN")
    july = await pdf_text(ledger_service, creditor, "FA-JUILLET")
    august = await pdf_text(ledger_service, creditor, "FA-AOUT")

    assert "8 rue de Brest" in june
    assert "Rennes" in june
    assert "Nantes" not in june
    assert "3 place du Parc" in july
    assert "Nantes" in july
    assert "Rennes" not in july
    assert "Nantes" in august


async def test_change_after_paris_midnight_is_next_day(ledger_service, ledger_pool, engines):
    creditor = await creditor_with_identity(ledger_pool)
    await issue_invoice(ledger_service, creditor, "FA-0710", "2026-07-10")

    # 00:30 on 11 July in Paris is 22:30 on 10 July in UTC, so the change is
    # not yet in force for an invoice dated 10 July.
    await apply_events(
        engines,
        ledger_pool,
        profile_event(creditor, "Rennes", datetime.fromisoformat("2026-07-01T09:00+02:00")),
        profile_event(creditor, "Nantes", datetime.fromisoformat("2026-07-11T00:30+02:00")),
    )
    text = await pdf_text(ledger_service, creditor, "FA-0710")

    assert "Rennes" in text
    assert "Nantes" not in text


async def test_late_older_event_applies_to_its_period(ledger_service, ledger_pool, engines):
    creditor = await creditor_with_identity(ledger_pool)
    await issue_invoice(ledger_service, creditor, "FA-JUIN", "2026-06-30")

    await apply_events(
        engines,
        ledger_pool,
        profile_event(creditor, "Nantes", datetime.fromisoformat("2026-07-10T10:00+02:00")),
        profile_event(creditor, "Rennes", datetime.fromisoformat("2026-06-01T10:00+02:00")),
    )
    text = await pdf_text(ledger_service, creditor, "FA-JUIN")

    assert "Rennes" in text
    assert "Nantes" not in text


async def test_address_entered_after_invoice_stays(ledger_service, ledger_pool, engines):
    creditor = await creditor_with_identity(ledger_pool)
    await issue_invoice(ledger_service, creditor, "FA-1", "2026-07-01")
    await issue_invoice(ledger_service, creditor, "FA-2", "2026-07-01")
    first_entered = profile_event(creditor, "Rennes", datetime.fromisoformat("2026-08-01T10:00+02:00"))
    changed = profile_event(creditor, "Nantes", datetime.fromisoformat("2026-09-01T10:00+02:00"))

    await apply_events(engines, ledger_pool, first_entered)
    rendered_before_change = await pdf_text(ledger_service, creditor, "FA-1")
    await apply_events(engines, ledger_pool, changed)
    # FA-2 is rendered for the first time only now, after the change.
    rendered_after_change = await pdf_text(ledger_service, creditor, "FA-2")

    assert "Rennes" in rendered_before_change
    assert "Nantes" not in rendered_before_change
    assert "Rennes" in rendered_after_change
    assert "Nantes" not in rendered_after_change



async def test_account_without_versions_prints_stored_address(ledger_service, ledger_pool):
    creditor = await creditor_with_identity(ledger_pool)
    buyer = {"legal_name": "Agence du Port", "address_lines": ["5 quai Fleuri"], "postal_code": "29200",
             "city": "Brest"}
    await issue_invoice(ledger_service, creditor, "FA-FEED", "2026-07-01", account="C001", buyer=buyer)
    await issue_invoice(ledger_service, creditor, "FA-NONE", "2026-07-01", account="C002")

    with_feed_buyer = await pdf_text(ledger_service, creditor, "FA-FEED", account="C001")
    without_address = await pdf_text(ledger_service, creditor, "FA-NONE", account="C002")

    assert "5 quai Fleuri" in with_feed_buyer
    assert "Brest" in with_feed_buyer
    assert "Adresse non communiquée" in without_address
    # No postal code and city line follows, because both are unknown.
    assert f"Adresse non communiquée\nCompte client{NBSP}: C002" in without_address


async def test_migration_copies_event_addresses(engines, tmp_path):
    backfill = "0012_buyer_address_versions.sql"
    updated_at = datetime.fromisoformat("2026-05-04T08:00+02:00")

    async with ledger_before(engines, tmp_path, backfill) as ledger:
        connection = ledger.connection
        await upsert_creditor(connection, "cred", "Créancier")
        await connection.execute(
            """INSERT INTO customer_accounts
                   (creditor_id, account_number, address_lines, postal_code, city, buyer_updated_at)
               VALUES ('cred', 'FROM-EVENT', '{"3 place du Parc"}', '44000', 'Nantes', $1),
                      ('cred', 'FROM-FEED', '{"5 quai Fleuri"}', '29200', 'Brest', NULL),
                      ('cred', 'NO-ADDRESS', '{}', NULL, NULL, NULL),
                      ('cred', 'FEED-AFTER-EVENT', '{"7 rue du Port"}', '56100', 'Lorient', $1)""",
            updated_at,
        )
        # A feed document written after the event replaced that account's address with its buyer's.
        await connection.execute(
            """INSERT INTO entries (creditor_id, customer_account, kind, document_number, search_key,
                                    document_date, label, debit, credit, open_amount, source, source_key,
                                    created_at)
               VALUES ('cred', 'FEED-AFTER-EVENT', 'invoice', 'FA-FEED', 'FAFEED', '2026-05-05', 'Facture',
                       10, 0, 10, 'feed', 'feed:FA-FEED', $1)""",
            updated_at + timedelta(days=1),
        )
        applied = await ledger.apply()
        versions = await connection.fetch(
            "SELECT account_number, event_id, occurred_at, address_lines, postal_code, city, country"
            " FROM buyer_address_versions"
        )

    ledger_folder = service_definition("ledger").migration_folders[1]
    assert applied == [
        f"ledger/migrations/{path.name}" for path in sorted(ledger_folder.glob("*.sql")) if path.name >= backfill
    ]
    assert "ledger/migrations/0013_drop_feed_address_copies.sql" in applied
    assert len(versions) == 1
    assert versions[0]["account_number"] == "FROM-EVENT"
    assert versions[0]["event_id"] is None
    assert versions[0]["occurred_at"] == updated_at
    assert versions[0]["address_lines"] == ["3 place du Parc"]
    assert versions[0]["postal_code"] == "44000"
    assert versions[0]["city"] == "Nantes"
    assert versions[0]["country"] == "FR"


async def test_pdf_dated_today_not_stored(ledger_service, ledger_pool, engines):
    """Two invoices of today print the same address, whichever was opened before the change."""
    creditor = await creditor_with_identity(ledger_pool)
    today = paris_today()
    await issue_invoice(ledger_service, creditor, "FA-TODAY-1", today.isoformat())
    await issue_invoice(ledger_service, creditor, "FA-TODAY-2", today.isoformat())
    await issue_invoice(ledger_service, creditor, "FA-YESTERDAY", (today - timedelta(days=1)).isoformat())
    await apply_events(engines, ledger_pool, profile_event(creditor, "Rennes", datetime.now(UTC) - timedelta(days=2)))
    opened_early = await pdf_text(ledger_service, creditor, "FA-TODAY-1")
    yesterday = await pdf_text(ledger_service, creditor, "FA-YESTERDAY")

    await apply_events(engines, ledger_pool, profile_event(creditor, "Nantes", datetime.now(UTC)))
    headers = ledger_service.headers_for(accounts=((creditor, "C001"),))
    response = await ledger_service.client.get(f"/creditors/{creditor}/documents/FA-TODAY-1/pdf", headers=headers)
    reopened = "".join(page.extract_text() for page in PdfReader(io.BytesIO(await response.read())).pages)
    other = await pdf_text(ledger_service, creditor, "FA-TODAY-2")
    stored = await ledger_pool.fetch(
        """SELECT e.document_number FROM document_files f JOIN entries e ON e.id = f.entry_id
            WHERE e.creditor_id = $1""",
        creditor,
    )

    assert "Rennes" in opened_early
    assert "Nantes" in reopened
    assert "Nantes" in other
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "Rennes" in yesterday
    assert "Rennes" in await pdf_text(ledger_service, creditor, "FA-YESTERDAY")
    assert [row["document_number"] for row in stored] == ["FA-YESTERDAY"]


async def test_address_waits_for_unknown_creditor(ledger_service, ledger_pool, engines):
    creditor = unique_id("buyer")
    event = profile_event(creditor, "Nantes", datetime.now(UTC))

    await apply_events(engines, ledger_pool, event)
    await upsert_creditor(ledger_pool, creditor, "Créancier créé après l’adresse")
    name = await ledger_pool.fetchval("SELECT name FROM creditors WHERE id = $1", creditor)
    city = await ledger_pool.fetchval(
        "SELECT city FROM customer_accounts WHERE creditor_id = $1 AND account_number = 'C001'", creditor
    )

    assert await address_versions(ledger_pool, creditor) == ["Nantes"]
    assert city == "Nantes"
    assert name == "Créancier créé après l’adresse"
