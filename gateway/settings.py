"""Settings of the gateway process (environment variables with prefix ``MF_``)."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from aiohttp import web
from pydantic import AnyHttpUrl, Field, field_validator

from shared.settings import CommonSettings

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class GatewaySettings(CommonSettings):
    """Gateway configuration: listening address, service URLs, signing key and cookie mode.

    ``http_host`` and ``http_port`` (inherited, default 127.0.0.1:8470) set the
    listening address.
    """

    accounts_url: AnyHttpUrl = Field(
        "http://127.0.0.1:8471", description="base URL of the accounts service"
    )
    ledger_url: AnyHttpUrl = Field("http://127.0.0.1:8472", description="base URL of the ledger service")
    disputes_url: AnyHttpUrl = Field(
        "http://127.0.0.1:8473", description="base URL of the disputes service"
    )
    payments_url: AnyHttpUrl = Field(
        "http://127.0.0.1:8474", description="base URL of the payments service"
    )
    principal_private_key: str = Field(
        ..., min_length=1, description="base64 raw Ed25519 private key that signs principals"
    )
    session_secret: str = Field(
        ...,
        min_length=32,
        description="secret key of the CSRF tokens (HMAC-SHA256); at least 32 characters",
    )
    cookie_secure: bool = Field(
        True,
        description=(
            "true: cookies are __Host- prefixed and Secure (HTTPS); "
            "false: plain names without Secure, for plain-http development only"
        ),
    )
    public_url: AnyHttpUrl = Field(
        "http://127.0.0.1:8470",
        description="URL at which users reach the portal; the OpenAPI document names it as its server",
    )
    trusted_proxies: list[IpNetwork] = Field(
        default_factory=list,
        description=(
            "JSON list of proxy addresses or networks whose X-Forwarded-For header is trusted, "
            'for example ["10.0.0.0/8"]; empty: the client IP is the socket peer'
        ),
    )
    session_cache_seconds: float = Field(
        5.0, ge=0, le=5, description="seconds a resolved session is reused before asking accounts again"
    )
    service_timeout_seconds: float = Field(
        10.0, gt=0, le=120, description="total timeout of one call to a service, in seconds"
    )
    mail_dir: Path | None = Field(
        None,
        description=(
            "folder of the local SMTP sink's .eml files, listed at /dev/courriels for development; "
            "unset (the default and the production value): that page answers 404"
        ),
    )

    @field_validator("principal_private_key")
    @classmethod
    def _check_private_key(cls, value: str) -> str:
        from shared.principal import PrincipalSigner

        try:
            PrincipalSigner(value)
        except ValueError as error:
            raise ValueError(f"expected a base64 raw 32-byte Ed25519 private key ({error})") from None
        return value


SETTINGS = web.AppKey("gateway_settings", GatewaySettings)
