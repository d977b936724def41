"""The import plan: its one-pass keys and reserved entry ids, compared with the ways they were computed before."""

from __future__ import annotations

import pytest

from bench.bench_fec_import import scaled_file
from services.ledger import importer
from services.ledger.fec import analyse_fec, read_fec
from services.ledger.import_writer import _bookings, _document_entries_by_number, line_keys, source_keys
from services.ledger.importer import import_fec
from tests.conftest import fixture_path
from tests.ledger.test_import import FILE_PIPE, FILE_TAB, fec_bytes, new_creditor, row
from tests.ledger.test_import_dump import normalised_dump
from tests.ledger.test_statement import invoice_rows, payment_rows


def customer_lines(data: bytes, encoding: str | None = None) -> list:
    analysis = analyse_fec(read_fec(data, encoding=encoding))
    return [line for line in analysis.customer_lines if line.debit != line.credit]


def crafted_file() -> bytes:
    """Lines repeated identically, lines without PieceRef, credit notes, opening balances and shared numbers."""
    return fec_bytes(
        *invoice_rows("FA1", "1", "20250103", "C001", "100,00", "A"),
        *invoice_rows("FA1", "1", "20250103", "C001", "100,00", "A"),
        *invoice_rows("FA 2", "2", "20250104", "C002", "50,00"),
        *invoice_rows("fa2", "3", "20250105", "C003", "70,00"),
        *invoice_rows("", "4", "20250106", "C001", "30,00"),
        *payment_rows("VIR1", "5", "20250110", "C001", "100,00", "A"),
        *payment_rows("", "6", "20250111", "C002", "20,00"),
        row("VE", "7", "20250112", "411000", "C002", "AV1", "Avoir", "", "12,00"),
        row("VE", "7", "20250112", "706000", "", "AV1", "Avoir", "12,00", ""),
        row("AN", "8", "20250101", "411000", "C003", "FA0", "A nouveau", "40,00", ""),
        row("AN", "8", "20250101", "411000", "C003", "FA0", "A nouveau", "15,00", ""),
        row("AN", "8", "20250101", "890000", "", "FA0", "A nouveau", "", "55,00"),
    )


@pytest.mark.parametrize(
    "name",
    ["tab", "pipe", "tab-x3", "crafted"],
)
def test_line_keys_match_separate_functions(name):
    if name == "pipe":
        lines = customer_lines(fixture_path(*FILE_PIPE).read_bytes(), "cp1252")
    elif name == "tab":
        lines = customer_lines(fixture_path(*FILE_TAB).read_bytes())
    elif name == "tab-x3":
        lines = customer_lines(scaled_file(fixture_path(*FILE_TAB).read_bytes(), 3))
    else:
        lines = customer_lines(crafted_file())
    bookings, booking_totals = _bookings(lines)

    keys = line_keys(lines)

    assert keys.source_keys == source_keys(lines)
    assert keys.bookings == bookings
    assert keys.booking_totals == booking_totals
    assert [str(total) for total in keys.booking_totals.values()] == [str(total) for total in booking_totals.values()]
    assert keys.entries_by_number == _document_entries_by_number(lines)
    assert keys.accounts == sorted({line.customer_account for line in lines})
    assert any(bookings)


def test_line_keys_of_no_lines():
    keys = line_keys([])

    assert keys.source_keys == []
    assert keys.bookings == []
    assert keys.booking_totals == {}
    assert keys.entries_by_number == {}
    assert keys.accounts == []


async def test_import_skips_daily_totals_triggers(ledger_pool, monkeypatch):
    creditor = await new_creditor(ledger_pool)
    settings_seen = []
    original_write_import = importer.write_import

    async def recording_write_import(connection, *args, **kwargs):
        settings_seen.append(await connection.fetchval("SELECT current_setting('mf.skip_daily_totals', true)"))
        result = await original_write_import(connection, *args, **kwargs)
        settings_seen.append(await connection.fetchval("SELECT current_setting('mf.skip_daily_totals', true)"))
        return result

    monkeypatch.setattr(importer, "write_import", recording_write_import)
    data = fec_bytes(*invoice_rows("FA1", "1", "20250103", "C001", "100,00"))

    await import_fec(ledger_pool, creditor, data, file_name="first.txt")

    assert settings_seen == ["on", "off"]


@pytest.mark.parametrize("reserved", ["none", "too few"])
async def test_import_without_reserved_ids_stores_same(ledger_pool, monkeypatch, reserved):
    data = fixture_path(*FILE_PIPE).read_bytes()
    with_reserved = await new_creditor(ledger_pool)
    await import_fec(ledger_pool, with_reserved, data, file_name=FILE_PIPE[1], encoding="cp1252")
    original_write_import = importer.write_import
    given_ids = []

    async def write_import_taking_ids(*args, reserved_ids, **kwargs):
        given_ids.append(reserved_ids)
        kept = None if reserved == "none" else reserved_ids[:3]
        return await original_write_import(*args, reserved_ids=kept, **kwargs)

    monkeypatch.setattr(importer, "write_import", write_import_taking_ids)
    without_reserved = await new_creditor(ledger_pool)
    await import_fec(ledger_pool, without_reserved, data, file_name=FILE_PIPE[1], encoding="cp1252")
    ids = await ledger_pool.fetch("SELECT id FROM entries WHERE creditor_id = $1 ORDER BY id", without_reserved)

    assert len(given_ids[0]) == 151
    assert not {row["id"] for row in ids} & set(given_ids[0])
    assert await normalised_dump(ledger_pool, without_reserved) == await normalised_dump(ledger_pool, with_reserved)
