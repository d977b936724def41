"""Migration 0018, which cleans the control characters out of labels stored before the importer replaced them."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from pydantic import TypeAdapter

from services.ledger.creditors import upsert_creditor
from services.ledger.documents.fields import Text
from services.ledger.fec.controls import _CONTROLS
from services.registry import service_definition
from tests.ledger.migration_support import ledger_before

MIGRATION_NAME = "0018_label_control_characters.sql"
# The importer's class for a field of a pipe-separated file with LF line breaks: the widest one.
IMPORT_CONTROLS = _CONTROLS["|", "\n"]
RAW_LABELS = [
    "Facture\x0bjuillet",
    "Facture \x0c\x0c juillet",
    "Avoir\x01",
    "\x1bRèglement",
    "Agence\x85des Pins",
    "Loyer\u2028août",
    "Virement\u202eFA220001\u202c",
    "Prélèvement\x7f\x9f",
    "Libellé\tavec tabulation",
    "Fin\u00a0\x01",
    "\x02\u00a0Début",
    "\x03",
]
CLEAN_LABELS = ["Facture juillet", "FA\u200b220001", "Agence\u00a0des Pins", "Écriture d’août", ""]


def migration_constant(name: str) -> str:
    sql = (service_definition("ledger").migration_folders[1] / MIGRATION_NAME).read_text(encoding="utf-8")
    match = re.search(rf"{name} constant text := '([^']+)'", sql)
    assert match is not None, f"no {name} in the migration"
    return match.group(1)


def all_characters() -> str:
    """Every code point that PostgreSQL can store in a text: all but NUL and the surrogates."""
    return "".join(chr(code) for code in range(1, sys.maxunicode + 1) if not 0xD800 <= code <= 0xDFFF)


def cleaned_by_import(label: str) -> str:
    """What the importer now stores for a label field: each run of controls becomes a space, then the field is stripped."""
    return IMPORT_CONTROLS.sub(" ", label).strip()


async def test_control_class_is_the_importers(ledger_pool):
    text = all_characters()

    kept_by_sql = await ledger_pool.fetchval(
        "SELECT regexp_replace($1, $2, '', 'g')", text, migration_constant("control_characters")
    )

    # LF ends the lines of the importer's file, so no field contains one. The migration cleans it from labels too.
    assert kept_by_sql == IMPORT_CONTROLS.sub("", text).replace("\n", "")


async def test_white_space_class_is_pythons(ledger_pool):
    text = all_characters()

    kept_by_sql = await ledger_pool.fetchval(
        "SELECT regexp_replace($1, $2, '', 'g')", text, migration_constant("python_white_space")
    )

    assert kept_by_sql == "".join(character for character in text if not character.isspace())


@pytest.mark.parametrize("label", [label for label in RAW_LABELS if re.search("[\x00-\x1f\x7f-\x9f]", label)])
def test_document_text_accepts_cleaned_label(label):
    cleaned = cleaned_by_import(label)

    with pytest.raises(ValueError):
        TypeAdapter(Text).validate_python(label)
    if cleaned:
        assert TypeAdapter(Text).validate_python(cleaned) == cleaned


async def test_migration_cleans_stored_labels(engines, tmp_path: Path):
    labels = RAW_LABELS + CLEAN_LABELS

    async with ledger_before(engines, tmp_path, MIGRATION_NAME) as ledger:
        connection = ledger.connection
        await upsert_creditor(connection, "cred", "Créancier")
        for index, label in enumerate(labels):
            account = f"C{index:03d}"
            await connection.execute(
                "INSERT INTO customer_accounts (creditor_id, account_number, label) VALUES ('cred', $1, $2)",
                account, label,
            )
            await connection.execute(
                """INSERT INTO entries (creditor_id, customer_account, kind, document_number, search_key,
                                        document_date, label, debit, credit, open_amount, source, source_key)
                   VALUES ('cred', $1, 'invoice', $2, $2, '2026-05-05', $3, 10, 0, 10, 'fec', $4)""",
                account, f"FA{index:04d}", label, f"fec|VT|{index}|2026-05-05|FA{index:04d}|{account}|10.00|0|1",
            )
        totals_before = await connection.fetch("SELECT * FROM account_daily_totals ORDER BY customer_account, day")
        applied = await ledger.apply(MIGRATION_NAME)
        entry_labels = [
            row["label"] for row in await connection.fetch("SELECT label FROM entries ORDER BY customer_account")
        ]
        account_labels = [
            row["label"] for row in await connection.fetch("SELECT label FROM customer_accounts ORDER BY account_number")
        ]
        totals_after = await connection.fetch("SELECT * FROM account_daily_totals ORDER BY customer_account, day")

    assert applied == [f"ledger/migrations/{MIGRATION_NAME}"]
    expected = [cleaned_by_import(label) for label in labels]
    assert entry_labels == expected
    assert account_labels == expected
    assert entry_labels[len(RAW_LABELS):] == CLEAN_LABELS
    assert entry_labels[0] == "Facture juillet"
    assert entry_labels[9] == "Fin"
    assert totals_after == totals_before
