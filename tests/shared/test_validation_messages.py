"""French sentences of pydantic validation errors."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

import pytest
from pydantic import BaseModel, Field, ValidationError

from shared.validation_messages import FieldLabel, french_field_errors, french_reason, shown_value

ENGLISH_WORDINGS = ("Input should", "Field required", "String should", "Value error")


class Order(BaseModel):
    quantity: Decimal = Field(..., gt=0)
    price: Decimal = Field(..., lt=100)
    iban: str = Field(..., min_length=14)
    reference: str = Field(..., pattern=r"^[A-Z]+$")


def order_errors(**values):
    body = {"quantity": "1", "price": "1", "iban": "FR7630006000011234567890189", "reference": "ABC", **values}
    with pytest.raises(ValidationError) as raised:
        Order.model_validate(body)
    return french_field_errors(raised.value, labels={"quantity": FieldLabel("la quantité", feminine=True)})


def test_unknown_error_type_in_french():
    detail = {"type": "brand_new_check", "loc": ("code",), "msg": "Input should be shiny", "input": "x"}

    reason = french_reason(detail)

    assert reason == "valeur refusée (erreur brand_new_check), reçu «\u00a0x\u00a0»\u00a0: vérifiez le format de ce champ"


def test_value_error_hides_english_message():
    detail = {"type": "value_error", "loc": ("code",), "msg": "Value error, bad code", "input": "x", "ctx": {}}

    reason = french_reason(detail)

    assert reason.startswith("valeur invalide, reçu «\u00a0x\u00a0»")
    assert "bad code" not in reason


def test_label_agrees_with_gender():
    quantity = order_errors(quantity="0")[0]
    price = order_errors(price="150")[0]

    assert quantity.sentence == "quantity\u00a0: la quantité doit être supérieure à 0, reçu «\u00a00\u00a0»"
    assert price.sentence == "price\u00a0: la valeur doit être inférieure à 100, reçu «\u00a0150\u00a0»"


class Login(BaseModel):
    password: Literal["a", "b"]
    iban: str = Field("FR7630006000011234567890189", pattern=r"^[A-Z]{2}[0-9]{2}[A-Z0-9]+$")


def test_masked_field_value_not_shown():
    # Both error types echo the value of an unmasked field.
    with pytest.raises(ValidationError) as raised:
        Login.model_validate({"password": "Secret-Pw-77", "iban": "fr76 3000 6000"})
    problems = french_field_errors(raised.value)

    assert [problem.type for problem in problems] == ["literal_error", "string_pattern_mismatch"]
    for problem in problems:
        assert "Secret-Pw-77" not in problem.sentence
        assert "3000 6000" not in problem.sentence
    assert problems[0].sentence == "password\u00a0: valeur non acceptée\u00a0: attendu 'a' ou 'b'"


def test_comparison_limit_in_french_number():
    class Capital(BaseModel):
        amount: Decimal = Field(..., le=Decimal("9999999999999.99"))

    with pytest.raises(ValidationError) as raised:
        Capital.model_validate({"amount": "10000000000000000"})
    problem = french_field_errors(raised.value)[0]

    assert "inférieure ou égale à 9\u202f999\u202f999\u202f999\u202f999,99" in problem.sentence
    assert "Decimal(" not in problem.sentence


def test_other_pattern_names_regex():
    problem = order_errors(reference="abc")[0]

    assert problem.sentence == (
        "reference\u00a0: format non respecté (expression régulière ^[A-Z]+$), reçu «\u00a0abc\u00a0»"
    )


def test_every_sentence_free_of_english():
    problems = order_errors(quantity="zero", price=[], iban=None, reference="a\nb")

    assert [problem.type for problem in problems] == [
        "decimal_parsing", "decimal_type", "string_type", "string_pattern_mismatch"
    ]
    for problem in problems:
        for wording in ENGLISH_WORDINGS:
            assert wording not in problem.sentence


def test_prefix_and_root_in_field_path():
    with pytest.raises(ValidationError) as raised:
        Order.model_validate([])

    nested = french_field_errors(raised.value, prefix=("orders", 2))
    whole = french_field_errors(raised.value, root="commande")

    assert nested[0].field == "orders.2"
    assert whole[0].field == "commande"
    assert whole[0].as_detail() == {
        "field": "commande",
        "type": "model_type",
        "message": "commande\u00a0: un objet JSON est attendu, reçu une liste",
    }


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, "null"),
        (True, "true"),
        (Decimal("-1.5"), "-1.5"),
        (7, "7"),
        ("C0\n01", "«\u00a0C0U+000A01\u00a0»"),
        ("x" * 50, f"«\u00a0{'x' * 40}…\u00a0»"),
        ({"a": 1}, "un objet"),
        ([1], "une liste"),
    ],
)
def test_shown_value(value, shown):
    assert shown_value(value) == shown
