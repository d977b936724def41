"""A later export that repeats lines of an earlier one under other entry numbers (EcritureNum)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.ledger.fec import FecChangedEntryError
from services.ledger.importer import import_fec
from tests.ledger.test_feed import creditor_with_terms, invoice_body, post
from tests.ledger.test_feed_and_fec import booked_invoice
from tests.ledger.test_import import account_balances, fec_bytes, new_creditor, row
from tests.ledger.test_import_card_receipts import paid_by_card, pay_by_card, payments_of, receipt
from tests.ledger.test_operations import seeded_account


def invoice(number: str, piece: str = "FA1", amount: str = "120,00", lettering: str = "") -> list[str]:
    return [
        row("VE", number, "20260110", "411000", "C001", piece, "Facture", amount, "", lettering),
        row("VE", number, "20260110", "706000", "", piece, "Facture", "", amount),
    ]


def bank_receipt(number: str, piece: str = "CHQ", amount: str = "120,00", lettering: str = "") -> list[str]:
    return [
        row("BQ", number, "20260120", "411000", "C001", piece, "Chèque", "", amount, lettering),
        row("BQ", number, "20260120", "512000", "", piece, "Chèque", amount, ""),
    ]


async def entries_of(pool, creditor):
    return await pool.fetch(
        "SELECT kind, document_number, source_key, lettering, open_amount FROM entries WHERE creditor_id = $1 ORDER BY id",
        creditor,
    )


async def test_renumbered_invoice_is_same_entry(ledger_pool):
    creditor = await new_creditor(ledger_pool)
    await import_fec(ledger_pool, creditor, fec_bytes(*invoice("12")), file_name="provisional.txt")

    summary = await import_fec(
        ledger_pool, creditor, fec_bytes(*invoice("345", lettering="AA"), *bank_receipt("346", lettering="AA")),
        file_name="final.txt",
    )
    repeated = await import_fec(
        ledger_pool, creditor, fec_bytes(*invoice("345", lettering="AA"), *bank_receipt("346", lettering="AA"),
                                         *bank_receipt("350", piece="VIR9", amount="5,00")),
        file_name="final-later.txt",
    )

    entries = await entries_of(ledger_pool, creditor)
    assert summary.entries_created == 1
    assert summary.warnings == [
        "final.txt, ligne 2\u00a0: la facture FA1 (client C001, 120,00\u00a0€ au 10/01/2026) était l’écriture VE 12"
        " d’un fichier précédent, et ce fichier la donne sous le numéro 345. Le document garde ce nouveau numéro et"
        " n’est pas compté deux fois. Si ce sont deux documents distincts, donnez-leur des numéros de pièce"
        " (PieceRef) différents dans le logiciel comptable, exportez de nouveau le FEC et importez-le."
    ]
    assert repeated.entries_created == 1
    assert repeated.warnings == []
    assert [(e["kind"], e["document_number"], e["lettering"]) for e in entries] == [
        ("invoice", "FA1", "AA"),
        ("payment", "CHQ", "AA"),
        ("payment", "VIR9", None),
    ]
    assert entries[0]["source_key"].startswith("fec|VE|345|")
    assert entries[0]["open_amount"] == Decimal("0.00")
    assert (await account_balances(ledger_pool, creditor))["C001"]["balance"] == Decimal("-5.00")


async def test_renumbered_invoice_with_other_amount_rejected(ledger_pool):
    creditor = await new_creditor(ledger_pool)
    await import_fec(ledger_pool, creditor, fec_bytes(*invoice("12")), file_name="provisional.txt")

    with pytest.raises(FecChangedEntryError) as rejected:
        await import_fec(ledger_pool, creditor, fec_bytes(*invoice("345", amount="130,00")), file_name="final.txt")

    rejection = str(rejected.value)
    assert "l’écriture VE 12 (document FA1, client C001)" in rejection
    assert "l’écriture VE 345 (document FA1, client C001) avec débit 130,00\u00a0€" in rejection


async def test_renumbered_payment_imported_with_warning(ledger_pool):
    creditor = await new_creditor(ledger_pool)
    await import_fec(ledger_pool, creditor, fec_bytes(*invoice("12"), *bank_receipt("13")), file_name="january.txt")

    summary = await import_fec(
        ledger_pool, creditor, fec_bytes(*invoice("12"), *bank_receipt("57")), file_name="january-late.txt"
    )

    assert summary.entries_created == 1
    assert summary.warnings == [
        "january-late.txt, ligne 4\u00a0: l’écriture BQ 57 (PieceRef «\u00a0CHQ\u00a0», client C001, 120,00\u00a0€"
        " au 20/01/2026) a les mêmes journal, date, PieceRef, client et montants que l’écriture BQ 13 d’un"
        " fichier précédent, que ce fichier ne contient pas. Elle a été importée comme une écriture distincte."
        " Si le logiciel comptable a seulement renuméroté l’écriture, elle compte deux fois\u202f; vérifiez le"
        " compte avant de le lettrer."
    ]
    assert (await account_balances(ledger_pool, creditor))["C001"]["balance"] == Decimal("-120.00")


async def test_renumbered_card_receipt_stays_matched(ledger_pool):
    creditor = await seeded_account(ledger_pool, ("FA1", "2000,00"))
    await pay_by_card(ledger_pool, creditor)
    await import_fec(
        ledger_pool, creditor, fec_bytes(*receipt("pay_01J9ZK4T", "Carte", "500,00", number="R1")),
        file_name="provisional.txt",
    )

    summary = await import_fec(
        ledger_pool, creditor, fec_bytes(*receipt("pay_01J9ZK4T", "Carte", "500,00", number="R77")),
        file_name="final.txt",
    )

    payments = await payments_of(ledger_pool, creditor)
    assert summary.entries_created == 0
    assert summary.warnings == []
    assert [p["source"] for p in payments] == ["payment"]
    assert payments[0]["receipt_key"].startswith("fec|BQ|R77|")


async def test_renumbered_booking_keeps_pushed_invoice(ledger_service, ledger_pool):
    creditor = await creditor_with_terms(ledger_pool)
    await post(ledger_service, creditor, invoice_body(number="FA-F1"))
    await import_fec(
        ledger_pool, creditor, fec_bytes(*booked_invoice("FA-F1", "332,90", "280,00", "52,90")),
        file_name="provisional.txt",
    )
    renumbered = [line.replace("VE\tVE\t7\t", "VE\tVE\t70\t") for line in booked_invoice("FA-F1", "332,90", "280,00", "52,90")]

    summary = await import_fec(ledger_pool, creditor, fec_bytes(*renumbered), file_name="final.txt")

    entries = await ledger_pool.fetch(
        "SELECT source, receipt_key FROM entries WHERE creditor_id = $1 ORDER BY id", creditor
    )
    assert summary.entries_created == 0
    assert [e["source"] for e in entries] == ["feed"]
    assert entries[0]["receipt_key"].startswith("booking|VE|70|")


async def test_shared_piece_ref_invoice_not_merged(ledger_pool):
    creditor = await new_creditor(ledger_pool)
    # Two invoices of the month share the PieceRef made of the journal and the month.
    await import_fec(
        ledger_pool, creditor, fec_bytes(*invoice("12", piece="VE0126"), *invoice("13", piece="VE0126", amount="80,00")),
        file_name="january.txt",
    )

    summary = await import_fec(ledger_pool, creditor, fec_bytes(*invoice("14", piece="VE0126")), file_name="later.txt")

    entries = await entries_of(ledger_pool, creditor)
    assert [e["source_key"].split("|")[2] for e in entries] == ["12", "13", "14"]
    assert len(summary.warnings) == 1
    assert "l’écriture VE 14 (PieceRef «\u00a0VE0126\u00a0», client C001, 120,00\u00a0€" in summary.warnings[0]
    assert "que l’écriture VE 12 d’un fichier précédent" in summary.warnings[0]


async def test_renumbered_card_receipts_keep_their_payments(ledger_pool):
    creditor = await paid_by_card(ledger_pool, ("500.00", "pay_alpha_01"), ("500.00", "pay_bravo_02"))
    await import_fec(
        ledger_pool, creditor, fec_bytes(*receipt("CB", "CB pay_alpha_01", "500,00", number="5")),
        file_name="provisional.txt",
    )

    summary = await import_fec(
        ledger_pool, creditor,
        fec_bytes(*receipt("CB", "CB pay_bravo_02", "500,00", number="9"),
                  *receipt("CB", "CB pay_alpha_01", "500,00", number="10")),
        file_name="validated.txt",
    )

    payments = await payments_of(ledger_pool, creditor)
    assert summary.entries_created == 0
    assert summary.warnings == []
    assert [(p["document_number"], p["receipt_key"].split("|")[2]) for p in payments] == [
        ("pay_alpha_01", "10"),
        ("pay_bravo_02", "9"),
    ]


def monthly_invoice(number: str, account: str, amount: str, when: str) -> list[str]:
    """An invoice whose PieceRef is made of the journal and the month, as some software does."""
    return [
        row("VE", number, when, "411000", account, "VE0126", "Facture", amount, ""),
        row("VE", number, when, "706000", "", "VE0126", "Facture", "", amount),
    ]


@pytest.mark.parametrize("account", ["C001", "C003"])
async def test_month_piece_ref_allows_weekly_files(ledger_pool, account):
    creditor = await new_creditor(ledger_pool)
    await import_fec(
        ledger_pool, creditor,
        fec_bytes(*monthly_invoice("1", "C001", "100,00", "20260110"), *monthly_invoice("2", "C002", "50,00", "20260110")),
        file_name="week-2.txt",
    )

    summary = await import_fec(
        ledger_pool, creditor, fec_bytes(*monthly_invoice("3", account, "80,00", "20260117")), file_name="week-3.txt"
    )

    balances = await account_balances(ledger_pool, creditor)
    assert summary.entries_created == 1
    assert summary.warnings == []
    assert sum(balance["balance"] for balance in balances.values()) == Decimal("230.00")


async def test_month_piece_ref_practice_carries_to_later_months(ledger_pool):
    creditor = await new_creditor(ledger_pool)
    january = [
        *monthly_invoice("1", "C001", "100,00", "20260110"), *monthly_invoice("2", "C002", "50,00", "20260110"),
        *[line.replace("VE0126", "AV0126") for line in monthly_invoice("3", "C001", "10,00", "20260112")],
        *[line.replace("VE0126", "AV0126") for line in monthly_invoice("4", "C002", "20,00", "20260112")],
    ]
    await import_fec(ledger_pool, creditor, fec_bytes(*january), file_name="january.txt")
    february = [line.replace("VE0126", "VE0226").replace("2026011", "2026021") for line in monthly_invoice("5", "C001", "70,00", "20260110")]
    await import_fec(ledger_pool, creditor, fec_bytes(*february), file_name="february-1.txt")

    later = [line.replace("VE0126", "VE0226").replace("2026011", "2026021") for line in monthly_invoice("6", "C003", "30,00", "20260117")]
    summary = await import_fec(ledger_pool, creditor, fec_bytes(*later), file_name="february-2.txt")

    flagged = await ledger_pool.fetchval("SELECT document_numbers_shared FROM creditors WHERE id = $1", creditor)
    assert flagged is True
    assert summary.entries_created == 1
    assert summary.warnings == []


async def test_one_shared_number_does_not_flag_creditor(ledger_pool):
    creditor = await new_creditor(ledger_pool)

    await import_fec(
        ledger_pool, creditor,
        fec_bytes(*monthly_invoice("1", "C001", "100,00", "20260110"), *monthly_invoice("2", "C002", "50,00", "20260110")),
        file_name="january.txt",
    )

    flagged = await ledger_pool.fetchval("SELECT document_numbers_shared FROM creditors WHERE id = $1", creditor)
    assert flagged is False
