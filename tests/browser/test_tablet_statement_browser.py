"""Chromium at 1024 × 768 and 768 × 1024: every statement column in the box beside the left menu, and the selection."""

from __future__ import annotations

from playwright.async_api import expect

from tests.browser.test_accounts_browser import (  # noqa: F401 (pytest fixtures)
    ledger_client,
    log_in_browser,
    mail_stack,
)
from tests.browser.test_desktop_layout_browser import LAPTOP
from tests.browser.test_phone_statement_browser import NBSP, NNBSP, STATEMENT_PATH, seed_long_statement

# A tablet in portrait. LAPTOP is also a tablet in landscape.
TABLET_PORTRAIT = {"width": 768, "height": 1024}
TABLET_VIEWPORTS = (LAPTOP, TABLET_PORTRAIT)

# Lists the cells of the statement's rows, the total included, whose value sticks out of the viewport on the left or
# the right. Empty cells, which show nothing, are left out.
CELLS_OUTSIDE_VIEWPORT = """table => {
  const outside = [];
  for (const cell of table.querySelectorAll("tbody td, tfoot td, tfoot th")) {
    if (!cell.textContent.trim()) continue;
    const box = cell.getBoundingClientRect();
    if (box.left < 0 || box.right > window.innerWidth) {
      const row = cell.closest("tr");
      const name = row.dataset.documentNumber || row.className;
      outside.push(`${name} ${cell.dataset.label || cell.className}: ${Math.round(box.left)}–${Math.round(box.right)}`);
    }
  }
  return outside;
}"""


async def open_statement(page, gateway_url: str, user, viewport) -> None:
    await page.set_viewport_size(viewport)
    await log_in_browser(page, gateway_url, user)
    await page.goto(gateway_url + STATEMENT_PATH)


async def test_statement_box_fits_tablet(browser_page, mail_stack, accounts_pool, ledger_client):
    user = await seed_long_statement(accounts_pool, ledger_client)
    page = browser_page
    await open_statement(page, mail_stack.gateway_url, user, LAPTOP)
    box = page.locator(".table-scroll")
    table = page.locator("#statement-table")

    for viewport in TABLET_VIEWPORTS:
        await page.set_viewport_size(viewport)
        width = viewport["width"]
        assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), width
        sizes = await box.evaluate("element => [element.scrollWidth, element.clientWidth]")
        assert sizes[0] <= sizes[1], f"at {width} px the statement box scrolls sideways: {sizes}"
        outside = await table.evaluate(CELLS_OUTSIDE_VIEWPORT)
        assert outside == [], f"at {width} px"


async def test_amount_due_in_tablet_width(browser_page, mail_stack, accounts_pool, ledger_client):
    user = await seed_long_statement(accounts_pool, ledger_client)
    page = browser_page
    await open_statement(page, mail_stack.gateway_url, user, LAPTOP)
    amounts_due = page.locator("#statement-table td.col-amount-due")
    # 50 rows of the first page, and the total.
    await expect(amounts_due).to_have_count(51)

    for viewport in TABLET_VIEWPORTS:
        await page.set_viewport_size(viewport)
        width = viewport["width"]
        for index, cell in enumerate(await amounts_due.all()):
            box = await cell.bounding_box()
            assert box["x"] >= 0, f"at {width} px, amount due {index} starts at {box['x']} px"
            assert box["x"] + box["width"] <= width, f"at {width} px, amount due {index} ends at {box['x'] + box['width']} px"
        # The largest amount due, which the last columns of the wide table put furthest right.
        largest = page.locator('tr[data-document-number="FA2026-000101"] td.col-amount-due')
        await largest.scroll_into_view_if_needed()
        await expect(largest).to_be_in_viewport(ratio=1)
        await expect(largest).to_contain_text(f"123{NNBSP}456,78{NBSP}€")


async def test_tablet_subtotal_follows_ticks(browser_page, mail_stack, accounts_pool, ledger_client):
    user = await seed_long_statement(accounts_pool, ledger_client)
    page = browser_page
    await open_statement(page, mail_stack.gateway_url, user, LAPTOP)
    subtotal = page.locator("#selection-total")
    select_all = page.get_by_label("Sélectionner tout")

    for viewport in TABLET_VIEWPORTS:
        await page.set_viewport_size(viewport)
        width = viewport["width"]
        largest = page.locator('tr[data-document-number="FA2026-000101"] input.row-select')
        partly_paid = page.locator('tr[data-document-number="FA2026-000102"] input.row-select')
        for checkbox in (largest, partly_paid):
            await checkbox.scroll_into_view_if_needed()
            await expect(checkbox).to_be_in_viewport(ratio=1)
            await checkbox.check()
        await expect(subtotal, f"at {width} px").to_have_text(f"Total sélectionné{NBSP}: 124{NNBSP}956,78{NBSP}€")
        # The amount of each ticked row shows beside its checkbox, inside the box, with no sideways scrolling.
        table_box = await page.locator(".table-scroll").bounding_box()
        for document_number in ("FA2026-000101", "FA2026-000102"):
            amount_due = await page.locator(f'tr[data-document-number="{document_number}"] td.col-amount-due').bounding_box()
            right = amount_due["x"] + amount_due["width"]
            assert right <= table_box["x"] + table_box["width"], f"{document_number} at {width} px: amount due ends at {right} px"

        await partly_paid.uncheck()
        await expect(subtotal, f"at {width} px").to_have_text(f"Total sélectionné{NBSP}: 123{NNBSP}456,78{NBSP}€")
        await select_all.check()
        await expect(subtotal, f"at {width} px").not_to_have_text(f"Total sélectionné{NBSP}: 123{NNBSP}456,78{NBSP}€")
        await select_all.uncheck()
        await expect(subtotal, f"at {width} px").to_have_text(f"Total sélectionné{NBSP}: 0,00{NBSP}€")


async def test_tablet_pdf_link_and_pagination(browser_page, mail_stack, accounts_pool, ledger_client):
    user = await seed_long_statement(accounts_pool, ledger_client)
    page = browser_page
    await open_statement(page, mail_stack.gateway_url, user, TABLET_PORTRAIT)

    invoice = page.locator('tr[data-document-number="FA2026-000102"]')
    pdf_link = invoice.get_by_role("link", name="PDF de Facture")
    await pdf_link.scroll_into_view_if_needed()
    await expect(pdf_link).to_be_in_viewport(ratio=1)
    await expect(pdf_link).to_have_attribute("target", "_blank")
    async with page.context.expect_page() as new_tab:
        await pdf_link.click()
    document_tab = await new_tab.value
    await document_tab.wait_for_load_state()
    assert "FA2026-000102" in document_tab.url
    await document_tab.close()

    next_page = page.get_by_role("link", name="Suivante")
    await next_page.scroll_into_view_if_needed()
    await expect(next_page).to_be_in_viewport(ratio=1)
    await next_page.click()
    await expect(page).to_have_url(f"{mail_stack.gateway_url}/etat-de-compte?view=all&page=2")
    await expect(page.locator("#statement-table tbody tr")).to_have_count(1)
