"""search_key, the document number by which payments meet invoices, and the migration that recomputed stored keys."""

from __future__ import annotations

import re
import sys
import unicodedata
import uuid
from decimal import Decimal
from pathlib import Path

import pytest

from services.ledger.creditors import upsert_creditor
from services.ledger.domain import search_key
from services.ledger.operations import record_payment
from services.registry import service_definition
from tests.ledger.migration_support import ledger_before
from tests.ledger.test_fec_fixtures import fixtures_dir, pipe_fec, tab_fec  # noqa: F401 (pytest fixtures)
from tests.ledger.test_operations import entry, seeded_account

MIGRATION_NAME = "0017_search_key_format_characters.sql"
FORMAT_CHARACTERS = ["\u200b", "\u2060", "\u00ad", "\ufeff", "\u200e", "\U000e0041"]
# Crafted document numbers with white space, case, symbols and a « ß », which upper() turns into « SS ».
NUMBERS_WITHOUT_FORMAT_CHARACTERS = [
    "FA220001", "fa2026-000019", "FA  0002", "AV 30\t1", "pay_01J9ZK4T", "Straße 5", "ÉCH\u00a012", "", " \n ",
]


def old_search_key(document_number: str) -> str:
    """The rule before format characters were dropped: upper case, without any white space."""
    return "".join(document_number.split()).upper()


def all_characters() -> str:
    """Every code point that PostgreSQL can store in a text: all but NUL and the surrogates."""
    return "".join(chr(code) for code in range(1, sys.maxunicode + 1) if not 0xD800 <= code <= 0xDFFF)


def migration_character_class() -> str:
    sql = (service_definition("ledger").migration_folders[1] / MIGRATION_NAME).read_text(encoding="utf-8")
    match = re.search(r"format_characters constant text := '([^']+)'", sql)
    assert match is not None, "no format_characters class in the migration"
    return match.group(1)


@pytest.mark.parametrize("character", FORMAT_CHARACTERS)
def test_search_key_drops_format_character(character):
    assert search_key(f"FA{character}220001") == "FA220001"
    assert search_key(f"{character}fa 2200{character}01{character}") == "FA220001"


@pytest.mark.parametrize("number", NUMBERS_WITHOUT_FORMAT_CHARACTERS)
def test_search_key_unchanged_without_format_characters(number):
    assert search_key(number) == old_search_key(number)


def test_search_key_unchanged_on_fixture_numbers(tab_fec, pipe_fec):
    numbers = {line.piece_ref for fec in (tab_fec, pipe_fec) for line in fec.lines}

    assert len(numbers) > 100
    for number in numbers:
        assert search_key(number) == old_search_key(number), repr(number)


def test_search_key_is_old_key_without_format_characters():
    # Migration 0017 relies on this: the new key is the stored old key with its format characters removed.
    text = all_characters()
    for start in range(0, len(text), 4096):
        chunk = text[start:start + 4096]
        old_without_format = "".join(c for c in old_search_key(chunk) if unicodedata.category(c) != "Cf")

        assert search_key(chunk) == old_without_format, f"from U+{ord(chunk[0]):04X}"


async def test_migration_class_matches_python(ledger_pool):
    text = all_characters()
    expected = "".join(c for c in text if unicodedata.category(c) != "Cf")

    removed_by_sql = await ledger_pool.fetchval(
        "SELECT regexp_replace($1, $2, '', 'g')", text, migration_character_class()
    )

    assert removed_by_sql == expected


async def test_payment_meets_invoice_with_zero_width_space(ledger_pool):
    creditor = await seeded_account(ledger_pool, ("FA\u200b220001", "120,00"))

    async with ledger_pool.acquire() as connection, connection.transaction():
        await record_payment(
            connection, creditor=creditor, account="C001", payment_id=f"pay-{uuid.uuid4().hex[:8]}",
            amount=Decimal("120.00"), invoices=[("FA220001", Decimal("120.00"))],
        )
    invoice = await entry(ledger_pool, creditor, "FA\u200b220001")
    pending = await ledger_pool.fetchval("SELECT count(*) FROM pending_allocations WHERE creditor_id = $1", creditor)

    assert invoice["search_key"] == "FA220001"
    assert invoice["open_amount"] == Decimal("0.00")
    assert pending == 0


async def test_migration_recomputes_stored_keys(engines, tmp_path: Path):
    numbers = ["FA\u200b220001", "fa\u2060 22\u00ad0002", "FA220003", "\ufeffAV 7"]

    async with ledger_before(engines, tmp_path, MIGRATION_NAME) as ledger:
        connection = ledger.connection
        await upsert_creditor(connection, "cred", "Créancier")
        await connection.execute("INSERT INTO customer_accounts (creditor_id, account_number) VALUES ('cred', 'C001')")
        for index, number in enumerate(numbers):
            entry_id = await connection.fetchval(
                """INSERT INTO entries (creditor_id, customer_account, kind, document_number, search_key,
                                        document_date, label, debit, credit, open_amount, source, source_key)
                   VALUES ('cred', 'C001', 'payment', $1, $2, '2026-05-05', 'Virement', 0, 10, 10,
                           'payment', $3)
                   RETURNING id""",
                number, old_search_key(number), f"payment:{index}",
            )
            await connection.execute(
                """INSERT INTO pending_allocations (creditor_id, customer_account, credit_entry_id, search_key,
                                                   document_number, amount)
                   VALUES ('cred', 'C001', $1, $2, $3, 10)""",
                entry_id, old_search_key(number), number,
            )
        applied = await ledger.apply(MIGRATION_NAME)
        entry_keys = dict(await connection.fetch("SELECT document_number, search_key FROM entries"))
        pending_keys = dict(await connection.fetch("SELECT document_number, search_key FROM pending_allocations"))

    assert applied == [f"ledger/migrations/{MIGRATION_NAME}"]
    for number in numbers:
        assert entry_keys[number] == search_key(number), repr(number)
        assert pending_keys[number] == search_key(number), repr(number)
    assert entry_keys["FA\u200b220001"] == "FA220001"
    assert entry_keys["fa\u2060 22\u00ad0002"] == "FA220002"
    assert entry_keys["\ufeffAV 7"] == "AV7"
