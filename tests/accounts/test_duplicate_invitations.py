"""A second invitation to an address that already has a place in the agency is rejected."""

from __future__ import annotations

import asyncio

from tests.accounts.support import make_agency_user, principal_headers
from tests.conftest import unique_id

NBSP = "\u00a0"


async def invite(accounts, admin, email: str, display_name: str = "Jeanne Martin"):
    return await accounts.client.post(
        "/agency/invitations",
        json={"email": email, "role": "comptable", "display_name": display_name},
        headers=principal_headers(accounts, admin),
    )


def new_address() -> str:
    return f"{unique_id('invitee')}@agence.example"


async def test_pending_invitation_rejects_second(accounts, agency_admin):
    address = new_address()
    first = await invite(accounts, agency_admin, address)

    second = await invite(accounts, agency_admin, address.upper(), display_name="Autre nom")
    error = (await second.json())["error"]

    assert first.status == 201
    assert second.status == 409
    assert error["code"] == "invitation_pending"
    assert error["details"]["invitation_id"] == (await first.json())["invitation_id"]
    assert f"Une invitation à l’adresse «{NBSP}{address}{NBSP}» est déjà en attente" in error["message"]
    assert "(Jeanne Martin, envoyée le " in error["message"]
    assert "Annulez-la dans la liste des invitations" in error["message"]



async def test_pending_invitation_name_apostrophe(accounts, agency_admin):
    address = new_address()
    await invite(accounts, agency_admin, address, display_name="Zoé L'Hôte-Dupont")

    second = await invite(accounts, agency_admin, address)
    error = (await second.json())["error"]

    assert "(Zoé L’Hôte-Dupont, envoyée le " in error["message"]

async def test_active_user_address_is_rejected(accounts, accounts_pool, agency_admin):
    colleague = await make_agency_user(
        accounts_pool, role="lecteur", creditor=agency_admin.creditor, customer_account=agency_admin.customer_account
    )

    response = await invite(accounts, agency_admin, colleague.email)
    error = (await response.json())["error"]

    assert response.status == 409
    assert error["code"] == "email_already_member"
    assert error["details"]["user_id"] == colleague.user_id
    assert f"(identifiant «{NBSP}{colleague.login}{NBSP}»), utilisateur actif de l’agence" in error["message"]


async def test_revoked_invitation_allows_new_one(accounts, agency_admin):
    address = new_address()
    invitation_id = (await (await invite(accounts, agency_admin, address)).json())["invitation_id"]
    revoked = await accounts.client.delete(
        f"/agency/invitations/{invitation_id}", headers=principal_headers(accounts, agency_admin)
    )

    again = await invite(accounts, agency_admin, address)

    assert revoked.status == 204
    assert again.status == 201


async def test_disabled_user_address_is_accepted(accounts, accounts_pool, agency_admin):
    former = await make_agency_user(
        accounts_pool, role="lecteur", creditor=agency_admin.creditor, customer_account=agency_admin.customer_account
    )
    await accounts_pool.execute("UPDATE users SET disabled_at = now() WHERE id = $1::uuid", former.user_id)

    response = await invite(accounts, agency_admin, former.email)

    assert response.status == 201


async def test_other_agency_invitation_does_not_block(accounts, accounts_pool, agency_admin):
    other_admin = await make_agency_user(accounts_pool)
    address = new_address()
    await invite(accounts, other_admin, address)

    response = await invite(accounts, agency_admin, address)

    assert response.status == 201


async def test_concurrent_invitations_accept_one(accounts, accounts_pool, agency_admin):
    address = new_address()

    responses = await asyncio.gather(*(invite(accounts, agency_admin, address) for _ in range(3)))
    live = await accounts_pool.fetchval(
        "SELECT count(*) FROM single_use_links WHERE purpose = 'invitation' AND email = $1", address
    )

    assert sorted(response.status for response in responses) == [201, 409, 409]
    assert live == 1
