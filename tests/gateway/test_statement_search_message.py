"""The message of a document-number search that finds nothing names the view and the period it searched."""

from __future__ import annotations

from html import unescape

from gateway.portal.statement import ALL_VIEW_DAYS
from services.ledger.statement import ALL_VIEW_DAYS as LEDGER_ALL_VIEW_DAYS
from tests.gateway.support import days_ago

NBSP = "\u00a0"


async def empty_message(client, creditor: str, query: str) -> str:
    response = await client.get(f"/creanciers/{creditor}/etat-de-compte{query}")
    assert response.status == 200
    html = unescape(await response.text())
    start = html.index('<p class="notice empty">') + len('<p class="notice empty">')
    return html[start : html.index("</p>", start)]


async def test_all_view_names_default_year(logged_in, portal_data):
    message = await empty_message(logged_in, portal_data.first.id, "?view=all&number=FA2025-000013")
    year_ago = days_ago(ALL_VIEW_DAYS).strftime("%d/%m/%Y")
    today = days_ago(0).strftime("%d/%m/%Y")

    assert message == (
        f"Aucune écriture ne correspond à «{NBSP}FA2025-000013{NBSP}» dans «{NBSP}Toutes les écritures sur un an{NBSP}», "
        f"entre le {year_ago} et le {today}{NBSP}: pour un document plus ancien, choisissez une date «{NBSP}Du{NBSP}» antérieure."
    )


async def test_all_view_names_chosen_dates(logged_in, portal_data):
    query = "?view=all&date_from=2025-01-01&date_to=2025-12-31&number=ZZ-9999"

    message = await empty_message(logged_in, portal_data.first.id, query)

    assert message.endswith(
        f"dans «{NBSP}Toutes les écritures du 01/01/2025 au 31/12/2025{NBSP}»{NBSP}: élargissez les dates."
    )


async def test_all_view_start_date_only(logged_in, portal_data):
    message = await empty_message(logged_in, portal_data.first.id, "?view=all&date_from=2025-01-01&number=ZZ-9999")

    assert message.endswith(f"dans «{NBSP}Toutes les écritures depuis le 01/01/2025{NBSP}»{NBSP}: élargissez les dates.")


async def test_unpaid_view_suggests_all_entries(logged_in, portal_data):
    message = await empty_message(logged_in, portal_data.first.id, "?number=ZZ-9999")

    assert message == (
        f"Aucune écriture ne correspond à «{NBSP}ZZ-9999{NBSP}» dans «{NBSP}Factures non réglées{NBSP}»{NBSP}: "
        f"choisissez «{NBSP}Toutes les écritures sur un an{NBSP}» pour voir aussi les écritures réglées."
    )


async def test_unpaid_view_with_end_date(logged_in, portal_data):
    message = await empty_message(logged_in, portal_data.first.id, "?date_to=2025-12-31&number=ZZ-9999")

    assert message.endswith(
        f"dans «{NBSP}Factures non réglées{NBSP}», jusqu’au 31/12/2025{NBSP}: élargissez les dates, ou choisissez "
        f"«{NBSP}Toutes les écritures jusqu’au 31/12/2025{NBSP}» pour voir aussi les écritures réglées."
    )


def test_default_period_matches_ledger():
    assert ALL_VIEW_DAYS == LEDGER_ALL_VIEW_DAYS
