"""Character counts in the accounts service's messages: thousands grouped by a narrow no-break space."""

from __future__ import annotations

import pytest

from services.accounts.contact_messages import validate_message
from services.accounts.routes.bodies import required_text
from services.accounts.validation import validate_email, validate_password
from services.accounts.validation.errors import ValidationError
from services.accounts.validation.text import clean_text
from shared.errors import DomainError
from shared.typography import format_count

NNBSP = "\u202f"
NBSP = "\u00a0"


@pytest.mark.parametrize(("count", "shown"), [(7, "7"), (999, "999"), (5000, f"5{NNBSP}000"), (1234567, f"1{NNBSP}234{NNBSP}567")])
def test_format_count_groups_thousands(count, shown):
    assert format_count(count) == shown


def test_contact_message_limit_groups_thousands():
    with pytest.raises(ValidationError) as raised:
        validate_message("Objet", "B" * 5001, [])

    [error] = raised.value.errors
    assert error.message == f"Le message dépasse 5{NNBSP}000 caractères (5{NNBSP}001 saisis){NBSP}: raccourcissez-le."


def test_text_field_limit_groups_thousands():
    with pytest.raises(ValidationError) as raised:
        clean_text("C" * 1500, field="reason", label="Motif", max_length=1000, required=True)

    [error] = raised.value.errors
    assert f"dépasse 1{NNBSP}000 caractères (1{NNBSP}500 saisis){NBSP}:" in error.message


def test_email_length_groups_thousands():
    with pytest.raises(ValidationError) as raised:
        validate_email("a" * 1200 + "@agence.example")

    [error] = raised.value.errors
    assert f"dépasse 254 caractères (1{NNBSP}215 saisis)" in error.message


def test_password_length_groups_thousands():
    with pytest.raises(ValidationError) as raised:
        validate_password("a1b2" * 300)

    messages = [error.message for error in raised.value.errors]
    assert any(f"dépasse 128 caractères (1{NNBSP}200 saisis)" in message for message in messages)


def test_request_field_limit_groups_thousands():
    with pytest.raises(DomainError) as raised:
        required_text({"comment": "x" * 1200}, "comment")

    assert f"au plus 1{NNBSP}000 caractères sont acceptés, reçu 1{NNBSP}200." in raised.value.message
