"""Invitations by e-mail: single-use links that expire, followed through the SMTP sink."""

from __future__ import annotations

from services.accounts.single_use_links import hash_token
from shared.principal import Role
from tests.accounts.conftest import PUBLIC_URL
from tests.accounts.support import (
    link_token,
    log_in,
    make_agency_user,
    new_password,
    principal_headers,
    wait_for_mail,
)
from tests.conftest import unique_id


async def invite(accounts, admin, email: str, role: str = "comptable"):
    return await accounts.client.post(
        "/agency/invitations",
        json={"email": email, "role": role, "display_name": "Jeanne Martin"},
        headers=principal_headers(accounts, admin),
    )


async def invitation_token(accounts, admin, mail_sink, email: str) -> str:
    response = await invite(accounts, admin, email)
    assert response.status == 201
    [message] = await wait_for_mail(mail_sink.folder, lambda message: email in message.envelope_to)
    return link_token(message.text, "invitation")


async def test_invitation_mail_carries_portal_link(accounts, agency_admin, mail_sink):
    email = f"{unique_id('invitee')}@agence.example"

    response = await invite(accounts, agency_admin, email)
    [message] = await wait_for_mail(mail_sink.folder, lambda message: email in message.envelope_to)

    assert response.status == 201
    assert (await response.json())["role"] == "comptable"
    assert f"{PUBLIC_URL}/invitation/" in message.text
    assert "Invitation à rejoindre" in message.subject
    assert "comptable" in message.text


async def test_invitation_mail_agency_name_apostrophe(accounts, accounts_pool, mail_sink):
    admin = await make_agency_user(accounts_pool, agency_name="Clés de la Presqu'île")
    email = f"{unique_id('invitee')}@agence.example"

    response = await invite(accounts, admin, email)
    [message] = await wait_for_mail(mail_sink.folder, lambda message: email in message.envelope_to)
    stored_name = await accounts_pool.fetchval("SELECT name FROM agencies WHERE id = $1::uuid", admin.agency_id)

    assert response.status == 201
    assert message.subject == "Invitation à rejoindre l’espace Mes Factures de Clés de la Presqu’île"
    assert "de l’agence Clés de la Presqu’île avec le rôle" in message.text
    assert f"{PUBLIC_URL}/invitation/" in message.text
    assert stored_name == "Clés de la Presqu'île"


async def test_invitation_mail_defuses_names(accounts, accounts_pool, mail_sink):
    admin = await make_agency_user(accounts_pool, agency_name="Agence www.tilleuls-immo.example")
    await accounts_pool.execute(
        "UPDATE users SET display_name = 'Règlement urgent sur https://paiement.example/carte' WHERE id = $1::uuid",
        admin.user_id,
    )
    email = f"{unique_id('invitee')}@agence.example"

    response = await invite(accounts, admin, email)
    [message] = await wait_for_mail(mail_sink.folder, lambda message: email in message.envelope_to)

    assert response.status == 201
    assert message.subject == "Invitation à rejoindre l’espace Mes Factures d’Agence www[.]tilleuls-immo[.]example"
    assert "Règlement urgent sur paiement[.]example/carte vous invite" in message.text
    assert "d’Agence www[.]tilleuls-immo[.]example avec le rôle" in message.text
    assert "les adresses web des noms et identifiants cités dans ce message ne sont pas cliquables" in message.text
    for text in (message.subject, message.text):
        assert "https://paiement" not in text
        assert "paiement.example" not in text
        assert "tilleuls-immo.example" not in text
    assert f"{PUBLIC_URL}/invitation/" in message.text


async def test_invitation_accepted_creates_user(accounts, agency_admin, mail_sink):
    email = f"{unique_id('invitee')}@agence.example"
    token = await invitation_token(accounts, agency_admin, mail_sink, email)
    login = unique_id("jeanne")
    password = new_password()

    described = await accounts.client.get(f"/internal/invitations/{token}", headers=accounts.system_headers())
    accepted = await accounts.client.post(
        f"/internal/invitations/{token}", json={"login": login, "password": password}, headers=accounts.system_headers()
    )
    login_response = await accounts.client.post(
        "/internal/logins",
        json={"login": login, "password": password, "client_ip": "2001:db8::1"},
        headers=accounts.system_headers(),
    )
    session = (await login_response.json())["session"]

    assert described.status == 200
    assert (await described.json())["agency_name"] == f"Agence {agency_admin.customer_account}"
    assert accepted.status == 201
    assert session["role"] == "comptable"
    assert session["agency_id"] == agency_admin.agency_id


async def test_invitation_link_works_once(accounts, agency_admin, mail_sink):
    token = await invitation_token(accounts, agency_admin, mail_sink, f"{unique_id('invitee')}@agence.example")
    body = {"login": unique_id("first"), "password": new_password()}
    await accounts.client.post(f"/internal/invitations/{token}", json=body, headers=accounts.system_headers())

    reused = await accounts.client.post(
        f"/internal/invitations/{token}",
        json={"login": unique_id("second"), "password": new_password()},
        headers=accounts.system_headers(),
    )
    described = await accounts.client.get(f"/internal/invitations/{token}", headers=accounts.system_headers())

    assert reused.status == 410
    assert (await reused.json())["error"]["code"] == "link_invalid"
    assert described.status == 410


async def test_expired_invitation_is_rejected(accounts, agency_admin, mail_sink, accounts_pool):
    token = await invitation_token(accounts, agency_admin, mail_sink, f"{unique_id('invitee')}@agence.example")
    await accounts_pool.execute(
        "UPDATE single_use_links SET expires_at = now() - interval '1 second' WHERE token_hash = $1", hash_token(token)
    )

    response = await accounts.client.post(
        f"/internal/invitations/{token}",
        json={"login": unique_id("late"), "password": new_password()},
        headers=accounts.system_headers(),
    )

    assert response.status == 410


async def test_invitation_lifetime_is_72_hours(accounts, agency_admin, mail_sink, accounts_pool):
    token = await invitation_token(accounts, agency_admin, mail_sink, f"{unique_id('invitee')}@agence.example")

    lifetime = await accounts_pool.fetchval(
        "SELECT extract(epoch FROM expires_at - created_at) FROM single_use_links WHERE token_hash = $1", hash_token(token)
    )

    assert lifetime == 72 * 3600


async def test_weak_password_keeps_invitation_usable(accounts, agency_admin, mail_sink):
    token = await invitation_token(accounts, agency_admin, mail_sink, f"{unique_id('invitee')}@agence.example")

    weak = await accounts.client.post(
        f"/internal/invitations/{token}", json={"login": unique_id("weak"), "password": "password123"}, headers=accounts.system_headers()
    )
    body = await weak.json()
    retry = await accounts.client.post(
        f"/internal/invitations/{token}", json={"login": unique_id("strong"), "password": new_password()}, headers=accounts.system_headers()
    )

    assert weak.status == 422
    assert body["error"]["code"] == "invalid_fields"
    assert body["error"]["details"]["fields"][0]["field"] == "password"
    assert "12 caractères" in body["error"]["details"]["fields"][0]["message"]
    assert retry.status == 201


async def test_taken_login_keeps_invitation_usable(accounts, agency_admin, mail_sink):
    token = await invitation_token(accounts, agency_admin, mail_sink, f"{unique_id('invitee')}@agence.example")

    taken = await accounts.client.post(
        f"/internal/invitations/{token}", json={"login": agency_admin.login, "password": new_password()}, headers=accounts.system_headers()
    )
    retry = await accounts.client.post(
        f"/internal/invitations/{token}", json={"login": unique_id("free"), "password": new_password()}, headers=accounts.system_headers()
    )

    assert taken.status == 409
    assert (await taken.json())["error"]["code"] == "login_taken"
    assert retry.status == 201


async def test_invitation_rejects_invalid_email(accounts, agency_admin):
    response = await invite(accounts, agency_admin, "jeanne@@agence")
    body = await response.json()

    assert response.status == 422
    assert body["error"]["details"]["fields"][0]["field"] == "email"


async def test_revoked_invitation_is_rejected(accounts, agency_admin, mail_sink):
    email = f"{unique_id('invitee')}@agence.example"
    token = await invitation_token(accounts, agency_admin, mail_sink, email)
    listing = await (await accounts.client.get("/agency/users", headers=principal_headers(accounts, agency_admin))).json()
    [invitation] = [item for item in listing["invitations"] if item["email"] == email]

    revoked = await accounts.client.delete(
        f"/agency/invitations/{invitation['invitation_id']}", headers=principal_headers(accounts, agency_admin)
    )
    accepted = await accounts.client.post(
        f"/internal/invitations/{token}", json={"login": unique_id("late"), "password": new_password()}, headers=accounts.system_headers()
    )

    assert revoked.status == 204
    assert accepted.status == 410


async def test_invitation_routes_require_system(accounts, agency_admin):
    response = await accounts.client.get(
        "/internal/invitations/some-token", headers=principal_headers(accounts, agency_admin, Role.ADMIN)
    )

    assert response.status == 403


async def test_invited_user_cannot_log_in_before_accepting(accounts, agency_admin, mail_sink):
    email = f"{unique_id('invitee')}@agence.example"
    await invitation_token(accounts, agency_admin, mail_sink, email)

    response = await accounts.client.post(
        "/internal/logins", json={"login": email, "password": new_password(), "client_ip": "2001:db8::2"}, headers=accounts.system_headers()
    )

    assert response.status == 401
    assert (await log_in(accounts, agency_admin)).status == 200
