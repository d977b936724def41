"""Render time of every invoice and credit note of the real tab-separated FEC file.

Usage: .venv/bin/python -m bench.bench_pdf_real [--rounds 2]

The file is imported into a throwaway ledger database with a fictional
seller identity. The 400 documents are built from the database as the
ledger route builds them, and each is rendered once to warm caches. The heap
is then frozen, as services do after start-up, and every document is
rendered ``--rounds`` more times. p50/p95/p99 are over all timed renders.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import time
from pathlib import Path

from bench.engines import benchmark_postgres, machine_description
from bench.stats import index_percentile
from services.ledger.creditors import set_creditor_identity, upsert_creditor
from services.ledger.demo_data import DEMO_CREDITORS
from services.ledger.documents import render_document
from services.ledger.importer import import_fec
from services.ledger.rendering import build_document
from services.runtime.demo import ledger_identity
from shared.db import create_pool

FEC_FILE = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures" / "fec" / "0000000001FEC20220831.txt"

# A fictional seller: the first demo creditor's legal identity.
SELLER = ledger_identity(DEMO_CREDITORS[0].identity)


async def build_documents(dsn: str) -> list:
    pool = await create_pool(dsn, max_size=2)
    await upsert_creditor(pool, "bench-pdf", "Bench PDF")
    await set_creditor_identity(pool, "bench-pdf", SELLER)
    await import_fec(pool, "bench-pdf", FEC_FILE.read_bytes(), file_name=FEC_FILE.name)
    async with pool.acquire() as connection:
        entries = await connection.fetch(
            "SELECT * FROM entries WHERE creditor_id = 'bench-pdf' AND kind IN ('invoice', 'credit_note') ORDER BY id"
        )
        documents = [await build_document(connection, entry) for entry in entries]
    await pool.close()
    return documents




def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2, help="timed renders of each document")
    arguments = parser.parse_args()
    with benchmark_postgres() as (postgres, secrets):
        dsn = postgres.dsn("ledger", secrets.service_passwords["ledger"], "ledger")
        documents = asyncio.run(build_documents(dsn))

    for document in documents:
        render_document(document)
    gc.freeze()
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(arguments.rounds):
        for document in documents:
            started, cpu_started = time.perf_counter(), time.process_time()
            render_document(document)
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)

    print(f"machine: {machine_description()}, load average {os.getloadavg()[0]:.2f}")
    print(f"{len(documents)} documents, {len(wall)} timed renders")
    print(
        f"wall ms: p50 {statistics.median(wall):.1f}  p95 {index_percentile(wall, 0.95):.1f}  "
        f"p99 {index_percentile(wall, 0.99):.1f}  max {max(wall):.1f}"
    )
    print(f"CPU ms:  p50 {statistics.median(cpu):.1f}  p95 {index_percentile(cpu, 0.95):.1f}  p99 {index_percentile(cpu, 0.99):.1f}")


if __name__ == "__main__":
    main()
