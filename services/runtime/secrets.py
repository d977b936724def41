"""Secrets of the embedded runtime, generated once and kept under the data folder.

In production every value comes from the environment instead (see deploy/).
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import asdict, dataclass, field
from pathlib import Path

from shared.events.access import OPERATOR, generate_password
from shared.principal import generate_keypair

SERVICES = ("accounts", "ledger", "disputes", "payments")


@dataclass(repr=False)
class RuntimeSecrets:
    """Passwords and keys of one embedded installation (its repr shows no value)."""

    postgres_password: str
    service_passwords: dict[str, str]
    principal_private_key: str
    principal_public_key: str
    data_encryption_key: str
    session_secret: str
    nats_passwords: dict[str, str] = field(default_factory=lambda: generate_nats_passwords())
    """Password of each NATS user: the services and the operator (see `shared.events.access`)."""

    def __repr__(self) -> str:
        return "RuntimeSecrets(<hidden>)"

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
            nats_passwords=generate_nats_passwords(),
        )


def generate_nats_passwords() -> dict[str, str]:
    return {name: generate_password() for name in (*SERVICES, OPERATOR)}


def load_or_create_secrets(path: Path) -> RuntimeSecrets:
    """Read the secrets file, creating it (mode 0600) on first use."""
    if path.exists():
        stored = json.loads(path.read_text())
        loaded = RuntimeSecrets(**stored)
        if "nats_passwords" not in stored:
            # A data folder from before NATS had users: add theirs, keep the rest.
            _write(path, loaded, replace=True)
        return loaded
    path.parent.mkdir(parents=True, exist_ok=True)
    created = RuntimeSecrets.generate()
    _write(path, created, replace=False)
    return created


def _write(path: Path, stored: RuntimeSecrets, *, replace: bool) -> None:
    """Write the secrets, readable by this account only; replace the file in one rename when asked."""
    target = path.with_name(path.name + ".new") if replace else path
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if replace else os.O_EXCL), 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(asdict(stored), handle, indent=2)
    if replace:
        os.replace(target, path)
