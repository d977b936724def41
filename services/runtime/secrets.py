"""Secrets of the embedded runtime, generated once and kept under the data folder.

In production every value comes from the environment instead (see deploy/).
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import MISSING, asdict, dataclass, field, fields
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


class InvalidSecretsFile(ValueError):
    """Error raised when the data folder's secrets file cannot be read as the secrets of an installation."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(
            f"secrets file {path} is invalid ({problem}): restore it from a backup of the data folder. Without"
            " it the folder's databases cannot be opened, so without a backup move the folder away and run"
            " `mesfactures up` to start a new installation"
        )


def load_or_create_secrets(path: Path) -> RuntimeSecrets:
    """Read the secrets file, creating it (mode 0600) on first use, or raise InvalidSecretsFile."""
    if path.exists():
        stored = _read_stored_secrets(path)
        loaded = RuntimeSecrets(**stored)
        if "nats_passwords" not in stored:
            # A data folder from before NATS had users: add theirs, keep the rest.
            _write(path, loaded)
        return loaded
    path.parent.mkdir(parents=True, exist_ok=True)
    created = RuntimeSecrets.generate()
    _write(path, created)
    return created


def _read_stored_secrets(path: Path) -> dict[str, object]:
    """Return the fields of the secrets file after checking their names and types, or raise InvalidSecretsFile."""
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise InvalidSecretsFile(path, f"cannot be read: {error.strerror}") from None
    except UnicodeDecodeError:
        raise InvalidSecretsFile(path, "not UTF-8 text") from None
    except json.JSONDecodeError as error:
        raise InvalidSecretsFile(path, f"not JSON, line {error.lineno}, column {error.colno}: {error.msg}") from None
    if not isinstance(stored, dict):
        raise InvalidSecretsFile(path, "not a JSON object")
    known = {secret.name: secret for secret in fields(RuntimeSecrets)}
    required = [name for name, secret in known.items() if secret.default_factory is MISSING]
    missing = [name for name in required if name not in stored]
    if missing:
        raise InvalidSecretsFile(path, f"missing fields {', '.join(missing)}")
    unknown = sorted(name for name in stored if name not in known)
    if unknown:
        raise InvalidSecretsFile(path, f"unknown fields {', '.join(unknown)}")
    for name, value in stored.items():
        # The annotations are strings, because of `from __future__ import annotations`.
        if known[name].type == "dict[str, str]":
            if not isinstance(value, dict) or not all(isinstance(item, str) for item in value.values()):
                raise InvalidSecretsFile(path, f"field {name} is not an object of strings")
        elif not isinstance(value, str):
            raise InvalidSecretsFile(path, f"field {name} is not a string")
    return stored


def _write(path: Path, stored: RuntimeSecrets) -> None:
    """Write the secrets, readable by this account only, and put them in place in one rename.

    A process killed while writing leaves only the temporary file, never a
    truncated secrets file, whose lost passwords would keep the databases shut.
    """
    target = path.with_name(path.name + ".new")
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(asdict(stored), handle, indent=2)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(target, path)
