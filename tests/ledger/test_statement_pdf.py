"""The statement as a PDF « Relevé de compte »: route, layout text, totals and paging."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from decimal import Decimal

from pypdf import PdfReader

from services.ledger import export_routes
from services.ledger.creditors import upsert_creditor
from services.ledger.documents.format import format_amount
from services.ledger.domain import designation, paris_today
from services.ledger.importer import import_fec
from services.ledger.statement import StatementFilter, StatementView
from services.ledger.statement_pdf import describe_filter, render_statement_pdf, statement_totals
from tests.conftest import unique_id
from tests.ledger.test_import import fec_bytes
from tests.ledger.pdf_cells import record_overflowing_cells
from tests.ledger.test_statement import day, invoice_rows, seed

NNBSP = "\u202f"
NBSP = "\u00a0"
HEADINGS = "Désignation Date Échéance Débit Crédit Lettrage Reste dû État"


def pdf_pages(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def row_text(text: str, designation_start: str) -> str:
    """Return the extracted lines of the table row whose designation starts with `designation_start`.

    pypdf extracts a row whose cells wrap as several lines, so the row runs
    up to the next line that starts another row or the totals.
    """
    lines = text.splitlines()
    start = next(index for index, line in enumerate(lines) if line.startswith(designation_start))
    end = next(
        (index for index in range(start + 1, len(lines)) if lines[index].startswith(ROW_STARTS)),
        len(lines),
    )
    return "\n".join(lines[start:end])


ROW_STARTS = ("Facture", "Avoir", "Règlement", "Total (")


def total_line(text: str) -> str:
    match = re.search(r"^Total \(\d+ écritures?\) .*$", text, re.M)
    if match is None:
        raise AssertionError(f"no total line in {text!r}")
    return match.group(0)


async def get_pdf(service, creditor, account, **query):
    headers = service.headers_for(accounts=((creditor, account),))
    return await service.client.get(f"/creditors/{creditor}/statement.pdf", params=query, headers=headers)


async def get_json_totals(service, creditor, account, **query):
    headers = service.headers_for(accounts=((creditor, account),))
    response = await service.client.get(f"/creditors/{creditor}/statement", params=query, headers=headers)
    return (await response.json())["totals"]


async def test_statement_pdf_served_inline(ledger_service, ledger_pool):
    creditor = await seed(ledger_pool)

    response = await get_pdf(ledger_service, creditor, "C001")
    content = await response.read()

    assert response.status == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == f'inline; filename="releve-{creditor}-C001.pdf"'
    assert response.headers["Cache-Control"] == "no-store"
    assert content.startswith(b"%PDF-")


async def test_statement_pdf_has_french_headers(ledger_service, ledger_pool):
    creditor = await seed(ledger_pool)

    response = await get_pdf(ledger_service, creditor, "C001", view="all")
    text = pdf_pages(await response.read())[0]

    assert text.startswith("Relevé de compte\n")
    assert f"Créancier{NBSP}: Créancier de test" in text
    assert f"Client{NBSP}: Agence\nCompte client{NBSP}: C001" in text
    assert f"Sélection{NBSP}: Toutes les écritures datées depuis le " in text
    assert f"Date d’édition{NBSP}: {paris_today():%d/%m/%Y}" in text
    assert HEADINGS in text


async def test_statement_pdf_french_formats(ledger_service, ledger_pool):
    creditor = await seed(ledger_pool)
    issued = paris_today() - timedelta(days=10)

    response = await get_pdf(ledger_service, creditor, "C001", view="all")
    text = pdf_pages(await response.read())[0]
    row = row_text(text, f"Facture n°{NBSP}FA220002")

    assert f"2{NNBSP}000,00{NBSP}€" in row
    assert f"1{NNBSP}500,00{NBSP}€" in row
    assert issued.strftime("%d/%m/%Y") in row
    assert "AB" in row
    # « Partiellement réglée » wraps onto two lines in the État column.
    assert "Partiellement\nréglée" in row
    assert f"Facture n°{NBSP}FA  220001" in text
    assert "Règlement VIR2" in text


async def test_statement_pdf_marks_partial_lettering(ledger_service, ledger_pool):
    creditor = await seed(ledger_pool)

    response = await get_pdf(ledger_service, creditor, "C001", view="all")
    text = pdf_pages(await response.read())[0]
    partial_invoice = row_text(text, f"Facture n°{NBSP}FA220002")
    partial_payment = row_text(text, "Règlement VIR2")
    lettered_invoice = row_text(text, f"Facture n°{NBSP}FA  220001")

    # « AB (partiel) » wraps in the Lettrage column, so pypdf reads it as « AB », a line break, « (partiel) ».
    assert "AB\n(partiel)" in partial_invoice
    assert "AB\n(partiel)" in partial_payment
    assert " AA " in lettered_invoice
    assert "(partiel)" not in lettered_invoice
    assert f"«{NBSP}(partiel){NBSP}» dans Lettrage{NBSP}: les écritures de ce code de lettrage" in text


async def test_statement_pdf_without_partial_has_no_note(ledger_service, ledger_pool):
    creditor = await seed(ledger_pool)

    response = await get_pdf(ledger_service, creditor, "C001", view="all", number="FA  220001")
    text = pdf_pages(await response.read())[0]

    assert " AA " in text
    assert "(partiel)" not in text


def test_statement_pdf_keeps_number_sign_with_number():
    rows = [
        {
            "designation": designation("invoice", "FA2026-000034"),
            "document_date": "2026-07-01",
            "due_date": "2026-07-31",
            "debit": "477.60",
            "credit": "0.00",
            "lettering": None,
            "amount_due": "477.60",
            "state_label": "Non réglée",
        },
        {
            "designation": designation("credit_note", "2026 000012 annonces juillet"),
            "document_date": "2026-07-05",
            "due_date": None,
            "debit": "0.00",
            "credit": "12.00",
            "lettering": None,
            "amount_due": "-12.00",
            "state_label": "Non imputé",
        },
    ]

    content = render_statement_pdf("Créancier", "C001", rows, statement_totals(rows), "Tout", date(2026, 7, 31))
    lines = pdf_pages(content)[0].splitlines()

    assert any(line.startswith(f"Facture n°{NBSP}FA2026-000034 01/07/2026") for line in lines)
    assert any(line.startswith(f"Avoir n°{NBSP}2026") for line in lines)
    assert not any(line.rstrip().endswith("n°") for line in lines)


async def test_statement_pdf_totals_match_json(ledger_service, ledger_pool):
    creditor = await seed(ledger_pool)

    for query in ({}, {"view": "all"}, {"view": "all", "number": "fa22"}):
        response = await get_pdf(ledger_service, creditor, "C001", **query)
        text = "\n".join(pdf_pages(await response.read()))
        totals = await get_json_totals(ledger_service, creditor, "C001", **query)
        expected = " ".join(format_amount(Decimal(totals[key])) for key in ("debit", "credit", "amount_due"))

        assert total_line(text).endswith(expected), query


async def test_statement_pdf_default_unpaid_view(ledger_service, ledger_pool):
    creditor = await seed(ledger_pool)

    response = await get_pdf(ledger_service, creditor, "C001")
    text = pdf_pages(await response.read())[0]

    assert f"Sélection{NBSP}: Factures non réglées\n" in text
    assert "Total (5 écritures)" in text
    assert "VIR2" not in text
    assert f"1{NNBSP}920,00{NBSP}€" in total_line(text)


async def test_statement_pdf_groups_row_count(ledger_service, ledger_pool):
    creditor = unique_id("cred")
    await upsert_creditor(ledger_pool, creditor, "Créancier chargé", "30 jours")
    lines = []
    for index in range(1000):
        lines += invoice_rows(f"FK{index:04d}", str(index + 1), day(-(index % 300)), "C001", "10,00")
    await import_fec(ledger_pool, creditor, fec_bytes(*lines), file_name="mille.txt")

    response = await get_pdf(ledger_service, creditor, "C001", view="all")
    pages = pdf_pages(await response.read())

    assert f"Total (1{NNBSP}000 écritures)" in pages[-1]


async def test_long_statement_pdf_paging(ledger_service, ledger_pool):
    creditor = unique_id("cred")
    await upsert_creditor(ledger_pool, creditor, "Créancier long", "30 jours")
    lines = []
    for index in range(90):
        lines += invoice_rows(f"FL{index:04d}", str(index + 1), day(-index), "C001", "1234,56")
    await import_fec(ledger_pool, creditor, fec_bytes(*lines), file_name="long.txt")

    response = await get_pdf(ledger_service, creditor, "C001")
    pages = pdf_pages(await response.read())

    assert len(pages) >= 3
    for number, text in enumerate(pages, start=1):
        assert f"Page {number}/{len(pages)}" in text
        assert HEADINGS in text
    for text in pages[1:]:
        assert text.startswith("Relevé de compte – Créancier long – compte C001 (suite)")
    assert "Total (90 écritures)" in pages[-1]
    assert f"111{NNBSP}110,40{NBSP}€" in total_line(pages[-1])


async def test_statement_pdf_foreign_account_404(ledger_service, ledger_pool):
    creditor = await seed(ledger_pool)
    other_creditor = ledger_service.headers_for(accounts=(("autre", "C001"),))
    unknown_creditor = ledger_service.headers_for(accounts=(("inconnu", "C001"),))

    unlinked = await ledger_service.client.get(f"/creditors/{creditor}/statement.pdf", headers=other_creditor)
    unknown = await ledger_service.client.get("/creditors/inconnu/statement.pdf", headers=unknown_creditor)

    assert unlinked.status == 404
    assert (await unlinked.json())["error"]["code"] == "not_found"
    assert unknown.status == 404


async def test_statement_pdf_of_account_without_entries(ledger_service, ledger_pool):
    creditor = await seed(ledger_pool)

    response = await get_pdf(ledger_service, creditor, "C404")
    text = "".join(pdf_pages(await response.read()))

    assert response.status == 200
    assert "Total (0 écriture)" in text


async def test_statement_pdf_rejects_invalid_filter(ledger_service, ledger_pool):
    creditor = await seed(ledger_pool)

    response = await get_pdf(ledger_service, creditor, "C001", view="all", date_from="2026-13-45")
    body = await response.json()

    assert response.status == 422
    assert body["error"]["code"] == "invalid_filter"
    assert "2026-13-45" in body["error"]["message"]


async def test_statement_pdf_row_limit(ledger_service, ledger_pool, monkeypatch):
    creditor = await seed(ledger_pool)
    monkeypatch.setattr(export_routes, "MAX_PDF_ROWS", 4)

    response = await get_pdf(ledger_service, creditor, "C001")
    body = await response.json()

    assert response.status == 422
    assert body["error"]["code"] == "statement_too_long"
    assert "compte 5 écritures" in body["error"]["message"]
    assert "exportez-le en CSV" in body["error"]["message"]


def test_statement_pdf_largest_amounts_fit(monkeypatch):
    # The feed accepts a document total up to 9 999 999 999 999,99 €, and the totals add up rows.
    row = {
        "designation": designation("invoice", "FA2026-000034"),
        "document_date": "2026-07-01",
        "due_date": "2026-07-31",
        "debit": "9999999999999.99",
        "credit": "0.00",
        "lettering": None,
        "amount_due": "9999999999999.99",
        "state_label": "Non réglée",
    }
    rows = [row, row | {"designation": designation("invoice", "FA2026-000035")}]
    overflows = record_overflowing_cells(monkeypatch)

    content = render_statement_pdf("Créancier", "C001", rows, statement_totals(rows), "Tout", date(2026, 7, 31))
    text = pdf_pages(content)[0]

    assert overflows == []
    assert f"9{NNBSP}999{NNBSP}999{NNBSP}999{NNBSP}999,99{NBSP}€" in text
    assert f"19{NNBSP}999{NNBSP}999{NNBSP}999{NNBSP}999,98{NBSP}€" in text


def test_statement_pdf_without_rows():
    totals = statement_totals([])

    text = pdf_pages(render_statement_pdf("Créancier", "C001", [], totals, "Factures non réglées", date(2026, 7, 31)))[0]

    assert "Aucune écriture ne correspond à cette sélection." in text
    assert f"Total (0 écriture) 0,00{NBSP}€ 0,00{NBSP}€ 0,00{NBSP}€" in text
    assert "Page 1/1" in text


def test_statement_pdf_undrawable_characters():
    rows = [
        {
            "designation": "Règlement ВИР-1",
            "document_date": "2026-07-01",
            "due_date": None,
            "debit": "0.00",
            "credit": "10.00",
            "lettering": None,
            "amount_due": "-10.00",
            "state_label": "Non imputé",
        }
    ]

    content = render_statement_pdf("Créancier Ω", "C001", rows, statement_totals(rows), "Tout", date(2026, 7, 31))
    text = pdf_pages(content)[0]

    assert f"Créancier{NBSP}: Créancier ?" in text
    assert "Règlement ???-1" in text


def test_statement_pdf_reproducible():
    rows = [
        {
            "designation": "Facture n° F-1",
            "document_date": "2026-07-01",
            "due_date": "2026-07-31",
            "debit": "12.00",
            "credit": "0.00",
            "lettering": None,
            "amount_due": "12.00",
            "state_label": "Non réglée",
        }
    ]
    arguments = ("Créancier", "C001", rows, statement_totals(rows), "Factures non réglées", date(2026, 7, 31))

    first = render_statement_pdf(*arguments)
    second = render_statement_pdf(*arguments)

    assert first == second


def test_statement_totals_signed_amounts():
    rows = [
        {"debit": "100.00", "credit": "0.00", "amount_due": "40.00"},
        {"debit": "0.00", "credit": "25.50", "amount_due": "-25.50"},
    ]

    totals = statement_totals(rows)

    assert totals == {"debit": "100.00", "credit": "25.50", "amount_due": "14.50"}


def test_describe_filter_cases():
    today = date(2026, 7, 31)
    cases = [
        (StatementFilter(), "Factures non réglées"),
        (StatementFilter(view=StatementView.ALL), "Toutes les écritures datées depuis le 31/07/2025"),
        (
            StatementFilter(view=StatementView.ALL, date_from=date(2026, 1, 1), date_to=date(2026, 6, 30)),
            "Toutes les écritures datées du 01/01/2026 au 30/06/2026",
        ),
        (StatementFilter(view=StatementView.ALL, date_to=date(2026, 6, 30)), "Toutes les écritures datées jusqu’au 30/06/2026"),
        (StatementFilter(date_from=date(2026, 1, 1)), "Factures non réglées émises depuis le 01/01/2026"),
        (StatementFilter(number="FA 22"), f"Factures non réglées, n° de document contenant «{NBSP}FA 22{NBSP}»"),
    ]

    for statement_filter, expected in cases:
        assert describe_filter(statement_filter, today) == expected


def test_statement_pdf_embeds_its_fonts():
    content = render_statement_pdf("Créancier", "C001", [], statement_totals([]), "Tout", date(2026, 7, 31))
    fonts = PdfReader(io.BytesIO(content)).pages[0]["/Resources"]["/Font"]
    descriptors = [
        font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
        for font in fonts.values()
    ]

    assert len(descriptors) == 2
    for descriptor in descriptors:
        assert "/FontFile2" in descriptor
        assert "DejaVuSans" in descriptor["/FontName"]


async def test_statement_pdf_prefers_agency_legal_name(ledger_service, ledger_pool):
    creditor = await seed(ledger_pool)
    await ledger_pool.execute(
        "UPDATE customer_accounts SET legal_name = 'Agence Étoile & Fils' WHERE creditor_id = $1 AND account_number = 'C001'",
        creditor,
    )

    response = await get_pdf(ledger_service, creditor, "C001")
    text = pdf_pages(await response.read())[0]

    assert f"Client{NBSP}: Agence Étoile & Fils" in text


def test_statement_pdf_without_customer_name():
    text = pdf_pages(render_statement_pdf("Créancier", "C001", [], statement_totals([]), "Tout", date(2026, 7, 31)))[0]

    assert f"Client{NBSP}:" not in text
    assert f"Compte client{NBSP}: C001" in text
