"""Lettering of a later file that repeats entries of an earlier one, and opening balances of the next fiscal year."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from services.ledger.fec.errors import FecOpeningBalanceError
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


def opening_balance(piece: str, amount: str, lettering: str = "", account: str = "C001") -> list[str]:
    """Return an opening-balance entry of 1 January 2026 that carries `amount` forward on `account`."""
    return [
        row("AN", "1", "20260101", "411000", account, piece, f"A nouveau {piece}", amount, "", lettering),
        row("AN", "1", "20260101", "890000", "", "AN", "A nouveau", "", amount),
    ]


# The 2025 file leaves FA001 (120,00) of 15 November 2025 unpaid.
FEC_2025 = fec_bytes(*invoice("FA001", "7", "20251115", "120,00", "100,00", "20,00"))


async def account_figures(pool, creditor, account: str = "C001") -> tuple[Decimal, Decimal, Decimal]:
    """Return the balance, the amount still due and the unallocated credit of `account`."""
    figures = await pool.fetchrow(
        """SELECT sum(debit) - sum(credit) AS balance,
                  sum(open_amount) FILTER (WHERE debit > 0) AS still_due,
                  coalesce(sum(open_amount) FILTER (WHERE credit > 0), 0) AS unallocated
             FROM entries WHERE creditor_id = $1 AND customer_account = $2""",
        creditor,
        account,
    )
    return figures["balance"], figures["still_due"], figures["unallocated"]


async def opening_entry_count(pool, creditor) -> int:
    return await pool.fetchval(
        "SELECT count(*) FROM entries WHERE creditor_id = $1 AND kind = 'opening_balance'", creditor
    )


async def test_next_year_opening_balance_counts_once(ledger_pool):
    """The 2026 file carries FA001 forward and letters it AA with VIR1, which pays it."""
    creditor = await new_creditor(ledger_pool)
    await import_fec(ledger_pool, creditor, FEC_2025, file_name="FEC2025.txt")

    summary = await import_fec(
        ledger_pool, creditor,
        fec_bytes(*opening_balance("FA001", "120,00", "AA"), *transfer("VIR1", "1", "20260120", "120,00", "AA")),
        file_name="FEC2026.txt",
    )
    entries = await entries_by_number(ledger_pool, creditor)
    balance, still_due, unallocated = await account_figures(ledger_pool, creditor)

    assert summary.entries_created == 1
    assert summary.lettering_updated == 1
    assert await opening_entry_count(ledger_pool, creditor) == 0
    assert balance == Decimal("0.00")
    assert still_due == Decimal("0.00")
    assert unallocated == Decimal("0.00")
    assert entries["FA001"]["lettering"] == "AA"
    assert entries["FA001"]["lettering_scope"] == entries["VIR1"]["lettering_scope"]
    assert entries["FA001"]["allocated"] == Decimal("120.00")


async def test_opening_balance_without_code_carries_forward(ledger_pool):
    """An unlettered opening balance is not stored, and FA001 stays due beside the unallocated VIR1."""
    creditor = await new_creditor(ledger_pool)
    await import_fec(ledger_pool, creditor, FEC_2025, file_name="FEC2025.txt")

    summary = await import_fec(
        ledger_pool, creditor,
        fec_bytes(*opening_balance("FA001", "120,00"), *transfer("VIR1", "1", "20260120", "120,00")),
        file_name="FEC2026.txt",
    )
    entries = await entries_by_number(ledger_pool, creditor)
    balance, still_due, unallocated = await account_figures(ledger_pool, creditor)

    assert summary.entries_created == 1
    assert summary.lettering_updated == 0
    assert not [warning for warning in summary.warnings if "à-nouveau" in warning]
    assert await opening_entry_count(ledger_pool, creditor) == 0
    assert balance == Decimal("0.00")
    assert still_due == Decimal("120.00")
    assert unallocated == Decimal("120.00")
    assert entries["FA001"]["lettering"] is None


async def test_opening_code_naming_nothing_warns(ledger_pool):
    """The opening balance names FA999, which the ledger does not have, so VIR1 stays an unallocated credit."""
    creditor = await new_creditor(ledger_pool)
    await import_fec(ledger_pool, creditor, FEC_2025, file_name="FEC2025.txt")

    summary = await import_fec(
        ledger_pool, creditor,
        fec_bytes(*opening_balance("FA999", "120,00", "AA"), *transfer("VIR1", "1", "20260120", "120,00", "AA")),
        file_name="FEC2026.txt",
    )
    entries = await entries_by_number(ledger_pool, creditor)
    balance, still_due, unallocated = await account_figures(ledger_pool, creditor)
    warnings = [warning for warning in summary.warnings if "à-nouveau" in warning]

    assert len(warnings) == 1
    assert warnings[0].startswith("FEC2026.txt, ligne 2\u00a0: l’à-nouveau FA999 du compte C001 est lettré «\u00a0AA\u00a0»")
    assert "aucun document de ce compte antérieur au 01/01/2026 n’a ce numéro avec 120,00\u00a0€ restant dû" in warnings[0]
    assert await opening_entry_count(ledger_pool, creditor) == 0
    assert balance == Decimal("0.00")
    assert still_due == Decimal("120.00")
    assert unallocated == Decimal("120.00")
    assert entries["FA001"]["lettering"] is None
    assert entries["VIR1"]["open_amount"] == Decimal("120.00")


async def test_opening_code_with_other_amount_warns(ledger_pool):
    """FA001 is 120,00 still due, so an opening line FA001 of 60,00 and one of 60,00 for FA002 name no document."""
    creditor = await new_creditor(ledger_pool)
    await import_fec(ledger_pool, creditor, FEC_2025, file_name="FEC2025.txt")

    summary = await import_fec(
        ledger_pool, creditor,
        fec_bytes(
            row("AN", "1", "20260101", "411000", "C001", "FA001", "A nouveau FA001", "60,00", "", "AA"),
            row("AN", "1", "20260101", "411000", "C001", "FA002", "A nouveau FA002", "60,00", "", "AB"),
            row("AN", "1", "20260101", "890000", "", "AN", "A nouveau", "", "120,00"),
        ),
        file_name="FEC2026.txt",
    )
    entries = await entries_by_number(ledger_pool, creditor)

    assert len([warning for warning in summary.warnings if "à-nouveau" in warning]) == 2
    assert await opening_entry_count(ledger_pool, creditor) == 0
    assert entries["FA001"]["lettering"] is None
    assert entries["FA001"]["open_amount"] == Decimal("120.00")


async def test_opening_balance_total_mismatch_rejected(ledger_pool):
    """The 2026 file carries 60,00 forward where the 2025 file left 120,00, so the 2025 file may lack entries."""
    creditor = await new_creditor(ledger_pool)
    await import_fec(ledger_pool, creditor, FEC_2025, file_name="FEC2025.txt")

    with pytest.raises(FecOpeningBalanceError) as raised:
        await import_fec(
            ledger_pool, creditor,
            fec_bytes(*opening_balance("FA001", "60,00", "AA"), *transfer("VIR1", "1", "20260120", "60,00", "AA")),
            file_name="FEC2026.txt",
        )
    message = str(raised.value)

    assert message.startswith(
        "FEC2026.txt\u00a0: rien n’a été importé, car les à-nouveaux du compte C001 diffèrent de son solde"
    )
    assert (
        "Compte C001\u00a0: les imports précédents lui donnent un solde de 120,00\u00a0€ avant le 01/01/2026,"
        " et ses à-nouveaux dans ce fichier (ligne 2) totalisent 60,00\u00a0€." in message
    )
    assert "Importez d’abord les fichiers manquants de l’exercice précédent, ou exportez de nouveau ce fichier" in message
    assert raised.value.accounts == ("C001",)
    assert raised.value.line_numbers == (2,)
    assert await ledger_pool.fetchval("SELECT count(*) FROM imports WHERE creditor_id = $1", creditor) == 1
    assert await ledger_pool.fetchval("SELECT count(*) FROM entries WHERE creditor_id = $1", creditor) == 1


async def test_first_import_stores_opening_balance(ledger_pool):
    """Without an earlier import, the opening balance is stored, and VIR1 settles it."""
    creditor = await new_creditor(ledger_pool)

    summary = await import_fec(
        ledger_pool, creditor,
        fec_bytes(*opening_balance("FA001", "120,00", "AA"), *transfer("VIR1", "1", "20260120", "120,00", "AA")),
        file_name="FEC2026.txt",
    )
    entries = await entries_by_number(ledger_pool, creditor)
    balance, still_due, unallocated = await account_figures(ledger_pool, creditor)

    assert summary.entries_created == 2
    assert entries["FA001"]["kind"] == "opening_balance"
    assert entries["FA001"]["open_amount"] == Decimal("0.00")
    assert balance == Decimal("0.00")
    assert still_due == Decimal("0.00")
    assert unallocated == Decimal("0.00")


async def test_account_without_history_stores_opening_balance(ledger_pool):
    """The 2025 file has no entry on C002, so the 2026 opening balance of C002 is stored and C001's is not."""
    creditor = await new_creditor(ledger_pool)
    await import_fec(ledger_pool, creditor, FEC_2025, file_name="FEC2025.txt")

    summary = await import_fec(
        ledger_pool, creditor,
        fec_bytes(
            row("AN", "1", "20260101", "411000", "C001", "FA001", "A nouveau FA001", "120,00", ""),
            row("AN", "1", "20260101", "411000", "C002", "FB001", "A nouveau FB001", "45,00", ""),
            row("AN", "1", "20260101", "890000", "", "AN", "A nouveau", "", "165,00"),
        ),
        file_name="FEC2026.txt",
    )
    stored = await ledger_pool.fetch(
        "SELECT customer_account, debit FROM entries WHERE creditor_id = $1 AND kind = 'opening_balance'", creditor
    )

    assert summary.entries_created == 1
    assert [(r["customer_account"], r["debit"]) for r in stored] == [("C002", Decimal("45.00"))]
    assert (await account_figures(ledger_pool, creditor, "C001"))[0] == Decimal("120.00")
    assert (await account_figures(ledger_pool, creditor, "C002"))[0] == Decimal("45.00")


async def test_next_year_file_twice_is_no_op(ledger_pool):
    creditor = await new_creditor(ledger_pool)
    await import_fec(ledger_pool, creditor, FEC_2025, file_name="FEC2025.txt")
    next_year = fec_bytes(*opening_balance("FA001", "120,00", "AA"), *transfer("VIR1", "1", "20260120", "120,00", "AA"))
    await import_fec(ledger_pool, creditor, next_year, file_name="FEC2026.txt")
    entries_before = await entries_by_number(ledger_pool, creditor)

    again = await import_fec(ledger_pool, creditor, next_year, file_name="FEC2026.txt")

    assert again.already_imported
    assert await entries_by_number(ledger_pool, creditor) == entries_before


async def test_later_next_year_file_keeps_carry_forward(ledger_pool):
    """A January-to-March 2026 export repeats the opening balance and VIR1 after the January one."""
    creditor = await new_creditor(ledger_pool)
    await import_fec(ledger_pool, creditor, FEC_2025, file_name="FEC2025.txt")
    january = [*opening_balance("FA001", "120,00", "AA"), *transfer("VIR1", "1", "20260120", "120,00", "AA")]
    await import_fec(ledger_pool, creditor, fec_bytes(*january), file_name="FEC2026-01.txt")

    summary = await import_fec(
        ledger_pool, creditor,
        fec_bytes(*january, *invoice("FA101", "2", "20260305", "60,00", "50,00", "10,00")),
        file_name="FEC2026-01-to-03.txt",
    )
    entries = await entries_by_number(ledger_pool, creditor)
    balance, still_due, unallocated = await account_figures(ledger_pool, creditor)

    assert summary.entries_created == 1
    assert not [warning for warning in summary.warnings if "à-nouveau" in warning]
    assert await opening_entry_count(ledger_pool, creditor) == 0
    assert entries["FA001"]["lettering_scope"] == entries["VIR1"]["lettering_scope"]
    assert entries["FA001"]["open_amount"] == Decimal("0.00")
    assert balance == Decimal("60.00")
    assert still_due == Decimal("60.00")
    assert unallocated == Decimal("0.00")


# The 2025 file letters FA001 (120,00) XX with a part payment VIR0 (50,00), which leaves 70,00 due.
FEC_2025_PART_PAID = fec_bytes(
    *invoice("FA001", "7", "20251115", "120,00", "100,00", "20,00", "XX"),
    *transfer("VIR0", "8", "20251201", "50,00", "XX"),
)


async def test_opening_code_keeping_earlier_code_moves_group(ledger_pool):
    """The 2026 file carries FA001's 70,00 forward under XX, the code of 2025, and VIR1 pays it under XX."""
    creditor = await new_creditor(ledger_pool)
    await import_fec(ledger_pool, creditor, FEC_2025_PART_PAID, file_name="FEC2025.txt")

    await import_fec(
        ledger_pool, creditor,
        fec_bytes(*opening_balance("FA001", "70,00", "XX"), *transfer("VIR1", "1", "20260120", "70,00", "XX")),
        file_name="FEC2026.txt",
    )
    entries = await entries_by_number(ledger_pool, creditor)

    assert {entries[number]["lettering_scope"] for number in ("FA001", "VIR0", "VIR1")} == {
        entries["VIR1"]["lettering_scope"]
    }
    for number in ("FA001", "VIR0", "VIR1"):
        assert entries[number]["open_amount"] == Decimal("0.00"), number


async def test_opening_code_leaves_other_group_alone(ledger_pool):
    """Under a new code AA, taking FA001 from XX would leave VIR0 unallocated, so FA001 keeps XX with a warning."""
    creditor = await new_creditor(ledger_pool)
    await import_fec(ledger_pool, creditor, FEC_2025_PART_PAID, file_name="FEC2025.txt")

    summary = await import_fec(
        ledger_pool, creditor,
        fec_bytes(*opening_balance("FA001", "70,00", "AA"), *transfer("VIR1", "1", "20260120", "70,00", "AA")),
        file_name="FEC2026.txt",
    )
    entries = await entries_by_number(ledger_pool, creditor)
    balance, still_due, unallocated = await account_figures(ledger_pool, creditor)

    assert len([warning for warning in summary.warnings if "à-nouveau" in warning]) == 1
    assert entries["FA001"]["lettering"] == "XX"
    assert entries["FA001"]["open_amount"] == Decimal("70.00")
    assert entries["VIR0"]["open_amount"] == Decimal("0.00")
    assert balance == Decimal("0.00")
    assert still_due == Decimal("70.00")
    assert unallocated == Decimal("70.00")


async def test_opening_gross_lines_keep_earlier_group(ledger_pool):
    """The 2026 file carries FA001 (120,00) and VIR0 (50,00) forward as two lines under XX, and VIR1 pays the rest."""
    creditor = await new_creditor(ledger_pool)
    await import_fec(ledger_pool, creditor, FEC_2025_PART_PAID, file_name="FEC2025.txt")

    summary = await import_fec(
        ledger_pool, creditor,
        fec_bytes(
            row("AN", "1", "20260101", "411000", "C001", "FA001", "A nouveau FA001", "120,00", "", "XX"),
            row("AN", "1", "20260101", "411000", "C001", "VIR0", "A nouveau VIR0", "", "50,00", "XX"),
            row("AN", "1", "20260101", "890000", "", "AN", "A nouveau", "", "70,00"),
            *transfer("VIR1", "1", "20260120", "70,00", "XX"),
        ),
        file_name="FEC2026.txt",
    )
    entries = await entries_by_number(ledger_pool, creditor)

    assert not [warning for warning in summary.warnings if "à-nouveau" in warning]
    assert await opening_entry_count(ledger_pool, creditor) == 0
    for number in ("FA001", "VIR0", "VIR1"):
        assert entries[number]["open_amount"] == Decimal("0.00"), number


async def test_card_payment_before_opening_date_not_counted(ledger_pool):
    """FA001 paid by card on 30 December 2025, whose bank receipt the accounting books in January 2026."""
    creditor = await new_creditor(ledger_pool)
    await import_fec(ledger_pool, creditor, FEC_2025, file_name="FEC2025.txt")
    async with ledger_pool.acquire() as connection, connection.transaction():
        await record_payment(
            connection, creditor=creditor, account="C001", payment_id="pay_000001", amount=Decimal("120.00"),
            invoices=[("FA001", Decimal("120.00"))], paid_on=date(2025, 12, 30),
        )

    summary = await import_fec(
        ledger_pool, creditor,
        fec_bytes(*opening_balance("FA001", "120,00"), *transfer("pay_000001", "1", "20260103", "120,00")),
        file_name="FEC2026.txt",
    )
    balance, still_due, unallocated = await account_figures(ledger_pool, creditor)

    assert summary.receipts_matched == 1
    assert summary.entries_created == 0
    assert await opening_entry_count(ledger_pool, creditor) == 0
    assert balance == Decimal("0.00")
    assert still_due == Decimal("0.00")
    assert unallocated == Decimal("0.00")


async def test_earlier_year_after_opening_balance_rejected(ledger_pool):
    """The 2026 file came first, so its opening balance already sums 2025: the 2025 file cannot follow."""
    creditor = await new_creditor(ledger_pool)
    await import_fec(
        ledger_pool, creditor, fec_bytes(*opening_balance("FA001", "120,00")), file_name="FEC2026.txt"
    )

    with pytest.raises(FecOpeningBalanceError) as raised:
        await import_fec(ledger_pool, creditor, FEC_2025, file_name="FEC2025.txt")

    message = str(raised.value)
    assert message.startswith("FEC2025.txt\u00a0: rien n’a été importé, car des lignes de ce fichier sont antérieures")
    assert "Compte C001\u00a0: à-nouveaux au 01/01/2026, et la ligne 2 est antérieure." in message
    assert raised.value.accounts == ("C001",)
    assert await opening_entry_count(ledger_pool, creditor) == 1
    balance, _still_due, _unallocated = await account_figures(ledger_pool, creditor)
    assert balance == Decimal("120.00")


async def test_lines_after_stored_opening_balance_accepted(ledger_pool):
    creditor = await new_creditor(ledger_pool)
    await import_fec(
        ledger_pool, creditor, fec_bytes(*opening_balance("FA001", "120,00")), file_name="FEC2026-01.txt"
    )

    summary = await import_fec(
        ledger_pool, creditor,
        fec_bytes(*invoice("FA002", "2", "20260201", "60,00", "50,00", "10,00")),
        file_name="FEC2026-02.txt",
    )

    assert summary.entries_created == 1


async def test_coded_opening_balance_of_card_paid_invoice(ledger_pool):
    """FA001, paid by card on 30 December, is carried forward under CB, the code of the card receipt of January."""
    creditor = await new_creditor(ledger_pool)
    await import_fec(ledger_pool, creditor, FEC_2025, file_name="FEC2025.txt")
    async with ledger_pool.acquire() as connection, connection.transaction():
        await record_payment(
            connection, creditor=creditor, account="C001", payment_id="pay_000001", amount=Decimal("120.00"),
            invoices=[("FA001", Decimal("120.00"))], paid_on=date(2025, 12, 30),
        )

    summary = await import_fec(
        ledger_pool, creditor,
        fec_bytes(*opening_balance("FA001", "120,00", "CB"), *transfer("pay_000001", "1", "20260103", "120,00", "CB")),
        file_name="FEC2026.txt",
    )
    entries = await entries_by_number(ledger_pool, creditor)
    balance, still_due, unallocated = await account_figures(ledger_pool, creditor)

    assert summary.warnings == []
    assert summary.receipts_matched == 1
    assert entries["FA001"]["lettering"] == entries["pay_000001"]["lettering"] == "CB"
    assert entries["FA001"]["lettering_scope"] == entries["pay_000001"]["lettering_scope"]
    assert (balance, still_due, unallocated) == (Decimal("0.00"), Decimal("0.00"), Decimal("0.00"))
