"""Process configuration read from environment variables.

Every process validates its settings at start-up; a bad value stops it with
a message naming the variable and the expected format.
"""

from __future__ import annotations

import sys
from typing import Literal, TypeVar

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


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
            lines.append(f"invalid environment variable {name}: {problem['msg']}")
        sys.exit("\n".join(lines))
