"""Everything an import stores and publishes, compared with a dump made before the write path was reworked.

Each scenario imports files for a new creditor, then dumps every row the
creditor has in the ledger's tables and every event of its outbox, with
ids, timestamps and the creditor's name replaced (see `normalised_dump`).
`snapshots/import_dump.json` contains the SHA-256 of each dump as the code of
commit "Add import dump snapshots" stored them, and the dump itself where it
is small. Changes that only make the import faster must keep every hash.

To record new snapshots after a change of behaviour, run this file with
UPDATE_IMPORT_DUMPS=1 and explain the change in the commit.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from bench.bench_fec_import import scaled_file
from services.ledger import domain
from services.ledger.importer import import_fec
from services.ledger.operations import record_payment
from tests.conftest import fixture_path
from tests.ledger.test_import import FILE_PIPE, FILE_TAB, fec_bytes, new_creditor, row
from tests.ledger.test_statement import invoice_rows, payment_rows

SNAPSHOTS = Path(__file__).parent / "snapshots" / "import_dump.json"
# The Paris date on which the snapshots were recorded. Some scenarios date
# their lines from today, and the ledger dates its own lettering and card
# payments today, so the snapshot tests run on that day (see `snapshot_day`).
SNAPSHOT_DAY = date(2026, 12, 5)
# Dumps up to this many characters are stored whole, so that a failure shows the difference.
STORED_DUMP_MAX_CHARS = 60_000
TABLES = ("customer_accounts", "imports", "entries", "allocations", "pending_allocations", "account_daily_totals")


@pytest.fixture
def snapshot_day(monkeypatch):
    """Make `paris_today` return SNAPSHOT_DAY in every loaded module of the services and tests that imported it."""
    # NOTE: a date read from the clock another way (datetime.now, SQL current_date) is not frozen.
    original = domain.paris_today
    for name, module in list(sys.modules.items()):
        if name.startswith(("services.", "tests.")) and getattr(module, "paris_today", None) is original:
            monkeypatch.setattr(module, "paris_today", lambda: SNAPSHOT_DAY)
    assert domain.paris_today() == SNAPSHOT_DAY


pytestmark = pytest.mark.usefixtures("snapshot_day")


def _plain(value):
    if isinstance(value, Decimal):
        return f"Decimal:{value}"
    if isinstance(value, date):
        return value.isoformat()
    return value


async def normalised_dump(pool, creditor: str) -> dict:
    """Return the creditor's rows and events with ids as ranks, without timestamps or row ids of their own.

    Entry and import ids become their rank within the creditor, in id
    order, wherever they appear (columns, lettering scopes, event data).
    Each table's own id, timestamps, event ids and outbox positions are
    left out, as they differ from run to run.
    """
    entry_ids = [r["id"] for r in await pool.fetch("SELECT id FROM entries WHERE creditor_id = $1 ORDER BY id", creditor)]
    import_ids = [r["id"] for r in await pool.fetch("SELECT id FROM imports WHERE creditor_id = $1 ORDER BY id", creditor)]
    entry_rank = {entry_id: f"entry#{rank}" for rank, entry_id in enumerate(entry_ids)}
    import_rank = {import_id: f"import#{rank}" for rank, import_id in enumerate(import_ids)}

    def text(value: str) -> str:
        for import_id, rank in import_rank.items():
            value = value.replace(f"import:{import_id}", f"import:{rank}")
        return value.replace(creditor, "<creditor>")

    def normalised(table: str, record) -> dict:
        result = {}
        for column, value in dict(record).items():
            if isinstance(value, datetime) or column in ("created_at", "applied_at", "imported_at"):
                result[column] = value is not None
                continue
            if table == "entries" and column == "id" or column.endswith("entry_id"):
                value = entry_rank.get(value, value)
            elif table == "imports" and column == "id" or column == "import_id":
                value = import_rank.get(value, value)
            elif column == "id":
                continue
            elif isinstance(value, str):
                value = text(value)
            elif isinstance(value, list):
                value = [text(item) if isinstance(item, str) else _plain(item) for item in value]
            result[column] = _plain(value)
        return result

    dump = {}
    for table in TABLES:
        order = "id" if table != "account_daily_totals" else "customer_account, day"
        if table == "customer_accounts":
            order = "account_number"
        records = await pool.fetch(f"SELECT * FROM {table} WHERE creditor_id = $1 ORDER BY {order}", creditor)
        dump[table] = [normalised(table, record) for record in records]

    events = []
    for record in await pool.fetch(
        "SELECT subject, stream, payload FROM outbox WHERE payload->>'creditor_id' = $1 ORDER BY position", creditor
    ):
        payload = dict(record["payload"])
        for field in ("event_id", "occurred_at"):
            assert payload.pop(field)
        payload["creditor_id"] = "<creditor>"
        data = dict(payload["data"])
        if "entry_id" in data:
            data["entry_id"] = entry_rank[data["entry_id"]]
        payload["data"] = data
        events.append({"subject": record["subject"], "stream": record["stream"], "payload": payload})
    dump["outbox"] = events
    return dump


def summary_dump(summary, import_ranks: dict[int, str]) -> dict:
    result = summary.as_json()
    result["import_id"] = import_ranks.get(result["import_id"], result["import_id"])
    del result["creditor"]
    return result


async def import_ranks(pool, creditor: str) -> dict[int, str]:
    rows = await pool.fetch("SELECT id FROM imports WHERE creditor_id = $1 ORDER BY id", creditor)
    return {row["id"]: f"import#{rank}" for rank, row in enumerate(rows)}


def crafted_first_file() -> bytes:
    return fec_bytes(
        *invoice_rows("FA1", "1", "20250103", "C001", "100,00"),
        *invoice_rows("FA2", "2", "20250105", "C001", "50,00", "B"),
        *payment_rows("VIR1", "3", "20250110", "C001", "100,00"),
        *payment_rows("VIR2", "4", "20250111", "C001", "20,00", "B"),
        *invoice_rows("FA3", "5", "20250112", "C002", "300,00", "C"),
        *payment_rows("VIR3", "6", "20250120", "C002", "300,00", "C"),
        *invoice_rows("FA4", "7", "20250121", "C003", "80,00"),
    )


def crafted_later_file() -> bytes:
    """A later export: repeats FA1 and VIR1 lettered together, one side of group B, and adds new lines."""
    return fec_bytes(
        *invoice_rows("FA1", "1", "20250103", "C001", "100,00", "A"),
        *payment_rows("VIR1", "3", "20250110", "C001", "100,00", "A"),
        *payment_rows("VIR2", "4", "20250111", "C001", "20,00", "B"),
        *payment_rows("VIR4", "8", "20250201", "C001", "30,00", "B"),
        *invoice_rows("FA5", "9", "20250202", "C002", "60,00"),
        *invoice_rows("FA9", "10", "20250203", "C003", "45,00"),
        row("BQ", "11", "20250204", "411000", "C003", "CB PAYCARD1234", "Carte PAYCARD1234", "", "80,00"),
        row("BQ", "11", "20250204", "512000", "", "CB PAYCARD1234", "Carte", "80,00", ""),
    )


async def run_scenario(pool, name: str) -> dict:
    """Run one scenario for a new creditor and return its summaries and dump."""
    creditor = await new_creditor(pool)
    summaries = []
    if name in ("tab", "pipe"):
        parts, encoding = (FILE_TAB, None) if name == "tab" else (FILE_PIPE, "cp1252")
        data = fixture_path(*parts).read_bytes()
        summaries.append(await import_fec(pool, creditor, data, file_name=parts[1], encoding=encoding))
        summaries.append(await import_fec(pool, creditor, data, file_name=parts[1], encoding=encoding))
    elif name == "tab-x3":
        data = scaled_file(fixture_path(*FILE_TAB).read_bytes(), 3)
        summaries.append(await import_fec(pool, creditor, data, file_name="x3.txt"))
    elif name == "tab-then-x3":
        tab = fixture_path(*FILE_TAB).read_bytes()
        summaries.append(await import_fec(pool, creditor, tab, file_name=FILE_TAB[1]))
        # The x3 file's first copy repeats the tab file under new entry numbers and accounts ending in 000.
        summaries.append(await import_fec(pool, creditor, scaled_file(tab, 3), file_name="x3.txt"))
    elif name == "crafted":
        summaries.append(await import_fec(pool, creditor, crafted_first_file(), file_name="first.txt"))
        async with pool.acquire() as connection, connection.transaction():
            # A card payment of an invoice the ledger does not have yet stays pending until FA9 arrives.
            await record_payment(
                connection, creditor=creditor, account="C003", payment_id="pay-early-9",
                amount=Decimal("45.00"), invoices=[("FA9", Decimal("45.00"))], paid_on=date(2025, 2, 1),
            )
            # A card payment of FA4 that the later file's bank receipt cites.
            await record_payment(
                connection, creditor=creditor, account="C003", payment_id="PAYCARD1234",
                amount=Decimal("80.00"), invoices=[("FA4", Decimal("80.00"))], paid_on=date(2025, 2, 2),
            )
        summaries.append(await import_fec(pool, creditor, crafted_later_file(), file_name="later.txt"))
    else:
        raise AssertionError(name)
    ranks = await import_ranks(pool, creditor)
    return {
        "summaries": [summary_dump(summary, ranks) for summary in summaries],
        "dump": await normalised_dump(pool, creditor),
    }


def assert_matches_snapshot(snapshots_file: Path, scenario: str, text: str, tmp_path) -> None:
    """Compare `text` with the snapshot of `scenario` in `snapshots_file`, or record it with UPDATE_IMPORT_DUMPS=1.

    A snapshot keeps the SHA-256 of the text, and the text itself when it is
    short enough to show the changed lines. On a mismatch the new text is
    written to `tmp_path` for a diff.
    """
    digest = hashlib.sha256(text.encode()).hexdigest()
    snapshots = json.loads(snapshots_file.read_text()) if snapshots_file.exists() else {}
    if os.environ.get("UPDATE_IMPORT_DUMPS") == "1":
        snapshots[scenario] = {"sha256": digest, "dump": text if len(text) <= STORED_DUMP_MAX_CHARS else None}
        snapshots_file.parent.mkdir(exist_ok=True)
        snapshots_file.write_text(json.dumps(snapshots, ensure_ascii=False, sort_keys=True, indent=1) + "\n")
        pytest.skip(f"snapshot of {scenario} recorded")

    expected = snapshots[scenario]
    if expected["dump"] is not None:
        assert text.splitlines() == expected["dump"].splitlines()
    written = Path(tmp_path) / f"{scenario}.json"
    written.write_text(text)
    assert digest == expected["sha256"], f"the dump of {scenario} changed; it is written to {written}"


@pytest.mark.parametrize("scenario", ["tab", "pipe", "tab-x3", "tab-then-x3", "crafted"])
async def test_import_dump_unchanged(ledger_pool, scenario, tmp_path):
    result = await run_scenario(ledger_pool, scenario)
    text = json.dumps(result, ensure_ascii=False, sort_keys=True, indent=1)
    assert_matches_snapshot(SNAPSHOTS, scenario, text, tmp_path)
    assert result["dump"]["entries"], "the scenario stored no entries"
