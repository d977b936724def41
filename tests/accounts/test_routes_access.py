"""Who may call the internal routes, and which creditors /creditors lists."""

from __future__ import annotations

import pytest

from services.accounts.commands import ensure_creditor
from shared.principal import Role
from tests.accounts.support import make_agency_user
from tests.conftest import unique_id

INTERNAL_ROUTES = [
    ("POST", "/internal/logins"),
    ("GET", "/internal/sessions/current"),
    ("DELETE", "/internal/sessions/current"),
]


@pytest.mark.parametrize("role", [Role.ADMIN, Role.ACCOUNTANT, Role.READER, Role.STAFF])
@pytest.mark.parametrize(("method", "path"), INTERNAL_ROUTES)
async def test_internal_route_rejects_non_system(accounts_service, role, method, path):
    headers = accounts_service.headers_for(role=role)

    response = await accounts_service.client.request(
        method, path, json={"login": "x", "password": "y", "client_ip": "127.0.0.1"}, headers=headers
    )
    body = await response.json()

    assert response.status == 403
    assert body["error"]["code"] == "forbidden"


async def test_internal_route_requires_principal(accounts_service):
    response = await accounts_service.client.get("/internal/sessions/current")

    assert response.status == 401


async def test_creditors_lists_only_principal_creditors(accounts_service, accounts_pool):
    first = await make_agency_user(accounts_pool)
    await ensure_creditor(accounts_pool, first.creditor, "Zèbre Annonces")
    second_creditor = unique_id("cred")
    await ensure_creditor(accounts_pool, second_creditor, "Alpha Presse")
    other = await make_agency_user(accounts_pool)
    headers = accounts_service.headers_for(
        role=Role.READER, accounts=((first.creditor, first.customer_account), (second_creditor, "C1"))
    )

    response = await accounts_service.client.get("/creditors", headers=headers)
    body = await response.json()

    assert response.status == 200
    assert body["creditors"] == [
        {"id": second_creditor, "name": "Alpha Presse"},
        {"id": first.creditor, "name": "Zèbre Annonces"},
    ]
    assert other.creditor not in [creditor["id"] for creditor in body["creditors"]]


async def test_creditors_empty_without_accounts(accounts_service):
    response = await accounts_service.client.get("/creditors", headers=accounts_service.headers_for(role=Role.ADMIN))

    assert (await response.json()) == {"creditors": []}


async def test_creditors_for_staff_are_their_creditors(accounts_service, accounts_pool):
    creditor = unique_id("cred")
    await ensure_creditor(accounts_pool, creditor, "Staff Créancier")
    headers = accounts_service.headers_for(role=Role.STAFF, agency_id=None, staff_creditors=(creditor,))

    response = await accounts_service.client.get("/creditors", headers=headers)

    assert (await response.json()) == {"creditors": [{"id": creditor, "name": "Staff Créancier"}]}
