"""The top bar of a staff user, who reviews the requests of the creditors they work for."""

from __future__ import annotations

from html import unescape

from tests.gateway.conftest import log_in
from tests.gateway.support import create_creditor, create_staff_login


async def staff_page(gateway, accounts_pool, ledger_service, creditor_names: list[str]) -> str:
    creditor_ids = [await create_creditor(accounts_pool, ledger_service, name) for name in creditor_names]
    login, password = await create_staff_login(accounts_pool, creditor_ids)
    gateway.session.cookie_jar.clear()
    response = await log_in(gateway, login, password)
    assert response.status == 302, await response.text()

    return unescape(await (await gateway.get("/securite")).text())


async def test_staff_top_bar_names_creditor(gateway, accounts_pool, ledger_service):
    page = await staff_page(gateway, accounts_pool, ledger_service, ["Presse Immo Revue"])
    top_bar = page.split('<header class="topbar">', 1)[1].split("</header>", 1)[0]

    assert '<span class="creditor-label">Créancier</span>' in top_bar
    assert '<span class="creditor-names">Presse Immo Revue</span>' in top_bar
    assert "Aucun créancier" not in top_bar
    assert "<select" not in top_bar


async def test_staff_top_bar_lists_creditors(gateway, accounts_pool, ledger_service):
    page = await staff_page(
        gateway, accounts_pool, ledger_service, ["Zénith Annonces", "Échos Immobiliers", "Annonces Ouest"]
    )
    top_bar = page.split('<header class="topbar">', 1)[1].split("</header>", 1)[0]

    assert '<span class="creditor-label">Créanciers</span>' in top_bar
    # Sorted as in a French list: « Échos » among the E, not after « Zénith ».
    assert '<span class="creditor-names">Annonces Ouest, Échos Immobiliers, Zénith Annonces</span>' in top_bar
