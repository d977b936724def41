"""Chromium at 375 × 667: statement rows as cards, the sticky subtotal, the folded menu and the users tables."""

from __future__ import annotations

from playwright.async_api import expect

from tests.browser.test_accounts_browser import (  # noqa: F401 (pytest fixtures)
    import_one_invoice,
    ledger_client,
    log_in_browser,
    mail_stack,
)
from tests.browser.test_desktop_layout_browser import DESKTOP, LAPTOP
from tests.browser.test_small_screen_browser import ELEMENTS_OUTSIDE_VIEWPORT, PHONE
from tests.gateway.support import AgencyLogin, CreditorAccount, FecBuilder, add_agency_member, create_agency_member, create_creditor, days_ago, import_fec

NBSP = "\u00a0"
NNBSP = "\u202f"
STATEMENT_PATH = "/etat-de-compte?view=all"
# With the three entries of the seed, 51 rows: one more than a statement page shows, so the statement has a second page.
EXTRA_INVOICES = 48


async def seed_long_statement(accounts_pool, ledger) -> AgencyLogin:
    """Create an administrateur whose statement at the first creditor has two pages, lettering and a payment."""
    first_id = await create_creditor(accounts_pool, ledger, "Annonces Immobilières du Grand Ouest")
    second_id = await create_creditor(accounts_pool, ledger, "Presse Immo Nord")
    first = CreditorAccount(first_id, "Annonces Immobilières du Grand Ouest", "C8101")
    second = CreditorAccount(second_id, "Presse Immo Nord", "C8102")

    fec = FecBuilder()
    fec.invoice("C8101", "FA2026-000101", days_ago(40), "123456.78")
    fec.invoice("C8101", "FA2026-000102", days_ago(20), "2000.00", lettering="AB")
    fec.payment("C8101", "VIR-2026-000077", days_ago(10), "500.00", lettering="AB")
    for index in range(EXTRA_INVOICES):
        fec.invoice("C8101", f"FA2026-{200 + index:06d}", days_ago(60 + index), f"{100 + index}.50")
    await import_fec(ledger, first.id, fec)
    await import_one_invoice(ledger, second)

    return await create_agency_member(
        accounts_pool, [first, second], role="administrateur", email="administrateur.comptabilite@agence-du-parc.example"
    )


async def open_statement_on_phone(page, gateway_url: str, user: AgencyLogin) -> None:
    await page.set_viewport_size(PHONE)
    await log_in_browser(page, gateway_url, user)
    await page.goto(gateway_url + STATEMENT_PATH)


async def test_statement_fits_phone_width(browser_page, mail_stack, accounts_pool, ledger_client):
    user = await seed_long_statement(accounts_pool, ledger_client)
    page = browser_page
    await open_statement_on_phone(page, mail_stack.gateway_url, user)

    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    region = page.locator(".table-scroll").first
    sizes = await region.evaluate("box => [box.scrollWidth, box.clientWidth]")
    assert sizes[0] <= sizes[1], f"the statement box scrolls sideways: {sizes}"
    for selector in ("header.topbar", ".filters", ".statement-actions", ".selection-bar", "#statement-table", ".pagination"):
        outside = await page.locator(selector).evaluate(ELEMENTS_OUTSIDE_VIEWPORT)
        assert outside == [], selector


async def test_first_row_on_first_screen(browser_page, mail_stack, accounts_pool, ledger_client):
    user = await seed_long_statement(accounts_pool, ledger_client)
    # A touch phone, which hides the hint about double-clicking a row with a mouse.
    phone_context = await browser_page.context.browser.new_context(locale="fr-FR", viewport=PHONE, has_touch=True, is_mobile=True)
    try:
        page = await phone_context.new_page()
        await log_in_browser(page, mail_stack.gateway_url, user)

        for path in ("/etat-de-compte", STATEMENT_PATH):
            await page.goto(mail_stack.gateway_url + path)
            first_row = page.locator("#statement-table tbody tr").first
            first_row_box = await first_row.bounding_box()
            assert first_row_box["y"] < PHONE["height"], f"{path}: the first row starts at {first_row_box['y']} px"
            await expect(first_row.locator("td.col-designation")).to_be_in_viewport(ratio=1)
            ageing = page.locator("section.ageing")
            await expect(ageing).to_be_visible()
            ageing_box = await ageing.bounding_box()
            table_box = await page.locator("#statement-table").bounding_box()
            assert ageing_box["y"] >= table_box["y"] + table_box["height"], path
    finally:
        await phone_context.close()


async def test_desktop_ageing_above_rows(browser_page, mail_stack, accounts_pool, ledger_client):
    user = await seed_long_statement(accounts_pool, ledger_client)
    page = browser_page
    await page.set_viewport_size(DESKTOP)
    await log_in_browser(page, mail_stack.gateway_url, user)
    await page.goto(mail_stack.gateway_url + STATEMENT_PATH)

    ageing_box = await page.locator("section.ageing").bounding_box()
    table_box = await page.locator("#statement-table").bounding_box()
    assert ageing_box["y"] + ageing_box["height"] <= table_box["y"]


async def test_table_box_tab_stop_only_when_scrolling(browser_page, mail_stack, accounts_pool, ledger_client):
    user = await seed_long_statement(accounts_pool, ledger_client)
    page = browser_page
    await open_statement_on_phone(page, mail_stack.gateway_url, user)
    box = page.locator(".table-scroll")
    select_all = page.get_by_label("Sélectionner tout")
    first_row_box = page.locator("#statement-table tbody input.row-select").first

    await expect(box).not_to_have_attribute("tabindex", "0")
    assert await box.evaluate("element => element.tabIndex") == -1
    await select_all.focus()
    await page.keyboard.press("Tab")
    await expect(first_row_box).to_be_focused()

    # Beside the left menu of a 1024 px window the rows are cards too, which fit the box.
    await page.set_viewport_size(LAPTOP)
    await expect(page.locator("#statement-table thead")).to_have_css("position", "absolute")
    await expect(box).not_to_have_attribute("tabindex", "0")

    # At 1280 px the rows form a table again. A table wider than its box, as with longer designations, scrolls in it.
    await page.set_viewport_size(DESKTOP)
    await page.locator("#statement-table").evaluate("table => { table.style.minWidth = '1200px'; }")
    assert await box.evaluate("element => element.scrollWidth > element.clientWidth")
    await expect(box).to_have_attribute("tabindex", "0")
    await select_all.focus()
    await page.keyboard.press("Tab")
    region = page.get_by_role("region", name="Écritures du compte chez Annonces Immobilières du Grand Ouest")
    await expect(region).to_be_focused()
    await page.keyboard.press("Tab")
    await expect(first_row_box).to_be_focused()


async def test_statement_row_values_in_view(browser_page, mail_stack, accounts_pool, ledger_client):
    user = await seed_long_statement(accounts_pool, ledger_client)
    page = browser_page
    await open_statement_on_phone(page, mail_stack.gateway_url, user)

    rows = page.locator("#statement-table tbody tr")
    await expect(rows).to_have_count(50)
    # The first row is the payment, with a credit and no due date. The others are invoices.
    payment = rows.nth(0)
    await expect(payment).to_have_attribute("data-document-number", "VIR-2026-000077")
    await payment.scroll_into_view_if_needed()
    for label in ("Date", "Crédit", "Lettrage", "Reste dû"):
        await expect(payment.locator(f'td[data-label="{label}"]')).to_be_in_viewport(ratio=1)
    for index in (1, 2, 49):
        row = rows.nth(index)
        await row.scroll_into_view_if_needed()
        for label in ("Date", "Échéance", "Débit", "Reste dû"):
            await expect(row.locator(f'td[data-label="{label}"]')).to_be_in_viewport(ratio=1)
        await expect(row.locator("td.col-state .badge")).to_be_in_viewport(ratio=1)

    invoice = page.locator('tr[data-document-number="FA2026-000102"]')
    await invoice.scroll_into_view_if_needed()
    for locator in (
        invoice.get_by_role("checkbox"),
        invoice.get_by_role("link", name="PDF de Facture"),
        invoice.locator("td.col-lettering"),
        invoice.locator("td.col-amount-due"),
    ):
        await expect(locator).to_be_in_viewport(ratio=1)
    await expect(invoice.locator("td.col-lettering")).to_have_text("AB (partiel)")
    # The label of each value comes from data-label, because the header row is hidden on a phone.
    label = await invoice.locator("td.col-amount-due").evaluate("cell => getComputedStyle(cell, '::before').display")
    assert label == "block"


async def test_statement_headers_reach_accessibility_tree(browser_page, mail_stack, accounts_pool, ledger_client):
    user = await seed_long_statement(accounts_pool, ledger_client)
    page = browser_page
    await open_statement_on_phone(page, mail_stack.gateway_url, user)

    session = await page.context.new_cdp_session(page)
    tree = await session.send("Accessibility.getFullAXTree")
    roles = [node.get("role", {}).get("value") for node in tree["nodes"] if not node.get("ignored")]
    headers = {
        node.get("name", {}).get("value")
        for node in tree["nodes"]
        if node.get("role", {}).get("value") == "columnheader" and not node.get("ignored")
    }

    assert "table" in roles
    assert {"Désignation", "Date", "Échéance", "Débit", "Crédit", "Lettrage", "Reste dû", "État"} <= headers
    # 50 rows, the total, and the header row: the cards are still rows of the table.
    assert roles.count("row") >= 52


async def test_phone_subtotal_follows_ticks(browser_page, mail_stack, accounts_pool, ledger_client):
    user = await seed_long_statement(accounts_pool, ledger_client)
    page = browser_page
    await open_statement_on_phone(page, mail_stack.gateway_url, user)
    subtotal = page.locator("#selection-total")

    await page.locator('tr[data-document-number="FA2026-000102"] input.row-select').check()
    lower_box = page.locator('tr[data-document-number="FA2026-000220"] input.row-select')
    await lower_box.scroll_into_view_if_needed()
    await lower_box.check()

    await expect(subtotal).to_have_text(f"Total sélectionné{NBSP}: 1{NNBSP}620,50{NBSP}€")
    await expect(subtotal).to_be_in_viewport(ratio=1)
    await expect(page.get_by_label("Sélectionner tout")).to_be_in_viewport(ratio=1)
    await expect(lower_box).to_be_in_viewport(ratio=1)
    bar = await page.locator(".selection-bar").bounding_box()
    box = await lower_box.bounding_box()
    assert box["y"] >= bar["y"] + bar["height"], "the ticked box sits under the sticky selection bar"

    await page.get_by_label("Sélectionner tout").check()
    await expect(subtotal).not_to_have_text(f"Total sélectionné{NBSP}: 1{NNBSP}620,50{NBSP}€")
    await page.get_by_label("Sélectionner tout").uncheck()
    await expect(subtotal).to_have_text(f"Total sélectionné{NBSP}: 0,00{NBSP}€")


async def test_phone_statement_targets_44px(browser_page, mail_stack, accounts_pool, ledger_client):
    user = await seed_long_statement(accounts_pool, ledger_client)
    page = browser_page
    await open_statement_on_phone(page, mail_stack.gateway_url, user)

    targets = {
        "menu": page.get_by_role("button", name="Menu"),
        "view": page.get_by_label("Affichage"),
        "from": page.get_by_label("Du", exact=True),
        "to": page.get_by_label("Au", exact=True),
        "number": page.get_by_label("N° de document"),
        "search": page.get_by_role("button", name="Rechercher"),
        "csv": page.get_by_role("link", name="Exporter en CSV"),
        "pdf": page.get_by_role("link", name="Relevé PDF"),
        "select all": page.locator("label.select-all"),
        "row box": page.locator("label.row-select-target").first,
        "page 2": page.get_by_role("navigation", name="Pagination").get_by_role("link", name="2", exact=True),
        "next page": page.get_by_role("link", name="Suivante"),
    }
    for name, locator in targets.items():
        box = await locator.bounding_box()
        assert box is not None, name
        assert box["height"] >= 44, f"{name}: {box['height']} px high"
        assert box["width"] >= 44, f"{name}: {box['width']} px wide"

    await page.get_by_role("link", name="Suivante").click()
    await expect(page).to_have_url(f"{mail_stack.gateway_url}/etat-de-compte?view=all&page=2")
    await expect(page.locator("#statement-table tbody tr")).to_have_count(1)


async def test_phone_header_leaves_room(browser_page, mail_stack, accounts_pool, ledger_client):
    user = await seed_long_statement(accounts_pool, ledger_client)
    page = browser_page
    await open_statement_on_phone(page, mail_stack.gateway_url, user)

    title = await page.locator("h1").bounding_box()
    assert title["y"] + title["height"] <= PHONE["height"] / 3, f"the page title ends at {title['y'] + title['height']} px"
    await expect(page.get_by_role("navigation", name="Menu principal")).to_be_hidden()
    await expect(page.get_by_role("button", name="Se déconnecter")).to_be_in_viewport(ratio=1)
    await expect(page.get_by_label("Créancier")).to_be_in_viewport(ratio=1)
    await expect(page.get_by_role("button", name="Changer de créancier")).to_be_in_viewport(ratio=1)


async def test_menu_button_keyboard(browser_page, mail_stack, accounts_pool, ledger_client):
    user = await seed_long_statement(accounts_pool, ledger_client)
    page = browser_page
    await open_statement_on_phone(page, mail_stack.gateway_url, user)
    button = page.get_by_role("button", name="Menu")
    menu = page.get_by_role("navigation", name="Menu principal")

    await expect(button).to_have_attribute("aria-expanded", "false")
    await expect(button).to_have_attribute("aria-controls", "main-menu")
    await page.get_by_role("button", name="Se déconnecter").focus()
    await page.keyboard.press("Tab")
    await expect(button).to_be_focused()

    await page.keyboard.press("Enter")
    await expect(button).to_have_attribute("aria-expanded", "true")
    await expect(menu).to_be_visible()
    await expect(menu).to_contain_text(user.display_name)
    await expect(menu).to_contain_text(user.agency_name)
    # The creditor selector, on the top bar's second line, comes between the button and the open menu below the bar.
    await page.keyboard.press("Tab")
    await expect(page.get_by_label("Créancier")).to_be_focused()
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("button", name="Changer de créancier")).to_be_focused()
    await page.keyboard.press("Tab")
    await expect(menu.get_by_role("link", name="État de compte")).to_be_focused()
    await page.keyboard.press("Tab")
    await expect(menu.get_by_role("link", name="Litiges")).to_be_focused()

    await page.keyboard.press("Escape")
    await expect(button).to_have_attribute("aria-expanded", "false")
    await expect(menu).to_be_hidden()
    await expect(button).to_be_focused()

    await page.keyboard.press("Space")
    await expect(button).to_have_attribute("aria-expanded", "true")
    await menu.get_by_role("link", name="Nous contacter").click()
    await expect(page).to_have_url(mail_stack.gateway_url + "/nous-contacter")
    await expect(page.get_by_role("button", name="Menu")).to_have_attribute("aria-expanded", "false")


async def test_desktop_keeps_open_menu_and_table(browser_page, mail_stack, accounts_pool, ledger_client):
    user = await seed_long_statement(accounts_pool, ledger_client)
    page = browser_page
    await page.set_viewport_size(DESKTOP)
    await log_in_browser(page, mail_stack.gateway_url, user)
    await page.goto(mail_stack.gateway_url + STATEMENT_PATH)

    await expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    await expect(page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Litiges")).to_be_visible()
    await expect(page.locator(".menu-user")).to_be_hidden()
    await expect(page.locator("header.topbar .user-name")).to_be_visible()
    await expect(page.locator("#statement-table thead")).to_be_visible()
    display = await page.locator("#statement-table tbody tr").first.evaluate("row => getComputedStyle(row).display")
    assert display == "table-row"
    topbar = await page.locator("header.topbar").bounding_box()
    assert topbar["height"] < 60, f"the desktop top bar is {topbar['height']} px high"

    # A menu folded on a phone shows again when the window widens.
    await page.set_viewport_size(PHONE)
    await page.get_by_role("button", name="Menu").click()
    await page.get_by_role("button", name="Menu").click()
    await page.set_viewport_size(DESKTOP)
    await expect(page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Litiges")).to_be_visible()


async def test_users_tables_fit_phone(browser_page, mail_stack, accounts_pool, ledger_client):
    user = await seed_long_statement(accounts_pool, ledger_client)
    await add_agency_member(accounts_pool, user, role="comptable", email="claire.dupont@agence-du-parc.example")
    page = browser_page
    await page.set_viewport_size(PHONE)
    await log_in_browser(page, mail_stack.gateway_url, user)
    await page.goto(mail_stack.gateway_url + "/utilisateurs")
    await page.get_by_label("Adresse e-mail").fill("jean-baptiste.lemaire@agence-du-parc.example")
    await page.get_by_label("Nom (facultatif)").fill("Jean-Baptiste Lemaire")
    await page.get_by_role("button", name="Envoyer l’invitation").click()
    await expect(page.locator("#invitations-table tbody tr")).to_have_count(1)

    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    for table_id in ("users-table", "invitations-table"):
        region = page.locator(f".table-scroll:has(#{table_id})")
        sizes = await region.evaluate("box => [box.scrollWidth, box.clientWidth]")
        assert sizes[0] <= sizes[1], f"{table_id} scrolls sideways: {sizes}"
        outside = await page.locator(f"#{table_id}").evaluate(ELEMENTS_OUTSIDE_VIEWPORT)
        assert outside == [], table_id

    member = page.locator('#users-table tr:has-text("claire.dupont")')
    await member.scroll_into_view_if_needed()
    await expect(member.get_by_role("button", name="Désactiver")).to_be_in_viewport(ratio=1)
    await expect(member.get_by_role("combobox")).to_be_in_viewport(ratio=1)
    invitation = page.locator("#invitations-table tbody tr")
    await invitation.scroll_into_view_if_needed()
    await expect(invitation.get_by_role("button", name="Annuler l’invitation")).to_be_in_viewport(ratio=1)
