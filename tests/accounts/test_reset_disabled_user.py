"""A password-reset link stops working once its user is disabled."""

from __future__ import annotations

from services.accounts.single_use_links import LinkInvalid, hash_token
from tests.accounts.support import link_token, make_agency_user, new_password, principal_headers, wait_for_mail


async def colleague_with_reset_link(accounts, accounts_pool, admin, mail_sink):
    """Create a comptable in ``admin``'s agency and request a reset link for it; return the user and the token."""
    colleague = await make_agency_user(
        accounts_pool, role="comptable", creditor=admin.creditor, customer_account=admin.customer_account
    )
    response = await accounts.client.post(
        "/internal/password-resets", json={"login": colleague.login}, headers=accounts.system_headers()
    )
    assert response.status == 202
    [message] = await wait_for_mail(
        mail_sink.folder,
        lambda message: colleague.email in message.envelope_to and "Réinitialisation" in message.subject,
    )
    return colleague, link_token(message.text, "mot-de-passe")


async def describe(accounts, token: str):
    return await accounts.client.get(f"/internal/password-resets/{token}", headers=accounts.system_headers())


async def complete(accounts, token: str):
    return await accounts.client.post(
        f"/internal/password-resets/{token}", json={"password": new_password()}, headers=accounts.system_headers()
    )


async def password_hash(accounts_pool, user) -> str:
    return await accounts_pool.fetchval("SELECT password_hash FROM users WHERE id = $1::uuid", user.user_id)


async def test_disabling_user_revokes_reset_link(accounts, agency_admin, accounts_pool, mail_sink):
    colleague, token = await colleague_with_reset_link(accounts, accounts_pool, agency_admin, mail_sink)
    hash_before = await password_hash(accounts_pool, colleague)

    disabled = await accounts.client.delete(
        f"/agency/users/{colleague.user_id}", headers=principal_headers(accounts, agency_admin)
    )
    described = await describe(accounts, token)
    completed = await complete(accounts, token)
    completed_body = await completed.json()
    revoked_at = await accounts_pool.fetchval(
        "SELECT revoked_at FROM single_use_links WHERE token_hash = $1", hash_token(token)
    )

    assert disabled.status == 200
    assert described.status == 410
    assert completed.status == 410
    assert completed_body["error"]["code"] == "link_invalid"
    assert completed_body["error"]["message"] == LinkInvalid().message
    assert revoked_at is not None
    assert await password_hash(accounts_pool, colleague) == hash_before


async def test_unrevoked_link_of_disabled_user_rejected(accounts, agency_admin, accounts_pool, mail_sink):
    """A link that no revocation reached, such as one sent before revocation existed, is rejected too."""
    colleague, token = await colleague_with_reset_link(accounts, accounts_pool, agency_admin, mail_sink)
    hash_before = await password_hash(accounts_pool, colleague)
    await accounts_pool.execute("UPDATE users SET disabled_at = now() WHERE id = $1::uuid", colleague.user_id)

    described = await describe(accounts, token)
    described_body = await described.json()
    completed = await complete(accounts, token)
    used_at = await accounts_pool.fetchval(
        "SELECT used_at FROM single_use_links WHERE token_hash = $1", hash_token(token)
    )

    assert described.status == 410
    assert described_body["error"]["code"] == "link_invalid"
    assert described_body["error"]["message"] == LinkInvalid().message
    assert completed.status == 410
    assert (await completed.json())["error"]["code"] == "link_invalid"
    assert used_at is None
    assert await password_hash(accounts_pool, colleague) == hash_before


async def test_reset_link_stays_dead_after_reenabling(accounts, agency_admin, accounts_pool, mail_sink):
    colleague, token = await colleague_with_reset_link(accounts, accounts_pool, agency_admin, mail_sink)
    headers = principal_headers(accounts, agency_admin)

    disabled = await accounts.client.delete(f"/agency/users/{colleague.user_id}", headers=headers)
    enabled = await accounts.client.post(f"/agency/users/{colleague.user_id}/enable", headers=headers)
    completed = await complete(accounts, token)

    assert disabled.status == 200
    assert enabled.status == 204
    assert completed.status == 410
