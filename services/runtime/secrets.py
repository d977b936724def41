"""Secrets of the embedded runtime, generated once and kept under the data folder.

In production every value comes from the environment instead (see deploy/).
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path

from shared.principal import generate_keypair

SERVICES = ("accounts", "ledger", "disputes", "payments")


@dataclass
class RuntimeSecrets:
    """Passwords and keys of one embedded installation."""

    postgres_password: str
    service_passwords: dict[str, str]
    principal_private_key: str
    principal_public_key: str
    data_encryption_key: str
    session_secret: str

    @classmethod
    def generate(cls) -> RuntimeSecrets:
        private, public = generate_keypair()
        return cls(
            postgres_password=secrets.token_urlsafe(24),
            service_passwords={name: secrets.token_urlsafe(24) for name in SERVICES},
            principal_private_key=private,
            principal_public_key=public,
            data_encryption_key=base64.b64encode(os.urandom(32)).decode(),
            session_secret=secrets.token_urlsafe(32),
        )


def load_or_create_secrets(path: Path) -> RuntimeSecrets:
    """Read the secrets file, creating it (mode 0600) on first use."""
    if path.exists():
        return RuntimeSecrets(**json.loads(path.read_text()))
    path.parent.mkdir(parents=True, exist_ok=True)
    created = RuntimeSecrets.generate()
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(asdict(created), handle, indent=2)
    return created
