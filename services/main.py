"""Entry point that runs one service process: ``python -m services.main NAME``."""

from __future__ import annotations

import sys

from aiohttp import web

from services.registry import service_definition
from shared.logging import configure_logging
from shared.service import create_service_app
from shared.settings import ServiceSettings, load_settings


def run_service(name: str) -> None:
    definition = service_definition(name)
    settings = load_settings(ServiceSettings)
    configure_logging(name, log_format=settings.log_format, level=settings.log_level)
    app = create_service_app(definition, settings)
    web.run_app(app, host=settings.http_host, port=settings.http_port, print=None, access_log=None)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m services.main accounts|ledger|disputes|payments")
    run_service(sys.argv[1])
