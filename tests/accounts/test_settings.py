"""Accounts settings: the extra variables and their start-up checks."""

from __future__ import annotations

import base64

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
