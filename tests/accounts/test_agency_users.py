"""Agency administrateurs managing users: listing, roles, disabling, and the last administrateur."""

from __future__ import annotations

import pytest

from tests.accounts.support import current_session, log_in, make_agency_user, principal_headers


async def test_users_list_shows_agency_members(accounts_service, agency_admin, accounts_pool):
    colleague = await make_agency_user(
        accounts_pool, role="lecteur", creditor=agency_admin.creditor, customer_account=agency_admin.customer_account
    )
    outsider = await make_agency_user(accounts_pool, creditor=agency_admin.creditor)

    response = await accounts_service.client.get("/agency/users", headers=principal_headers(accounts_service, agency_admin))
    users = {user["login"]: user for user in (await response.json())["users"]}

    assert set(users) == {agency_admin.login, colleague.login}
    assert users[colleague.login]["role"] == "lecteur"
    assert users[agency_admin.login]["active"] is True
    assert outsider.login not in users


async def test_role_change_applies_to_next_login(accounts_service, agency_admin, accounts_pool):
    colleague = await make_agency_user(
        accounts_pool, role="lecteur", creditor=agency_admin.creditor, customer_account=agency_admin.customer_account
    )

    response = await accounts_service.client.patch(
        f"/agency/users/{colleague.user_id}", json={"role": "comptable"}, headers=principal_headers(accounts_service, agency_admin)
    )
    session = (await (await log_in(accounts_service, colleague)).json())["session"]
    event = await accounts_pool.fetchval(
        "SELECT payload FROM outbox WHERE subject = 'accounts.user.role_changed' AND payload -> 'data' ->> 'user_id' = $1",
        colleague.user_id,
    )

    assert response.status == 200
    assert await response.json() == {"invitations_revoked": 0}
    assert session["role"] == "comptable"
    assert event["data"]["role_before"] == "lecteur"


async def test_last_administrator_cannot_be_demoted(accounts_service, agency_admin):
    response = await accounts_service.client.patch(
        f"/agency/users/{agency_admin.user_id}", json={"role": "lecteur"}, headers=principal_headers(accounts_service, agency_admin)
    )

    assert response.status == 409
    assert (await response.json())["error"]["code"] == "last_administrator"


async def test_disabling_user_ends_sessions(accounts_service, agency_admin, accounts_pool):
    colleague = await make_agency_user(
        accounts_pool, role="comptable", creditor=agency_admin.creditor, customer_account=agency_admin.customer_account
    )
    token = (await (await log_in(accounts_service, colleague)).json())["session_token"]

    response = await accounts_service.client.delete(
        f"/agency/users/{colleague.user_id}", headers=principal_headers(accounts_service, agency_admin)
    )

    assert response.status == 200
    assert await response.json() == {"invitations_revoked": 0}
    assert (await current_session(accounts_service, token)).status == 401
    assert (await log_in(accounts_service, colleague)).status == 401


async def test_enabling_user_restores_login(accounts_service, agency_admin, accounts_pool):
    colleague = await make_agency_user(
        accounts_pool, role="comptable", creditor=agency_admin.creditor, customer_account=agency_admin.customer_account
    )
    headers = principal_headers(accounts_service, agency_admin)
    await accounts_service.client.delete(f"/agency/users/{colleague.user_id}", headers=headers)

    response = await accounts_service.client.post(f"/agency/users/{colleague.user_id}/enable", headers=headers)
    again = await accounts_service.client.post(f"/agency/users/{colleague.user_id}/enable", headers=headers)
    events = await accounts_pool.fetchval(
        "SELECT count(*) FROM outbox WHERE subject = 'accounts.user.enabled' AND payload->'data'->>'user_id' = $1",
        colleague.user_id,
    )

    assert response.status == 204
    assert again.status == 204
    assert (await log_in(accounts_service, colleague)).status == 200
    assert events == 1


async def test_enabling_user_of_other_agency_is_not_found(accounts_service, agency_admin, accounts_pool):
    outsider = await make_agency_user(accounts_pool)

    response = await accounts_service.client.post(
        f"/agency/users/{outsider.user_id}/enable", headers=principal_headers(accounts_service, agency_admin)
    )

    assert response.status == 404


@pytest.mark.parametrize("spelling", [str.lower, str.upper])
async def test_administrator_cannot_disable_self(accounts_service, agency_admin, accounts_pool, spelling):
    """The same id written in upper case is still the administrateur's own."""
    # A second administrateur, so that only the rule on one's own access can refuse.
    await make_agency_user(
        accounts_pool, role="administrateur", creditor=agency_admin.creditor, customer_account=agency_admin.customer_account
    )

    response = await accounts_service.client.delete(
        f"/agency/users/{spelling(str(agency_admin.user_id))}", headers=principal_headers(accounts_service, agency_admin)
    )
    disabled = await accounts_pool.fetchval(
        "SELECT disabled_at IS NOT NULL FROM users WHERE id = $1::uuid", str(agency_admin.user_id)
    )

    assert response.status == 409
    assert (await response.json())["error"]["code"] == "cannot_disable_self"
    assert disabled is False


async def test_user_of_other_agency_is_not_found(accounts_service, agency_admin, accounts_pool):
    outsider = await make_agency_user(accounts_pool)

    response = await accounts_service.client.patch(
        f"/agency/users/{outsider.user_id}", json={"role": "lecteur"}, headers=principal_headers(accounts_service, agency_admin)
    )

    assert response.status == 404
