"""A first start of the embedded PostgreSQL that is killed during initdb leaves no cluster behind."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from services.runtime.engines import EmbeddedPostgres
from tests.conftest import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "initdb-test-password"
TIMEOUT_SECONDS = 60

INITIALISE_SCRIPT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from services.runtime.engines import EmbeddedPostgres

    EmbeddedPostgres(Path(sys.argv[1]), 0, sys.argv[2]).initialise()
    """
)


@pytest.fixture
def postgres_dir() -> Iterator[Path]:
    """Return a folder outside pytest's temporary folder, which PostgreSQL's system user may not traverse."""
    base = Path(tempfile.mkdtemp(prefix="mesfactures-initdb-"))
    yield base / "postgres"
    shutil.rmtree(base, ignore_errors=True)


def kill_during_initdb(postgres_dir: Path) -> None:
    """Run initialise() in a child process and kill it, with initdb, once initdb has begun writing the cluster."""
    child = subprocess.Popen(
        [sys.executable, "-c", INITIALISE_SCRIPT, str(postgres_dir), PASSWORD], cwd=REPO_ROOT, start_new_session=True
    )
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while not any(postgres_dir.glob("*/PG_VERSION")):
        assert child.poll() is None, "initialise() ended before initdb wrote PG_VERSION"
        assert time.monotonic() < deadline, "initdb never wrote PG_VERSION"
        time.sleep(0.005)
    # PG_VERSION comes before the bootstrap, which takes far longer than the
    # step from here to SIGSTOP, so the group stops in the middle of initdb.
    os.killpg(child.pid, signal.SIGSTOP)
    os.killpg(child.pid, signal.SIGKILL)
    child.wait()


def test_killed_initdb_then_fresh_start(postgres_dir: Path) -> None:
    kill_during_initdb(postgres_dir)
    postgres = EmbeddedPostgres(postgres_dir, free_port(), PASSWORD)

    postgres.start()
    try:
        version = asyncio.run(_server_version(postgres.admin_dsn))
    finally:
        postgres.stop()

    assert version
    assert not (postgres_dir / "cluster.initdb").exists()


async def _server_version(dsn: str) -> str:
    connection = await asyncpg.connect(dsn)
    try:
        return await connection.fetchval("SHOW server_version")
    finally:
        await connection.close()
