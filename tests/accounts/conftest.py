"""Fixtures of the accounts tests: a pool on the accounts database and ready-made users."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from shared.db import open_pool
from tests.accounts.support import AgencyUser, make_agency_user


@pytest.fixture
async def accounts_pool(engines) -> AsyncIterator[asyncpg.Pool]:
    # open_pool sets the jsonb codec the service's own pool uses.
    async with open_pool(engines.service_dsn("accounts"), max_size=4) as pool:
        yield pool


@pytest.fixture
async def agency_admin(accounts_pool) -> AgencyUser:
    return await make_agency_user(accounts_pool)
