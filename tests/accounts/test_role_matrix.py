"""Each role against each action, enforced by the accounts service itself."""

from __future__ import annotations

import uuid

import pytest

from shared.principal import Role
from tests.accounts.support import make_agency_user

ADMIN, ACCOUNTANT, READER, STAFF = Role.ADMIN, Role.ACCOUNTANT, Role.READER, Role.STAFF
ALL_ROLES = (ADMIN, ACCOUNTANT, READER, STAFF)

# (method, path template, body, roles allowed). Paths use {creditor} and {account}.
ACTIONS = [
    ("GET", "/creditors/{creditor}/profile", None, {ADMIN, ACCOUNTANT, READER}),
    ("GET", "/creditors/{creditor}/contacts", None, {ADMIN, ACCOUNTANT, READER}),
    ("GET", "/creditors/{creditor}/bank-change-requests", None, {ADMIN, ACCOUNTANT, READER}),
    ("PUT", "/creditors/{creditor}/profile/main-contact", {"last_name": "Martin", "first_name": "Jeanne"}, {ADMIN}),
    ("PUT", "/creditors/{creditor}/profile/billing-details", {"address_line1": "1 rue A", "postal_code": "75001", "city": "Paris", "country": "FR"}, {ADMIN}),
    ("GET", "/creditors/{creditor}/profile/bank-details", None, {ADMIN}),
    ("POST", "/creditors/{creditor}/bank-change-requests", {"iban": "FR7630006000011234567890189", "password": "wrong password!"}, {ADMIN}),
    ("POST", f"/creditors/{{creditor}}/bank-change-requests/{uuid.uuid4()}/withdrawal", None, {ADMIN}),
    ("GET", "/creditors/{creditor}/audit", None, {ADMIN}),
    ("POST", "/creditors/{creditor}/messages", {"subject": "Bonjour", "message": "Bonjour"}, {ADMIN, ACCOUNTANT}),
    ("POST", "/creditors/{creditor}/messages/validation", {"subject": "Bonjour", "message": "Bonjour"}, {ADMIN, ACCOUNTANT}),
    ("GET", "/agency/users", None, {ADMIN}),
    ("POST", "/agency/invitations", {"email": "nouveau@agence.example", "role": "lecteur"}, {ADMIN}),
    ("PATCH", "/agency/users/{user}", {"role": "administrateur"}, {ADMIN}),
    ("POST", "/agency/users/{user}/enable", None, {ADMIN}),
    ("GET", "/staff/bank-change-requests", None, {STAFF}),
    ("POST", f"/staff/bank-change-requests/{uuid.uuid4()}/approve", {}, {STAFF}),
    ("POST", f"/staff/bank-change-requests/{uuid.uuid4()}/reject", {"reason": "non"}, {STAFF}),
    ("PUT", "/staff/creditors/{creditor}/identity", {"legal_name": "X"}, {STAFF}),
    ("PUT", "/staff/creditors/{creditor}/contact-sheets/facturation", {"label": "X"}, {STAFF}),
    ("PUT", "/staff/creditors/{creditor}/accounts/{account}/manager", {"name": "X"}, {STAFF}),
]


@pytest.fixture
async def member(accounts_pool):
    return await make_agency_user(accounts_pool)


def headers_for_role(service, user, role: Role) -> dict[str, str]:
    if role is STAFF:
        return service.headers_for(
            role=STAFF, user_id=str(uuid.uuid4()), agency_id=None, staff_creditors=(user.creditor,)
        )
    return service.headers_for(
        role=role, accounts=((user.creditor, user.customer_account),), user_id=user.user_id, agency_id=user.agency_id
    )


@pytest.mark.parametrize("role", ALL_ROLES, ids=lambda role: role.value)
@pytest.mark.parametrize(("method", "template", "body", "allowed"), ACTIONS, ids=lambda value: value if isinstance(value, str) else None)
async def test_role_against_action(accounts, member, role, method, template, body, allowed):
    path = template.format(creditor=member.creditor, account=member.customer_account, user=member.user_id)

    response = await accounts.client.request(method, path, json=body, headers=headers_for_role(accounts, member, role))
    payload = await response.json() if response.content_type == "application/json" else {}
    code = payload.get("error", {}).get("code")

    if role in allowed:
        assert code != "forbidden", f"{role.value} was refused {method} {path}: {payload}"
    else:
        assert response.status == 403, f"{role.value} got {response.status} for {method} {path}: {payload}"
        assert code == "forbidden"
