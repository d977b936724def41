"""Chromium at 1280 × 800 and 1024 × 768 desktop viewports, and on a touch phone: buttons, table cells and the statement hint."""

from __future__ import annotations

from playwright.async_api import expect

from tests.browser.test_accounts_browser import (  # noqa: F401 (pytest fixtures)
    import_one_invoice,
    ledger_client,
    log_in_browser,
    mail_stack,
)
from tests.browser.test_small_screen_browser import PHONE, seed_admin
from services.accounts.commands import create_user
from tests.conftest import unique_id
from tests.gateway.support import AgencyLogin, add_agency_member, new_password

DESKTOP = {"width": 1280, "height": 800}
# A small laptop, or a tablet in landscape.
LAPTOP = {"width": 1024, "height": 768}
MOUSE_HINT = "Double-cliquez sur une ligne"

# The number of distinct lines that the visible text of an element takes on screen. Text that only
# screen readers get (.visually-hidden) and the options of a select are left out.
LINE_COUNT = """element => {
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  const tops = new Set();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.textContent.trim() || node.parentElement.closest(".visually-hidden, select")) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const rect of range.getClientRects()) {
      if (rect.width > 0) tops.add(Math.round(rect.top));
    }
  }
  return tops.size;
}"""


async def line_count(locator) -> int:
    return await locator.evaluate(LINE_COUNT)


async def test_statement_export_buttons_one_line(browser_page, mail_stack, accounts_pool, ledger_client):
    user = await seed_admin(accounts_pool, ledger_client)
    page = browser_page
    await page.set_viewport_size(DESKTOP)
    await log_in_browser(page, mail_stack.gateway_url, user)

    for path in ("/etat-de-compte", "/etat-de-compte?view=all"):
        await page.goto(mail_stack.gateway_url + path)
        for name in ("Exporter en CSV", "Relevé PDF"):
            button = page.locator(".statement-actions .button", has_text=name)
            await expect(button).to_be_visible()
            assert await line_count(button) == 1, f"{path}: « {name} » wraps"


async def test_users_tables_one_line(browser_page, mail_stack, accounts_pool, ledger_client):
    user = await seed_admin(accounts_pool, ledger_client)
    await add_agency_member(accounts_pool, user, role="comptable", email="claire.dupont@agence-du-parc.example")
    page = browser_page
    await page.set_viewport_size(DESKTOP)
    await log_in_browser(page, mail_stack.gateway_url, user)
    await page.goto(mail_stack.gateway_url + "/utilisateurs")
    await page.get_by_label("Adresse e-mail").fill("jean-baptiste.lemaire@agence-du-parc.example")
    await page.get_by_label("Nom (facultatif)").fill("Jean-Baptiste Lemaire")
    await page.get_by_role("button", name="Envoyer l’invitation").click()
    await expect(page.locator("#invitations-table tbody tr")).to_have_count(1)

    for cell in await page.locator(".data-table tbody td:not(:has(select)):not(.email)").all():
        if (await cell.inner_text()).strip():
            assert await line_count(cell) == 1, f"« {await cell.inner_text()} » wraps"
    # An e-mail address breaks after its « @ » before it breaks anywhere else.
    email_parts = page.locator(".data-table td.email .address-part")
    assert await email_parts.count() == 6
    for part in await email_parts.all():
        assert await line_count(part) == 1, f"« {await part.inner_text()} » wraps"
    for button in await page.locator(".data-table button").all():
        assert await line_count(button) == 1, f"« {await button.inner_text()} » wraps"

    role_form = page.locator("#users-table .inline-form").first
    select_box = await role_form.locator("select").bounding_box()
    button_box = await role_form.locator("button").bounding_box()
    assert abs(select_box["height"] - button_box["height"]) <= 1, (select_box, button_box)


async def test_statement_hint_without_double_click_on_touch(browser_page, mail_stack, accounts_pool, ledger_client):
    user = await seed_admin(accounts_pool, ledger_client)
    desktop = browser_page
    await desktop.set_viewport_size(DESKTOP)
    await log_in_browser(desktop, mail_stack.gateway_url, user)
    await expect(desktop.locator(".statement-actions .hint")).to_contain_text(MOUSE_HINT, use_inner_text=True)

    browser = desktop.context.browser
    phone_context = await browser.new_context(locale="fr-FR", viewport=PHONE, has_touch=True, is_mobile=True)
    try:
        phone = await phone_context.new_page()
        await log_in_browser(phone, mail_stack.gateway_url, user)
        hint = phone.locator(".statement-actions .hint")
        await expect(hint).to_contain_text("lien «\u00a0PDF\u00a0»", use_inner_text=True)
        await expect(hint).not_to_contain_text(MOUSE_HINT, use_inner_text=True)
    finally:
        await phone_context.close()


# Lists the parts of each row of a table that stick out of its .table-scroll box on the left or the right, and the
# box's sizes when its content is wider than the box. The clipped, visually hidden texts of 1 × 1 px are left out.
CLIPPED_IN_TABLE_BOX = """table => {
  const box = table.closest(".table-scroll").getBoundingClientRect();
  const clipped = [];
  for (const element of table.querySelectorAll("td, th, button, select, a")) {
    const part = element.getBoundingClientRect();
    if (part.width <= 1 || part.height <= 1) continue;
    if (part.left < box.left || part.right > box.right) {
      clipped.push(`${element.outerHTML.slice(0, 60)} ${Math.round(part.left)}–${Math.round(part.right)} in ${Math.round(box.left)}–${Math.round(box.right)}`);
    }
  }
  const scroller = table.closest(".table-scroll");
  if (scroller.scrollWidth > scroller.clientWidth) {
    clipped.push(`scrollWidth ${scroller.scrollWidth} > clientWidth ${scroller.clientWidth}`);
  }
  return clipped;
}"""


async def add_long_named_member(accounts_pool, colleague: AgencyLogin, role: str, display_name: str, email: str) -> None:
    first = colleague.accounts[0]
    await create_user(
        accounts_pool,
        login=unique_id("collaboratrice"),
        password=new_password(),
        creditor=first.id,
        customer_account=first.customer_account,
        role=role,
        display_name=display_name,
        email=email,
    )


async def test_users_table_unclipped_desktop(browser_page, mail_stack, accounts_pool, ledger_client):
    user = await seed_admin(accounts_pool, ledger_client)
    await add_agency_member(accounts_pool, user, role="comptable", email="claire.dupont@agence-du-parc.example")
    await add_long_named_member(
        accounts_pool,
        user,
        "lecteur",
        "Marie-Charlotte de La Rochefoucauld-Montbel",
        "marie-charlotte.delarochefoucauld@agence-immobiliere-du-grand-parc.example",
    )
    await add_long_named_member(
        accounts_pool, user, "administrateur", "Jean-Baptiste Lemaire", "jean-baptiste.lemaire@agence-du-parc.example"
    )
    page = browser_page
    page.on("dialog", lambda dialog: dialog.accept())
    await page.set_viewport_size(DESKTOP)
    await log_in_browser(page, mail_stack.gateway_url, user)
    await page.goto(mail_stack.gateway_url + "/utilisateurs")
    # One disabled user, whose row has « Réactiver » in place of the role form and « Désactiver ».
    await page.get_by_role("button", name="Désactiver Jean-Baptiste Lemaire").click()
    await expect(page.get_by_role("button", name="Réactiver Jean-Baptiste Lemaire")).to_be_visible()
    await page.get_by_label("Adresse e-mail").fill("jean-baptiste.lemaire-dufour@agence-immobiliere-du-grand-parc.example")
    await page.get_by_role("button", name="Envoyer l’invitation").click()
    await expect(page.locator("#invitations-table tbody tr")).to_have_count(1)

    for viewport in (DESKTOP, LAPTOP):
        await page.set_viewport_size(viewport)
        width = viewport["width"]
        assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), width
        for table_id in ("users-table", "invitations-table"):
            clipped = await page.locator(f"#{table_id}").evaluate(CLIPPED_IN_TABLE_BOX)
            assert clipped == [], f"{table_id} at {width} px"
        await expect(page.locator("#users-table thead")).to_be_visible()
        for name in ("Désactiver Louis Bernard", "Désactiver Marie-Charlotte de La Rochefoucauld-Montbel", "Réactiver Jean-Baptiste Lemaire"):
            await expect(page.get_by_role("button", name=name)).to_be_visible()
        await expect(page.locator("#users-table button", has_text="Modifier")).to_have_count(2)
