"""Fixtures of the gateway tests: the real accounts and ledger services behind a test gateway."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from gateway.app import create_gateway_app
from gateway.middlewares import HTTP_PARSER_LIMITS
from gateway.settings import GatewaySettings
from shared.db import open_pool
from tests.conftest import Engines, ServiceClient, free_port
from tests.gateway.support import (
    AgencyLogin,
    CreditorAccount,
    FecBuilder,
    create_agency_login,
    create_creditor,
    days_ago,
    import_fec,
)

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
SESSION_SECRET = "gateway-tests-session-secret-0123456789"

GatewayFactory = Callable[..., Awaitable[TestClient]]


def csrf_token_of(html: str) -> str:
    match = CSRF_INPUT.search(html)
    if match is None:
        raise AssertionError("the page has no csrf_token field")
    return match.group(1)


def closed_port_url() -> str:
    """URL of a loopback port nothing listens on."""
    return f"http://127.0.0.1:{free_port()}"


def service_url(service: ServiceClient) -> str:
    return str(service.client.make_url("/"))


@pytest.fixture
async def accounts_pool(engines: Engines) -> AsyncIterator[asyncpg.Pool]:
    async with open_pool(engines.service_dsn("accounts"), max_size=4) as pool:
        yield pool


@pytest.fixture
async def make_gateway(
    engines: Engines, accounts_service: ServiceClient, ledger_service: ServiceClient
) -> AsyncIterator[GatewayFactory]:
    """Start gateways on the real accounts and ledger services; keyword arguments override settings."""
    clients: list[TestClient] = []

    async def make(**overrides: object) -> TestClient:
        values: dict[str, object] = {
            "accounts_url": service_url(accounts_service),
            "ledger_url": service_url(ledger_service),
            "disputes_url": closed_port_url(),
            "payments_url": closed_port_url(),
            "principal_private_key": engines.secrets.principal_private_key,
            "session_secret": SESSION_SECRET,
            "cookie_secure": False,
            **overrides,
        }
        # The parser limits are those of `python -m gateway`, so that tests get the same errors for long lines.
        server = TestServer(create_gateway_app(GatewaySettings(**values)))
        await server.start_server(**HTTP_PARSER_LIMITS)
        client = TestClient(server)
        await client.start_server()
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


@pytest.fixture
async def gateway(make_gateway: GatewayFactory) -> TestClient:
    """A gateway with plain-http cookies, so the test client's cookie jar sends them."""
    return await make_gateway()


@dataclass(frozen=True)
class PortalData:
    """An agency with accounts at two creditors, and a creditor of another agency."""

    agency: AgencyLogin
    first: CreditorAccount
    second: CreditorAccount
    foreign: CreditorAccount


@pytest.fixture
async def portal_data(accounts_pool: asyncpg.Pool, ledger_service: ServiceClient) -> PortalData:
    """Create the creditors, agencies and ledger entries that the portal tests read.

    First creditor: FA-0001 (2 000,00, 500,00 paid), FA-0002 (1 234,56),
    FA-0003 (240,00, overdue) and FA-0004 (120,00, paid). Second creditor:
    FB-0001 (999,00). The foreign creditor belongs to another agency.
    """
    first_id = await create_creditor(accounts_pool, ledger_service, "Presse Immo Ouest")
    first = CreditorAccount(first_id, "Presse Immo Ouest", "C1001")
    second_id = await create_creditor(accounts_pool, ledger_service, "Annonces Sud Services")
    second = CreditorAccount(second_id, "Annonces Sud Services", "C2002")
    foreign_id = await create_creditor(accounts_pool, ledger_service, "Portail Étranger")
    foreign = CreditorAccount(foreign_id, "Portail Étranger", "C3003")

    fec = FecBuilder()
    fec.invoice("C1001", "FA-0001", days_ago(10), "2000.00", lettering="AB")
    fec.payment("C1001", "VIR-501", days_ago(5), "500.00", lettering="AB")
    fec.invoice("C1001", "FA-0002", days_ago(2), "1234.56")
    fec.invoice("C1001", "FA-0003", days_ago(60), "240.00")
    fec.invoice("C1001", "FA-0004", days_ago(100), "120.00", lettering="AA")
    fec.payment("C1001", "VIR-120", days_ago(90), "120.00", lettering="AA")
    await import_fec(ledger_service, first.id, fec)

    fec = FecBuilder()
    fec.invoice("C2002", "FB-0001", days_ago(3), "999.00")
    await import_fec(ledger_service, second.id, fec)

    fec = FecBuilder()
    fec.invoice("C3003", "FX-0001", days_ago(3), "50.00")
    await import_fec(ledger_service, foreign.id, fec)

    agency = await create_agency_login(accounts_pool, [first, second])
    await create_agency_login(accounts_pool, [foreign])
    return PortalData(agency, first, second, foreign)


async def log_in(gateway: TestClient, login: str, password: str, **headers: str):
    """Submit the login form as a browser does; return the response without following redirects."""
    page = await gateway.get("/connexion")
    token = csrf_token_of(await page.text())
    return await gateway.post(
        "/connexion",
        data={"login": login, "password": password, "csrf_token": token, "suite": "/etat-de-compte"},
        allow_redirects=False,
        headers=headers,
    )


@pytest.fixture
async def logged_in(gateway: TestClient, portal_data: PortalData) -> TestClient:
    """The gateway client with the portal data's agency user logged in."""
    response = await log_in(gateway, portal_data.agency.login, portal_data.agency.password)
    if response.status != 302:
        raise AssertionError(f"login failed with status {response.status}: {await response.text()}")
    return gateway
