"""A user logs in with Chromium, switches creditor, filters and selects invoices."""

from __future__ import annotations

import re

from playwright.async_api import expect

from tests.browser.test_documents_browser import log_in_to_statement
from tests.gateway.support import CreditorAccount, FecBuilder, create_agency_login, create_creditor, days_ago, import_fec

NNBSP = "\u202f"
NBSP = "\u00a0"


async def seed_two_creditors(accounts_pool, ledger_service):
    """Create an agency with accounts at two creditors and a few invoices at each."""
    north_id = await create_creditor(accounts_pool, ledger_service, "Annonces Nord")
    south_id = await create_creditor(accounts_pool, ledger_service, "Presse Immo Sud")
    north = CreditorAccount(north_id, "Annonces Nord", "C7001")
    south = CreditorAccount(south_id, "Presse Immo Sud", "C7002")

    fec = FecBuilder()
    fec.invoice("C7001", "AN-0001", days_ago(4), "99.00")
    await import_fec(ledger_service, north.id, fec)

    fec = FecBuilder()
    fec.invoice("C7002", "FA-1001", days_ago(3), "1234.56")
    fec.invoice("C7002", "FA-1002", days_ago(8), "2000.00", lettering="AB")
    fec.payment("C7002", "VIR-77", days_ago(6), "500.00", lettering="AB")
    fec.invoice("C7002", "FA-1003", days_ago(9), "0.10")
    fec.invoice("C7002", "FA-2001", days_ago(12), "240.00")
    await import_fec(ledger_service, south.id, fec)

    agency = await create_agency_login(accounts_pool, [north, south])
    return agency, north, south


async def test_statement_selection_in_browser(browser_page, live_stack, accounts_pool, ledger_service):
    agency, north, south = await seed_two_creditors(accounts_pool, ledger_service)
    page = browser_page

    await page.goto(live_stack.gateway_url + "/")
    await expect(page).to_have_url(re.compile(r"/connexion\?suite="))
    await page.get_by_label("Identifiant").fill(agency.login)
    await page.get_by_label("Mot de passe").fill(agency.password)
    await page.get_by_role("button", name="Se connecter").click()

    await expect(page).to_have_url(live_stack.gateway_url + "/etat-de-compte")
    await expect(page.locator("h1")).to_contain_text("Annonces Nord")
    await expect(page.locator("#statement-table tbody tr")).to_have_count(1)

    await page.get_by_label("Créancier").select_option(south.id)
    await page.get_by_role("button", name="Changer de créancier").click()
    await expect(page.locator("h1")).to_contain_text("Presse Immo Sud")
    await expect(page.locator("#statement-table tbody tr")).to_have_count(4)

    await page.get_by_label("N° de document").fill("fa-10")
    await page.get_by_role("button", name="Rechercher").click()
    await expect(page).to_have_url(re.compile(r"number=fa-10"))
    rows = page.locator("#statement-table tbody tr")
    await expect(rows).to_have_count(3)

    await page.locator('tr[data-document-number="FA-1001"] input.row-select').check()
    await page.locator('tr[data-document-number="FA-1002"] input.row-select').check()
    await expect(page.locator("#selection-total")).to_have_text(f"Total sélectionné{NBSP}: 2{NNBSP}734,56{NBSP}€")
    await expect(page.locator("#select-all")).not_to_be_checked()

    await page.get_by_label("Sélectionner tout").check()
    await expect(page.locator("#selection-total")).to_have_text(f"Total sélectionné{NBSP}: 2{NNBSP}734,66{NBSP}€")

    await page.get_by_label("Sélectionner tout").uncheck()
    await expect(page.locator("#selection-total")).to_have_text(f"Total sélectionné{NBSP}: 0,00{NBSP}€")


async def test_secure_session_cookie_in_browser(browser_page, live_stack, accounts_pool, ledger_service):
    agency, _north, _south = await seed_two_creditors(accounts_pool, ledger_service)
    page = browser_page

    await page.goto(live_stack.gateway_url + "/connexion")
    await page.get_by_label("Identifiant").fill(agency.login)
    await page.get_by_label("Mot de passe").fill(agency.password)
    await page.get_by_role("button", name="Se connecter").click()
    await expect(page).to_have_url(live_stack.gateway_url + "/etat-de-compte")
    cookies = {cookie["name"]: cookie for cookie in await page.context.cookies()}
    script_visible = await page.evaluate("document.cookie")

    assert cookies["__Host-mf_session"]["secure"] is True
    assert cookies["__Host-mf_session"]["httpOnly"] is True
    assert cookies["__Host-mf_session"]["sameSite"] == "Lax"
    assert "mf_session" not in script_visible


# Sums the amounts of the ticked rows as the server wrote them, in cents.
TICKED_CENTS = """() => Array.from(document.querySelectorAll("#statement-table input.row-select:checked"))
  .reduce((total, box) => total + Math.round(Number(box.dataset.amountDue) * 100), 0)"""


async def test_subtotal_after_back_button(browser_page, live_stack, accounts_pool, ledger_service):
    agency, _north, south = await seed_two_creditors(accounts_pool, ledger_service)
    page = browser_page
    await page.goto(live_stack.gateway_url + "/connexion")
    await page.get_by_label("Identifiant").fill(agency.login)
    await page.get_by_label("Mot de passe").fill(agency.password)
    await page.get_by_role("button", name="Se connecter").click()
    await page.get_by_label("Créancier").select_option(south.id)
    await page.get_by_role("button", name="Changer de créancier").click()
    await page.locator('tr[data-document-number="FA-1001"] input.row-select').check()
    await page.locator('tr[data-document-number="FA-2001"] input.row-select').check()
    await expect(page.locator("#selection-total")).to_have_text(f"Total sélectionné{NBSP}: 1{NNBSP}474,56{NBSP}€")

    await page.get_by_role("link", name="Nous contacter").first.click()
    await expect(page).to_have_url(re.compile(r"/nous-contacter"))
    await page.go_back()
    await expect(page.locator("#statement-table")).to_be_visible()
    await page.wait_for_load_state("load")
    ticked = await page.evaluate(TICKED_CENTS)
    subtotal_text = await page.locator("#selection-total").text_content()

    # Whether the browser ticks the boxes again or not, the total is theirs.
    expected = f"{ticked // 100:,}".replace(",", NNBSP) + f",{ticked % 100:02d}"
    assert subtotal_text == f"Total sélectionné{NBSP}: {expected}{NBSP}€"


async def test_view_label_follows_typed_dates(browser_page, live_stack, accounts_pool, ledger_service):
    agency, _north, _south = await seed_two_creditors(accounts_pool, ledger_service)
    page = browser_page
    await log_in_to_statement(page, live_stack.gateway_url, agency)
    all_option = page.locator('#filter-view option[value="all"]')
    await expect(all_option).to_have_text("Toutes les écritures sur un an")

    await page.get_by_label("Du", exact=True).fill("2024-01-01")
    await expect(all_option).to_have_text("Toutes les écritures depuis le 01/01/2024")
    await page.get_by_label("Au", exact=True).fill("2025-12-31")
    await expect(all_option).to_have_text("Toutes les écritures du 01/01/2024 au 31/12/2025")
    await page.get_by_label("Du", exact=True).fill("")
    await expect(all_option).to_have_text("Toutes les écritures jusqu’au 31/12/2025")
    await page.get_by_label("Du", exact=True).fill("2026-01-01")
    # An end before the start is rejected, so the label keeps the default year beside the error to come.
    await expect(all_option).to_have_text("Toutes les écritures sur un an")

    await page.get_by_label("Du", exact=True).fill("2024-01-01")
    await page.get_by_label("Affichage").select_option("all")
    await page.get_by_role("button", name="Rechercher").click()
    await expect(page).to_have_url(re.compile(r"date_from=2024-01-01"))
    await expect(all_option).to_have_text("Toutes les écritures du 01/01/2024 au 31/12/2025")
    await expect(page.get_by_label("Affichage")).to_have_value("all")
