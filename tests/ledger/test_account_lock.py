"""Writers of one customer account at the same time: they run one after the other, in one lock order.

Each test keeps a first writer's transaction open at a chosen point and
starts a second writer on the same account. Before the account lock, the
second writer ran beside the first: it missed the first one's uncommitted
rows (a pending allocation never applied), deadlocked with it over a day's
totals or a new account row, or failed on a half-made reversal.
"""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal

import pytest

from services.ledger import operations
from services.ledger.consumers import on_profile_updated
from services.ledger.feed import accept_document, parse_feed_document
from services.ledger.operations import AlreadyReversed, record_payment, reverse_payment
from shared.events.accounts import ProfileUpdated
from shared.events.envelope import EventEnvelope
from tests.ledger.test_import import new_creditor

ACCOUNT = "C001"


def document(kind: str, number: str, issue_date: str, net: str, **extra):
    """A pushed document of one line at 20 % VAT on ACCOUNT."""
    net_amount = Decimal(net)
    vat = (net_amount * Decimal("0.20")).quantize(Decimal("0.01"))
    return parse_feed_document({
        "kind": kind,
        "number": number,
        "customer_account": ACCOUNT,
        "issue_date": issue_date,
        "lines": [{"description": f"Prestation {number}", "quantity": "1", "unit_price": net, "vat_rate": "20"}],
        "totals": {"net_total": str(net_amount), "vat_total": str(vat), "total": str(net_amount + vat)},
        **extra,
    })


async def push(pool, creditor, pushed):
    async with pool.acquire() as connection, connection.transaction():
        return await accept_document(connection, creditor, pushed, correlation_id=None)


async def pay(pool, creditor, payment_id: str, amount: str, number: str, connection=None):
    async def run(connection):
        return await record_payment(
            connection, creditor=creditor, account=ACCOUNT, payment_id=payment_id,
            amount=Decimal(amount), invoices=[(number, Decimal(amount))],
        )

    if connection is not None:
        return await run(connection)
    async with pool.acquire() as connection, connection.transaction():
        return await run(connection)


async def open_amounts(pool, creditor) -> dict[str, Decimal]:
    rows = await pool.fetch(
        "SELECT document_number, open_amount FROM entries WHERE creditor_id = $1 ORDER BY id", creditor
    )
    return {row["document_number"]: row["open_amount"] for row in rows}


async def allocations_match_open_amounts(pool, creditor) -> bool:
    return await pool.fetchval(
        """SELECT bool_and(e.debit + e.credit - e.open_amount = coalesce(
                      (SELECT sum(a.amount) FROM allocations a
                        WHERE a.reversed_at IS NULL AND (a.debit_entry_id = e.id OR a.credit_entry_id = e.id)), 0))
             FROM entries e WHERE e.creditor_id = $1""",
        creditor,
    )


async def hold_first_then_run_second(pool, first, second):
    """Run `first(connection)` in a transaction left open, then start `second()` and commit the first.

    Returns whether the second writer was still waiting when the first
    committed, and the second's result.
    """
    written = asyncio.Event()
    release = asyncio.Event()

    async def hold():
        async with pool.acquire() as connection, connection.transaction():
            await first(connection)
            written.set()
            await release.wait()

    holder = asyncio.create_task(hold())
    await asyncio.wait_for(written.wait(), 10)
    running = asyncio.create_task(second())
    await asyncio.sleep(0.3)
    waited = not running.done()
    release.set()
    await asyncio.wait_for(holder, 10)
    return waited, await asyncio.wait_for(running, 10)


async def account_exists(pool, creditor) -> None:
    await push(pool, creditor, document("invoice", "FA-0", "2026-06-01", "10.00"))


async def test_invoice_during_credit_note_allocates(ledger_pool):
    creditor = await new_creditor(ledger_pool)
    await account_exists(ledger_pool, creditor)
    credit_note = document("credit_note", "AV-1", "2026-07-15", "100.00", preceding_invoice="FA-1")
    invoice = document("invoice", "FA-1", "2026-07-01", "100.00")

    waited, _ = await hold_first_then_run_second(
        ledger_pool,
        lambda connection: accept_document(connection, creditor, credit_note, correlation_id=None),
        lambda: push(ledger_pool, creditor, invoice),
    )
    amounts = await open_amounts(ledger_pool, creditor)

    assert waited
    assert amounts["FA-1"] == Decimal("0.00")
    assert amounts["AV-1"] == Decimal("0.00")
    assert await allocations_match_open_amounts(ledger_pool, creditor)


async def test_credit_note_during_invoice_allocates(ledger_pool):
    creditor = await new_creditor(ledger_pool)
    await account_exists(ledger_pool, creditor)
    credit_note = document("credit_note", "AV-2", "2026-07-15", "100.00", preceding_invoice="FA-2")
    invoice = document("invoice", "FA-2", "2026-07-01", "100.00")

    waited, _ = await hold_first_then_run_second(
        ledger_pool,
        lambda connection: accept_document(connection, creditor, invoice, correlation_id=None),
        lambda: push(ledger_pool, creditor, credit_note),
    )
    amounts = await open_amounts(ledger_pool, creditor)

    assert waited
    assert amounts["FA-2"] == Decimal("0.00")
    assert amounts["AV-2"] == Decimal("0.00")


async def test_invoice_during_card_payment_allocates(ledger_pool):
    creditor = await new_creditor(ledger_pool)
    await account_exists(ledger_pool, creditor)
    invoice = document("invoice", "FA-3", "2026-07-01", "100.00")

    waited, _ = await hold_first_then_run_second(
        ledger_pool,
        lambda connection: pay(ledger_pool, creditor, "pay_3", "120.00", "FA-3", connection),
        lambda: push(ledger_pool, creditor, invoice),
    )
    amounts = await open_amounts(ledger_pool, creditor)

    assert waited
    assert amounts["FA-3"] == Decimal("0.00")
    assert amounts["pay_3"] == Decimal("0.00")


async def test_credit_note_during_payment_no_deadlock(ledger_pool, monkeypatch):
    creditor = await new_creditor(ledger_pool)
    await push(ledger_pool, creditor, document("invoice", "FA-1", "2026-07-01", "100.00"))
    # The card payment (today) stops in its allocation, after it locked the
    # invoice and took a lettering code. The credit note is dated like the
    # invoice, so its insert takes that day's totals row, which the payment's
    # allocation then needs.
    allocating = asyncio.Event()
    resume = asyncio.Event()
    allocate = operations.allocate

    async def allocate_after_pause(*args, **kwargs):
        allocating.set()
        await resume.wait()
        return await allocate(*args, **kwargs)

    monkeypatch.setattr(operations, "allocate", allocate_after_pause)
    paying = asyncio.create_task(pay(ledger_pool, creditor, "pay_1", "50.00", "FA-1"))
    await asyncio.wait_for(allocating.wait(), 10)
    monkeypatch.setattr(operations, "allocate", allocate)
    credit_note = document("credit_note", "AV-1", "2026-07-01", "20.00", preceding_invoice="FA-1")
    crediting = asyncio.create_task(push(ledger_pool, creditor, credit_note))
    await asyncio.sleep(0.3)
    resume.set()
    results = await asyncio.wait_for(asyncio.gather(paying, crediting, return_exceptions=True), 20)
    amounts = await open_amounts(ledger_pool, creditor)

    assert [result for result in results if isinstance(result, BaseException)] == []
    assert amounts["FA-1"] == Decimal("120.00") - Decimal("50.00") - Decimal("24.00")
    assert amounts["pay_1"] == Decimal("0.00")
    assert amounts["AV-1"] == Decimal("0.00")
    assert await allocations_match_open_amounts(ledger_pool, creditor)


def profile_event(creditor: str, account: str) -> EventEnvelope:
    return EventEnvelope(
        type=ProfileUpdated.EVENT_TYPE,
        producer="accounts",
        creditor_id=creditor,
        customer_account=account,
        data={
            "section": "billing_details",
            "changed_fields": ["address_line1"],
            "values": {"address_line1": "3 rue des Lilas", "postal_code": "69003", "city": "Lyon", "country": "FR"},
            "updated_by": str(uuid.uuid4()),
        },
    )


async def test_profile_update_during_import_waits(ledger_pool):
    creditor = await new_creditor(ledger_pool)
    # What an import does first: the creditor row FOR UPDATE. It creates the
    # account a moment later, after the profile update has started.
    importing = await ledger_pool.acquire()
    transaction = importing.transaction()
    await transaction.start()
    try:
        await importing.execute("SELECT 1 FROM creditors WHERE id = $1 FOR UPDATE", creditor)

        async def update_profile():
            async with ledger_pool.acquire() as connection, connection.transaction():
                await on_profile_updated(connection, profile_event(creditor, "41100540"))

        updating = asyncio.create_task(update_profile())
        await asyncio.sleep(0.3)
        await asyncio.wait_for(
            importing.execute(
                """INSERT INTO customer_accounts (creditor_id, account_number, label)
                   VALUES ($1, '41100540', 'AGENCE') ON CONFLICT DO NOTHING""",
                creditor,
            ),
            10,
        )
        await transaction.commit()
    except BaseException:
        await transaction.rollback()
        raise
    finally:
        await ledger_pool.release(importing)
    await asyncio.wait_for(updating, 10)
    account = await ledger_pool.fetchrow(
        "SELECT label, city FROM customer_accounts WHERE creditor_id = $1 AND account_number = '41100540'", creditor
    )

    assert (account["label"], account["city"]) == ("AGENCE", "Lyon")


async def test_concurrent_double_reversal_conflicts(ledger_pool):
    creditor = await new_creditor(ledger_pool)
    await push(ledger_pool, creditor, document("invoice", "FA-1", "2026-07-01", "100.00"))
    await pay(ledger_pool, creditor, "pay_r", "120.00", "FA-1")

    async def reverse(connection):
        return await reverse_payment(
            connection, creditor=creditor, account=ACCOUNT, payment_number="pay_r", reason="Impayé"
        )

    async def reverse_in_own_transaction():
        async with ledger_pool.acquire() as connection, connection.transaction():
            return await reverse(connection)

    with pytest.raises(AlreadyReversed):
        await hold_first_then_run_second(ledger_pool, reverse, reverse_in_own_transaction)
    amounts = await open_amounts(ledger_pool, creditor)
    reversals = await ledger_pool.fetchval(
        "SELECT count(*) FROM entries WHERE creditor_id = $1 AND source = 'reversal'", creditor
    )

    assert reversals == 1
    assert amounts["FA-1"] == Decimal("120.00")
    assert await allocations_match_open_amounts(ledger_pool, creditor)


async def test_entry_lock_lets_document_file_be_stored(ledger_pool):
    # An allocation locks its entries. A document's first view stores its
    # PDF in document_files, whose foreign key takes a key share lock on the
    # entry, so the entry lock must not be FOR UPDATE, or the view waits.
    creditor = await new_creditor(ledger_pool)
    await push(ledger_pool, creditor, document("invoice", "FA-LOCK-1", "2026-07-01", "100.00"))
    entry_id = await ledger_pool.fetchval(
        "SELECT id FROM entries WHERE creditor_id = $1 AND document_number = 'FA-LOCK-1'", creditor
    )

    async with ledger_pool.acquire() as holder, holder.transaction():
        await operations.lock_entries(holder, [entry_id])
        async with ledger_pool.acquire() as viewer, viewer.transaction():
            await viewer.execute("SET LOCAL lock_timeout = '2s'")
            await viewer.execute(
                "INSERT INTO document_files (entry_id, content, sha256) VALUES ($1, 'pdf', 'digest')", entry_id
            )
            stored = await viewer.fetchval("SELECT count(*) FROM document_files WHERE entry_id = $1", entry_id)
    assert stored == 1
