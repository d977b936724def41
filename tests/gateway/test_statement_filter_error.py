"""A rejected statement filter: the message sits in the filter form and is tied to the date fields it names."""

from __future__ import annotations

import re
from html import unescape

from tests.gateway.support import days_ago


def input_tag(html: str, field_id: str) -> str:
    match = re.search(rf'<input id="{field_id}"[^>]*>', html)
    assert match is not None, f"no input {field_id}"
    return match.group(0)


async def test_reversed_dates_marks_both_fields(logged_in, portal_data):
    query = f"?view=all&date_from={days_ago(10).isoformat()}&date_to={days_ago(40).isoformat()}"
    response = await logged_in.get(f"/creanciers/{portal_data.first.id}/etat-de-compte{query}")
    html = await response.text()
    form = html[html.index('<form class="filters"') : html.index("</form>", html.index('<form class="filters"'))]

    assert response.status == 422
    assert "<title>Erreur&nbsp;: État de compte" in html
    assert 'id="filter-error"' in form
    assert "est postérieure à la date de fin" in unescape(form)
    assert 'aria-invalid="true" aria-describedby="filter-error"' in input_tag(html, "filter-from")
    assert 'aria-invalid="true" aria-describedby="filter-error"' in input_tag(html, "filter-to")


async def test_invalid_start_marks_start_only(logged_in, portal_data):
    response = await logged_in.get(f"/creanciers/{portal_data.first.id}/etat-de-compte?date_from=2026-13-45")
    html = await response.text()

    assert response.status == 422
    assert 'aria-invalid="true"' in input_tag(html, "filter-from")
    assert "aria-invalid" not in input_tag(html, "filter-to")
