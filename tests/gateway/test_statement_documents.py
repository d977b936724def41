"""PDF links, export buttons and the ageing chart on the État de compte page."""

from __future__ import annotations

import re
from html import unescape

from gateway.portal.ageing_chart import MAX_BAR_WIDTH, ROW_HEIGHT, build_ageing_chart
from tests.gateway.support import FecBuilder, days_ago, import_fec
from tests.gateway.test_ledger_files import pdf_text, with_identity  # noqa: F401 (with_identity is a fixture)
from tests.gateway.test_statement_page import row_of, statement_html

NNBSP = "\u202f"
NBSP = "\u00a0"


def pdf_link_of(row: str) -> str:
    match = re.search(r'<a class="pdf-link"[^>]*>PDF</a>', row)
    if match is None:
        raise AssertionError(f"no PDF link in {row!r}")
    return match.group(0)


def row_id_of(row: str) -> str:
    match = re.search(r'data-row-id="(\d+)"', row)
    if match is None:
        raise AssertionError(f"no row id in {row!r}")
    return match.group(1)


def ageing_section(html: str) -> str:
    start = html.index('<section class="ageing"')
    return unescape(html[start : html.index("</section>", start)])


async def test_invoice_rows_link_their_pdf(logged_in, portal_data):
    _status, html = await statement_html(logged_in, portal_data.first.id)
    row = row_of(html, "FA-0002")
    link = pdf_link_of(row)
    url = f"/creanciers/{portal_data.first.id}/documents/FA-0002.pdf?entry={row_id_of(row)}"

    assert f'data-pdf-url="{url}"' in row
    assert f'href="{url}"' in link
    assert 'target="_blank"' in link
    assert 'rel="noopener"' in link
    assert f'aria-label="PDF de Facture n°{NBSP}FA-0002 (nouvel onglet)"' in link
    assert "Imprimer du lecteur PDF du navigateur" in link


async def test_payment_rows_have_no_pdf_link(logged_in, portal_data):
    _status, html = await statement_html(logged_in, portal_data.first.id, "?view=all")
    payment = row_of(html, "VIR-501")

    assert 'data-has-pdf="false"' in payment
    assert "data-pdf-url" not in payment
    assert "pdf-link" not in payment


async def test_pdf_link_encodes_document_number(logged_in, portal_data, ledger_service):
    fec = FecBuilder()
    fec.invoice("C1001", "FA  220001", days_ago(4), "48.00")
    fec.invoice("C1001", "FA/2026/7", days_ago(4), "60.00")
    await import_fec(ledger_service, portal_data.first.id, fec)

    _status, html = await statement_html(logged_in, portal_data.first.id, "?view=all&number=FA")
    spaced = row_of(html, "FA  220001")
    slashed = row_of(html, "FA/2026/7")

    assert f'href="/creanciers/{portal_data.first.id}/documents/FA%20%20220001.pdf?entry={row_id_of(spaced)}"' in spaced
    assert f'href="/creanciers/{portal_data.first.id}/documents/FA%2F2026%2F7.pdf?entry={row_id_of(slashed)}"' in slashed


async def test_shared_number_rows_link_own_entry(with_identity, logged_in, portal_data, ledger_service):
    fec = FecBuilder()
    fec.invoice("C1001", "VE  0523", days_ago(6), "1008.86")
    fec.invoice("C1001", "VE  0523", days_ago(5), "893.19")
    await import_fec(ledger_service, portal_data.first.id, fec)

    _status, html = await statement_html(logged_in, portal_data.first.id, "?view=all&number=VE")
    rows = re.findall(r'<tr data-row-id="\d+"[^>]*data-document-number="VE  0523".*?</tr>', html, re.DOTALL)
    links = [unescape(re.search(r'href="([^"]+)"', pdf_link_of(row)).group(1)) for row in rows]
    opened = [await logged_in.get(link) for link in links]
    texts = [pdf_text(await response.read()) for response in opened]
    number_only = await logged_in.get(f"/creanciers/{portal_data.first.id}/documents/VE%20%200523.pdf")
    page = unescape(await number_only.text())

    assert len(rows) == 2
    assert len(set(links)) == 2
    assert [response.status for response in opened] == [200, 200]
    assert sorted(text.count("1\u202f008,86\u00a0€") > 0 for text in texts) == [False, True]
    assert sorted(text.count("893,19\u00a0€") > 0 for text in texts) == [False, True]
    assert number_only.status == 409
    assert number_only.headers["Content-Type"].startswith("text/html")
    assert "2 documents de votre compte portent le n°\u00a0VE  0523" in page


async def test_export_buttons_carry_filters(logged_in, portal_data):
    _status, html = await statement_html(logged_in, portal_data.first.id, "?view=all&number=fa-00&page=1")
    text = unescape(html)
    base = f"/creanciers/{portal_data.first.id}"

    assert f'<a class="button button--secondary" href="{base}/releve.csv?view=all&number=fa-00">Exporter en CSV</a>' in text
    assert f'href="{base}/releve.pdf?view=all&number=fa-00" target="_blank"' in text
    assert ">Relevé PDF</a>" in text


async def test_export_buttons_use_default_view(logged_in, portal_data):
    _status, html = await statement_html(logged_in, portal_data.first.id)

    assert f'href="/creanciers/{portal_data.first.id}/releve.csv?view=unpaid"' in html
    assert f'href="/creanciers/{portal_data.first.id}/releve.pdf?view=unpaid"' in html


async def test_page_explains_double_click_and_printing(logged_in, portal_data):
    _status, html = await statement_html(logged_in, portal_data.first.id)

    assert "Double-cliquez sur une ligne pour ouvrir son PDF" in unescape(html)
    assert "imprimez-le depuis le lecteur PDF du navigateur" in unescape(html)


async def test_ageing_table_shows_french_amounts(logged_in, portal_data):
    _status, html = await statement_html(logged_in, portal_data.first.id)
    section = ageing_section(html)
    rows = dict(re.findall(r'<tr data-bucket="(\w+)"><th scope="row">[^<]+</th><td class="num">([^<]+)</td></tr>', section))

    assert f"Balance âgée <span class=\"ageing-as-of\">au {days_ago(0):%d/%m/%Y}</span>" in section
    assert rows == {
        "not_due": f"2{NNBSP}734,56{NBSP}€",
        "days_1_30": f"240,00{NBSP}€",
        "days_31_60": f"0,00{NBSP}€",
        "days_61_90": f"0,00{NBSP}€",
        "over_90": f"0,00{NBSP}€",
    }
    assert f'<th scope="row">Total restant dû</th><td class="num">2{NNBSP}974,56{NBSP}€</td>' in section


async def test_ageing_chart_bars_scale_to_largest(logged_in, portal_data):
    _status, html = await statement_html(logged_in, portal_data.first.id)
    section = ageing_section(html)
    widths = dict(re.findall(r'<g class="ageing-bar ageing-bar--(\w+)">.*?<rect [^>]*width="([\d.]+)"', section, re.S))
    labels = re.findall(r'<text class="ageing-label"[^>]*>([^<]+)</text>', section)

    assert '<svg class="ageing-chart"' in section
    assert 'aria-hidden="true"' in section
    assert labels == ["Non échu", "1 à 30 jours", "31 à 60 jours", "61 à 90 jours", "Plus de 90 jours"]
    assert widths["not_due"] == f"{MAX_BAR_WIDTH:.1f}"
    assert widths["days_1_30"] == "20.2"
    assert widths["over_90"] == "0.0"
    assert f"2{NNBSP}734,56{NBSP}€</text>" in section


async def test_ageing_shows_beside_filter_error(logged_in, portal_data):
    status, html = await statement_html(logged_in, portal_data.first.id, "?view=all&date_from=2026-13-45")

    assert status == 422
    assert '<section class="ageing"' in html


def test_ageing_chart_without_amount_due():
    ageing = {
        "as_of": "2026-07-31",
        "buckets": [
            {"key": key, "label": key, "amount": "0.00"}
            for key in ("not_due", "days_1_30", "days_31_60", "days_61_90", "over_90")
        ],
        "total": "0.00",
    }

    chart = build_ageing_chart(ageing)

    assert chart.as_of == "31/07/2026"
    assert chart.total == f"0,00{NBSP}€"
    assert [bar.bar_width for bar in chart.bars] == [0.0] * 5
    assert chart.height == 5 * ROW_HEIGHT
