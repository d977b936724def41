"""« Mot de passe perdu ? » and invitation links, end to end through the gateway and the SMTP sink."""

from __future__ import annotations

from collections.abc import AsyncIterator
from html import unescape
from pathlib import Path

import pytest

from tests.conftest import ServiceClient, unique_id
from tests.gateway.browsers import is_logged_in
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
NEUTRAL_ANSWER = "Si un compte correspond à cet identifiant ou à cette adresse e-mail"


@pytest.fixture
async def accounts_service(engines, signer, tmp_path: Path) -> AsyncIterator[ServiceClient]:
    """The accounts service with a local SMTP sink in ``tmp_path / "mail"``."""
    async with accounts_with_mail(engines, signer, tmp_path / "mail") as service:
        yield service


@pytest.fixture
async def member(accounts_pool, ledger_service) -> AgencyLogin:
    creditor_id = await create_creditor(accounts_pool, ledger_service, "Presse Immo Liens")
    creditor = CreditorAccount(creditor_id, "Presse Immo Liens", "C8001")
    return await create_agency_member(
        accounts_pool, [creditor], role="administrateur", email=f"{unique_id('admin')}@agence.example"
    )


async def email_of(accounts_pool, user: AgencyLogin) -> str:
    return await accounts_pool.fetchval("SELECT email FROM users WHERE login = $1", user.login)


async def request_reset(gateway, identifier: str):
    token = csrf_token_of(await (await gateway.get("/mot-de-passe-perdu")).text())
    return await gateway.post("/mot-de-passe-perdu", data={"csrf_token": token, "identifier": identifier})


async def reset_token_for(gateway, mail_dir: Path, address: str) -> str:
    """Request a reset for ``address`` and return the token of the e-mailed link."""
    await request_reset(gateway, address)
    messages = await wait_for_caught_mail(mail_dir, lambda message: address in message.envelope_to)
    return link_token_in(messages[0].text, "mot-de-passe")


async def post_new_password(gateway, token: str, password: str, confirmation: str | None = None):
    page = await gateway.get(f"/mot-de-passe/{token}")
    form_token = csrf_token_of(await page.text())
    return await gateway.post(
        f"/mot-de-passe/{token}",
        data={
            "csrf_token": form_token,
            "password": password,
            "password_confirmation": password if confirmation is None else confirmation,
        },
    )


async def test_login_page_links_to_lost_password(gateway):
    html = await (await gateway.get("/connexion")).text()

    assert '<a href="/mot-de-passe-perdu">Mot de passe perdu ?</a>' in html


async def test_lost_password_answer_is_neutral(gateway, accounts_pool, member, tmp_path):
    address = await email_of(accounts_pool, member)

    known = await request_reset(gateway, member.login)
    unknown = await request_reset(gateway, f"{unique_id('personne')}@nulle-part.example")
    known_html = await known.text()
    unknown_html = await unknown.text()
    delivered = await wait_for_caught_mail(tmp_path / "mail", lambda message: address in message.envelope_to)

    assert known.status == 200
    assert unknown.status == 200
    assert NEUTRAL_ANSWER in known_html
    assert NEUTRAL_ANSWER in unknown_html
    assert len(delivered) == 1
    assert "/mot-de-passe/" in delivered[0].text


async def test_lost_password_needs_identifier(gateway):
    response = await request_reset(gateway, "   ")

    assert response.status == 422
    assert "Saisissez votre identifiant ou votre adresse e-mail." in await response.text()


async def test_lost_password_without_csrf_cookie_is_rejected(gateway, member):
    token = csrf_token_of(await (await gateway.get("/mot-de-passe-perdu")).text())
    gateway.session.cookie_jar.clear()

    response = await gateway.post("/mot-de-passe-perdu", data={"csrf_token": token, "identifier": member.login})

    assert response.status == 403
    assert "Le formulaire a expiré" in await response.text()


async def test_lost_password_expired_form_keeps_identifier(gateway, member):
    token = csrf_token_of(await (await gateway.get("/mot-de-passe-perdu")).text())
    gateway.session.cookie_jar.clear()

    response = await gateway.post(
        "/mot-de-passe-perdu", data={"csrf_token": token, "identifier": f"  {member.login} ", "password": member.password}
    )
    html = await response.text()

    assert response.status == 403
    assert "Le formulaire a expiré" in html
    assert f'value="{member.login}"' in html
    assert member.password not in html


async def test_reset_link_shows_login_and_rules(gateway, accounts_pool, member, tmp_path):
    token = await reset_token_for(gateway, tmp_path / "mail", await email_of(accounts_pool, member))

    response = await gateway.get(f"/mot-de-passe/{token}")
    html = await response.text()

    assert response.status == 200
    assert member.login in html
    assert "compter au moins 12 caractères" in html
    assert "ne pas être un mot de passe courant" in html
    assert 'name="password_confirmation"' in html


async def test_reset_rejects_mismatched_confirmation(gateway, accounts_pool, member, tmp_path):
    token = await reset_token_for(gateway, tmp_path / "mail", await email_of(accounts_pool, member))

    response = await post_new_password(gateway, token, NEW_PASSWORD, confirmation=NEW_PASSWORD + " bis")

    assert response.status == 422
    assert "Les deux mots de passe saisis sont différents" in await response.text()


@pytest.mark.parametrize(
    ("password", "message"),
    [("court", "au moins 12 caractères (5 saisis)"), ("123456654321", "mots de passe les plus courants")],
)
async def test_reset_rejects_weak_password(gateway, accounts_pool, member, tmp_path, password, message):
    token = await reset_token_for(gateway, tmp_path / "mail", await email_of(accounts_pool, member))

    response = await post_new_password(gateway, token, password)
    html = await response.text()
    again = await gateway.get(f"/mot-de-passe/{token}")

    assert response.status == 422
    assert 'id="error-password"' in html
    assert message in html
    assert again.status == 200


async def test_reset_sets_password_and_closes_sessions(gateway, accounts_pool, member, tmp_path):
    await log_in(gateway, member.login, member.password)
    old_session = gateway.session.cookie_jar.filter_cookies(gateway.make_url("/"))["mf_session"].value
    gateway.session.cookie_jar.clear()
    token = await reset_token_for(gateway, tmp_path / "mail", await email_of(accounts_pool, member))

    response = await post_new_password(gateway, token, NEW_PASSWORD)
    html = await response.text()
    old_session_page = await gateway.get(
        "/etat-de-compte", headers={"Cookie": f"mf_session={old_session}"}, allow_redirects=False
    )
    gateway.session.cookie_jar.clear()
    with_old_password = await log_in(gateway, member.login, member.password)
    gateway.session.cookie_jar.clear()
    with_new_password = await log_in(gateway, member.login, NEW_PASSWORD)

    assert response.status == 200
    assert "Mot de passe modifié" in html
    assert "toutes les sessions ouvertes avec cet identifiant ont été fermées" in html
    assert old_session_page.status == 302
    assert old_session_page.headers["Location"].startswith("/connexion")
    assert with_old_password.status == 401
    assert with_new_password.status == 302


async def test_reset_drops_cached_session_at_once(gateway, accounts_pool, member, tmp_path):
    await log_in(gateway, member.login, member.password)
    old_session = gateway.session.cookie_jar.filter_cookies(gateway.make_url("/"))["mf_session"].value
    # Opening a page caches the session on this gateway for session_cache_seconds.
    assert await is_logged_in(gateway, old_session)
    gateway.session.cookie_jar.clear()
    token = await reset_token_for(gateway, tmp_path / "mail", await email_of(accounts_pool, member))

    response = await post_new_password(gateway, token, NEW_PASSWORD)

    assert response.status == 200
    assert not await is_logged_in(gateway, old_session)


async def test_reset_link_works_once(gateway, accounts_pool, member, tmp_path):
    token = await reset_token_for(gateway, tmp_path / "mail", await email_of(accounts_pool, member))
    await post_new_password(gateway, token, NEW_PASSWORD)

    reopened = await gateway.get(f"/mot-de-passe/{token}")
    reopened_html = await reopened.text()

    assert reopened.status == 410
    assert "Lien expiré" in reopened_html
    assert "Ce lien n’est plus valable" in reopened_html
    assert '<a href="/mot-de-passe-perdu">Demander un nouveau lien</a>' in reopened_html


async def test_expired_reset_link_is_refused(gateway, accounts_pool, member, tmp_path):
    address = await email_of(accounts_pool, member)
    token = await reset_token_for(gateway, tmp_path / "mail", address)
    await accounts_pool.execute(
        "UPDATE single_use_links SET expires_at = now() - interval '1 minute' WHERE email = $1", address
    )

    opened = await gateway.get(f"/mot-de-passe/{token}")
    submitted = await gateway.post(f"/mot-de-passe/{token}", data={"password": NEW_PASSWORD})

    assert opened.status == 410
    assert "Ce lien n’est plus valable" in await opened.text()
    assert submitted.status == 410


async def test_unknown_reset_token_is_refused(gateway):
    response = await gateway.get("/mot-de-passe/inconnu")

    assert response.status == 410
    assert "Lien expiré" in await response.text()


async def invite(gateway, admin: AgencyLogin, address: str, *, role: str = "comptable"):
    """Log ``admin`` in and invite ``address`` through the Utilisateurs page."""
    gateway.session.cookie_jar.clear()
    await log_in(gateway, admin.login, admin.password)
    token = csrf_token_of(await (await gateway.get("/utilisateurs")).text())
    response = await gateway.post(
        "/utilisateurs/invitations",
        data={"csrf_token": token, "email": address, "display_name": "Nina Perrin", "role": role},
        allow_redirects=False,
    )
    gateway.session.cookie_jar.clear()
    return response


async def invitation_token_for(gateway, admin: AgencyLogin, mail_dir: Path) -> tuple[str, str]:
    address = f"{unique_id('invitee')}@agence.example"
    await invite(gateway, admin, address)
    messages = await wait_for_caught_mail(mail_dir, lambda message: address in message.envelope_to)
    return link_token_in(messages[0].text, "invitation"), address


async def accept(gateway, token: str, **fields: str):
    form_token = csrf_token_of(await (await gateway.get(f"/invitation/{token}")).text())
    data = {
        "csrf_token": form_token,
        "login": unique_id("nina"),
        "display_name": "Nina Perrin",
        "password": NEW_PASSWORD,
        "password_confirmation": NEW_PASSWORD,
        **fields,
    }
    return await gateway.post(f"/invitation/{token}", data=data, allow_redirects=False)


async def test_invitation_page_shows_agency_and_role(gateway, member, tmp_path):
    token, address = await invitation_token_for(gateway, member, tmp_path / "mail")

    response = await gateway.get(f"/invitation/{token}")
    html = await response.text()

    assert response.status == 200
    assert f"Rejoindre l’espace d’{member.agency_name}" in html
    assert "Cette invitation vous donne le rôle <strong>Comptable</strong>" in html
    assert address in html
    assert "compter au moins 12 caractères" in html


async def test_accepted_invitation_logs_user_in(gateway, member, tmp_path):
    token, _address = await invitation_token_for(gateway, member, tmp_path / "mail")
    login = unique_id("nina")

    response = await accept(gateway, token, login=login)
    security = await gateway.get("/securite")
    security_html = await security.text()

    assert response.status == 303
    assert response.headers["Location"] == "/etat-de-compte"
    assert "mf_session" in response.cookies
    assert security.status == 200
    assert login in security_html
    assert "Nina Perrin" in security_html
    assert member.agency_name in security_html
    assert "<dd>Comptable</dd>" in security_html


async def test_invitation_link_works_once(gateway, member, tmp_path):
    token, _address = await invitation_token_for(gateway, member, tmp_path / "mail")
    await accept(gateway, token)
    gateway.session.cookie_jar.clear()

    reopened = await gateway.get(f"/invitation/{token}")
    html = await reopened.text()

    assert reopened.status == 410
    assert "Ce lien n’est plus valable" in html
    assert "Demandez à l’administrateur de votre agence de vous inviter à nouveau." in html


async def test_expired_invitation_is_refused(gateway, accounts_pool, member, tmp_path):
    token, address = await invitation_token_for(gateway, member, tmp_path / "mail")
    await accounts_pool.execute(
        "UPDATE single_use_links SET expires_at = now() - interval '1 minute' WHERE email = $1", address
    )

    response = await gateway.get(f"/invitation/{token}")

    assert response.status == 410
    assert "Lien expiré" in await response.text()


async def test_invitation_with_taken_login_keeps_link(gateway, member, tmp_path):
    token, _address = await invitation_token_for(gateway, member, tmp_path / "mail")

    taken = await accept(gateway, token, login=member.login)
    taken_html = await taken.text()
    retried = await accept(gateway, token)

    assert taken.status == 409
    assert 'id="error-login"' in taken_html
    assert "est déjà utilisé" in taken_html
    assert 'value="Nina Perrin"' in taken_html
    assert retried.status == 303


async def test_invitation_checks_password_choice(gateway, member, tmp_path):
    token, _address = await invitation_token_for(gateway, member, tmp_path / "mail")

    mismatched = await accept(gateway, token, password_confirmation="autre chose encore")
    short = await accept(gateway, token, password="court", password_confirmation="court")
    missing_login = await accept(gateway, token, login="")

    assert mismatched.status == 422
    assert "Les deux mots de passe saisis sont différents" in await mismatched.text()
    assert short.status == 422
    assert "au moins 12 caractères" in await short.text()
    assert missing_login.status == 422
    assert "Choisissez un identifiant" in await missing_login.text()


async def test_invitation_rejects_long_display_name(gateway, member, tmp_path):
    token, _address = await invitation_token_for(gateway, member, tmp_path / "mail")

    response = await accept(gateway, token, display_name="N" * 101)
    page = unescape(await response.text())

    assert response.status == 422
    assert "Le nom affiché dépasse 100 caractères (101 saisis)\u00a0: raccourcissez-le." in page
    assert (await accept(gateway, token)).status == 303
