"""The import plan: its one-pass keys and reserved entry ids, compared with the ways they were computed before."""

from __future__ import annotations

from decimal import Decimal

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


TOTALS_COLUMNS = (
    "customer_account, day, entry_count, debit, credit, open_signed, open_debit_count, open_debit_debit,"
    " open_debit_amount"
)


async def stored_totals(pool, creditor) -> list[tuple]:
    rows = await pool.fetch(
        f"SELECT {TOTALS_COLUMNS} FROM account_daily_totals WHERE creditor_id = $1 ORDER BY customer_account, day",
        creditor,
    )
    return [tuple(row) for row in rows]


async def totals_from_entries(pool, creditor) -> list[tuple]:
    """Return the per-day totals that `recompute_account_daily_totals` builds from the entries."""
    rows = await pool.fetch(
        f"""SELECT customer_account, document_date AS day, count(*) AS entry_count, sum(debit) AS debit,
                   sum(credit) AS credit, sum(CASE WHEN debit > 0 THEN open_amount ELSE -open_amount END) AS open_signed,
                   count(*) FILTER (WHERE debit > 0 AND open_amount > 0) AS open_debit_count,
                   coalesce(sum(debit) FILTER (WHERE debit > 0 AND open_amount > 0), 0) AS open_debit_debit,
                   coalesce(sum(open_amount) FILTER (WHERE debit > 0 AND open_amount > 0), 0) AS open_debit_amount
              FROM entries WHERE creditor_id = $1
             GROUP BY customer_account, document_date
             ORDER BY customer_account, document_date""",
        creditor,
    )
    return [tuple(row) for row in rows]


async def test_daily_totals_follow_real_files(ledger_pool):
    creditor = await new_creditor(ledger_pool)
    data = fixture_path(*FILE_TAB).read_bytes()

    await import_fec(ledger_pool, creditor, data, file_name=FILE_TAB[1])
    first = await stored_totals(ledger_pool, creditor)
    await import_fec(ledger_pool, creditor, scaled_file(data, 3), file_name="x3.txt")

    assert len(first) > 100
    assert first != await stored_totals(ledger_pool, creditor)
    assert await stored_totals(ledger_pool, creditor) == await totals_from_entries(ledger_pool, creditor)


async def test_later_import_keeps_untouched_days(ledger_pool):
    # A later file re-letters the first invoice (its open amount falls to
    # zero), adds a payment, and leaves the second invoice's day alone. The
    # row of that day is not rewritten, so the cost of an import follows its
    # lines and not the size of the account.
    creditor = await new_creditor(ledger_pool)
    january = [*invoice_rows("FA1", "1", "20250103", "C001", "120,00"), *invoice_rows("FA2", "2", "20250110", "C001", "60,00")]
    await import_fec(ledger_pool, creditor, fec_bytes(*january), file_name="january.txt")
    untouched_before = await ledger_pool.fetchval(
        "SELECT xmin::text FROM account_daily_totals WHERE creditor_id = $1 AND day = '2025-01-10'", creditor
    )

    february = [
        *invoice_rows("FA1", "1", "20250103", "C001", "120,00", "AA"),
        *invoice_rows("FA2", "2", "20250110", "C001", "60,00"),
        *payment_rows("VIR1", "3", "20250205", "C001", "120,00", "AA"),
    ]
    await import_fec(ledger_pool, creditor, fec_bytes(*february), file_name="february.txt")

    untouched_after = await ledger_pool.fetchval(
        "SELECT xmin::text FROM account_daily_totals WHERE creditor_id = $1 AND day = '2025-01-10'", creditor
    )
    assert untouched_after == untouched_before
    totals = await stored_totals(ledger_pool, creditor)
    assert totals == await totals_from_entries(ledger_pool, creditor)
    assert [(day.isoformat(), open_signed) for _account, day, _count, _debit, _credit, open_signed, *_ in totals] == [
        ("2025-01-03", Decimal("0.00")),
        ("2025-01-10", Decimal("60.00")),
        ("2025-02-05", Decimal("0.00")),
    ]


@pytest.mark.parametrize("reserved", ["none", "too few"])
async def test_import_without_reserved_ids_stores_same(ledger_pool, monkeypatch, reserved):
    data = fixture_path(*FILE_PIPE).read_bytes()
    with_reserved = await new_creditor(ledger_pool)
    await import_fec(ledger_pool, with_reserved, data, file_name=FILE_PIPE[1], encoding="cp1252")
    original_write_import = importer.write_import
    given_ids = []

    async def write_import_taking_ids(*args, reserved_ids, **kwargs):
        given_ids.append(reserved_ids)
        passed_ids = None if reserved == "none" else reserved_ids[:3]
        return await original_write_import(*args, reserved_ids=passed_ids, **kwargs)

    monkeypatch.setattr(importer, "write_import", write_import_taking_ids)
    without_reserved = await new_creditor(ledger_pool)
    await import_fec(ledger_pool, without_reserved, data, file_name=FILE_PIPE[1], encoding="cp1252")
    ids = await ledger_pool.fetch("SELECT id FROM entries WHERE creditor_id = $1 ORDER BY id", without_reserved)

    assert len(given_ids[0]) == 151
    assert not {row["id"] for row in ids} & set(given_ids[0])
    assert await normalised_dump(ledger_pool, without_reserved) == await normalised_dump(ledger_pool, with_reserved)
