"""Nous contacter: creditor identity and contact sheets, and messages sent through the form."""

from __future__ import annotations

import pytest

from shared.principal import Role
from tests.accounts.support import make_agency_user, principal_headers, wait_for_mail

IDENTITY = {
    "legal_name": "Presse Immobilière SAS",
    "siren": "732 829 320",
    "vat_number": "FR44732829320",
    "address_line1": "8 avenue de l’Opéra",
    "postal_code": "75001",
    "city": "Paris",
    "country": "FR",
    "iban": "FR76 3000 6000 0112 3456 7890 189",
    "bic": "AGRIFRPP",
    "payment_terms": "30 jours fin de mois",
}


def sheet(email: str) -> dict[str, str]:
    return {
        "label": "Service facturation",
        "address_line1": "8 avenue de l’Opéra",
        "postal_code": "75001",
        "city": "Paris",
        "country": "FR",
        "phone": "01 42 68 53 00",
        "fax": "01 42 68 53 01",
        "email": email,
    }


def staff_headers(service, creditor: str) -> dict[str, str]:
    return service.headers_for(role=Role.STAFF, user_id="00000000-0000-0000-0000-00000000beef", agency_id=None, staff_creditors=(creditor,))


async def set_up_contacts(service, user) -> None:
    headers = staff_headers(service, user.creditor)
    responses = [
        await service.client.put(f"/staff/creditors/{user.creditor}/identity", json=IDENTITY, headers=headers),
        await service.client.put(
            f"/staff/creditors/{user.creditor}/contact-sheets/facturation", json=sheet(f"facturation@{user.creditor}.example"), headers=headers
        ),
        await service.client.put(
            f"/staff/creditors/{user.creditor}/contact-sheets/recouvrement", json=sheet(f"recouvrement@{user.creditor}.example"), headers=headers
        ),
        await service.client.put(
            f"/staff/creditors/{user.creditor}/accounts/{user.customer_account}/manager",
            json={"name": "Paul Durand", "phone": "06 12 34 56 78", "email": "paul.durand@creancier.example"},
            headers=headers,
        ),
    ]
    assert [response.status for response in responses] == [200, 200, 200, 200]


async def test_contact_page_shows_creditor_sheets(accounts, agency_admin):
    await set_up_contacts(accounts, agency_admin)

    response = await accounts.client.get(
        f"/creditors/{agency_admin.creditor}/contacts", headers=principal_headers(accounts, agency_admin, Role.READER)
    )
    page = await response.json()

    assert response.status == 200
    assert page["identity"]["siren"] == "732829320"
    assert page["identity"]["vat_number"] == "FR44732829320"
    assert page["identity"]["iban_masked"].endswith("0189")
    assert "FR76" not in page["identity"]["iban_masked"]
    assert page["facturation"]["email"] == f"facturation@{agency_admin.creditor}.example"
    assert page["recouvrement"]["phone"] == "+33142685300"
    assert page["account_manager"]["name"] == "Paul Durand"


async def test_creditor_iban_is_encrypted_at_rest(accounts, agency_admin, accounts_pool):
    await set_up_contacts(accounts, agency_admin)

    stored = await accounts_pool.fetchval(
        "SELECT iban_encrypted FROM creditor_identities WHERE creditor_id = $1", agency_admin.creditor
    )

    assert b"FR7630006000011234567890189" not in stored


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("siren", "732 829 321", "siren.checksum"),
        ("siren", "12345", "siren.format"),
        ("vat_number", "FR00732829320", "vat.key_mismatch"),
        ("iban", "FR76 3000 6000 0112 3456 7890 188", "iban.checksum"),
    ],
)
async def test_identity_validation_errors(accounts, agency_admin, field, value, code):
    response = await accounts.client.put(
        f"/staff/creditors/{agency_admin.creditor}/identity",
        json={**IDENTITY, field: value},
        headers=staff_headers(accounts, agency_admin.creditor),
    )
    errors = (await response.json())["error"]["details"]["fields"]

    assert response.status == 422
    assert errors[0]["field"] == field
    assert errors[0]["code"].split(".")[0] == code.split(".")[0]
    assert errors[0]["message"]


async def test_contact_sheet_requires_email(accounts, agency_admin):
    response = await accounts.client.put(
        f"/staff/creditors/{agency_admin.creditor}/contact-sheets/facturation",
        json={**sheet(""), "email": ""},
        headers=staff_headers(accounts, agency_admin.creditor),
    )
    errors = (await response.json())["error"]["details"]["fields"]

    assert response.status == 422
    assert [error["code"] for error in errors] == ["email.required"]


async def test_staff_of_other_creditor_cannot_edit(accounts, agency_admin):
    response = await accounts.client.put(
        f"/staff/creditors/{agency_admin.creditor}/identity", json=IDENTITY, headers=staff_headers(accounts, "another-creditor")
    )

    assert response.status == 404


async def test_agency_admin_cannot_edit_creditor(accounts, agency_admin):
    response = await accounts.client.put(
        f"/staff/creditors/{agency_admin.creditor}/identity", json=IDENTITY, headers=principal_headers(accounts, agency_admin)
    )

    assert response.status == 403


async def test_contact_change_is_audited(accounts, agency_admin, accounts_pool):
    await set_up_contacts(accounts, agency_admin)

    subjects = await accounts_pool.fetch(
        "SELECT subject FROM audit_entries WHERE creditor_id = $1 ORDER BY id", agency_admin.creditor
    )

    assert [row["subject"] for row in subjects] == [
        "creditor_identity",
        "creditor_facturation",
        "creditor_recouvrement",
        "creditor_account_manager",
    ]


async def test_message_goes_to_service_with_copy(accounts, agency_admin, mail_sink, accounts_pool):
    await set_up_contacts(accounts, agency_admin)
    service_email = f"recouvrement@{agency_admin.creditor}.example"

    response = await accounts.client.post(
        f"/creditors/{agency_admin.creditor}/messages",
        json={
            "service": "recouvrement",
            "subject": "Échéancier",
            "message": "Bonjour,\r\nPouvons-nous étaler le paiement ?",
            "invoice_numbers": ["FA-2026-0042", "FA-2026-0043"],
        },
        headers=principal_headers(accounts, agency_admin, Role.ACCOUNTANT),
    )
    [to_service] = await wait_for_mail(mail_sink.folder, lambda message: service_email in message.envelope_to)
    [copy] = await wait_for_mail(mail_sink.folder, lambda message: agency_admin.email in message.envelope_to)
    stored = await accounts_pool.fetchrow(
        "SELECT subject, body, invoice_numbers FROM contact_messages WHERE id = $1::uuid", (await response.json())["message_id"]
    )
    event = await accounts_pool.fetchval(
        "SELECT payload FROM outbox WHERE subject = 'accounts.contact_message.sent' AND payload -> 'data' ->> 'message_id' = $1",
        (await response.json())["message_id"],
    )

    assert response.status == 201
    assert to_service.subject == f"[{agency_admin.customer_account}] Échéancier"
    assert str(to_service.message["Reply-To"]) == agency_admin.email
    assert f"Agence {agency_admin.customer_account}" in to_service.text
    assert "FA-2026-0042, FA-2026-0043" in to_service.text
    assert "étaler le paiement" in to_service.text
    assert copy.subject.startswith("Copie de votre message")
    assert stored["body"] == "Bonjour,\nPouvons-nous étaler le paiement ?"
    assert stored["invoice_numbers"] == ["FA-2026-0042", "FA-2026-0043"]
    assert event["data"]["service"] == "recouvrement"


async def test_message_links_are_defused_in_mails(accounts, accounts_pool, mail_sink):
    agency_name = "Clés de la Presqu'île"
    user = await make_agency_user(accounts_pool, agency_name=agency_name)
    await accounts_pool.execute("UPDATE users SET display_name = 'Jeanne d''Arc' WHERE id = $1::uuid", user.user_id)
    await set_up_contacts(accounts, user)
    service_email = f"facturation@{user.creditor}.example"
    typed = 'Bonjour,\r\n\r\n<a href="http://evil.example/x">cliquez</a>\r\nhttp://evil.example/phish'

    response = await accounts.client.post(
        f"/creditors/{user.creditor}/messages",
        json={"service": "facturation", "subject": "Voir www.evil.example", "message": typed},
        headers=principal_headers(accounts, user),
    )
    [to_service] = await wait_for_mail(mail_sink.folder, lambda message: service_email in message.envelope_to)
    [copy] = await wait_for_mail(mail_sink.folder, lambda message: user.email in message.envelope_to)
    stored_body = await accounts_pool.fetchval(
        "SELECT body FROM contact_messages WHERE id = $1::uuid", (await response.json())["message_id"]
    )
    stored_agency = await accounts_pool.fetchval("SELECT name FROM agencies WHERE id = $1::uuid", user.agency_id)
    service_text = to_service.text.replace("\r\n", "\n")
    copy_text = copy.text.replace("\r\n", "\n")
    quotation = (
        "> Bonjour,\n"
        ">\n"
        '> <a href="evil[.]example/x">cliquez</a>\n'
        "> evil[.]example/phish\n"
        "Par sécurité, les adresses web de ce texte ne sont pas cliquables\u00a0: "
        "«\u00a0[.]\u00a0» y remplace le point."
    )

    assert response.status == 201
    assert "de l’agence Clés de la Presqu’île, compte client" in service_text
    assert f"\n\nTexte écrit par Jeanne d’Arc, que Mes Factures n’a pas vérifié\u00a0:\n{quotation}" in service_text
    assert f"\n\nTexte que vous avez écrit\u00a0:\n{quotation}\n" in copy_text
    assert to_service.subject == f"[{user.customer_account}] Voir www[.]evil[.]example"
    assert copy.subject == "Copie de votre message\u00a0: Voir www[.]evil[.]example"
    for text in (service_text, copy_text, to_service.subject, copy.subject):
        assert "http://" not in text
        assert "evil.example" not in text
    assert stored_body == 'Bonjour,\n\n<a href="http://evil.example/x">cliquez</a>\nhttp://evil.example/phish'
    assert stored_agency == agency_name


async def test_author_and_agency_names_are_defused_in_mails(accounts, accounts_pool, mail_sink):
    user = await make_agency_user(accounts_pool, agency_name="Immobilière des Tilleuls (tilleuls.example)")
    await accounts_pool.execute(
        "UPDATE users SET display_name = 'Règlement urgent sur https://paiement-tilleuls.example/carte' "
        "WHERE id = $1::uuid",
        user.user_id,
    )
    await set_up_contacts(accounts, user)
    service_email = f"recouvrement@{user.creditor}.example"

    response = await accounts.client.post(
        f"/creditors/{user.creditor}/messages",
        json={"service": "recouvrement", "subject": "Relance", "message": "Bonjour"},
        headers=principal_headers(accounts, user),
    )
    [to_service] = await wait_for_mail(mail_sink.folder, lambda message: service_email in message.envelope_to)
    service_text = to_service.text.replace("\r\n", "\n")

    assert response.status == 201
    assert "par Règlement urgent sur paiement-tilleuls[.]example/carte (" in service_text
    assert "de l’agence Immobilière des Tilleuls (tilleuls[.]example), compte client" in service_text
    assert "Texte écrit par Règlement urgent sur paiement-tilleuls[.]example/carte, que" in service_text
    assert "les adresses web des noms et identifiants cités dans ce message ne sont pas cliquables" in service_text
    assert "https://" not in service_text
    assert "paiement-tilleuls.example" not in service_text
    assert "tilleuls.example" not in service_text
    assert str(to_service.message["Reply-To"]) == user.email


async def test_identity_bic_of_other_bank_rejected(accounts, agency_admin):
    response = await accounts.client.put(
        f"/staff/creditors/{agency_admin.creditor}/identity",
        json={**IDENTITY, "bic": "BNPAFRPP"},
        headers=staff_headers(accounts, agency_admin.creditor),
    )
    errors = (await response.json())["error"]["details"]["fields"]

    assert response.status == 422
    assert [(error["field"], error["code"]) for error in errors] == [("bic", "bic.iban_bank")]


async def test_subject_with_header_injection_is_rejected(accounts, agency_admin, accounts_pool):
    await set_up_contacts(accounts, agency_admin)

    response = await accounts.client.post(
        f"/creditors/{agency_admin.creditor}/messages",
        json={"subject": "Question\r\nBcc: victim@example.org", "message": "Bonjour"},
        headers=principal_headers(accounts, agency_admin),
    )
    errors = (await response.json())["error"]["details"]["fields"]
    stored = await accounts_pool.fetchval(
        "SELECT count(*) FROM contact_messages WHERE creditor_id = $1", agency_admin.creditor
    )

    assert response.status == 422
    assert errors[0]["field"] == "subject"
    assert errors[0]["code"] == "text.control"
    assert stored == 0


async def test_message_form_validation(accounts, agency_admin):
    await set_up_contacts(accounts, agency_admin)

    response = await accounts.client.post(
        f"/creditors/{agency_admin.creditor}/messages",
        json={"subject": "", "message": " ", "invoice_numbers": ["FA<script>"]},
        headers=principal_headers(accounts, agency_admin),
    )
    codes = [error["code"] for error in (await response.json())["error"]["details"]["fields"]]

    assert response.status == 422
    assert codes == ["text.required", "message.required", "invoice_numbers.format"]


async def test_message_validation_stores_nothing(accounts, agency_admin, accounts_pool):
    await set_up_contacts(accounts, agency_admin)
    path = f"/creditors/{agency_admin.creditor}/messages/validation"
    headers = principal_headers(accounts, agency_admin)

    valid = await accounts.client.post(path, json={"subject": "Bonjour", "message": "Bonjour"}, headers=headers)
    invalid = await accounts.client.post(
        path, json={"subject": "", "message": " ", "invoice_numbers": ["FA<script>"]}, headers=headers
    )
    codes = [error["code"] for error in (await invalid.json())["error"]["details"]["fields"]]
    stored = await accounts_pool.fetchval(
        "SELECT count(*) FROM contact_messages WHERE creditor_id = $1", agency_admin.creditor
    )

    assert valid.status == 204
    assert invalid.status == 422
    assert codes == ["text.required", "message.required", "invoice_numbers.format"]
    assert stored == 0


async def test_message_validation_skips_service_address(accounts, accounts_pool):
    # Accounts checks the service's e-mail address only when it sends a message.
    user = await make_agency_user(accounts_pool)

    response = await accounts.client.post(
        f"/creditors/{user.creditor}/messages/validation",
        json={"subject": "Bonjour", "message": "Bonjour"},
        headers=principal_headers(accounts, user),
    )

    assert response.status == 204


async def test_reader_cannot_send_message(accounts, agency_admin):
    response = await accounts.client.post(
        f"/creditors/{agency_admin.creditor}/messages",
        json={"subject": "Bonjour", "message": "Bonjour"},
        headers=principal_headers(accounts, agency_admin, Role.READER),
    )

    assert response.status == 403


async def test_message_without_service_address_is_rejected(accounts, accounts_pool):
    user = await make_agency_user(accounts_pool)

    response = await accounts.client.post(
        f"/creditors/{user.creditor}/messages",
        json={"subject": "Bonjour", "message": "Bonjour"},
        headers=principal_headers(accounts, user),
    )

    assert response.status == 409
    assert (await response.json())["error"]["code"] == "contact_unavailable"


async def test_message_rate_is_limited_per_author(accounts, agency_admin, accounts_pool):
    from services.accounts.contact_messages import MAX_MESSAGES_PER_HOUR

    await set_up_contacts(accounts, agency_admin)
    await accounts_pool.executemany(
        """INSERT INTO contact_messages (id, creditor_id, customer_account, agency_id, user_id, service, subject, body)
           VALUES (gen_random_uuid(), $1, $2, $3::uuid, $4::uuid, 'facturation', 'Ancien', 'Ancien')""",
        [(agency_admin.creditor, agency_admin.customer_account, agency_admin.agency_id, agency_admin.user_id)]
        * MAX_MESSAGES_PER_HOUR,
    )

    response = await accounts.client.post(
        f"/creditors/{agency_admin.creditor}/messages",
        json={"subject": "Encore", "message": "Bonjour"},
        headers=principal_headers(accounts, agency_admin),
    )

    assert response.status == 429
    assert (await response.json())["error"]["code"] == "too_many_messages"
