"""Accounts settings: the extra variables and their start-up checks."""

from __future__ import annotations

import base64
import os

import pytest
from pydantic import ValidationError

from services.accounts.settings import AccountsSettings

DSN = "postgresql://accounts:secret@127.0.0.1:5432/accounts"


def test_settings_read_extra_variables(monkeypatch):
    key = base64.b64encode(bytes(32)).decode()
    monkeypatch.setenv("MF_DATA_ENCRYPTION_KEY", key)
    monkeypatch.setenv("MF_PUBLIC_URL", "https://portail.example/")
    monkeypatch.setenv("MF_MAIL_SINK_DIR", "/tmp/mail")

    settings = AccountsSettings(database_url=DSN)

    assert settings.data_encryption_key == key
    assert settings.public_url == "https://portail.example"
    assert str(settings.mail_sink_dir) == "/tmp/mail"


@pytest.mark.parametrize("value", ["not base64!", base64.b64encode(bytes(16)).decode()])
def test_invalid_encryption_key_is_rejected(value):
    with pytest.raises(ValidationError) as raised:
        AccountsSettings(database_url=DSN, data_encryption_key=value)

    assert "data_encryption_key" in str(raised.value)


def test_mail_disabled_by_default(monkeypatch):
    monkeypatch.delenv("MF_SMTP_HOST", raising=False)
    monkeypatch.delenv("MF_MAIL_SINK_DIR", raising=False)

    settings = AccountsSettings(database_url=DSN)

    assert settings.smtp_host == ""
    assert settings.mail_sink_dir is None


def test_previous_keys_are_split(monkeypatch):
    current, first, second = (base64.b64encode(os.urandom(32)).decode() for _ in range(3))
    monkeypatch.setenv("MF_DATA_ENCRYPTION_KEY", current)
    monkeypatch.setenv("MF_DATA_ENCRYPTION_PREVIOUS_KEYS", f" {first} ,{second},")

    settings = AccountsSettings(database_url=DSN)

    assert settings.previous_data_keys() == [first, second]


def test_invalid_previous_key_is_named():
    current = base64.b64encode(os.urandom(32)).decode()

    with pytest.raises(ValidationError) as raised:
        AccountsSettings(
            database_url=DSN, data_encryption_key=current, data_encryption_previous_keys=f"{current},short"
        )

    assert "data_encryption_previous_keys" in str(raised.value)
    assert "key 2" in str(raised.value)


def test_previous_keys_need_current_key():
    previous = base64.b64encode(os.urandom(32)).decode()

    with pytest.raises(ValidationError, match="MF_DATA_ENCRYPTION_KEY is not"):
        AccountsSettings(database_url=DSN, data_encryption_key="", data_encryption_previous_keys=previous)
