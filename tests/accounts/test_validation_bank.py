"""IBAN, RIB and BIC validation of the accounts service, including the shared IBAN fixtures."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest
from schwifty import IBAN

from services.accounts.validation import (
    BankDetails,
    FieldError,
    ValidationError,
    check_bic_matches_iban,
    compute_rib_key,
    format_iban,
    mask_iban,
    normalize_iban,
    validate_bank_details,
    validate_bic,
    validate_iban,
)
from services.accounts.validation.bank import bic_countries_for_iban

IBAN_FIXTURES = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures" / "iban"

# A valid French IBAN: bank 30002, branch 00550, account 0000157845Z, RIB key 02.
VALID_FR = "FR7030002005500000157845Z02"
# The same RIB parts with key 00, and IBAN check digits recomputed so that mod 97 still passes.
WRONG_RIB_KEY_FR = "FR2730002005500000157845Z00"
VALID_MC = "MC1112739000700011111000H79"
VALID_DE = "DE89370400440532013000"

# Each reason of the invalid-IBAN fixture (column comment_in_source) and the error code it
# must produce.
REASON_CODES = {
    "Too short": "iban.length",
    "Too long": "iban.length",
    "Wrong country-code": "iban.country",
    "Wrong check digits": "iban.checksum",
    "Wrong checksum digits": "iban.checksum",
    "Wrong format (check digits)": "iban.structure",
    "Wrong format (country specific)": "iban.structure",
    "Wrong account format (country specific)": "iban.structure",
}


def iban_check_digits(country_code: str, bban: str) -> str:
    """Return the ISO 13616 check digits of ``bban``: 98 minus the mod-97 remainder of BBAN + country + 00."""
    rearranged = bban + country_code + "00"
    number = int("".join(str(int(character, 36)) for character in rearranged))
    return f"{98 - number % 97:02d}"


def french_iban(bank_code: str, branch_code: str, account_number: str, country_code: str = "FR") -> str:
    """Build a valid French or Monaco IBAN: RIB key and IBAN check digits are computed."""
    bban = bank_code + branch_code + account_number + compute_rib_key(bank_code, branch_code, account_number)
    return country_code + iban_check_digits(country_code, bban) + bban


def plain(message: str) -> str:
    """Return the message with its no-break spaces turned into plain spaces."""
    return message.replace("\u00a0", " ").replace("\u202f", " ")


def only_error(raised: pytest.ExceptionInfo[ValidationError]) -> FieldError:
    assert len(raised.value.errors) == 1, raised.value.errors
    return raised.value.errors[0]


def errors_by_field(raised: pytest.ExceptionInfo[ValidationError]) -> dict[str, FieldError]:
    return {error.field: error for error in raised.value.errors}


def fixture_rows(name: str) -> list[object]:
    """Return one pytest param per CSV row, or a single None param when the file is missing."""
    path = IBAN_FIXTURES / name
    if not path.is_file():
        return [pytest.param(None, id=f"{name}-missing")]
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [pytest.param(row, id=f"{name}-row{index + 2}") for index, row in enumerate(rows)]


def require(row: dict[str, str] | None) -> dict[str, str]:
    """Return the row, or fail under CI=true (skip elsewhere) when the fixture is missing."""
    if row is None:
        message = f"IBAN fixtures missing in {IBAN_FIXTURES}: place shared/ beside the checkout"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return row


# Fixture acceptance


@pytest.mark.parametrize("row", fixture_rows("fr_mc_iban_rib_annotated.csv"))
def test_annotated_iban_normalizes_with_rib(row: dict[str, str] | None) -> None:
    row = require(row)

    validated = validate_iban(row["as_written"])

    assert validated.iban == row["normalized"]
    assert validated.rib is not None
    assert validated.rib.bank_code == row["rib_bank"]
    assert validated.rib.branch_code == row["rib_branch"]
    assert validated.rib.account_number == row["rib_account"]
    assert validated.rib.key == row["rib_key"]


@pytest.mark.parametrize("row", fixture_rows("fr_mc_iban_rib_annotated.csv"))
def test_annotated_rib_key_matches_computed_key(row: dict[str, str] | None) -> None:
    row = require(row)

    key = compute_rib_key(row["rib_bank"], row["rib_branch"], row["rib_account"])

    assert key == row["rib_key"]


@pytest.mark.parametrize("row", fixture_rows("fr_mc_iban_rib_annotated.csv"))
def test_annotated_bank_form_fills_rib_from_iban(row: dict[str, str] | None) -> None:
    row = require(row)

    details = validate_bank_details("", "", "", "", row["as_written"], "")

    assert details.iban == row["normalized"]
    assert details.bank_code == row["rib_bank"]
    assert details.branch_code == row["rib_branch"]
    assert details.account_number == row["rib_account"]
    assert details.rib_key == row["rib_key"]


@pytest.mark.parametrize("row", fixture_rows("fr_mc_iban_rib_annotated.csv"))
def test_annotated_bank_form_accepts_matching_rib(row: dict[str, str] | None) -> None:
    row = require(row)

    details = validate_bank_details(
        row["rib_bank"], row["rib_branch"], row["rib_account"].lower(), row["rib_key"],
        row["as_written"], None,
    )

    assert details.iban == row["normalized"]
    assert details.account_number == row["rib_account"]


@pytest.mark.parametrize("row", fixture_rows("schwifty_valid.csv"))
def test_registry_iban_accepted(row: dict[str, str] | None) -> None:
    row = require(row)

    validated = validate_iban(row["iban"])

    assert validated.iban == row["iban"].replace(" ", "")
    assert validated.country_code == row["iban"][:2]


@pytest.mark.parametrize("row", fixture_rows("schwifty_invalid.csv"))
def test_invalid_iban_rejected_with_reason_code(row: dict[str, str] | None) -> None:
    row = require(row)
    reason = row["comment_in_source"]
    assert reason in REASON_CODES, f"no error code mapped for the reason {reason!r}"

    with pytest.raises(ValidationError) as raised:
        validate_iban(row["iban"])

    assert only_error(raised).code == REASON_CODES[reason]
    assert only_error(raised).field == "iban"


# Normalization, formatting and masking


@pytest.mark.parametrize(
    "typed",
    [
        "FR70 3000 2005 5000 0015 7845 Z02",
        "fr70 3000 2005 5000 0015 7845 z02",
        "FR70.3000.2005.5000.0015.7845.Z02",
        "FR70-3000-2005-5000-0015-7845-Z02",
        "FR70\t3000\t2005 5000 0015 7845 Z02",
        "FR70\u00a03000\u00a02005\u202f5000 0015 7845 Z02",
        "FR70 / 3000 / 2005 / 5000 / 0015 / 7845 / Z02",
        "IBAN : FR70 3000 2005 5000 0015 7845 Z02",
        "  FR7030002005500000157845Z02  ",
    ],
)
def test_iban_normalization_strips_separators(typed: str) -> None:
    validated = validate_iban(typed)

    assert validated.iban == VALID_FR
    assert normalize_iban(typed) == VALID_FR


def test_format_iban_groups_by_four() -> None:
    formatted = format_iban("fr7030002005500000157845z02")

    assert formatted == "FR70 3000 2005 5000 0015 7845 Z02"


def test_mask_iban_keeps_last_four() -> None:
    masked = mask_iban("FR76 3000 6000 0112 3456 7890 189")

    assert masked == "•••• •••• •••• •••• •••• •••• 0189"


def test_mask_iban_hides_short_input_whole() -> None:
    masked = mask_iban("FR76")

    assert masked == "••••"


def test_validated_iban_exposes_masked_form() -> None:
    validated = validate_iban(VALID_FR)

    assert validated.masked == "•••• •••• •••• •••• •••• •••• 5Z02"
    assert validated.formatted == "FR70 3000 2005 5000 0015 7845 Z02"


def test_monaco_iban_exposes_rib_parts() -> None:
    validated = validate_iban(VALID_MC.lower())

    assert validated.country_code == "MC"
    assert validated.rib is not None
    assert validated.rib.bank_code == "12739"
    assert validated.rib.branch_code == "00070"
    assert validated.rib.account_number == "0011111000H"
    assert validated.rib.key == "79"


def test_foreign_iban_has_no_rib() -> None:
    validated = validate_iban(VALID_DE)

    assert validated.rib is None
    assert validated.bban == "370400440532013000"


# IBAN errors


def test_iban_letter_o_in_bank_code() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_iban("FR70 3O00 2005 5000 0015 7845 Z02")

    error = only_error(raised)
    assert error.code == "iban.letter_o"
    assert plain(error.message) == (
        "Le code banque « 3O002 » contient la lettre O à la place du chiffre 0."
    )


def test_iban_letter_o_in_check_digits() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_iban("FR7O 3000 2005 5000 0015 7845 Z02")

    error = only_error(raised)
    assert error.code == "iban.letter_o"
    assert plain(error.message) == (
        "Les chiffres de contrôle « 7O » (3e et 4e caractères de l’IBAN) contiennent "
        "la lettre O à la place du chiffre 0."
    )


def test_iban_letter_o_in_branch_code() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_iban("FR70 3000 2OO5 5000 0015 7845 Z02")

    error = only_error(raised)
    assert error.code == "iban.letter_o"
    assert plain(error.message) == (
        "Le code guichet « OO550 » contient la lettre O à la place du chiffre 0."
    )


def test_iban_letter_o_in_rib_key() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_iban("FR70 3000 2005 5000 0015 7845 ZO2")

    error = only_error(raised)
    assert error.code == "iban.letter_o"
    assert plain(error.message) == (
        "La clé RIB « O2 » contient la lettre O à la place du chiffre 0."
    )


def test_iban_account_letter_o_fails_checksum() -> None:
    # French account numbers may contain letters, so an O there is a valid character and
    # only the checksum can catch it.
    with pytest.raises(ValidationError) as raised:
        validate_iban("FR70 3000 2005 5000 OO15 7845 Z02")

    error = only_error(raised)
    assert error.code == "iban.checksum"
    assert plain(error.message).endswith(
        "Il contient la lettre O : s’il s’agit du chiffre 0, corrigez-le."
    )


def test_iban_checksum_message_masks_iban() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_iban("FR71 3000 2005 5000 0015 7845 Z02")

    error = only_error(raised)
    assert error.code == "iban.checksum"
    assert plain(error.message) == (
        "L’IBAN •••• •••• •••• •••• •••• •••• 5Z02 n’est pas valide : ses chiffres de "
        "contrôle (3e et 4e caractères) ne correspondent pas au reste du numéro. "
        "Vérifiez chaque caractère sur votre RIB."
    )
    assert "FR71" not in error.message


def test_iban_with_wrong_rib_key_rejected() -> None:
    assert IBAN(WRONG_RIB_KEY_FR)  # mod 97 alone accepts it

    with pytest.raises(ValidationError) as raised:
        validate_iban(WRONG_RIB_KEY_FR)

    error = only_error(raised)
    assert error.code == "rib.key"
    assert plain(error.message) == (
        "La clé RIB « 00 » de l’IBAN •••• •••• •••• •••• •••• •••• 5Z00 ne correspond pas au "
        "code banque, au code guichet et au numéro de compte qu’il contient : vérifiez ces "
        "valeurs sur votre RIB."
    )


def test_iban_wrong_length_names_country() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_iban("FR70 3000 2005 5000 0015 7845 Z0")

    error = only_error(raised)
    assert error.code == "iban.length"
    assert plain(error.message) == (
        "L’IBAN compte 26 caractères au lieu de 27 pour ce pays (France) : vérifiez qu’il ne "
        "manque aucun caractère et qu’aucun n’est en trop."
    )


def test_iban_unknown_country_code() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_iban("XX89 3704 0044 0532 0130 00")

    error = only_error(raised)
    assert error.code == "iban.country"
    assert plain(error.message) == (
        "Le code pays « XX » au début de l’IBAN n’est pas reconnu : vérifiez les deux "
        "premières lettres (FR pour la France, MC pour Monaco)."
    )


def test_iban_country_without_iban() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_iban("US12 3456 7890 1234")

    error = only_error(raised)
    assert error.code == "iban.country"
    assert plain(error.message) == (
        "Le pays « US » (États-Unis) n’utilise pas l’IBAN : saisissez l’IBAN d’un compte "
        "situé dans un pays qui l’utilise."
    )


def test_iban_missing_country_code() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_iban("30002005500000157845Z02")

    error = only_error(raised)
    assert error.code == "iban.country"
    assert plain(error.message) == (
        "L’IBAN doit commencer par un code pays de deux lettres, par exemple FR76 : "
        "recopiez-le en entier depuis votre RIB."
    )


def test_iban_invalid_character_shown_as_typed() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_iban("FR70 3000 2005 5000 0015 7845 é02")

    error = only_error(raised)
    assert error.code == "iban.characters"
    assert plain(error.message) == (
        "L’IBAN contient un caractère non autorisé (« é ») : un IBAN ne contient que des "
        "lettres et des chiffres."
    )


def test_iban_invisible_character_named_by_code() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_iban("FR70 3000 2005 5000 0015 7845\u200b 02")

    error = only_error(raised)
    assert error.code == "iban.characters"
    assert "caractère non autorisé (U+200B)" in plain(error.message)


def test_iban_structure_names_part_and_format() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_iban("GB12 BARC 2020 1530 093A 59")

    error = only_error(raised)
    assert error.code == "iban.structure"
    assert plain(error.message) == (
        "Le numéro de compte « 30093A59 » n’a pas le format attendu pour ce pays "
        "(Royaume-Uni) : il faut 8 chiffres."
    )


def test_iban_letters_in_check_digits() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_iban("DEAA 3704 0044 0532 0130 00")

    error = only_error(raised)
    assert error.code == "iban.structure"
    assert plain(error.message) == (
        "Les chiffres de contrôle « AA » (3e et 4e caractères de l’IBAN) doivent être deux "
        "chiffres : recopiez-les depuis votre RIB."
    )


@pytest.mark.parametrize("empty", ["", "   ", None])
def test_iban_required(empty: str | None) -> None:
    with pytest.raises(ValidationError) as raised:
        validate_iban(empty)

    error = only_error(raised)
    assert error.code == "iban.required"
    assert plain(error.message) == (
        "L’IBAN est obligatoire : recopiez-le depuis votre RIB (il commence par FR76 pour la "
        "plupart des comptes français)."
    )


def test_iban_error_hides_value_from_logs() -> None:
    typed = "FR71 3000 2005 5000 0015 7845 Z02"

    with pytest.raises(ValidationError) as raised:
        validate_iban(typed, field="creditor_iban")

    error = only_error(raised)
    assert error.field == "creditor_iban"
    assert error.value == typed
    assert typed not in repr(error)
    assert str(raised.value) == "creditor_iban: iban.checksum"


def test_iban_message_uses_french_spacing() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_iban("XX89 3704 0044 0532 0130 00")

    message = only_error(raised).message
    assert "«\u00a0XX\u00a0»" in message
    assert "reconnu\u00a0: vérifiez" in message


# RIB key


def test_compute_rib_key_digits_only() -> None:
    key = compute_rib_key("30003", "00119", "00020212266")

    assert key == "43"


def test_compute_rib_key_converts_letters() -> None:
    # Z counts as 9 in the French banking table, so both accounts share their key.
    with_letter = compute_rib_key("30002", "00550", "0000157845Z")
    with_digit = compute_rib_key("30002", "00550", "00001578459")

    assert with_letter == "02"
    assert with_digit == with_letter


def test_compute_rib_key_rejects_lower_case() -> None:
    with pytest.raises(ValueError):
        compute_rib_key("30002", "00550", "0000157845z")


# BIC


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("BNPAFRPP", "BNPAFRPP"),
        ("bnpafrppxxx", "BNPAFRPPXXX"),
        (" BNPA FR PP XXX ", "BNPAFRPPXXX"),
        ("CRLYFRPP", "CRLYFRPP"),
    ],
)
def test_bic_normalized(typed: str, expected: str) -> None:
    bic = validate_bic(typed)

    assert bic == expected


@pytest.mark.parametrize("typed", ["BNPAFRP", "BNPAFRPPXX", "BNPAFRPPXXXX"])
def test_bic_wrong_length(typed: str) -> None:
    with pytest.raises(ValidationError) as raised:
        validate_bic(typed)

    error = only_error(raised)
    assert error.code == "bic.length"
    assert plain(error.message) == (
        f"Le BIC « {typed} » compte {len(typed)} caractères : un BIC en compte 8 ou 11, "
        "recopiez-le depuis votre RIB."
    )


def test_bic_digits_in_country_code() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_bic("BNPAF1PP")

    error = only_error(raised)
    assert error.code == "bic.structure"
    assert plain(error.message) == (
        "Le BIC « BNPAF1PP » n’a pas le format attendu : 4 lettres ou chiffres pour la banque, "
        "2 lettres pour le pays, 2 lettres ou chiffres pour la ville, puis en option 3 lettres "
        "ou chiffres pour l’agence (par exemple BNPAFRPPXXX)."
    )


def test_bic_unknown_country() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_bic("BNPAXXPP")

    error = only_error(raised)
    assert error.code == "bic.country"
    assert plain(error.message) == (
        "Le code pays « XX » du BIC (5e et 6e caractères) n’est pas reconnu : recopiez le BIC "
        "depuis votre RIB."
    )


def test_bic_required_when_called_alone() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_bic("  ")

    assert only_error(raised).code == "bic.required"


# Bank details form


def test_bank_form_returns_normalized_values() -> None:
    details = validate_bank_details(
        "30002", "00550", "0000157845z", "02", "fr70 3000 2005 5000 0015 7845 z02", "crly fr pp"
    )

    assert details == BankDetails(
        iban=VALID_FR,
        bic="CRLYFRPP",
        country_code="FR",
        bank_code="30002",
        branch_code="00550",
        account_number="0000157845Z",
        rib_key="02",
    )
    assert details.masked_iban == "•••• •••• •••• •••• •••• •••• 5Z02"


def test_bank_form_bic_optional() -> None:
    details = validate_bank_details("", "", "", "", VALID_FR, "  ")

    assert details.bic is None


def test_bank_form_fills_only_missing_parts() -> None:
    details = validate_bank_details("30002", None, "", "02", VALID_FR, None)

    assert details.branch_code == "00550"
    assert details.account_number == "0000157845Z"


def test_bank_form_rib_key_mismatch_message() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_bank_details("30002", "00550", "0000157845Z", "12", "", "")

    errors = errors_by_field(raised)
    assert errors["rib_key"].code == "rib.key"
    assert plain(errors["rib_key"].message) == (
        "La clé RIB 12 ne correspond pas au code banque, au code guichet et au numéro de "
        "compte saisis : vérifiez ces quatre valeurs sur votre RIB."
    )
    assert errors["iban"].code == "iban.required"


def test_bank_form_part_differs_from_iban() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_bank_details("30003", "00550", "0000157845Z", "02", VALID_FR, "")

    error = only_error(raised)
    assert error.field == "bank_code"
    assert error.code == "rib.iban_mismatch"
    assert plain(error.message) == (
        "Le code banque « 30003 » ne correspond pas à celui de l’IBAN (« 30002 ») : corrigez "
        "l’un ou l’autre d’après votre RIB."
    )


def test_bank_form_key_differs_from_iban() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_bank_details("", "", "", "12", VALID_FR, "")

    error = only_error(raised)
    assert error.field == "rib_key"
    assert error.code == "rib.iban_mismatch"
    assert plain(error.message) == (
        "La clé RIB « 12 » ne correspond pas à celle de l’IBAN (« 02 ») : corrigez l’un ou "
        "l’autre d’après votre RIB."
    )


def test_bank_form_collects_every_field_error() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_bank_details("3O002", "0055", "0000157845", "2A", "FR71 3000", "BNPAFRP")

    errors = errors_by_field(raised)
    assert set(errors) == {
        "bank_code", "branch_code", "account_number", "rib_key", "iban", "bic"
    }
    assert errors["bank_code"].code == "rib.letter_o"
    assert errors["branch_code"].code == "rib.branch_code"
    assert errors["account_number"].code == "rib.account_number"
    assert errors["rib_key"].code == "rib.key_format"
    assert errors["iban"].code == "iban.length"
    assert errors["bic"].code == "bic.length"


def test_bank_form_part_format_messages() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_bank_details("3O002", "0055", "0000157845", "2A", VALID_FR, "")

    messages = {field: plain(error.message) for field, error in errors_by_field(raised).items()}
    assert messages["bank_code"] == (
        "Le code banque « 3O002 » contient la lettre O à la place du chiffre 0."
    )
    assert messages["branch_code"] == (
        "Le code guichet « 0055 » doit contenir exactement 5 chiffres : recopiez-le depuis "
        "votre RIB."
    )
    assert messages["account_number"] == (
        "Le numéro de compte « 0000157845 » doit contenir exactement 11 lettres ou chiffres : "
        "recopiez-le depuis votre RIB."
    )
    assert messages["rib_key"] == (
        "La clé RIB « 2A » doit contenir exactement 2 chiffres : recopiez-la depuis votre RIB."
    )


def test_bank_form_rib_parts_with_foreign_iban() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_bank_details("30002", "", "", "", VALID_DE, "COBADEFFXXX")

    error = only_error(raised)
    assert error.field == "bank_code"
    assert error.code == "rib.not_applicable"
    assert plain(error.message) == (
        "Le code banque n’existe que pour les comptes français et monégasques, or l’IBAN saisi "
        "est celui d’un compte en Allemagne : videz ce champ."
    )


def test_bank_form_foreign_iban_without_rib() -> None:
    details = validate_bank_details(None, None, None, None, VALID_DE, "COBADEFFXXX")

    assert details.country_code == "DE"
    assert details.bank_code is None
    assert details.rib_key is None
    assert details.bic == "COBADEFFXXX"


def test_bank_form_invalid_iban_needs_no_rib_parts() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_bank_details("", "", "", "", "FR71 3000 2005 5000 0015 7845 Z02", "")

    error = only_error(raised)
    assert error.field == "iban"
    assert error.code == "iban.checksum"


# BIC against the IBAN's country and bank

# Bank code 30006 is Crédit Agricole SA (BIC AGRIFRPPXXX in schwifty's registry).
CREDIT_AGRICOLE_FR = french_iban("30006", "00001", "12345678901")
# Bank code 18719 is the BFCOI, listed with BICs BFCORERXXXX (Réunion) and BFCOYTYTXXX (Mayotte).
BFCOI_FR = french_iban("18719", "00080", "12345678901")
# Bank code 99999 is in none of schwifty's registries.
UNLISTED_BANK_FR = french_iban("99999", "00001", "12345678901")
# Bank code 37040044 is Commerzbank (BIC COBADEFFXXX).
COMMERZBANK_DE = VALID_DE
# Bank code NWBK is NatWest (BIC NWBKGB2LXXX).
NATWEST_GB = "GB29NWBK60161331926819"


def test_sample_ibans_are_valid() -> None:
    assert CREDIT_AGRICOLE_FR == "FR7630006000011234567890189"
    for iban in (CREDIT_AGRICOLE_FR, BFCOI_FR, UNLISTED_BANK_FR, COMMERZBANK_DE, NATWEST_GB):
        assert IBAN(iban).is_valid, iban
        assert validate_iban(iban).iban == iban


def test_bic_of_other_french_bank_rejected() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_bank_details("", "", "", "", CREDIT_AGRICOLE_FR, "BNPAFRPP")

    error = only_error(raised)
    assert error.field == "bic"
    assert error.code == "bic.iban_bank"
    assert error.value == "BNPAFRPP"
    assert plain(error.message) == (
        "Le BIC « BNPAFRPP » n’est pas celui de la banque de l’IBAN (code banque 30006), dont le "
        "BIC commence par AGRI : recopiez le BIC depuis le RIB du même compte que l’IBAN, ou "
        "laissez le champ BIC vide, car l’IBAN suffit."
    )


def test_bic_bank_message_uses_french_spacing() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_bank_details("", "", "", "", CREDIT_AGRICOLE_FR, "BNPAFRPP")

    message = only_error(raised).message
    assert "«\u00a0BNPAFRPP\u00a0»" in message
    assert "AGRI\u00a0: recopiez" in message


@pytest.mark.parametrize("typed", ["AGRIFRPP", "agri fr pp xxx", "AGRIFRPP831"])
def test_bic_of_iban_bank_accepted(typed: str) -> None:
    details = validate_bank_details("", "", "", "", CREDIT_AGRICOLE_FR, typed)

    assert details.bic == typed.replace(" ", "").upper()


@pytest.mark.parametrize("typed", ["BFCORERX", "BFCOYTYTXXX"])
def test_overseas_bic_of_iban_bank_accepted(typed: str) -> None:
    details = validate_bank_details("", "", "", "", BFCOI_FR, typed)

    assert details.bic == typed


def test_bic_lists_every_known_prefix_of_bank() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_bank_details("", "", "", "", BFCOI_FR, "BNPARERX")

    error = only_error(raised)
    assert error.code == "bic.iban_bank"
    assert "dont le BIC commence par BFCO :" in plain(error.message)


def test_french_iban_rejects_foreign_bic() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_bank_details("", "", "", "", UNLISTED_BANK_FR, "COBADEFF")

    error = only_error(raised)
    assert error.field == "bic"
    assert error.code == "bic.iban_country"
    assert plain(error.message) == (
        "Le BIC « COBADEFF » est celui d’une banque d’Allemagne, alors que l’IBAN "
        "(code banque 99999) est celui d’un compte en France : recopiez le BIC et "
        "l’IBAN depuis le RIB du même compte."
    )


@pytest.mark.parametrize("typed", ["BNPAFRPP", "CFMOMCMX", "BNPAGPGP", "BNPARERX", "BNPANCNC", "BNPAPFPT"])
def test_unlisted_bank_accepts_french_group_bic(typed: str) -> None:
    details = validate_bank_details("", "", "", "", UNLISTED_BANK_FR, typed)

    assert details.bic == typed


def test_monaco_iban_accepts_french_bic() -> None:
    monaco = french_iban("12739", "00070", "0011111000H", country_code="MC")

    details = validate_bank_details("", "", "", "", monaco, "CFMOMCMX")
    with_french_bic = validate_bank_details("", "", "", "", monaco, "BNPAFRPP")

    assert monaco == VALID_MC
    assert details.bic == "CFMOMCMX"
    assert with_french_bic.bic == "BNPAFRPP"


def test_monaco_iban_rejects_german_bic() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_bank_details("", "", "", "", VALID_MC, "COBADEFF")

    assert only_error(raised).code == "bic.iban_country"


def test_german_iban_rejects_other_german_bank() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_bank_details(None, None, None, None, COMMERZBANK_DE, "DEUTDEFF")

    error = only_error(raised)
    assert error.code == "bic.iban_bank"
    assert "(code banque 37040044), dont le BIC commence par COBA :" in plain(error.message)


def test_german_iban_rejects_french_bic() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_bank_details(None, None, None, None, COMMERZBANK_DE, "BNPAFRPP")

    error = only_error(raised)
    assert error.code == "bic.iban_country"
    assert "d’une banque de France, alors que l’IBAN (code banque 37040044)" in plain(error.message)
    assert "d’un compte en Allemagne :" in plain(error.message)


def test_dutch_iban_with_portuguese_bic_names_both_countries() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_bank_details(None, None, None, None, "NL91ABNA0417164300", "BCOMPTPL")

    error = only_error(raised)
    assert error.code == "bic.iban_country"
    assert "Le BIC « BCOMPTPL » est celui d’une banque du Portugal, alors que l’IBAN" in plain(error.message)
    assert "est celui d’un compte aux Pays-Bas :" in plain(error.message)


def test_british_iban_accepts_bic_of_its_bank() -> None:
    details = validate_bank_details(None, None, None, None, NATWEST_GB, "NWBKGB2L")

    assert details.bic == "NWBKGB2L"


# A Barclays account number built by schwifty, so its check digits are right. The registry
# lists only GB BICs for bank code BARC.
BARCLAYS_GB = str(IBAN.generate("GB", bank_code="BARC200000", account_code="55779911").compact)


def test_barclays_sample_iban_is_valid() -> None:
    assert BARCLAYS_GB == "GB60BARC20000055779911"
    assert validate_iban(BARCLAYS_GB).iban == BARCLAYS_GB


@pytest.mark.parametrize("typed", ["BARCJESH", "BARCGGSPXXX", "BARCIMDX"])
def test_british_iban_accepts_crown_dependency_bic(typed: str) -> None:
    details = validate_bank_details(None, None, None, None, BARCLAYS_GB, typed)

    assert details.bic == typed


def test_british_iban_rejects_jersey_bic_of_other_bank() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_bank_details(None, None, None, None, BARCLAYS_GB, "MIDLJESH")

    error = only_error(raised)
    assert error.field == "bic"
    assert error.code == "bic.iban_bank"
    assert "(code banque BARC), dont le BIC commence par BARC :" in plain(error.message)


def test_british_iban_rejects_french_barclays_bic() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_bank_details(None, None, None, None, BARCLAYS_GB, "BARCFRPP")

    assert only_error(raised).code == "bic.iban_country"


def test_bic_countries_of_french_iban() -> None:
    countries = bic_countries_for_iban("FR")

    assert countries == {
        "FR", "MC", "GF", "GP", "MQ", "RE", "YT", "NC", "PF", "PM", "BL", "MF", "TF", "WF"
    }
    assert bic_countries_for_iban("MC") == countries


def test_bic_countries_of_other_ibans() -> None:
    assert bic_countries_for_iban("GB") == {"GB", "JE", "GG", "IM"}
    assert bic_countries_for_iban("FI") == {"FI", "AX"}
    assert bic_countries_for_iban("DE") == {"DE"}


def test_bic_and_iban_errors_not_compared() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_bank_details("", "", "", "", "FR7630006000011234567890188", "COBADEFF")

    assert only_error(raised).code == "iban.checksum"


def test_bic_check_callable_alone() -> None:
    with pytest.raises(ValidationError) as raised:
        check_bic_matches_iban("BNPAFRPP", validate_iban(CREDIT_AGRICOLE_FR), raw="bnpa fr pp", field="bic")

    error = only_error(raised)
    assert error.code == "bic.iban_bank"
    assert error.value == "bnpa fr pp"
