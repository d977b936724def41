"""Password login and sessions through the routes the gateway calls."""

from __future__ import annotations

from services.accounts.sessions import hash_token
from tests.accounts.support import current_session, log_in, unique_address

GENERIC_MESSAGE = "Identifiant ou mot de passe incorrect."


async def test_login_success_returns_token_and_session(accounts_service, agency_admin):
    response = await log_in(accounts_service, agency_admin)
    body = await response.json()

    assert response.status == 200
    assert len(body["session_token"]) >= 43
    session = body["session"]
    assert session["user_id"] == agency_admin.user_id
    assert session["login"] == agency_admin.login
    assert session["role"] == "administrateur"
    assert session["accounts"] == [
        {"creditor": agency_admin.creditor, "customer_account": agency_admin.customer_account}
    ]
    assert session["staff_creditors"] == []
    assert session["agency_name"] == f"Agence {agency_admin.customer_account}"


async def test_login_accepts_login_in_other_case(accounts_service, agency_admin):
    response = await accounts_service.client.post(
        "/internal/logins",
        json={"login": agency_admin.login.upper(), "password": agency_admin.password, "client_ip": unique_address()},
        headers=accounts_service.system_headers(),
    )

    assert response.status == 200


async def test_wrong_password_gets_generic_error(accounts_service, agency_admin):
    response = await log_in(accounts_service, agency_admin, password="not the right password")
    body = await response.json()

    assert response.status == 401
    assert body["error"]["code"] == "invalid_credentials"
    assert body["error"]["message"] == GENERIC_MESSAGE


async def test_unknown_login_gets_same_error(accounts_service):
    response = await accounts_service.client.post(
        "/internal/logins",
        json={"login": "nobody-at-all", "password": "whatever password", "client_ip": unique_address()},
        headers=accounts_service.system_headers(),
    )
    body = await response.json()

    assert response.status == 401
    assert body["error"]["code"] == "invalid_credentials"
    assert body["error"]["message"] == GENERIC_MESSAGE


async def test_login_rejects_invalid_client_address(accounts_service, agency_admin):
    response = await accounts_service.client.post(
        "/internal/logins",
        json={"login": agency_admin.login, "password": agency_admin.password, "client_ip": "not-an-ip"},
        headers=accounts_service.system_headers(),
    )
    body = await response.json()

    assert response.status == 422
    assert body["error"]["details"]["field"] == "client_ip"


async def test_login_stores_only_token_hash(accounts_service, agency_admin, accounts_pool):
    token = (await (await log_in(accounts_service, agency_admin)).json())["session_token"]

    stored = await accounts_pool.fetchval(
        "SELECT token_hash FROM sessions WHERE user_id = $1", agency_admin.user_id
    )

    assert stored == hash_token(token)
    assert token.encode() not in stored


async def test_session_resolves_to_its_user(accounts_service, agency_admin):
    token = (await (await log_in(accounts_service, agency_admin)).json())["session_token"]

    response = await current_session(accounts_service, token)
    body = await response.json()

    assert response.status == 200
    assert body["user_id"] == agency_admin.user_id
    assert body["role"] == "administrateur"


async def test_unknown_session_token_is_rejected(accounts_service):
    response = await current_session(accounts_service, "no-such-token")
    body = await response.json()

    assert response.status == 401
    assert body["error"]["code"] == "session_invalid"


async def test_missing_session_header_is_rejected(accounts_service):
    response = await accounts_service.client.get(
        "/internal/sessions/current", headers=accounts_service.system_headers()
    )

    assert response.status == 401


async def test_logout_revokes_session(accounts_service, agency_admin):
    token = (await (await log_in(accounts_service, agency_admin)).json())["session_token"]
    headers = {**accounts_service.system_headers(), "X-MF-Session": token}

    logout = await accounts_service.client.delete("/internal/sessions/current", headers=headers)
    after = await current_session(accounts_service, token)

    assert logout.status == 204
    assert after.status == 401


async def test_idle_session_expires_after_30_minutes(accounts_service, agency_admin, accounts_pool):
    token = (await (await log_in(accounts_service, agency_admin)).json())["session_token"]
    await accounts_pool.execute(
        "UPDATE sessions SET last_seen_at = now() - interval '31 minutes' WHERE token_hash = $1",
        hash_token(token),
    )

    response = await current_session(accounts_service, token)

    assert response.status == 401


async def test_session_idle_29_minutes_stays_valid(accounts_service, agency_admin, accounts_pool):
    token = (await (await log_in(accounts_service, agency_admin)).json())["session_token"]
    await accounts_pool.execute(
        "UPDATE sessions SET last_seen_at = now() - interval '29 minutes' WHERE token_hash = $1",
        hash_token(token),
    )

    response = await current_session(accounts_service, token)
    last_seen_age = await accounts_pool.fetchval(
        "SELECT extract(epoch FROM now() - last_seen_at) FROM sessions WHERE token_hash = $1",
        hash_token(token),
    )

    assert response.status == 200
    assert last_seen_age < 60


async def test_recent_activity_is_not_written_again(accounts_service, agency_admin, accounts_pool):
    token = (await (await log_in(accounts_service, agency_admin)).json())["session_token"]
    await accounts_pool.execute(
        "UPDATE sessions SET last_seen_at = now() - interval '30 seconds' WHERE token_hash = $1",
        hash_token(token),
    )

    await current_session(accounts_service, token)
    last_seen_age = await accounts_pool.fetchval(
        "SELECT extract(epoch FROM now() - last_seen_at) FROM sessions WHERE token_hash = $1",
        hash_token(token),
    )

    assert last_seen_age >= 30


async def test_session_expires_after_12_hours(accounts_service, agency_admin, accounts_pool):
    token = (await (await log_in(accounts_service, agency_admin)).json())["session_token"]
    await accounts_pool.execute(
        """UPDATE sessions SET created_at = now() - interval '12 hours 1 minute',
                               expires_at = now() - interval '1 minute'
            WHERE token_hash = $1""",
        hash_token(token),
    )

    response = await current_session(accounts_service, token)

    assert response.status == 401


async def test_session_absolute_expiry_is_12_hours(accounts_service, agency_admin, accounts_pool):
    body = await (await log_in(accounts_service, agency_admin)).json()

    lifetime = await accounts_pool.fetchval(
        "SELECT extract(epoch FROM expires_at - created_at) FROM sessions WHERE id = $1::uuid",
        body["session"]["session_id"],
    )

    assert lifetime == 12 * 3600


async def test_each_login_opens_new_session(accounts_service, agency_admin):
    first = (await (await log_in(accounts_service, agency_admin)).json())["session_token"]
    second = (await (await log_in(accounts_service, agency_admin)).json())["session_token"]

    first_still_valid = await current_session(accounts_service, first)
    headers = {**accounts_service.system_headers(), "X-MF-Session": first}
    await accounts_service.client.delete("/internal/sessions/current", headers=headers)
    first_after_logout = await current_session(accounts_service, first)
    second_after_logout = await current_session(accounts_service, second)

    assert first != second
    assert first_still_valid.status == 200
    assert first_after_logout.status == 401
    assert second_after_logout.status == 200


async def test_disabled_user_cannot_log_in(accounts_service, agency_admin, accounts_pool):
    await accounts_pool.execute("UPDATE users SET disabled_at = now() WHERE id = $1::uuid", agency_admin.user_id)

    response = await log_in(accounts_service, agency_admin)

    assert response.status == 401


async def test_outdated_hash_is_replaced_at_login(accounts_service, agency_admin, accounts_pool):
    from argon2 import PasswordHasher

    from services.accounts.validation import normalize_password

    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(
        normalize_password(agency_admin.password)
    )
    await accounts_pool.execute("UPDATE users SET password_hash = $2 WHERE id = $1::uuid", agency_admin.user_id, weak)

    response = await log_in(accounts_service, agency_admin)
    stored = await accounts_pool.fetchval("SELECT password_hash FROM users WHERE id = $1::uuid", agency_admin.user_id)

    assert response.status == 200
    assert stored != weak
    assert "m=19456,t=2,p=1" in stored


async def test_login_rejects_unstorable_text(accounts_service, capsys):
    for login in ("Mot-De-Passe-Tape-Ici-42\\ud800", "Mot-De-Passe-Tape-Ici-42\\u0000"):
        response = await accounts_service.client.post(
            "/internal/logins",
            data=f'{{"login": "{login}", "password": "x", "client_ip": "{unique_address()}"}}',
            headers={**accounts_service.system_headers(), "Content-Type": "application/json"},
        )
        body = await response.json()

        assert response.status == 422, login
        assert body["error"]["details"]["field"] == "login"
        assert "caractère nul ou un caractère Unicode incomplet" in body["error"]["message"]
    assert "Mot-De-Passe-Tape-Ici-42" not in capsys.readouterr().err
