"""The feed and the creditor identity reject invalid values in French, naming the field and the pydantic type."""

from __future__ import annotations

import json

import pytest

from tests.ledger.test_feed import creditor_with_terms, invoice_body, post, with_buyer, with_line

ENGLISH_WORDINGS = ("Input should", "Field required", "String should", "Value error", "Extra inputs", "List should")
NBSP = "\u00a0"


def without_field(name):
    body = invoice_body()
    del body[name]
    return body


def with_totals(**changes):
    body = invoice_body()
    body["totals"] = {**body["totals"], **changes}
    return body


# (case, body, field, pydantic type, French sentence of that field)
FRENCH_ERRORS = [
    ("negative quantity", with_line(quantity=-1), "lines.0.quantity", "greater_than",
     f"lines.0.quantity{NBSP}: la quantité doit être supérieure à 0, reçu -1"),
    ("missing account", without_field("customer_account"), "customer_account", "missing",
     f"customer_account{NBSP}: champ obligatoire absent"),
    ("number too long", invoice_body(number="F" * 71), "number", "string_too_long",
     f"number{NBSP}: 64 caractères au plus, reçu 71"),
    ("empty number", invoice_body(number=""), "number", "string_too_short", f"number{NBSP}: texte vide"),
    ("unknown field", invoice_body(discount="5"), "discount", "extra_forbidden",
     f"discount{NBSP}: champ inconnu"),
    ("unknown kind", invoice_body(kind="bill"), "kind", "literal_error",
     f"kind{NBSP}: valeur non acceptée, reçu «{NBSP}bill{NBSP}»{NBSP}: attendu 'invoice' ou 'credit_note'"),
    ("line break in account", invoice_body(account="C0\n01"), "customer_account", "string_pattern_mismatch",
     f"customer_account{NBSP}: saut de ligne ou autre caractère de contrôle, reçu «{NBSP}C0U+000A01{NBSP}»"),
    ("word for quantity", with_line(quantity="un"), "lines.0.quantity", "decimal_parsing",
     f"lines.0.quantity{NBSP}: un nombre décimal est attendu, reçu «{NBSP}un{NBSP}»"),
    ("five decimals", with_line(quantity="1.12345"), "lines.0.quantity", "decimal_max_places",
     f"lines.0.quantity{NBSP}: 4 décimales au plus, reçu «{NBSP}1.12345{NBSP}»"),
    ("negative price", with_line(unit_price="-2"), "lines.0.unit_price", "greater_than_equal",
     "le prix unitaire doit être positif ou nul"),
    ("VAT rate of 100", with_line(vat_rate="100"), "lines.0.vat_rate", "vat_rate_range",
     f"lines.0.vat_rate{NBSP}: taux de TVA hors limites, reçu «{NBSP}100{NBSP}»"),
    ("blank description", with_line(description="  "), "lines.0.description", "text_empty",
     f"lines.0.description{NBSP}: texte vide"),
    ("number as description", with_line(description=5), "lines.0.description", "string_type",
     f"lines.0.description{NBSP}: un texte est attendu, reçu 5"),
    ("invalid date", invoice_body(issue_date="2026-13-01"), "issue_date", "date_from_datetime_parsing",
     f"issue_date{NBSP}: une date au format AAAA-MM-JJ est attendue, reçu «{NBSP}2026-13-01{NBSP}»"),
    ("no lines", invoice_body(lines=[]), "lines", "too_short", f"lines{NBSP}: 1 élément au moins, reçu 0"),
    ("total not a number", with_totals(total=[]), "totals.total", "decimal_type",
     f"totals.total{NBSP}: un nombre décimal est attendu, reçu une liste"),
    ("buyer not an object", invoice_body(buyer=["Agence"]), "buyer", "model_type",
     f"buyer{NBSP}: un objet JSON est attendu, reçu une liste"),
    ("buyer SIREN Luhn", with_buyer(siren="123456789", vat_number=None), "buyer.siren", "siren_invalid",
     f"buyer.siren{NBSP}: SIREN invalide (clé de contrôle fausse), reçu «{NBSP}123456789{NBSP}»"),
    ("buyer VAT format", with_buyer(vat_number="FR00"), "buyer.vat_number", "vat_number_invalid",
     "numéro de TVA intracommunautaire invalide (format incorrect)"),
    ("buyer VAT of another SIREN", with_buyer(vat_number="FR19812345676"), "buyer.vat_number",
     "vat_number_of_other_siren", "le numéro de TVA français ne correspond pas au SIREN 732829320"),
    ("French VAT without SIREN", with_buyer(siren=None), "buyer.vat_number", "vat_number_without_siren",
     "numéro de TVA français sans SIREN"),
    ("line break in city", with_buyer(city="Lyon\nCedex 02"), "buyer.city", "text_control_character",
     "contient le caractère de contrôle U+000A"),
    ("lower-case country", with_buyer(country="fr"), "buyer.country", "country_code_invalid",
     f"buyer.country{NBSP}: code pays invalide, reçu «{NBSP}fr{NBSP}»"),
    ("no address line", with_buyer(address_lines=[]), "buyer.address_lines", "too_short",
     f"buyer.address_lines{NBSP}: 1 élément au moins, reçu 0"),
]


@pytest.mark.parametrize(
    ("case", "body", "field", "error_type", "sentence"), FRENCH_ERRORS, ids=[case[0] for case in FRENCH_ERRORS]
)
async def test_feed_error_in_french(ledger_service, ledger_pool, case, body, field, error_type, sentence):
    creditor = await creditor_with_terms(ledger_pool)

    status, response = await post(ledger_service, creditor, body)
    error = response["error"]
    first = error["details"]["fields"][0]

    assert status == 422
    assert error["message"].startswith(f"Document invalide{NBSP}: ")
    assert sentence in error["message"]
    assert error["details"]["field"] == field
    assert error["details"]["type"] == error_type
    assert first["field"] == field
    assert first["type"] == error_type
    assert sentence in first["message"]
    for wording in ENGLISH_WORDINGS:
        assert wording not in json.dumps(response, ensure_ascii=False), wording


async def test_feed_lists_every_error(ledger_service, ledger_pool):
    creditor = await creditor_with_terms(ledger_pool)
    body = invoice_body(number="F" * 71, kind="bill")
    del body["customer_account"]

    status, response = await post(ledger_service, creditor, body)
    details = response["error"]["details"]

    assert status == 422
    assert [item["field"] for item in details["fields"]] == ["kind", "number", "customer_account"]
    assert [item["type"] for item in details["fields"]] == ["literal_error", "string_too_long", "missing"]
    assert "\u202f; number\u00a0: 64 caractères au plus" in response["error"]["message"]


async def test_feed_body_not_object_in_french(ledger_service, ledger_pool):
    creditor = await creditor_with_terms(ledger_pool)

    status, response = await post(ledger_service, creditor, ["FA-1"])

    assert status == 422
    assert response["error"]["details"]["field"] == "document"
    assert f"document{NBSP}: un objet JSON est attendu, reçu une liste" in response["error"]["message"]
