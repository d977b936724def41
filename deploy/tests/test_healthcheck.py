"""The container health check against small HTTP servers on loopback."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web

from deploy.tests.support import DEPLOY_DIR, free_port, load_deploy_script


@asynccontextmanager
async def health_server(status: int) -> AsyncIterator[int]:
    """Serve GET /healthz with ``status`` on a free loopback port; yield the port."""

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "test"}, status=status)

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        yield port
    finally:
        await runner.cleanup()


async def run_healthcheck(port: int) -> tuple[int, str]:
    """Run deploy/healthcheck.py as the image does, with MF_HTTP_PORT set; return exit code and stderr."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(DEPLOY_DIR / "healthcheck.py"),
        env={"MF_HTTP_PORT": str(port)},
        stderr=asyncio.subprocess.PIPE,
    )
    _stdout, stderr = await process.communicate()
    return process.returncode, stderr.decode()


async def test_healthcheck_passes_on_200() -> None:
    async with health_server(200) as port:
        code, stderr = await run_healthcheck(port)

    assert code == 0, stderr
    assert stderr == ""


async def test_healthcheck_fails_on_503() -> None:
    async with health_server(503) as port:
        code, stderr = await run_healthcheck(port)

    assert code == 1
    assert f"GET http://127.0.0.1:{port}/healthz returned HTTP 503, expected 200" in stderr


async def test_healthcheck_fails_when_nothing_listens() -> None:
    port = free_port()

    code, stderr = await run_healthcheck(port)

    assert code == 1
    assert f"GET http://127.0.0.1:{port}/healthz failed" in stderr


async def test_healthcheck_ignores_http_proxy_variable(monkeypatch) -> None:
    healthcheck = load_deploy_script("healthcheck.py")
    # Nothing listens on port 9 of loopback: a request sent through this proxy would fail.
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    async with health_server(200) as port:
        problem = await asyncio.to_thread(healthcheck.check_health, str(port))

    assert problem is None
