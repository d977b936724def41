"""SIREN, SIRET and French VAT number validation of the accounts service."""

from __future__ import annotations

import pytest

from services.accounts.validation import (
    FieldError,
    LegalIdentity,
    ValidationError,
    validate_legal_identity,
    validate_siren,
    validate_siret,
    validate_vat_number,
)

# Published examples of python-stdnum: SIREN 732829320 has SIRET 73282932000074 and VAT
# number FR44732829320.
SIREN = "732829320"
SIRET = "73282932000074"
VAT_NUMBER = "FR44732829320"


def plain(message: str) -> str:
    """Return the message with its no-break spaces turned into plain spaces."""
    return message.replace("\u00a0", " ").replace("\u202f", " ")


def only_error(raised: pytest.ExceptionInfo[ValidationError]) -> FieldError:
    assert len(raised.value.errors) == 1, raised.value.errors
    return raised.value.errors[0]


def errors_by_field(raised: pytest.ExceptionInfo[ValidationError]) -> dict[str, FieldError]:
    return {error.field: error for error in raised.value.errors}


# SIREN


@pytest.mark.parametrize("typed", ["732829320", "732 829 320", " 732\u00a0829\u202f320 ", "732.829.320"])
def test_siren_spaces_removed(typed: str) -> None:
    siren = validate_siren(typed)

    assert siren == SIREN


def test_siren_luhn_failure() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_siren("732 829 321")

    error = only_error(raised)
    assert error.code == "siren.checksum"
    assert plain(error.message) == (
        "Le SIREN « 732 829 321 » n’est pas valide : son dernier chiffre (clé de contrôle) ne "
        "correspond pas aux huit premiers. Vérifiez chaque chiffre sur votre extrait Kbis ou "
        "votre avis de situation Insee."
    )


@pytest.mark.parametrize("typed", ["73282932", "7328293200", "73282932O", "ABCDEFGHI"])
def test_siren_wrong_format(typed: str) -> None:
    with pytest.raises(ValidationError) as raised:
        validate_siren(typed)

    error = only_error(raised)
    assert error.code == "siren.format"
    assert plain(error.message) == (
        f"Le SIREN « {typed} » doit contenir exactement 9 chiffres : recopiez-le depuis votre "
        "extrait Kbis ou votre avis de situation Insee."
    )


def test_siren_required() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_siren(" ")

    error = only_error(raised)
    assert error.code == "siren.required"
    assert plain(error.message) == (
        "Le SIREN est obligatoire : recopiez-le depuis votre extrait Kbis ou votre avis de "
        "situation Insee."
    )


# SIRET


@pytest.mark.parametrize("typed", ["73282932000074", "732 829 320 00074", "732.829.320.00074"])
def test_siret_spaces_removed(typed: str) -> None:
    siret = validate_siret(typed)

    assert siret == SIRET


def test_siret_luhn_failure() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_siret("73282932000079")

    error = only_error(raised)
    assert error.code == "siret.checksum"
    assert plain(error.message) == (
        "Le SIRET « 73282932000079 » n’est pas valide : ses chiffres ne respectent pas la clé "
        "de contrôle. Vérifiez chaque chiffre sur votre extrait Kbis ou votre avis de "
        "situation Insee."
    )


def test_siret_la_poste_exception() -> None:
    # The digits of a La Poste establishment add up to a multiple of 5 but fail the Luhn check.
    siret = validate_siret("356 000 000 10000")

    assert siret == "35600000010000"


def test_siret_la_poste_wrong_sum_rejected() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_siret("35600000010001")

    assert only_error(raised).code == "siret.checksum"


@pytest.mark.parametrize("typed", ["7328293200007", "732829320000745", "7328293200007A"])
def test_siret_wrong_format(typed: str) -> None:
    with pytest.raises(ValidationError) as raised:
        validate_siret(typed)

    error = only_error(raised)
    assert error.code == "siret.format"
    assert plain(error.message) == (
        f"Le SIRET « {typed} » doit contenir exactement 14 chiffres (les 9 du SIREN puis les 5 "
        "du NIC) : recopiez-le depuis votre extrait Kbis ou votre avis de situation Insee."
    )


def test_siret_required() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_siret(None)

    assert only_error(raised).code == "siret.required"


# VAT number


@pytest.mark.parametrize(
    "typed", ["FR44732829320", "FR 44 732 829 320", "fr44732829320", "FR-44-732-829-320"]
)
def test_vat_number_normalized(typed: str) -> None:
    vat_number = validate_vat_number(typed)

    assert vat_number == VAT_NUMBER


def test_vat_number_monaco_accepted() -> None:
    # Monaco companies have no SIREN: their number has 000 where the SIREN starts.
    vat_number = validate_vat_number("FR 34 000123456")

    assert vat_number == "FR34000123456"


def test_vat_number_letter_key_accepted() -> None:
    vat_number = validate_vat_number("FRK7399859412")

    assert vat_number == "FRK7399859412"


def test_vat_number_key_mismatch_gives_expected_key() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_vat_number("FR45732829320")

    error = only_error(raised)
    assert error.code == "vat.checksum"
    assert plain(error.message) == (
        "La clé « 45 » du numéro de TVA ne correspond pas au SIREN 732829320 (la clé attendue "
        "est 44) : vérifiez les deux caractères après FR et le SIREN."
    )


def test_vat_number_invalid_siren_part() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_vat_number("FR44732829321")

    error = only_error(raised)
    assert error.code == "vat.siren"
    assert plain(error.message) == (
        "Le SIREN « 732829321 » contenu dans le numéro de TVA n’est pas valide : vérifiez ses "
        "9 derniers chiffres."
    )


def test_vat_number_without_prefix() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_vat_number("44732829320")

    error = only_error(raised)
    assert error.code == "vat.country"
    assert plain(error.message) == (
        "Le numéro de TVA « 44732829320 » doit commencer par FR : ajoutez ces deux lettres "
        "devant la clé, par exemple FR40303265045."
    )


def test_vat_number_foreign_rejected() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_vat_number("BE0403170701")

    error = only_error(raised)
    assert error.code == "vat.country"
    assert plain(error.message) == (
        "Le numéro de TVA « BE0403170701 » n’est pas un numéro français : saisissez un numéro "
        "qui commence par FR, par exemple FR40303265045."
    )


@pytest.mark.parametrize("typed", ["FR4473282932", "FR447328293200", "FR4473282932A"])
def test_vat_number_wrong_format(typed: str) -> None:
    with pytest.raises(ValidationError) as raised:
        validate_vat_number(typed)

    error = only_error(raised)
    assert error.code == "vat.format"
    assert plain(error.message) == (
        f"Le numéro de TVA « {typed} » doit contenir FR, une clé de 2 caractères puis les 9 "
        "chiffres du SIREN, par exemple FR40303265045."
    )


def test_vat_number_key_with_letter_o_rejected() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_vat_number("FRIO334175221")

    error = only_error(raised)
    assert error.code == "vat.format"
    assert plain(error.message) == (
        "La clé « IO » du numéro de TVA n’est pas valide : elle se compose de 2 chiffres, ou "
        "de lettres et de chiffres hors I et O."
    )


def test_vat_number_required() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_vat_number("")

    error = only_error(raised)
    assert error.code == "vat.required"
    assert plain(error.message) == (
        "Le numéro de TVA intracommunautaire est obligatoire : il figure sur vos factures et "
        "commence par FR."
    )


# Legal identity form


def test_legal_identity_consistent() -> None:
    identity = validate_legal_identity("732 829 320", "732 829 320 00074", "FR 44 732 829 320")

    assert identity == LegalIdentity(siren=SIREN, siret=SIRET, vat_number=VAT_NUMBER)


def test_legal_identity_siret_and_vat_optional() -> None:
    identity = validate_legal_identity(SIREN, "", None)

    assert identity.siret is None
    assert identity.vat_number is None


def test_legal_identity_mismatches_reported_together() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_legal_identity(SIREN, "40483304800022", "FR40303265045")

    errors = errors_by_field(raised)
    assert errors["siret"].code == "siret.siren_mismatch"
    assert plain(errors["siret"].message) == (
        "Le SIRET 40483304800022 ne commence pas par le SIREN 732829320 : les 9 premiers "
        "chiffres du SIRET sont ceux du SIREN, corrigez l’un ou l’autre."
    )
    assert errors["vat_number"].code == "vat.siren_mismatch"
    assert plain(errors["vat_number"].message) == (
        "Le numéro de TVA FR40303265045 ne contient pas le SIREN 732829320 : ses 9 derniers "
        "chiffres sont ceux du SIREN, corrigez l’un ou l’autre."
    )


def test_legal_identity_collects_format_errors() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_legal_identity("", "123", "FR00")

    assert raised.value.codes == ["siren.required", "siret.format", "vat.format"]


def test_legal_identity_monaco_vat_not_compared() -> None:
    identity = validate_legal_identity(SIREN, None, "FR34000123456")

    assert identity.vat_number == "FR34000123456"
