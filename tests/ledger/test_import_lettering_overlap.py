"""Lettering of a later file that repeats entries of an earlier one."""

from __future__ import annotations

from decimal import Decimal

from services.ledger.importer import import_fec
from services.ledger.operations import record_payment
from tests.ledger.test_import import fec_bytes, new_creditor, row


def invoice(number: str, entry: str, day: str, amount: str, net: str, vat: str, lettering: str = "") -> list[str]:
    return [
        row("VE", entry, day, "411000", "C001", number, "Facture", amount, "", lettering),
        row("VE", entry, day, "706000", "", number, "Facture", "", net),
        row("VE", entry, day, "445710", "", number, "TVA", "", vat),
    ]


def transfer(reference: str, entry: str, day: str, amount: str, lettering: str = "") -> list[str]:
    return [
        row("BQ", entry, day, "411000", "C001", reference, "Virement", "", amount, lettering),
        row("BQ", entry, day, "512000", "", reference, "Virement", amount, ""),
    ]


async def entries_by_number(pool, creditor) -> dict:
    """Return the creditor's entries by document number, with the amount that live allocations take from each."""
    rows = await pool.fetch(
        """SELECT e.document_number, e.kind, e.debit, e.credit, e.open_amount, e.lettering, e.lettering_scope,
                  coalesce((SELECT sum(a.amount) FROM allocations a WHERE a.reversed_at IS NULL
                             AND (a.debit_entry_id = e.id OR a.credit_entry_id = e.id)), 0) AS allocated
             FROM entries e WHERE e.creditor_id = $1 ORDER BY e.id""",
        creditor,
    )
    return {r["document_number"]: r for r in rows}


async def test_later_file_keeps_ledger_code(ledger_pool):
    """A later file repeats, without a code, an invoice that a card payment on the portal paid."""
    creditor = await new_creditor(ledger_pool)
    first = invoice("FA001", "1", "20260701", "120,00", "100,00", "20,00")
    await import_fec(ledger_pool, creditor, fec_bytes(*first), file_name="july-1.txt")
    async with ledger_pool.acquire() as connection, connection.transaction():
        await record_payment(
            connection, creditor=creditor, account="C001", payment_id="pay_000001",
            amount=Decimal("120.00"), invoices=[("FA001", Decimal("120.00"))],
        )

    summary = await import_fec(
        ledger_pool, creditor,
        fec_bytes(*first, *invoice("FA002", "2", "20260705", "60,00", "50,00", "10,00")),
        file_name="july-2.txt",
    )
    entries = await entries_by_number(ledger_pool, creditor)

    assert summary.lettering_updated == 0
    assert entries["pay_000001"]["lettering"] == "L00001"
    assert entries["FA001"]["lettering"] == "L00001"
    assert entries["FA001"]["lettering_scope"] == "ledger"
    assert entries["FA001"]["open_amount"] == Decimal("0.00")


async def test_file_code_replaces_ledger_code(ledger_pool):
    """The accounting letters the card-paid invoice with the payout's bank receipt, and that code replaces the ledger's."""
    creditor = await new_creditor(ledger_pool)
    await import_fec(
        ledger_pool, creditor, fec_bytes(*invoice("FA001", "1", "20260701", "120,00", "100,00", "20,00")),
        file_name="july-1.txt",
    )
    async with ledger_pool.acquire() as connection, connection.transaction():
        await record_payment(
            connection, creditor=creditor, account="C001", payment_id="pay_000001",
            amount=Decimal("120.00"), invoices=[("FA001", Decimal("120.00"))],
        )

    summary = await import_fec(
        ledger_pool, creditor,
        fec_bytes(
            *invoice("FA001", "1", "20260701", "120,00", "100,00", "20,00", "CB"),
            *transfer("pay_000001", "5", "20260703", "120,00", "CB"),
        ),
        file_name="july-2.txt",
    )
    entries = await entries_by_number(ledger_pool, creditor)

    assert summary.receipts_matched == 1
    assert entries["FA001"]["lettering"] == "CB"
    assert entries["FA001"]["lettering_scope"].startswith("import:")
    assert entries["FA001"]["open_amount"] == Decimal("0.00")
    assert entries["FA001"]["allocated"] == Decimal("120.00")
    assert entries["pay_000001"]["open_amount"] == Decimal("0.00")
