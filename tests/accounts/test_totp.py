"""The optional TOTP second factor: enrolment, login, replay, recovery codes."""

from __future__ import annotations

import time

import pyotp

from services.accounts.throttle import stored_login_key

from tests.accounts.support import log_in, principal_headers, unique_address


async def enrol(accounts, user) -> tuple[str, list[str]]:
    """Enrol ``user`` with the current code; return the secret and the recovery codes."""
    headers = principal_headers(accounts, user)
    started = await (
        await accounts.client.post("/me/totp/enrolment", json={"password": user.password}, headers=headers)
    ).json()
    code = pyotp.TOTP(started["secret"]).now()
    confirmed = await accounts.client.post("/me/totp/confirmation", json={"code": code}, headers=headers)
    assert confirmed.status == 200
    return started["secret"], (await confirmed.json())["recovery_codes"]


def next_step_code(secret: str) -> str:
    """Return the code of the next 30-second step, accepted as clock drift and not yet used."""
    return pyotp.TOTP(secret).at(time.time() + 30)


async def login_with_code(accounts, user, code: str | None):
    body = {"login": user.login, "password": user.password, "client_ip": unique_address()}
    if code is not None:
        body["totp_code"] = code
    return await accounts.client.post("/internal/logins", json=body, headers=accounts.system_headers())


async def test_enrolment_returns_qr_code_and_uri(accounts, agency_admin):
    response = await accounts.client.post(
        "/me/totp/enrolment", json={"password": agency_admin.password}, headers=principal_headers(accounts, agency_admin)
    )
    body = await response.json()

    assert response.status == 201
    assert body["otpauth_uri"].startswith("otpauth://totp/Mes%20Factures:")
    assert body["qr_svg"].startswith("<svg")
    assert len(body["secret"]) == 32


async def test_confirmation_rejects_wrong_code(accounts, agency_admin):
    headers = principal_headers(accounts, agency_admin)
    await accounts.client.post("/me/totp/enrolment", json={"password": agency_admin.password}, headers=headers)

    response = await accounts.client.post("/me/totp/confirmation", json={"code": "000000"}, headers=headers)
    message = (await response.json())["error"]["message"]
    me = await (await accounts.client.get("/me", headers=headers)).json()

    assert response.status == 422
    assert me["totp_enabled"] is False
    # No recovery code exists before the enrolment is confirmed, so the message offers none.
    assert "code de secours" not in message
    assert "l’heure de votre téléphone" in message


async def test_secret_is_encrypted_at_rest(accounts, agency_admin, accounts_pool):
    secret, _codes = await enrol(accounts, agency_admin)

    stored = await accounts_pool.fetchval("SELECT totp_secret_encrypted FROM users WHERE id = $1::uuid", agency_admin.user_id)

    assert secret.encode() not in stored


async def test_enrolled_login_requires_code(accounts, agency_admin):
    await enrol(accounts, agency_admin)

    response = await login_with_code(accounts, agency_admin, None)
    body = await response.json()

    assert response.status == 401
    assert body["error"]["code"] == "totp_required"


async def test_enrolled_login_with_code_succeeds(accounts, agency_admin):
    secret, _codes = await enrol(accounts, agency_admin)

    response = await login_with_code(accounts, agency_admin, next_step_code(secret))

    assert response.status == 200


async def test_code_cannot_be_replayed(accounts, agency_admin):
    secret, _codes = await enrol(accounts, agency_admin)
    code = next_step_code(secret)
    await login_with_code(accounts, agency_admin, code)

    replay = await login_with_code(accounts, agency_admin, code)

    assert replay.status == 401
    assert (await replay.json())["error"]["code"] == "invalid_totp_code"


async def test_recovery_code_works_once(accounts, agency_admin):
    _secret, codes = await enrol(accounts, agency_admin)

    first = await login_with_code(accounts, agency_admin, codes[0].upper())
    second = await login_with_code(accounts, agency_admin, codes[0])
    me = await (await accounts.client.get("/me", headers=principal_headers(accounts, agency_admin))).json()

    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert first.status == 200
    assert second.status == 401
    assert me["recovery_codes_remaining"] == 9


async def test_wrong_codes_count_towards_throttling(accounts, agency_admin, accounts_pool):
    await enrol(accounts, agency_admin)

    await login_with_code(accounts, agency_admin, "123456")
    failures = await accounts_pool.fetchval(
        "SELECT count(*) FROM login_attempts WHERE login_key = $1 AND NOT succeeded",
        stored_login_key(agency_admin.login.lower()),
    )

    assert failures == 1


async def test_missing_code_is_not_counted(accounts, agency_admin, accounts_pool):
    await enrol(accounts, agency_admin)

    await login_with_code(accounts, agency_admin, None)
    attempts = await accounts_pool.fetchval(
        "SELECT count(*) FROM login_attempts WHERE login_key = $1",
        stored_login_key(agency_admin.login.lower()),
    )

    assert attempts == 0


async def test_disable_requires_password_and_code(accounts, agency_admin):
    secret, codes = await enrol(accounts, agency_admin)
    headers = principal_headers(accounts, agency_admin)

    refused = await accounts.client.delete(
        "/me/totp", json={"password": "wrong password here", "totp_code": next_step_code(secret)}, headers=headers
    )
    disabled = await accounts.client.delete(
        "/me/totp", json={"password": agency_admin.password, "totp_code": codes[1]}, headers=headers
    )
    login = await login_with_code(accounts, agency_admin, None)

    assert refused.status == 422
    assert disabled.status == 204
    assert login.status == 200


async def test_second_enrolment_is_rejected(accounts, agency_admin):
    await enrol(accounts, agency_admin)

    response = await accounts.client.post(
        "/me/totp/enrolment", json={"password": agency_admin.password}, headers=principal_headers(accounts, agency_admin)
    )

    assert response.status == 409


async def test_totp_unavailable_without_encryption_key(accounts_service, agency_admin):
    response = await accounts_service.client.post(
        "/me/totp/enrolment",
        json={"password": agency_admin.password},
        headers=principal_headers(accounts_service, agency_admin),
    )

    assert response.status == 503
    assert (await response.json())["error"]["code"] == "encryption_unavailable"


async def test_enrolment_requires_password(accounts, agency_admin, accounts_pool):
    response = await accounts.client.post(
        "/me/totp/enrolment", json={}, headers=principal_headers(accounts, agency_admin)
    )
    stored = await accounts_pool.fetchval(
        "SELECT totp_secret_encrypted FROM users WHERE id = $1::uuid", agency_admin.user_id
    )

    assert response.status == 422
    assert (await response.json())["error"]["details"]["field"] == "password"
    assert stored is None


async def test_enrolment_rejects_wrong_password(accounts, agency_admin, accounts_pool):
    response = await accounts.client.post(
        "/me/totp/enrolment", json={"password": "pas le bon mot de passe"}, headers=principal_headers(accounts, agency_admin)
    )
    body = await response.json()
    stored = await accounts_pool.fetchval(
        "SELECT totp_secret_encrypted FROM users WHERE id = $1::uuid", agency_admin.user_id
    )
    failures = await accounts_pool.fetchval(
        "SELECT count(*) FROM login_attempts WHERE login_key = $1 AND NOT succeeded",
        stored_login_key(agency_admin.login.lower()),
    )

    assert response.status == 422
    assert body["error"]["code"] == "reauthentication_failed"
    assert body["error"]["details"]["field"] == "password"
    assert stored is None
    assert failures == 1


async def test_enrolment_password_checks_are_throttled(accounts, agency_admin):
    headers = principal_headers(accounts, agency_admin)
    for _attempt in range(5):
        await accounts.client.post("/me/totp/enrolment", json={"password": "pas le bon mot de passe"}, headers=headers)

    response = await accounts.client.post("/me/totp/enrolment", json={"password": agency_admin.password}, headers=headers)

    assert response.status == 429
    assert (await response.json())["error"]["code"] == "throttled"


async def test_password_check_spends_no_code(accounts, agency_admin):
    _secret, recovery_codes = await enrol(accounts, agency_admin)
    headers = principal_headers(accounts, agency_admin)
    body = {"current_password": agency_admin.password, "new_password": "un nouveau mot de passe sûr", "totp_code": recovery_codes[0]}

    checked = await accounts.client.post("/me/password/check", json=body, headers=headers)
    changed = await accounts.client.post("/me/password", json=body, headers=headers)

    assert checked.status == 200
    assert (await checked.json())["problems"] == []
    assert changed.status == 200
