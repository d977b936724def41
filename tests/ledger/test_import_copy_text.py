"""The import's COPY text rows and Python-built events, compared with the binary records and SQL they replace."""

from __future__ import annotations

import asyncio
import hashlib
import json
from datetime import date
from decimal import Decimal

import asyncpg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.ledger import import_writer, importer
from services.ledger.domain import parse_payment_terms
from services.ledger.events import _stored_amount, add_document_issued_events
from services.ledger.fec import analyse_fec, read_fec
from services.ledger.fec.vat import VatBreakdown
from services.ledger.import_writer import ENTRY_COLUMNS, PlannedEntry, _BreakdownTexts, _DueDates, _new_entry, source_keys
from services.ledger.importer import import_fec
from services.ledger.operations import record_payment
from shared.db import EncodedJson, copy_text, copy_text_rows, run_during
from tests.conftest import fixture_path
from tests.ledger.test_import import FILE_PIPE, FILE_TAB, fec_bytes, new_creditor, row
from tests.ledger.test_statement import day, invoice_rows, payment_rows

AWKWARD_TEXTS = [
    "",
    "tab\there",
    "new\nline",
    "carriage\rreturn",
    "back\\slash",
    "\\N",
    "\\.",
    "N",
    "guillemets « et » apostrophe ’ et euro €",
    'quote " and {"json": [1]}',
    "trailing backslash\\",
]


def old_breakdown_json(rows) -> EncodedJson | None:
    """The VAT breakdown as the binary COPY sent it before the text COPY: json.dumps of dicts of strings."""
    if not rows:
        return None
    items = [
        {"rate": None if item.rate is None else str(item.rate), "base": str(item.base), "vat": str(item.vat)}
        for item in rows
    ]
    return EncodedJson(json.dumps(items, separators=(",", ":")).encode())


def planned_entries(name: str, encoding: str | None, creditor: str, import_id: int):
    """Plan the new entries of a real file as `write_import` does, with ids and open amounts set."""
    data = fixture_path("fec", name).read_bytes()
    analysis = analyse_fec(read_fec(data, encoding=encoding, source=name))
    lines = [line for line in analysis.customer_lines if line.debit != line.credit]
    due_dates = _DueDates(parse_payment_terms("30 jours fin de mois"))
    breakdowns = _BreakdownTexts()
    entries = [
        _new_entry(creditor, import_id, key, line, due_dates, breakdowns, f"import:{import_id}")
        for key, line in zip(source_keys(lines), lines)
    ]
    for index, (entry, line) in enumerate(zip(entries, lines), start=1):
        entry.id = index
        entry.open_amount = entry.debit + entry.credit - Decimal("0.50") * (index % 3 == 0)
    return entries, [old_breakdown_json(line.vat_breakdown) for line in lines]


def crafted_entries(creditor: str, import_id: int):
    """Entries whose texts, dates and amounts stress the text format."""
    breakdowns = _BreakdownTexts()
    vat_rows = [
        (VatBreakdown(rate=Decimal("20"), base=Decimal("100.00"), vat=Decimal("20.00")),),
        (VatBreakdown(rate=None, base=Decimal("1E+2"), vat=Decimal("0")),
         VatBreakdown(rate=Decimal("5.5"), base=Decimal("10.0"), vat=Decimal("0.55"))),
        (),
    ]
    entries, old_breakdowns = [], []
    for index, text in enumerate(AWKWARD_TEXTS, start=1):
        rows = vat_rows[index % len(vat_rows)]
        debit = Decimal("12.3") if index % 2 else Decimal("0")
        credit = Decimal("0") if index % 2 else Decimal("1E+1")
        lettering = None if index % 4 == 0 else f"L{text}"
        entry = PlannedEntry(
            id=index, source_key=f"fec|{text}|{index}", customer_account=f"C{text}", kind="invoice",
            document_number=f"FA{text}", document_date=date(2026, 7, index), due_date=None if index % 2 else date(2026, 8, 31),
            debit=debit, credit=credit, lettering=lettering, lettering_date=None if lettering is None else date(2026, 9, 1),
            lettering_scope=None if lettering is None else f"import:{text}", ledger_allocated=Decimal("0"),
            open_before=None, open_amount=debit + credit, is_new=True,
        )
        entry.record = (
            None, creditor, entry.customer_account, "invoice", entry.document_number, text.upper(), entry.document_date,
            entry.due_date, text, debit, credit, debit + credit, lettering, entry.lettering_date, entry.lettering_scope,
            Decimal("10.25") if rows else None, Decimal("2.05") if rows else None,
            breakdowns.text(rows) if rows else None, "fec", entry.source_key, import_id,
        )
        entries.append(entry)
        old_breakdowns.append(old_breakdown_json(rows))
    return entries, old_breakdowns


def binary_records(entries, old_breakdowns):
    """The records that the binary COPY received before: the entry's record, its id, open amount and old JSON."""
    return [
        (entry.id, *entry.record[1:11], entry.open_amount, *entry.record[12:17], breakdown, *entry.record[18:])
        for entry, breakdown in zip(entries, old_breakdowns)
    ]


async def stored_both_ways(connection, entries, old_breakdowns):
    """COPY the entries as text into one table and as the old binary records into another; return both tables."""
    for table in ("copied_as_text", "copied_as_binary"):
        await connection.execute(
            f"CREATE TEMP TABLE {table} AS SELECT {', '.join(ENTRY_COLUMNS)} FROM entries LIMIT 0"
        )
    await copy_text_rows(connection, "copied_as_text", ENTRY_COLUMNS, import_writer._entry_copy_rows(entries))
    await connection.copy_records_to_table(
        "copied_as_binary", records=binary_records(entries, old_breakdowns), columns=ENTRY_COLUMNS
    )
    as_text = await connection.fetch("SELECT * FROM copied_as_text ORDER BY id")
    as_binary = await connection.fetch("SELECT * FROM copied_as_binary ORDER BY id")
    return as_text, as_binary


@pytest.mark.parametrize("name,encoding", [(FILE_TAB[1], None), (FILE_PIPE[1], "cp1252")])
async def test_entry_text_rows_match_binary_real(ledger_pool, name, encoding):
    entries, old_breakdowns = planned_entries(name, encoding, "cred-réel", 7)

    async with ledger_pool.acquire() as connection, connection.transaction():
        as_text, as_binary = await stored_both_ways(connection, entries, old_breakdowns)
        await connection.execute("DROP TABLE copied_as_text, copied_as_binary")

    assert len(as_text) == len(entries)
    assert [dict(record) for record in as_text] == [dict(record) for record in as_binary]
    assert any(record["vat_breakdown"] for record in as_text)


async def test_entry_text_rows_match_binary_crafted(ledger_pool):
    entries, old_breakdowns = crafted_entries("cred\\tab\t’", 8)

    async with ledger_pool.acquire() as connection, connection.transaction():
        as_text, as_binary = await stored_both_ways(connection, entries, old_breakdowns)
        await connection.execute("DROP TABLE copied_as_text, copied_as_binary")

    assert [dict(record) for record in as_text] == [dict(record) for record in as_binary]
    assert [record["label"] for record in as_text] == AWKWARD_TEXTS


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30))
async def test_copy_text_round_trips_any_text(ledger_pool, text):
    async with ledger_pool.acquire() as connection, connection.transaction():
        await connection.execute("CREATE TEMP TABLE texts (value text) ON COMMIT DROP")
        await copy_text_rows(connection, "texts", ["value"], [copy_text(text) + "\n"])
        stored = await connection.fetchval("SELECT value FROM texts")

    assert stored == text


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(amount=st.decimals(min_value=Decimal("0"), max_value=Decimal("99999999"), places=4))
async def test_stored_amount_matches_numeric_column(ledger_pool, amount):
    stored = await ledger_pool.fetchval("SELECT $1::numeric::numeric(15, 2)::text", amount)

    assert str(_stored_amount(amount)) == stored


@pytest.mark.parametrize("amount", ["-0", "-0.00", "-0.004", "0.005", "0.015", "1E+2", "12.3", "7.125"])
async def test_stored_amount_edge_cases(ledger_pool, amount):
    stored = await ledger_pool.fetchval("SELECT $1::numeric::numeric(15, 2)::text", Decimal(amount))

    assert str(_stored_amount(Decimal(amount))) == stored


async def issued_events_both_ways(pool, creditor: str, correlation_id: str | None = "req-7"):
    """Return the events the import wrote for its documents, and those the SQL builder makes from the stored rows."""
    import_id, first_id, last_id = await pool.fetchrow(
        """SELECT import_id, min(id), max(id) FROM entries WHERE creditor_id = $1 AND import_id IS NOT NULL
            GROUP BY import_id ORDER BY import_id DESC LIMIT 1""",
        creditor,
    )
    select = """SELECT payload FROM outbox
                 WHERE subject = 'ledger.document.issued' AND payload->>'creditor_id' = $1
                   AND (payload->'data'->>'entry_id')::bigint BETWEEN $2 AND $3
                 ORDER BY position"""
    async with pool.acquire() as connection:
        written = [record["payload"] for record in await connection.fetch(select, creditor, first_id, last_id)]
        transaction = connection.transaction()
        await transaction.start()
        try:
            position = await connection.fetchval("SELECT max(position) FROM outbox")
            await add_document_issued_events(
                connection, creditor, import_id, first_id, last_id, correlation_id=correlation_id
            )
            from_sql = [
                record["payload"]
                for record in await connection.fetch(
                    "SELECT payload FROM outbox WHERE position > $1 ORDER BY position", position
                )
            ]
        finally:
            await transaction.rollback()
    return written, from_sql


def without_ids(payload: dict) -> dict:
    return {key: value for key, value in payload.items() if key not in ("event_id", "occurred_at")}


async def assert_events_match_sql(pool, creditor: str, correlation_id: str | None = "req-7") -> list[dict]:
    written, from_sql = await issued_events_both_ways(pool, creditor, correlation_id)
    assert written
    assert [without_ids(payload) for payload in written] == [without_ids(payload) for payload in from_sql]
    assert [payload["event_id"] for payload in written] == sorted(payload["event_id"] for payload in written)
    assert [payload["event_id"][-8:] for payload in written] == [f"{n:08x}" for n in range(1, len(written) + 1)]
    return written


@pytest.mark.parametrize("file", [FILE_TAB, FILE_PIPE])
async def test_issued_events_match_sql_real(ledger_pool, file):
    creditor = await new_creditor(ledger_pool)
    data = fixture_path(*file).read_bytes()
    encoding = "cp1252" if file == FILE_PIPE else None
    await import_fec(ledger_pool, creditor, data, file_name=file[1], encoding=encoding, correlation_id="req-7")

    written = await assert_events_match_sql(ledger_pool, creditor)

    assert {payload["data"]["state"] for payload in written} >= {"paid"}


async def test_issued_events_match_sql_crafted(ledger_pool):
    creditor = await new_creditor(ledger_pool)
    data = fec_bytes(
        *invoice_rows('FA"1\\x', "1", day(-40), "C\\1", "120,5"),
        *invoice_rows("FA’2", "2", day(-2), "Cé2", "99,99", lettering="A"),
        *invoice_rows("FA3", "3", day(-1), "Cé2", "50,00"),
        *payment_rows("FA’2", "4", day(-1), "Cé2", "40,00", lettering="A"),
        row("VE", "5", day(-1), "411000", "Cé2", "AV1", "Avoir", "", "10,0"),
        row("VE", "5", day(-1), "706000", "", "AV1", "Avoir", "10,0", ""),
    )
    await import_fec(ledger_pool, creditor, data, file_name="crafted.txt", correlation_id="req-7")

    written = await assert_events_match_sql(ledger_pool, creditor)

    assert {payload["data"]["kind"] for payload in written} == {"invoice", "credit_note"}
    assert {payload["data"]["state"] for payload in written} >= {"overdue", "partially_paid", "unpaid"}
    assert 'FA"1\\x' in {payload["data"]["document_number"] for payload in written}


async def test_issued_events_match_sql_edge_values(ledger_pool):
    # The largest amount the reader accepts, the first and last dates it
    # accepts, credit notes without due dates, no correlation id, and texts
    # that COPY or JSON escape, in document numbers and accounts.
    creditor = await new_creditor(ledger_pool)
    largest = "9999999999999,99"
    data = fec_bytes(
        row("VE", "1", "19000101", "411000", "C\\N", "FA\\N", "Facture", largest, ""),
        row("VE", "1", "19000101", "706000", "", "FA\\N", "Facture", "", largest),
        row("VE", "2", "20991231", "411000", "C\\N", "FA\\.", "Facture", "0,01", "", "Z"),
        row("VE", "2", "20991231", "706000", "", "FA\\.", "Facture", "", "0,01"),
        row("BQ", "3", "20991231", "411000", "C\\N", "VIR", "Virement", "", "0,01", "Z"),
        row("BQ", "3", "20991231", "512000", "", "VIR", "Virement", "0,01", ""),
        row("VE", "4", "20991231", "411000", "C😀\\", "AV😀\\", "Avoir", "", largest),
        row("VE", "4", "20991231", "706000", "", "AV😀\\", "Avoir", largest, ""),
        row("VE", "5", "19000101", "411000", "C😀\\", "AV\"2", "Avoir", "", "0,50"),
        row("VE", "5", "19000101", "706000", "", "AV\"2", "Avoir", "0,50", ""),
    )
    await import_fec(ledger_pool, creditor, data, file_name="edges.txt")

    written = await assert_events_match_sql(ledger_pool, creditor, correlation_id=None)

    by_number = {payload["data"]["document_number"]: payload for payload in written}
    assert set(by_number) == {"FA\\N", "FA\\.", "AV😀\\", 'AV"2'}
    assert by_number["FA\\N"]["data"]["total"] == "9999999999999.99"
    assert by_number["FA\\N"]["data"]["state"] == "overdue"
    assert by_number["FA\\."]["data"]["amount_due"] == "0.00"
    assert by_number["FA\\."]["data"]["state"] == "paid"
    assert by_number["AV😀\\"]["data"]["due_date"] is None
    assert by_number["AV😀\\"]["customer_account"] == "C😀\\"
    assert by_number["AV😀\\"]["correlation_id"] is None


async def test_pending_allocation_events_use_stored_amounts(ledger_pool):
    creditor = await new_creditor(ledger_pool)
    await import_fec(ledger_pool, creditor, fec_bytes(*invoice_rows("FA1", "1", day(-5), "C001", "100,00")), file_name="a.txt")
    async with ledger_pool.acquire() as connection, connection.transaction():
        await record_payment(connection, creditor=creditor, account="C001", payment_id="pay-early",
                             amount=Decimal("60.00"), invoices=[("FA9", Decimal("60.00"))])

    later = fec_bytes(*invoice_rows("FA9", "9", day(-1), "C001", "60,00"), *invoice_rows("FA10", "10", day(-1), "C001", "5,00"))
    await import_fec(ledger_pool, creditor, later, file_name="later.txt", correlation_id="req-7")
    written = await assert_events_match_sql(ledger_pool, creditor)

    by_number = {payload["data"]["document_number"]: payload["data"] for payload in written}
    assert by_number["FA9"]["amount_due"] == "0.00"
    assert by_number["FA9"]["state"] == "paid"
    assert by_number["FA10"]["amount_due"] == "5.00"


def unique_file(creditor: str) -> bytes:
    """A small file whose bytes no other test imports, so that its stored copy is this test's alone."""
    return fec_bytes(
        *invoice_rows("FA1", "1", day(-5), "C001", "100,00"),
        *invoice_rows("FA2", "2", day(-4), "C002", "20,00"),
        row("VE", "3", day(-3), "411000", "C001", "AV1", creditor, "", "10,00"),
        row("VE", "3", day(-3), "706000", "", "AV1", creditor, "10,00", ""),
    )


async def assert_nothing_left(pool, creditor: str, data: bytes) -> None:
    imports = await pool.fetchval("SELECT count(*) FROM imports WHERE creditor_id = $1", creditor)
    entries = await pool.fetchval("SELECT count(*) FROM entries WHERE creditor_id = $1", creditor)
    accounts = await pool.fetchval("SELECT count(*) FROM customer_accounts WHERE creditor_id = $1", creditor)
    events = await pool.fetchval("SELECT count(*) FROM outbox WHERE payload->>'creditor_id' = $1", creditor)
    allocations = await pool.fetchval("SELECT count(*) FROM allocations WHERE creditor_id = $1", creditor)
    files = await pool.fetchval("SELECT count(*) FROM received_files WHERE sha256 = $1", hashlib.sha256(data).hexdigest())
    assert imports == 0
    assert entries == 0
    assert accounts == 0
    assert events == 0
    assert allocations == 0
    assert files == 0


async def test_failed_entries_copy_leaves_nothing(ledger_pool, monkeypatch):
    creditor = await new_creditor(ledger_pool)
    data = unique_file(creditor)
    entry_rows = import_writer._entry_copy_rows
    built_events = []
    build_events = import_writer.document_issued_rows

    def rows_then_invalid(created):
        yield from entry_rows(created)
        yield "not\ta\tvalid\trow\n"

    def recorded_build(*args, **kwargs):
        built_events.append(True)
        return build_events(*args, **kwargs)

    monkeypatch.setattr(import_writer, "_entry_copy_rows", rows_then_invalid)
    monkeypatch.setattr(import_writer, "document_issued_rows", recorded_build)

    with pytest.raises(asyncpg.PostgresError):
        await import_fec(ledger_pool, creditor, data, file_name="failing.txt")
    monkeypatch.undo()

    assert built_events == [True]  # the events were built while the COPY ran
    await assert_nothing_left(ledger_pool, creditor, data)
    summary = await import_fec(ledger_pool, creditor, data, file_name="failing.txt")
    assert summary.entries_created == 3


async def test_failed_event_build_leaves_nothing(ledger_pool, monkeypatch):
    creditor = await new_creditor(ledger_pool)
    data = unique_file(creditor)

    def failing_build(*args, **kwargs):
        raise RuntimeError("event build failed")

    monkeypatch.setattr(import_writer, "document_issued_rows", failing_build)

    with pytest.raises(RuntimeError, match="event build failed"):
        await import_fec(ledger_pool, creditor, data, file_name="failing.txt")
    monkeypatch.undo()

    await assert_nothing_left(ledger_pool, creditor, data)
    summary = await import_fec(ledger_pool, creditor, data, file_name="failing.txt")
    assert summary.entries_created == 3


class LaterStepFailed(Exception):
    pass


@pytest.mark.parametrize("step", ["allocations_copy", "finish_write", "outbox_copy"])
async def test_failed_later_step_leaves_nothing(ledger_pool, monkeypatch, step):
    creditor = await new_creditor(ledger_pool)
    # The payment lettered "A" with FA1 gives the import one allocation to COPY.
    data = fec_bytes(
        *invoice_rows("FA1", "1", day(-5), "C001", "100,00", lettering="A"),
        *payment_rows("FA1", "2", day(-4), "C001", "40,00", lettering="A"),
        row("VE", "3", day(-3), "411000", "C002", "AV1", creditor, "", "10,00"),
        row("VE", "3", day(-3), "706000", "", "AV1", creditor, "10,00", ""),
    )

    async def failing_step(*_args, **_kwargs):
        raise LaterStepFailed(step)

    allocation_rows = import_writer._allocation_copy_rows

    def allocation_rows_then_failure(*args):
        yield from allocation_rows(*args)
        raise LaterStepFailed(step)

    if step == "allocations_copy":
        monkeypatch.setattr(import_writer, "_allocation_copy_rows", allocation_rows_then_failure)
    elif step == "finish_write":
        monkeypatch.setattr(import_writer, "finish_write", failing_step)
    else:
        monkeypatch.setattr(importer, "copy_to_outbox", failing_step)

    with pytest.raises(LaterStepFailed):
        await import_fec(ledger_pool, creditor, data, file_name="failing.txt")
    monkeypatch.undo()

    await assert_nothing_left(ledger_pool, creditor, data)
    summary = await import_fec(ledger_pool, creditor, data, file_name="failing.txt")
    assert summary.entries_created == 3
    allocations = await ledger_pool.fetchval("SELECT count(*) FROM allocations WHERE creditor_id = $1", creditor)
    assert allocations == 1


async def test_run_during_returns_both_results(ledger_pool):
    async with ledger_pool.acquire() as connection:
        status, work = await run_during(connection.fetchval("SELECT 41 + 1"), lambda: "python side")

    assert status == 42
    assert work == "python side"


async def test_run_during_waits_for_statement_on_error(ledger_pool):
    async with ledger_pool.acquire() as connection:
        statement = connection.execute("SELECT pg_sleep(0.05)")

        with pytest.raises(ZeroDivisionError):
            await run_during(statement, lambda: 1 / 0)

        assert not connection.is_in_transaction()
        assert await connection.fetchval("SELECT 1") == 1


async def test_outbox_copy_wakes_relay(ledger_pool):
    # The relay listens on the "outbox" channel, which a statement trigger
    # notifies. No allocation is pending here, so the events go in by COPY.
    creditor = await new_creditor(ledger_pool)
    notified = asyncio.Event()

    def on_notify(*_args):
        notified.set()

    listener = await ledger_pool.acquire()
    try:
        await listener.add_listener("outbox", on_notify)
        await import_fec(ledger_pool, creditor, unique_file(creditor), file_name="notified.txt")
        # A guard against hanging, not a speed check: the notification comes at commit.
        await asyncio.wait_for(notified.wait(), timeout=30)
    finally:
        await listener.remove_listener("outbox", on_notify)
        await ledger_pool.release(listener)

    events = await ledger_pool.fetchval("SELECT count(*) FROM outbox WHERE payload->>'creditor_id' = $1", creditor)
    assert notified.is_set()
    assert events == 3
