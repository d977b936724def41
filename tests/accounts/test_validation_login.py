"""The character rule of a new login, without the database."""

from __future__ import annotations

import pytest

from services.accounts.validation import MAX_LOGIN_LENGTH, MIN_LOGIN_LENGTH, ValidationError, validate_login

RULE_EXAMPLE = "par exemple «\u00a0marie.dupont\u00a0»."


@pytest.mark.parametrize(
    "login",
    ["demo", "abc", "Jean.Dupont@agence.fr", "agence_dupont-2", "A" * MAX_LOGIN_LENGTH, "x" * MIN_LOGIN_LENGTH],
)
def test_login_rule_accepts(login):
    assert validate_login(login) == login


@pytest.mark.parametrize(
    ("login", "code", "shown"),
    [
        ("Éloïse", "login.character", "le caractère «\u00a0É\u00a0»"),
        ("e\u0301lodie", "login.character", "un accent séparé de sa lettre (U+0301)"),
        ("marie dupont", "login.character", "un espace"),
        (" demo", "login.character", "un espace"),
        ("marie\u200bx", "login.character", "un caractère invisible ou de contrôle (U+200B)"),
        ("marie\nx", "login.character", "un caractère invisible ou de contrôle (U+000A)"),
        ("marie+agence@x.fr", "login.character", "le caractère «\u00a0+\u00a0»"),
        ("ab", "login.length", "compte 2 caractères"),
        ("a" * (MAX_LOGIN_LENGTH + 1), "login.length", "compte 65 caractères"),
        ("", "login.required", "est obligatoire"),
    ],
)
def test_login_rule_rejects(login, code, shown):
    with pytest.raises(ValidationError) as raised:
        validate_login(login)
    [error] = raised.value.errors

    assert error.field == "login"
    assert error.code == code
    assert shown in error.message
    assert "de 3 à 64 caractères\u00a0: des lettres sans accent, des chiffres" in error.message
    assert "«\u00a0.\u00a0», «\u00a0-\u00a0», «\u00a0_\u00a0» ou «\u00a0@\u00a0»" in error.message
    assert error.message.endswith(RULE_EXAMPLE)
