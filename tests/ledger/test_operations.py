"""Ledger operations on real PostgreSQL, and payment events through real NATS."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from services.ledger.creditors import upsert_creditor
from services.ledger.domain import STATE_LABELS, document_state, paris_today
from services.ledger.importer import import_fec
from services.ledger.operations import AlreadyReversed, impute_credit_note, record_payment, reverse_payment
from shared.events.envelope import EventEnvelope
from services.ledger.consumers import PROFILE_UPDATED
from shared.events.payments import PAYMENT_SUCCEEDED, PaidInvoice, PaymentSucceeded
from tests.conftest import unique_id
from tests.ledger.test_import import fec_bytes, row
from tests.ledger.test_statement import day, invoice_rows


async def seeded_account(pool, *invoices: tuple[str, str]) -> str:
    creditor = unique_id("ops")
    await upsert_creditor(pool, creditor, "Créancier", "30 jours")
    lines = []
    for index, (number, amount) in enumerate(invoices, start=1):
        lines += invoice_rows(number, str(index), day(-5), "C001", amount)
    await import_fec(pool, creditor, fec_bytes(*lines), file_name="seed.txt")
    return creditor


async def entry(pool, creditor, number):
    return await pool.fetchrow(
        "SELECT * FROM entries WHERE creditor_id = $1 AND document_number = $2", creditor, number
    )


def label_of(record) -> str:
    state = document_state(
        debit=record["debit"], credit=record["credit"], open_amount=record["open_amount"],
        due_date=record["due_date"], today=paris_today(),
    )
    return STATE_LABELS[state]


async def test_partial_payment_leaves_invoice_partly_paid(ledger_pool):
    creditor = await seeded_account(ledger_pool, ("FA1", "2000,00"))

    async with ledger_pool.acquire() as connection, connection.transaction():
        await record_payment(
            connection, creditor=creditor, account="C001", payment_id="pay-1",
            amount=Decimal("500.00"), invoices=[("FA1", Decimal("500.00"))],
        )
    invoice = await entry(ledger_pool, creditor, "FA1")

    assert invoice["open_amount"] == Decimal("1500.00")
    assert label_of(invoice) == "Partiellement réglée"
    assert invoice["lettering"] == "L00001"


async def test_lettered_credit_note_is_imputed_not_paid(ledger_pool):
    creditor = unique_id("ops")
    await upsert_creditor(ledger_pool, creditor, "Créancier", "30 jours")
    lines = [
        *invoice_rows("FA50", "1", day(-5), "C001", "50,00", "AC"),
        row("VE", "2", day(-4), "411000", "C001", "AV30", "Avoir", "", "30,00", "AC"),
        row("VE", "2", day(-4), "706000", "", "AV30", "Avoir", "25,00", ""),
        row("VE", "2", day(-4), "445710", "", "AV30", "TVA", "5,00", ""),
    ]
    await import_fec(ledger_pool, creditor, fec_bytes(*lines), file_name="avoir.txt")

    invoice = await entry(ledger_pool, creditor, "FA50")
    note = await entry(ledger_pool, creditor, "AV30")

    assert note["kind"] == "credit_note"
    assert invoice["open_amount"] == Decimal("20.00")
    assert note["open_amount"] == Decimal("0.00")
    assert label_of(note) == "Imputé"


async def test_credit_note_imputed_by_operation(ledger_pool):
    creditor = unique_id("ops")
    await upsert_creditor(ledger_pool, creditor, "Créancier", "30 jours")
    lines = [
        *invoice_rows("FA50", "1", day(-5), "C001", "50,00"),
        row("VE", "2", day(-4), "411000", "C001", "AV30", "Avoir", "", "30,00"),
        row("VE", "2", day(-4), "706000", "", "AV30", "Avoir", "30,00", ""),
    ]
    await import_fec(ledger_pool, creditor, fec_bytes(*lines), file_name="avoir.txt")

    async with ledger_pool.acquire() as connection, connection.transaction():
        await impute_credit_note(connection, creditor=creditor, account="C001",
                                 credit_note_number="AV30", invoice_number="FA50")
    invoice = await entry(ledger_pool, creditor, "FA50")
    note = await entry(ledger_pool, creditor, "AV30")

    assert invoice["open_amount"] == Decimal("20.00")
    assert note["open_amount"] == Decimal("0.00")


async def test_returned_transfer_reopens_invoice(ledger_pool):
    creditor = await seeded_account(ledger_pool, ("FA1", "120,00"))
    async with ledger_pool.acquire() as connection, connection.transaction():
        await record_payment(connection, creditor=creditor, account="C001", payment_id="pay-r",
                             amount=Decimal("120.00"), invoices=[("FA1", Decimal("120.00"))])
    paid = await entry(ledger_pool, creditor, "FA1")

    async with ledger_pool.acquire() as connection, connection.transaction():
        await reverse_payment(connection, creditor=creditor, account="C001", payment_number="pay-r",
                              reason="virement retourné")
    reopened = await entry(ledger_pool, creditor, "FA1")
    balance = await ledger_pool.fetchval(
        "SELECT sum(debit) - sum(credit) FROM entries WHERE creditor_id = $1", creditor
    )

    assert paid["open_amount"] == Decimal("0.00")
    assert reopened["open_amount"] == Decimal("120.00")
    assert balance == Decimal("120.00")
    with pytest.raises(AlreadyReversed):
        async with ledger_pool.acquire() as connection, connection.transaction():
            await reverse_payment(connection, creditor=creditor, account="C001", payment_number="pay-r",
                                  reason="encore")


async def test_excess_payment_stays_unallocated(ledger_pool):
    creditor = await seeded_account(ledger_pool, ("FA1", "100,00"))

    async with ledger_pool.acquire() as connection, connection.transaction():
        result = await record_payment(connection, creditor=creditor, account="C001", payment_id="pay-x",
                                      amount=Decimal("150.00"), invoices=[("FA1", Decimal("150.00"))])
    payment = await entry(ledger_pool, creditor, "pay-x")

    assert result.allocated == Decimal("100.00")
    assert payment["open_amount"] == Decimal("50.00")


async def test_payment_for_unknown_invoice_applies_when_it_arrives(ledger_pool):
    creditor = await seeded_account(ledger_pool, ("FA1", "100,00"))
    async with ledger_pool.acquire() as connection, connection.transaction():
        result = await record_payment(connection, creditor=creditor, account="C001", payment_id="pay-early",
                                      amount=Decimal("60.00"), invoices=[("FA9", Decimal("60.00"))])

    later = fec_bytes(*invoice_rows("FA9", "9", day(-1), "C001", "60,00"))
    await import_fec(ledger_pool, creditor, later, file_name="later.txt")
    invoice = await entry(ledger_pool, creditor, "FA9")
    kept_due = await ledger_pool.fetchval(
        "SELECT sum(open_debit_amount) FROM account_daily_totals WHERE creditor_id = $1", creditor
    )
    actual_due = await ledger_pool.fetchval(
        "SELECT sum(open_amount) FROM entries WHERE creditor_id = $1 AND debit > 0", creditor
    )

    assert result.pending == ["FA9"]
    assert invoice["open_amount"] == Decimal("0.00")
    assert kept_due == actual_due


async def test_same_payment_twice_records_once(ledger_pool):
    creditor = await seeded_account(ledger_pool, ("FA1", "100,00"))
    for _ in range(2):
        async with ledger_pool.acquire() as connection, connection.transaction():
            await record_payment(connection, creditor=creditor, account="C001", payment_id="pay-2x",
                                 amount=Decimal("40.00"), invoices=[("FA1", Decimal("40.00"))])

    invoice = await entry(ledger_pool, creditor, "FA1")
    payments = await ledger_pool.fetchval(
        "SELECT count(*) FROM entries WHERE creditor_id = $1 AND kind = 'payment'", creditor
    )

    assert invoice["open_amount"] == Decimal("60.00")
    assert payments == 1


async def test_payment_event_delivered_three_times_allocates_once(ledger_service, ledger_pool, engines):
    creditor = await seeded_account(ledger_pool, ("FA1", "2000,00"))
    payment = PaymentSucceeded(
        payment_id=unique_id("pay"), creditor=creditor, customer_account="C001", amount=Decimal("500.00"),
        invoices=[PaidInvoice(document_number="FA1", amount=Decimal("500.00"))],
    )
    event = EventEnvelope(type=PAYMENT_SUCCEEDED, producer="payments", creditor_id=creditor,
                          customer_account="C001", data=payment.model_dump(mode="json"))
    client = await engines.connect_nats("payments")
    jetstream = client.jetstream()
    for _ in range(3):
        await jetstream.publish(PAYMENT_SUCCEEDED, event.model_dump_json().encode(), stream="PAYMENTS")
    await client.close()

    for _ in range(300):
        seen = await ledger_pool.fetchval(
            "SELECT count(*) FROM inbox WHERE consumer = 'ledger' AND event_id = $1", event.event_id
        )
        invoice = await entry(ledger_pool, creditor, "FA1")
        if seen and invoice["open_amount"] != Decimal("2000.00"):
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)
    invoice = await entry(ledger_pool, creditor, "FA1")
    allocations = await ledger_pool.fetchval(
        "SELECT count(*) FROM allocations WHERE creditor_id = $1 AND reversed_at IS NULL", creditor
    )

    assert invoice["open_amount"] == Decimal("1500.00")
    assert allocations == 1


async def test_payment_forged_on_accounts_subject_rejected(ledger_service, ledger_pool, engines):
    creditor = await seeded_account(ledger_pool, ("FA1", "2000,00"))
    payment = PaymentSucceeded(
        payment_id=unique_id("pay"), creditor=creditor, customer_account="C001", amount=Decimal("500.00"),
        invoices=[PaidInvoice(document_number="FA1", amount=Decimal("500.00"))],
    )
    # The accounts user may publish on accounts.profile.updated, which the ledger reads.
    forged = EventEnvelope(type=PAYMENT_SUCCEEDED, producer="payments", creditor_id=creditor,
                           customer_account="C001", data=payment.model_dump(mode="json"))
    client = await engines.connect_nats("accounts")
    await client.jetstream().publish(PROFILE_UPDATED, forged.model_dump_json().encode(), stream="ACCOUNTS")
    await client.close()

    error = None
    for _ in range(300):
        error = await ledger_pool.fetchval(
            "SELECT error FROM dead_letters WHERE consumer = 'ledger' AND event_id = $1", str(forged.event_id)
        )
        if error:
            break
        await asyncio.sleep(0.05)
    invoice = await entry(ledger_pool, creditor, "FA1")
    inbox = await ledger_pool.fetchval("SELECT count(*) FROM inbox WHERE event_id = $1", forged.event_id)

    assert error is not None
    assert "differs from the subject 'accounts.profile.updated'" in error
    assert invoice["open_amount"] == Decimal("2000.00")
    assert inbox == 0
