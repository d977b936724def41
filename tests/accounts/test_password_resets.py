"""Password reset by e-mail and password change from a session."""

from __future__ import annotations

from services.accounts.credentials import MAX_RESETS_PER_HOUR
from services.accounts.sessions import hash_token
from tests.accounts.conftest import PUBLIC_URL
from tests.accounts.support import (
    current_session,
    link_token,
    log_in,
    new_password,
    principal_headers,
    wait_for_mail,
)


def is_reset_for(user):
    return lambda message: user.email in message.envelope_to and "Réinitialisation" in message.subject


async def request_reset(accounts, identifier: str):
    return await accounts.client.post(
        "/internal/password-resets", json={"login": identifier}, headers=accounts.system_headers()
    )


async def reset_token(accounts, user, mail_sink) -> str:
    response = await request_reset(accounts, user.login)
    assert response.status == 202
    [message] = await wait_for_mail(mail_sink.folder, is_reset_for(user))
    return link_token(message.text, "mot-de-passe")


async def complete(accounts, token: str, password: str):
    return await accounts.client.post(
        f"/internal/password-resets/{token}", json={"password": password}, headers=accounts.system_headers()
    )


async def test_reset_mail_carries_portal_link(accounts, agency_admin, mail_sink):
    await request_reset(accounts, agency_admin.login)

    [message] = await wait_for_mail(mail_sink.folder, is_reset_for(agency_admin))

    assert f"{PUBLIC_URL}/mot-de-passe/" in message.text
    assert agency_admin.login in message.text


async def test_reset_by_email_address_works(accounts, agency_admin, mail_sink):
    await request_reset(accounts, agency_admin.email.upper())

    messages = await wait_for_mail(mail_sink.folder, is_reset_for(agency_admin))

    assert len(messages) == 1


async def test_reset_sets_password_and_ends_sessions(accounts, agency_admin, mail_sink):
    old_token = (await (await log_in(accounts, agency_admin)).json())["session_token"]
    token = await reset_token(accounts, agency_admin, mail_sink)
    password = new_password()

    described = await accounts.client.get(f"/internal/password-resets/{token}", headers=accounts.system_headers())
    completed = await complete(accounts, token, password)
    old_session = await current_session(accounts, old_token)
    with_old_password = await log_in(accounts, agency_admin)
    with_new_password = await log_in(accounts, agency_admin, password=password)
    notices = await wait_for_mail(
        mail_sink.folder, lambda message: agency_admin.email in message.envelope_to and "a été modifié" in message.subject
    )

    assert (await described.json())["login"] == agency_admin.login
    assert completed.status == 204
    assert old_session.status == 401
    assert with_old_password.status == 401
    assert with_new_password.status == 200
    assert len(notices) == 1


async def test_reset_link_works_once(accounts, agency_admin, mail_sink):
    token = await reset_token(accounts, agency_admin, mail_sink)
    await complete(accounts, token, new_password())

    reused = await complete(accounts, token, new_password())

    assert reused.status == 410
    assert (await reused.json())["error"]["code"] == "link_invalid"


async def test_reset_link_expires_after_one_hour(accounts, agency_admin, mail_sink, accounts_pool):
    token = await reset_token(accounts, agency_admin, mail_sink)
    lifetime = await accounts_pool.fetchval(
        "SELECT extract(epoch FROM expires_at - created_at) FROM single_use_links WHERE token_hash = $1", hash_token(token)
    )
    await accounts_pool.execute(
        "UPDATE single_use_links SET expires_at = now() - interval '1 second' WHERE token_hash = $1", hash_token(token)
    )

    response = await complete(accounts, token, new_password())

    assert lifetime == 3600
    assert response.status == 410


async def test_link_token_stored_only_as_hash(accounts, agency_admin, mail_sink, accounts_pool):
    token = await reset_token(accounts, agency_admin, mail_sink)

    found = await accounts_pool.fetchval(
        "SELECT count(*) FROM single_use_links WHERE token_hash = $1", hash_token(token)
    )
    plain = await accounts_pool.fetchval(
        "SELECT count(*) FROM single_use_links WHERE encode(token_hash, 'escape') LIKE '%' || $1 || '%'", token[:16]
    )

    assert found == 1
    assert plain == 0


async def test_unknown_login_gets_same_answer(accounts):
    response = await request_reset(accounts, "nobody-with-this-login")

    assert response.status == 202
    assert await response.json() == {"status": "accepted"}


async def test_weak_new_password_is_rejected(accounts, agency_admin, mail_sink):
    token = await reset_token(accounts, agency_admin, mail_sink)

    response = await complete(accounts, token, agency_admin.login + "2026")
    body = await response.json()
    retry = await complete(accounts, token, new_password())

    assert response.status == 422
    assert {field["code"] for field in body["error"]["details"]["fields"]} >= {"password.contains_login"}
    assert retry.status == 204


async def test_reset_requests_are_rate_limited(accounts, agency_admin, mail_sink, accounts_pool):
    for _ in range(MAX_RESETS_PER_HOUR + 2):
        await request_reset(accounts, agency_admin.login)

    links = await accounts_pool.fetchval(
        "SELECT count(*) FROM single_use_links WHERE user_id = $1::uuid AND purpose = 'password_reset'", agency_admin.user_id
    )

    assert links == MAX_RESETS_PER_HOUR


async def test_password_change_keeps_current_session_only(accounts, agency_admin):
    current = (await (await log_in(accounts, agency_admin)).json())["session_token"]
    other = (await (await log_in(accounts, agency_admin)).json())["session_token"]
    password = new_password()

    response = await accounts.client.post(
        "/me/password",
        json={"current_password": agency_admin.password, "new_password": password},
        headers={**principal_headers(accounts, agency_admin), "X-MF-Session": current},
    )

    assert response.status == 200
    assert (await response.json())["other_sessions_closed"] == 1
    assert (await current_session(accounts, current)).status == 200
    assert (await current_session(accounts, other)).status == 401
    assert (await log_in(accounts, agency_admin, password=password)).status == 200


async def test_password_change_requires_current_password(accounts, agency_admin):
    response = await accounts.client.post(
        "/me/password",
        json={"current_password": "not my password at all", "new_password": new_password()},
        headers=principal_headers(accounts, agency_admin),
    )
    body = await response.json()

    assert response.status == 422
    assert body["error"]["code"] == "reauthentication_failed"
    assert body["error"]["details"]["field"] == "password"



async def test_password_check_lists_problems_only(accounts, agency_admin):
    wrong = await accounts.client.post(
        "/me/password/check",
        json={"current_password": "not my password at all", "new_password": "court"},
        headers=principal_headers(accounts, agency_admin),
    )
    right = await accounts.client.post(
        "/me/password/check",
        json={"current_password": agency_admin.password, "new_password": new_password()},
        headers=principal_headers(accounts, agency_admin),
    )
    problems = (await wrong.json())["problems"]

    assert wrong.status == 200
    assert [problem["field"] for problem in problems] == ["current_password", "new_password"]
    assert problems[1]["code"] == "password.too_short"
    assert (await right.json())["problems"] == []
    assert (await log_in(accounts, agency_admin)).status == 200


async def test_log_out_other_sessions(accounts, agency_admin):
    current = (await (await log_in(accounts, agency_admin)).json())["session_token"]
    other = (await (await log_in(accounts, agency_admin)).json())["session_token"]

    response = await accounts.client.post(
        "/me/sessions/revoke-others", headers={**principal_headers(accounts, agency_admin), "X-MF-Session": current}
    )

    assert (await response.json())["other_sessions_closed"] == 1
    assert (await current_session(accounts, current)).status == 200
    assert (await current_session(accounts, other)).status == 401


async def test_long_new_password_gets_password_rule(accounts, agency_admin):
    # The rule is 128 characters: a longer new password is named with its count, whatever its length.
    response = await accounts.client.post(
        "/me/password/check",
        json={"current_password": agency_admin.password, "new_password": "phrase longue " * 80},
        headers=principal_headers(accounts, agency_admin),
    )
    problems = (await response.json())["problems"]

    assert response.status == 200
    assert [problem["code"] for problem in problems] == ["password.too_long"]
    assert "dépasse 128 caractères (1\u202f120 saisis)" in problems[0]["message"]
