"""Bank-detail change requests from the agency's request to the staff decision."""

from __future__ import annotations

import time
from pathlib import Path

import pyotp
import pytest

from shared.principal import Role
from tests.accounts.support import make_agency_user, principal_headers, wait_for_mail
from tests.conftest import unique_id

NEW_IBAN = "FR76 3000 6000 0112 3456 7890 189"
NEW_IBAN_COMPACT = "FR7630006000011234567890189"
BELGIAN_IBAN = "BE68 5390 0754 7034"
BELGIAN_IBAN_COMPACT = "BE68539007547034"
BELGIAN_ACCOUNT_NUMBER = "0075470"
POSTE_IBAN = "FR1420041010050500013M02606"
CREDIT_AGRICOLE_SUMMARY = {
    "country_code": "FR",
    "country_name": "France",
    "bank_code": "30006",
    "bank_name": "CREDIT AGRICOLE SA",
    "bank_withheld": False,
    "last_four": "0189",
}
BELGIAN_SUMMARY = {
    "country_code": "BE",
    "country_name": "Belgique",
    "bank_code": "539",
    "bank_name": None,
    "bank_withheld": False,
    "last_four": "7034",
}
WITHDRAWN_DETAILS_MIGRATION = (
    Path(__file__).resolve().parents[2] / "services/accounts/migrations/0008_withdrawn_replaced_bank_details.sql"
)
BILLING = {
    "address_line1": "12 rue de la Paix",
    "postal_code": "75002",
    "city": "Paris",
    "country": "FR",
}


async def enrol(service, user) -> str:
    """Enrol `user` in TOTP and return the secret; keep the recovery codes in `RECOVERY_CODES`."""
    headers = principal_headers(service, user)
    started = await (
        await service.client.post("/me/totp/enrolment", json={"password": user.password}, headers=headers)
    ).json()
    totp = pyotp.TOTP(started["secret"])
    confirmed = await service.client.post("/me/totp/confirmation", json={"code": totp.now()}, headers=headers)
    assert confirmed.status == 200
    RECOVERY_CODES[user.login] = (await confirmed.json())["recovery_codes"]
    return started["secret"]


# Each TOTP step works once, so a test that re-authenticates twice uses a recovery code the second time.
RECOVERY_CODES: dict[str, list[str]] = {}


def fresh_code(secret: str) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30)


@pytest.fixture
async def prepared(accounts, accounts_pool):
    """An enrolled administrateur whose account has billing details with a billing e-mail, and a second administrateur."""
    admin = await make_agency_user(accounts_pool)
    second = await make_agency_user(accounts_pool, creditor=admin.creditor, customer_account=admin.customer_account)
    billing_email = f"{unique_id('facturation')}@agence.example"
    response = await accounts.client.put(
        f"/creditors/{admin.creditor}/profile/billing-details",
        json={**BILLING, "email": billing_email},
        headers=principal_headers(accounts, admin),
    )
    assert response.status == 200
    secret = await enrol(accounts, admin)
    return admin, second, billing_email, secret


def request_body(admin, secret: str, **overrides) -> dict:
    return {
        "iban": NEW_IBAN,
        "bic": "AGRIFRPP",
        "bank_code": "30006",
        "branch_code": "00001",
        "account_number": "12345678901",
        "rib_key": "89",
        "password": admin.password,
        "totp_code": fresh_code(secret),
        **overrides,
    }


async def post_request(service, admin, body):
    return await service.client.post(
        f"/creditors/{admin.creditor}/bank-change-requests", json=body, headers=principal_headers(service, admin)
    )


def staff_headers(service, creditor: str, user_id: str = "00000000-0000-0000-0000-00000000cafe"):
    return service.headers_for(role=Role.STAFF, user_id=user_id, agency_id=None, staff_creditors=(creditor,))


async def staff_user(accounts_pool, creditor: str) -> str:
    from services.accounts.commands import create_staff_user
    from tests.accounts.support import new_password

    return await create_staff_user(accounts_pool, login=unique_id("staff"), password=new_password(), creditors=[creditor])


async def test_request_then_approval_applies_details(accounts, prepared, mail_sink, accounts_pool):
    admin, second, billing_email, secret = prepared
    staff_id = await staff_user(accounts_pool, admin.creditor)

    requested = await post_request(accounts, admin, request_body(admin, secret))
    request_id = (await requested.json())["request_id"]
    requested_notices = await wait_for_mail(
        mail_sink.folder, lambda message: "Demande de changement" in message.subject and admin.customer_account in message.subject, count=3
    )
    profile_pending = await (await accounts.client.get(f"/creditors/{admin.creditor}/profile", headers=principal_headers(accounts, second))).json()
    listing = await (await accounts.client.get("/staff/bank-change-requests", headers=staff_headers(accounts, admin.creditor, staff_id))).json()
    approved = await accounts.client.post(
        f"/staff/bank-change-requests/{request_id}/approve", headers=staff_headers(accounts, admin.creditor, staff_id)
    )
    decided_notices = await wait_for_mail(
        mail_sink.folder, lambda message: "accepté" in message.subject and admin.customer_account in message.subject, count=3
    )
    profile_after = await (await accounts.client.get(f"/creditors/{admin.creditor}/profile", headers=principal_headers(accounts, second))).json()
    audit = await (await accounts.client.get(f"/creditors/{admin.creditor}/audit", headers=principal_headers(accounts, admin))).json()
    decided_event = await accounts_pool.fetchval(
        "SELECT payload FROM outbox WHERE subject = 'accounts.bank_change.decided' AND payload -> 'data' ->> 'request_id' = $1",
        request_id,
    )

    assert requested.status == 201
    assert sorted(address for message in requested_notices for address in message.envelope_to) == sorted(
        [admin.email, second.email, billing_email]
    )
    assert all("0189" in message.text and NEW_IBAN_COMPACT not in message.text for message in requested_notices)
    assert profile_pending["pending_bank_change"]["request_id"] == request_id
    assert profile_pending["pending_bank_change"]["iban_masked"].endswith("0189")
    assert profile_pending["bank_details"] is None
    assert [item["request_id"] for item in listing["requests"]] == [request_id]
    assert approved.status == 200
    assert (await approved.json())["status"] == "approved"
    assert sorted(address for message in decided_notices for address in message.envelope_to) == sorted(
        [admin.email, second.email, billing_email]
    )
    assert profile_after["pending_bank_change"] is None
    assert profile_after["bank_details"]["iban_masked"].endswith("0189")
    assert "account_number" not in profile_after["bank_details"]
    assert [(entry["subject"], entry["action"]) for entry in audit["entries"][:3]] == [
        ("bank_details", "created"),
        ("bank_change_request", "approved"),
        ("bank_change_request", "requested"),
    ]
    assert audit["entries"][0]["actor_user_id"] == staff_id
    assert NEW_IBAN_COMPACT not in str(audit)
    assert decided_event["data"]["outcome"] == "approved"


async def test_owner_edit_form_shows_full_iban(accounts, prepared, accounts_pool):
    admin, second, _billing_email, secret = prepared
    staff_id = await staff_user(accounts_pool, admin.creditor)
    request_id = (await (await post_request(accounts, admin, request_body(admin, secret))).json())["request_id"]
    await accounts.client.post(f"/staff/bank-change-requests/{request_id}/approve", headers=staff_headers(accounts, admin.creditor, staff_id))

    edit_form = await accounts.client.get(f"/creditors/{admin.creditor}/profile/bank-details", headers=principal_headers(accounts, admin))
    reader_form = await accounts.client.get(
        f"/creditors/{admin.creditor}/profile/bank-details", headers=principal_headers(accounts, second, Role.READER)
    )

    assert (await edit_form.json())["bank_details"]["iban"] == NEW_IBAN_COMPACT
    assert (await edit_form.json())["bank_details"]["rib_key"] == "89"
    assert reader_form.status == 403


async def test_iban_is_encrypted_at_rest(accounts, prepared, accounts_pool):
    admin, _second, _billing_email, secret = prepared

    await post_request(accounts, admin, request_body(admin, secret))
    stored = await accounts_pool.fetchrow(
        "SELECT details_encrypted, iban_masked FROM bank_change_requests WHERE creditor_id = $1", admin.creditor
    )

    assert NEW_IBAN_COMPACT.encode() not in stored["details_encrypted"]
    assert b"12345678901" not in stored["details_encrypted"]
    assert stored["iban_masked"] == "•••• •••• •••• •••• •••• •••• 0189"


async def test_rejection_keeps_previous_details(accounts, prepared, mail_sink, accounts_pool):
    admin, _second, billing_email, secret = prepared
    staff_id = await staff_user(accounts_pool, admin.creditor)
    request_id = (await (await post_request(accounts, admin, request_body(admin, secret))).json())["request_id"]

    rejected = await accounts.client.post(
        f"/staff/bank-change-requests/{request_id}/reject",
        json={"reason": "RIB illisible"},
        headers=staff_headers(accounts, admin.creditor, staff_id),
    )
    notices = await wait_for_mail(
        mail_sink.folder, lambda message: "refusé" in message.subject and billing_email in message.envelope_to
    )
    profile = await (await accounts.client.get(f"/creditors/{admin.creditor}/profile", headers=principal_headers(accounts, admin))).json()

    assert rejected.status == 200
    assert (await rejected.json())["decision_reason"] == "RIB illisible"
    text = notices[0].text.replace("\r\n", "\n")
    assert f"Motif du refus donné par Créancier {admin.creditor}\u00a0:\n> RIB illisible\n" in text
    # The account had no bank details before the request, so none stay in force.
    assert "Aucune coordonnée bancaire n’est enregistrée pour ce compte." in text
    assert "précédentes restent en vigueur" not in text
    assert profile["bank_details"] is None
    assert profile["pending_bank_change"] is None


@pytest.mark.parametrize(
    "removal",
    [
        "UPDATE users SET disabled_at = now() WHERE id = $1::uuid",
        "UPDATE memberships SET role = 'comptable' WHERE user_id = $1::uuid",
    ],
    ids=["disabled", "demoted"],
)
async def test_removed_requester_change_not_approved(accounts, prepared, accounts_pool, removal):
    admin, _second, _billing_email, secret = prepared
    staff_id = await staff_user(accounts_pool, admin.creditor)
    request_id = (await (await post_request(accounts, admin, request_body(admin, secret))).json())["request_id"]
    headers = staff_headers(accounts, admin.creditor, staff_id)
    await accounts_pool.execute(removal, str(admin.user_id))

    listing = await (await accounts.client.get("/staff/bank-change-requests", headers=headers)).json()
    approved = await accounts.client.post(f"/staff/bank-change-requests/{request_id}/approve", headers=headers)
    status = await accounts_pool.fetchval("SELECT status FROM bank_change_requests WHERE id = $1::uuid", request_id)
    details = await accounts_pool.fetchval(
        "SELECT count(*) FROM bank_details WHERE creditor_id = $1 AND customer_account = $2",
        admin.creditor,
        admin.customer_account,
    )
    rejected = await accounts.client.post(
        f"/staff/bank-change-requests/{request_id}/reject", json={"reason": "Auteur retiré"}, headers=headers
    )

    assert [item["requester_active"] for item in listing["requests"] if item["request_id"] == request_id] == [False]
    assert approved.status == 409
    assert (await approved.json())["error"]["code"] == "bank_change_requester_removed"
    assert status == "pending"
    assert details == 0
    assert rejected.status == 200


@pytest.mark.parametrize("body", [None, {}, {"reason": ""}, {"reason": "  \n "}])
async def test_rejection_without_reason_refused(accounts, prepared, accounts_pool, body):
    admin, _second, _billing_email, secret = prepared
    staff_id = await staff_user(accounts_pool, admin.creditor)
    request_id = (await (await post_request(accounts, admin, request_body(admin, secret))).json())["request_id"]
    headers = staff_headers(accounts, admin.creditor, staff_id)

    rejected = await accounts.client.post(f"/staff/bank-change-requests/{request_id}/reject", json=body, headers=headers)
    answer = await rejected.json()
    status = await accounts_pool.fetchval("SELECT status FROM bank_change_requests WHERE id = $1::uuid", request_id)

    assert rejected.status == 422
    assert answer["error"]["details"]["field"] == "reason"
    assert "motif du refus" in answer["error"]["message"]
    assert status == "pending"


async def test_second_pending_request_is_rejected(accounts, prepared):
    admin, _second, _billing_email, secret = prepared
    await post_request(accounts, admin, request_body(admin, secret))

    again = await post_request(accounts, admin, request_body(admin, secret, totp_code=pyotp.TOTP(secret).at(time.time() + 60)))

    assert again.status in (409, 422)


async def test_decided_request_cannot_be_decided_again(accounts, prepared, accounts_pool):
    admin, _second, _billing_email, secret = prepared
    staff_id = await staff_user(accounts_pool, admin.creditor)
    request_id = (await (await post_request(accounts, admin, request_body(admin, secret))).json())["request_id"]
    headers = staff_headers(accounts, admin.creditor, staff_id)
    await accounts.client.post(f"/staff/bank-change-requests/{request_id}/reject", json={"reason": "RIB illisible"}, headers=headers)

    again = await accounts.client.post(f"/staff/bank-change-requests/{request_id}/approve", headers=headers)

    assert again.status == 409


async def test_wrong_password_is_rejected(accounts, prepared):
    admin, _second, _billing_email, secret = prepared

    response = await post_request(accounts, admin, request_body(admin, secret, password="not my password at all"))
    body = await response.json()

    assert response.status == 422
    assert body["error"]["code"] == "reauthentication_failed"
    assert body["error"]["details"]["field"] == "password"


async def test_wrong_totp_code_is_rejected(accounts, prepared):
    admin, _second, _billing_email, secret = prepared

    response = await post_request(accounts, admin, request_body(admin, secret, totp_code="000000"))
    body = await response.json()

    assert response.status == 422
    assert body["error"]["details"]["field"] == "totp_code"


async def test_blank_totp_code_not_counted(accounts, prepared, accounts_pool):
    admin, _second, _billing_email, secret = prepared

    response = await post_request(accounts, admin, request_body(admin, secret, totp_code=""))
    body = await response.json()
    failures = await accounts_pool.fetchval(
        "SELECT count(*) FROM login_attempts WHERE login_key = lower($1) AND NOT succeeded", admin.login
    )

    assert response.status == 422
    assert body["error"]["details"]["field"] == "totp_code"
    assert body["error"]["message"].startswith("Le code de vérification manque.")
    assert failures == 0


async def test_admin_without_totp_must_enrol_first(accounts, accounts_pool):
    admin = await make_agency_user(accounts_pool)

    response = await post_request(
        accounts, admin, {"iban": NEW_IBAN, "password": admin.password}
    )
    body = await response.json()

    assert response.status == 403
    assert body["error"]["code"] == "totp_enrolment_required"


async def test_invalid_bank_details_are_rejected_in_french(accounts, prepared):
    admin, _second, _billing_email, secret = prepared

    response = await post_request(
        accounts, admin, request_body(admin, secret, iban="FR76 3000 6000 0112 3456 7890 188", rib_key="88")
    )
    fields = (await response.json())["error"]["details"]["fields"]

    assert response.status == 422
    assert {field["field"] for field in fields} >= {"iban"}
    assert all(field["message"] for field in fields)
    assert all(NEW_IBAN_COMPACT[:-1] not in field["message"] for field in fields)


async def test_bic_of_other_bank_is_rejected(accounts, prepared, accounts_pool):
    admin, _second, _billing_email, secret = prepared

    response = await post_request(accounts, admin, request_body(admin, secret, bic="BNPAFRPP"))
    fields = (await response.json())["error"]["details"]["fields"]
    stored = await accounts_pool.fetchval(
        "SELECT count(*) FROM bank_change_requests WHERE creditor_id = $1", admin.creditor
    )

    assert response.status == 422
    assert [(field["field"], field["code"]) for field in fields] == [("bic", "bic.iban_bank")]
    assert "BNPAFRPP" in fields[0]["message"]
    assert "code banque 30006" in fields[0]["message"]
    assert stored == 0


async def test_wrong_totp_codes_throttle_names_codes(accounts, prepared):
    from services.accounts.throttle import LOGIN_FREE_FAILURES

    admin, _second, _billing_email, secret = prepared
    for _attempt in range(LOGIN_FREE_FAILURES):
        failed = await post_request(accounts, admin, request_body(admin, secret, totp_code="000000"))
        assert failed.status == 422

    response = await post_request(accounts, admin, request_body(admin, secret))
    error = (await response.json())["error"]

    assert response.status == 429
    assert error["code"] == "throttled"
    assert error["message"].startswith(
        "Trop de codes de vérification ou de mots de passe incorrects ont été saisis. Réessayez dans "
    )
    assert error["message"].endswith("\u00a0secondes.")
    assert "connexion" not in error["message"]


async def test_reader_bank_form_names_change_request(accounts, prepared):
    admin, second, _billing_email, _secret = prepared

    response = await accounts.client.get(
        f"/creditors/{admin.creditor}/profile/bank-details", headers=principal_headers(accounts, second, Role.READER)
    )
    message = (await response.json())["error"]["message"]

    assert response.status == 403
    assert message == (
        "Votre rôle «\u00a0lecteur\u00a0» ne permet pas de demander un changement de coordonnées "
        "bancaires ni de voir l’IBAN complet."
    )


async def test_decision_comment_is_quoted_in_mail(accounts, prepared, mail_sink, accounts_pool):
    admin, _second, billing_email, secret = prepared
    staff_id = await staff_user(accounts_pool, admin.creditor)
    request_id = (await (await post_request(accounts, admin, request_body(admin, secret))).json())["request_id"]

    approved = await accounts.client.post(
        f"/staff/bank-change-requests/{request_id}/approve",
        json={"reason": "Validé <b>ok</b> après appel — voir http://evil.example/x"},
        headers=staff_headers(accounts, admin.creditor, staff_id),
    )
    [notice] = await wait_for_mail(
        mail_sink.folder, lambda message: "accepté" in message.subject and billing_email in message.envelope_to
    )
    text = notice.text.replace("\r\n", "\n")

    assert approved.status == 200
    assert (await approved.json())["decision_reason"] == "Validé <b>ok</b> après appel — voir http://evil.example/x"
    assert (
        f"\n\nCommentaire de Créancier {admin.creditor}\u00a0:\n"
        "> Validé <b>ok</b> après appel — voir evil[.]example/x\n"
        "Par sécurité, les adresses web de ce texte ne sont pas cliquables\u00a0: "
        "«\u00a0[.]\u00a0» y remplace le point.\n\n"
    ) in text
    assert "http://" not in text
    assert "evil.example" not in text


@pytest.mark.parametrize("role", [Role.ADMIN, Role.ACCOUNTANT, Role.READER])
async def test_agency_user_cannot_approve(accounts, prepared, role):
    admin, _second, _billing_email, secret = prepared
    request_id = (await (await post_request(accounts, admin, request_body(admin, secret))).json())["request_id"]

    response = await accounts.client.post(
        f"/staff/bank-change-requests/{request_id}/approve", headers=principal_headers(accounts, admin, role)
    )

    assert response.status == 403


async def test_staff_of_other_creditor_cannot_approve(accounts, prepared):
    admin, _second, _billing_email, secret = prepared
    request_id = (await (await post_request(accounts, admin, request_body(admin, secret))).json())["request_id"]

    response = await accounts.client.post(
        f"/staff/bank-change-requests/{request_id}/approve", headers=staff_headers(accounts, "another-creditor")
    )
    listing = await (await accounts.client.get("/staff/bank-change-requests", headers=staff_headers(accounts, "another-creditor"))).json()

    assert response.status == 404
    assert request_id not in [item["request_id"] for item in listing["requests"]]


@pytest.mark.parametrize("role", [Role.ACCOUNTANT, Role.READER])
async def test_non_admin_cannot_request_change(accounts, prepared, role):
    admin, _second, _billing_email, secret = prepared

    response = await accounts.client.post(
        f"/creditors/{admin.creditor}/bank-change-requests",
        json=request_body(admin, secret),
        headers=principal_headers(accounts, admin, role),
    )

    assert response.status == 403


async def test_staff_list_gives_replaced_details(accounts, prepared, accounts_pool):
    admin, _second, _billing_email, secret = prepared
    staff_id = await staff_user(accounts_pool, admin.creditor)
    headers = staff_headers(accounts, admin.creditor, staff_id)
    first_id = (await (await post_request(accounts, admin, request_body(admin, secret))).json())["request_id"]
    await accounts.client.post(f"/staff/bank-change-requests/{first_id}/approve", headers=headers)
    second_body = request_body(
        admin, secret, iban="FR1420041010050500013M02606", bic="PSSTFRPP", bank_code="20041",
        branch_code="01005", account_number="0500013M026", rib_key="06",
        totp_code=RECOVERY_CODES[admin.login].pop(),
    )
    second = await post_request(accounts, admin, second_body)
    second_json = await second.json()
    assert second.status == 201, second_json
    second_id = second_json["request_id"]

    pending = await (await accounts.client.get("/staff/bank-change-requests?status=all", headers=headers)).json()
    await accounts.client.post(f"/staff/bank-change-requests/{second_id}/reject", json={"reason": "RIB illisible"}, headers=headers)
    decided = await (await accounts.client.get("/staff/bank-change-requests?status=all", headers=headers)).json()

    first_masked = {"iban_masked": "•••• •••• •••• •••• •••• •••• 0189", "bic": "AGRIFRPP"}
    first_for_staff = first_masked | {"iban_summary": CREDIT_AGRICOLE_SUMMARY}
    before = {item["request_id"]: item["previous"] for item in pending["requests"]}
    after = {item["request_id"]: item["previous"] for item in decided["requests"]}
    assert second.status == 201
    assert (await second.json())["previous"] == first_masked
    assert before == {first_id: None, second_id: first_for_staff}
    assert after == {first_id: None, second_id: first_for_staff}


async def approve_first_request(accounts, admin, secret: str, headers: dict) -> None:
    """Request the Crédit Agricole IBAN and approve it, so that the account has current details."""
    first_id = (await (await post_request(accounts, admin, request_body(admin, secret))).json())["request_id"]
    approved = await accounts.client.post(f"/staff/bank-change-requests/{first_id}/approve", headers=headers)
    assert approved.status == 200


def belgian_body(admin, secret: str, **overrides) -> dict:
    """A request for the Belgian IBAN with an empty BIC and no RIB parts, as the form allows."""
    return request_body(
        admin, secret, iban=BELGIAN_IBAN, bic="", bank_code="", branch_code="", account_number="", rib_key="", **overrides
    )


async def test_staff_list_shows_foreign_iban_country(accounts, prepared, accounts_pool):
    admin, _second, _billing_email, secret = prepared
    staff_id = await staff_user(accounts_pool, admin.creditor)

    requested = await post_request(accounts, admin, belgian_body(admin, secret))
    request_id = (await requested.json())["request_id"]
    listing = await accounts.client.get("/staff/bank-change-requests", headers=staff_headers(accounts, admin.creditor, staff_id))
    [item] = (await listing.json())["requests"]

    assert requested.status == 201
    assert item["request_id"] == request_id
    assert item["bic"] is None
    assert item["iban_summary"] == BELGIAN_SUMMARY
    assert item["previous"] is None
    assert item["country_changed"] is True
    assert item["bank_changed"] is None
    assert BELGIAN_IBAN_COMPACT not in str(item)
    assert BELGIAN_ACCOUNT_NUMBER not in str(item)


async def test_staff_list_flags_country_and_bank_change(accounts, prepared, accounts_pool):
    admin, _second, _billing_email, secret = prepared
    staff_id = await staff_user(accounts_pool, admin.creditor)
    headers = staff_headers(accounts, admin.creditor, staff_id)
    await approve_first_request(accounts, admin, secret, headers)

    requested = await post_request(accounts, admin, belgian_body(admin, secret, totp_code=RECOVERY_CODES[admin.login].pop()))
    request_id = (await requested.json())["request_id"]
    pending = await (await accounts.client.get("/staff/bank-change-requests", headers=headers)).json()
    await accounts.client.post(f"/staff/bank-change-requests/{request_id}/reject", json={"reason": "RIB illisible"}, headers=headers)
    decided = await (await accounts.client.get("/staff/bank-change-requests?status=rejected", headers=headers)).json()

    assert requested.status == 201
    for listing in (pending, decided):
        [item] = listing["requests"]
        assert item["request_id"] == request_id
        assert item["iban_summary"] == BELGIAN_SUMMARY
        assert item["previous"]["iban_summary"] == CREDIT_AGRICOLE_SUMMARY
        assert item["country_changed"] is True
        assert item["bank_changed"] is True


async def test_staff_list_flags_bank_change_only(accounts, prepared, accounts_pool):
    admin, _second, _billing_email, secret = prepared
    staff_id = await staff_user(accounts_pool, admin.creditor)
    headers = staff_headers(accounts, admin.creditor, staff_id)
    await approve_first_request(accounts, admin, secret, headers)

    body = request_body(
        admin, secret, iban=POSTE_IBAN, bic="", bank_code="", branch_code="", account_number="", rib_key="",
        totp_code=RECOVERY_CODES[admin.login].pop(),
    )
    requested = await post_request(accounts, admin, body)
    [item] = (await (await accounts.client.get("/staff/bank-change-requests", headers=headers)).json())["requests"]

    assert requested.status == 201
    assert item["iban_summary"]["bank_code"] == "20041"
    assert item["iban_summary"]["bank_name"] == "LA BANQUE POSTALE"
    assert item["country_changed"] is False
    assert item["bank_changed"] is True


async def test_same_bank_is_not_flagged(accounts, prepared, accounts_pool):
    admin, _second, _billing_email, secret = prepared
    staff_id = await staff_user(accounts_pool, admin.creditor)
    headers = staff_headers(accounts, admin.creditor, staff_id)
    await approve_first_request(accounts, admin, secret, headers)

    requested = await post_request(accounts, admin, request_body(admin, secret, totp_code=RECOVERY_CODES[admin.login].pop()))
    [item] = (await (await accounts.client.get("/staff/bank-change-requests", headers=headers)).json())["requests"]

    assert requested.status == 201
    assert item["country_changed"] is False
    assert item["bank_changed"] is False


async def test_unreadable_details_leave_comparison_unknown(accounts, prepared, accounts_pool):
    admin, _second, _billing_email, secret = prepared
    staff_id = await staff_user(accounts_pool, admin.creditor)
    await post_request(accounts, admin, belgian_body(admin, secret))
    # A value of an unknown format version cannot be decrypted with any key.
    await accounts_pool.execute(
        "UPDATE bank_change_requests SET details_encrypted = '\\x09'::bytea WHERE creditor_id = $1", admin.creditor
    )

    listing = await accounts.client.get("/staff/bank-change-requests", headers=staff_headers(accounts, admin.creditor, staff_id))
    [item] = (await listing.json())["requests"]

    assert listing.status == 200
    assert item["iban_summary"] is None
    assert item["iban_masked"] == "•••• •••• •••• 7034"
    assert item["country_changed"] is None
    assert item["bank_changed"] is None


async def test_agency_requests_keep_masked_view(accounts, prepared):
    admin, _second, _billing_email, secret = prepared
    await post_request(accounts, admin, belgian_body(admin, secret))

    listing = await accounts.client.get(
        f"/creditors/{admin.creditor}/bank-change-requests", headers=principal_headers(accounts, admin)
    )
    [item] = (await listing.json())["requests"]

    assert item["iban_masked"] == "•••• •••• •••• 7034"
    assert "iban_summary" not in item
    assert "country_changed" not in item
    assert "bank_code" not in str(item)


@pytest.mark.parametrize("reason", ["Motif\x07\x1b[31m rouge", "Motif \u202eeugirdnom", "Motif\u2028suite"])
async def test_rejection_reason_with_control_refused(accounts, prepared, accounts_pool, reason):
    admin, _second, _billing_email, secret = prepared
    staff_id = await staff_user(accounts_pool, admin.creditor)
    request_id = (await (await post_request(accounts, admin, request_body(admin, secret))).json())["request_id"]
    headers = staff_headers(accounts, admin.creditor, staff_id)

    rejected = await accounts.client.post(
        f"/staff/bank-change-requests/{request_id}/reject", json={"reason": reason}, headers=headers
    )
    answer = await rejected.json()
    status = await accounts_pool.fetchval("SELECT status FROM bank_change_requests WHERE id = $1::uuid", request_id)

    assert rejected.status == 422
    assert answer["error"]["details"]["field"] == "reason"
    assert "caractère de contrôle ou de mise en forme" in answer["error"]["message"]
    assert status == "pending"


async def test_administrator_withdraws_pending_request(accounts, prepared, accounts_pool, mail_sink):
    admin, _second, billing_email, secret = prepared
    staff_id = await staff_user(accounts_pool, admin.creditor)
    request_id = (await (await post_request(accounts, admin, request_body(admin, secret))).json())["request_id"]
    path = f"/creditors/{admin.creditor}/bank-change-requests/{request_id}/withdrawal"

    withdrawn = await accounts.client.post(path, headers=principal_headers(accounts, admin))
    again = await accounts.client.post(path, headers=principal_headers(accounts, admin))
    approved = await accounts.client.post(
        f"/staff/bank-change-requests/{request_id}/approve", headers=staff_headers(accounts, admin.creditor, staff_id)
    )
    notices = await wait_for_mail(
        mail_sink.folder, lambda message: "retirée" in message.subject and billing_email in message.envelope_to
    )
    profile = await (
        await accounts.client.get(f"/creditors/{admin.creditor}/profile", headers=principal_headers(accounts, admin))
    ).json()

    assert withdrawn.status == 200
    assert (await withdrawn.json())["status"] == "withdrawn"
    assert again.status == 409
    assert approved.status == 409
    assert profile["pending_bank_change"] is None
    assert profile["bank_details"] is None
    assert "a retiré le" in notices[0].text


async def test_withdrawal_of_other_account_not_found(accounts, prepared, accounts_pool):
    admin, _second, _billing_email, secret = prepared
    other = await make_agency_user(accounts_pool, creditor=admin.creditor)
    request_id = (await (await post_request(accounts, admin, request_body(admin, secret))).json())["request_id"]

    response = await accounts.client.post(
        f"/creditors/{other.creditor}/bank-change-requests/{request_id}/withdrawal",
        headers=principal_headers(accounts, other),
    )
    status = await accounts_pool.fetchval("SELECT status FROM bank_change_requests WHERE id = $1::uuid", request_id)

    assert response.status == 404
    assert status == "pending"


@pytest.mark.parametrize(
    ("method", "body", "reason"),
    [
        ("DELETE", None, "Retirée d’office, car son auteur a été désactivé par un administrateur de l’agence."),
        ("PATCH", {"role": "comptable"}, "Retirée d’office, car son auteur n’est plus administrateur de l’agence."),
    ],
    ids=["disabled", "demoted"],
)
async def test_removing_author_withdraws_request(accounts, prepared, accounts_pool, mail_sink, method, body, reason):
    admin, second, billing_email, secret = prepared
    request_id = (await (await post_request(accounts, admin, request_body(admin, secret))).json())["request_id"]

    removed = await accounts.client.request(
        method, f"/agency/users/{admin.user_id}", json=body, headers=principal_headers(accounts, second)
    )
    row = await accounts_pool.fetchrow(
        "SELECT status, decision_reason, decided_by::text FROM bank_change_requests WHERE id = $1::uuid", request_id
    )
    notices = await wait_for_mail(
        mail_sink.folder, lambda message: "retirée" in message.subject and billing_email in message.envelope_to
    )

    assert removed.status == 200
    assert row["status"] == "withdrawn"
    assert row["decision_reason"] == reason
    assert row["decided_by"] == second.user_id
    assert reason in notices[0].text.replace("\r\n", "\n").replace("\n", " ")


async def test_withdrawn_request_keeps_replaced_details(accounts, prepared, accounts_pool):
    admin, _second, _billing_email, secret = prepared
    staff_id = await staff_user(accounts_pool, admin.creditor)
    headers = staff_headers(accounts, admin.creditor, staff_id)
    await approve_first_request(accounts, admin, secret, headers)
    requested = await post_request(accounts, admin, belgian_body(admin, secret, totp_code=RECOVERY_CODES[admin.login].pop()))
    request_id = (await requested.json())["request_id"]

    withdrawn = await accounts.client.post(
        f"/creditors/{admin.creditor}/bank-change-requests/{request_id}/withdrawal",
        headers=principal_headers(accounts, admin),
    )
    staff_listing = await (await accounts.client.get("/staff/bank-change-requests?status=all", headers=headers)).json()
    agency_listing = await (
        await accounts.client.get(
            f"/creditors/{admin.creditor}/bank-change-requests", headers=principal_headers(accounts, admin)
        )
    ).json()

    first_masked = {"iban_masked": "•••• •••• •••• •••• •••• •••• 0189", "bic": "AGRIFRPP"}
    [staff_item] = [item for item in staff_listing["requests"] if item["request_id"] == request_id]
    [agency_item] = [item for item in agency_listing["requests"] if item["request_id"] == request_id]
    assert requested.status == 201
    assert withdrawn.status == 200
    assert (await withdrawn.json())["previous"] == first_masked
    assert staff_item["status"] == "withdrawn"
    assert staff_item["previous"] == first_masked | {"iban_summary": CREDIT_AGRICOLE_SUMMARY}
    assert staff_item["country_changed"] is True
    assert agency_item["previous"] == first_masked


async def test_migration_fills_withdrawn_replaced_details(accounts, prepared, accounts_pool):
    admin, _second, _billing_email, secret = prepared
    staff_id = await staff_user(accounts_pool, admin.creditor)
    await approve_first_request(accounts, admin, secret, staff_headers(accounts, admin.creditor, staff_id))
    requested = await post_request(accounts, admin, belgian_body(admin, secret, totp_code=RECOVERY_CODES[admin.login].pop()))
    request_id = (await requested.json())["request_id"]
    await accounts.client.post(
        f"/creditors/{admin.creditor}/bank-change-requests/{request_id}/withdrawal",
        headers=principal_headers(accounts, admin),
    )
    # Withdrawals recorded before migration 0008 left these columns empty.
    await accounts_pool.execute(
        "UPDATE bank_change_requests SET replaced_iban_masked = NULL, replaced_bic = NULL WHERE id = $1::uuid",
        request_id,
    )

    # The migration was applied when the database was created, so the test runs its SQL again.
    await accounts_pool.execute(WITHDRAWN_DETAILS_MIGRATION.read_text(encoding="utf-8"))
    row = await accounts_pool.fetchrow(
        "SELECT replaced_iban_masked, replaced_bic FROM bank_change_requests WHERE id = $1::uuid", request_id
    )

    assert requested.status == 201
    assert row["replaced_iban_masked"] == "•••• •••• •••• •••• •••• •••• 0189"
    assert row["replaced_bic"] == "AGRIFRPP"


async def test_request_notifies_creditor_staff(accounts, prepared, mail_sink, accounts_pool):
    from services.accounts.commands import create_staff_user, ensure_creditor
    from tests.accounts.support import new_password

    admin, _second, _billing_email, secret = prepared
    reviewer = f"{unique_id('staff')}@creancier.example"
    await create_staff_user(
        accounts_pool, login=unique_id("staff"), password=new_password(), creditors=[admin.creditor], email=reviewer
    )
    other_creditor = unique_id("autre")
    await ensure_creditor(accounts_pool, other_creditor, "Autre créancier")
    await create_staff_user(
        accounts_pool, login=unique_id("staff"), password=new_password(), creditors=[other_creditor],
        email=f"{unique_id('autre')}@creancier.example",
    )

    requested = await post_request(accounts, admin, request_body(admin, secret))
    request_id = (await requested.json())["request_id"]
    notices = await wait_for_mail(
        mail_sink.folder, lambda message: "À examiner" in message.subject and admin.customer_account in message.subject
    )
    agency_name = await accounts_pool.fetchval(
        "SELECT a.name FROM agencies a JOIN agency_accounts l ON l.agency_id = a.id"
        " WHERE l.creditor_id = $1 AND l.customer_account = $2",
        admin.creditor,
        admin.customer_account,
    )

    assert requested.status == 201
    assert [address for message in notices for address in message.envelope_to] == [reviewer]
    assert f"/back-office/demandes-bancaires/{request_id}" in notices[0].text
    assert agency_name in notices[0].text
    assert "0189" in notices[0].text
    assert NEW_IBAN_COMPACT not in notices[0].text
