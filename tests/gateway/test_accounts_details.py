"""Informations compte through the gateway, against the real accounts service and its SMTP sink."""

from __future__ import annotations

from collections.abc import AsyncIterator
from html import unescape
from pathlib import Path

import pytest

from tests.conftest import ServiceClient
from tests.gateway.conftest import csrf_token_of, log_in
from tests.gateway.support import (
    AgencyLogin,
    CreditorAccount,
    accounts_with_mail,
    add_agency_member,
    create_agency_member,
    create_creditor,
    enrol_totp_through_portal,
    next_totp_code,
    wait_for_caught_mail,
)

IBAN = "FR7630006000011234567890189"
IBAN_AS_TYPED = "FR76 3000 6000 0112 3456 7890 189"
MASKED_IBAN = "•••• •••• •••• •••• •••• •••• 0189"
BILLING = {
    "address_line1": "3 place Bellecour",
    "address_line2": "Bâtiment B",
    "address_line3": "",
    "postal_code": "69002",
    "city": "Lyon",
    "country": "FR",
    "phone": "04 78 42 10 00",
    "mobile": "",
    "fax": "",
    "email": "compta@agence-lyon.example",
}
CONTACT = {"last_name": "Dubois", "first_name": "Claire", "job_title": "Gérante"}
BANK_EMPTY = {"bank_code": "", "branch_code": "", "account_number": "", "rib_key": "", "iban": "", "bic": ""}


@pytest.fixture
async def accounts_service(engines, signer, tmp_path: Path) -> AsyncIterator[ServiceClient]:
    """The accounts service with a local SMTP sink in ``tmp_path / "mail"`` and an encryption key."""
    async with accounts_with_mail(engines, signer, tmp_path / "mail") as service:
        yield service


@pytest.fixture
async def creditor(accounts_pool, ledger_service) -> CreditorAccount:
    creditor_id = await create_creditor(accounts_pool, ledger_service, "Presse Immo Informations")
    return CreditorAccount(creditor_id, "Presse Immo Informations", "C6001")


@pytest.fixture
async def admin(accounts_pool, creditor) -> AgencyLogin:
    return await create_agency_member(accounts_pool, [creditor], role="administrateur", email="admin@agence-lyon.example")


async def logged_in_as(gateway, user: AgencyLogin):
    """Log ``user`` in on a fresh cookie jar, as another browser would."""
    gateway.session.cookie_jar.clear()
    response = await log_in(gateway, user.login, user.password)
    assert response.status == 302, await response.text()
    return gateway


def details_path(creditor: CreditorAccount) -> str:
    return f"/creanciers/{creditor.id}/informations-compte"


async def submit(gateway, creditor: CreditorAccount, *, bank: dict[str, str] | None = None, **fields: str):
    """Post the form as the edit mode sends it: every contact and billing field, bank fields when unlocked."""
    token = csrf_token_of(await (await gateway.get(details_path(creditor) + "?mode=modification")).text())
    data = {"csrf_token": token, **CONTACT, **BILLING, **(bank or {}), **fields}
    return await gateway.post(details_path(creditor), data=data, allow_redirects=False)


async def test_details_page_is_read_only_by_default(gateway, admin, creditor):
    await logged_in_as(gateway, admin)

    response = await gateway.get(details_path(creditor))
    html = await response.text()

    assert response.status == 200
    for legend in ("Contact principal", "Adresse de facturation", "Téléphone et e-mail de facturation", "Coordonnées bancaires"):
        assert f"<legend>{legend}</legend>" in html
    assert 'data-mode="lecture"' in html
    assert 'name="last_name" type="text"' in html
    assert 'id="field-last_name" name="last_name" type="text" maxlength="100" autocomplete="family-name" value="" required data-editable readonly' in html
    assert f'href="{details_path(creditor)}?mode=modification"' in html
    assert ">Modifier</a>" in html
    assert 'id="send-changes" disabled>Enregistrer les modifications</button>' in html
    assert '<script src="/static/account_details.js" defer></script>' in html
    assert 'id="read-only-notice"' not in html


async def test_edit_mode_without_javascript(gateway, admin, creditor):
    await logged_in_as(gateway, admin)

    html = await (await gateway.get(details_path(creditor) + "?mode=modification")).text()

    assert 'data-mode="modification"' in html
    assert 'autocomplete="family-name" value="" required data-editable>' in html
    assert 'id="send-changes">Enregistrer les modifications</button>' in html
    assert 'id="cancel-edit">Annuler</a>' in html


async def test_accountant_sees_no_edit_controls(gateway, accounts_pool, admin, creditor):
    accountant = await add_agency_member(accounts_pool, admin, role="comptable")
    await logged_in_as(gateway, accountant)

    html = await (await gateway.get(details_path(creditor) + "?mode=modification")).text()

    assert 'data-mode="lecture"' in html
    assert "Modifier</a>" not in html
    assert "Enregistrer les modifications" not in html
    assert "readonly" in html
    assert '<p class="notice" id="read-only-notice">Seul un administrateur de votre agence peut modifier ces informations.</p>' in html


async def test_reader_is_told_who_can_edit(gateway, accounts_pool, admin, creditor):
    reader = await add_agency_member(accounts_pool, admin, role="lecteur")
    await logged_in_as(gateway, reader)

    html = await (await gateway.get(details_path(creditor))).text()

    assert "Seul un administrateur de votre agence peut modifier ces informations." in html


async def test_accountant_change_is_refused_by_service(gateway, accounts_pool, admin, creditor):
    accountant = await add_agency_member(accounts_pool, admin, role="comptable")
    await logged_in_as(gateway, accountant)

    response = await submit(gateway, creditor)
    stored = await accounts_pool.fetchval(
        "SELECT count(*) FROM billing_details WHERE creditor_id = $1", creditor.id
    )

    assert response.status == 403
    assert "comptable" in await response.text()
    assert stored == 0


async def test_contact_and_address_change_apply_at_once(gateway, accounts_pool, admin, creditor):
    await logged_in_as(gateway, admin)

    response = await submit(gateway, creditor)
    page = await gateway.get(response.headers["Location"])
    html = await page.text()
    audit = await accounts_pool.fetch(
        "SELECT subject, action FROM audit_entries WHERE creditor_id = $1 ORDER BY id", creditor.id
    )

    assert response.status == 303
    assert response.headers["Location"] == f"{details_path(creditor)}?enregistre=contact,facturation"
    assert "Le contact principal a été mis à jour." in html
    assert "Les coordonnées de facturation ont été mises à jour." in html
    assert 'value="Dubois"' in html
    assert 'value="3 place Bellecour"' in html
    assert 'value="04 78 42 10 00"' in html
    assert [(row["subject"], row["action"]) for row in audit] == [
        ("main_contact", "created"),
        ("billing_details", "created"),
    ]


async def test_unchanged_form_saves_nothing(gateway, accounts_pool, admin, creditor):
    await logged_in_as(gateway, admin)
    await submit(gateway, creditor)

    response = await submit(gateway, creditor)
    html = await (await gateway.get(response.headers["Location"])).text()
    audit_count = await accounts_pool.fetchval("SELECT count(*) FROM audit_entries WHERE creditor_id = $1", creditor.id)

    assert response.headers["Location"] == f"{details_path(creditor)}?enregistre=aucune"
    assert "Aucune modification à enregistrer" in html
    assert audit_count == 2


async def test_only_changed_part_is_sent(gateway, accounts_pool, admin, creditor):
    await logged_in_as(gateway, admin)
    await submit(gateway, creditor)

    response = await submit(gateway, creditor, job_title="Directrice")
    subjects = await accounts_pool.fetch(
        "SELECT subject FROM audit_entries WHERE creditor_id = $1 AND action = 'updated'", creditor.id
    )

    assert response.headers["Location"] == f"{details_path(creditor)}?enregistre=contact"
    assert [row["subject"] for row in subjects] == ["main_contact"]


async def test_invalid_postal_code_keeps_typed_values(gateway, admin, creditor):
    await logged_in_as(gateway, admin)

    response = await submit(gateway, creditor, postal_code="6900", city="Villeurbanne")
    html = await response.text()

    assert response.status == 422
    assert 'id="error-postal_code"' in html
    assert 'value="6900"' in html
    assert 'value="Villeurbanne"' in html
    assert 'data-mode="modification"' in html
    assert "corrigez les champs signalés" in html
    assert "Le contact principal a été mis à jour." in html


async def test_partial_save_names_rejected_rest(gateway, admin, creditor):
    await logged_in_as(gateway, admin)

    response = await submit(gateway, creditor, postal_code="6900")
    html = unescape(await response.text())

    assert response.status == 422
    assert "Le contact principal a été mis à jour." in html
    assert "Les autres modifications n’ont pas été enregistrées : corrigez les champs signalés." in html
    assert "Les modifications n’ont pas été enregistrées" not in html


async def test_rejected_form_says_nothing_saved(gateway, admin, creditor):
    await logged_in_as(gateway, admin)
    await submit(gateway, creditor)

    response = await submit(gateway, creditor, postal_code="6900")
    html = unescape(await response.text())

    assert response.status == 422
    assert "mis à jour" not in html
    assert "Les modifications n’ont pas été enregistrées : corrigez les champs signalés." in html


async def test_missing_names_are_reported_per_field(gateway, admin, creditor):
    await logged_in_as(gateway, admin)

    response = await submit(gateway, creditor, last_name="", first_name="")
    html = await response.text()

    assert response.status == 422
    assert 'id="error-last_name"' in html
    assert 'id="error-first_name"' in html
    assert "Les coordonnées de facturation ont été mises à jour." in html


async def test_details_post_without_csrf_token_is_rejected(gateway, accounts_pool, admin, creditor):
    await logged_in_as(gateway, admin)

    response = await gateway.post(details_path(creditor), data={"csrf_token": "forged", **CONTACT, **BILLING})
    stored = await accounts_pool.fetchval("SELECT count(*) FROM main_contacts WHERE creditor_id = $1", creditor.id)

    assert response.status == 403
    assert stored == 0


async def test_bank_part_locked_until_totp_enrolled(gateway, admin, creditor):
    await logged_in_as(gateway, admin)

    html = await (await gateway.get(details_path(creditor) + "?mode=modification")).text()

    assert 'id="totp-required"' in html
    assert '<a href="/securite">Activez-la dans la page Sécurité</a>' in html
    assert 'name="iban" type="text" maxlength="50" autocomplete="off" value="" disabled' in html
    assert 'name="password"' not in html


async def test_forged_bank_change_without_totp_is_refused(gateway, admin, creditor):
    await logged_in_as(gateway, admin)

    response = await submit(gateway, creditor, bank={**BANK_EMPTY, "iban": IBAN}, password=admin.password)
    html = await response.text()

    assert response.status == 403
    assert "Activez d’abord la double authentification" in html


async def test_bank_change_needs_password(gateway, admin, creditor):
    await logged_in_as(gateway, admin)
    await enrol_totp_through_portal(gateway, admin.password)

    response = await submit(gateway, creditor, bank={**BANK_EMPTY, "iban": IBAN})
    html = await response.text()

    assert response.status == 422
    assert 'id="error-password"' in html
    assert "Saisissez votre mot de passe actuel" in html
    assert f'value="{IBAN}"' in html


async def test_bank_change_request_waits_for_validation(gateway, accounts_pool, admin, creditor, tmp_path):
    await logged_in_as(gateway, admin)
    await submit(gateway, creditor)
    totp, _codes = await enrol_totp_through_portal(gateway, admin.password)

    response = await submit(
        gateway,
        creditor,
        bank={**BANK_EMPTY, "iban": IBAN_AS_TYPED, "bic": "AGRIFRPP"},
        password=admin.password,
        totp_code=next_totp_code(totp),
    )
    page = await gateway.get(response.headers["Location"])
    html = await page.text()
    edit_html = await (await gateway.get(details_path(creditor) + "?mode=modification")).text()
    notices = await wait_for_caught_mail(
        tmp_path / "mail", lambda message: "coordonnées bancaires" in message.subject, count=2
    )
    applied = await accounts_pool.fetchval("SELECT count(*) FROM bank_details WHERE creditor_id = $1", creditor.id)

    assert response.status == 303
    assert response.headers["Location"] == f"{details_path(creditor)}?enregistre=banque"
    assert "Votre demande de modification des coordonnées bancaires a été envoyée." in html
    assert "Demande de modification des coordonnées bancaires en attente de validation" in html
    assert MASKED_IBAN in html
    assert "demande du " in html
    assert IBAN not in html
    assert IBAN not in edit_html
    assert "Une demande est déjà en attente" in edit_html
    assert sorted(recipient for message in notices for recipient in message.envelope_to) == [
        "admin@agence-lyon.example",
        "compta@agence-lyon.example",
    ]
    assert all(IBAN not in message.text for message in notices)
    assert applied == 0


async def test_wrong_password_is_shown_next_to_field(gateway, admin, creditor):
    await logged_in_as(gateway, admin)
    totp, _codes = await enrol_totp_through_portal(gateway, admin.password)

    response = await submit(
        gateway, creditor, bank={**BANK_EMPTY, "iban": IBAN}, password="pas le bon mot de passe", totp_code=next_totp_code(totp)
    )
    html = await response.text()

    assert response.status == 422
    assert 'id="error-password"' in html
    assert "Le mot de passe saisi est incorrect." in html


async def test_wrong_totp_code_is_shown_next_to_field(gateway, admin, creditor):
    await logged_in_as(gateway, admin)
    await enrol_totp_through_portal(gateway, admin.password)

    response = await submit(gateway, creditor, bank={**BANK_EMPTY, "iban": IBAN}, password=admin.password, totp_code="000000")
    html = await response.text()

    assert response.status == 422
    assert 'id="error-totp_code"' in html


async def test_invalid_iban_is_shown_next_to_field(gateway, admin, creditor):
    await logged_in_as(gateway, admin)
    totp, _codes = await enrol_totp_through_portal(gateway, admin.password)

    response = await submit(
        gateway,
        creditor,
        bank={**BANK_EMPTY, "iban": "FR7630006000011234567890188"},
        password=admin.password,
        totp_code=next_totp_code(totp),
    )
    html = await response.text()

    assert response.status == 422
    assert 'id="error-iban"' in html
    assert "n’est pas valide" in html
    assert 'value="FR7630006000011234567890188"' in html


async def test_api_bank_details_need_administrator(gateway, accounts_pool, admin, creditor):
    accountant = await add_agency_member(accounts_pool, admin, role="comptable")
    await logged_in_as(gateway, admin)
    as_admin = await gateway.get(f"/api/v1/creditors/{creditor.id}/bank-details")
    profile = await gateway.get(f"/api/v1/creditors/{creditor.id}/profile")
    await logged_in_as(gateway, accountant)

    as_accountant = await gateway.get(f"/api/v1/creditors/{creditor.id}/bank-details")

    assert as_admin.status == 200
    assert await as_admin.json() == {"bank_details": None}
    assert profile.status == 200
    assert (await profile.json())["customer_account"] == creditor.customer_account
    assert as_accountant.status == 403
    assert (await as_accountant.json())["error"]["code"] == "forbidden"


async def test_menu_depends_on_role(gateway, accounts_pool, admin, creditor):
    accountant = await add_agency_member(accounts_pool, admin, role="comptable")
    await logged_in_as(gateway, admin)
    admin_html = await (await gateway.get(details_path(creditor))).text()
    await logged_in_as(gateway, accountant)

    accountant_html = await (await gateway.get(details_path(creditor))).text()

    assert '<a href="/utilisateurs">Utilisateurs</a>' in admin_html
    assert '<a href="/securite">Sécurité</a>' in admin_html
    assert "/utilisateurs" not in accountant_html
    assert '<a href="/securite">Sécurité</a>' in accountant_html
    assert "/back-office/" not in admin_html


async def test_no_masked_placeholder_without_bank_details(gateway, admin, creditor):
    await logged_in_as(gateway, admin)

    html = await (await gateway.get(details_path(creditor))).text()

    assert "Aucune coordonnée bancaire n’est enregistrée." in html
    assert 'placeholder="Masqué"' not in html


def bank_change_requests_path(creditor: CreditorAccount) -> str:
    return f"/api/v1/creditors/{creditor.id}/bank-change-requests"


async def test_api_bank_change_request_and_withdrawal(gateway, admin, creditor):
    await logged_in_as(gateway, admin)
    totp, recovery_codes = await enrol_totp_through_portal(gateway, admin.password)
    new_details = {"iban": IBAN_AS_TYPED, "bic": "AGRIFRPP", "password": admin.password}

    wrong_password = await gateway.post(
        bank_change_requests_path(creditor),
        json={**new_details, "password": "pas le bon mot de passe", "totp_code": next_totp_code(totp)},
    )
    created = await gateway.post(
        bank_change_requests_path(creditor), json={**new_details, "totp_code": next_totp_code(totp)}
    )
    created_body = await created.json()
    # The next TOTP code is spent, so the second request re-authenticates with a recovery code.
    second = await gateway.post(
        bank_change_requests_path(creditor), json={**new_details, "totp_code": recovery_codes[0]}
    )
    listed = await gateway.get(bank_change_requests_path(creditor))
    withdrawal_path = f"{bank_change_requests_path(creditor)}/{created_body['request_id']}/withdrawal"
    withdrawn = await gateway.post(withdrawal_path, json={})
    withdrawn_again = await gateway.post(withdrawal_path, json={})
    listed_after = await (await gateway.get(bank_change_requests_path(creditor))).json()
    unknown = await gateway.post(
        f"{bank_change_requests_path(creditor)}/00000000-0000-4000-8000-000000000000/withdrawal", json={}
    )
    malformed = await gateway.post(f"{bank_change_requests_path(creditor)}/pas-un-identifiant/withdrawal", json={})

    assert wrong_password.status == 422
    assert (await wrong_password.json())["error"]["code"] == "reauthentication_failed"
    assert created.status == 201
    assert created_body["status"] == "pending"
    assert created_body["iban_masked"] == MASKED_IBAN
    assert IBAN not in await created.text()
    assert second.status == 409
    assert (await second.json())["error"]["code"] == "bank_change_pending"
    assert listed.status == 200
    assert [request["request_id"] for request in (await listed.json())["requests"]] == [created_body["request_id"]]
    assert IBAN not in await listed.text()
    assert withdrawn.status == 200
    assert (await withdrawn.json())["status"] == "withdrawn"
    assert withdrawn_again.status == 409
    assert (await withdrawn_again.json())["error"]["code"] == "bank_change_decided"
    assert [request["status"] for request in listed_after["requests"]] == ["withdrawn"]
    assert unknown.status == 404
    assert (await unknown.json())["error"]["code"] == "not_found"
    assert malformed.status == 404
    assert (await malformed.json())["error"]["details"] == {"request_id": "pas-un-identifiant"}


async def test_api_bank_change_rejects_other_users(gateway, accounts_pool, admin, creditor):
    accountant = await add_agency_member(accounts_pool, admin, role="comptable")
    request_body = {"iban": IBAN, "password": admin.password, "totp_code": "000000"}
    await logged_in_as(gateway, admin)
    without_totp = await gateway.post(bank_change_requests_path(creditor), json=request_body)
    foreign = await gateway.post("/api/v1/creditors/autre-creancier/bank-change-requests", json=request_body)
    as_form = await gateway.post(bank_change_requests_path(creditor), data=request_body)
    await logged_in_as(gateway, accountant)

    as_accountant = await gateway.post(
        bank_change_requests_path(creditor), json={**request_body, "password": accountant.password}
    )

    assert without_totp.status == 403
    assert (await without_totp.json())["error"]["code"] == "totp_enrolment_required"
    assert foreign.status == 404
    assert as_form.status == 415
    assert as_accountant.status == 403
    assert (await as_accountant.json())["error"]["code"] == "forbidden"
