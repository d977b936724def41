"""Password rules of the accounts service (OWASP ASVS 4.0 level 2, section V2.1)."""

from __future__ import annotations

import pytest

from services.accounts.validation import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    FieldError,
    ValidationError,
    is_common_password,
    normalize_password,
    validate_password,
)

STRONG = "cheval correct agrafe batterie"


def plain(message: str) -> str:
    """Return the message with its no-break spaces turned into plain spaces."""
    return message.replace("\u00a0", " ").replace("\u202f", " ")


def only_error(raised: pytest.ExceptionInfo[ValidationError]) -> FieldError:
    assert len(raised.value.errors) == 1, raised.value.errors
    return raised.value.errors[0]


def test_password_limits_match_asvs() -> None:
    assert MIN_PASSWORD_LENGTH == 12
    assert MAX_PASSWORD_LENGTH == 128


@pytest.mark.parametrize(
    "password",
    [
        STRONG,
        "x" * 12 + "Kq",
        "onlylowercaseletters",
        "🦊🦊🦊 renard argenté 🦊🦊🦊",
        "mot de passe très long " * 5,
        "Ω" * 128,
    ],
)
def test_password_accepted_without_composition_rules(password: str) -> None:
    assert validate_password(password, login="agence.dupont") is None


def test_password_too_short() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_password("Tr0ub4dor&3")

    error = only_error(raised)
    assert error.field == "password"
    assert error.code == "password.too_short"
    assert plain(error.message) == (
        "Le mot de passe doit contenir au moins 12 caractères (11 saisis) : allongez-le, par "
        "exemple avec une phrase de plusieurs mots séparés par des espaces."
    )


def test_password_spaces_run_counts_once() -> None:
    # "ab" + 10 spaces + "cd" has 14 code points but only 5 once the space run is combined.
    with pytest.raises(ValidationError) as raised:
        validate_password("ab" + " " * 10 + "cd")

    error = only_error(raised)
    assert error.code == "password.too_short"
    assert "(5 saisis)" in error.message


def test_password_length_counts_code_points() -> None:
    # Twelve emoji are twelve code points, even though each takes 4 bytes in UTF-8.
    assert validate_password("🦊" * 12) is None

    with pytest.raises(ValidationError) as raised:
        validate_password("🦊" * 11)

    assert only_error(raised).code == "password.too_short"


def test_password_nfkc_counts_ligature_as_two() -> None:
    # NFKC turns the ligature "ﬁ" (one code point) into "fi" (two).
    normalized = normalize_password("ﬁ" * 6)

    assert normalized == "fi" * 6
    assert validate_password("ﬁ" * 6) is None


def test_password_of_128_accepted_and_129_rejected() -> None:
    assert validate_password("a1b2" * 32) is None

    with pytest.raises(ValidationError) as raised:
        validate_password("a1b2" * 32 + "c")

    error = only_error(raised)
    assert error.code == "password.too_long"
    assert plain(error.message) == (
        "Le mot de passe dépasse 128 caractères (129 saisis) : raccourcissez-le."
    )


@pytest.mark.parametrize("password", ["qwerty123456", "QWERTY123456", "1qaz2wsx3edc", "Qazwsxedcrfv"])
def test_password_common_rejected(password: str) -> None:
    with pytest.raises(ValidationError) as raised:
        validate_password(password)

    error = only_error(raised)
    assert error.code == "password.common"
    assert plain(error.message) == (
        "Ce mot de passe fait partie des mots de passe les plus courants, que les attaquants "
        "essaient en premier : choisissez-en un autre."
    )


def test_password_common_check_folds_full_width() -> None:
    assert is_common_password("ｑｗｅｒｔｙ１２３４５６")


def test_password_short_and_common_reports_both() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_password("password")

    assert raised.value.codes == ["password.too_short", "password.common"]


def test_password_equal_to_login_rejected() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_password("Agence.Dupont.Paris", login="agence.dupont.paris")

    error = only_error(raised)
    assert error.code == "password.contains_login"
    assert plain(error.message) == (
        "Le mot de passe ne doit pas contenir votre identifiant : choisissez-en un autre."
    )


def test_password_containing_login_rejected() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_password("mon AgenceDupont à moi", login="agencedupont")

    assert only_error(raised).code == "password.contains_login"


def test_password_containing_email_local_part_rejected() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_password("jean.dupont et son chat", login="Jean.Dupont@agence.fr")

    assert only_error(raised).code == "password.contains_login"


def test_password_short_login_needs_equality() -> None:
    # A 3-character login is too likely to occur inside a passphrase by chance.
    assert validate_password("le bon mot de passe", login="bon") is None

    with pytest.raises(ValidationError) as raised:
        validate_password("bon", login="bon")

    assert "password.contains_login" in raised.value.codes


@pytest.mark.parametrize("character", ["\n", "\r", "\t", "\x00", "\x7f"])
def test_password_control_character_rejected(character: str) -> None:
    with pytest.raises(ValidationError) as raised:
        validate_password(f"une phrase{character}de passe")

    error = only_error(raised)
    assert error.code == "password.control"
    assert plain(error.message) == (
        "Le mot de passe contient un caractère de contrôle ou un saut de ligne "
        f"(U+{ord(character):04X}) : retirez-le."
    )


def test_password_required() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_password("")

    error = only_error(raised)
    assert error.code == "password.required"
    assert plain(error.message) == (
        "Le mot de passe est obligatoire : choisissez-en un d’au moins 12 caractères."
    )


def test_password_errors_never_carry_password() -> None:
    password = "secret"

    with pytest.raises(ValidationError) as raised:
        validate_password(password, login="secret")

    assert raised.value.errors
    for error in raised.value.errors:
        assert error.value == ""
        assert password not in error.message
    assert password not in str(raised.value)


def test_one_character_counted_in_singular():
    with pytest.raises(ValidationError) as raised:
        validate_password("x")

    assert "(1 saisi)" in raised.value.errors[0].message
