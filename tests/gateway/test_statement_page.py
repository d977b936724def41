"""The État de compte page, rendered from the real ledger's statement."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

from tests.gateway.conftest import log_in
from tests.gateway.support import CreditorAccount, FecBuilder, create_agency_login, create_creditor, days_ago, import_fec

NNBSP = "\u202f"
NBSP = "\u00a0"


def row_of(html: str, document_number: str) -> str:
    """Return the <tr> element of the row whose document number is given."""
    match = re.search(rf'<tr data-row-id="[^"]*" data-kind="[^"]*" data-document-number="{re.escape(document_number)}".*?</tr>', html, re.S)
    if match is None:
        raise AssertionError(f"no row for {document_number}")
    return unescape(match.group(0))


async def statement_html(client, creditor: str, query: str = "") -> tuple[int, str]:
    response = await client.get(f"/creanciers/{creditor}/etat-de-compte{query}")
    return response.status, await response.text()


async def test_statement_shows_french_amounts_and_dates(logged_in, portal_data):
    status, html = await statement_html(logged_in, portal_data.first.id)
    row = row_of(html, "FA-0002")

    assert status == 200
    assert f"Facture n°{NBSP}FA-0002" in row
    assert f"1{NNBSP}234,56{NBSP}€" in row
    assert days_ago(2).strftime("%d/%m/%Y") in row
    assert (days_ago(2) + timedelta(days=30)).strftime("%d/%m/%Y") in row


async def test_statement_shows_headers_in_order(logged_in, portal_data):
    _status, html = await statement_html(logged_in, portal_data.first.id)
    headers = re.findall(r'<th scope="col"[^>]*>([^<]+)</th>', html)

    assert headers == ["Désignation", "Date", "Échéance", "Débit", "Crédit", "Lettrage", "Reste dû", "État"]


async def test_statement_default_view_lists_unpaid_invoices(logged_in, portal_data):
    _status, html = await statement_html(logged_in, portal_data.first.id)
    numbers = re.findall(r'data-document-number="([^"]*)"', html)

    assert sorted(numbers) == ["FA-0001", "FA-0002", "FA-0003"]


async def test_statement_shows_state_badges(logged_in, portal_data):
    _status, html = await statement_html(logged_in, portal_data.first.id)

    assert '<span class="badge badge--partially_paid">Partiellement réglée</span>' in row_of(html, "FA-0001")
    assert '<span class="badge badge--unpaid">Non réglée</span>' in row_of(html, "FA-0002")
    assert '<span class="badge badge--overdue">Échue</span>' in row_of(html, "FA-0003")


async def test_statement_row_carries_selection_data(logged_in, portal_data):
    _status, html = await statement_html(logged_in, portal_data.first.id)
    row = row_of(html, "FA-0001")

    assert 'data-has-pdf="true"' in row
    assert 'class="row-select"' in row
    assert 'data-amount-due="1500.00"' in row
    assert f"1{NNBSP}500,00{NBSP}€" in row
    assert ">AB <span" in row
    assert "(partiel)" in row


async def test_fully_lettered_row_is_not_marked_partial(logged_in, portal_data):
    response = await logged_in.get(f"/creanciers/{portal_data.first.id}/etat-de-compte", params={"view": "all"})
    row = row_of(await response.text(), "FA-0004")

    assert ">AA<" in row
    assert "(partiel)" not in row


async def test_statement_total_line_and_subtotal(logged_in, portal_data):
    _status, html = await statement_html(logged_in, portal_data.first.id)
    footer = unescape(html[html.index("<tfoot>") : html.index("</tfoot>")])

    assert f"2{NNBSP}974,56{NBSP}€" in footer
    assert 'id="select-all"' in html
    assert f"Total sélectionné{NBSP}: 0,00{NBSP}€" in unescape(html)


async def test_all_view_payments_unselectable(logged_in, portal_data):
    _status, html = await statement_html(logged_in, portal_data.first.id, "?view=all")
    payment = row_of(html, "VIR-501")
    paid_invoice = row_of(html, "FA-0004")

    assert "Règlement VIR-501" in payment
    assert "row-select" not in payment
    assert f"500,00{NBSP}€" in payment
    assert "Imputé" in payment
    assert "row-select" not in paid_invoice
    assert "Réglée" in paid_invoice


async def test_statement_filters_by_document_number(logged_in, portal_data):
    _status, html = await statement_html(logged_in, portal_data.first.id, "?view=all&number=fa-0003")
    numbers = re.findall(r'data-document-number="([^"]*)"', html)

    assert numbers == ["FA-0003"]
    assert 'value="fa-0003"' in html


async def test_statement_empty_result_message(logged_in, portal_data):
    status, html = await statement_html(logged_in, portal_data.first.id, "?number=ZZ-9999")

    assert status == 200
    assert f"Aucune écriture ne correspond à «{NBSP}ZZ-9999{NBSP}» dans «{NBSP}Factures non réglées{NBSP}»" in html
    assert 'id="statement-table"' not in html


async def test_statement_invalid_filter_shows_ledger_message(logged_in, portal_data):
    status, html = await statement_html(logged_in, portal_data.first.id, "?view=all&date_from=2026-13-45")

    assert status == 422
    assert "La date de début « 2026-13-45 » n’existe pas" in unescape(html).replace("\u00a0", " ")
    assert 'id="filter-from"' in html


async def test_unknown_view_shows_default_view(logged_in, portal_data):
    status, html = await statement_html(logged_in, portal_data.first.id, "?view=year")
    numbers = re.findall(r'data-document-number="([^"]*)"', html)

    assert status == 200
    assert sorted(numbers) == ["FA-0001", "FA-0002", "FA-0003"]
    assert '<option value="unpaid" selected>Factures non réglées</option>' in html
    assert "year" not in html
    assert "Affichage «" not in unescape(html)


async def test_api_keeps_unknown_view_error(logged_in, portal_data):
    response = await logged_in.get(f"/api/v1/creditors/{portal_data.first.id}/statement", params={"view": "year"})
    body = await response.json()

    assert response.status == 422
    assert body["error"]["code"] == "invalid_filter"
    assert f"«{NBSP}unpaid{NBSP}» ou «{NBSP}all{NBSP}»" in body["error"]["message"]


async def test_statement_pagination_keeps_filters(logged_in, portal_data, ledger_service):
    fec = FecBuilder()
    for index in range(55):
        fec.invoice("C1001", f"FP-{index:04d}", days_ago(20), "10.00")
    await import_fec(ledger_service, portal_data.first.id, fec)

    _status, first_page = await statement_html(logged_in, portal_data.first.id, "?view=unpaid&number=FP")
    _status, second_page = await statement_html(logged_in, portal_data.first.id, "?view=unpaid&number=FP&page=2")
    first_numbers = re.findall(r'data-document-number="([^"]*)"', first_page)
    second_numbers = re.findall(r'data-document-number="([^"]*)"', second_page)

    assert len(first_numbers) == 50
    assert len(second_numbers) == 5
    assert 'href="/creanciers/' in first_page
    assert "view=unpaid&amp;number=FP&amp;page=2" in first_page
    assert '<span aria-current="page">2</span>' in second_page


async def test_statement_page_has_menu_and_breadcrumb(logged_in, portal_data):
    _status, html = await statement_html(logged_in, portal_data.first.id)
    breadcrumb = html[html.index('class="breadcrumb"') : html.index("</nav>", html.index('class="breadcrumb"'))]

    for label in ("État de compte", "Litiges", "Nous contacter", "Informations compte", "Règlement"):
        assert f">{label}</a>" in html
    assert '<a href="/">Accueil</a>' in breadcrumb
    assert '<span aria-current="page">État de compte</span>' in breadcrumb


async def test_other_areas_say_coming_soon(logged_in):
    for path, label in (
        ("/litiges", "Litiges"),
        ("/reglement", "Règlement"),
    ):
        response = await logged_in.get(path)
        html = await response.text()

        assert response.status == 200, path
        assert "Cette rubrique sera bientôt disponible." in html, path
        assert f'<span aria-current="page">{label}</span>' in html, path


async def test_home_redirects_to_statement(logged_in):
    response = await logged_in.get("/", allow_redirects=False)

    assert response.status == 302
    assert response.headers["Location"] == "/etat-de-compte"


async def add_old_debt_and_unallocated_payment(ledger_service, creditor_id: str) -> None:
    fec = FecBuilder(next_entry=10)
    fec.invoice("C2002", "FB-0000", days_ago(400), "300.00")
    fec.payment("C2002", "VIR-777", days_ago(4), "100.00")
    await import_fec(ledger_service, creditor_id, fec)


async def test_all_view_shows_brought_forward_balance(logged_in, portal_data, ledger_service):
    await add_old_debt_and_unallocated_payment(ledger_service, portal_data.second.id)

    _status, html = await statement_html(logged_in, portal_data.second.id, "?view=all")
    brought_forward = unescape(re.search(r'<tr class="brought-forward"[^>]*>.*?</tr>', html, re.S).group(0))
    total = unescape(re.search(r'<tr class="total"[^>]*>.*?</tr>', html, re.S).group(0))

    assert f"Solde au {days_ago(366).strftime('%d/%m/%Y')}" in brought_forward
    assert f"300,00{NBSP}€" in brought_forward
    assert f"1{NNBSP}299,00{NBSP}€" in total
    assert f"1{NNBSP}199,00{NBSP}€" in total


async def test_unpaid_view_and_ageing_count_unallocated_payment(logged_in, portal_data, ledger_service):
    await add_old_debt_and_unallocated_payment(ledger_service, portal_data.second.id)

    _status, html = await statement_html(logged_in, portal_data.second.id)
    payment = row_of(html, "VIR-777")
    ageing = unescape(re.search(r'<table class="ageing-table".*?</table>', html, re.S).group(0))

    assert "Règlement VIR-777" in payment
    assert 'class="row-select"' not in payment
    assert f"\u2212100,00{NBSP}€" in payment
    assert f"Total restant dû</th><td class=\"num\">1{NNBSP}299,00{NBSP}€" in ageing
    assert "Règlements et avoirs non imputés" in ageing
    assert f"Solde dû</th><td class=\"num\">1{NNBSP}199,00{NBSP}€" in ageing


async def test_page_past_end_says_so(logged_in, portal_data):
    _status, html = await statement_html(logged_in, portal_data.first.id, "?page=5")

    assert f"La page 5 n’existe pas{NBSP}: cette sélection compte 1{NBSP}page." in unescape(html)
    assert "Aucune écriture ne correspond" not in unescape(html)


async def test_page_in_other_digits_shows_first_page(logged_in, portal_data):
    # « ٣ » is the Arabic-Indic digit three, and « ² » a superscript that str.isdigit accepts but int() rejects.
    for page in ("%D9%A3", "%C2%B2"):
        status, html = await statement_html(logged_in, portal_data.first.id, f"?page={page}")

        assert status == 200, page
        assert "n’existe pas" not in unescape(html), page
        row_of(html, "FA-0002")


async def test_empty_period_still_shows_brought_forward(logged_in, portal_data, ledger_service):
    await add_old_debt_and_unallocated_payment(ledger_service, portal_data.second.id)
    period = f"?view=all&date_from={days_ago(300).isoformat()}&date_to={days_ago(200).isoformat()}"

    _status, html = await statement_html(logged_in, portal_data.second.id, period)
    text = unescape(html)

    assert f"Aucune écriture sur cette période{NBSP}: le solde des écritures antérieures figure ci-dessous." in text
    assert '<tr class="brought-forward"' in html
    assert f"300,00{NBSP}€" in text


TOTALS_NOTE = "Débit moins Crédit peut donc différer du Reste dû."
CREDITS_NOTE = "Cette vue liste aussi les règlements et avoirs pas encore imputés sur une facture"


async def test_partly_paid_total_has_note(logged_in, portal_data):
    # FA-0001 counts 2 000,00 € in Débit and its 1 500,00 € left in Reste dû.
    _status, html = await statement_html(logged_in, portal_data.first.id)
    text = unescape(html)

    assert TOTALS_NOTE in text
    assert CREDITS_NOTE not in text


async def test_unpaid_view_notes_unallocated_credits(logged_in, portal_data, ledger_service):
    await add_old_debt_and_unallocated_payment(ledger_service, portal_data.second.id)

    _status, html = await statement_html(logged_in, portal_data.second.id)

    assert CREDITS_NOTE in unescape(html)


async def test_paginated_totals_name_their_rows(logged_in, portal_data, ledger_service):
    fec = FecBuilder()
    for index in range(55):
        fec.invoice("C1001", f"FQ-{index:04d}", days_ago(20), "10.00")
    await import_fec(ledger_service, portal_data.first.id, fec)

    _status, html = await statement_html(logged_in, portal_data.first.id, "?view=unpaid&number=FQ")
    text = unescape(html)

    assert f"Total des 55{NBSP}écritures (toutes les pages)" in text
    assert "Sélectionner tout (cette page)" in text


async def test_single_page_totals_say_total(logged_in, portal_data):
    _status, html = await statement_html(logged_in, portal_data.first.id)
    text = unescape(html)

    assert '<th scope="row" colspan="4" role="rowheader">Total</th>' in text
    assert "(cette page)" not in text


async def test_new_account_reads_empty_statement(gateway, accounts_pool, portal_data):
    # The creditor has imported nothing yet for this agency's account.
    new_account = CreditorAccount(portal_data.second.id, portal_data.second.name, "C2999")
    agency = await create_agency_login(accounts_pool, [new_account])
    await log_in(gateway, agency.login, agency.password)

    status, html = await statement_html(gateway, new_account.id)
    _all_status, all_html = await statement_html(gateway, new_account.id, "?view=all")
    api = await gateway.get(f"/api/v1/creditors/{new_account.id}/statement")

    assert status == 200
    assert "Aucune facture à régler pour le moment." in unescape(html)
    assert "Aucune écriture sur les douze derniers mois." in unescape(all_html)
    assert api.status == 200
    assert (await api.json())["rows"] == []


async def test_creditor_without_identity_explains_missing_pdfs(gateway, accounts_pool, ledger_service):
    creditor_id = await create_creditor(accounts_pool, ledger_service, "Créancier Sans Identité", identity=False)
    creditor = CreditorAccount(creditor_id, "Créancier Sans Identité", "C4001")
    fec = FecBuilder()
    fec.invoice("C4001", "FN-0001", days_ago(5), "120.00")
    await import_fec(ledger_service, creditor_id, fec)
    agency = await create_agency_login(accounts_pool, [creditor])
    await log_in(gateway, agency.login, agency.password)

    _status, html = await statement_html(gateway, creditor_id)
    text = unescape(html)

    assert 'data-has-pdf="false"' in row_of(html, "FN-0001")
    assert ">PDF<" not in row_of(html, "FN-0001")
    assert "Les PDF des factures et avoirs ne sont pas encore disponibles" in text
