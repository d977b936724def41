"""Optional TOTP second factor (RFC 6238: 6 digits, 30-second steps, SHA-1), with recovery codes.

Enrolment stores an encrypted secret that becomes active only once the user
confirms a code from the authenticator app. Confirmation returns ten
single-use recovery codes, shown once and stored as SHA-256 hashes. A code
is accepted for the current step and one step either side (clock drift),
and never twice: the last accepted step is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
import uuid

import asyncpg
import pyotp
import segno

from services.accounts import events
from services.accounts.crypto import DataCipher
from shared.errors import Conflict, Unprocessable
from shared.events.accounts import SecondFactorChanged

ISSUER = "Mes Factures"
STEP_SECONDS = 30
ALLOWED_DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
# 10 characters from a 32-letter alphabet: 50 bits each, far beyond guessing under throttling.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_CODE_LENGTH = 10


class InvalidSecondFactorCode(Unprocessable):
    """The code typed to confirm an enrolment, when no recovery code exists yet, does not match the new secret."""

    code = "invalid_totp_code"

    def __init__(self) -> None:
        super().__init__(
            "Le code de vérification est incorrect. Saisissez le code à 6\u00a0chiffres affiché en ce moment "
            "par votre application, et vérifiez que l’heure de votre téléphone est juste."
        )


class SecondFactorAlreadyEnabled(Conflict):
    code = "totp_already_enabled"

    def __init__(self) -> None:
        super().__init__(
            "La double authentification est déjà activée. Désactivez-la d’abord pour changer d’application."
        )


def secret_context(user_id: uuid.UUID | str) -> str:
    """Return the associated data that binds a TOTP secret to its user."""
    return f"totp:{user_id}"


def _hash_recovery_code(code: str) -> bytes:
    return hashlib.sha256(code.replace("-", "").strip().lower().encode()).digest()


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """Return the time step whose code equals ``code`` within the allowed drift, or None."""
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret, interval=STEP_SECONDS)
    current = int((now if now is not None else time.time()) // STEP_SECONDS)
    for step in range(current - ALLOWED_DRIFT_STEPS, current + ALLOWED_DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


async def start_enrolment(
    connection: asyncpg.Connection, cipher: DataCipher, user_id: uuid.UUID, login: str
) -> dict[str, str]:
    """Store a new pending secret and return it with its ``otpauth://`` URI and a QR code (SVG).

    Raises SecondFactorAlreadyEnabled when TOTP is already active.
    """
    enabled = await connection.fetchval("SELECT totp_enabled_at IS NOT NULL FROM users WHERE id = $1", user_id)
    if enabled:
        raise SecondFactorAlreadyEnabled()
    secret = pyotp.random_base32()
    await connection.execute(
        "UPDATE users SET totp_secret_encrypted = $2, totp_last_step = NULL WHERE id = $1",
        user_id,
        cipher.encrypt(secret.encode(), secret_context(user_id)),
    )
    uri = pyotp.TOTP(secret, interval=STEP_SECONDS).provisioning_uri(name=login, issuer_name=ISSUER)
    qr_svg = segno.make(uri, error="m").svg_inline(scale=4)
    return {"secret": secret, "otpauth_uri": uri, "qr_svg": qr_svg}


async def confirm_enrolment(
    connection: asyncpg.Connection, cipher: DataCipher, user_id: uuid.UUID, code: str
) -> list[str]:
    """Activate the pending secret if ``code`` matches it; return the new recovery codes."""
    row = await connection.fetchrow(
        "SELECT totp_secret_encrypted, totp_enabled_at FROM users WHERE id = $1 FOR UPDATE", user_id
    )
    if row["totp_enabled_at"] is not None:
        raise SecondFactorAlreadyEnabled()
    if row["totp_secret_encrypted"] is None:
        raise InvalidSecondFactorCode()
    secret = cipher.decrypt(row["totp_secret_encrypted"], secret_context(user_id)).decode()
    step = matching_step(secret, code)
    if step is None:
        raise InvalidSecondFactorCode()

    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    await connection.execute(
        "UPDATE users SET totp_enabled_at = now(), totp_last_step = $2 WHERE id = $1", user_id, step
    )
    await connection.execute("DELETE FROM totp_recovery_codes WHERE user_id = $1", user_id)
    await connection.executemany(
        "INSERT INTO totp_recovery_codes (user_id, code_hash) VALUES ($1, $2)",
        [(user_id, _hash_recovery_code(code)) for code in codes],
    )
    await events.publish(connection, SecondFactorChanged(user_id=str(user_id), enabled=True))
    return codes


async def is_enabled(connection: asyncpg.Connection, user_id: uuid.UUID) -> bool:
    return bool(await connection.fetchval("SELECT totp_enabled_at IS NOT NULL FROM users WHERE id = $1", user_id))


async def check_code(
    connection: asyncpg.Connection, cipher: DataCipher, user_id: uuid.UUID, code: str
) -> bool:
    """Return whether ``code`` is a fresh TOTP code or an unused recovery code, consuming it if so.

    Call inside a transaction; the user's row is locked so a code cannot be used twice in parallel.
    """
    row = await connection.fetchrow(
        "SELECT totp_secret_encrypted, totp_last_step FROM users WHERE id = $1 AND totp_enabled_at IS NOT NULL FOR UPDATE",
        user_id,
    )
    if row is None:
        return False
    secret = cipher.decrypt(row["totp_secret_encrypted"], secret_context(user_id)).decode()
    step = matching_step(secret, code)
    if step is not None:
        if row["totp_last_step"] is not None and step <= row["totp_last_step"]:
            return False
        await connection.execute("UPDATE users SET totp_last_step = $2 WHERE id = $1", user_id, step)
        return True
    status = await connection.execute(
        """UPDATE totp_recovery_codes SET used_at = now()
            WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL""",
        user_id,
        _hash_recovery_code(code),
    )
    return status == "UPDATE 1"


async def disable(connection: asyncpg.Connection, user_id: uuid.UUID) -> None:
    """Turn TOTP off and forget the secret and the recovery codes."""
    await connection.execute(
        """UPDATE users SET totp_secret_encrypted = NULL, totp_enabled_at = NULL, totp_last_step = NULL
            WHERE id = $1""",
        user_id,
    )
    await connection.execute("DELETE FROM totp_recovery_codes WHERE user_id = $1", user_id)
    await events.publish(connection, SecondFactorChanged(user_id=str(user_id), enabled=False))


async def remaining_recovery_codes(connection: asyncpg.Connection, user_id: uuid.UUID) -> int:
    return await connection.fetchval(
        "SELECT count(*) FROM totp_recovery_codes WHERE user_id = $1 AND used_at IS NULL", user_id
    )
