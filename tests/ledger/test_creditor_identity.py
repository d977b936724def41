"""A creditor's legal identity is checked like the seller of a document, so a PDF never fails on it."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from structlog.testing import capture_logs

from services.ledger.creditors import (
    CreditorIdentity,
    invalid_identity_field,
    set_creditor_identity,
    upsert_creditor,
)
from services.ledger.rendering import SellerIdentityIncomplete, stored_document
from tests.conftest import unique_id
from tests.ledger.test_feed import invoice_body
from tests.ledger.test_rendering import IDENTITY

VALID_IDENTITY = IDENTITY.model_dump(mode="json")

INVALID_FIELDS = [
    ("iban", "FR7630002012340001234567840", "l’IBAN (iban) est invalide"),
    ("siren", "123456789", "le SIREN (siren) est invalide"),
    ("siret", "81234567600018", "le SIRET (siret) est invalide"),
    ("siret", "73282932000074", "le SIRET (siret) est invalide"),
    ("vat_number", "FR00000000000", "le numéro de TVA intracommunautaire (vat_number) est invalide"),
    ("vat_number", "FR44732829320", "le numéro de TVA intracommunautaire (vat_number) est invalide"),
    ("bic", "ZZZZ1234", "le BIC (bic) est invalide"),
    ("city", "Lyon\nCedex", "la ville (city) est invalide"),
    ("address_lines", ["   "], "l’adresse (address_lines) est invalide"),
    ("email", "facturation", "l’adresse e-mail (email) est invalide"),
]


@pytest.mark.parametrize(("field", "value", "sentence"), INVALID_FIELDS)
def test_invalid_identity_field_named(field, value, sentence):
    with pytest.raises(ValidationError) as raised:
        CreditorIdentity.model_validate({**VALID_IDENTITY, field: value})

    named_field, message = invalid_identity_field(raised.value)

    assert named_field == field
    assert sentence in message


def test_capital_over_column_rejected():
    with pytest.raises(ValidationError) as raised:
        CreditorIdentity.model_validate({**VALID_IDENTITY, "share_capital": "10000000000000000.00"})

    assert invalid_identity_field(raised.value)[0] == "share_capital"


async def test_put_identity_rejected_names_accounts_route(ledger_service, ledger_pool):
    creditor = unique_id("identity")
    await upsert_creditor(ledger_pool, creditor, "Nom avant", "30 jours")

    response = await ledger_service.client.put(
        f"/creditors/{creditor}",
        json={"name": "Nom après", "payment_terms": "45 jours", "identity": VALID_IDENTITY},
        headers=ledger_service.system_headers(),
    )
    error = (await response.json())["error"]
    stored = await ledger_pool.fetchrow("SELECT name, payment_terms, iban FROM creditors WHERE id = $1", creditor)

    assert response.status == 422
    assert error["details"]["field"] == "identity"
    assert f"PUT /staff/creditors/{creditor}/identity" in error["message"]
    assert (stored["name"], stored["payment_terms"], stored["iban"]) == ("Nom avant", "30 jours", None)


async def test_put_without_identity_saves_name_and_terms(ledger_service, ledger_pool):
    creditor = unique_id("identity")

    response = await ledger_service.client.put(
        f"/creditors/{creditor}",
        json={"name": "Créancier Test", "payment_terms": "45 jours", "identity": None},
        headers=ledger_service.system_headers(),
    )
    stored = await ledger_pool.fetchrow("SELECT name, payment_terms FROM creditors WHERE id = $1", creditor)

    assert response.status == 200
    assert (stored["name"], stored["payment_terms"]) == ("Créancier Test", "45 jours")


async def creditor_with_stored_invoice(ledger_service, ledger_pool) -> str:
    creditor = unique_id("identity")
    await upsert_creditor(ledger_pool, creditor, "Créancier Test", "30 jours fin de mois")
    await set_creditor_identity(ledger_pool, creditor, IDENTITY)
    response = await ledger_service.client.post(
        f"/creditors/{creditor}/documents", json=invoice_body(), headers=ledger_service.system_headers()
    )
    assert response.status == 201
    return creditor


async def test_stored_invalid_iban_gives_409(ledger_service, ledger_pool):
    creditor = await creditor_with_stored_invoice(ledger_service, ledger_pool)
    # Written with SQL, as an identity saved before these checks existed may be.
    await ledger_pool.execute("UPDATE creditors SET iban = 'FR7630002012340001234567840' WHERE id = $1", creditor)
    headers = ledger_service.headers_for(accounts=((creditor, "C001"),))

    with capture_logs() as logs:
        response = await ledger_service.client.get(f"/creditors/{creditor}/documents/FA-F1/pdf", headers=headers)
    error = (await response.json())["error"]
    invalid = [entry for entry in logs if entry["event"] == "seller_identity_invalid"]

    not_issued = [entry for entry in logs if entry["event"] == "document_not_issued"]

    assert response.status == 409
    assert error["code"] == "seller_identity_incomplete"
    # The agency cannot correct the creditor's identity, so its message is to try again later.
    assert "Le document n°\u00a0FA-F1 n’est pas encore disponible" in error["message"]
    assert error["details"]["field"] == "iban"
    assert len(invalid) == 1
    assert "l’IBAN (iban) est invalide" in not_issued[0]["reason"]
    assert "30002012340001234567840" not in str(logs)


async def test_stored_vat_of_other_siren_409(ledger_service, ledger_pool):
    creditor = await creditor_with_stored_invoice(ledger_service, ledger_pool)
    await ledger_pool.execute("UPDATE creditors SET vat_number = 'FR44732829320' WHERE id = $1", creditor)

    with pytest.raises(SellerIdentityIncomplete) as raised:
        await stored_document(ledger_pool, creditor, "C001", "FA-F1")

    assert raised.value.status == 409
    assert "SIREN" in raised.value.message


async def test_incomplete_identity_hides_pdf_links(ledger_service, ledger_pool):
    creditor = await creditor_with_stored_invoice(ledger_service, ledger_pool)
    await ledger_pool.execute("UPDATE creditors SET bic = NULL WHERE id = $1", creditor)
    headers = ledger_service.headers_for(accounts=((creditor, "C001"),))

    response = await ledger_service.client.get(f"/creditors/{creditor}/statement?view=all", headers=headers)
    body = await response.json()

    assert body["documents_available"] is False
    assert [row["has_pdf"] for row in body["rows"]] == [False] * len(body["rows"])
    assert body["rows"]


async def test_complete_identity_shows_pdf_links(ledger_service, ledger_pool):
    creditor = await creditor_with_stored_invoice(ledger_service, ledger_pool)
    headers = ledger_service.headers_for(accounts=((creditor, "C001"),))

    response = await ledger_service.client.get(f"/creditors/{creditor}/statement?view=all", headers=headers)
    body = await response.json()

    assert body["documents_available"] is True
    assert any(row["has_pdf"] for row in body["rows"])


async def test_missing_identity_fields_listed_for_api(ledger_service, ledger_pool):
    creditor = await creditor_with_stored_invoice(ledger_service, ledger_pool)
    await ledger_pool.execute("UPDATE creditors SET siren = NULL, vat_number = NULL WHERE id = $1", creditor)
    headers = ledger_service.headers_for(accounts=((creditor, "C001"),))

    response = await ledger_service.client.get(f"/creditors/{creditor}/documents/FA-F1/pdf", headers=headers)
    error = (await response.json())["error"]

    assert response.status == 409
    assert error["details"]["missing"] == ["siren", "vat_number"]
    assert "numéro de TVA" in error["message"]
