"""Typed application keys of the accounts service."""

from __future__ import annotations

from aiohttp import web

from services.accounts.crypto import DataCipher
from services.accounts.settings import AccountsSettings

ACCOUNTS_SETTINGS = web.AppKey("accounts_settings", AccountsSettings)
# Set only when MF_DATA_ENCRYPTION_KEY is configured; read it with ``app.get(CIPHER)``.
CIPHER = web.AppKey("data_cipher", DataCipher)
