"""Settings of the accounts service, on top of those every service reads.

``create_service_app`` may receive a plain ``ServiceSettings``; the accounts
lifecycle then builds ``AccountsSettings`` from it, reading the extra
``MF_`` variables below from the environment.
"""

from __future__ import annotations

import base64
import binascii
from pathlib import Path

from pydantic import Field, field_validator, model_validator

from shared.settings import ServiceSettings

DATA_KEY_BYTES = 32


class AccountsSettings(ServiceSettings):
    """Mail, links and encryption settings of the accounts service (prefix ``MF_``)."""

    smtp_host: str = Field(
        "",
        description="SMTP server that sends the service's mail; empty means the local sink "
        "when MF_MAIL_SINK_DIR is set, otherwise mail stays queued in the database",
    )
    smtp_port: int = Field(8025, ge=1, le=65535, description="SMTP port (the local sink listens here too)")
    smtp_username: str = Field("", description="SMTP user name; empty for no authentication")
    smtp_password: str = Field("", description="SMTP password")
    smtp_starttls: bool = Field(False, description="upgrade the SMTP connection with STARTTLS")
    mail_sender: str = Field(
        "Mes Factures <no-reply@mesfactures.localhost>", description="From address of every message"
    )
    mail_sink_dir: Path | None = Field(
        None,
        description="folder where a local SMTP sink run by this service stores each message as .eml "
        "(embedded default, e.g. .data/mail); unset in production",
    )
    public_url: str = Field(
        "http://127.0.0.1:8080", description="portal address used in links sent by e-mail, without trailing /"
    )
    data_encryption_key: str = Field(
        "", description="base64 of 32 random bytes; AES-256-GCM key that encrypts IBANs at rest"
    )

    data_encryption_previous_keys: str = Field(
        "",
        description="comma-separated earlier values of MF_DATA_ENCRYPTION_KEY, still used to decrypt "
        "during a key rotation; empty once `python -m services.accounts.reencrypt` has run",
    )

    @field_validator("data_encryption_key")
    @classmethod
    def _check_data_key(cls, value: str) -> str:
        if value:
            _check_key_text(value)
        return value

    @field_validator("data_encryption_previous_keys")
    @classmethod
    def _check_previous_keys(cls, value: str) -> str:
        for position, key in enumerate(_split_keys(value), start=1):
            try:
                _check_key_text(key)
            except ValueError as error:
                raise ValueError(f"key {position}: {error}") from None
        return value

    @model_validator(mode="after")
    def _previous_keys_need_current_key(self) -> AccountsSettings:
        if self.data_encryption_previous_keys.strip() and not self.data_encryption_key:
            raise ValueError(
                "MF_DATA_ENCRYPTION_PREVIOUS_KEYS is set but MF_DATA_ENCRYPTION_KEY is not: "
                "set the new key in MF_DATA_ENCRYPTION_KEY"
            )
        return self

    def previous_data_keys(self) -> list[str]:
        """Return the keys of MF_DATA_ENCRYPTION_PREVIOUS_KEYS, in the order given."""
        return _split_keys(self.data_encryption_previous_keys)

    @field_validator("public_url")
    @classmethod
    def _strip_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")


def _split_keys(value: str) -> list[str]:
    return [key.strip() for key in value.split(",") if key.strip()]


def _check_key_text(value: str) -> None:
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("expected base64 of 32 random bytes, e.g. from `openssl rand -base64 32`") from None
    if len(raw) != DATA_KEY_BYTES:
        raise ValueError(f"decodes to {len(raw)} bytes, expected {DATA_KEY_BYTES}")
