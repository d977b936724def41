"""The file name and encoding given with an uploaded FEC file: too long or with a control character, they are rejected."""

from __future__ import annotations

import pytest

from tests.ledger.test_import import new_creditor
from tests.ledger.test_import_long_values import invoice_file


async def post_import(ledger_service, creditor: str, query: str):
    response = await ledger_service.client.post(
        f"/creditors/{creditor}/imports/fec?{query}", data=invoice_file(), headers=ledger_service.system_headers()
    )
    return response, await response.json()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "file_name=juillet%0D.txt",
            "Paramètre file_name invalide\u00a0: le nom du fichier «\u00a0juillet[U+000D].txt\u00a0» contient un"
            " caractère de contrôle\u202f; retirez-le.",
        ),
        (
            "file_name=" + "a" * 256,
            "Paramètre file_name invalide\u00a0: le nom du fichier compte 256 caractères, pour un maximum de 255"
            "\u202f; raccourcissez-le.",
        ),
        (
            "encoding=utf-8%0A",
            "Paramètre encoding invalide\u00a0: le nom de l’encodage «\u00a0utf-8[U+000A]\u00a0» contient un"
            " caractère de contrôle\u202f; retirez-le.",
        ),
    ],
)
async def test_bad_query_text_is_rejected(ledger_service, ledger_pool, query, message):
    creditor = await new_creditor(ledger_pool)

    response, body = await post_import(ledger_service, creditor, query)

    assert response.status == 422
    assert body["error"]["message"] == message
    assert body["error"]["details"] == {"field": query.split("=")[0]}
    assert await ledger_pool.fetchval("SELECT count(*) FROM imports WHERE creditor_id = $1", creditor) == 0


async def test_file_name_of_max_length_is_kept(ledger_service, ledger_pool):
    creditor = await new_creditor(ledger_pool)
    file_name = "é" * 251 + ".txt"

    response, body = await post_import(ledger_service, creditor, f"file_name={file_name}")

    assert response.status == 200
    assert body["file_name"] == file_name
