"""The JSON document feed of the ledger service."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.ledger.creditors import upsert_creditor
from tests.conftest import unique_id


def invoice_body(number="FA-F1", account="C001", **overrides):
    body = {
        "kind": "invoice",
        "number": number,
        "customer_account": account,
        "issue_date": "2026-07-01",
        "lines": [
            {"description": "Abonnement annonces", "quantity": "1", "unit_price": "249.00", "vat_rate": "20"},
            {"description": "Option photos", "quantity": "3", "unit_price": "10.333", "vat_rate": "10"},
        ],
        "totals": {"net_total": "280.00", "vat_total": "52.90", "total": "332.90"},
    }
    body.update(overrides)
    return body


async def creditor_with_terms(pool) -> str:
    creditor = unique_id("feed")
    await upsert_creditor(pool, creditor, "Créancier", "30 jours")
    return creditor


async def post(service, creditor, body):
    response = await service.client.post(
        f"/creditors/{creditor}/documents", json=body, headers=service.system_headers()
    )
    return response.status, await response.json()


async def test_feed_accepts_invoice_and_computes_due_date(ledger_service, ledger_pool):
    creditor = await creditor_with_terms(ledger_pool)

    status, body = await post(ledger_service, creditor, invoice_body())
    row = await ledger_pool.fetchrow("SELECT * FROM entries WHERE id = $1", body["entry_id"])
    lines = await ledger_pool.fetchval("SELECT count(*) FROM document_lines WHERE entry_id = $1", body["entry_id"])

    assert status == 201
    assert row["debit"] == Decimal("332.90")
    assert row["due_date"].isoformat() == "2026-07-31"
    assert row["vat_total"] == Decimal("52.90")
    assert lines == 2


async def test_feed_same_document_twice_is_idempotent(ledger_service, ledger_pool):
    creditor = await creditor_with_terms(ledger_pool)
    _, first = await post(ledger_service, creditor, invoice_body())

    status, second = await post(ledger_service, creditor, invoice_body())
    count = await ledger_pool.fetchval("SELECT count(*) FROM entries WHERE creditor_id = $1", creditor)

    assert status == 200
    assert second["entry_id"] == first["entry_id"]
    assert second["created"] is False
    assert count == 1


async def test_feed_same_number_other_content_conflicts(ledger_service, ledger_pool):
    creditor = await creditor_with_terms(ledger_pool)
    await post(ledger_service, creditor, invoice_body())
    changed = invoice_body(issue_date="2026-07-02")

    status, body = await post(ledger_service, creditor, changed)

    assert status == 409
    assert "avoir" in body["error"]["message"]


async def test_feed_rejects_wrong_total_naming_field(ledger_service, ledger_pool):
    creditor = await creditor_with_terms(ledger_pool)
    wrong = invoice_body(totals={"net_total": "280.00", "vat_total": "52.91", "total": "332.91"})

    status, body = await post(ledger_service, creditor, wrong)

    assert status == 422
    assert body["error"]["details"]["field"] == "totals.vat_total"
    assert "52.90" in body["error"]["message"]


async def test_feed_rejects_unknown_field_and_bad_amount(ledger_service, ledger_pool):
    creditor = await creditor_with_terms(ledger_pool)
    extra = invoice_body(discount="5")
    bad_line = invoice_body()
    bad_line["lines"][0]["quantity"] = "un"

    extra_status, extra_body = await post(ledger_service, creditor, extra)
    line_status, line_body = await post(ledger_service, creditor, bad_line)

    assert extra_status == 422
    assert "discount" in extra_body["error"]["message"]
    assert line_status == 422
    assert "lines.0.quantity" in line_body["error"]["message"]


async def test_feed_credit_note_is_imputed_on_its_invoice(ledger_service, ledger_pool):
    creditor = await creditor_with_terms(ledger_pool)
    await post(ledger_service, creditor, invoice_body())
    note = {
        "kind": "credit_note",
        "number": "AV-F1",
        "customer_account": "C001",
        "issue_date": "2026-07-05",
        "preceding_invoice": "FA-F1",
        "lines": [{"description": "Geste commercial", "quantity": "1", "unit_price": "25.00", "vat_rate": "20"}],
        "totals": {"net_total": "25.00", "vat_total": "5.00", "total": "30.00"},
    }

    status, _ = await post(ledger_service, creditor, note)
    invoice = await ledger_pool.fetchrow(
        "SELECT open_amount FROM entries WHERE creditor_id = $1 AND document_number = 'FA-F1'", creditor
    )

    assert status == 201
    assert invoice["open_amount"] == Decimal("302.90")


async def test_feed_rejects_agency_principal(ledger_service, ledger_pool):
    creditor = await creditor_with_terms(ledger_pool)
    headers = ledger_service.headers_for(accounts=((creditor, "C001"),))

    response = await ledger_service.client.post(f"/creditors/{creditor}/documents", json=invoice_body(),
                                                headers=headers)

    assert response.status == 403


def with_line(**changes):
    body = invoice_body()
    body["lines"][0].update(changes)
    return body


def with_buyer(**changes):
    buyer = {
        "legal_name": "Agence du Parc",
        "address_lines": ["3 place Bellecour"],
        "postal_code": "69002",
        "city": "Lyon",
        "siren": "732829320",
        "vat_number": "FR44732829320",
    }
    return invoice_body(buyer={**buyer, **changes})


INVALID_DOCUMENTS = [
    ("blank description", with_line(description="   "), "lines.0.description"),
    ("line break in description", with_line(description="Abonnement\nannonces"), "lines.0.description"),
    ("VAT rate of 100", with_line(vat_rate="100"), "lines.0.vat_rate"),
    ("buyer SIREN Luhn", with_buyer(siren="123456789", vat_number=None), "buyer.siren"),
    ("buyer VAT key", with_buyer(vat_number="FR00"), "buyer.vat_number"),
    ("buyer VAT of another SIREN", with_buyer(vat_number="FR19812345676"), "buyer.vat_number"),
    ("French VAT without SIREN", with_buyer(siren=None), "buyer.vat_number"),
    ("line break in city", with_buyer(city="Lyon\nCedex 02"), "buyer.city"),
    ("blank address line", with_buyer(address_lines=[" "]), "buyer.address_lines.0"),
    ("lower-case country", with_buyer(country="fr"), "buyer.country"),
    ("line break in account", invoice_body(account="C0\n01"), "customer_account"),
]


@pytest.mark.parametrize(("case", "body", "field"), INVALID_DOCUMENTS, ids=[case[0] for case in INVALID_DOCUMENTS])
async def test_feed_rejects_value_pdf_would_reject(ledger_service, ledger_pool, case, body, field):
    creditor = await creditor_with_terms(ledger_pool)

    status, response = await post(ledger_service, creditor, body)
    stored = await ledger_pool.fetchval("SELECT count(*) FROM entries WHERE creditor_id = $1", creditor)

    assert status == 422
    assert response["error"]["code"] == "invalid_document"
    assert response["error"]["details"]["field"] == field
    assert field in response["error"]["message"]
    assert stored == 0


async def test_feed_accepts_valid_buyer(ledger_service, ledger_pool):
    creditor = await creditor_with_terms(ledger_pool)

    status, _body = await post(ledger_service, creditor, with_buyer())
    account = await ledger_pool.fetchrow(
        "SELECT siren, vat_number, city FROM customer_accounts WHERE creditor_id = $1 AND account_number = 'C001'",
        creditor,
    )

    assert status == 201
    assert account["siren"] == "732829320"
    assert account["vat_number"] == "FR44732829320"
    assert account["city"] == "Lyon"
