"""The services' error middleware: parameters PostgreSQL cannot store, and database errors logged without values."""

from __future__ import annotations

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from structlog.testing import capture_logs

from shared.web import error_middleware

SECRET = "Mot-De-Passe-Tape-Ici-42"


async def echo(request: web.Request) -> web.Response:
    return web.json_response({"name": request.match_info["name"]})


async def failing_insert(request: web.Request) -> web.Response:
    raise asyncpg.CheckViolationError(f'new row violates check constraint DETAIL: Failing row contains ({SECRET})')


async def failing_encode(request: web.Request) -> web.Response:
    raise asyncpg.DataError(f"invalid input for query argument $1: '{SECRET}\\ud800'")


@pytest.fixture
async def client():
    app = web.Application(middlewares=[error_middleware])
    app.router.add_get("/echo/{name}", echo)
    app.router.add_get("/check", failing_insert)
    app.router.add_get("/encode", failing_encode)
    test_client = TestClient(TestServer(app))
    await test_client.start_server()
    yield test_client
    await test_client.close()


@pytest.mark.parametrize("path", ["/echo/abc%00def", "/echo/abc?file_name=export%00.txt"])
async def test_nul_parameter_422(client, path):
    response = await client.get(path)
    error = (await response.json())["error"]

    assert response.status == 422
    assert error["details"]["field"] in ("name", "file_name")
    assert "caractère nul" in error["message"]


@pytest.mark.parametrize("path", ["/check", "/encode"])
async def test_database_error_logged_without_values(client, path):
    with capture_logs() as logs:
        response = await client.get(path)
    error = (await response.json())["error"]
    failures = [entry for entry in logs if entry["event"] == "unhandled_error"]

    assert response.status == 500
    assert error["code"] == "internal_error"
    assert len(failures) == 1
    assert "exc_info" not in failures[0]
    assert failures[0]["raised_at"].startswith("tests/shared/test_error_middleware.py:")
    assert SECRET not in str(logs)
