"""Very long FEC values: codes the ledger indexes are bounded, labels are stored whole."""

from __future__ import annotations

import hashlib

import pytest

from services.ledger.fec import FecValueError
from services.ledger.fec.analysis import MAX_CODE_LENGTH
from services.ledger.importer import import_fec
from tests.ledger.test_import import HEADER, new_creditor

# Hexadecimal digests, which PostgreSQL cannot compress below its index entry limit of 2,704 bytes.
LONG_CODE = "".join(hashlib.sha256(str(index).encode()).hexdigest() for index in range(50))
COLUMN_INDEXES = {name: index for index, name in enumerate(HEADER.split("\t"))}


def invoice_file(**values: str) -> bytes:
    """Build an invoice of customer C001 and its payment, lettered AA, with `values` in their customer lines."""
    day = "20260110"
    rows = [
        ["VE", "Ventes", "1", day, "411000", "Clients", "C001", "Agence", "FA1", day, "Facture", "120,00", "", "AA",
         day, day, "", ""],
        ["VE", "Ventes", "1", day, "706000", "Ventes", "", "", "FA1", day, "Facture", "", "120,00", "", "", day, "",
         ""],
        ["BQ", "Banque", "2", day, "411000", "Clients", "C001", "Agence", "VIR1", day, "Virement", "", "120,00", "AA",
         day, day, "", ""],
        ["BQ", "Banque", "2", day, "512000", "Banque", "", "", "VIR1", day, "Virement", "120,00", "", "", "", day,
         "", ""],
    ]
    for index, row in enumerate(rows):
        for column, value in values.items():
            # The entry keys go on every line, so that each entry still balances.
            if column in ("JournalCode", "EcritureNum") or index in (0, 2):
                row[COLUMN_INDEXES[column]] = value
    return ("\n".join([HEADER, *("\t".join(row) for row in rows)]) + "\n").encode()


@pytest.mark.parametrize("column", ["JournalCode", "EcritureNum", "PieceRef", "CompAuxNum", "EcritureLet"])
async def test_long_code_is_rejected(ledger_pool, column):
    creditor = await new_creditor(ledger_pool)

    with pytest.raises(FecValueError) as error:
        await import_fec(ledger_pool, creditor, invoice_file(**{column: LONG_CODE}), file_name="f.txt")

    assert str(error.value).startswith(
        f"f.txt, ligne 2, colonne {column}\u00a0: la valeur «\u00a0{LONG_CODE[:40]}…\u00a0» compte 3\u202f200"
        " caractères, alors que le grand livre enregistre au plus 100 caractères dans cette colonne"
    )
    assert error.value.column == column
    assert error.value.value == LONG_CODE
    assert await ledger_pool.fetchval("SELECT count(*) FROM imports WHERE creditor_id = $1", creditor) == 0


async def test_code_of_max_length_is_stored(ledger_pool):
    creditor = await new_creditor(ledger_pool)
    code = LONG_CODE[:MAX_CODE_LENGTH]

    await import_fec(ledger_pool, creditor, invoice_file(PieceRef=code, EcritureLet=code), file_name="f.txt")
    row = await ledger_pool.fetchrow(
        "SELECT document_number, lettering, open_amount FROM entries WHERE creditor_id = $1 AND kind = 'invoice'",
        creditor,
    )

    assert row["document_number"] == code
    assert row["lettering"] == code
    assert row["open_amount"] == 0


async def test_long_label_is_stored_whole(ledger_pool):
    creditor = await new_creditor(ledger_pool)
    label = LONG_CODE * 20

    await import_fec(ledger_pool, creditor, invoice_file(EcritureLib=label, CompAuxLib=label), file_name="f.txt")
    stored = await ledger_pool.fetchval(
        "SELECT label FROM entries WHERE creditor_id = $1 AND kind = 'invoice'", creditor
    )
    customer_label = await ledger_pool.fetchval(
        "SELECT label FROM customer_accounts WHERE creditor_id = $1", creditor
    )

    assert stored == label
    assert customer_label == label
