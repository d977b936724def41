"""Informations compte: main contact and billing details, with validation, audit trail and events."""

from __future__ import annotations

from tests.accounts.support import make_agency_user, principal_headers

BILLING = {
    "address_line1": "12 rue de la Paix",
    "address_line2": "Bâtiment B",
    "address_line3": "",
    "postal_code": "75002",
    "city": "Paris",
    "country": "FR",
    "phone": "01 42 68 53 00",
    "mobile": "06 12 34 56 78",
    "fax": "",
    "email": "compta@agence.example",
}


def path(user, suffix: str) -> str:
    return f"/creditors/{user.creditor}/{suffix}"


async def test_main_contact_update_applies_at_once(accounts_service, agency_admin):
    headers = principal_headers(accounts_service, agency_admin)

    response = await accounts_service.client.put(
        path(agency_admin, "profile/main-contact"),
        json={"last_name": "  Martin ", "first_name": "Jeanne", "job_title": "Gérante"},
        headers=headers,
    )
    shown = await (await accounts_service.client.get(path(agency_admin, "profile"), headers=headers)).json()

    assert response.status == 200
    assert shown["main_contact"]["last_name"] == "Martin"
    assert shown["main_contact"]["job_title"] == "Gérante"


async def test_billing_details_are_normalized(accounts_service, agency_admin):
    response = await accounts_service.client.put(
        path(agency_admin, "profile/billing-details"), json=BILLING, headers=principal_headers(accounts_service, agency_admin)
    )
    stored = await response.json()

    assert response.status == 200
    assert stored["phone"] == "+33142685300"
    assert stored["mobile"] == "+33612345678"
    assert stored["address_line3"] is None
    assert stored["fax"] is None


async def test_billing_details_errors_are_french(accounts_service, agency_admin):
    invalid = {**BILLING, "postal_code": "7500", "phone": "12", "email": "compta@", "city": ""}

    response = await accounts_service.client.put(
        path(agency_admin, "profile/billing-details"), json=invalid, headers=principal_headers(accounts_service, agency_admin)
    )
    body = await response.json()
    fields = {field["field"]: field for field in body["error"]["details"]["fields"]}

    assert response.status == 422
    assert set(fields) == {"postal_code", "phone", "email", "city"}
    assert "code postal" in fields["postal_code"]["message"].lower()
    assert all(field["message"].endswith(".") for field in fields.values())
    assert "\u00a0:" in fields["city"]["message"]


async def test_main_contact_requires_names(accounts_service, agency_admin):
    response = await accounts_service.client.put(
        path(agency_admin, "profile/main-contact"),
        json={"last_name": "", "first_name": "12", "job_title": None},
        headers=principal_headers(accounts_service, agency_admin),
    )
    codes = {field["field"]: field["code"] for field in (await response.json())["error"]["details"]["fields"]}

    assert response.status == 422
    assert codes == {"last_name": "text.required", "first_name": "text.no_letter"}


async def test_update_is_audited_with_before_and_after(accounts_service, agency_admin, accounts_pool):
    headers = principal_headers(accounts_service, agency_admin)
    await accounts_service.client.put(path(agency_admin, "profile/billing-details"), json=BILLING, headers=headers)

    await accounts_service.client.put(
        path(agency_admin, "profile/billing-details"), json={**BILLING, "city": "Lyon", "postal_code": "69001"}, headers=headers
    )
    entries = await (await accounts_service.client.get(path(agency_admin, "audit"), headers=headers)).json()
    latest = entries["entries"][0]

    assert latest["subject"] == "billing_details"
    assert latest["action"] == "updated"
    assert latest["actor_user_id"] == agency_admin.user_id
    assert latest["before"]["city"] == "Paris"
    assert latest["after"]["city"] == "Lyon"
    assert entries["entries"][1]["action"] == "created"


async def test_update_publishes_profile_event(accounts_service, agency_admin, accounts_pool):
    await accounts_service.client.put(
        path(agency_admin, "profile/billing-details"), json=BILLING, headers=principal_headers(accounts_service, agency_admin)
    )

    envelope = await accounts_pool.fetchval(
        """SELECT payload FROM outbox WHERE subject = 'accounts.profile.updated'
            AND payload ->> 'customer_account' = $1""",
        agency_admin.customer_account,
    )

    assert envelope["creditor_id"] == agency_admin.creditor
    assert envelope["data"]["section"] == "billing_details"
    assert envelope["data"]["values"]["city"] == "Paris"
    assert "city" in envelope["data"]["changed_fields"]


async def test_other_agency_account_is_not_found(accounts_service, agency_admin, accounts_pool):
    other = await make_agency_user(accounts_pool, creditor=agency_admin.creditor)
    # A principal claiming an account its agency does not own.
    forged = accounts_service.headers_for(
        role=agency_admin.role,
        accounts=((other.creditor, other.customer_account),),
        user_id=agency_admin.user_id,
        agency_id=agency_admin.agency_id,
    )

    response = await accounts_service.client.get(path(other, "profile"), headers=forged)

    assert response.status == 404


async def test_creditor_without_account_is_not_found(accounts_service, agency_admin):
    response = await accounts_service.client.get(
        "/creditors/some-other-creditor/profile", headers=principal_headers(accounts_service, agency_admin)
    )

    assert response.status == 404
