"""Several documents of one account that share a number, as in real FEC files, each open by entry."""

from __future__ import annotations

import io

from pypdf import PdfReader

from services.ledger.importer import import_fec
from tests.ledger.test_import import fec_bytes, row
from tests.ledger.test_rendering import creditor_with_identity
from tests.ledger.test_statement import invoice_rows

# PieceRef made of the journal and the month, as some accounting software writes it.
SHARED_NUMBER = "VE  0523"


def pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


async def creditor_with_shared_number(pool) -> tuple[str, dict[str, int]]:
    """Import two invoices and a credit note of C001 numbered SHARED_NUMBER, and an invoice of C002.

    Returns the creditor and the entry ids keyed by "account total".
    """
    creditor = await creditor_with_identity(pool)
    lines = [
        *invoice_rows(SHARED_NUMBER, "1", "20230505", "C001", "1008,86"),
        *invoice_rows(SHARED_NUMBER, "2", "20230512", "C001", "893,19"),
        row("VE", "3", "20230520", "411000", "C001", SHARED_NUMBER, "Avoir", "", "102,59"),
        row("VE", "3", "20230520", "706000", "", SHARED_NUMBER, "Avoir", "85,49", ""),
        row("VE", "3", "20230520", "445710", "", SHARED_NUMBER, "TVA", "17,10", ""),
        *invoice_rows(SHARED_NUMBER, "4", "20230525", "C002", "485,75"),
    ]
    await import_fec(pool, creditor, fec_bytes(*lines), file_name="shared.txt")
    rows = await pool.fetch(
        "SELECT id, customer_account, debit + credit AS total FROM entries WHERE creditor_id = $1", creditor
    )
    ids = {f"{entry['customer_account']} {entry['total']}": entry["id"] for entry in rows}
    return creditor, ids


def pdf_path(creditor: str, entry: int | str | None = None) -> str:
    path = f"/creditors/{creditor}/documents/VE%20%200523/pdf"
    return path if entry is None else f"{path}?entry={entry}"


async def test_shared_number_alone_is_409(ledger_service, ledger_pool):
    creditor, ids = await creditor_with_shared_number(ledger_pool)
    headers = ledger_service.headers_for(accounts=((creditor, "C001"),))

    response = await ledger_service.client.get(pdf_path(creditor), headers=headers)
    error = (await response.json())["error"]

    assert response.status == 409
    assert error["code"] == "document_number_ambiguous"
    assert "3 documents de votre compte portent le n°\u00a0VE  0523" in error["message"]
    assert "relevé de compte" in error["message"]
    assert [candidate["entry"] for candidate in error["details"]["candidates"]] == [
        ids["C001 1008.86"], ids["C001 893.19"], ids["C001 102.59"]
    ]
    assert [candidate["kind"] for candidate in error["details"]["candidates"]] == [
        "invoice", "invoice", "credit_note"
    ]


async def test_shared_number_opens_each_entry(ledger_service, ledger_pool):
    creditor, ids = await creditor_with_shared_number(ledger_pool)
    headers = ledger_service.headers_for(accounts=((creditor, "C001"),))

    texts = {}
    for key in ("C001 1008.86", "C001 893.19", "C001 102.59"):
        response = await ledger_service.client.get(pdf_path(creditor, ids[key]), headers=headers)
        assert response.status == 200, key
        texts[key] = pdf_text(await response.read())
    stored = await ledger_pool.fetch(
        "SELECT f.entry_id FROM document_files f JOIN entries e ON e.id = f.entry_id WHERE e.creditor_id = $1",
        creditor,
    )

    assert "FACTURE" in texts["C001 1008.86"]
    assert "1\u202f008,86\u00a0€" in texts["C001 1008.86"]
    assert "893,19\u00a0€" in texts["C001 893.19"]
    assert "AVOIR" in texts["C001 102.59"]
    assert "102,59\u00a0€" in texts["C001 102.59"]
    assert {ids["C001 1008.86"], ids["C001 893.19"]} <= {row["entry_id"] for row in stored}


async def test_entry_of_other_account_is_404(ledger_service, ledger_pool):
    creditor, ids = await creditor_with_shared_number(ledger_pool)
    headers = ledger_service.headers_for(accounts=((creditor, "C001"),))

    foreign = await ledger_service.client.get(pdf_path(creditor, ids["C002 485.75"]), headers=headers)
    foreign_error = (await foreign.json())["error"]

    assert foreign.status == 404
    assert foreign_error["code"] == "document_not_found"


async def test_entry_with_other_number_is_404(ledger_service, ledger_pool):
    creditor, ids = await creditor_with_shared_number(ledger_pool)
    headers = ledger_service.headers_for(accounts=((creditor, "C001"),))

    response = await ledger_service.client.get(
        f"/creditors/{creditor}/documents/FA-1/pdf?entry={ids['C001 893.19']}", headers=headers
    )

    assert response.status == 404


async def test_invalid_entry_parameter_is_404(ledger_service, ledger_pool):
    creditor, _ids = await creditor_with_shared_number(ledger_pool)
    headers = ledger_service.headers_for(accounts=((creditor, "C001"),))

    for entry in ("abc", "-1", "0", "1.5", "99999999999999999999", "٣"):
        response = await ledger_service.client.get(pdf_path(creditor, entry), headers=headers)
        assert response.status == 404, entry


async def test_unique_number_needs_no_entry(ledger_service, ledger_pool):
    creditor, _ids = await creditor_with_shared_number(ledger_pool)
    headers = ledger_service.headers_for(accounts=((creditor, "C002"),))

    response = await ledger_service.client.get(pdf_path(creditor), headers=headers)

    assert response.status == 200
    assert "485,75\u00a0€" in pdf_text(await response.read())


def download_name(response) -> str:
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('inline; filename="'), disposition
    return disposition.removeprefix('inline; filename="').removesuffix('"')


async def test_shared_number_pdf_names_add_date(ledger_service, ledger_pool):
    creditor, ids = await creditor_with_shared_number(ledger_pool)
    headers = ledger_service.headers_for(accounts=((creditor, "C001"),))

    names = {}
    for key in ("C001 1008.86", "C001 893.19", "C001 102.59"):
        response = await ledger_service.client.get(pdf_path(creditor, ids[key]), headers=headers)
        assert response.status == 200, key
        names[key] = download_name(response)

    assert names["C001 1008.86"] == f"{creditor}-VE__0523-2023-05-05.pdf"
    assert names["C001 893.19"] == f"{creditor}-VE__0523-2023-05-12.pdf"
    assert names["C001 102.59"] == f"{creditor}-VE__0523-2023-05-20.pdf"


async def test_shared_number_same_date_adds_entry(ledger_service, ledger_pool):
    creditor = await creditor_with_identity(ledger_pool)
    lines = [
        *invoice_rows(SHARED_NUMBER, "1", "20230505", "C001", "1008,86"),
        *invoice_rows(SHARED_NUMBER, "2", "20230505", "C001", "893,19"),
        *invoice_rows(SHARED_NUMBER, "3", "20230512", "C001", "120,00"),
    ]
    await import_fec(ledger_pool, creditor, fec_bytes(*lines), file_name="same-date.txt")
    rows = await ledger_pool.fetch(
        "SELECT id, debit FROM entries WHERE creditor_id = $1 ORDER BY id", creditor
    )
    ids = {str(entry["debit"]): entry["id"] for entry in rows}
    headers = ledger_service.headers_for(accounts=((creditor, "C001"),))

    names = {}
    for total, entry in ids.items():
        response = await ledger_service.client.get(pdf_path(creditor, entry), headers=headers)
        assert response.status == 200, total
        names[total] = download_name(response)

    assert names["1008.86"] == f"{creditor}-VE__0523-2023-05-05-{ids['1008.86']}.pdf"
    assert names["893.19"] == f"{creditor}-VE__0523-2023-05-05-{ids['893.19']}.pdf"
    assert names["120.00"] == f"{creditor}-VE__0523-2023-05-12.pdf"


async def test_unique_number_keeps_simple_pdf_name(ledger_service, ledger_pool):
    creditor, _ids = await creditor_with_shared_number(ledger_pool)
    headers = ledger_service.headers_for(accounts=((creditor, "C002"),))

    response = await ledger_service.client.get(pdf_path(creditor), headers=headers)
    revalidated = await ledger_service.client.get(
        pdf_path(creditor), headers={**headers, "If-None-Match": response.headers["ETag"]}
    )

    assert response.status == 200
    assert download_name(response) == f"{creditor}-VE__0523.pdf"
    assert revalidated.status == 304
    assert download_name(revalidated) == f"{creditor}-VE__0523.pdf"
