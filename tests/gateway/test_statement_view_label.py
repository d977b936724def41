"""The « Toutes les écritures » choice names the chosen dates, which replace its default year."""

from __future__ import annotations

import re
from html import unescape

import pytest

from gateway.portal.statement import VIEW_LABELS, all_view_label, view_choices

DEFAULT_LABEL = "Toutes les écritures sur un an"


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, DEFAULT_LABEL),
        ({"date_from": "2024-01-01", "date_to": "2025-12-31"}, "Toutes les écritures du 01/01/2024 au 31/12/2025"),
        ({"date_from": "2024-01-01"}, "Toutes les écritures depuis le 01/01/2024"),
        ({"date_to": "2025-12-31"}, "Toutes les écritures jusqu’au 31/12/2025"),
        ({"date_from": "2025-03-01", "date_to": "2025-03-01"}, "Toutes les écritures du 01/03/2025 au 01/03/2025"),
        # These dates are rejected, so the page shows the error beside the default label.
        ({"date_from": "2025-13-45"}, DEFAULT_LABEL),
        ({"date_from": "2025-12-31", "date_to": "2024-01-01"}, DEFAULT_LABEL),
        ({"date_to": "2025-01-01\x00"}, DEFAULT_LABEL),
    ],
)
def test_all_view_label(filters, expected):
    assert all_view_label({"view": "all", **filters}) == expected


def test_default_label_unchanged():
    assert VIEW_LABELS["all"] == DEFAULT_LABEL


def test_unpaid_label_ignores_dates():
    choices = dict(view_choices({"view": "unpaid", "date_from": "2024-01-01"}))

    assert choices["unpaid"] == "Factures non réglées"
    assert choices["all"] == "Toutes les écritures depuis le 01/01/2024"


def view_options(html: str) -> dict[str, str]:
    start = html.index('<select id="filter-view"')
    select = html[start : html.index("</select>", start)]
    return {value: unescape(label) for value, label in re.findall(r'<option value="([^"]+)"[^>]*>([^<]*)</option>', select)}


async def statement_html(client, creditor: str, query: str) -> str:
    response = await client.get(f"/creanciers/{creditor}/etat-de-compte{query}")
    assert response.status == 200
    return await response.text()


async def test_page_names_chosen_dates(logged_in, portal_data):
    html = await statement_html(logged_in, portal_data.first.id, "?view=all&date_from=2024-01-01&date_to=2025-12-31")

    assert view_options(html)["all"] == "Toutes les écritures du 01/01/2024 au 31/12/2025"
    assert '<option value="all" selected>' in html
    # statement.js shows the default label again when the user clears both dates.
    assert f'data-all-default-label="{DEFAULT_LABEL}"' in unescape(html)


async def test_page_without_dates_keeps_year(logged_in, portal_data):
    html = await statement_html(logged_in, portal_data.first.id, "?view=all")

    assert view_options(html)["all"] == DEFAULT_LABEL


async def test_unpaid_page_offers_dated_choice(logged_in, portal_data):
    html = await statement_html(logged_in, portal_data.first.id, "?date_to=2025-12-31")

    assert view_options(html) == {
        "unpaid": "Factures non réglées",
        "all": "Toutes les écritures jusqu’au 31/12/2025",
    }


async def test_api_and_csv_carry_no_label(logged_in, portal_data):
    query = "view=all&date_from=2024-01-01&date_to=2025-12-31"
    api = await logged_in.get(f"/api/v1/creditors/{portal_data.first.id}/statement?{query}")
    csv = await logged_in.get(f"/creanciers/{portal_data.first.id}/releve.csv?{query}")
    csv_text = (await csv.read()).decode("utf-8-sig")

    assert api.status == 200
    assert (await api.json())["view"] == "all"
    assert "sur un an" not in await api.text()
    assert csv.status == 200
    assert "sur un an" not in csv_text
    assert "Toutes les écritures" not in csv_text
