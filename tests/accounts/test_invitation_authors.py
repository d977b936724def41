"""An invitation works only while its author is an active administrateur of the agency."""

from __future__ import annotations

from services.accounts.single_use_links import LinkInvalid, hash_token
from tests.accounts.support import link_token, make_agency_user, new_password, principal_headers, wait_for_mail
from tests.conftest import unique_id


async def second_admin(accounts_pool, admin):
    return await make_agency_user(
        accounts_pool, role="administrateur", creditor=admin.creditor, customer_account=admin.customer_account
    )


async def invitation_from(accounts, author, mail_sink, role: str = "administrateur") -> str:
    """Have ``author`` invite a new address; return the token of the e-mailed link."""
    email = f"{unique_id('invitee')}@agence.example"
    response = await accounts.client.post(
        "/agency/invitations",
        json={"email": email, "role": role, "display_name": "Invité Test"},
        headers=principal_headers(accounts, author),
    )
    assert response.status == 201, await response.text()
    [message] = await wait_for_mail(mail_sink.folder, lambda message: email in message.envelope_to)
    return link_token(message.text, "invitation")


async def accept(accounts, token: str):
    return await accounts.client.post(
        f"/internal/invitations/{token}",
        json={"login": unique_id("invitee"), "password": new_password()},
        headers=accounts.system_headers(),
    )


async def describe(accounts, token: str):
    return await accounts.client.get(f"/internal/invitations/{token}", headers=accounts.system_headers())


async def link_state(accounts_pool, token: str):
    return await accounts_pool.fetchrow(
        "SELECT used_at, revoked_at FROM single_use_links WHERE token_hash = $1", hash_token(token)
    )


async def test_disabling_author_revokes_invitation(accounts, agency_admin, accounts_pool, mail_sink):
    author = await second_admin(accounts_pool, agency_admin)
    token = await invitation_from(accounts, author, mail_sink)

    disabled = await accounts.client.delete(
        f"/agency/users/{author.user_id}", headers=principal_headers(accounts, agency_admin)
    )
    described = await describe(accounts, token)
    accepted = await accept(accounts, token)
    accepted_body = await accepted.json()
    listing = await (await accounts.client.get("/agency/users", headers=principal_headers(accounts, agency_admin))).json()
    state = await link_state(accounts_pool, token)

    assert disabled.status == 200
    assert await disabled.json() == {"invitations_revoked": 1}
    assert described.status == 410
    assert accepted.status == 410
    assert accepted_body["error"]["code"] == "link_invalid"
    assert accepted_body["error"]["message"] == LinkInvalid().message
    assert listing["invitations"] == []
    assert state["revoked_at"] is not None
    assert state["used_at"] is None


async def test_demoting_author_revokes_invitation(accounts, agency_admin, accounts_pool, mail_sink):
    author = await second_admin(accounts_pool, agency_admin)
    token = await invitation_from(accounts, author, mail_sink)

    demoted = await accounts.client.patch(
        f"/agency/users/{author.user_id}", json={"role": "lecteur"}, headers=principal_headers(accounts, agency_admin)
    )
    accepted = await accept(accounts, token)
    state = await link_state(accounts_pool, token)

    assert demoted.status == 200
    assert await demoted.json() == {"invitations_revoked": 1}
    assert accepted.status == 410
    assert (await accepted.json())["error"]["code"] == "link_invalid"
    assert state["revoked_at"] is not None


async def test_other_admins_invitations_stay_valid(accounts, agency_admin, accounts_pool, mail_sink):
    author = await second_admin(accounts_pool, agency_admin)
    kept_token = await invitation_from(accounts, agency_admin, mail_sink)

    disabled = await accounts.client.delete(
        f"/agency/users/{author.user_id}", headers=principal_headers(accounts, agency_admin)
    )
    accepted = await accept(accounts, kept_token)

    assert disabled.status == 200
    assert await disabled.json() == {"invitations_revoked": 0}
    assert accepted.status == 201, await accepted.text()


async def test_unrevoked_link_of_disabled_author_rejected(accounts, agency_admin, accounts_pool, mail_sink):
    """A link that no revocation reached, such as one sent before revocation existed, is rejected too."""
    author = await second_admin(accounts_pool, agency_admin)
    token = await invitation_from(accounts, author, mail_sink)
    await accounts_pool.execute("UPDATE users SET disabled_at = now() WHERE id = $1::uuid", author.user_id)

    described = await describe(accounts, token)
    accepted = await accept(accounts, token)
    accepted_body = await accepted.json()
    state = await link_state(accounts_pool, token)
    members = await accounts_pool.fetchval(
        "SELECT count(*) FROM memberships WHERE agency_id = $1::uuid", agency_admin.agency_id
    )

    assert described.status == 410
    assert (await described.json())["error"]["code"] == "link_invalid"
    assert accepted.status == 410
    assert accepted_body["error"]["message"] == LinkInvalid().message
    assert state["used_at"] is None
    assert members == 2


async def test_unrevoked_link_of_demoted_author_rejected(accounts, agency_admin, accounts_pool, mail_sink):
    author = await second_admin(accounts_pool, agency_admin)
    token = await invitation_from(accounts, author, mail_sink)
    await accounts_pool.execute("UPDATE memberships SET role = 'comptable' WHERE user_id = $1::uuid", author.user_id)

    accepted = await accept(accounts, token)

    assert accepted.status == 410
    assert (await accepted.json())["error"]["code"] == "link_invalid"


async def test_demotion_counts_every_revoked_invitation(accounts, agency_admin, accounts_pool, mail_sink):
    author = await second_admin(accounts_pool, agency_admin)
    tokens = [await invitation_from(accounts, author, mail_sink) for _ in range(3)]
    await accounts_pool.execute(
        "UPDATE single_use_links SET revoked_at = now() WHERE token_hash = $1", hash_token(tokens[0])
    )

    demoted = await accounts.client.patch(
        f"/agency/users/{author.user_id}", json={"role": "comptable"}, headers=principal_headers(accounts, agency_admin)
    )

    assert demoted.status == 200
    assert await demoted.json() == {"invitations_revoked": 2}
