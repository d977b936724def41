"""Measure login latency of the accounts service at a fixed rate of logins per second.

Starts its own PostgreSQL and NATS from the PyPI packages under a temporary
folder, runs the accounts service on a loopback port and creates one user.
Then sends ``POST /internal/logins`` at a steady rate, open loop, so a slow
response does not delay the next request. Prints p50/p95/p99 with the
argon2id parameters and the machine it ran on.

Usage: python bench/bench_login.py [--rate 10] [--seconds 30]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

from aiohttp import ClientSession
from aiohttp.test_utils import TestServer

from bench.engines import free_port
from bench.stats import cpu_model, nearest_rank_percentile
from services.accounts.app import DEFINITION
from services.accounts.commands import create_user, ensure_creditor
from services.accounts.passwords import ARGON2_ITERATIONS, ARGON2_MEMORY_KIB, ARGON2_PARALLELISM
from services.accounts.settings import AccountsSettings
from services.registry import SERVICE_NAMES, service_definition
from services.runtime.engines import EmbeddedNats, EmbeddedPostgres, provision_service_databases
from services.runtime.secrets import RuntimeSecrets
from shared.db import migrate, open_pool
from shared.principal import PRINCIPAL_HEADER, PrincipalSigner, Role
from shared.service import create_service_app

PASSWORD = "benchmark passphrase 2026"








async def run(rate: float, seconds: float, postgres: EmbeddedPostgres, nats: EmbeddedNats, secrets: RuntimeSecrets) -> None:
    await provision_service_databases(postgres.admin_dsn, secrets.service_passwords)
    for name in SERVICE_NAMES:
        await migrate(postgres.dsn(name, secrets.service_passwords[name], name), service_definition(name).migration_folders)
    dsn = postgres.dsn("accounts", secrets.service_passwords["accounts"], "accounts")
    async with open_pool(dsn) as pool:
        await ensure_creditor(pool, "bench", "Créancier de mesure")
        await create_user(pool, login="bench.user", password=PASSWORD, creditor="bench", customer_account="B001")

    settings = AccountsSettings(
        database_url=dsn, nats_url=nats.url, nats_user="accounts", nats_password=secrets.nats_passwords["accounts"],
        principal_public_key=secrets.principal_public_key,
    )
    server = TestServer(create_service_app(DEFINITION, settings), host="127.0.0.1")
    await server.start_server()
    signer = PrincipalSigner(secrets.principal_private_key)
    latencies: list[float] = []
    statuses: dict[int, int] = {}

    async def one_login(session: ClientSession) -> None:
        headers = {PRINCIPAL_HEADER: signer.issue(user_id="bench", role=Role.SYSTEM, audience="accounts")}
        body = {"login": "bench.user", "password": PASSWORD, "client_ip": "127.0.0.1"}
        started = time.perf_counter()
        async with session.post(server.make_url("/internal/logins"), json=body, headers=headers) as response:
            await response.read()
            statuses[response.status] = statuses.get(response.status, 0) + 1
        latencies.append((time.perf_counter() - started) * 1000)

    try:
        async with ClientSession() as session:
            await one_login(session)  # warm-up: pool connections, first hash
            latencies.clear()
            statuses.clear()
            count = int(rate * seconds)
            start = time.perf_counter()
            tasks = []
            for index in range(count):
                delay = start + index / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                tasks.append(asyncio.create_task(one_login(session)))
            await asyncio.gather(*tasks)
    finally:
        await server.close()

    print(f"argon2id: memory {ARGON2_MEMORY_KIB} KiB, iterations {ARGON2_ITERATIONS}, parallelism {ARGON2_PARALLELISM}")
    print(f"machine: {cpu_model()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"load: {rate:g} logins/s for {seconds:g} s ({len(latencies)} logins), statuses {statuses}")
    print(
        "latency ms: "
        f"p50 {nearest_rank_percentile(latencies, 0.50):.1f}, p95 {nearest_rank_percentile(latencies, 0.95):.1f}, "
        f"p99 {nearest_rank_percentile(latencies, 0.99):.1f}, max {max(latencies):.1f}, mean {statistics.fmean(latencies):.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=10.0, help="logins per second (default 10)")
    parser.add_argument("--seconds", type=float, default=30.0, help="duration of the measured run in seconds (default 30)")
    arguments = parser.parse_args()

    base = Path(tempfile.mkdtemp(prefix="mesfactures-bench-"))
    secrets = RuntimeSecrets.generate()
    postgres = EmbeddedPostgres(base / "postgres", free_port(), secrets.postgres_password)
    nats = EmbeddedNats(base / "nats", free_port(), secrets.nats_passwords)
    postgres.start()
    nats.start()
    try:
        asyncio.run(run(arguments.rate, arguments.seconds, postgres, nats, secrets))
    finally:
        nats.stop()
        postgres.stop()


if __name__ == "__main__":
    main()
