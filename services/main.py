"""Entry point that runs one service process: ``python -m services.main NAME``."""

from __future__ import annotations

import asyncio
import signal
import sys

import structlog
from aiohttp import web

from services.registry import service_definition
from shared.logging import configure_logging
from shared.service import create_service_app
from shared.settings import ServiceSettings, load_settings

log = structlog.get_logger(__name__)

# Maximum seconds that open requests get to finish after a stop request, the default of aiohttp's run_app.
SHUTDOWN_TIMEOUT_SECONDS = 60.0


def run_service(name: str) -> None:
    definition = service_definition(name)
    settings = load_settings(ServiceSettings)
    configure_logging(name, log_format=settings.log_format, level=settings.log_level)
    app = create_service_app(definition, settings)
    asyncio.run(_serve(app, settings.http_host, settings.http_port))


async def _serve(app: web.Application, host: str, port: int) -> None:
    """Serve `app` until SIGINT or SIGTERM, then run its clean-up to the end.

    aiohttp's run_app treats every SIGINT or SIGTERM as a new exit request, so
    a second signal during the clean-up cancels it half-way. A service then
    stopped without closing its broker and pool, or hung until it was killed.
    Here a repeated signal only logs that the stop is already in progress.
    """
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=SHUTDOWN_TIMEOUT_SECONDS)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        stop_requested = asyncio.Event()
        loop = asyncio.get_running_loop()
        for stop_signal in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(stop_signal, _request_stop, stop_requested, stop_signal)
        await stop_requested.wait()
    finally:
        await runner.cleanup()


def _request_stop(stop_requested: asyncio.Event, stop_signal: signal.Signals) -> None:
    if stop_requested.is_set():
        log.info("stop_already_in_progress", signal=stop_signal.name)
        return
    stop_requested.set()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m services.main accounts|ledger|disputes|payments")
    run_service(sys.argv[1])
