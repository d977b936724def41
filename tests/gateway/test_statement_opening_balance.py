"""An invoice of an earlier year, carried forward by an opening balance, on the État de compte page."""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape

from tests.gateway.conftest import log_in
from tests.gateway.support import (
    CreditorAccount,
    FecBuilder,
    create_agency_login,
    create_creditor,
    days_ago,
    fec_line,
    import_fec,
)
from tests.gateway.test_statement_page import row_of

NNBSP = "\u202f"
NBSP = "\u00a0"


async def log_in_with_opening_balance(gateway, accounts_pool, ledger_service) -> CreditorAccount:
    """Log in an agency whose account opens with FA2025-000001 (418,80, overdue) and has FA2026-000034 (477,60)."""
    creditor_id = await create_creditor(accounts_pool, ledger_service, "Presse Immo Report")
    creditor = CreditorAccount(creditor_id, "Presse Immo Report", "C4004")
    fec = FecBuilder()
    opened = days_ago(500)
    amount = Decimal("418.80")
    fec.lines += [
        fec_line("AN", "1", opened, "411000", "C4004", "FA2025-000001", "A nouveau FA2025-000001", amount, None),
        fec_line("AN", "1", opened, "890000", "", "AN", "A nouveau", None, amount),
    ]
    fec.next_entry = 2
    fec.invoice("C4004", "FA2026-000034", days_ago(4), "477.60")
    await import_fec(ledger_service, creditor_id, fec)

    agency = await create_agency_login(accounts_pool, [creditor])
    response = await log_in(gateway, agency.login, agency.password)
    assert response.status == 302
    return creditor


async def test_opening_balance_row_has_checkbox(gateway, accounts_pool, ledger_service):
    creditor = await log_in_with_opening_balance(gateway, accounts_pool, ledger_service)

    response = await gateway.get(f"/creanciers/{creditor.id}/etat-de-compte")
    html = await response.text()
    opening = row_of(html, "FA2025-000001")

    assert response.status == 200
    assert 'data-kind="opening_balance"' in opening
    assert 'class="row-select"' in opening
    assert 'data-amount-due="418.80"' in opening
    assert 'aria-label="Sélectionner Report à nouveau FA2025-000001"' in opening
    assert "Échue" in opening


async def test_select_all_reaches_amount_due(gateway, accounts_pool, ledger_service):
    creditor = await log_in_with_opening_balance(gateway, accounts_pool, ledger_service)

    response = await gateway.get(f"/creanciers/{creditor.id}/etat-de-compte")
    html = await response.text()
    selectable = [Decimal(amount) for amount in re.findall(r'class="row-select"[^>]*data-amount-due="([^"]+)"', html)]
    footer = unescape(html[html.index("<tfoot>") : html.index("</tfoot>")])

    assert sum(selectable) == Decimal("896.40")
    assert f"896,40{NBSP}€" in footer


async def test_opening_balance_without_document_has_no_pdf_link(gateway, accounts_pool, ledger_service):
    creditor = await log_in_with_opening_balance(gateway, accounts_pool, ledger_service)

    response = await gateway.get(f"/creanciers/{creditor.id}/etat-de-compte")
    opening = row_of(await response.text(), "FA2025-000001")

    assert 'data-has-pdf="false"' in opening
    assert "pdf-link" not in opening
    assert "data-pdf-url" not in opening


async def test_all_view_counts_older_line_in_brought_forward(gateway, accounts_pool, ledger_service):
    creditor = await log_in_with_opening_balance(gateway, accounts_pool, ledger_service)

    response = await gateway.get(f"/creanciers/{creditor.id}/etat-de-compte", params={"view": "all"})
    html = await response.text()
    numbers = re.findall(r'data-document-number="([^"]*)"', html)
    brought_forward = unescape(re.search(r'<tr class="brought-forward"[^>]*>.*?</tr>', html, re.S).group(0))

    assert numbers == ["FA2026-000034"]
    assert f"418,80{NBSP}€" in brought_forward
