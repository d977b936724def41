"""Utilisateurs: the invitation form shows why a second invitation to the same address is rejected."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import ServiceClient, unique_id
from tests.gateway.conftest import csrf_token_of, log_in
from tests.gateway.support import AgencyLogin, CreditorAccount, accounts_with_mail, create_agency_member, create_creditor


@pytest.fixture
async def accounts_service(engines, signer, tmp_path: Path) -> AsyncIterator[ServiceClient]:
    """The accounts service with a local SMTP sink, which invitations need."""
    async with accounts_with_mail(engines, signer, tmp_path / "mail") as service:
        yield service


@pytest.fixture
async def admin(gateway, accounts_pool, ledger_service) -> AgencyLogin:
    """An administrateur logged in on ``gateway``."""
    creditor_id = await create_creditor(accounts_pool, ledger_service, "Presse Immo Invitations")
    user = await create_agency_member(
        accounts_pool, [CreditorAccount(creditor_id, "Presse Immo Invitations", "C9201")], role="administrateur"
    )
    response = await log_in(gateway, user.login, user.password)
    assert response.status == 302
    return user


async def post_invitation(gateway, address: str):
    token = csrf_token_of(await (await gateway.get("/utilisateurs")).text())
    return await gateway.post(
        "/utilisateurs/invitations",
        data={"csrf_token": token, "email": address, "display_name": "Hugo Petit", "role": "lecteur"},
        allow_redirects=False,
    )


async def test_second_invitation_shows_pending_one(gateway, admin):
    address = f"{unique_id('nouveau')}@agence.example"
    first = await post_invitation(gateway, address)

    second = await post_invitation(gateway, address)
    page = html.unescape(await second.text())

    assert first.status == 303
    assert second.status == 409
    assert 'id="error-email"' in page
    assert "est déjà en attente (Hugo Petit, envoyée le " in page
    assert f'value="{address}"' in page


async def test_member_address_shows_user(gateway, accounts_pool, admin):
    email = await accounts_pool.fetchval("SELECT email FROM users WHERE login = $1", admin.login)

    response = await post_invitation(gateway, email)
    page = html.unescape(await response.text())

    assert response.status == 409
    assert 'id="error-email"' in page
    assert f"(identifiant « {admin.login} »), utilisateur actif de l’agence" in page.replace("\u00a0", " ")
