"""Control characters in an imported FEC file, followed to the stored entries, the invoice PDF and the HTTP response."""

from __future__ import annotations

import pytest
from facturx import get_xml_from_pdf

from services.ledger.documents import validate_cii_xml
from services.ledger.fec import FecValueError
from services.ledger.importer import import_fec
from services.ledger.rendering import stored_document
from tests.ledger.test_import import HEADER, new_creditor
from tests.ledger.test_rendering import creditor_with_identity


def invoice_file(customer_label: str, label: str = "Facture") -> bytes:
    day = "20260110"
    rows = [
        ["VE", "Ventes", "1", day, "411000", "Clients", "C001", customer_label, "FA1", day, label, "120,00", "", "",
         "", day, "", ""],
        ["VE", "Ventes", "1", day, "706000", "Ventes", "", "", "FA1", day, label, "", "100,00", "", "", day, "", ""],
        ["VE", "Ventes", "1", day, "445710", "TVA", "", "", "FA1", day, "TVA", "", "20,00", "", "", day, "", ""],
    ]
    return ("\n".join([HEADER, *("\t".join(row) for row in rows)]) + "\n").encode()


@pytest.mark.parametrize("character", ["\r", "\x0c", "\x01", "\x85", "\u2028"])
async def test_customer_label_control_still_renders_invoice(ledger_pool, character):
    creditor = await creditor_with_identity(ledger_pool)

    summary = await import_fec(ledger_pool, creditor, invoice_file(f"Agence{character}du Parc"), file_name="f.txt")
    label = await ledger_pool.fetchval("SELECT label FROM customer_accounts WHERE creditor_id = $1", creditor)
    document = await stored_document(ledger_pool, creditor, "C001", "FA1")
    xml = get_xml_from_pdf(document.content, check_xsd=False)[1]

    assert label == "Agence du Parc"
    assert summary.warnings[0].startswith("f.txt\u00a0: les libellés de la ligne 2 contenaient le caractère")
    assert b"Agence du Parc" in xml
    validate_cii_xml(xml)


async def test_nul_with_given_encoding_is_a_file_error(ledger_pool):
    creditor = await new_creditor(ledger_pool)

    with pytest.raises(FecValueError) as error:
        await import_fec(ledger_pool, creditor, invoice_file("Agence", "Fac\x00ture"), file_name="f.txt",
                         encoding="utf-8")

    assert error.value.column == "EcritureLib"
    assert await ledger_pool.fetchval("SELECT count(*) FROM imports WHERE creditor_id = $1", creditor) == 0
    assert await ledger_pool.fetchval("SELECT count(*) FROM entries WHERE creditor_id = $1", creditor) == 0


async def test_nul_over_http_is_422_in_french(ledger_service, ledger_pool):
    creditor = await new_creditor(ledger_pool)

    response = await ledger_service.client.post(
        f"/creditors/{creditor}/imports/fec?encoding=utf-8&file_name=f.txt",
        data=invoice_file("Agence", "Fac\x00ture"),
        headers=ledger_service.system_headers(),
    )
    error = (await response.json())["error"]

    assert response.status == 422
    assert error["code"] == "invalid_fec"
    assert error["message"].startswith(
        "Fichier FEC refusé, rien n’a été importé. f.txt, ligne 2, colonne EcritureLib\u00a0: «\u00a0Fac[U+0000]ture\u00a0»"
    )
    assert error["details"] == {"line": 2, "column": "EcritureLib", "value": "Fac\x00ture"}
