"""A user opens invoice PDFs from the statement with Chromium: double-click on a row, keyboard on the link."""

from __future__ import annotations

import re

from playwright.async_api import expect

from tests.gateway.support import (
    CreditorAccount,
    FecBuilder,
    create_agency_login,
    create_creditor,
    days_ago,
    give_creditor_identity,
    import_fec,
)


async def seed_invoices(accounts_pool, ledger_service):
    """Create an agency with two invoices, one numbered with two spaces, at a creditor with a legal identity."""
    creditor_id = await create_creditor(accounts_pool, ledger_service, "Presse Immo Est")
    creditor = CreditorAccount(creditor_id, "Presse Immo Est", "C8001")
    await give_creditor_identity(ledger_service, creditor)
    fec = FecBuilder()
    fec.invoice("C8001", "FA  220001", days_ago(5), "1234.56")
    fec.invoice("C8001", "FA-220002", days_ago(3), "99.00")
    await import_fec(ledger_service, creditor.id, fec)
    agency = await create_agency_login(accounts_pool, [creditor])
    return agency, creditor


async def log_in_to_statement(page, gateway_url, agency):
    await page.goto(gateway_url + "/connexion")
    await page.get_by_label("Identifiant").fill(agency.login)
    await page.get_by_label("Mot de passe").fill(agency.password)
    await page.get_by_role("button", name="Se connecter").click()
    await expect(page).to_have_url(gateway_url + "/etat-de-compte")


async def test_double_click_row_opens_pdf(browser_page, live_stack, accounts_pool, ledger_service):
    agency, creditor = await seed_invoices(accounts_pool, ledger_service)
    page = browser_page
    await log_in_to_statement(page, live_stack.gateway_url, agency)
    row = page.locator('tr[data-document-number="FA  220001"]')
    pdf_path = f"/creanciers/{creditor.id}/documents/FA%20%20220001.pdf?entry={await row.get_attribute('data-row-id')}"

    async with page.context.expect_event(
        "request", predicate=lambda request: request.url.endswith(pdf_path)
    ) as request_event:
        async with page.context.expect_page() as new_page_event:
            await row.locator("td").nth(2).dblclick()
    request = await request_event.value
    new_page = await new_page_event.value
    response = await request.response()

    assert request.url == live_stack.gateway_url + pdf_path
    assert new_page != page
    assert response is not None
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"


async def test_checkbox_double_click_opens_nothing(browser_page, live_stack, accounts_pool, ledger_service):
    agency, creditor = await seed_invoices(accounts_pool, ledger_service)
    page = browser_page
    await log_in_to_statement(page, live_stack.gateway_url, agency)
    # Record window.open calls instead of opening tabs, so the check does not depend on
    # when Chromium reports a new page.
    await page.evaluate(
        "() => { window.openedUrls = []; window.open = (url) => { window.openedUrls.push(url); return null; }; }"
    )
    row = page.locator('tr[data-document-number="FA-220002"]')
    pdf_path = f"/creanciers/{creditor.id}/documents/FA-220002.pdf?entry={await row.get_attribute('data-row-id')}"

    await row.locator("input.row-select").dblclick()
    after_checkbox = await page.evaluate("window.openedUrls.slice()")
    await row.locator("td").nth(3).dblclick()
    after_cell = await page.evaluate("window.openedUrls.slice()")

    assert after_checkbox == []
    assert after_cell == [pdf_path]


async def test_pdf_link_is_keyboard_accessible(browser_page, live_stack, accounts_pool, ledger_service):
    agency, creditor = await seed_invoices(accounts_pool, ledger_service)
    page = browser_page
    await log_in_to_statement(page, live_stack.gateway_url, agency)
    link = page.get_by_role("link", name="PDF de Facture n°\u00a0FA-220002 (nouvel onglet)")
    row = page.locator('tr[data-document-number="FA-220002"]')
    pdf_path = f"/creanciers/{creditor.id}/documents/FA-220002.pdf?entry={await row.get_attribute('data-row-id')}"

    await page.locator('tr[data-document-number="FA-220002"] input.row-select').focus()
    await page.keyboard.press("Tab")
    await expect(link).to_be_focused()
    async with page.context.expect_page() as new_page_event:
        await page.keyboard.press("Enter")
    new_page = await new_page_event.value
    await new_page.wait_for_load_state("commit")

    assert await link.get_attribute("href") == pdf_path
    assert await link.get_attribute("target") == "_blank"
    assert re.search(r"Imprimer", await link.get_attribute("title") or "")
    assert new_page.url == f"{live_stack.gateway_url}{pdf_path}"
