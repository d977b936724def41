"""Chromium at a 375 × 667 phone viewport: page width, top bar, tables, skip link, creditor selector, form errors and staff pages."""

from __future__ import annotations

import re

import aiohttp
from playwright.async_api import expect

from shared.principal import PRINCIPAL_HEADER, AccountRef, Role
from tests.browser.test_accounts_browser import (  # noqa: F401 (pytest fixtures)
    MailStack,
    approve_bank_details,
    import_one_invoice,
    ledger_client,
    log_in_browser,
    mail_stack,
)
from tests.gateway.support import (
    AgencyLogin,
    CreditorAccount,
    FecBuilder,
    create_agency_member,
    create_creditor,
    create_staff_login,
    days_ago,
    import_fec,
)

PHONE = {"width": 375, "height": 667}

# Returns the visible elements under ``root`` that stick out of the viewport on the left or the right. Elements of
# 1 × 1 px or less are the clipped, visually hidden ones.
ELEMENTS_OUTSIDE_VIEWPORT = """root => {
  const outside = [];
  for (const element of root.querySelectorAll("*")) {
    const box = element.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1) continue;
    if (box.left < 0 || box.right > window.innerWidth) {
      outside.push(`${element.outerHTML.slice(0, 80)} ${Math.round(box.left)}–${Math.round(box.right)}`);
    }
  }
  return outside;
}"""

# Every page of an administrateur's menu, plus the statement and edit states with the widest content.
PHONE_PAGES = (
    "/etat-de-compte",
    "/etat-de-compte?view=all",
    "/litiges",
    "/nous-contacter",
    "/informations-compte",
    "/informations-compte?mode=modification",
    "/reglement",
    "/utilisateurs",
    "/securite",
)


async def seed_admin(accounts_pool, ledger) -> AgencyLogin:
    """Create an administrateur whose agency has accounts at two creditors, with a wide statement at the first."""
    first_id = await create_creditor(accounts_pool, ledger, "Annonces Immobilières du Grand Ouest")
    second_id = await create_creditor(accounts_pool, ledger, "Presse Immo Nord")
    first = CreditorAccount(first_id, "Annonces Immobilières du Grand Ouest", "C8001")
    second = CreditorAccount(second_id, "Presse Immo Nord", "C8002")

    fec = FecBuilder()
    fec.invoice("C8001", "FA2026-000101", days_ago(40), "123456.78")
    fec.invoice("C8001", "FA2026-000102", days_ago(20), "2000.00", lettering="AB")
    fec.payment("C8001", "VIR-2026-000077", days_ago(10), "500.00", lettering="AB")
    await import_fec(ledger, first.id, fec)
    await import_one_invoice(ledger, second)

    return await create_agency_member(
        accounts_pool, [first, second], role="administrateur", email="administrateur.comptabilite@agence-du-parc.example"
    )


async def log_in_on_phone(page, stack: MailStack, user: AgencyLogin) -> None:
    await page.set_viewport_size(PHONE)
    await log_in_browser(page, stack.gateway_url, user)


async def test_pages_fit_phone_width(browser_page, mail_stack, accounts_pool, ledger_client):
    user = await seed_admin(accounts_pool, ledger_client)
    page = browser_page
    await log_in_on_phone(page, mail_stack, user)

    for path in PHONE_PAGES:
        await page.goto(mail_stack.gateway_url + path)
        scroll_width = await page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= PHONE["width"], f"{path} is {scroll_width} px wide"


async def test_logout_visible_on_phone(browser_page, mail_stack, accounts_pool, ledger_client):
    user = await seed_admin(accounts_pool, ledger_client)
    page = browser_page
    await log_in_on_phone(page, mail_stack, user)

    for path in PHONE_PAGES:
        await page.goto(mail_stack.gateway_url + path)
        logout = page.get_by_role("button", name="Se déconnecter")
        await expect(logout).to_be_visible()
        box = await logout.bounding_box()
        topbar = await page.locator("header.topbar").bounding_box()
        assert box["x"] >= 0, path
        assert box["x"] + box["width"] <= PHONE["width"], f"{path}: logout ends at {box['x'] + box['width']} px"
        assert box["y"] + box["height"] <= topbar["y"] + topbar["height"], f"{path}: logout below the top bar"


async def test_creditor_arrow_down_stays(browser_page, mail_stack, accounts_pool, ledger_client):
    user = await seed_admin(accounts_pool, ledger_client)
    page = browser_page
    await log_in_on_phone(page, mail_stack, user)
    await expect(page.locator("h1")).to_contain_text("Annonces Immobilières du Grand Ouest")
    statement_url = page.url
    navigations = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url) if frame == page.main_frame else None)

    selector = page.get_by_label("Créancier")
    await selector.focus()
    await page.keyboard.press("ArrowDown")
    await page.wait_for_timeout(500)

    assert navigations == []
    assert page.url == statement_url
    await expect(selector).to_be_focused()
    await expect(page.locator("h1")).to_contain_text("Annonces Immobilières du Grand Ouest")

    await page.keyboard.press("Enter")
    await expect(page.locator("h1")).to_contain_text("Presse Immo Nord")


async def test_creditor_change_button(browser_page, mail_stack, accounts_pool, ledger_client):
    user = await seed_admin(accounts_pool, ledger_client)
    page = browser_page
    await log_in_on_phone(page, mail_stack, user)

    await page.get_by_label("Créancier").select_option(label="Presse Immo Nord")
    await expect(page.locator("h1")).to_contain_text("Annonces Immobilières du Grand Ouest")
    await page.get_by_role("button", name="Changer de créancier").click()

    await expect(page.locator("h1")).to_contain_text("Presse Immo Nord")


async def test_skip_link_first_tab_stop(browser_page, mail_stack, accounts_pool, ledger_client):
    user = await seed_admin(accounts_pool, ledger_client)
    page = browser_page
    await log_in_on_phone(page, mail_stack, user)

    for path in ("/etat-de-compte", "/nous-contacter", "/securite"):
        await page.goto(mail_stack.gateway_url + path)
        await page.keyboard.press("Tab")
        skip_link = page.get_by_role("link", name="Aller au contenu")
        await expect(skip_link).to_be_focused()
        await expect(skip_link).to_be_in_viewport()

        await page.keyboard.press("Enter")
        await expect(page.locator("main#contenu")).to_be_focused()
        await page.keyboard.press("Tab")
        focused_in_main = await page.evaluate("document.querySelector('main').contains(document.activeElement)")
        assert focused_in_main, f"{path}: Tab after the skip link should stay in the content"


async def expect_focus_on_error(page, field_id: str) -> None:
    """Check that the error summary has focus, that the title starts with « Erreur » and that the summary links to the field."""
    summary = page.locator("#error-summary")
    await expect(summary).to_be_focused()
    await expect(page).to_have_title(re.compile("^Erreur\u00a0: "))
    await page.keyboard.press("Tab")
    await expect(page.locator(f'#error-summary a[href="#{field_id}"]')).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.locator(f"#{field_id}")).to_be_focused()


async def test_rejected_forms_focus_error(browser_page, mail_stack, accounts_pool, ledger_client):
    user = await seed_admin(accounts_pool, ledger_client)
    page = browser_page
    await log_in_on_phone(page, mail_stack, user)

    await page.goto(mail_stack.gateway_url + "/nous-contacter")
    await page.get_by_label("Service facturation").check()
    await page.get_by_label("Message").fill("Bonjour")
    await page.get_by_role("button", name="Envoyer", exact=True).press("Enter")
    await expect_focus_on_error(page, "contact-subject")

    await page.goto(mail_stack.gateway_url + "/utilisateurs")
    await page.get_by_label("Adresse e-mail").fill("pas-un-email")
    await page.get_by_role("button", name="Envoyer l’invitation").press("Enter")
    await expect_focus_on_error(page, "invite-email")

    await page.goto(mail_stack.gateway_url + "/securite")
    await page.locator("#security-current_password").fill(user.password)
    await page.get_by_label("Nouveau mot de passe", exact=True).fill("cheval correct batterie agrafe")
    await page.get_by_label("Confirmation du nouveau mot de passe").fill("cheval correct batterie agrafe 2")
    await page.get_by_role("button", name="Changer le mot de passe").press("Enter")
    await expect_focus_on_error(page, "security-new_password_confirmation")

    await page.goto(mail_stack.gateway_url + "/informations-compte")
    await page.get_by_role("button", name="Modifier", exact=True).click()
    await page.get_by_label("Nom", exact=True).fill("Martin")
    await page.get_by_label("Prénom").fill("Camille")
    await page.get_by_label("Adresse", exact=True).fill("5 rue Sainte-Catherine")
    await page.get_by_label("Code postal").fill("3300")
    await page.get_by_label("Ville").fill("Bordeaux")
    await page.get_by_role("button", name="Enregistrer les modifications").press("Enter")
    await expect_focus_on_error(page, "field-postal_code")


async def test_totp_enrolment_title(browser_page, mail_stack, accounts_pool, ledger_client):
    user = await seed_admin(accounts_pool, ledger_client)
    page = browser_page
    await log_in_on_phone(page, mail_stack, user)
    await page.goto(mail_stack.gateway_url + "/securite")

    await page.locator("#security-enrol_current_password").fill(user.password)
    await page.get_by_role("button", name="Activer la double authentification").click()
    await expect(page).to_have_title("Activer la double authentification – Sécurité – Mes Factures")

    await page.get_by_label("Code de vérification").fill("12345")
    await page.get_by_role("button", name="Confirmer").click()
    await expect(page).to_have_title("Erreur\u00a0: Activer la double authentification – Sécurité – Mes Factures")
    await expect(page.locator("#error-summary")).to_be_focused()


# Lists the links, buttons and fields smaller than 24 × 24 px, the minimum target of WCAG 2.5.8, except the
# skip link, which is off screen until it has focus.
SMALL_TARGETS = """() => {
  const small = [];
  for (const element of document.querySelectorAll("a[href], button, input:not([type=hidden]), select, textarea")) {
    const box = element.getBoundingClientRect();
    if (box.width === 0 || element.classList.contains("skip-link")) {
      continue;
    }
    if (box.width < 24 || box.height < 24) {
      small.push(`${element.outerHTML.slice(0, 80)} ${Math.round(box.width)}×${Math.round(box.height)}`);
    }
  }
  return small;
}"""

FIELD_BORDERS = """() => Array.from(document.querySelectorAll("input:not([type=hidden]):not([type=checkbox]):not([type=radio]), select, textarea"))
  .filter((element) => element.getBoundingClientRect().width > 0)
  .map((element) => getComputedStyle(element).borderTopColor)"""


async def test_phone_targets_at_least_24px(browser_page, mail_stack, accounts_pool, ledger_client):
    user = await seed_admin(accounts_pool, ledger_client)
    page = browser_page
    await page.set_viewport_size(PHONE)
    await page.goto(mail_stack.gateway_url + "/connexion")
    assert await page.evaluate(SMALL_TARGETS) == []

    await log_in_browser(page, mail_stack.gateway_url, user)
    for path in ("/etat-de-compte?view=all", "/nous-contacter", "/utilisateurs", "/securite"):
        await page.goto(mail_stack.gateway_url + path)
        assert await page.evaluate(SMALL_TARGETS) == [], path


async def test_phone_form_buttons_44px(browser_page, mail_stack, accounts_pool, ledger_client):
    user = await seed_admin(accounts_pool, ledger_client)
    page = browser_page
    await log_in_on_phone(page, mail_stack, user)

    for path, name in (("/utilisateurs", "Envoyer l’invitation"), ("/nous-contacter", "Envoyer")):
        await page.goto(mail_stack.gateway_url + path)
        box = await page.get_by_role("button", name=name, exact=True).bounding_box()
        assert box is not None, name
        assert box["height"] >= 44, f"{path}: « {name} » is {box['height']} px high"
        for button in await page.locator(".form-actions .button").all():
            button_box = await button.bounding_box()
            assert button_box["height"] >= 44, f"{path}: « {await button.inner_text()} » is {button_box['height']} px high"


async def test_field_borders_contrast(browser_page, mail_stack, accounts_pool, ledger_client):
    user = await seed_admin(accounts_pool, ledger_client)
    page = browser_page
    await log_in_on_phone(page, mail_stack, user)

    for path in ("/etat-de-compte", "/nous-contacter", "/informations-compte", "/securite"):
        await page.goto(mail_stack.gateway_url + path)
        borders = set(await page.evaluate(FIELD_BORDERS))
        # The creditor select of the top bar keeps the browser's own border, which is darker still.
        borders.discard("rgb(118, 118, 118)")
        assert borders == {"rgb(95, 107, 122)"}, path


async def test_read_only_fields_skip_tab(browser_page, mail_stack, accounts_pool, ledger_client):
    user = await seed_admin(accounts_pool, ledger_client)
    page = browser_page
    await log_in_on_phone(page, mail_stack, user)
    await page.goto(mail_stack.gateway_url + "/informations-compte")

    await page.locator("#contenu").focus()
    await page.keyboard.press("Tab")
    focused_tag = await page.evaluate("document.activeElement.tagName")
    assert focused_tag != "INPUT"

    await page.get_by_role("button", name="Modifier", exact=True).click()
    await expect(page.get_by_label("Nom", exact=True)).to_be_focused()
    await page.keyboard.press("Tab")
    await expect(page.get_by_label("Prénom")).to_be_focused()


# A German IBAN, for a request whose new account is outside France.
GERMAN_IBAN = "DE89370400440532013000"


async def seed_staff_with_requests(stack: MailStack, accounts_pool, ledger, signer) -> tuple[str, str]:
    """Give a creditor one approved and one pending bank-change request; return the login and password of its staff."""
    creditor_id = await create_creditor(accounts_pool, ledger, "Annonces Immobilières du Grand Ouest")
    creditor = CreditorAccount(creditor_id, "Annonces Immobilières du Grand Ouest", "C8301")
    admin = await create_agency_member(accounts_pool, [creditor], role="administrateur")
    recovery_codes = await approve_bank_details(stack, accounts_pool, signer, admin, creditor)

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
    async with aiohttp.ClientSession(base_url=stack.accounts_url) as http:
        requested = await http.post(
            f"/creditors/{creditor.id}/bank-change-requests",
            headers=admin_principal,
            json={"iban": GERMAN_IBAN, "password": admin.password, "totp_code": recovery_codes.pop()},
        )
        assert requested.status in (200, 201), await requested.text()

    return await create_staff_login(accounts_pool, [creditor.id])


async def test_staff_pages_fit_phone(browser_page, mail_stack, accounts_pool, ledger_client, signer):
    staff_login, staff_password = await seed_staff_with_requests(mail_stack, accounts_pool, ledger_client, signer)
    page = browser_page
    await page.set_viewport_size(PHONE)
    await page.goto(mail_stack.gateway_url + "/connexion")
    await page.get_by_label("Identifiant").fill(staff_login)
    await page.get_by_label("Mot de passe", exact=True).fill(staff_password)
    await page.get_by_role("button", name="Se connecter").click()
    await expect(page).to_have_url(re.compile(r"/back-office/demandes-bancaires"))
    await page.goto(mail_stack.gateway_url + "/back-office/demandes-bancaires?statut=toutes")
    requests = page.locator("#bank-change-requests tbody tr")
    await expect(requests).to_have_count(2)
    review_paths = [await link.get_attribute("href") for link in await page.locator("#bank-change-requests a").all()]

    for path in ("/back-office/demandes-bancaires", "/back-office/demandes-bancaires?statut=toutes", *review_paths, "/securite"):
        await page.goto(mail_stack.gateway_url + path)
        scroll_width = await page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= PHONE["width"], f"{path} is {scroll_width} px wide"
        for table in await page.locator("table").all():
            sizes = await table.evaluate("table => [table.parentElement.scrollWidth, table.parentElement.clientWidth]")
            assert sizes[0] <= sizes[1], f"{path}: a table box scrolls sideways: {sizes}"
            assert await table.evaluate(ELEMENTS_OUTSIDE_VIEWPORT) == [], path

    await page.goto(mail_stack.gateway_url + "/back-office/demandes-bancaires?statut=toutes")
    for link in await page.locator("#bank-change-requests a").all():
        box = await link.bounding_box()
        assert box["height"] >= 44, f"« {await link.inner_text()} » is {box['height']} px high"
    label = await requests.first.locator('td[data-label="Nouvel IBAN"]').evaluate("cell => getComputedStyle(cell, '::before').display")
    assert label == "block"
