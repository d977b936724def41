"""Bank receipts in a FEC file for card payments the ledger recorded from the payments service."""

from __future__ import annotations

from decimal import Decimal

from services.ledger.importer import import_fec
from services.ledger.operations import record_payment
from tests.ledger.test_import import fec_bytes, row
from tests.ledger.test_operations import seeded_account
from tests.ledger.test_statement import day

PAYMENT_ID = "pay_01J9ZK4T"


async def pay_by_card(pool, creditor, amount="500.00", payment_id=PAYMENT_ID):
    async with pool.acquire() as connection, connection.transaction():
        await record_payment(
            connection, creditor=creditor, account="C001", payment_id=payment_id,
            amount=Decimal(amount), invoices=[("FA1", Decimal(amount))],
        )


def receipt(piece, label, amount, number="R1", lettering=""):
    """A bank receipt of the customer C001: bank debit, customer credit."""
    return [
        row("BQ", number, day(-1), "512000", "", piece, label, amount, "", lettering),
        row("BQ", number, day(-1), "411000", "C001", piece, label, "", amount, lettering),
    ]


async def paid_by_card(pool, *payments: tuple[str, str]) -> str:
    """Return a creditor whose customer C001 owes 2 000 € and paid each (amount, payment id) by card."""
    creditor = await seeded_account(pool, ("FA1", "2000,00"))
    for amount, payment_id in payments:
        await pay_by_card(pool, creditor, amount, payment_id)
    return creditor


async def payments_of(pool, creditor):
    return await pool.fetch(
        """SELECT document_number, source, credit, open_amount, receipt_key, lettering FROM entries
            WHERE creditor_id = $1 AND kind = 'payment' ORDER BY id""",
        creditor,
    )


async def balance_of(pool, creditor):
    return await pool.fetchval(
        "SELECT sum(debit) - sum(credit) FROM entries WHERE creditor_id = $1 AND customer_account = 'C001'",
        creditor,
    )


async def test_receipt_naming_card_payment_counts_once(ledger_pool):
    creditor = await seeded_account(ledger_pool, ("FA1", "2000,00"))
    await pay_by_card(ledger_pool, creditor)

    summary = await import_fec(
        ledger_pool, creditor, fec_bytes(*receipt("VIR0042", "CB pay_01j9zk4t Agence du Parc", "500,00")),
        file_name="bank.txt",
    )

    payments = await payments_of(ledger_pool, creditor)
    assert summary.entries_created == 0
    assert summary.receipts_matched == 1
    assert summary.warnings == []
    assert [(p["document_number"], p["source"]) for p in payments] == [(PAYMENT_ID, "payment")]
    assert payments[0]["receipt_key"].startswith("fec|BQ|R1|")
    assert await balance_of(ledger_pool, creditor) == Decimal("1500.00")


async def test_receipt_repeated_in_later_file_stays_matched(ledger_pool):
    creditor = await seeded_account(ledger_pool, ("FA1", "2000,00"))
    await pay_by_card(ledger_pool, creditor)
    lines = receipt(PAYMENT_ID, "Carte bancaire", "500,00")
    await import_fec(ledger_pool, creditor, fec_bytes(*lines), file_name="july.txt")

    later = await import_fec(
        ledger_pool, creditor, fec_bytes(*lines, *receipt("VIR0043", "Virement", "80,00", number="R2")),
        file_name="july-august.txt",
    )

    payments = await payments_of(ledger_pool, creditor)
    assert later.entries_created == 1
    assert later.receipts_matched == 0
    assert [(p["document_number"], p["credit"]) for p in payments] == [
        (PAYMENT_ID, Decimal("500.00")),
        ("VIR0043", Decimal("80.00")),
    ]
    assert await balance_of(ledger_pool, creditor) == Decimal("1420.00")


async def test_receipt_lettering_applies_to_card_payment(ledger_pool):
    creditor = await seeded_account(ledger_pool, ("FA1", "500,00"))
    await pay_by_card(ledger_pool, creditor)

    await import_fec(
        ledger_pool, creditor, fec_bytes(*receipt(PAYMENT_ID, "Carte", "500,00", lettering="AB")),
        file_name="bank.txt",
    )

    payments = await payments_of(ledger_pool, creditor)
    assert [(p["lettering"], p["open_amount"]) for p in payments] == [("AB", Decimal("0.00"))]


async def test_receipt_without_reference_warns(ledger_pool):
    creditor = await seeded_account(ledger_pool, ("FA1", "2000,00"))
    await pay_by_card(ledger_pool, creditor)

    summary = await import_fec(
        ledger_pool, creditor, fec_bytes(*receipt("VIR0042", "Remise carte", "500,00")), file_name="bank.txt"
    )

    stored = await ledger_pool.fetchval("SELECT warnings FROM imports WHERE id = $1", summary.import_id)
    assert summary.entries_created == 1
    assert summary.receipts_matched == 0
    assert len(summary.warnings) == 1
    assert "bank.txt, ligne 3" in summary.warnings[0]
    assert f"correspond peut-être au paiement par carte {PAYMENT_ID}" in summary.warnings[0]
    assert stored == summary.warnings


async def test_receipt_with_other_amount_warns(ledger_pool):
    creditor = await seeded_account(ledger_pool, ("FA1", "2000,00"))
    await pay_by_card(ledger_pool, creditor)

    summary = await import_fec(
        ledger_pool, creditor, fec_bytes(*receipt(PAYMENT_ID, "Carte", "450,00")), file_name="bank.txt"
    )

    assert summary.entries_created == 1
    assert summary.receipts_matched == 0
    assert "Les montants diffèrent" in summary.warnings[0]
    assert await balance_of(ledger_pool, creditor) == Decimal("1050.00")


async def test_each_receipt_matches_one_card_payment(ledger_pool):
    creditor = await paid_by_card(ledger_pool, ("100.00", "pay_first_01"), ("100.00", "pay_second_02"))

    summary = await import_fec(
        ledger_pool, creditor,
        fec_bytes(*receipt("pay_second_02", "Carte", "100,00"), *receipt("pay_first_01", "Carte", "100,00", "R2")),
        file_name="bank.txt",
    )

    payments = await payments_of(ledger_pool, creditor)
    assert summary.receipts_matched == 2
    assert summary.entries_created == 0
    assert [p["receipt_key"].split("|")[2] for p in payments] == ["R2", "R1"]


async def test_unlettered_receipt_keeps_portal_lettering(ledger_pool):
    creditor = await seeded_account(ledger_pool, ("FA1", "500,00"))
    await pay_by_card(ledger_pool, creditor)
    before = await payments_of(ledger_pool, creditor)

    await import_fec(ledger_pool, creditor, fec_bytes(*receipt(PAYMENT_ID, "Carte", "500,00")), file_name="bank.txt")

    after = await payments_of(ledger_pool, creditor)
    assert before[0]["lettering"] is not None
    assert [(p["lettering"], p["open_amount"]) for p in after] == [(before[0]["lettering"], Decimal("0.00"))]


async def test_grouped_receipt_matches_cited_payments(ledger_pool):
    creditor = await paid_by_card(ledger_pool, ("120.00", "pay_morning_01"), ("80.50", "pay_evening_02"))
    lines = receipt("REMCB0705", "CB pay_morning_01 pay_evening_02", "200,50", lettering="CB")

    summary = await import_fec(ledger_pool, creditor, fec_bytes(*lines), file_name="bank.txt")
    later = await import_fec(
        ledger_pool, creditor, fec_bytes(*lines, *receipt("VIR0043", "Virement", "80,00", number="R2")),
        file_name="bank-august.txt",
    )

    payments = await payments_of(ledger_pool, creditor)
    assert summary.entries_created == 0
    assert summary.receipts_matched == 2
    assert summary.warnings == []
    assert later.entries_created == 1
    assert [(p["document_number"], p["source"], p["lettering"]) for p in payments] == [
        ("pay_morning_01", "payment", "CB"),
        ("pay_evening_02", "payment", "CB"),
        ("VIR0043", "fec", None),
    ]
    assert payments[0]["receipt_key"] == payments[1]["receipt_key"]
    assert await balance_of(ledger_pool, creditor) == Decimal("1719.50")


async def test_grouped_receipt_wrong_total_warns(ledger_pool):
    creditor = await paid_by_card(ledger_pool, ("120.00", "pay_morning_01"), ("80.50", "pay_evening_02"))

    summary = await import_fec(
        ledger_pool, creditor, fec_bytes(*receipt("REMCB0705", "CB pay_morning_01 pay_evening_02", "200,00")),
        file_name="bank.txt",
    )

    assert summary.entries_created == 1
    assert summary.receipts_matched == 0
    assert summary.warnings == [
        "bank.txt, ligne 3\u00a0: l’encaissement de 200,00\u00a0€ sur le compte C001 cite les paiements par carte"
        " pay_morning_01 (120,00\u00a0€) et pay_evening_02 (80,50\u00a0€), enregistrés par le portail pour"
        " 200,50\u00a0€ en tout. Les montants diffèrent, il a donc été importé comme un règlement distinct."
        " Vérifiez le compte avant de le lettrer."
    ]
    assert await balance_of(ledger_pool, creditor) == Decimal("1599.50")


async def test_grouped_receipt_skips_uncited_payment(ledger_pool):
    creditor = await paid_by_card(ledger_pool, ("120.00", "pay_morning_01"), ("80.50", "pay_evening_02"), ("80.50", "pay_night_03"))

    summary = await import_fec(
        ledger_pool, creditor, fec_bytes(*receipt("REMCB0705", "CB pay_morning_01 pay_night_03", "200,50")),
        file_name="bank.txt",
    )

    payments = await payments_of(ledger_pool, creditor)
    assert summary.receipts_matched == 2
    assert [(p["document_number"], p["receipt_key"] is not None) for p in payments] == [
        ("pay_morning_01", True),
        ("pay_evening_02", False),
        ("pay_night_03", True),
    ]
    assert await balance_of(ledger_pool, creditor) == Decimal("1719.00")
