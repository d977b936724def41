"""Chromium from 375 to 1440 px: Tab order of the top bar, places of the card labels, staff confirmations, user names,
the role select, the statement hint, the row checkboxes and the baseline of the statement rows."""

from __future__ import annotations

import re

from playwright.async_api import expect

from tests.browser.test_accounts_browser import (  # noqa: F401 (pytest fixtures)
    ledger_client,
    log_in_browser,
    mail_stack,
)
from tests.browser.test_desktop_layout_browser import DESKTOP, LAPTOP, add_long_named_member, line_count
from tests.browser.test_phone_statement_browser import NNBSP, STATEMENT_PATH, seed_long_statement
from tests.browser.test_small_screen_browser import PHONE, seed_staff_with_requests
from tests.browser.test_tablet_statement_browser import TABLET_PORTRAIT
from tests.gateway.support import add_agency_member

WIDE_DESKTOP = {"width": 1440, "height": 900}
NAME_WITH_APOSTROPHE = "Zoé L'Hôte-Dupont"
TYPOGRAPHIC_NAME = "Zoé L’Hôte-Dupont"

# The box of the focused element, and its text or label, for a trace of the Tab order.
FOCUSED_BOX = r"""() => {
  const element = document.activeElement;
  const box = element.getBoundingClientRect();
  const text = element.textContent.trim().replace(/\s+/g, " ");
  const name = element.tagName === "SELECT" ? element.id : element.getAttribute("aria-label") || text;
  return {name, top: box.top, bottom: box.bottom, left: box.left};
}"""

# Maps each label of every statement card to the offsets of its value from the card's left edge and from the top of
# the card's « Date » value, in px, and the cards that show it there. Empty values are left out.
LABEL_PLACES = """table => {
  const places = {};
  for (const row of table.querySelectorAll("tbody tr")) {
    const card = row.getBoundingClientRect();
    const date = row.querySelector('td[data-label="Date"]').getBoundingClientRect();
    for (const cell of row.querySelectorAll("td[data-label]")) {
      if (!cell.textContent.trim()) continue;
      const box = cell.getBoundingClientRect();
      const place = `${Math.round(box.left - card.left)},${Math.round(box.top - date.top)}`;
      places[cell.dataset.label] ??= {};
      (places[cell.dataset.label][place] ??= []).push(row.dataset.documentNumber);
    }
  }
  return places;
}"""

# The bottom of the first line of text of a cell, which is the same for two texts of one font size on one baseline.
TEXT_BOTTOM = """cell => {
  const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.textContent.trim()) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    return range.getClientRects()[0].bottom;
  }
  return null;
}"""


def comes_after(previous: dict, current: dict) -> bool:
    """Tell whether ``current`` reads after ``previous``: on a lower line, or further right on the same line."""
    same_line = current["top"] < previous["bottom"] and previous["top"] < current["bottom"]
    if same_line:
        return current["left"] > previous["left"]
    return current["top"] >= previous["bottom"]


async def test_phone_top_bar_tab_order(browser_page, mail_stack, accounts_pool, ledger_client):
    user = await seed_long_statement(accounts_pool, ledger_client)
    page = browser_page
    await page.set_viewport_size(PHONE)
    await log_in_browser(page, mail_stack.gateway_url, user)
    await page.goto(mail_stack.gateway_url + STATEMENT_PATH)

    # The first Tab stop is the skip link, which shows over the top bar only while it has the focus.
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("link", name="Aller au contenu")).to_be_focused()
    trace = []
    for _ in range(5):
        await page.keyboard.press("Tab")
        trace.append(await page.evaluate(FOCUSED_BOX))

    names = [stop["name"] for stop in trace]
    assert names == ["Mes Factures", "Se déconnecter", "Menu", "creditor-select", "Changer de créancier"]
    for previous, current in zip(trace, trace[1:]):
        assert comes_after(previous, current), f"Tab goes from {previous} back to {current}"


async def test_card_labels_keep_their_place(browser_page, mail_stack, accounts_pool, ledger_client):
    user = await seed_long_statement(accounts_pool, ledger_client)
    page = browser_page
    await page.set_viewport_size(LAPTOP)
    await log_in_browser(page, mail_stack.gateway_url, user)
    await page.goto(mail_stack.gateway_url + STATEMENT_PATH)
    table = page.locator("#statement-table")

    for viewport in (LAPTOP, TABLET_PORTRAIT, PHONE):
        await page.set_viewport_size(viewport)
        await expect(table.locator("thead")).to_have_css("position", "absolute")
        places = await table.evaluate(LABEL_PLACES)
        # The payment shows a credit and the invoices a debit, so every label of a row has a card that shows it.
        assert set(places) == {"Date", "Échéance", "Débit", "Crédit", "Lettrage", "Reste dû"}, places.keys()
        for label, cards_by_place in places.items():
            assert len(cards_by_place) == 1, f"at {viewport['width']} px, « {label} » moves: {cards_by_place}"


async def test_payment_card_without_checkbox_gap(browser_page, mail_stack, accounts_pool, ledger_client):
    user = await seed_long_statement(accounts_pool, ledger_client)
    page = browser_page
    await page.set_viewport_size(TABLET_PORTRAIT)
    await log_in_browser(page, mail_stack.gateway_url, user)
    await page.goto(mail_stack.gateway_url + STATEMENT_PATH)
    payment = page.locator('tr[data-document-number="VIR-2026-000077"]')
    invoice = page.locator('tr[data-document-number="FA2026-000102"]')

    for viewport in (LAPTOP, TABLET_PORTRAIT, PHONE):
        await page.set_viewport_size(viewport)
        width = viewport["width"]
        await expect(payment.locator("input.row-select")).to_have_count(0)
        card = await payment.bounding_box()
        designation = await payment.locator("td.col-designation").bounding_box()
        # 12 px of padding and the 1 px border.
        assert designation["x"] - card["x"] <= 13, f"at {width} px the payment's designation starts {designation['x'] - card['x']} px in"

        target = await invoice.locator("label.row-select-target").bounding_box()
        text_left = await invoice.locator("td.col-designation").evaluate(
            "cell => { const range = document.createRange(); range.selectNodeContents(cell.firstChild);"
            " return range.getBoundingClientRect().left; }"
        )
        assert text_left >= target["x"] + target["width"], f"at {width} px the checkbox covers the designation"
        assert target["width"] >= 44, width
        assert target["height"] >= 44, width


async def test_staff_decision_asks_confirmation(browser_page, mail_stack, accounts_pool, ledger_client, signer):
    staff_login, staff_password = await seed_staff_with_requests(mail_stack, accounts_pool, ledger_client, signer)
    page = browser_page
    await page.set_viewport_size(PHONE)
    await page.goto(mail_stack.gateway_url + "/connexion")
    await page.get_by_label("Identifiant").fill(staff_login)
    await page.get_by_label("Mot de passe", exact=True).fill(staff_password)
    await page.get_by_role("button", name="Se connecter").click()
    await expect(page).to_have_url(re.compile(r"/back-office/demandes-bancaires"))
    await page.locator("#bank-change-requests a").first.click()
    review_url = page.url
    badge = page.locator("#review h2 .badge")
    await expect(badge).to_have_text("En attente")

    messages = []

    async def dismiss(dialog):
        messages.append(dialog.message)
        await dialog.dismiss()

    page.on("dialog", dismiss)
    await page.get_by_role("button", name="Refuser").click()
    assert len(messages) == 1, "« Refuser » sent its form without a confirmation"
    await expect(badge).to_have_text("En attente")
    await page.get_by_role("button", name="Valider").click()
    assert len(messages) == 2, "« Valider » sent its form without a confirmation"
    assert messages[0].startswith("Refuser la demande du compte C8301\u202f? "), messages[0]
    assert "Ce refus est définitif." in messages[0]
    assert messages[1].startswith("Valider la demande du compte C8301\u202f? "), messages[1]
    assert "Cette validation est définitive." in messages[1]
    # Dismissed, neither button sends its form: the request stays pending.
    await page.reload()
    assert page.url == review_url
    await expect(badge).to_have_text("En attente")
    await expect(page.get_by_role("button", name="Refuser")).to_be_visible()

    page.remove_listener("dialog", dismiss)
    await page.get_by_label("Commentaire").fill("RIB illisible, merci de le renvoyer")
    page.once("dialog", lambda dialog: dialog.accept())
    await page.get_by_role("button", name="Refuser").click()
    await expect(page.get_by_role("status").first).to_contain_text("La demande a été refusée")


async def test_user_names_typographic_apostrophes(browser_page, mail_stack, accounts_pool, ledger_client):
    user = await seed_long_statement(accounts_pool, ledger_client)
    await add_long_named_member(accounts_pool, user, "lecteur", NAME_WITH_APOSTROPHE, "zoe.lhote@agence-du-parc.example")
    page = browser_page
    await page.set_viewport_size(DESKTOP)
    await log_in_browser(page, mail_stack.gateway_url, user)
    await page.goto(mail_stack.gateway_url + "/utilisateurs")
    await page.get_by_label("Adresse e-mail").fill("jean.dormesson@agence-du-parc.example")
    await page.get_by_label("Nom (facultatif)").fill("Jean d'Ormesson")
    await page.get_by_role("button", name="Envoyer l’invitation").click()
    await expect(page.locator("#invitations-table tbody tr")).to_have_count(1)

    row = page.locator('#users-table tr:has-text("zoe.lhote")')
    name = row.locator("td.name")
    await expect(name).to_have_text(TYPOGRAPHIC_NAME)
    assert "'" not in await row.inner_text()
    await expect(row.get_by_role("button", name=f"Désactiver {TYPOGRAPHIC_NAME}")).to_be_visible()
    await expect(row.get_by_role("combobox", name=f"Rôle de {TYPOGRAPHIC_NAME}")).to_be_visible()
    await expect(page.locator("#invitations-table td.name")).to_have_text("Jean d’Ormesson")

    messages = []

    async def dismiss(dialog):
        messages.append(dialog.message)
        await dialog.dismiss()

    page.on("dialog", dismiss)
    await row.get_by_role("button", name=f"Désactiver {TYPOGRAPHIC_NAME}").click()
    assert len(messages) == 1, messages
    assert messages[0].startswith(f"Désactiver {TYPOGRAPHIC_NAME}{NNBSP}? "), messages[0]
    assert "'" not in messages[0]
    await expect(name).to_have_text(TYPOGRAPHIC_NAME)


async def test_role_select_beside_button(browser_page, mail_stack, accounts_pool, ledger_client):
    user = await seed_long_statement(accounts_pool, ledger_client)
    await add_agency_member(accounts_pool, user, role="comptable", email="claire.dupont@agence-du-parc.example")
    page = browser_page
    await page.set_viewport_size(WIDE_DESKTOP)
    await log_in_browser(page, mail_stack.gateway_url, user)
    await page.goto(mail_stack.gateway_url + "/utilisateurs")
    await expect(page.locator("#users-table thead")).to_be_visible()

    role_form = page.locator("#users-table .inline-form:has(select)").first
    select_box = await role_form.locator("select").bounding_box()
    button_box = await role_form.locator("button").bounding_box()
    assert select_box["height"] >= 24, select_box
    assert abs(select_box["height"] - button_box["height"]) <= 1, (select_box, button_box)
    assert abs(select_box["y"] - button_box["y"]) <= 1, (select_box, button_box)
    assert select_box["x"] + select_box["width"] <= button_box["x"], (select_box, button_box)


async def test_statement_hint_own_line_tablet(browser_page, mail_stack, accounts_pool, ledger_client):
    user = await seed_long_statement(accounts_pool, ledger_client)
    page = browser_page
    await page.set_viewport_size(TABLET_PORTRAIT)
    await log_in_browser(page, mail_stack.gateway_url, user)
    await page.goto(mail_stack.gateway_url + STATEMENT_PATH)

    actions = await page.locator(".statement-actions").bounding_box()
    hint = page.locator(".statement-actions .hint")
    hint_box = await hint.bounding_box()
    assert hint_box["width"] >= actions["width"] - 1, (hint_box, actions)
    for name in ("Exporter en CSV", "Relevé PDF"):
        button = await page.locator(".statement-actions .button", has_text=name).bounding_box()
        assert button["y"] >= hint_box["y"] + hint_box["height"], f"« {name} » is not below the hint"
    assert await line_count(hint) <= 3


async def test_desktop_row_checkbox_target(browser_page, mail_stack, accounts_pool, ledger_client):
    user = await seed_long_statement(accounts_pool, ledger_client)
    page = browser_page
    await page.set_viewport_size(WIDE_DESKTOP)
    await log_in_browser(page, mail_stack.gateway_url, user)
    await page.goto(mail_stack.gateway_url + STATEMENT_PATH)

    for viewport in (WIDE_DESKTOP, DESKTOP):
        await page.set_viewport_size(viewport)
        await expect(page.locator("#statement-table thead")).to_be_visible()
        target = page.locator('tr[data-document-number="FA2026-000102"] label.row-select-target')
        box = await target.bounding_box()
        assert box["width"] >= 24, f"at {viewport['width']} px: {box}"
        assert box["height"] >= 24, f"at {viewport['width']} px: {box}"
        await target.click(position={"x": box["width"] - 2, "y": box["height"] - 2})
        await expect(target.locator("input")).to_be_checked()
        await target.locator("input").uncheck()


async def test_desktop_designation_on_baseline(browser_page, mail_stack, accounts_pool, ledger_client):
    user = await seed_long_statement(accounts_pool, ledger_client)
    page = browser_page
    await page.set_viewport_size(WIDE_DESKTOP)
    await log_in_browser(page, mail_stack.gateway_url, user)
    await page.goto(mail_stack.gateway_url + STATEMENT_PATH)
    row = page.locator('tr[data-document-number="FA2026-000102"]')
    await expect(row.get_by_role("link", name="PDF de Facture")).to_be_visible()

    for viewport in (WIDE_DESKTOP, DESKTOP):
        await page.set_viewport_size(viewport)
        designation = await row.locator("td.col-designation").evaluate(TEXT_BOTTOM)
        for label in ("Date", "Échéance", "Débit", "Reste dû"):
            bottom = await row.locator(f'td[data-label="{label}"]').evaluate(TEXT_BOTTOM)
            assert abs(bottom - designation) <= 0.5, f"at {viewport['width']} px « {label} » ends at {bottom}, the designation at {designation}"
