"""FEC import rate against a raw PostgreSQL COPY of the same rows.

Usage: .venv/bin/python -m bench.bench_fec_import [--repeat N] [--scale K]

For each file, the import (decode, parse, check balances, classify, write
lines, entries, allocations and events in one transaction) is timed against
``COPY`` of the same data lines into a table of 18 text columns, which is
the floor cost of getting those rows into PostgreSQL. ``--scale K`` also
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
    """The file's data lines as COPY text: tab separated, 18 fields, no header."""
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


async def measure(dsn: str, name: str, data: bytes, encoding: str, repeat: int) -> dict:
    pool = await create_pool(dsn, max_size=2)
    copy_text, line_count = data_lines_as_copy_text(data, encoding)
    import_seconds = []
    copy_seconds = []
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
    await pool.close()
    import_median = statistics.median(import_seconds)
    copy_median = statistics.median(copy_seconds)
    return {
        "file": name,
        "lines": line_count,
        "import_lines_per_s": line_count / import_median,
        "copy_lines_per_s": line_count / copy_median,
        "ratio": copy_median / import_median,
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
    arguments = parser.parse_args()
    with benchmark_postgres() as (postgres, secrets):
        dsn = postgres.dsn("ledger", secrets.service_passwords["ledger"], "ledger")
        results = asyncio.run(run(arguments.repeat, arguments.scale, dsn))
    print(f"machine: {machine_description()}")
    print(f"{'file':<36} {'lines':>8} {'import l/s':>12} {'COPY l/s':>12} {'import/COPY':>12}")
    for result in results:
        print(
            f"{result['file']:<36} {result['lines']:>8} {result['import_lines_per_s']:>12,.0f} "
            f"{result['copy_lines_per_s']:>12,.0f} {result['ratio']:>11.0%}"
        )


if __name__ == "__main__":
    main()
