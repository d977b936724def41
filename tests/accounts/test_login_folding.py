"""Login case folding and the login rule, through the accounts service and its commands.

Logins are matched with PostgreSQL's ``lower()``. The test database is
created with ``--locale=C``, where ``lower()`` changes ASCII letters only.
"""

from __future__ import annotations

import secrets

import pytest

from services.accounts.commands import create_staff_user, create_user
from services.accounts.domain import LoginAlreadyTaken
from services.accounts.throttle import stored_login_key
from services.accounts.validation import ValidationError
from tests.accounts.support import (
    link_token,
    log_in,
    make_agency_user,
    new_password,
    principal_headers,
    unique_address,
    wait_for_mail,
)
from tests.conftest import unique_id

RULE_EXAMPLE = "par exemple «\u00a0marie.dupont\u00a0»."


async def user_with_login(accounts_pool, login: str):
    """Create an agency user, then give it ``login`` as a user created before the login rule could have."""
    user = await make_agency_user(accounts_pool)
    await accounts_pool.execute("UPDATE users SET login = $2 WHERE id = $1::uuid", user.user_id, login)
    return type("User", (), {"login": login, "password": user.password, "user_id": user.user_id})()


async def test_non_ascii_login_logs_in(accounts_service, accounts_pool):
    suffix = secrets.token_hex(3)
    user = await user_with_login(accounts_pool, f"Éloïse-{suffix}")
    upper_ascii = type("Typed", (), {"login": f"Éloïse-{suffix.upper()}", "password": user.password})()

    exact = await log_in(accounts_service, user)
    other_ascii_case = await log_in(accounts_service, upper_ascii)

    assert exact.status == 200, await exact.text()
    assert other_ascii_case.status == 200, await other_ascii_case.text()


async def test_failed_login_counts_on_stored_login(accounts_service, accounts_pool):
    """A failure is counted on the key that the user's own login folds to, so the throttle applies to it."""
    user = await user_with_login(accounts_pool, f"Éric-{secrets.token_hex(3)}")
    wrong = type("Typed", (), {"login": user.login, "password": "definitely the wrong password"})()

    response = await log_in(accounts_service, wrong)
    folded = await accounts_pool.fetchval("SELECT lower(login) FROM users WHERE id = $1::uuid", user.user_id)
    counted = await accounts_pool.fetchval(
        "SELECT count(*) FROM login_attempts WHERE login_key = $1 AND NOT succeeded", stored_login_key(folded)
    )

    assert response.status == 401
    assert counted == 1


async def test_ascii_case_variants_are_one_login(accounts_service, accounts_pool, agency_admin):
    login = f"Jean.Dupont_{secrets.token_hex(3)}@agence-x.fr"
    user_id = await create_user(
        accounts_pool,
        login=login,
        password=(password := new_password()),
        creditor=agency_admin.creditor,
        customer_account=unique_id("C"),
    )
    typed = type("Typed", (), {"login": login.upper(), "password": password})()

    with pytest.raises(LoginAlreadyTaken):
        await create_user(
            accounts_pool,
            login=login.lower(),
            password=new_password(),
            creditor=agency_admin.creditor,
            customer_account=unique_id("C"),
        )
    response = await log_in(accounts_service, typed, client_ip=unique_address())

    assert response.status == 200, await response.text()
    assert (await response.json())["session"]["user_id"] == user_id


@pytest.mark.parametrize("login", ["Éloïse", "ab", "marie dupont", "marie\u200bdupont", "x" * 65])
async def test_create_user_rejects_login_outside_rule(accounts_pool, agency_admin, login):
    with pytest.raises(ValidationError) as raised:
        await create_user(
            accounts_pool,
            login=login,
            password=new_password(),
            creditor=agency_admin.creditor,
            customer_account=unique_id("C"),
        )
    stored = await accounts_pool.fetchval("SELECT count(*) FROM users WHERE login = $1", login)

    assert raised.value.errors[0].field == "login"
    assert raised.value.errors[0].message.endswith(RULE_EXAMPLE)
    assert stored == 0


async def test_create_staff_user_rejects_login_outside_rule(accounts_pool, agency_admin):
    with pytest.raises(ValidationError) as raised:
        await create_staff_user(
            accounts_pool, login="Éloïse-staff", password=new_password(), creditors=[agency_admin.creditor]
        )

    assert raised.value.codes == ["login.character"]


async def invitation_token(accounts, admin, mail_sink) -> str:
    email = f"{unique_id('invitee')}@agence.example"
    response = await accounts.client.post(
        "/agency/invitations", json={"email": email, "role": "lecteur"}, headers=principal_headers(accounts, admin)
    )
    assert response.status == 201
    [message] = await wait_for_mail(mail_sink.folder, lambda message: email in message.envelope_to)
    return link_token(message.text, "invitation")


async def test_invitation_rejects_login_outside_rule(accounts, agency_admin, mail_sink):
    token = await invitation_token(accounts, agency_admin, mail_sink)

    rejected = await accounts.client.post(
        f"/internal/invitations/{token}",
        json={"login": "Éloïse", "password": "password123"},
        headers=accounts.system_headers(),
    )
    fields = (await rejected.json())["error"]["details"]["fields"]
    retried = await accounts.client.post(
        f"/internal/invitations/{token}",
        json={"login": unique_id("eloise"), "password": new_password()},
        headers=accounts.system_headers(),
    )

    assert rejected.status == 422
    assert {field["field"] for field in fields} == {"login", "password"}
    assert fields[0]["code"] == "login.character"
    assert fields[0]["message"].endswith(RULE_EXAMPLE)
    assert retried.status == 201
