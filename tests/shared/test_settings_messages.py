"""A missing or invalid setting stops a process at start-up with a line that names the variable and the fix."""

from __future__ import annotations

import pytest

from gateway.settings import GatewaySettings
from shared.settings import ServiceSettings, load_settings


def test_missing_database_url_named(monkeypatch) -> None:
    monkeypatch.delenv("MF_DATABASE_URL", raising=False)

    with pytest.raises(SystemExit) as stopped:
        load_settings(ServiceSettings)

    assert str(stopped.value) == (
        "missing environment variable MF_DATABASE_URL: set it to postgresql://user:password@host:port/database"
    )


def test_missing_gateway_secrets_named(monkeypatch) -> None:
    monkeypatch.delenv("MF_PRINCIPAL_PRIVATE_KEY", raising=False)
    monkeypatch.delenv("MF_SESSION_SECRET", raising=False)

    with pytest.raises(SystemExit) as stopped:
        load_settings(GatewaySettings)

    lines = str(stopped.value).splitlines()
    assert lines == [
        "missing environment variable MF_PRINCIPAL_PRIVATE_KEY: set it to base64 raw Ed25519 private key that"
        " signs principals",
        "missing environment variable MF_SESSION_SECRET: set it to secret key of the CSRF tokens (HMAC-SHA256);"
        " at least 32 characters",
    ]


def test_invalid_setting_gives_expected_format(monkeypatch) -> None:
    monkeypatch.setenv("MF_DATABASE_URL", "postgresql://ledger:x@127.0.0.1:5432/ledger")
    monkeypatch.setenv("MF_STREAM_REPLICAS", "9")

    with pytest.raises(SystemExit) as stopped:
        load_settings(ServiceSettings)

    message = str(stopped.value)
    assert message.startswith("invalid environment variable MF_STREAM_REPLICAS: ")
    assert "less than or equal to 5" in message
    assert message.endswith("(expected: JetStream replicas of each stream: 1 on one server, 3 in a cluster)")
