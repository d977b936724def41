"""Nous contacter through the gateway, against the real accounts service and its SMTP sink."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from html import unescape
from pathlib import Path

import pytest

from tests.conftest import ServiceClient, unique_id
from tests.gateway.conftest import csrf_token_of, log_in
from tests.gateway.support import (
    CreditorAccount,
    FecBuilder,
    accounts_with_mail,
    add_agency_member,
    create_agency_member,
    create_creditor,
    days_ago,
    fill_contact_sheets,
    import_fec,
    wait_for_caught_mail,
)

NBSP = "\u00a0"


@pytest.fixture
async def accounts_service(engines, signer, tmp_path: Path) -> AsyncIterator[ServiceClient]:
    """The accounts service with a local SMTP sink in ``tmp_path / "mail"``, replacing the plain one."""
    async with accounts_with_mail(engines, signer, tmp_path / "mail") as service:
        yield service


@pytest.fixture
async def creditors(accounts_pool, ledger_service, accounts_service):
    """A creditor with both contact sheets and a manager, and one with no contact data."""
    filled_id = await create_creditor(accounts_pool, ledger_service, "Presse Immo Contact")
    filled = CreditorAccount(filled_id, "Presse Immo Contact", "C5001")
    await fill_contact_sheets(accounts_service, filled)
    fec = FecBuilder()
    fec.invoice("C5001", "FA-0001", days_ago(20), "120.00")
    fec.invoice("C5001", "FA  0002", days_ago(10), "60.00")
    await import_fec(ledger_service, filled_id, fec)
    empty_id = await create_creditor(accounts_pool, ledger_service, "Annonces Muettes")
    empty = CreditorAccount(empty_id, "Annonces Muettes", "C5002")
    return filled, empty


async def logged_in_as(gateway, user):
    response = await log_in(gateway, user.login, user.password)
    assert response.status == 302, await response.text()
    return gateway


async def contact_form_token(gateway, creditor: CreditorAccount) -> str:
    return csrf_token_of(await (await gateway.get(f"/creanciers/{creditor.id}/nous-contacter")).text())


async def comptable_contact_form(gateway, accounts_pool, creditor: CreditorAccount) -> str:
    """Log in a new comptable of `creditor`'s agency and return the token of its contact form."""
    user = await create_agency_member(accounts_pool, [creditor], role="comptable")
    await logged_in_as(gateway, user)
    return await contact_form_token(gateway, creditor)


async def test_contact_page_shows_services_and_manager(gateway, accounts_pool, creditors):
    filled, empty = creditors
    user = await create_agency_member(accounts_pool, [filled, empty], role="comptable")
    await logged_in_as(gateway, user)

    response = await gateway.get(f"/creanciers/{filled.id}/nous-contacter")
    html = await response.text()

    assert response.status == 200
    assert "Service facturation" in html
    assert "Service recouvrement" in html
    assert "12 rue de la Paix" in html
    assert "75002 Paris" in html
    assert "01 42 68 53 00" in html
    assert "04 78 42 10 00" in html
    assert "facturation@creancier.example" in html
    # On a phone, an address wraps after its « @ », then before a dot or a hyphen, so no line ends with a hyphen.
    assert (
        '<a href="mailto:facturation@creancier.example"><span class="address-part">'
        '<span class="address-piece">facturation@</span></span><wbr>'
    ) in html
    assert "Votre chargé de compte" in html
    assert "Sophie Laurent" in html
    assert "06 12 34 56 78" in html
    assert "Contacter par mail" in html
    assert '<span aria-current="page">Nous contacter</span>' in html


async def test_contact_page_without_sheets_says_so(gateway, accounts_pool, creditors):
    filled, empty = creditors
    user = await create_agency_member(accounts_pool, [filled, empty], role="comptable")
    await logged_in_as(gateway, user)

    html = await (await gateway.get(f"/creanciers/{empty.id}/nous-contacter")).text()

    assert html.count("Coordonnées non renseignées.") == 2
    assert "Aucun chargé de compte n’est encore désigné pour votre compte." in html


async def test_contact_page_follows_creditor_selector(gateway, accounts_pool, creditors):
    filled, empty = creditors
    user = await create_agency_member(accounts_pool, [filled, empty], role="comptable")
    await logged_in_as(gateway, user)
    token = await contact_form_token(gateway, filled)

    switched = await gateway.post(
        "/creancier", data={"creditor": filled.id, "suite": "/nous-contacter", "csrf_token": token}, allow_redirects=False
    )
    html = await (await gateway.get("/nous-contacter")).text()

    assert switched.status == 302
    assert switched.headers["Location"] == "/nous-contacter"
    assert "Presse Immo Contact" in html
    assert "Sophie Laurent" in html


async def test_sending_message_reaches_service_mailbox(gateway, accounts_pool, creditors, tmp_path):
    filled, _empty = creditors
    token = await comptable_contact_form(gateway, accounts_pool, filled)

    response = await gateway.post(
        f"/creanciers/{filled.id}/nous-contacter",
        data={
            "csrf_token": token,
            "service": "recouvrement",
            "subject": "Échéancier pour la facture FA-0001",
            "message": "Bonjour,\npouvons-nous étaler le paiement ?",
            "invoice_numbers": "FA-0001, FA  0002",
        },
        allow_redirects=False,
    )
    confirmation = await gateway.get(response.headers["Location"])
    confirmation_html = await confirmation.text()
    delivered = await wait_for_caught_mail(
        tmp_path / "mail", lambda message: "recouvrement@creancier.example" in message.envelope_to
    )

    assert response.status == 303
    assert response.headers["Location"] == f"/creanciers/{filled.id}/nous-contacter?envoye=recouvrement"
    assert "Votre message a été envoyé au service recouvrement." in confirmation_html
    assert "Échéancier pour la facture FA-0001" in delivered[0].subject
    assert "pouvons-nous étaler le paiement ?" in delivered[0].text
    assert "FA  0002" in delivered[0].text


async def test_invoice_numbers_are_checked_and_normalised(gateway, accounts_pool, creditors, tmp_path):
    filled, _empty = creditors
    user = await create_agency_member(accounts_pool, [filled], role="comptable")
    await logged_in_as(gateway, user)
    form = {"service": "facturation", "subject": "Objet", "message": "Texte"}

    unknown = await gateway.post(
        f"/creanciers/{filled.id}/nous-contacter",
        data={**form, "csrf_token": await contact_form_token(gateway, filled), "invoice_numbers": "fa0001, FA9999"},
    )
    sent = await gateway.post(
        f"/creanciers/{filled.id}/nous-contacter",
        data={**form, "csrf_token": await contact_form_token(gateway, filled), "invoice_numbers": "fa0001; fa-0002"},
        allow_redirects=False,
    )
    delivered = await wait_for_caught_mail(tmp_path / "mail", lambda message: "facturation@creancier.example" in message.envelope_to)
    error = unescape(await unknown.text()).split('id="invoices-error"', 1)[1]

    assert unknown.status == 422
    assert "Introuvable sur votre état de compte chez ce créancier\u00a0: FA9999." in error
    assert sent.status == 303
    assert "FA-0001" in delivered[0].text
    assert "FA  0002" in delivered[0].text
    assert user.agency_name in delivered[0].text



async def test_api_checks_invoice_numbers_like_form(gateway, accounts_pool, creditors, tmp_path):
    filled, _empty = creditors
    user = await create_agency_member(accounts_pool, [filled], role="comptable")
    await logged_in_as(gateway, user)
    message = {"service": "facturation", "subject": "Par l’API", "message": "Texte"}

    unknown = await gateway.post(
        f"/api/v1/creditors/{filled.id}/messages", json={**message, "invoice_numbers": ["fa0001", "NOPE"]}
    )
    sent = await gateway.post(f"/api/v1/creditors/{filled.id}/messages", json={**message, "invoice_numbers": ["fa0001"]})
    delivered = await wait_for_caught_mail(tmp_path / "mail", lambda mail: "facturation@creancier.example" in mail.envelope_to)
    error = (await unknown.json())["error"]

    assert unknown.status == 422
    assert error["details"]["field"] == "invoice_numbers"
    assert error["details"]["unknown"] == ["NOPE"]
    assert "Introuvable sur votre état de compte chez ce créancier\u00a0: NOPE." in error["message"]
    assert sent.status == 201
    assert len(delivered) == 1
    assert "FA-0001" in delivered[0].text



async def test_api_unknown_number_and_blanks_together(gateway, accounts_pool, creditors):
    filled, _empty = creditors
    user = await create_agency_member(accounts_pool, [filled], role="comptable")
    await logged_in_as(gateway, user)
    api_path = f"/api/v1/creditors/{filled.id}/messages"
    blank = {"service": "facturation", "subject": "  ", "message": ""}

    from_service = await gateway.post(api_path, json=blank)
    combined = await gateway.post(api_path, json={**blank, "invoice_numbers": ["fa0001", "FA-9999"]})
    service_error = (await from_service.json())["error"]
    error = (await combined.json())["error"]
    service_fields = {item["field"]: item for item in service_error["details"]["fields"]}
    fields = {item["field"]: item for item in error["details"]["fields"]}
    stored = await accounts_pool.fetchval("SELECT count(*) FROM contact_messages WHERE creditor_id = $1", filled.id)

    assert combined.status == 422
    assert error["code"] == "invalid_fields"
    assert error["message"] == service_error["message"]
    assert list(fields) == ["subject", "message", "invoice_numbers"]
    assert fields["subject"] == service_fields["subject"]
    assert fields["message"] == service_fields["message"]
    assert fields["invoice_numbers"]["code"] == "invoice_numbers.unknown"
    assert fields["invoice_numbers"]["message"] == (
        "Introuvable sur votre état de compte chez ce créancier\u00a0: FA-9999. Vérifiez le numéro, ou laissez-le de côté."
    )
    assert error["details"]["unknown"] == ["FA-9999"]
    assert stored == 0


async def test_api_unknown_number_and_service_together(gateway, accounts_pool, creditors):
    filled, _empty = creditors
    user = await create_agency_member(accounts_pool, [filled], role="comptable")
    await logged_in_as(gateway, user)
    message = {"service": "direction", "subject": "Objet", "message": "Texte", "invoice_numbers": ["FA-9999"]}

    response = await gateway.post(f"/api/v1/creditors/{filled.id}/messages", json=message)
    error = (await response.json())["error"]
    fields = [item["field"] for item in error["details"]["fields"]]

    assert response.status == 422
    assert error["code"] == "invalid_fields"
    assert fields == ["service", "invoice_numbers"]
    assert "facturation et recouvrement" in error["details"]["fields"][0]["message"]
    assert error["details"]["unknown"] == ["FA-9999"]


async def test_api_reader_with_unknown_number_forbidden(gateway, accounts_pool, creditors):
    filled, _empty = creditors
    user = await create_agency_member(accounts_pool, [filled], role="lecteur")
    await logged_in_as(gateway, user)
    message = {"service": "facturation", "subject": "", "message": "", "invoice_numbers": ["FA-9999"]}

    response = await gateway.post(f"/api/v1/creditors/{filled.id}/messages", json=message)

    assert response.status == 403
    assert (await response.json())["error"]["code"] == "forbidden"


@pytest.mark.parametrize("padded", ["FX-0001\n", "\tFX-0001", "FX-0001\u00a0"])
async def test_api_padded_foreign_number_checked(gateway, accounts_pool, creditors, padded):
    # FX-0001 is no document of this account: padded, it must still be looked up.
    filled, _empty = creditors
    user = await create_agency_member(accounts_pool, [filled], role="comptable")
    await logged_in_as(gateway, user)
    message = {"service": "facturation", "subject": "Par l’API", "message": "Texte", "invoice_numbers": [padded]}

    response = await gateway.post(f"/api/v1/creditors/{filled.id}/messages", json=message)
    error = (await response.json())["error"]

    assert response.status == 422
    assert error["details"]["unknown"] == ["FX-0001"]


async def test_api_malformed_numbers_named_by_accounts(gateway, accounts_pool, creditors):
    filled, _empty = creditors
    user = await create_agency_member(accounts_pool, [filled], role="comptable")
    await logged_in_as(gateway, user)
    message = {"service": "facturation", "subject": "Objet", "message": "Texte"}
    cases = [["F" * 65], ["FA-1\u0000"], ["   "], [f"FA-{index}" for index in range(21)]]

    for numbers in cases:
        response = await gateway.post(f"/api/v1/creditors/{filled.id}/messages", json={**message, "invoice_numbers": numbers})
        error = (await response.json())["error"]
        fields = [item["field"] for item in error["details"].get("fields", [])] or [error["details"].get("field")]

        assert response.status == 422, numbers[:1]
        assert all(field.startswith("invoice_numbers") for field in fields), numbers[:1]
        assert "Introuvable" not in error["message"], numbers[:1]


async def test_sending_message_copies_author(gateway, accounts_pool, creditors, tmp_path):
    filled, _empty = creditors
    user = await create_agency_member(accounts_pool, [filled], role="administrateur", email="auteur@agence.example")
    await logged_in_as(gateway, user)
    token = await contact_form_token(gateway, filled)

    await gateway.post(
        f"/creanciers/{filled.id}/nous-contacter",
        data={"csrf_token": token, "service": "facturation", "subject": "Adresse de facturation", "message": "Merci."},
        allow_redirects=False,
    )
    copies = await wait_for_caught_mail(tmp_path / "mail", lambda message: "auteur@agence.example" in message.envelope_to)

    assert "Adresse de facturation" in copies[0].subject
    assert "Voici une copie du message" in copies[0].text


async def test_empty_message_shows_field_errors(gateway, accounts_pool, creditors, tmp_path):
    filled, _empty = creditors
    token = await comptable_contact_form(gateway, accounts_pool, filled)

    response = await gateway.post(
        f"/creanciers/{filled.id}/nous-contacter",
        data={"csrf_token": token, "service": "facturation", "subject": "Question sur FA-0009", "message": "   "},
    )
    html = await response.text()

    assert response.status == 422
    assert "corrigez les champs signalés" in html
    assert 'id="message-error"' in html
    assert "Le message est vide" in html
    assert 'value="Question sur FA-0009"' in html
    assert 'value="facturation" checked' in html


async def test_missing_subject_is_reported_next_to_field(gateway, accounts_pool, creditors):
    filled, _empty = creditors
    token = await comptable_contact_form(gateway, accounts_pool, filled)

    response = await gateway.post(
        f"/creanciers/{filled.id}/nous-contacter",
        data={"csrf_token": token, "service": "facturation", "subject": "", "message": "Texte gardé"},
    )
    html = await response.text()

    assert response.status == 422
    assert 'id="subject-error"' in html
    assert "Texte gardé</textarea>" in html


async def test_unknown_number_and_blanks_reported_together(gateway, accounts_pool, creditors):
    filled, _empty = creditors
    token = await comptable_contact_form(gateway, accounts_pool, filled)

    response = await gateway.post(
        f"/creanciers/{filled.id}/nous-contacter",
        data={"csrf_token": token, "service": "recouvrement", "subject": "  ", "message": "", "invoice_numbers": "FA-9999"},
    )
    html = await response.text()

    assert response.status == 422
    assert 'id="invoices-error"' in html
    assert "FA-9999" in html.split('id="invoices-error"', 1)[1]
    assert 'id="subject-error"' in html
    assert 'id="message-error"' in html
    assert "Le message est vide" in html
    assert 'value="recouvrement" checked' in html


def field_error_text(html: str, error_id: str) -> str:
    match = re.search(f'<p class="field-error" id="{error_id}">([^<]*)</p>', html)
    assert match is not None, f"no {error_id} in the page"
    return unescape(match.group(1))


async def test_blank_field_errors_match_service(gateway, accounts_pool, creditors):
    filled, _empty = creditors
    token = await comptable_contact_form(gateway, accounts_pool, filled)
    blank_form = {"csrf_token": token, "service": "facturation", "subject": "", "message": ""}

    from_service = await gateway.post(f"/creanciers/{filled.id}/nous-contacter", data=blank_form)
    from_gateway = await gateway.post(
        f"/creanciers/{filled.id}/nous-contacter", data={**blank_form, "invoice_numbers": "FA-9999"}
    )
    service_html = await from_service.text()
    gateway_html = await from_gateway.text()

    assert 'id="invoices-error"' not in service_html
    assert 'id="invoices-error"' in gateway_html
    assert field_error_text(gateway_html, "subject-error") == field_error_text(service_html, "subject-error")
    assert field_error_text(gateway_html, "message-error") == field_error_text(service_html, "message-error")


async def test_blank_message_reported_with_over_limit_numbers(gateway, accounts_pool, creditors):
    filled, _empty = creditors
    token = await comptable_contact_form(gateway, accounts_pool, filled)

    response = await gateway.post(
        f"/creanciers/{filled.id}/nous-contacter",
        data={
            "csrf_token": token,
            "service": "facturation",
            "subject": "Objet gardé",
            "message": " ",
            "invoice_numbers": ", ".join(f"FA-{index:04d}" for index in range(21)),
        },
    )
    html = await response.text()

    assert response.status == 422
    assert 'id="invoices-error"' in html
    assert 'id="message-error"' in html
    assert 'id="subject-error"' not in html
    assert 'value="Objet gardé"' in html


async def test_invalid_invoice_number_is_reported(gateway, accounts_pool, creditors):
    filled, _empty = creditors
    token = await comptable_contact_form(gateway, accounts_pool, filled)

    response = await gateway.post(
        f"/creanciers/{filled.id}/nous-contacter",
        data={"csrf_token": token, "service": "facturation", "subject": "Objet", "message": "Texte", "invoice_numbers": "FA#1"},
    )
    html = await response.text()

    assert response.status == 422
    assert 'id="invoices-error"' in html
    assert "FA#1" in html.split('id="invoices-error"', 1)[1]


async def test_unknown_recipient_is_rejected(gateway, accounts_pool, creditors):
    filled, _empty = creditors
    token = await comptable_contact_form(gateway, accounts_pool, filled)

    response = await gateway.post(
        f"/creanciers/{filled.id}/nous-contacter",
        data={"csrf_token": token, "service": "direction", "subject": "Objet", "message": "Texte"},
    )

    assert response.status == 422
    assert "Choisissez le destinataire" in await response.text()


async def test_service_without_email_gives_french_conflict(gateway, accounts_pool, creditors):
    _filled, empty = creditors
    user = await create_agency_member(accounts_pool, [empty], role="comptable")
    await logged_in_as(gateway, user)
    token = await contact_form_token(gateway, empty)

    response = await gateway.post(
        f"/creanciers/{empty.id}/nous-contacter",
        data={"csrf_token": token, "service": "facturation", "subject": "Objet", "message": "Texte"},
    )
    html = await response.text()

    assert response.status == 409
    assert "n’a pas encore d’adresse e-mail" in html


async def test_message_without_csrf_token_is_rejected(gateway, accounts_pool, creditors, tmp_path):
    filled, _empty = creditors
    user = await create_agency_member(accounts_pool, [filled], role="comptable")
    await logged_in_as(gateway, user)

    response = await gateway.post(
        f"/creanciers/{filled.id}/nous-contacter",
        data={"csrf_token": "forged", "service": "facturation", "subject": "Objet", "message": "Texte"},
    )
    listing = await accounts_pool.fetchval(
        "SELECT count(*) FROM contact_messages WHERE creditor_id = $1", filled.id
    )

    assert response.status == 403
    assert "Le formulaire a expiré" in await response.text()
    assert listing == 0


async def test_reader_sees_no_contact_form(gateway, accounts_pool, creditors):
    filled, _empty = creditors
    user = await create_agency_member(accounts_pool, [filled], role="lecteur")
    await logged_in_as(gateway, user)

    html = await (await gateway.get(f"/creanciers/{filled.id}/nous-contacter")).text()

    assert "Votre rôle (lecteur) permet de consulter ces coordonnées" in html
    assert 'name="subject"' not in html
    assert "Sophie Laurent" in html


async def test_reader_message_is_refused_by_service(gateway, accounts_pool, creditors):
    filled, _empty = creditors
    admin = await create_agency_member(accounts_pool, [filled], role="administrateur")
    reader = await add_agency_member(accounts_pool, admin, role="lecteur")
    await logged_in_as(gateway, reader)
    token = await contact_form_token(gateway, filled)

    response = await gateway.post(
        f"/creanciers/{filled.id}/nous-contacter",
        data={"csrf_token": token, "service": "facturation", "subject": "Objet", "message": "Texte"},
    )

    assert response.status == 403
    assert "lecteur" in await response.text()


async def test_foreign_creditor_contact_page_is_not_found(gateway, accounts_pool, creditors):
    filled, empty = creditors
    user = await create_agency_member(accounts_pool, [filled], role="comptable")
    await logged_in_as(gateway, user)

    response = await gateway.get(f"/creanciers/{empty.id}/nous-contacter")

    assert response.status == 404


async def test_api_returns_contacts_and_sends_message(gateway, accounts_pool, creditors, tmp_path):
    filled, _empty = creditors
    user = await create_agency_member(accounts_pool, [filled], role="comptable")
    await logged_in_as(gateway, user)

    contacts = await gateway.get(f"/api/v1/creditors/{filled.id}/contacts")
    body = await contacts.json()
    sent = await gateway.post(
        f"/api/v1/creditors/{filled.id}/messages",
        json={"service": "facturation", "subject": "Par l'API", "message": "Bonjour", "invoice_numbers": []},
    )
    invalid = await gateway.post(f"/api/v1/creditors/{filled.id}/messages", json={"subject": "", "message": ""})
    invalid_body = await invalid.json()

    assert contacts.status == 200
    assert body["facturation"]["email"] == "facturation@creancier.example"
    assert body["account_manager"]["name"] == "Sophie Laurent"
    assert sent.status == 201
    assert "message_id" in await sent.json()
    assert invalid.status == 422
    assert invalid_body["error"]["code"] == "invalid_fields"
    assert {item["field"] for item in invalid_body["error"]["details"]["fields"]} == {"subject", "message"}


async def test_message_rate_limit_keeps_typed_text(gateway, accounts_pool, creditors):
    filled, _empty = creditors
    token = await comptable_contact_form(gateway, accounts_pool, filled)
    for index in range(20):
        sent = await gateway.post(
            f"/creanciers/{filled.id}/nous-contacter",
            data={"csrf_token": token, "service": "facturation", "subject": f"Relance {index}", "message": "Texte"},
            allow_redirects=False,
        )
        assert sent.status == 303

    response = await gateway.post(
        f"/creanciers/{filled.id}/nous-contacter",
        data={"csrf_token": token, "service": "facturation", "subject": "Une de trop", "message": "Texte gardé"},
    )
    html = await response.text()

    assert response.status == 429
    assert "au cours de la dernière heure" in html
    assert 'value="Une de trop"' in html
    assert "Texte gardé</textarea>" in html


async def sent_message_count(accounts_pool, user) -> int:
    return await accounts_pool.fetchval(
        "SELECT count(*) FROM contact_messages m JOIN users u ON u.id = m.user_id WHERE u.login = $1", user.login
    )


async def test_crlf_message_within_limit_is_sent_whole(gateway, accounts_pool, creditors, tmp_path):
    filled, _empty = creditors
    user = await create_agency_member(accounts_pool, [filled], role="comptable")
    await logged_in_as(gateway, user)
    # 50 lines of 98 characters and a last line: 4964 characters as a browser counts them, 5014 with CRLF.
    lines = [f"Ligne {number:03d} " + "x" * 88 for number in range(50)] + ["FIN DU MESSAGE"]
    subject = f"Message long {unique_id('lignes')}"
    message = "\r\n".join(lines)

    response = await gateway.post(
        f"/creanciers/{filled.id}/nous-contacter",
        data={
            "csrf_token": await contact_form_token(gateway, filled),
            "service": "facturation",
            "subject": subject,
            "message": message,
        },
        allow_redirects=False,
    )
    delivered = await wait_for_caught_mail(
        tmp_path / "mail",
        lambda caught: subject in caught.subject and "facturation@creancier.example" in caught.envelope_to,
    )

    assert len(message) == 5014
    assert len(message.replace("\r\n", "\n")) == 4964
    assert response.status == 303
    assert "Ligne 049 " in delivered[0].text
    assert "FIN DU MESSAGE" in delivered[0].text


async def test_message_over_service_limit_is_rejected(gateway, accounts_pool, creditors):
    filled, _empty = creditors
    user = await create_agency_member(accounts_pool, [filled], role="comptable")
    await logged_in_as(gateway, user)

    response = await gateway.post(
        f"/creanciers/{filled.id}/nous-contacter",
        data={
            "csrf_token": await contact_form_token(gateway, filled),
            "service": "facturation",
            "subject": "Message trop long",
            "message": "B" * 5001,
        },
        allow_redirects=False,
    )
    error = unescape(await response.text()).split('id="message-error"', 1)[1]

    assert response.status == 422
    assert f"Le message dépasse 5\u202f000 caractères (5\u202f001 saisis){NBSP}: raccourcissez-le." in error
    assert await sent_message_count(accounts_pool, user) == 0


async def test_message_over_gateway_cap_is_rejected(gateway, accounts_pool, creditors):
    filled, _empty = creditors
    user = await create_agency_member(accounts_pool, [filled], role="comptable")
    await logged_in_as(gateway, user)

    response = await gateway.post(
        f"/creanciers/{filled.id}/nous-contacter",
        data={
            "csrf_token": await contact_form_token(gateway, filled),
            "service": "facturation",
            "subject": "Message bien trop long",
            "message": "B" * 15000 + "\r\n" * 6000,
        },
        allow_redirects=False,
    )
    html = unescape(await response.text())
    error = html.split('id="message-error"', 1)[1]

    assert response.status == 422
    assert (
        f"Le champ «{NBSP}Message{NBSP}» dépasse 20\u202f000 caractères (21\u202f000 saisis){NBSP}: "
        "raccourcissez-le puis renvoyez le formulaire."
    ) in error
    assert "Message bien trop long" in html
    assert await sent_message_count(accounts_pool, user) == 0
