"""Re-authentication before sensitive actions: the password again, and TOTP when enrolled.

Failures count as failed logins of the user, so the login throttle also
limits guessing through these routes.
"""

from __future__ import annotations

import uuid

import asyncpg
import structlog

from services.accounts import totp
from services.accounts.crypto import DataCipher
from services.accounts.domain import ReauthenticationThrottled
from services.accounts.passwords import verify_password
from services.accounts.throttle import login_throttle_state, record_attempt
from shared.typography import apply_french_spacing as french
from shared.errors import Forbidden, Unprocessable
from shared.principal import Principal

log = structlog.get_logger(__name__)

# Stored as the client address of re-authentication failures, which come
# through a logged-in session rather than from the login form. Only the
# per-login limit applies to them, so one user's failures never block another's.
REAUTH_ADDRESS = "reauthentication"


class ReauthenticationFailed(Unprocessable):
    code = "reauthentication_failed"

    def __init__(self, field: str, *, code_missing: bool = False) -> None:
        if field == "password":
            message = "Le mot de passe saisi est incorrect. Saisissez votre mot de passe actuel."
        elif code_missing:
            message = (
                "Le code de vérification manque. "
                "Saisissez le code à 6\u00a0chiffres affiché par votre application, ou un code de secours."
            )
        else:
            message = (
                "Le code de vérification est incorrect ou a déjà servi. "
                "Saisissez le code à 6\u00a0chiffres affiché par votre application, ou un code de secours."
            )
        super().__init__(message, field=field)


class SecondFactorRequired(Forbidden):
    code = "totp_enrolment_required"

    def __init__(self) -> None:
        super().__init__(
            french(
                "Activez d’abord la double authentification (application TOTP) dans votre profil : "
                "elle est obligatoire pour les administrateurs avant tout changement de coordonnées bancaires."
            )
        )


async def reauthenticate(
    pool: asyncpg.Pool,
    cipher: DataCipher | None,
    principal: Principal,
    *,
    password: str,
    totp_code: str | None,
    require_second_factor: bool,
    check_second_factor: bool = True,
) -> None:
    """Check the principal's password and, when enrolled, a TOTP or recovery code.

    Raises ReauthenticationThrottled, ReauthenticationFailed (field ``password`` or
    ``totp_code``) or, when ``require_second_factor`` and the user has no
    TOTP, SecondFactorRequired. Failures are committed before raising.
    ``check_second_factor`` false checks the password only, for a check that
    changes nothing: a code checked there would be spent (a recovery code)
    or refused as replayed (a TOTP code) when the user then sends it.
    """
    user_id = uuid.UUID(principal.user_id)
    failure: str | None = None
    code_missing = False
    async with pool.acquire() as connection:
        async with connection.transaction():
            user = await connection.fetchrow(
                """SELECT lower(login) AS login_key, password_hash, totp_enabled_at IS NOT NULL AS has_totp
                     FROM users WHERE id = $1""",
                user_id,
            )
            # Folded by PostgreSQL, as logins.fold_login folds the login typed at the login form.
            login_key = user["login_key"] if user else principal.user_id
            await connection.execute("SELECT pg_advisory_xact_lock(hashtext('login:' || $1))", login_key)
            state = await login_throttle_state(connection, login_key)
            if state is not None:
                raise ReauthenticationThrottled(state.retry_after)
            if not await verify_password(user["password_hash"] if user else None, password):
                failure = "password"
            elif user["has_totp"] and check_second_factor:
                # An empty code is a field left blank, not a guess, so it is not counted as a failure.
                if not (totp_code or "").strip():
                    code_missing = True
                elif cipher is None or not await totp.check_code(connection, cipher, user_id, totp_code):
                    failure = "totp_code"
            elif require_second_factor:
                raise SecondFactorRequired()
            if failure is not None:
                await record_attempt(connection, login_key, REAUTH_ADDRESS, succeeded=False)
    if code_missing:
        raise ReauthenticationFailed("totp_code", code_missing=True)
    if failure is not None:
        log.info("reauthentication_failed", user_id=principal.user_id, field=failure)
        raise ReauthenticationFailed(failure)
