"""What the import writes besides entries: the received file and the events built in SQL."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.ledger.domain import document_state, paris_today
from services.ledger.events import document_issued_event
from services.ledger.fec import FecError
from bench.bench_fec_import import scaled_file
from services.ledger import import_writer, importer
from services.ledger.importer import import_fec
from shared.events.envelope import EventEnvelope
from shared.events.ledger import DocumentIssued
from tests.conftest import fixture_path
from tests.ledger.test_import import FILE_PIPE, FILE_TAB, fec_bytes, new_creditor, row


async def test_imported_file_stored_once(ledger_pool):
    data = fixture_path(*FILE_PIPE).read_bytes()
    first = await new_creditor(ledger_pool)
    second = await new_creditor(ledger_pool)

    await import_fec(ledger_pool, first, data, file_name=FILE_PIPE[1], encoding="cp1252")
    await import_fec(ledger_pool, second, data, file_name=FILE_PIPE[1], encoding="cp1252")

    digest = hashlib.sha256(data).hexdigest()
    stored = await ledger_pool.fetch("SELECT content FROM received_files WHERE sha256 = $1", digest)
    referencing = await ledger_pool.fetchval(
        "SELECT count(*) FROM imports WHERE file_sha256 = $1 AND creditor_id = ANY($2::text[])", digest, [first, second]
    )
    assert [record["content"] for record in stored] == [data]
    assert referencing == 2


async def test_rejected_file_not_stored(ledger_pool):
    creditor = await new_creditor(ledger_pool)
    bad = fec_bytes(
        row("VE", "1", "20260701", "411000", "C001", "FA001", "Facture", "120,00", ""),
        row("VE", "1", "20260701", "706000", "", "FA001", "Facture", "", "100,00"),
    )

    with pytest.raises(FecError):
        await import_fec(ledger_pool, creditor, bad, file_name="bad.txt")

    stored_count = await ledger_pool.fetchval(
        "SELECT count(*) FROM received_files WHERE sha256 = $1", hashlib.sha256(bad).hexdigest()
    )
    assert stored_count == 0


async def test_unknown_creditor_file_not_stored(ledger_pool):
    data = fec_bytes(
        row("VE", "7", "20260701", "411000", "C001", "FA007", "Facture", "120,00", ""),
        row("VE", "7", "20260701", "706000", "", "FA007", "Facture", "", "120,00"),
    )

    with pytest.raises(Exception, match="inconnu du grand livre"):
        await import_fec(ledger_pool, "no-such-creditor", data, file_name="orphan.txt")

    stored_count = await ledger_pool.fetchval(
        "SELECT count(*) FROM received_files WHERE sha256 = $1", hashlib.sha256(data).hexdigest()
    )
    assert stored_count == 0


async def test_failed_import_keeps_referenced_file(ledger_pool):
    data = fixture_path(*FILE_PIPE).read_bytes()
    creditor = await new_creditor(ledger_pool)
    await import_fec(ledger_pool, creditor, data, file_name=FILE_PIPE[1], encoding="cp1252")

    with pytest.raises(Exception, match="inconnu du grand livre"):
        await import_fec(ledger_pool, "no-such-creditor", data, file_name=FILE_PIPE[1], encoding="cp1252")

    stored_count = await ledger_pool.fetchval(
        "SELECT count(*) FROM received_files WHERE sha256 = $1", hashlib.sha256(data).hexdigest()
    )
    assert stored_count == 1


async def test_sql_issued_events_match_python_builder(ledger_pool):
    creditor = await new_creditor(ledger_pool)
    await import_fec(
        ledger_pool, creditor, fixture_path(*FILE_TAB).read_bytes(), file_name=FILE_TAB[1], correlation_id="req-42"
    )

    rows = await ledger_pool.fetch(
        """SELECT o.position, o.event_id, o.subject, o.stream, o.payload, e.id, e.customer_account, e.kind,
                  e.document_number, e.document_date, e.due_date, e.debit, e.credit, e.open_amount
             FROM outbox o
             JOIN entries e ON e.id = (o.payload->'data'->>'entry_id')::bigint
            WHERE o.subject = 'ledger.document.issued' AND o.payload->>'creditor_id' = $1
            ORDER BY o.position""",
        creditor,
    )
    assert rows
    states = set()
    for record in rows:
        payload = record["payload"]
        envelope = EventEnvelope.model_validate(payload)
        expected = document_issued_event(creditor, record, record["open_amount"], correlation_id="req-42")
        assert envelope.model_dump(exclude={"event_id", "occurred_at"}) == expected.model_dump(
            exclude={"event_id", "occurred_at"}
        )
        assert set(payload) == set(expected.model_dump(mode="json"))
        assert payload["data"] == expected.model_dump(mode="json")["data"]
        DocumentIssued.model_validate(payload["data"])
        assert str(envelope.event_id) == str(record["event_id"])
        assert envelope.event_id.version == 7
        assert record["stream"] == "LEDGER"
        states.add(payload["data"]["state"])
    # Events follow the entries' order, and their ids sort the same way.
    assert [r["id"] for r in rows] == sorted(r["id"] for r in rows)
    assert [r["event_id"] for r in rows] == sorted(r["event_id"] for r in rows)
    assert {"paid", "overdue"} <= states


amounts = st.decimals(min_value=Decimal("0.00"), max_value=Decimal("5000.00"), places=2)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    is_debit=st.booleans(),
    total=amounts.filter(lambda value: value > 0),
    open_share=st.sampled_from([Decimal("0"), Decimal("0.5"), Decimal("1")]) | st.decimals(0, 1, places=2),
    due_offset=st.none() | st.integers(min_value=-40, max_value=40),
)
async def test_sql_document_state_matches_domain(ledger_pool, is_debit, total, open_share, due_offset):
    today = paris_today()
    debit, credit = (total, Decimal("0.00")) if is_debit else (Decimal("0.00"), total)
    open_amount = (total * open_share).quantize(Decimal("0.01"))
    due_date = None if due_offset is None else today + timedelta(days=due_offset)

    in_sql = await ledger_pool.fetchval(
        "SELECT document_state($1::numeric, $2::numeric, $3::numeric, $4::date, $5::date)",
        debit, credit, open_amount, due_date, today,
    )

    expected = document_state(debit=debit, credit=credit, open_amount=open_amount, due_date=due_date, today=today)
    assert in_sql == expected.value




async def test_large_file_parses_in_worker_thread(ledger_pool, monkeypatch):
    data = scaled_file(fixture_path(*FILE_TAB).read_bytes(), 3)
    assert len(data) > importer.THREAD_PARSE_BYTES
    threads = []
    real_to_thread = asyncio.to_thread

    async def recording_to_thread(function, *args):
        threads.append(function.__name__)
        return await real_to_thread(function, *args)

    monkeypatch.setattr(importer.asyncio, "to_thread", recording_to_thread)
    creditor = await new_creditor(ledger_pool)

    summary = await import_fec(ledger_pool, creditor, data, file_name="large.txt")

    assert threads == ["_read_and_analyse"]
    assert summary.lines == 3 * 5422
    assert summary.customer_lines == 3 * 538


async def test_rejected_large_file_not_stored(ledger_pool):
    lines = fixture_path(*FILE_TAB).read_bytes().decode("utf-8-sig").splitlines()
    # The last line gets another amount, so its entry, its journal and the file no longer balance.
    fields = lines[-1].split("\t")
    fields[11], fields[12] = "12345,67", ""
    data = scaled_file("\r\n".join([*lines[:-1], "\t".join(fields)]).encode(), 3)
    assert len(data) > importer.THREAD_PARSE_BYTES
    creditor = await new_creditor(ledger_pool)

    with pytest.raises(FecError, match="n’est pas équilibrée"):
        await import_fec(ledger_pool, creditor, data, file_name="large-bad.txt")

    stored_count = await ledger_pool.fetchval(
        "SELECT count(*) FROM received_files WHERE sha256 = $1", hashlib.sha256(data).hexdigest()
    )
    assert stored_count == 0


async def test_import_stores_file_deleted_meanwhile(ledger_pool, monkeypatch):
    # Blank lines at the end make bytes that no other test imports.
    data = fixture_path(*FILE_PIPE).read_bytes() + b"\r\n\r\n"
    digest = hashlib.sha256(data).hexdigest()
    stores = []
    real_store = importer._store_received_file

    async def store_then_lose(executor, file_digest, content):
        # The first store writes nothing, as if a failed import of the same bytes had deleted its copy.
        stores.append(file_digest)
        if len(stores) > 1:
            await real_store(executor, file_digest, content)

    monkeypatch.setattr(importer, "_store_received_file", store_then_lose)
    creditor = await new_creditor(ledger_pool)

    summary = await import_fec(ledger_pool, creditor, data, file_name=FILE_PIPE[1], encoding="cp1252")

    stored = await ledger_pool.fetch("SELECT content FROM received_files WHERE sha256 = $1", digest)
    assert summary.entries_created == 151
    assert [record["content"] for record in stored] == [data]
    assert stores == [digest, digest]


def invoice_rows(number: str, entry: str, day: str, total: str, net: str, vat: str) -> list[str]:
    """The customer, revenue and VAT lines of an invoice at 20 %."""
    return [
        row("VE", entry, day, "411000", "C001", number, "Facture", total, ""),
        row("VE", entry, day, "706000", "", number, "Facture", "", net),
        row("VE", entry, day, "445710", "", number, "Facture", "", vat),
    ]


async def test_vat_breakdowns_stored_once_encoded(ledger_pool, monkeypatch):
    # The import encodes each distinct VAT summary once and sends that text for
    # every document that has it. The analysis gives FA1 and FA3, written
    # alike, one summary; FA2, whose amounts are written otherwise, and FA4
    # get their own. So 3 encodings for 4 documents, where each document
    # used to be encoded on its own.
    encoded_breakdowns = []
    breakdown_json = import_writer._breakdown_json

    def counting_breakdown_json(rows):
        encoded_breakdowns.append(rows)
        return breakdown_json(rows)

    monkeypatch.setattr(import_writer, "_breakdown_json", counting_breakdown_json)
    creditor = await new_creditor(ledger_pool)
    data = fec_bytes(
        *invoice_rows("FA1", "1", "20260701", "120,00", "100,00", "20,00"),
        *invoice_rows("FA2", "2", "20260702", "120,0", "100,0", "20,0"),
        *invoice_rows("FA3", "3", "20260703", "120,00", "100,00", "20,00"),
        *invoice_rows("FA4", "4", "20260704", "60,50", "50,00", "10,00"),
        row("VE", "4", "20260704", "706100", "", "FA4", "Facture", "", "0,50"),
    )

    await import_fec(ledger_pool, creditor, data, file_name="ventes.txt")
    monkeypatch.undo()

    assert len(encoded_breakdowns) == 3
    rows = await ledger_pool.fetch(
        "SELECT document_number, vat_breakdown::text AS breakdown FROM entries WHERE creditor_id = $1"
        " ORDER BY document_number",
        creditor,
    )
    assert [(row["document_number"], row["breakdown"]) for row in rows] == [
        ("FA1", '[{"vat": "20.00", "base": "100.00", "rate": "20"}]'),
        ("FA2", '[{"vat": "20.00", "base": "100.00", "rate": "20"}]'),
        ("FA3", '[{"vat": "20.00", "base": "100.00", "rate": "20"}]'),
        ("FA4", '[{"vat": "10.00", "base": "50.00", "rate": "20"}, {"vat": "0", "base": "0.50", "rate": "0"}]'),
    ]
