"""Chromium walks Informations compte and Nous contacter against the real services and SMTP sink."""

from __future__ import annotations

import re
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pyotp
import pytest
from aiohttp import web
from playwright.async_api import expect

from gateway.app import create_gateway_app
from gateway.settings import GatewaySettings
from services.accounts.app import DEFINITION as ACCOUNTS_DEFINITION
from services.accounts.mail_sink import MailSink
from services.accounts.settings import AccountsSettings
from services.registry import service_definition
from shared.principal import PRINCIPAL_HEADER, AccountRef, PrincipalSigner, Role
from shared.db import open_pool
from shared.service import create_service_app
from shared.web import POOL
from tests.browser.conftest import SESSION_SECRET, serve
from tests.conftest import Engines, free_port, unique_id
from tests.gateway.support import (
    AgencyLogin,
    CreditorAccount,
    FecBuilder,
    create_agency_member,
    create_creditor,
    create_staff_login,
    days_ago,
    fill_contact_sheets,
    import_fec,
    wait_for_caught_mail,
)

IBAN = "FR7630006000011234567890189"


@dataclass(frozen=True)
class MailStack:
    """Base URLs of accounts (with its SMTP sink), ledger and gateway, and the sink's folder."""

    accounts_url: str
    ledger_url: str
    gateway_url: str
    mail_dir: Path


@pytest.fixture
async def mail_stack(engines: Engines, tmp_path: Path) -> AsyncIterator[MailStack]:
    """Start accounts with a local SMTP sink and an encryption key, the ledger and a Secure-cookie gateway."""
    mail_dir = tmp_path / "mail"
    sink = MailSink(mail_dir, port=0)
    await sink.start()
    runners: list[web.AppRunner] = []
    # The accounts settings need the gateway's port before the gateway starts,
    # so a bound socket keeps that port reserved until the gateway takes it.
    gateway_socket = socket.socket()
    gateway_socket.bind(("127.0.0.1", 0))
    gateway_port = gateway_socket.getsockname()[1]
    try:
        accounts_settings = AccountsSettings(
            database_url=engines.service_dsn("accounts"),
            **engines.nats_settings("accounts"),
            principal_public_key=engines.secrets.principal_public_key,
            outbox_poll_seconds=0.2,
            smtp_host="127.0.0.1",
            smtp_port=sink.port,
            public_url=f"http://127.0.0.1:{gateway_port}",
            data_encryption_key=engines.secrets.data_encryption_key,
        )
        accounts_runner, accounts_url = await serve(create_service_app(ACCOUNTS_DEFINITION, accounts_settings))
        runners.append(accounts_runner)
        ledger_runner, ledger_url = await serve(
            create_service_app(service_definition("ledger"), engines.service_settings("ledger"))
        )
        runners.append(ledger_runner)
        gateway_settings = GatewaySettings(
            accounts_url=accounts_url,
            ledger_url=ledger_url,
            disputes_url=f"http://127.0.0.1:{free_port()}",
            payments_url=f"http://127.0.0.1:{free_port()}",
            principal_private_key=engines.secrets.principal_private_key,
            session_secret=SESSION_SECRET,
            cookie_secure=True,
            mail_dir=mail_dir,
        )
        gateway_runner = web.AppRunner(create_gateway_app(gateway_settings))
        await gateway_runner.setup()
        await web.SockSite(gateway_runner, gateway_socket).start()
        runners.append(gateway_runner)
        yield MailStack(accounts_url, ledger_url, f"http://127.0.0.1:{gateway_port}", mail_dir)
    finally:
        for runner in reversed(runners):
            await runner.cleanup()
        gateway_socket.close()
        await sink.stop()


@pytest.fixture
async def ledger_client(mail_stack: MailStack, signer: PrincipalSigner, engines: Engines):
    """The helpers of tests/gateway/support.py call the ledger through an object with ``client`` and ``system_headers``.

    They also write the creditor's identity into the ledger's database through
    ``app[POOL]``, as on a test client of the service.
    """

    class LiveLedger:
        def __init__(self, http: aiohttp.ClientSession, pool) -> None:
            self.client = http
            self.app = {POOL: pool}

        def system_headers(self) -> dict[str, str]:
            return {
                PRINCIPAL_HEADER: signer.issue(
                    user_id="browser-test", agency_id=None, role=Role.SYSTEM, audience="ledger"
                )
            }

    async with open_pool(engines.service_dsn("ledger"), max_size=1) as pool:
        async with aiohttp.ClientSession(base_url=mail_stack.ledger_url) as http:
            yield LiveLedger(http, pool)


@pytest.fixture
async def accounts_client(mail_stack: MailStack, signer: PrincipalSigner):
    """The live accounts service, for test data that goes through its staff routes."""

    class LiveAccounts:
        def __init__(self, http: aiohttp.ClientSession) -> None:
            self.client = http

        def system_headers(self) -> dict[str, str]:
            return {
                PRINCIPAL_HEADER: signer.issue(
                    user_id="browser-test", agency_id=None, role=Role.SYSTEM, audience="accounts"
                )
            }

    async with aiohttp.ClientSession(base_url=mail_stack.accounts_url) as http:
        yield LiveAccounts(http)


async def import_one_invoice(ledger, creditor: CreditorAccount) -> None:
    """Give the account one invoice, so that État de compte, the page after login, has a statement to show."""
    fec = FecBuilder()
    fec.invoice(creditor.customer_account, f"FA-{creditor.customer_account}", days_ago(5), "120.00")
    await import_fec(ledger, creditor.id, fec)


async def log_in_browser(page, gateway_url: str, user: AgencyLogin, totp_code: str | None = None) -> None:
    await page.goto(gateway_url + "/connexion")
    await page.get_by_label("Identifiant").fill(user.login)
    await page.get_by_label("Mot de passe", exact=True).fill(user.password)
    await page.get_by_role("button", name="Se connecter").click()
    if totp_code is not None:
        await expect(page.get_by_label("Code de vérification (application ou code de secours)")).to_be_visible()
        await page.get_by_label("Mot de passe", exact=True).fill(user.password)
        await page.get_by_label("Code de vérification (application ou code de secours)").fill(totp_code)
        await page.get_by_role("button", name="Se connecter").click()
    await expect(page).not_to_have_url(re.compile(r"/connexion"))


async def test_address_change_through_edit_mode(browser_page, mail_stack, accounts_pool, ledger_client):
    creditor_id = await create_creditor(accounts_pool, ledger_client, "Presse Immo Navigateur")
    creditor = CreditorAccount(creditor_id, "Presse Immo Navigateur", "C7101")
    admin = await create_agency_member(accounts_pool, [creditor], role="administrateur")
    await import_one_invoice(ledger_client, creditor)
    page = browser_page
    await log_in_browser(page, mail_stack.gateway_url, admin)

    await page.get_by_role("link", name="Informations compte").click()
    await expect(page.locator("h1")).to_contain_text("Informations compte")
    send = page.get_by_role("button", name="Enregistrer les modifications")
    await expect(send).to_be_disabled()
    await expect(page.get_by_label("Adresse", exact=True)).not_to_be_editable()

    await page.get_by_role("button", name="Modifier", exact=True).click()
    await expect(send).to_be_enabled()
    await expect(page).not_to_have_url(re.compile(r"mode=modification"))
    await expect(page.get_by_label("IBAN")).to_be_disabled()
    await page.get_by_label("Nom", exact=True).fill("Martin")
    await page.get_by_label("Prénom").fill("Camille")
    await page.get_by_label("Adresse", exact=True).fill("5 rue Sainte-Catherine")
    await page.get_by_label("Code postal").fill("33000")
    await page.get_by_label("Ville").fill("Bordeaux")
    await page.get_by_label("Pays").select_option("FR")
    await page.get_by_label("Téléphone", exact=True).fill("05 56 00 00 00")
    await send.click()

    await expect(page.get_by_text("Les coordonnées de facturation ont été mises à jour.")).to_be_visible()
    await expect(page.get_by_text("Le contact principal a été mis à jour.")).to_be_visible()
    await expect(page.get_by_label("Adresse", exact=True)).to_have_value("5 rue Sainte-Catherine")
    await expect(page.get_by_label("Téléphone", exact=True)).to_have_value("05 56 00 00 00")
    await expect(page.get_by_label("Adresse", exact=True)).not_to_be_editable()
    stored = await accounts_pool.fetchrow(
        "SELECT address_line1, city, phone FROM billing_details WHERE creditor_id = $1", creditor.id
    )
    assert dict(stored) == {"address_line1": "5 rue Sainte-Catherine", "city": "Bordeaux", "phone": "+33556000000"}


async def test_invalid_postal_code_shown_in_browser(browser_page, mail_stack, accounts_pool, ledger_client):
    creditor_id = await create_creditor(accounts_pool, ledger_client, "Presse Immo Erreurs")
    creditor = CreditorAccount(creditor_id, "Presse Immo Erreurs", "C7102")
    admin = await create_agency_member(accounts_pool, [creditor], role="administrateur")
    page = browser_page
    await log_in_browser(page, mail_stack.gateway_url, admin)
    await page.goto(f"{mail_stack.gateway_url}/creanciers/{creditor.id}/informations-compte")

    await page.get_by_role("button", name="Modifier", exact=True).click()
    await page.get_by_label("Nom", exact=True).fill("Martin")
    await page.get_by_label("Prénom").fill("Camille")
    await page.get_by_label("Adresse", exact=True).fill("5 rue Sainte-Catherine")
    await page.get_by_label("Code postal").fill("3300")
    await page.get_by_label("Ville").fill("Bordeaux")
    await page.get_by_role("button", name="Enregistrer les modifications").click()

    await expect(page.locator("#error-postal_code")).to_be_visible()
    await expect(page.get_by_label("Code postal")).to_have_value("3300")
    await expect(page.get_by_label("Ville")).to_have_value("Bordeaux")
    await expect(page.get_by_role("button", name="Enregistrer les modifications")).to_be_enabled()


async def test_edit_mode_fetches_full_iban(browser_page, mail_stack, accounts_pool, ledger_client, signer):
    creditor_id = await create_creditor(accounts_pool, ledger_client, "Presse Immo Banque Navigateur")
    creditor = CreditorAccount(creditor_id, "Presse Immo Banque Navigateur", "C7103")
    admin = await create_agency_member(accounts_pool, [creditor], role="administrateur")
    recovery_codes = await approve_bank_details(mail_stack, accounts_pool, signer, admin, creditor)
    page = browser_page
    await log_in_browser(page, mail_stack.gateway_url, admin, totp_code=recovery_codes[0])
    await page.goto(f"{mail_stack.gateway_url}/creanciers/{creditor.id}/informations-compte")
    iban = page.get_by_label("IBAN")
    await expect(iban).to_have_value("•••• •••• •••• •••• •••• •••• 0189")

    await page.get_by_role("button", name="Modifier", exact=True).click()

    await expect(iban).to_have_value(IBAN)
    await expect(iban).to_be_editable()
    await expect(page.get_by_label("Numéro de compte")).to_have_value("12345678901")
    await expect(page.get_by_label("Mot de passe actuel")).to_be_visible()
    await expect(page.get_by_label("Code de vérification (application ou code de secours)")).to_be_visible()


async def approve_bank_details(
    stack: MailStack, accounts_pool, signer: PrincipalSigner, admin: AgencyLogin, creditor: CreditorAccount
) -> list[str]:
    """Enrol ``admin`` in TOTP and give its account approved bank details, through the accounts API.

    Returns the unused recovery codes, with which the browser logs in.
    """
    row = await accounts_pool.fetchrow(
        "SELECT u.id::text AS user_id, m.agency_id::text AS agency_id FROM users u JOIN memberships m ON m.user_id = u.id WHERE u.login = $1",
        admin.login,
    )
    admin_principal = {
        PRINCIPAL_HEADER: signer.issue(
            user_id=row["user_id"],
            agency_id=row["agency_id"],
            role=Role.ADMIN,
            accounts=(AccountRef(creditor=creditor.id, customer_account=creditor.customer_account),),
            audience="accounts",
        )
    }
    staff_login, _password = await create_staff_login(accounts_pool, [creditor.id])
    staff_id = await accounts_pool.fetchval("SELECT id::text FROM users WHERE login = $1", staff_login)
    staff_principal = {
        PRINCIPAL_HEADER: signer.issue(
            user_id=staff_id, agency_id=None, role=Role.STAFF, staff_creditors=(creditor.id,), audience="accounts"
        )
    }
    async with aiohttp.ClientSession(base_url=stack.accounts_url) as http:
        enrolment = await (
            await http.post("/me/totp/enrolment", headers=admin_principal, json={"password": admin.password})
        ).json()
        totp = pyotp.parse_uri(enrolment["otpauth_uri"])
        confirmation = await http.post("/me/totp/confirmation", headers=admin_principal, json={"code": totp.now()})
        codes = (await confirmation.json())["recovery_codes"]
        requested = await http.post(
            f"/creditors/{creditor.id}/bank-change-requests",
            headers=admin_principal,
            json={"iban": IBAN, "password": admin.password, "totp_code": codes.pop()},
        )
        request_id = (await requested.json())["request_id"]
        approved = await http.post(f"/staff/bank-change-requests/{request_id}/approve", headers=staff_principal, json={})
        assert approved.status == 200, await approved.text()
    return codes


async def test_contact_message_reaches_sink(browser_page, mail_stack, accounts_pool, ledger_client, accounts_client):
    creditor_id = await create_creditor(accounts_pool, ledger_client, "Presse Immo Contact Navigateur")
    creditor = CreditorAccount(creditor_id, "Presse Immo Contact Navigateur", "C7104")
    await fill_contact_sheets(accounts_client, creditor)
    user = await create_agency_member(accounts_pool, [creditor], role="comptable")
    subject = f"Question {unique_id('facture')}"
    await import_one_invoice(ledger_client, creditor)
    page = browser_page
    await log_in_browser(page, mail_stack.gateway_url, user)

    await page.get_by_role("link", name="Nous contacter").click()
    await expect(page.locator("#contact-facturation")).to_contain_text("01 42 68 53 00")
    await expect(page.locator("#contact-manager")).to_contain_text("Sophie Laurent")
    await page.get_by_label("Service recouvrement").check()
    await page.get_by_label("Objet").fill(subject)
    await page.get_by_label("Message").fill("Bonjour,\nmerci de confirmer la réception de notre virement.")
    # Typed in lower case without the hyphen; the message carries the number as the statement writes it.
    await page.get_by_label("Numéros de facture (facultatif)").fill(f"fa {creditor.customer_account.lower()}")
    await page.get_by_role("button", name="Envoyer", exact=True).click()

    await expect(page.get_by_text("Votre message a été envoyé au service recouvrement.")).to_be_visible()
    delivered = await wait_for_caught_mail(
        mail_stack.mail_dir,
        lambda message: subject in message.subject and "recouvrement@creancier.example" in message.envelope_to,
    )
    await page.goto(mail_stack.gateway_url + "/dev/courriels")

    await expect(page.locator(".mail-message").filter(has_text=subject).first).to_be_visible()
    assert "merci de confirmer la réception de notre virement" in delivered[0].text
    assert f"FA-{creditor.customer_account}" in delivered[0].text


async def test_expired_session_returns_to_contact(browser_page, mail_stack, accounts_pool, ledger_client, accounts_client):
    creditor_id = await create_creditor(accounts_pool, ledger_client, "Presse Immo Session Expirée")
    creditor = CreditorAccount(creditor_id, "Presse Immo Session Expirée", "C7109")
    await fill_contact_sheets(accounts_client, creditor)
    user = await create_agency_member(accounts_pool, [creditor], role="comptable")
    await import_one_invoice(ledger_client, creditor)
    page = browser_page
    await log_in_browser(page, mail_stack.gateway_url, user)
    await page.get_by_role("link", name="Nous contacter").click()
    await page.get_by_label("Objet").fill("Relance")
    await page.get_by_label("Message").fill("Bonjour, merci de confirmer notre virement.")

    # Logging out in a second tab ends the session of the first one, as an expiry does.
    other_tab = await page.context.new_page()
    await other_tab.goto(mail_stack.gateway_url + "/etat-de-compte")
    await other_tab.get_by_role("button", name="Se déconnecter").click()
    await expect(other_tab).to_have_url(re.compile(r"/connexion\?deconnexion=1$"))
    await page.get_by_role("button", name="Envoyer", exact=True).click()

    await expect(page).to_have_url(re.compile(r"/connexion\?"))
    await expect(page.get_by_role("status")).to_contain_text("Votre session a expiré avant l’envoi du formulaire")
    await page.get_by_label("Identifiant").fill(user.login)
    await page.get_by_label("Mot de passe", exact=True).fill(user.password)
    await page.get_by_role("button", name="Se connecter").click()
    await expect(page).to_have_url(mail_stack.gateway_url + "/nous-contacter")
    await expect(page.get_by_label("Objet")).to_be_visible()


async def test_long_multiline_message_arrives_whole(browser_page, mail_stack, accounts_pool, ledger_client, accounts_client):
    creditor_id = await create_creditor(accounts_pool, ledger_client, "Presse Immo Message Long")
    creditor = CreditorAccount(creditor_id, "Presse Immo Message Long", "C7106")
    await fill_contact_sheets(accounts_client, creditor)
    user = await create_agency_member(accounts_pool, [creditor], role="comptable")
    subject = f"Message long {unique_id('lignes')}"
    await import_one_invoice(ledger_client, creditor)
    page = browser_page
    await log_in_browser(page, mail_stack.gateway_url, user)
    # 4964 characters as the textarea counts them; the browser posts the line breaks as CRLF, 5014 characters.
    message = "\n".join([f"Ligne {number:03d} " + "x" * 88 for number in range(50)] + ["FIN DU MESSAGE"])

    await page.goto(f"{mail_stack.gateway_url}/creanciers/{creditor.id}/nous-contacter")
    await page.get_by_label("Service facturation").check()
    await page.get_by_label("Objet").fill(subject)
    await page.get_by_label("Message").fill(message)
    await page.get_by_role("button", name="Envoyer", exact=True).click()

    await expect(page.get_by_text("Votre message a été envoyé au service facturation.")).to_be_visible()
    delivered = await wait_for_caught_mail(
        mail_stack.mail_dir,
        lambda caught: subject in caught.subject and "facturation@creancier.example" in caught.envelope_to,
    )
    assert len(message) == 4964
    assert "FIN DU MESSAGE" in delivered[0].text


async def test_totp_enrolment_asks_for_password(browser_page, mail_stack, accounts_pool, ledger_client):
    creditor_id = await create_creditor(accounts_pool, ledger_client, "Presse Immo TOTP Navigateur")
    creditor = CreditorAccount(creditor_id, "Presse Immo TOTP Navigateur", "C7107")
    user = await create_agency_member(accounts_pool, [creditor], role="comptable")
    await import_one_invoice(ledger_client, creditor)
    page = browser_page
    await log_in_browser(page, mail_stack.gateway_url, user)
    await page.goto(mail_stack.gateway_url + "/securite")
    activate = page.get_by_role("button", name="Activer la double authentification")

    await activate.click()
    await expect(page.locator("#error-enrol_current_password")).to_have_text("Saisissez votre mot de passe actuel.")
    await page.locator("#security-enrol_current_password").fill("pas le bon mot de passe")
    await activate.click()
    await expect(page.locator("#error-enrol_current_password")).to_contain_text("Le mot de passe saisi est incorrect.")
    await page.locator("#security-enrol_current_password").fill(user.password)
    await activate.click()

    await expect(page.locator("#totp-enrolment svg")).to_be_visible()
    secret = (await page.locator("#totp-secret").inner_text()).replace(" ", "")
    await page.get_by_label("Code de vérification").fill(pyotp.TOTP(secret).now())
    await page.get_by_role("button", name="Confirmer").click()
    await expect(page.get_by_text("La double authentification est activée.")).to_be_visible()


async def test_message_from_tab_before_new_login(browser_page, mail_stack, accounts_pool, ledger_client, accounts_client):
    creditor_id = await create_creditor(accounts_pool, ledger_client, "Presse Immo Deux Onglets")
    creditor = CreditorAccount(creditor_id, "Presse Immo Deux Onglets", "C7108")
    await fill_contact_sheets(accounts_client, creditor)
    user = await create_agency_member(accounts_pool, [creditor], role="comptable")
    await import_one_invoice(ledger_client, creditor)
    subject = f"Deux onglets {unique_id('objet')}"
    message = "Bonjour,\nl’avoir <promis> n’apparaît pas & la facture reste due."
    first_tab = browser_page
    await log_in_browser(first_tab, mail_stack.gateway_url, user)
    await first_tab.goto(f"{mail_stack.gateway_url}/creanciers/{creditor.id}/nous-contacter")

    # The second tab logs out and in again, which rotates the session and the CSRF token of its forms.
    second_tab = await first_tab.context.new_page()
    await second_tab.goto(mail_stack.gateway_url + "/nous-contacter")
    await second_tab.get_by_role("button", name="Se déconnecter").click()
    await expect(second_tab).to_have_url(re.compile(r"/connexion"))
    await log_in_browser(second_tab, mail_stack.gateway_url, user)

    await first_tab.get_by_label("Service facturation").check()
    await first_tab.get_by_label("Objet").fill(subject)
    await first_tab.get_by_label("Message").fill(message)
    await first_tab.get_by_role("button", name="Envoyer", exact=True).click()

    await expect(first_tab.locator("#error-summary")).to_contain_text("Le formulaire a expiré, par exemple après une nouvelle connexion")
    await expect(first_tab.get_by_label("Objet")).to_have_value(subject)
    await expect(first_tab.get_by_label("Message")).to_have_value(message)
    await expect(first_tab.get_by_label("Service facturation")).to_be_checked()

    await first_tab.get_by_role("button", name="Envoyer", exact=True).click()

    await expect(first_tab.get_by_text("Votre message a été envoyé au service facturation.")).to_be_visible()
    delivered = await wait_for_caught_mail(
        mail_stack.mail_dir,
        lambda caught: subject in caught.subject and "facturation@creancier.example" in caught.envelope_to,
    )
    assert len(delivered) == 1
    assert "la facture reste due" in delivered[0].text
