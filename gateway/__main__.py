"""Run the gateway: ``python -m gateway`` (settings from ``MF_*`` environment variables)."""

from __future__ import annotations

from aiohttp import web

from gateway.app import create_gateway_app
from gateway.middlewares import HTTP_PARSER_LIMITS
from gateway.settings import GatewaySettings
from shared.logging import configure_logging
from shared.settings import load_settings


def run_gateway() -> None:
    settings = load_settings(GatewaySettings)
    configure_logging("gateway", log_format=settings.log_format, level=settings.log_level)
    app = create_gateway_app(settings)
    web.run_app(
        app, host=settings.http_host, port=settings.http_port, print=None, access_log=None, **HTTP_PARSER_LIMITS
    )


if __name__ == "__main__":
    run_gateway()
