"""A throwaway PostgreSQL for benchmarks, started from the same pip package as the product."""

from __future__ import annotations

import asyncio
import platform
import shutil
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from services.registry import SERVICE_NAMES, service_definition
from services.runtime.engines import EmbeddedPostgres, provision_service_databases
from services.runtime.secrets import RuntimeSecrets
from shared.db import migrate


def free_port() -> int:
    """Return a TCP port that is free on the loopback address now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def benchmark_postgres() -> Iterator[tuple[EmbeddedPostgres, RuntimeSecrets]]:
    """Start PostgreSQL in a temporary folder with every service database migrated."""
    secrets = RuntimeSecrets.generate()
    base = Path(tempfile.mkdtemp(prefix="mf-bench-"))
    postgres = EmbeddedPostgres(base, free_port(), secrets.postgres_password)
    postgres.start()
    try:

        async def prepare() -> None:
            await provision_service_databases(postgres.admin_dsn, secrets.service_passwords)
            for name in SERVICE_NAMES:
                dsn = postgres.dsn(name, secrets.service_passwords[name], name)
                await migrate(dsn, service_definition(name).migration_folders)

        asyncio.run(prepare())
        yield postgres, secrets
    finally:
        postgres.stop()
        shutil.rmtree(base, ignore_errors=True)


def machine_description() -> str:
    import os

    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
