"""Process configuration read from environment variables.

Every process validates its settings at start-up; a bad value stops it with
a message naming the variable and the expected format.
"""

from __future__ import annotations

import sys
from typing import Literal, TypeVar
from urllib.parse import parse_qs, urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")


def database_url_problem(url: str) -> str | None:
    """Return what is wrong with a PostgreSQL URL, or None. The message never quotes the URL, which contains a password.

    Several hosts separated by commas (``host1:5432,host2:5432``), which
    asyncpg tries in turn, are accepted.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return "not a valid URL (an IPv6 host must be in brackets)"
    if parts.scheme not in ("postgresql", "postgres"):
        return "expected postgresql://user:password@host:port/database"
    hosts = parts.netloc.rpartition("@")[2]
    for host in hosts.split(",") if hosts else []:
        problem = _host_problem(host)
        if problem:
            return problem
    ssl_modes = parse_qs(parts.query).get("sslmode", [])
    if any(mode not in SSL_MODES for mode in ssl_modes):
        return f"sslmode must be one of {', '.join(SSL_MODES)}"
    return None


def _host_problem(host: str) -> str | None:
    """Return what is wrong with one ``host[:port]`` of a URL, or None."""
    if host.startswith("["):
        closing = host.find("]")
        if closing < 0:
            return "not a valid URL (an IPv6 host must be in brackets)"
        port = host[closing + 1:].removeprefix(":")
    elif host.count(":") > 1:
        return "not a valid URL (an IPv6 host must be in brackets)"
    else:
        port = host.partition(":")[2]
    if port and not (port.isdigit() and 1 <= int(port) <= 65535):
        return "the port must be a number from 1 to 65535"
    return None


class CommonSettings(BaseSettings):
    """Settings every process reads (prefix ``MF_``)."""

    model_config = SettingsConfigDict(env_prefix="MF_", extra="ignore")

    log_format: Literal["auto", "json", "console"] = Field(
        "auto", description="auto: readable on a terminal, JSON otherwise"
    )
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    nats_url: str = Field("nats://127.0.0.1:42229", description="NATS server URL")
    http_host: str = "127.0.0.1"
    http_port: int = Field(8470, ge=1, le=65535)
    stream_replicas: int = Field(
        1, ge=1, le=5, description="JetStream replicas of each stream: 1 on one server, 3 in a cluster"
    )
    principal_public_key: str = Field(
        "", description="base64 Ed25519 public key that verifies principals"
    )
    principal_previous_public_keys: str = Field(
        "",
        description="comma-separated public keys also accepted, during a rotation of the gateway's key pair; "
        "empty otherwise",
    )

    def previous_principal_keys(self) -> list[str]:
        """Return the keys of MF_PRINCIPAL_PREVIOUS_PUBLIC_KEYS, in the order given."""
        return [key.strip() for key in self.principal_previous_public_keys.split(",") if key.strip()]


class ServiceSettings(CommonSettings):
    """Settings of one business service."""

    database_url: str = Field(
        ..., description="postgresql://user:password@host:port/database"
    )
    outbox_batch_size: int = Field(100, ge=1, le=10_000)
    outbox_poll_seconds: float = Field(1.0, gt=0, le=60)
    nats_user: str = Field("", description="NATS user of this service, named after it; empty: no authentication")
    nats_password: SecretStr = Field(SecretStr(""), description="password of MF_NATS_USER")

    @field_validator("database_url")
    @classmethod
    def _database_url_is_usable(cls, value: str) -> str:
        problem = database_url_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def _nats_credentials_come_together(self) -> ServiceSettings:
        if bool(self.nats_user) != bool(self.nats_password.get_secret_value()):
            raise ValueError("set both MF_NATS_USER and MF_NATS_PASSWORD, or neither")
        return self


SettingsT = TypeVar("SettingsT", bound=BaseSettings)


def load_settings(settings_class: type[SettingsT], **overrides: object) -> SettingsT:
    """Build settings or exit with one line per invalid variable."""
    try:
        return settings_class(**overrides)
    except ValidationError as error:
        prefix = settings_class.model_config.get("env_prefix", "")
        lines = []
        for problem in error.errors():
            if not problem["loc"]:
                # A check across several variables; its message names them.
                lines.append(f"invalid settings: {problem['msg']}")
                continue
            name = prefix + "_".join(str(part) for part in problem["loc"]).upper()
            field = settings_class.model_fields.get(str(problem["loc"][0]))
            description = field.description if field is not None else None
            if problem["type"] == "missing":
                fix = f": set it to {description}" if description else ""
                lines.append(f"missing environment variable {name}{fix}")
            else:
                expected = f" (expected: {description})" if description else ""
                lines.append(f"invalid environment variable {name}: {problem['msg']}{expected}")
        sys.exit("\n".join(lines))
