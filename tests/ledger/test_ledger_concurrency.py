"""Two writers on one creditor at the same time: imports, card payments, feed documents and statement reads."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from services.ledger import import_writer, statement
from services.ledger.feed import accept_document, parse_feed_document
from services.ledger.importer import import_fec
from services.ledger.operations import record_payment
from services.ledger.statement import StatementFilter, fetch_statement
from tests.ledger.test_feed import invoice_body
from tests.ledger.test_import import fec_bytes, new_creditor
from tests.ledger.test_import_lettering_overlap import invoice, transfer


async def entries_by_number(pool, creditor: str) -> dict:
    rows = await pool.fetch(
        """SELECT e.document_number, e.kind, e.debit, e.credit, e.open_amount,
                  coalesce((SELECT sum(a.amount) FROM allocations a
                             WHERE a.reversed_at IS NULL AND (a.debit_entry_id = e.id OR a.credit_entry_id = e.id)),
                           0) AS allocated
             FROM entries e WHERE e.creditor_id = $1 ORDER BY e.id""",
        creditor,
    )
    return {entry["document_number"]: entry for entry in rows}


async def pay(pool, creditor: str, payment_id: str, amount: str, number: str):
    async with pool.acquire() as connection, connection.transaction():
        return await record_payment(
            connection, creditor=creditor, account="C001", payment_id=payment_id,
            amount=Decimal(amount), invoices=[(number, Decimal(amount))],
        )


async def test_card_payment_waits_for_running_import(ledger_pool, monkeypatch):
    creditor = await new_creditor(ledger_pool)
    await import_fec(
        ledger_pool, creditor, fec_bytes(*invoice("FA001", "1", "20260701", "120,00", "100,00", "20,00")),
        file_name="july.txt",
    )
    lettered = fec_bytes(
        *invoice("FA001", "1", "20260701", "120,00", "100,00", "20,00", "AA"),
        *transfer("VIR1", "2", "20260715", "120,00", "AA"),
    )
    # Hold the import between its read of the account and its writes.
    entries_read = asyncio.Event()
    resume = asyncio.Event()
    read_entries = import_writer._existing_entries

    async def read_then_wait(*args):
        existing = await read_entries(*args)
        entries_read.set()
        await resume.wait()
        return existing

    monkeypatch.setattr(import_writer, "_existing_entries", read_then_wait)
    importing = asyncio.create_task(import_fec(ledger_pool, creditor, lettered, file_name="july-lettered.txt"))
    await asyncio.wait_for(entries_read.wait(), 10)
    paying = asyncio.create_task(pay(ledger_pool, creditor, "pay_000001", "50.00", "FA001"))
    await asyncio.sleep(0.3)
    payment_waited = not paying.done()
    resume.set()
    await asyncio.wait_for(importing, 30)
    await asyncio.wait_for(paying, 30)
    entries = await entries_by_number(ledger_pool, creditor)
    balance = sum((entry["debit"] - entry["credit"] for entry in entries.values()), Decimal(0))
    still_due = sum((entry["open_amount"] for entry in entries.values() if entry["debit"] > 0), Decimal(0))
    unallocated = sum((entry["open_amount"] for entry in entries.values() if entry["credit"] > 0), Decimal(0))

    assert payment_waited
    assert still_due - unallocated == balance
    for number, entry in entries.items():
        assert entry["allocated"] == entry["debit"] + entry["credit"] - entry["open_amount"], number
    assert entries["FA001"]["open_amount"] == Decimal("0.00")
    assert entries["pay_000001"]["open_amount"] == Decimal("50.00")


async def test_same_file_twice_at_once_imports_once(ledger_pool):
    creditor = await new_creditor(ledger_pool)
    data = fec_bytes(*invoice("FA001", "1", "20260701", "120,00", "100,00", "20,00"))

    results = await asyncio.gather(
        import_fec(ledger_pool, creditor, data, file_name="july.txt"),
        import_fec(ledger_pool, creditor, data, file_name="july.txt"),
        return_exceptions=True,
    )

    assert [result for result in results if isinstance(result, BaseException)] == []
    assert sorted(result.already_imported for result in results) == [False, True]
    assert results[0].import_id == results[1].import_id


async def test_same_feed_document_twice_at_once(ledger_pool):
    creditor = await new_creditor(ledger_pool)
    document = parse_feed_document(invoice_body())
    first_inserted = asyncio.Event()

    async def deliver(is_first: bool):
        async with ledger_pool.acquire() as connection, connection.transaction():
            if not is_first:
                await first_inserted.wait()
            result = await accept_document(connection, creditor, document, correlation_id=None)
            if is_first:
                first_inserted.set()
                # The second delivery now waits on this transaction's row.
                await asyncio.sleep(0.3)
            return result

    results = await asyncio.gather(deliver(True), deliver(False), return_exceptions=True)
    count = await ledger_pool.fetchval("SELECT count(*) FROM entries WHERE creditor_id = $1", creditor)

    assert [result for result in results if isinstance(result, BaseException)] == []
    assert results[0][0] == results[1][0]
    assert [created for _entry_id, created in results] == [True, False]
    assert count == 1


async def test_card_payment_reaches_open_invoice_of_reused_number(ledger_pool):
    creditor = await new_creditor(ledger_pool)
    await import_fec(
        ledger_pool, creditor,
        fec_bytes(*invoice("FACTURE", "2", "20250115", "120,00", "100,00", "20,00", "AA"),
                  *transfer("VIR1", "3", "20250201", "120,00", "AA")),
        file_name="2025.txt",
    )
    await import_fec(
        ledger_pool, creditor, fec_bytes(*invoice("FACTURE", "2", "20260115", "240,00", "200,00", "40,00")),
        file_name="2026.txt",
    )

    result = await pay(ledger_pool, creditor, "pay_000002", "240.00", "FACTURE")
    open_amounts = await ledger_pool.fetch(
        "SELECT debit, open_amount FROM entries WHERE creditor_id = $1 AND kind = 'invoice' ORDER BY id", creditor
    )

    assert result.allocated == Decimal("240.00")
    assert [(entry["debit"], entry["open_amount"]) for entry in open_amounts] == [
        (Decimal("120.00"), Decimal("0.00")),
        (Decimal("240.00"), Decimal("0.00")),
    ]


async def test_statement_rows_and_totals_share_snapshot(ledger_pool, monkeypatch):
    creditor = await new_creditor(ledger_pool)
    await import_fec(
        ledger_pool, creditor, fec_bytes(*invoice("FA001", "1", "20260701", "120,00", "100,00", "20,00")),
        file_name="july-1.txt",
    )
    count_totals = statement._totals

    async def import_then_count(connection, *args):
        # Another invoice commits between the page and its totals.
        await import_fec(
            ledger_pool, creditor, fec_bytes(*invoice("FA002", "2", "20260702", "60,00", "50,00", "10,00")),
            file_name="july-2.txt",
        )
        return await count_totals(connection, *args)

    monkeypatch.setattr(statement, "_totals", import_then_count)
    async with ledger_pool.acquire() as connection:
        body = await fetch_statement(connection, creditor, "C001", StatementFilter())
    rows_due = sum((Decimal(entry["amount_due"]) for entry in body["rows"]), Decimal(0))

    assert len(body["rows"]) == 1
    assert body["total_rows"] == 1
    assert Decimal(body["totals"]["amount_due"]) == rows_due
