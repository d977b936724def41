"""Names and explanations that screen reader, touch and keyboard users get without a title tooltip."""

from __future__ import annotations

import re
from html import unescape

from tests.gateway.support import FecBuilder, days_ago, import_fec

NBSP = "\u00a0"


async def statement_text(client, creditor: str, query: str = "") -> str:
    response = await client.get(f"/creanciers/{creditor}/etat-de-compte{query}")
    assert response.status == 200
    return unescape(await response.text())


async def test_hint_names_pdf_link_first(logged_in, portal_data):
    text = await statement_text(logged_in, portal_data.first.id)
    hint = re.search(r'<p class="hint">(.*?)</p>', text, re.S).group(1)

    assert hint.startswith(f"Ouvrez le document d’une ligne avec son lien «{NBSP}PDF{NBSP}»")
    assert "Double-cliquez sur une ligne pour ouvrir son PDF à la souris." in hint


async def test_statement_pdf_named_new_tab(logged_in, portal_data):
    text = await statement_text(logged_in, portal_data.first.id)

    assert 'aria-label="Relevé PDF avec les filtres en cours (nouvel onglet)"' in text


async def test_statement_table_has_caption(logged_in, portal_data):
    text = await statement_text(logged_in, portal_data.first.id)

    assert '<caption class="visually-hidden" id="statement-caption">Écritures du compte chez Presse Immo Ouest</caption>' in text
    assert 'role="region" aria-labelledby="statement-caption" tabindex="0"' in text


async def test_partial_lettering_explained(logged_in, portal_data, ledger_service):
    fec = FecBuilder()
    fec.invoice("C1001", "FA-0009", days_ago(8), "300.00", lettering="AC")
    fec.payment("C1001", "VIR-009", days_ago(4), "100.00", lettering="AC")
    await import_fec(ledger_service, portal_data.first.id, fec)

    text = await statement_text(logged_in, portal_data.first.id, "?view=all")

    assert f"«{NBSP}(partiel){NBSP}» dans Lettrage{NBSP}: les écritures de ce code de lettrage ne se soldent pas encore." in text


async def test_brought_forward_explained(logged_in, portal_data):
    period = f"?view=all&date_from={days_ago(7).isoformat()}"
    text = await statement_text(logged_in, portal_data.first.id, period)

    assert f"«{NBSP}Solde au {days_ago(8).strftime('%d/%m/%Y')}{NBSP}»{NBSP}: solde des écritures antérieures" in text


async def test_read_only_fields_not_tabbable(logged_in):
    html = await (await logged_in.get("/informations-compte")).text()
    read_only = re.findall(r"<input [^>]*\breadonly\b[^>]*>", html)

    assert read_only
    for tag in read_only:
        assert 'tabindex="-1"' in tag, tag
