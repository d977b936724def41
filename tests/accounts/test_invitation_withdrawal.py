"""Invitations whose author is no longer an active administrateur: hidden from the listing and revoked by migration."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from services.accounts.invitations import INVITATION_LIFETIME
from services.accounts.single_use_links import create_link
from tests.accounts.support import AgencyUser, make_agency_user, principal_headers
from tests.conftest import unique_id

WITHDRAWAL_MIGRATION = (
    Path(__file__).resolve().parents[2]
    / "services/accounts/migrations/0004_withdraw_invitations_of_former_administrateurs.sql"
)

# How each test removes the administrateur rights without the service, as before
# disabling or demoting an administrateur revoked their invitations.
REMOVE_ADMIN_RIGHTS_SQL = {
    "disabled": "UPDATE users SET disabled_at = now() WHERE id = $1::uuid",
    "demoted": "UPDATE memberships SET role = 'comptable' WHERE user_id = $1::uuid",
}


async def second_admin(accounts_pool, admin: AgencyUser) -> AgencyUser:
    return await make_agency_user(
        accounts_pool, role="administrateur", creditor=admin.creditor, customer_account=admin.customer_account
    )


async def store_invitation(accounts_pool, author_id: str | None, agency_id: str, email: str | None = None) -> uuid.UUID:
    """Store an invitation row without its e-mail; return its id."""
    async with accounts_pool.acquire() as connection:
        _token, row = await create_link(
            connection,
            "invitation",
            lifetime=INVITATION_LIFETIME,
            email=email or f"{unique_id('invitee')}@agence.example",
            agency_id=uuid.UUID(agency_id),
            role="lecteur",
            created_by=uuid.UUID(author_id) if author_id else None,
        )
    return row["id"]


async def listed_invitation_ids(service, admin: AgencyUser) -> set[str]:
    response = await service.client.get("/agency/users", headers=principal_headers(service, admin))
    assert response.status == 200, await response.text()
    return {invitation["invitation_id"] for invitation in (await response.json())["invitations"]}


@pytest.mark.parametrize("change", sorted(REMOVE_ADMIN_RIGHTS_SQL))
async def test_listing_hides_former_admins_invitation(accounts_service, agency_admin, accounts_pool, change):
    author = await second_admin(accounts_pool, agency_admin)
    orphan_id = await store_invitation(accounts_pool, author.user_id, agency_admin.agency_id)
    kept_id = await store_invitation(accounts_pool, agency_admin.user_id, agency_admin.agency_id)
    await accounts_pool.execute(REMOVE_ADMIN_RIGHTS_SQL[change], author.user_id)

    listed = await listed_invitation_ids(accounts_service, agency_admin)

    assert str(orphan_id) not in listed
    assert str(kept_id) in listed


async def test_listing_hides_invitation_without_author(accounts_service, agency_admin, accounts_pool):
    orphan_id = await store_invitation(accounts_pool, None, agency_admin.agency_id)

    listed = await listed_invitation_ids(accounts_service, agency_admin)

    assert str(orphan_id) not in listed


async def test_former_admins_invitation_allows_new_one(accounts_service, agency_admin, accounts_pool):
    author = await second_admin(accounts_pool, agency_admin)
    email = f"{unique_id('invitee')}@agence.example"
    await store_invitation(accounts_pool, author.user_id, agency_admin.agency_id, email)
    await accounts_pool.execute(REMOVE_ADMIN_RIGHTS_SQL["disabled"], author.user_id)

    response = await accounts_service.client.post(
        "/agency/invitations",
        json={"email": email, "role": "lecteur"},
        headers=principal_headers(accounts_service, agency_admin),
    )

    assert response.status == 201, await response.text()


async def test_migration_revokes_unacceptable_invitations(accounts_pool, agency_admin):
    disabled = await second_admin(accounts_pool, agency_admin)
    demoted = await second_admin(accounts_pool, agency_admin)
    agency_id = agency_admin.agency_id
    invitations = {
        "disabled author": await store_invitation(accounts_pool, disabled.user_id, agency_id),
        "demoted author": await store_invitation(accounts_pool, demoted.user_id, agency_id),
        "no author": await store_invitation(accounts_pool, None, agency_id),
        "active author": await store_invitation(accounts_pool, agency_admin.user_id, agency_id),
        "used": await store_invitation(accounts_pool, disabled.user_id, agency_id),
        "revoked before": await store_invitation(accounts_pool, disabled.user_id, agency_id),
    }
    await accounts_pool.execute("UPDATE single_use_links SET used_at = now() WHERE id = $1", invitations["used"])
    revoked_before = await accounts_pool.fetchval(
        "UPDATE single_use_links SET revoked_at = now() - interval '1 day' WHERE id = $1 RETURNING revoked_at",
        invitations["revoked before"],
    )
    await accounts_pool.execute(REMOVE_ADMIN_RIGHTS_SQL["disabled"], disabled.user_id)
    await accounts_pool.execute(REMOVE_ADMIN_RIGHTS_SQL["demoted"], demoted.user_id)

    # The migration was applied when the database was created, so the test runs its SQL again
    # on the rows above. It only touches invitations that no one can accept.
    await accounts_pool.execute(WITHDRAWAL_MIGRATION.read_text(encoding="utf-8"))
    rows = {
        row["id"]: row
        for row in await accounts_pool.fetch(
            "SELECT id, used_at, revoked_at FROM single_use_links WHERE id = ANY($1::uuid[])", list(invitations.values())
        )
    }

    assert rows[invitations["disabled author"]]["revoked_at"] is not None
    assert rows[invitations["demoted author"]]["revoked_at"] is not None
    assert rows[invitations["no author"]]["revoked_at"] is not None
    assert rows[invitations["active author"]]["revoked_at"] is None
    assert rows[invitations["used"]]["revoked_at"] is None
    assert rows[invitations["used"]]["used_at"] is not None
    assert rows[invitations["revoked before"]]["revoked_at"] == revoked_before


async def test_disable_count_skips_expired_invitations(accounts_service, agency_admin, accounts_pool):
    author = await second_admin(accounts_pool, agency_admin)
    expired_id = await store_invitation(accounts_pool, author.user_id, agency_admin.agency_id)
    await store_invitation(accounts_pool, author.user_id, agency_admin.agency_id)
    await accounts_pool.execute(
        "UPDATE single_use_links SET expires_at = now() - interval '1 day' WHERE id = $1", expired_id
    )

    response = await accounts_service.client.delete(
        f"/agency/users/{author.user_id}", headers=principal_headers(accounts_service, agency_admin)
    )
    body = await response.json()
    revoked = await accounts_pool.fetchval(
        "SELECT count(*) FROM single_use_links WHERE created_by = $1 AND revoked_at IS NOT NULL", author.user_id
    )

    assert response.status == 200
    assert body["invitations_revoked"] == 1
    assert revoked == 2
