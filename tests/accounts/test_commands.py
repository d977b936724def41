"""The CLI commands that create creditors, users and account links."""

from __future__ import annotations

import pytest

from services.accounts.commands import create_staff_user, create_user, ensure_creditor, link_account
from services.accounts.domain import (
    AccountOwnedByAnotherAgency,
    InvalidRequest,
    LoginAlreadyTaken,
    UnknownCreditor,
    UnknownUser,
)
from services.accounts.validation import ValidationError
from tests.accounts.support import make_agency_user, new_password
from tests.conftest import unique_id


async def test_create_user_rejects_existing_login_any_case(accounts_pool, agency_admin):
    with pytest.raises(LoginAlreadyTaken) as raised:
        await create_user(
            accounts_pool,
            login=agency_admin.login.upper(),
            password=new_password(),
            creditor=agency_admin.creditor,
            customer_account=unique_id("C"),
        )

    assert agency_admin.login.upper() in raised.value.message


async def test_create_user_rejects_unknown_creditor(accounts_pool):
    with pytest.raises(UnknownCreditor) as raised:
        await create_user(
            accounts_pool, login=unique_id("user"), password=new_password(), creditor="no-such-creditor", customer_account="C1"
        )

    assert "no-such-creditor" in raised.value.message


async def test_create_user_rejects_weak_password(accounts_pool, agency_admin):
    with pytest.raises(ValidationError) as raised:
        await create_user(
            accounts_pool, login=unique_id("user"), password="short", creditor=agency_admin.creditor, customer_account="C1"
        )

    assert "password.too_short" in raised.value.codes


async def test_create_user_rejects_unknown_role(accounts_pool, agency_admin):
    with pytest.raises(InvalidRequest):
        await create_user(
            accounts_pool,
            login=unique_id("user"),
            password=new_password(),
            creditor=agency_admin.creditor,
            customer_account="C1",
            role="superuser",
        )


async def test_create_user_failure_leaves_no_agency(accounts_pool, agency_admin):
    account = unique_id("C")

    with pytest.raises(LoginAlreadyTaken):
        await create_user(
            accounts_pool, login=agency_admin.login, password=new_password(), creditor=agency_admin.creditor, customer_account=account
        )
    owner = await accounts_pool.fetchval(
        "SELECT agency_id FROM agency_accounts WHERE creditor_id = $1 AND customer_account = $2", agency_admin.creditor, account
    )

    assert owner is None


async def test_second_user_joins_agency_of_account(accounts_pool, agency_admin):
    user_id = await create_user(
        accounts_pool,
        login=unique_id("user"),
        password=new_password(),
        creditor=agency_admin.creditor,
        customer_account=agency_admin.customer_account,
        role="lecteur",
    )

    agencies = await accounts_pool.fetch(
        "SELECT agency_id, role FROM memberships WHERE user_id = ANY($1::uuid[]) ORDER BY role",
        [user_id, agency_admin.user_id],
    )

    assert agencies[0]["agency_id"] == agencies[1]["agency_id"]
    assert [row["role"] for row in agencies] == ["administrateur", "lecteur"]


async def test_create_user_publishes_user_created(accounts_pool, agency_admin):
    row = await accounts_pool.fetchrow(
        "SELECT payload FROM outbox WHERE subject = 'accounts.user.created' AND payload -> 'data' ->> 'user_id' = $1",
        agency_admin.user_id,
    )

    envelope = row["payload"]
    assert envelope["producer"] == "accounts"
    assert envelope["creditor_id"] == agency_admin.creditor
    assert envelope["customer_account"] == agency_admin.customer_account
    assert envelope["data"]["role"] == "administrateur"
    assert envelope["data"]["kind"] == "agency"


async def test_link_account_adds_account_to_agency(accounts_service, accounts_pool, agency_admin):
    other_creditor = unique_id("cred")
    await ensure_creditor(accounts_pool, other_creditor, "Autre créancier")

    await link_account(accounts_pool, login=agency_admin.login, creditor=other_creditor, customer_account="C42")
    accounts = await accounts_pool.fetch(
        """SELECT a.creditor_id FROM agency_accounts a JOIN memberships m ON m.agency_id = a.agency_id
            WHERE m.user_id = $1::uuid ORDER BY a.creditor_id""",
        agency_admin.user_id,
    )

    assert sorted(row["creditor_id"] for row in accounts) == sorted([agency_admin.creditor, other_creditor])


async def test_link_account_twice_is_harmless(accounts_pool, agency_admin):
    await link_account(
        accounts_pool, login=agency_admin.login, creditor=agency_admin.creditor, customer_account=agency_admin.customer_account
    )

    count = await accounts_pool.fetchval(
        "SELECT count(*) FROM agency_accounts WHERE creditor_id = $1", agency_admin.creditor
    )

    assert count == 1


async def test_link_account_rejects_account_of_other_agency(accounts_pool, agency_admin):
    other = await make_agency_user(accounts_pool, creditor=agency_admin.creditor)

    with pytest.raises(AccountOwnedByAnotherAgency):
        await link_account(
            accounts_pool, login=agency_admin.login, creditor=other.creditor, customer_account=other.customer_account
        )


async def test_link_account_rejects_unknown_login(accounts_pool, agency_admin):
    with pytest.raises(UnknownUser):
        await link_account(accounts_pool, login="nobody-here", creditor=agency_admin.creditor, customer_account="C9")


async def test_ensure_creditor_rejects_bad_slug(accounts_pool):
    with pytest.raises(InvalidRequest):
        await ensure_creditor(accounts_pool, "Bad Slug", "Nom")


async def test_staff_user_session_lists_creditors(accounts_service, accounts_pool):
    creditor = unique_id("cred")
    await ensure_creditor(accounts_pool, creditor, "Créancier du staff")
    login = unique_id("staff")
    password = new_password()
    await create_staff_user(accounts_pool, login=login, password=password, creditors=[creditor])

    response = await accounts_service.client.post(
        "/internal/logins",
        json={"login": login, "password": password, "client_ip": "2001:db8::5"},
        headers=accounts_service.system_headers(),
    )
    session = (await response.json())["session"]

    assert response.status == 200
    assert session["role"] == "staff"
    assert session["staff_creditors"] == [creditor]
    assert session["agency_id"] is None
    assert session["accounts"] == []
