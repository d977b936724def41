"""Utilisateurs through the gateway: an administrateur manages the agency's users and invitations."""

from __future__ import annotations

import re
import uuid
from html import unescape
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.accounts.invitations import INVITATION_LIFETIME
from services.accounts.single_use_links import create_link
from tests.conftest import ServiceClient, unique_id
from tests.gateway.conftest import csrf_token_of, log_in
from tests.gateway.browsers import is_logged_in, second_session
from tests.gateway.support import (
    AgencyLogin,
    CreditorAccount,
    accounts_with_mail,
    add_agency_member,
    create_agency_member,
    create_creditor,
    wait_for_caught_mail,
)


@pytest.fixture
async def accounts_service(engines, signer, tmp_path: Path) -> AsyncIterator[ServiceClient]:
    """The accounts service with a local SMTP sink in ``tmp_path / "mail"``."""
    async with accounts_with_mail(engines, signer, tmp_path / "mail") as service:
        yield service


@pytest.fixture
async def admin(accounts_pool, ledger_service) -> AgencyLogin:
    creditor_id = await create_creditor(accounts_pool, ledger_service, "Presse Immo Utilisateurs")
    creditor = CreditorAccount(creditor_id, "Presse Immo Utilisateurs", "C9101")
    return await create_agency_member(accounts_pool, [creditor], role="administrateur")


async def logged_in_as(gateway, user: AgencyLogin):
    gateway.session.cookie_jar.clear()
    response = await log_in(gateway, user.login, user.password)
    assert response.status == 302, await response.text()
    return gateway


async def user_id_of(accounts_pool, user: AgencyLogin) -> str:
    return str(await accounts_pool.fetchval("SELECT id FROM users WHERE login = $1", user.login))


async def users_token(gateway) -> str:
    return csrf_token_of(await (await gateway.get("/utilisateurs")).text())


async def test_users_page_lists_agency_users(gateway, accounts_pool, admin):
    reader = await add_agency_member(accounts_pool, admin, role="lecteur")
    await logged_in_as(gateway, admin)

    response = await gateway.get("/utilisateurs")
    page = await response.text()

    assert response.status == 200
    assert '<span aria-current="page">Utilisateurs</span>' in page
    assert f'data-login="{admin.login}"' in page
    assert f'data-login="{reader.login}"' in page
    assert "(vous)" in page
    assert "Inviter un utilisateur" in page
    assert "Aucune invitation en attente." in page
    # The agency's users do not depend on the selected creditor.
    assert "<h1>Utilisateurs</h1>" in page
    assert 'class="creditor-name"' not in page


async def test_accountant_is_refused_users_page(gateway, accounts_pool, admin):
    accountant = await add_agency_member(accounts_pool, admin, role="comptable")
    await logged_in_as(gateway, accountant)

    response = await gateway.get("/utilisateurs")

    assert response.status == 403
    assert "gérer les utilisateurs de l’agence" in await response.text()


async def test_invitation_is_listed_and_mailed(gateway, admin, tmp_path):
    await logged_in_as(gateway, admin)
    address = f"{unique_id('nouveau')}@agence.example"

    response = await gateway.post(
        "/utilisateurs/invitations",
        data={"csrf_token": await users_token(gateway), "email": address, "display_name": "Hugo Petit", "role": "lecteur"},
        allow_redirects=False,
    )
    page = await (await gateway.get(response.headers["Location"])).text()
    messages = await wait_for_caught_mail(tmp_path / "mail", lambda message: address in message.envelope_to)

    assert response.status == 303
    assert "L’invitation a été envoyée par e-mail." in page
    assert address in page
    assert "Hugo Petit" in page
    assert "/invitation/" in messages[0].text
    assert admin.agency_name in messages[0].subject


async def test_invalid_invitation_email_is_shown(gateway, admin):
    await logged_in_as(gateway, admin)

    response = await gateway.post(
        "/utilisateurs/invitations",
        data={"csrf_token": await users_token(gateway), "email": "pas-une-adresse", "role": "comptable"},
    )
    page = await response.text()

    assert response.status == 422
    assert 'id="error-email"' in page
    assert 'value="pas-une-adresse"' in page


async def test_invitation_needs_known_role(gateway, admin):
    await logged_in_as(gateway, admin)

    response = await gateway.post(
        "/utilisateurs/invitations",
        data={"csrf_token": await users_token(gateway), "email": "a@agence.example", "role": "staff"},
    )

    assert response.status == 422
    assert 'id="error-role"' in await response.text()


async def test_invitation_can_be_revoked(gateway, accounts_pool, admin):
    await logged_in_as(gateway, admin)
    address = f"{unique_id('annule')}@agence.example"
    token = await users_token(gateway)
    await gateway.post(
        "/utilisateurs/invitations", data={"csrf_token": token, "email": address, "role": "lecteur"}
    )
    invitation_id = await accounts_pool.fetchval("SELECT id::text FROM single_use_links WHERE email = $1", address)

    response = await gateway.post(
        f"/utilisateurs/invitations/{invitation_id}/revocation", data={"csrf_token": token}, allow_redirects=False
    )
    page = await (await gateway.get(response.headers["Location"])).text()
    again = await gateway.post(f"/utilisateurs/invitations/{invitation_id}/revocation", data={"csrf_token": token})

    assert response.status == 303
    assert "L’invitation a été annulée" in page
    assert address not in page
    assert again.status == 404


async def test_role_change_applies(gateway, accounts_pool, admin):
    reader = await add_agency_member(accounts_pool, admin, role="lecteur")
    reader_id = await user_id_of(accounts_pool, reader)
    await logged_in_as(gateway, admin)

    response = await gateway.post(
        f"/utilisateurs/{reader_id}/role",
        data={"csrf_token": await users_token(gateway), "role": "comptable"},
        allow_redirects=False,
    )
    page = await (await gateway.get(response.headers["Location"])).text()
    role = await accounts_pool.fetchval("SELECT role FROM memberships WHERE user_id = $1::uuid", reader_id)

    assert response.status == 303
    assert "Le rôle a été modifié." in page
    assert role == "comptable"


async def test_last_administrator_keeps_role(gateway, accounts_pool, admin):
    admin_id = await user_id_of(accounts_pool, admin)
    await logged_in_as(gateway, admin)

    response = await gateway.post(
        f"/utilisateurs/{admin_id}/role", data={"csrf_token": await users_token(gateway), "role": "lecteur"}
    )
    role = await accounts_pool.fetchval("SELECT role FROM memberships WHERE user_id = $1::uuid", admin_id)

    assert response.status == 409
    assert "au moins un administrateur actif" in await response.text()
    assert role == "administrateur"


async def test_disabling_user_closes_sessions(gateway, accounts_pool, admin):
    accountant = await add_agency_member(accounts_pool, admin, role="comptable")
    accountant_id = await user_id_of(accounts_pool, accountant)
    await logged_in_as(gateway, admin)

    response = await gateway.post(
        f"/utilisateurs/{accountant_id}/desactivation",
        data={"csrf_token": await users_token(gateway)},
        allow_redirects=False,
    )
    page = await (await gateway.get(response.headers["Location"])).text()
    row = re.search(rf'<tr data-user-id="{accountant_id}"[^>]*class="inactive"', page)
    gateway.session.cookie_jar.clear()
    login_again = await log_in(gateway, accountant.login, accountant.password)

    assert response.status == 303
    assert "L’utilisateur a été désactivé\u00a0: ses sessions ont été fermées et ses liens" in page
    assert row is not None
    assert login_again.status == 401


async def test_administrator_cannot_disable_self(gateway, accounts_pool, admin):
    admin_id = await user_id_of(accounts_pool, admin)
    await logged_in_as(gateway, admin)

    response = await gateway.post(
        f"/utilisateurs/{admin_id}/desactivation", data={"csrf_token": await users_token(gateway)}
    )

    assert response.status == 409
    assert "Vous ne pouvez pas désactiver votre propre accès." in await response.text()


async def test_user_action_without_csrf_token_is_rejected(gateway, accounts_pool, admin):
    reader = await add_agency_member(accounts_pool, admin, role="lecteur")
    reader_id = await user_id_of(accounts_pool, reader)
    await logged_in_as(gateway, admin)

    response = await gateway.post(f"/utilisateurs/{reader_id}/desactivation", data={})
    disabled = await accounts_pool.fetchval("SELECT disabled_at FROM users WHERE id = $1::uuid", reader_id)

    assert response.status == 403
    assert disabled is None


async def test_disabled_user_cached_session_stops(gateway, accounts_pool, admin):
    accountant = await add_agency_member(accounts_pool, admin, role="comptable")
    accountant_id = await user_id_of(accounts_pool, accountant)
    other = await second_session(gateway, accountant)
    # Opening a page caches the accountant's session on this gateway.
    assert await is_logged_in(gateway, other)
    await logged_in_as(gateway, admin)

    response = await gateway.post(
        f"/utilisateurs/{accountant_id}/desactivation",
        data={"csrf_token": await users_token(gateway)},
        allow_redirects=False,
    )

    assert response.status == 303
    assert not await is_logged_in(gateway, other)


async def test_disabled_user_can_be_enabled_again(gateway, accounts_pool, admin):
    accountant = await add_agency_member(accounts_pool, admin, role="comptable")
    accountant_id = await user_id_of(accounts_pool, accountant)
    await logged_in_as(gateway, admin)
    await gateway.post(f"/utilisateurs/{accountant_id}/desactivation", data={"csrf_token": await users_token(gateway)})

    response = await gateway.post(
        f"/utilisateurs/{accountant_id}/reactivation",
        data={"csrf_token": await users_token(gateway)},
        allow_redirects=False,
    )
    page = unescape(await (await gateway.get(response.headers["Location"])).text())
    gateway.session.cookie_jar.clear()
    login_again = await log_in(gateway, accountant.login, accountant.password)

    assert response.status == 303
    assert "L’utilisateur a été réactivé\u00a0: il peut de nouveau se connecter avec son mot de passe." in page
    assert re.search(rf'<tr data-user-id="{accountant_id}"[^>]*class="inactive"', page) is None
    assert login_again.status == 302


async def test_disable_form_asks_for_confirmation(gateway, accounts_pool, admin):
    accountant = await add_agency_member(accounts_pool, admin, role="comptable")
    await logged_in_as(gateway, admin)

    page = unescape(await (await gateway.get("/utilisateurs")).text())

    assert (
        f"data-confirm=\"Désactiver {accountant.display_name}\u202f? Ses sessions seront fermées et la connexion"
        " ne lui sera plus possible."
    ) in page


async def invitations_from(accounts_pool, author: AgencyLogin, count: int) -> None:
    """Store ``count`` live invitations sent by ``author``, without their e-mails."""
    author_id = uuid.UUID(await user_id_of(accounts_pool, author))
    agency_id = await accounts_pool.fetchval("SELECT agency_id FROM memberships WHERE user_id = $1", author_id)
    async with accounts_pool.acquire() as connection:
        for _ in range(count):
            await create_link(
                connection,
                "invitation",
                lifetime=INVITATION_LIFETIME,
                email=f"{unique_id('invitee')}@agence.example",
                agency_id=agency_id,
                role="lecteur",
                created_by=author_id,
            )


def notice_of(page: str) -> str:
    notice = re.search(r'<p class="alert alert--success" role="status">(.*?)</p>', page, re.DOTALL)
    assert notice is not None, page
    return unescape(notice.group(1))


async def test_demotion_notice_counts_invitations(gateway, accounts_pool, admin):
    other_admin = await add_agency_member(accounts_pool, admin, role="administrateur")
    await invitations_from(accounts_pool, other_admin, 2)
    other_admin_id = await user_id_of(accounts_pool, other_admin)
    await logged_in_as(gateway, admin)

    response = await gateway.post(
        f"/utilisateurs/{other_admin_id}/role",
        data={"csrf_token": await users_token(gateway), "role": "lecteur"},
        allow_redirects=False,
    )
    notice = notice_of(await (await gateway.get(response.headers["Location"])).text())

    assert response.status == 303
    assert notice == (
        "Le rôle a été modifié. Il s’applique à la prochaine page ouverte par cet utilisateur. Son nouveau"
        " rôle ne lui permettant plus d’inviter, 2\u00a0invitations en attente de sa part ont été"
        " annulées\u00a0: leurs liens ne fonctionnent plus."
    )


async def test_disabling_notice_counts_one_invitation(gateway, accounts_pool, admin):
    other_admin = await add_agency_member(accounts_pool, admin, role="administrateur")
    await invitations_from(accounts_pool, other_admin, 1)
    other_admin_id = await user_id_of(accounts_pool, other_admin)
    await logged_in_as(gateway, admin)

    response = await gateway.post(
        f"/utilisateurs/{other_admin_id}/desactivation",
        data={"csrf_token": await users_token(gateway)},
        allow_redirects=False,
    )
    notice = notice_of(await (await gateway.get(response.headers["Location"])).text())

    assert response.status == 303
    assert notice == (
        "L’utilisateur a été désactivé\u00a0: ses sessions ont été fermées et ses liens de changement de"
        " mot de passe ne sont plus valables. Par ailleurs, 1\u00a0invitation en attente de sa part a été"
        " annulée\u00a0: son lien ne fonctionne plus."
    )


@pytest.mark.parametrize("action", ["role", "desactivation"])
async def test_notice_without_invitations_omits_sentence(gateway, accounts_pool, admin, action):
    other_admin = await add_agency_member(accounts_pool, admin, role="administrateur")
    other_admin_id = await user_id_of(accounts_pool, other_admin)
    await logged_in_as(gateway, admin)

    response = await gateway.post(
        f"/utilisateurs/{other_admin_id}/{action}",
        data={"csrf_token": await users_token(gateway), "role": "comptable"},
        allow_redirects=False,
    )
    notice = notice_of(await (await gateway.get(response.headers["Location"])).text())

    assert response.status == 303
    assert "invitation" not in response.headers["Location"]
    assert "invitation" not in notice


@pytest.mark.parametrize("query", ["abc", "-1", "0", "1234567", "２"])
async def test_notice_ignores_invalid_count(gateway, admin, query):
    await logged_in_as(gateway, admin)

    page = await (await gateway.get(f"/utilisateurs?fait=role&invitations-annulees={query}")).text()

    assert notice_of(page) == "Le rôle a été modifié. Il s’applique à la prochaine page ouverte par cet utilisateur."
