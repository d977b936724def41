"""Fixtures of the accounts tests: a pool on the accounts database, users, and a service with mail.

``accounts_service`` (from tests/conftest.py) runs with plain service
settings: no mail server and no encryption key. ``accounts`` runs the same
service with a local SMTP sink on a free loopback port, an encryption key
and a public URL, as the embedded runtime does.
"""

from __future__ import annotations

import base64
import os
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from services.accounts.app import DEFINITION
from services.accounts.mail_sink import MailSink
from services.accounts.settings import AccountsSettings
from shared.db import open_pool
from shared.service import create_service_app
from tests.accounts.support import AgencyUser, make_agency_user
from tests.conftest import ServiceClient

PUBLIC_URL = "https://portail.example"


@pytest.fixture
async def accounts_pool(engines) -> AsyncIterator[asyncpg.Pool]:
    # open_pool sets the jsonb codec the service's own pool uses.
    async with open_pool(engines.service_dsn("accounts"), max_size=4) as pool:
        yield pool


@pytest.fixture
async def agency_admin(accounts_pool) -> AgencyUser:
    return await make_agency_user(accounts_pool)


@pytest.fixture
async def mail_sink(tmp_path: Path) -> AsyncIterator[MailSink]:
    sink = MailSink(tmp_path / "mail", port=0)
    await sink.start()
    yield sink
    await sink.stop()


@pytest.fixture
def data_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


@pytest.fixture
async def accounts(engines, signer, mail_sink, data_key) -> AsyncIterator[ServiceClient]:
    settings = AccountsSettings(
        database_url=engines.service_dsn("accounts"),
        **engines.nats_settings("accounts"),
        principal_public_key=engines.secrets.principal_public_key,
        outbox_poll_seconds=0.2,
        smtp_host="127.0.0.1",
        smtp_port=mail_sink.port,
        public_url=PUBLIC_URL,
        data_encryption_key=data_key,
    )
    client = TestClient(TestServer(create_service_app(DEFINITION, settings)))
    await client.start_server()
    yield ServiceClient(client, signer, "accounts")
    await client.close()
