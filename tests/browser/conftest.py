"""Fixtures of the browser tests: services and gateway on loopback ports, and headless Chromium."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
from aiohttp import web

from gateway.app import create_gateway_app
from gateway.settings import GatewaySettings
from services.registry import service_definition
from shared.db import open_pool
from shared.service import create_service_app
from tests.conftest import Engines, free_port

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SESSION_SECRET = "browser-tests-session-secret-0123456789"


def browser_unavailable(message: str) -> None:
    """Fail under CI=true, where the browser test must run; skip elsewhere."""
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    """Run ``app`` on a free loopback port; return its runner and base URL.

    The site binds port 0 itself: a port found free beforehand can be taken
    by another program's outgoing connection before the site binds it.
    """
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    return runner, f"http://127.0.0.1:{port}"


@dataclass(frozen=True)
class LiveStack:
    """Base URLs of the services and the gateway running for one test."""

    accounts_url: str
    ledger_url: str
    gateway_url: str


@pytest.fixture
async def live_stack(engines: Engines) -> AsyncIterator[LiveStack]:
    """Start accounts, ledger and a gateway with Secure cookies on real loopback ports.

    Chromium stores Secure cookies set by http://127.0.0.1, because it treats
    loopback origins as secure contexts, so the gateway runs in its default
    secure mode here.
    """
    runners = []
    try:
        accounts_runner, accounts_url = await serve(
            create_service_app(service_definition("accounts"), engines.service_settings("accounts"))
        )
        runners.append(accounts_runner)
        ledger_runner, ledger_url = await serve(
            create_service_app(service_definition("ledger"), engines.service_settings("ledger"))
        )
        runners.append(ledger_runner)
        settings = GatewaySettings(
            accounts_url=accounts_url,
            ledger_url=ledger_url,
            disputes_url=f"http://127.0.0.1:{free_port()}",
            payments_url=f"http://127.0.0.1:{free_port()}",
            principal_private_key=engines.secrets.principal_private_key,
            session_secret=SESSION_SECRET,
            cookie_secure=True,
        )
        gateway_runner, gateway_url = await serve(create_gateway_app(settings))
        runners.append(gateway_runner)
        yield LiveStack(accounts_url, ledger_url, gateway_url)
    finally:
        for runner in reversed(runners):
            await runner.cleanup()


@pytest.fixture
async def accounts_pool(engines: Engines) -> AsyncIterator[asyncpg.Pool]:
    async with open_pool(engines.service_dsn("accounts"), max_size=4) as pool:
        yield pool


@pytest.fixture
async def browser_page():
    """A page of a fresh headless Chromium; fails under CI=true when Chromium is missing."""
    if not CHROMIUM.exists():
        browser_unavailable(f"{CHROMIUM} is missing: install it with apt-get install -y chromium")
    from playwright.async_api import Error as PlaywrightError
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        try:
            browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        except PlaywrightError as error:
            browser_unavailable(f"Chromium at {CHROMIUM} did not start: {error}")
        try:
            context = await browser.new_context(locale="fr-FR")
            yield await context.new_page()
        finally:
            await browser.close()
