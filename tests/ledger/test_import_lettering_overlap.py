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


# A January-to-August export: FA001 of July paid by VIR1 of August, both lettered AA.
YEAR_TO_DATE = fec_bytes(
    *invoice("FA001", "1", "20260715", "120,00", "100,00", "20,00", "AA"),
    *transfer("VIR1", "1", "20260810", "120,00", "AA"),
)


async def test_overlap_keeps_lettered_pair_settled(ledger_pool):
    creditor = await new_creditor(ledger_pool)
    august = fec_bytes(
        *transfer("VIR1", "1", "20260810", "120,00", "AA"),
        *invoice("FA002", "2", "20260820", "60,00", "50,00", "10,00"),
    )
    await import_fec(ledger_pool, creditor, YEAR_TO_DATE, file_name="2026-01-to-08.txt")

    summary = await import_fec(ledger_pool, creditor, august, file_name="2026-08.txt")
    entries = await entries_by_number(ledger_pool, creditor)

    assert summary.lettering_updated == 0
    assert entries["FA001"]["lettering"] == "AA"
    assert entries["FA001"]["lettering_scope"] == entries["VIR1"]["lettering_scope"]
    assert entries["FA001"]["open_amount"] == Decimal("0.00")
    assert entries["VIR1"]["open_amount"] == Decimal("0.00")
    assert entries["FA001"]["allocated"] == Decimal("120.00")
    assert entries["FA002"]["open_amount"] == Decimal("60.00")


async def test_overlap_splits_group_on_new_code(ledger_pool):
    """VIR2 was lettered AA by mistake. The later file repeats VIR1 under AA, and moves VIR2 to BB with FA002."""
    creditor = await new_creditor(ledger_pool)
    await import_fec(
        ledger_pool, creditor,
        fec_bytes(
            *invoice("FA001", "1", "20260715", "120,00", "100,00", "20,00", "AA"),
            *invoice("FA002", "2", "20260720", "80,00", "66,67", "13,33"),
            *transfer("VIR1", "1", "20260801", "120,00", "AA"),
            *transfer("VIR2", "2", "20260810", "80,00", "AA"),
        ),
        file_name="2026-01-to-08.txt",
    )
    entries = await entries_by_number(ledger_pool, creditor)
    assert entries["FA002"]["open_amount"] == Decimal("80.00")
    assert entries["VIR2"]["open_amount"] == Decimal("80.00")

    summary = await import_fec(
        ledger_pool, creditor,
        fec_bytes(
            *invoice("FA002", "2", "20260720", "80,00", "66,67", "13,33", "BB"),
            *transfer("VIR1", "1", "20260801", "120,00", "AA"),
            *transfer("VIR2", "2", "20260810", "80,00", "BB"),
        ),
        file_name="2026-08-corrected.txt",
    )
    entries = await entries_by_number(ledger_pool, creditor)

    assert summary.lettering_updated == 2
    assert [entries[number]["lettering"] for number in ("FA001", "VIR1", "FA002", "VIR2")] == ["AA", "AA", "BB", "BB"]
    assert entries["FA001"]["lettering_scope"] == entries["VIR1"]["lettering_scope"]
    assert entries["FA002"]["lettering_scope"] == entries["VIR1"]["lettering_scope"]
    for number in ("FA001", "VIR1", "FA002", "VIR2"):
        assert entries[number]["open_amount"] == Decimal("0.00"), number


async def test_overlap_moves_unrepeated_group_members(ledger_pool):
    """A later file repeats only the payment of two invoices lettered AA, and all three stay settled."""
    creditor = await new_creditor(ledger_pool)
    await import_fec(
        ledger_pool, creditor,
        fec_bytes(
            *invoice("FA001", "1", "20260701", "120,00", "100,00", "20,00", "AA"),
            *invoice("FA002", "2", "20260710", "60,00", "50,00", "10,00", "AA"),
            *transfer("VIR1", "1", "20260801", "180,00", "AA"),
        ),
        file_name="2026-01-to-08.txt",
    )

    await import_fec(
        ledger_pool, creditor, fec_bytes(*transfer("VIR1", "1", "20260801", "180,00", "AA")), file_name="2026-08.txt"
    )
    entries = await entries_by_number(ledger_pool, creditor)

    assert {entries[number]["lettering_scope"] for number in ("FA001", "FA002", "VIR1")} == {
        entries["VIR1"]["lettering_scope"]
    }
    for number in ("FA001", "FA002", "VIR1"):
        assert entries[number]["open_amount"] == Decimal("0.00"), number


async def test_same_code_of_another_year_stays_apart(ledger_pool):
    """AA of 2025 and AA of 2026 share no entry, so the 2026 payment does not settle the open 2025 invoice."""
    creditor = await new_creditor(ledger_pool)
    await import_fec(
        ledger_pool, creditor,
        fec_bytes(
            *invoice("FA2025", "1", "20250301", "120,00", "100,00", "20,00", "AA"),
            *invoice("FA2025B", "2", "20250310", "50,00", "41,67", "8,33"),
        ),
        file_name="2025.txt",
    )

    await import_fec(
        ledger_pool, creditor,
        fec_bytes(
            *invoice("FA2026", "1", "20260301", "70,00", "58,33", "11,67", "AA"),
            *transfer("VIR2026", "1", "20260320", "70,00", "AA"),
        ),
        file_name="2026.txt",
    )
    entries = await entries_by_number(ledger_pool, creditor)

    assert entries["FA2025"]["lettering_scope"] != entries["FA2026"]["lettering_scope"]
    assert entries["FA2025"]["open_amount"] == Decimal("120.00")
    assert entries["FA2026"]["open_amount"] == Decimal("0.00")
    assert entries["VIR2026"]["open_amount"] == Decimal("0.00")


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
