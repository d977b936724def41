"""Statement page-1 query time for an account with 1,000 and with 100,000 entries.

Usage: .venv/bin/python -m bench.bench_statement [--runs N]

Entries are generated in SQL: invoices and payments over three years, a
third of the invoices still open. Then ``fetch_statement``, the function
the ledger route calls (one page query and one totals query), is timed for
page 1 of each view, warm. The two accounts are timed in turn, run by run,
and p50/p95/p99 are printed with the ratio of the large account to the
small one.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from bench.engines import benchmark_postgres, machine_description
from bench.stats import index_percentile
from services.ledger.creditors import upsert_creditor
from services.ledger.statement import StatementFilter, StatementView, fetch_statement
from shared.db import create_pool

SIZES = (1_000, 100_000)


async def seed_account(pool, creditor: str, account: str, size: int) -> None:
    await pool.execute(
        "INSERT INTO customer_accounts (creditor_id, account_number) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        creditor,
        account,
    )
    await pool.execute(
        """INSERT INTO entries (creditor_id, customer_account, kind, document_number, search_key, document_date,
                                due_date, debit, credit, open_amount, source, source_key)
           SELECT $1, $2,
                  CASE WHEN n % 2 = 0 THEN 'invoice' ELSE 'payment' END,
                  CASE WHEN n % 2 = 0 THEN 'FA' ELSE 'RG' END || lpad(n::text, 7, '0'),
                  CASE WHEN n % 2 = 0 THEN 'FA' ELSE 'RG' END || lpad(n::text, 7, '0'),
                  current_date - (n % 1095),
                  CASE WHEN n % 2 = 0 THEN current_date - (n % 1095) + 30 END,
                  CASE WHEN n % 2 = 0 THEN 100 + n % 900 ELSE 0 END,
                  CASE WHEN n % 2 = 0 THEN 0 ELSE 100 + n % 900 END,
                  CASE WHEN n % 6 = 0 THEN 100 + n % 900 ELSE 0 END,
                  'bench', 'bench:' || $2 || ':' || n
             FROM generate_series(1, $3) AS n""",
        creditor,
        account,
        size,
    )
    await pool.execute("ANALYZE entries")




async def time_views(pool, creditor: str, runs: int) -> dict[int, dict[str, list[float]]]:
    """Time page 1 of each view, alternating the account sizes run by run.

    Alternating puts the small and the large account under the same machine
    load, so background noise does not favour either side of the ratio.
    """
    timings: dict[int, dict[str, list[float]]] = {size: {} for size in SIZES}
    async with pool.acquire() as connection:
        for view in (StatementView.UNPAID, StatementView.ALL):
            statement_filter = StatementFilter(view=view)
            for size in SIZES:
                timings[size][view.value] = []
                for _ in range(20):  # warm-up: plans and caches
                    await fetch_statement(connection, creditor, f"C{size}", statement_filter)
            for _ in range(runs):
                for size in SIZES:
                    started = time.perf_counter()
                    await fetch_statement(connection, creditor, f"C{size}", statement_filter)
                    timings[size][view.value].append((time.perf_counter() - started) * 1000)
    return timings


async def run(dsn: str, runs: int) -> dict[int, dict[str, list[float]]]:
    pool = await create_pool(dsn, max_size=2)
    creditor = "bench-statement"
    await upsert_creditor(pool, creditor, "Bench")
    for size in SIZES:
        await seed_account(pool, creditor, f"C{size}", size)
    results = await time_views(pool, creditor, runs)
    await pool.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=500, help="timed runs per view and size")
    arguments = parser.parse_args()
    with benchmark_postgres() as (postgres, secrets):
        dsn = postgres.dsn("ledger", secrets.service_passwords["ledger"], "ledger")
        results = asyncio.run(run(dsn, arguments.runs))
    print(f"machine: {machine_description()}")
    print(f"{'entries':>8} {'view':<7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for size, views in results.items():
        for view, samples in views.items():
            print(
                f"{size:>8} {view:<7} {statistics.median(samples):>8.2f} {index_percentile(samples, 0.95):>8.2f} "
                f"{index_percentile(samples, 0.99):>8.2f}"
            )
    for view in ("unpaid", "all"):
        small = index_percentile(results[SIZES[0]][view], 0.99)
        large = index_percentile(results[SIZES[1]][view], 0.99)
        print(f"p99 ratio {SIZES[1]} / {SIZES[0]} entries, view {view}: {large / small:.2f}")


if __name__ == "__main__":
    main()
