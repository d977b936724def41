"""A contact message field of the wrong JSON type gets an error naming the expected type, not a false fix."""

from __future__ import annotations

import pytest

from services.accounts.contact_messages import validate_message
from services.accounts.validation.errors import ValidationError


def messages_of(subject, message, invoice_numbers) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as raised:
        validate_message(subject, message, invoice_numbers)
    found: dict[str, list[str]] = {}
    for error in raised.value.errors:
        found.setdefault(error.field, []).append(error.message)
    return found


def test_wrong_types_named():
    found = messages_of(5, True, "FA1")

    assert found["subject"] == ["Le champ «\u00a0Objet\u00a0» doit être un texte, reçu 5."]
    assert found["message"] == ["Le message doit être un texte, reçu true."]
    assert found["invoice_numbers"] == [
        'Les numéros de facture doivent être une liste de textes, par exemple ["FA-0001"], reçu «\u00a0FA1\u00a0».'
    ]


def test_number_not_text_named():
    found = messages_of("Objet", "Bonjour", ["FA1", 22])

    assert found == {"invoice_numbers": ["Chaque numéro de facture doit être un texte, reçu 22."]}


def test_too_many_numbers_counts_received():
    found = messages_of("Objet", "Bonjour", [f"FA{index}" for index in range(25)])

    assert found == {"invoice_numbers": ["Indiquez au plus 20 numéros de facture, reçu 25."]}


def test_missing_fields_still_required():
    found = messages_of(None, None, None)

    assert set(found) == {"subject", "message"}
    assert "obligatoire" in found["subject"][0]
    assert found["message"] == ["Le message est vide\u00a0: écrivez votre demande."]
