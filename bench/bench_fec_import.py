"""FEC import rate against a raw PostgreSQL COPY of the same rows.

Usage: .venv/bin/python -m bench.bench_fec_import [--repeat N] [--scale K]

For each file, the import (decode, parse, check balances, classify, write
the file, entries, allocations and events in one transaction) is timed
against two baselines for the same data lines:

- typed COPY: the lines, already parsed in memory, copied (binary COPY)
  into a table with the FEC's 18 columns typed as PostgreSQL would store
  them (text, date, numeric); this is the goal's reference;
- text COPY: the file's lines as plain text into 18 text columns, the
  fastest way to get the bytes into PostgreSQL, shown for context. ``--scale K`` also
measures a file made of K copies of the real tab-separated file, with entry
numbers and customer accounts renamed per copy so every copy is new.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import statistics
import time
from pathlib import Path

from bench.engines import benchmark_postgres, machine_description
from services.ledger.creditors import upsert_creditor
from services.ledger.fec import read_fec
from services.ledger.importer import import_fec
from shared.db import create_pool

FIXTURES = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures" / "fec"
FILES = ["0000000001FEC20220831.txt", "111111111FEC20221231.TXT"]


def scaled_file(data: bytes, copies: int) -> bytes:
    """Repeat the data lines of a tab-separated UTF-8 FEC ``copies`` times with renamed keys."""
    text = data.decode("utf-8-sig")
    header, *lines = text.splitlines()
    output = [header]
    for copy in range(copies):
        for line in lines:
            fields = line.split("\t")
            fields[2] = f"{copy}-{fields[2]}"  # EcritureNum
            if fields[6]:
                fields[6] = f"{fields[6]}{copy:03d}"  # CompAuxNum
            output.append("\t".join(fields))
    return ("\r\n".join(output) + "\r\n").encode()


def data_lines_as_copy_text(data: bytes, encoding: str) -> tuple[bytes, int]:
    """Convert the file's data lines to COPY text: tab separated, 18 fields, no header."""
    text = data.decode(encoding).lstrip("\ufeff")
    separator = "\t" if "\t" in text.splitlines()[0] else "|"
    rows = []
    for line in text.splitlines()[1:]:
        if not line.strip():
            continue
        fields = [field.strip().replace("\\", "\\\\") for field in line.split(separator)][:18]
        fields += [""] * (18 - len(fields))
        rows.append("\t".join(fields))
    return ("\n".join(rows) + "\n").encode(), len(rows)


TYPED_COLUMNS = (
    "journal_code text, journal_label text, entry_number text, entry_date date, account_number text, "
    "account_label text, aux_account text, aux_label text, piece_ref text, piece_date date, label text, "
    "debit numeric(15,2), credit numeric(15,2), lettering text, lettering_date date, validation_date date, "
    "currency_amount numeric(15,2), currency text"
)


def typed_records(data: bytes) -> list[tuple]:
    fec = read_fec(data)
    return [
        (
            line.journal_code, line.journal_label, line.entry_number, line.entry_date, line.account_number,
            line.account_label, line.aux_account, line.aux_label, line.piece_ref, line.piece_date, line.label,
            line.debit, line.credit, line.lettering, line.lettering_date, line.validation_date,
            line.currency_amount, line.currency,
        )
        for line in fec.lines
    ]


async def measure(dsn: str, name: str, data: bytes, encoding: str, repeat: int) -> dict:
    pool = await create_pool(dsn, max_size=2)
    copy_text, line_count = data_lines_as_copy_text(data, encoding)
    records = typed_records(data)
    import_seconds = []
    copy_seconds = []
    typed_seconds = []
    for run in range(repeat):
        creditor = f"bench-{name[:12].lower()}-{run}-{time.monotonic_ns()}"
        await upsert_creditor(pool, creditor, "Bench")
        started = time.perf_counter()
        await import_fec(pool, creditor, data, file_name=name, encoding=None if encoding == "utf-8-sig" else encoding)
        import_seconds.append(time.perf_counter() - started)

        async with pool.acquire() as connection:
            table = f"raw_copy_{run}"
            columns = ", ".join(f"c{i} text" for i in range(18))
            await connection.execute(f"DROP TABLE IF EXISTS {table}; CREATE TABLE {table} ({columns})")
            started = time.perf_counter()
            async with connection.transaction():
                await connection.copy_to_table(table, source=io.BytesIO(copy_text), format="text")
            copy_seconds.append(time.perf_counter() - started)
            await connection.execute(f"DROP TABLE {table}")

            typed = f"typed_copy_{run}"
            await connection.execute(f"DROP TABLE IF EXISTS {typed}; CREATE TABLE {typed} ({TYPED_COLUMNS})")
            started = time.perf_counter()
            async with connection.transaction():
                await connection.copy_records_to_table(typed, records=records)
            typed_seconds.append(time.perf_counter() - started)
            await connection.execute(f"DROP TABLE {typed}")
    await pool.close()
    import_median = statistics.median(import_seconds)
    copy_median = statistics.median(copy_seconds)
    typed_median = statistics.median(typed_seconds)
    return {
        "file": name,
        "lines": line_count,
        "import_lines_per_s": line_count / import_median,
        "typed_copy_lines_per_s": line_count / typed_median,
        "copy_lines_per_s": line_count / copy_median,
        "ratio": typed_median / import_median,
        "import_ms": import_median * 1000,
        "copy_ms": copy_median * 1000,
    }


async def run(repeat: int, scale: int, dsn: str) -> list[dict]:
    results = []
    for name in FILES:
        data = (FIXTURES / name).read_bytes()
        encoding = "utf-8-sig" if name.endswith(".txt") else "cp1252"
        results.append(await measure(dsn, name, data, encoding, repeat))
    if scale > 1:
        data = scaled_file((FIXTURES / FILES[0]).read_bytes(), scale)
        results.append(await measure(dsn, f"{FILES[0]} x{scale}", data, "utf-8-sig", max(1, repeat // 2)))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per file; the median is reported")
    parser.add_argument("--scale", type=int, default=20, help="copies of the tab file for the large case")
    parser.add_argument(
        "--fail-below",
        type=float,
        metavar="PERCENT",
        help="exit with status 1 when a file's import runs below this share of the typed COPY's rate (the goal is 50)",
    )
    arguments = parser.parse_args()
    with benchmark_postgres() as (postgres, secrets):
        dsn = postgres.dsn("ledger", secrets.service_passwords["ledger"], "ledger")
        results = asyncio.run(run(arguments.repeat, arguments.scale, dsn))
    print(f"machine: {machine_description()}")
    print(
        f"{'file':<36} {'lines':>7} {'import l/s':>11} {'typed COPY l/s':>15} {'text COPY l/s':>14} "
        f"{'import/typed COPY':>18}"
    )
    for result in results:
        print(
            f"{result['file']:<36} {result['lines']:>7} {result['import_lines_per_s']:>11,.0f} "
            f"{result['typed_copy_lines_per_s']:>15,.0f} {result['copy_lines_per_s']:>14,.0f} "
            f"{result['ratio']:>18.0%}"
        )
    if arguments.fail_below is not None:
        slow = [result["file"] for result in results if result["ratio"] * 100 < arguments.fail_below]
        if slow:
            print(f"below {arguments.fail_below:g} % of the typed COPY's rate: {', '.join(slow)}")
            raise SystemExit(1)


if __name__ == "__main__":
    main()
