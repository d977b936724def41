"""The invitation page states the login rule and shows the accounts service's errors for the login and display name."""

from __future__ import annotations

from collections.abc import AsyncIterator
from html import unescape
from pathlib import Path

import pytest

from tests.conftest import ServiceClient, unique_id
from tests.gateway.conftest import csrf_token_of, log_in
from tests.gateway.support import (
    AgencyLogin,
    CreditorAccount,
    accounts_with_mail,
    create_agency_member,
    create_creditor,
    link_token_in,
    wait_for_caught_mail,
)

NEW_PASSWORD = "un cheval violet traverse la Loire"
RULE_HINT = (
    "De 3 à 64\u00a0caractères\u00a0: lettres sans accent, chiffres et les signes "
    "«\u00a0.\u00a0», «\u00a0-\u00a0», «\u00a0_\u00a0» et «\u00a0@\u00a0», par exemple «\u00a0marie.dupont\u00a0»."
)


@pytest.fixture
async def accounts_service(engines, signer, tmp_path: Path) -> AsyncIterator[ServiceClient]:
    """The accounts service with a local SMTP sink in ``tmp_path / "mail"``."""
    async with accounts_with_mail(engines, signer, tmp_path / "mail") as service:
        yield service


@pytest.fixture
async def admin(accounts_pool, ledger_service) -> AgencyLogin:
    creditor_id = await create_creditor(accounts_pool, ledger_service, "Presse Immo Identifiants")
    creditor = CreditorAccount(creditor_id, "Presse Immo Identifiants", "C8101")
    return await create_agency_member(
        accounts_pool, [creditor], role="administrateur", email=f"{unique_id('admin')}@agence.example"
    )


async def invitation_token(gateway, admin: AgencyLogin, mail_dir: Path) -> str:
    """Invite a new address through the Utilisateurs page; return the token of the e-mailed link."""
    address = f"{unique_id('invitee')}@agence.example"
    await log_in(gateway, admin.login, admin.password)
    form_token = csrf_token_of(await (await gateway.get("/utilisateurs")).text())
    await gateway.post(
        "/utilisateurs/invitations",
        data={"csrf_token": form_token, "email": address, "display_name": "Éloïse Martin", "role": "lecteur"},
        allow_redirects=False,
    )
    gateway.session.cookie_jar.clear()
    messages = await wait_for_caught_mail(mail_dir, lambda message: address in message.envelope_to)
    return link_token_in(messages[0].text, "invitation")


async def accept(gateway, token: str, login: str, display_name: str = "Éloïse Martin"):
    form_token = csrf_token_of(await (await gateway.get(f"/invitation/{token}")).text())
    data = {
        "csrf_token": form_token,
        "login": login,
        "display_name": display_name,
        "password": NEW_PASSWORD,
        "password_confirmation": NEW_PASSWORD,
    }
    return await gateway.post(f"/invitation/{token}", data=data, allow_redirects=False)


async def test_invitation_page_states_login_rule(gateway, admin, tmp_path):
    token = await invitation_token(gateway, admin, tmp_path / "mail")

    page = unescape(await (await gateway.get(f"/invitation/{token}")).text())

    assert RULE_HINT in page
    assert 'maxlength="64"' in page


async def test_invitation_rejects_accented_login(gateway, admin, tmp_path):
    token = await invitation_token(gateway, admin, tmp_path / "mail")

    rejected = await accept(gateway, token, "Éloïse")
    page = unescape(await rejected.text())
    retried = await accept(gateway, token, unique_id("eloise"))

    assert rejected.status == 422
    assert 'id="error-login"' in page
    assert "L’identifiant contient le caractère «\u00a0É\u00a0», qui n’est pas accepté." in page
    assert "par exemple «\u00a0marie.dupont\u00a0»." in page
    assert retried.status == 303


async def test_invitation_rejects_login_over_64(gateway, admin, tmp_path):
    token = await invitation_token(gateway, admin, tmp_path / "mail")

    rejected = await accept(gateway, token, "x" * 65)
    page = unescape(await rejected.text())

    assert rejected.status == 422
    assert "L’identifiant est trop long\u00a0: 64 caractères au plus." in page


async def test_invitation_rejects_multiline_display_name(gateway, admin, tmp_path):
    token = await invitation_token(gateway, admin, tmp_path / "mail")

    rejected = await accept(gateway, token, unique_id("marie"), "Marie\n\nAVIS : notre RIB change")
    page = unescape(await rejected.text())

    assert rejected.status == 422
    assert 'id="error-display_name"' in page
    assert "Le champ «\u00a0Nom affiché\u00a0» contient un caractère de contrôle ou un saut de ligne (U+000A)" in page


async def test_invitation_shows_every_error_at_once(gateway, admin, tmp_path):
    token = await invitation_token(gateway, admin, tmp_path / "mail")
    form_token = csrf_token_of(await (await gateway.get(f"/invitation/{token}")).text())
    data = {
        "csrf_token": form_token,
        "login": "a b",
        "display_name": "Éloïse Martin",
        "password": "court",
        "password_confirmation": "autre",
    }

    rejected = await gateway.post(f"/invitation/{token}", data=data, allow_redirects=False)
    page = unescape(await rejected.text())
    summary = page[page.index('id="error-summary"') : page.index("</div>", page.index('id="error-summary"'))]
    links = [summary.index(f'href="#{field}"') for field in ("login", "password", "password_confirmation")]
    retried = await accept(gateway, token, unique_id("eloise"))

    assert rejected.status == 422
    assert "<title>Erreur\u00a0: " in page
    assert "autofocus" in page[page.index('id="error-summary"') - 120 : page.index('id="error-summary"') + 60]
    assert "Votre accès n’a pas été créé\u00a0: corrigez les champs signalés." in summary
    assert "L’identifiant contient un espace, qui n’est pas accepté." in summary
    assert "Le mot de passe doit contenir au moins 12 caractères (5 saisis)" in summary
    assert "Les deux mots de passe saisis sont différents\u00a0: saisissez deux fois le même." in summary
    assert links == sorted(links)
    for field in ("login", "password", "password_confirmation"):
        assert f'id="error-{field}"' in page
    assert retried.status == 303


async def test_expired_invitation_form_keeps_choices(gateway, admin, tmp_path):
    token = await invitation_token(gateway, admin, tmp_path / "mail")
    form_token = csrf_token_of(await (await gateway.get(f"/invitation/{token}")).text())
    gateway.session.cookie_jar.clear()

    response = await gateway.post(
        f"/invitation/{token}",
        data={
            "csrf_token": form_token,
            "login": " eloise.choisi ",
            "display_name": "Éloïse M.",
            "password": NEW_PASSWORD,
            "password_confirmation": NEW_PASSWORD,
        },
        allow_redirects=False,
    )
    page = unescape(await response.text())

    assert response.status == 403
    assert "Le formulaire a expiré" in page
    assert 'value="eloise.choisi"' in page
    assert 'value="Éloïse M."' in page
    assert NEW_PASSWORD not in page
