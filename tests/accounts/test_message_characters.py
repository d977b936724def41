"""Emoji typed on a phone pass in a contact message, and characters that hide or reorder text do not."""

from __future__ import annotations

import pytest

from services.accounts.contact_messages import validate_message
from services.accounts.validation.errors import ValidationError
from services.accounts.validation.text import find_invisible_character

# Woman, zero-width joiner, laptop: one emoji on a phone's keyboard.
WOMAN_TECHNOLOGIST = "\U0001f469\u200d\U0001f4bb"


def test_emoji_sequence_in_subject_accepted():
    subject, message, _numbers = validate_message(f"Question {WOMAN_TECHNOLOGIST}", f"Bonjour {WOMAN_TECHNOLOGIST}", [])

    assert subject == f"Question {WOMAN_TECHNOLOGIST}"
    assert message == f"Bonjour {WOMAN_TECHNOLOGIST}"


ENGLAND = "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"


def test_subdivision_flag_in_subject_accepted():
    subject, _message, _numbers = validate_message(f"Match {ENGLAND}", "Bonjour", [])

    assert subject == f"Match {ENGLAND}"


@pytest.mark.parametrize(
    "text", ["a\u200db", "\u200d\U0001f4bb", "\U0001f469\u200d", "Dupont\u200b", "Dupont\U000e0067"]
)
def test_joiner_outside_emoji_found(text):
    assert find_invisible_character(text) is not None


@pytest.mark.parametrize("character", ["\u202e", "\u2066", "\u2028", "\x1b", "\x85"])
def test_message_reordering_or_control_refused(character):
    with pytest.raises(ValidationError) as raised:
        validate_message("Objet", f"Facture {character}2100", [])

    [error] = raised.value.errors
    assert error.field == "message"
    assert f"U+{ord(character):04X}" in error.message


def test_message_tab_and_line_feed_kept():
    _subject, message, _numbers = validate_message("Objet", "Ligne 1\n\tLigne 2", [])

    assert message == "Ligne 1\n\tLigne 2"
