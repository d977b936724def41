"""Fixtures that run the suite against real PostgreSQL and NATS JetStream.

One PostgreSQL cluster and one NATS server start per test session from the
same PyPI packages the product uses, on free loopback ports, under a
temporary folder. Tests isolate themselves by using their own creditor and
customer-account ids rather than by truncating tables.
"""

from __future__ import annotations

import os
import random
import shutil
import socket
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import nats
import nats.aio.client
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from services.registry import SERVICE_NAMES, service_definition
from services.runtime.engines import EmbeddedNats, EmbeddedPostgres, provision_service_databases
from services.runtime.secrets import RuntimeSecrets
from shared.db import create_pool, migrate
from shared.events.access import inbox_prefix
from shared.principal import PRINCIPAL_HEADER, AccountRef, PrincipalSigner, Role
from shared.service import create_service_app
from shared.settings import ServiceSettings

REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = REPO_ROOT.parent / "shared" / "fixtures"


def fixture_path(*parts: str) -> Path:
    """Path of a shared fixture; fail under CI=true when the folder is missing, else skip."""
    path = FIXTURES.joinpath(*parts)
    if not path.exists():
        message = f"fixture {path} is missing: place the shared folder beside the checkout"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def pytest_sessionstart(session: pytest.Session) -> None:
    if os.environ.get("CI") == "true" and not FIXTURES.is_dir():
        raise pytest.UsageError(f"CI=true but the fixture folder {FIXTURES} is missing")


def _ephemeral_range_start() -> int:
    """Return the first port that Linux hands to outgoing connections (32768 unless configured)."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


FIRST_TEST_PORT = 20000


def free_port() -> int:
    """Return a loopback port that is free now, below the ephemeral range when possible.

    Binding port 0 gives a port of the ephemeral range. Another program's
    outgoing connection can take such a port between this check and the
    bind of the server that uses it, so ports below that range are tried first.
    """
    ephemeral_start = _ephemeral_range_start()
    for _attempt in range(50):
        if ephemeral_start <= FIRST_TEST_PORT:
            break
        port = random.randrange(FIRST_TEST_PORT, ephemeral_start)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Engines:
    """The running engines of the test session and how to reach them."""

    postgres: EmbeddedPostgres
    nats: EmbeddedNats
    secrets: RuntimeSecrets

    def service_dsn(self, name: str) -> str:
        return self.postgres.dsn(name, self.secrets.service_passwords[name], name)

    def nats_settings(self, name: str) -> dict[str, str]:
        """Return the NATS URL and credentials of service ``name``, as settings fields."""
        return {"nats_url": self.nats.url, "nats_user": name, "nats_password": self.secrets.nats_passwords[name]}

    async def connect_nats(self, user: str) -> nats.aio.client.Client:
        """Connect to NATS as ``user`` (a service, or `OPERATOR` for every permission)."""
        return await nats.connect(self.nats.client_url(user), inbox_prefix=inbox_prefix(user))

    def service_settings(self, name: str, **overrides: object) -> ServiceSettings:
        return ServiceSettings(
            database_url=self.service_dsn(name),
            **self.nats_settings(name),
            principal_public_key=self.secrets.principal_public_key,
            outbox_poll_seconds=0.2,
            **overrides,
        )


@pytest.fixture(scope="session")
def engines() -> Iterator[Engines]:
    base = Path(tempfile.mkdtemp(prefix="mesfactures-test-"))
    secrets = RuntimeSecrets.generate()
    postgres = EmbeddedPostgres(base / "postgres", free_port(), secrets.postgres_password)
    nats = EmbeddedNats(base / "nats", free_port(), secrets.nats_passwords)
    postgres.start()
    nats.start()
    try:
        import asyncio

        async def prepare() -> None:
            await provision_service_databases(postgres.admin_dsn, secrets.service_passwords)
            for name in SERVICE_NAMES:
                await migrate(
                    postgres.dsn(name, secrets.service_passwords[name], name),
                    service_definition(name).migration_folders,
                )

        asyncio.run(prepare())
        yield Engines(postgres, nats, secrets)
    finally:
        nats.stop()
        postgres.stop()
        violations = permission_violations(nats.log_file)
        # Each session's engines take 90 to 150 MB; left behind, repeated runs fill the disk.
        if not os.environ.get("MF_KEEP_TEST_ENGINES"):
            shutil.rmtree(base, ignore_errors=True)
    if violations:
        pytest.fail(
            "the session's NATS server refused these operations, so a service lacks a permission"
            " (shared/events/access.py):\n" + "\n".join(violations[:20])
        )


def permission_violations(log_file: Path) -> list[str]:
    """Return the lines where the NATS server refused a publish, a subscription or a login."""
    if not log_file.exists():
        return []
    markers = ("Violation", "authentication error")
    return [line for line in log_file.read_text(errors="replace").splitlines() if any(m in line for m in markers)]


@pytest.fixture(scope="session")
def signer(engines: Engines) -> PrincipalSigner:
    return PrincipalSigner(engines.secrets.principal_private_key)


def unique_id(prefix: str) -> str:
    """An id no other test uses, e.g. ``cred-3f9a1c``."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
async def ledger_pool(engines: Engines) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(engines.service_dsn("ledger"), min_size=1, max_size=4)
    yield pool
    await pool.close()


class ServiceClient:
    """An aiohttp test client of one service that signs principals for its calls."""

    def __init__(self, client: TestClient, signer: PrincipalSigner, name: str) -> None:
        self.client = client
        self.signer = signer
        self.name = name
        self.app: web.Application = client.server.app

    def headers_for(
        self,
        *,
        role: Role = Role.ACCOUNTANT,
        accounts: tuple[tuple[str, str], ...] = (),
        user_id: str = "user-test",
        agency_id: str | None = "agency-test",
        staff_creditors: tuple[str, ...] = (),
    ) -> dict[str, str]:
        token = self.signer.issue(
            user_id=user_id,
            agency_id=agency_id,
            role=role,
            accounts=tuple(AccountRef(creditor=c, customer_account=a) for c, a in accounts),
            staff_creditors=staff_creditors,
            audience=self.name,
        )
        return {PRINCIPAL_HEADER: token}

    def system_headers(self) -> dict[str, str]:
        return self.headers_for(role=Role.SYSTEM, user_id="system-test", agency_id=None)


async def start_service(name: str, engines: Engines, signer: PrincipalSigner) -> tuple[ServiceClient, TestClient]:
    app = create_service_app(service_definition(name), engines.service_settings(name))
    client = TestClient(TestServer(app))
    await client.start_server()
    return ServiceClient(client, signer, name), client


@pytest.fixture
async def ledger_service(engines: Engines, signer: PrincipalSigner) -> AsyncIterator[ServiceClient]:
    service, client = await start_service("ledger", engines, signer)
    yield service
    await client.close()


@pytest.fixture
async def accounts_service(engines: Engines, signer: PrincipalSigner) -> AsyncIterator[ServiceClient]:
    service, client = await start_service("accounts", engines, signer)
    yield service
    await client.close()
