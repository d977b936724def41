"""IBAN normalization, masking and validation, with messages that name the wrong part.

schwifty's registry gives each country's length and BBAN structure, and schwifty's IBAN class
stays the final check. The checks before it only find which part is wrong, so that the message
can tell the user what to fix.
"""

from __future__ import annotations

import dataclasses
import math
import re

from schwifty import IBAN
from schwifty import exceptions as schwifty_errors
from schwifty import registry
from schwifty.domain import IBANSpec

from shared.typography import format_count

from .bban import check_bban_structure
from .country import country_name_fr, is_known_country
from .errors import reject
from .text import shown_character
from .rib import RIB_COUNTRIES, RibParts, compute_rib_key, split_rib

# Python's \s also matches tabs, NBSP (U+00A0) and the narrow NBSP (U+202F).
_SEPARATORS = re.compile(r"[\s.\-/]+")
_LEADING_LABEL = re.compile(r"^IBAN:?", re.IGNORECASE)
_INVALID_CHARACTER = re.compile(r"[^A-Za-z0-9]")
_COUNTRY_LETTERS = re.compile(r"[A-Z]{2}")
_CHECK_DIGITS = re.compile(r"[0-9]{2}")

MASK_GROUP = "••••"


@dataclasses.dataclass(frozen=True, slots=True)
class ValidatedIban:
    """A valid IBAN, upper case and without separators, with its parts.

    ``rib`` is set for French and Monaco IBANs only.
    """

    iban: str
    country_code: str
    bban: str
    rib: RibParts | None

    @property
    def formatted(self) -> str:
        return format_iban(self.iban)

    @property
    def masked(self) -> str:
        return mask_iban(self.iban)


def normalize_iban(value: str) -> str:
    """Return ``value`` upper case, without separators or a leading ``IBAN:`` label.

    Separators are spaces, tabs, NBSP, dots, dashes and slashes.
    """
    return _strip_separators(value).upper()


def _strip_separators(value: str) -> str:
    return _LEADING_LABEL.sub("", _SEPARATORS.sub("", value))


def format_iban(iban: str) -> str:
    """Return the normalized IBAN in groups of four characters, as printed on a RIB."""
    compact = normalize_iban(iban)
    return " ".join(compact[start : start + 4] for start in range(0, len(compact), 4))


def mask_iban(iban: str) -> str:
    """Return the IBAN with all but its last 4 characters hidden, for logs and messages.

    ``FR76 3000 6000 0112 3456 7890 189`` becomes ``•••• •••• •••• •••• •••• •••• 0189``. An
    input of 4 characters or fewer is hidden whole.
    """
    compact = normalize_iban(iban)
    if len(compact) <= 4:
        return MASK_GROUP
    hidden_groups = math.ceil((len(compact) - 4) / 4)
    return " ".join([MASK_GROUP] * hidden_groups + [compact[-4:]])


def validate_iban(value: str | None, *, field: str = "iban") -> ValidatedIban:
    """Return the normalized IBAN with its parts, or raise ValidationError.

    Checks, in this order: characters, country code, length for the country, check digits
    format, national BBAN structure, ISO 7064 mod-97 checksum, and for FR and MC the RIB key.
    Error codes: ``iban.required``, ``iban.characters``, ``iban.country``, ``iban.length``,
    ``iban.letter_o``, ``iban.structure``, ``iban.checksum``, ``rib.key``. Messages show the
    IBAN masked, never in full.
    """
    raw = value or ""
    iban = normalize_iban(raw)
    if not iban:
        raise reject(
            field,
            raw,
            "iban.required",
            "L’IBAN est obligatoire : recopiez-le depuis votre RIB "
            "(il commence par FR76 pour la plupart des comptes français).",
        )

    if invalid := _INVALID_CHARACTER.search(_strip_separators(raw)):
        raise reject(
            field,
            raw,
            "iban.characters",
            f"L’IBAN contient un caractère non autorisé ({shown_character(invalid.group())}) : "
            "un IBAN ne contient que des lettres et des chiffres.",
        )

    spec = _find_spec(iban, raw, field)
    _check_length(iban, spec, raw, field)
    _check_check_digits(iban, raw, field)
    check_bban_structure(iban, spec, masked_iban=mask_iban(iban), raw=raw, field=field)
    _check_with_schwifty(iban, raw, field)

    bban = iban[4:]
    rib = None
    if spec.country in RIB_COUNTRIES:
        rib = split_rib(bban)
        _check_rib_key(iban, rib, raw, field)
    return ValidatedIban(iban=iban, country_code=spec.country, bban=bban, rib=rib)


def _find_spec(iban: str, raw: str, field: str) -> IBANSpec:
    country_code = iban[:2]
    if not _COUNTRY_LETTERS.fullmatch(country_code):
        raise reject(
            field,
            raw,
            "iban.country",
            "L’IBAN doit commencer par un code pays de deux lettres, par exemple FR76 : "
            "recopiez-le en entier depuis votre RIB.",
        )
    try:
        return registry.get_iban_spec(country_code)
    except schwifty_errors.InvalidCountryCode:
        pass

    if is_known_country(country_code):
        message = (
            f"Le pays « {country_code} » ({country_name_fr(country_code)}) n’utilise pas l’IBAN : "
            "saisissez l’IBAN d’un compte situé dans un pays qui l’utilise."
        )
    else:
        message = (
            f"Le code pays « {country_code} » au début de l’IBAN n’est pas reconnu : "
            "vérifiez les deux premières lettres (FR pour la France, MC pour Monaco)."
        )
    raise reject(field, raw, "iban.country", message)


def _check_length(iban: str, spec: IBANSpec, raw: str, field: str) -> None:
    if len(iban) == spec.iban_length:
        return
    raise reject(
        field,
        raw,
        "iban.length",
        f"L’IBAN compte {format_count(len(iban))} caractères au lieu de {spec.iban_length} pour ce pays "
        f"({country_name_fr(spec.country)}) : vérifiez qu’il ne manque aucun caractère "
        "et qu’aucun n’est en trop.",
    )


def _check_check_digits(iban: str, raw: str, field: str) -> None:
    check_digits = iban[2:4]
    if _CHECK_DIGITS.fullmatch(check_digits):
        return
    if "O" in check_digits and _CHECK_DIGITS.fullmatch(check_digits.replace("O", "0")):
        raise reject(
            field,
            raw,
            "iban.letter_o",
            f"Les chiffres de contrôle « {check_digits} » (3e et 4e caractères de l’IBAN) "
            "contiennent la lettre O à la place du chiffre 0.",
        )
    raise reject(
        field,
        raw,
        "iban.structure",
        f"Les chiffres de contrôle « {check_digits} » (3e et 4e caractères de l’IBAN) "
        "doivent être deux chiffres : recopiez-les depuis votre RIB.",
    )



def _check_with_schwifty(iban: str, raw: str, field: str) -> None:
    try:
        IBAN(iban)
    except schwifty_errors.InvalidChecksumDigits:
        message = (
            f"L’IBAN {mask_iban(iban)} n’est pas valide : ses chiffres de contrôle "
            "(3e et 4e caractères) ne correspondent pas au reste du numéro. "
            "Vérifiez chaque caractère sur votre RIB."
        )
        if "O" in iban[4:]:
            message += " Il contient la lettre O : s’il s’agit du chiffre 0, corrigez-le."
        raise reject(field, raw, "iban.checksum", message) from None
    except schwifty_errors.SchwiftyException as error:
        # The checks above cover what schwifty rejects today, so this only runs if a future
        # schwifty adds a rule. The code still follows the kind of error it raised.
        raise reject(
            field,
            raw,
            _fallback_code(error),
            f"L’IBAN {mask_iban(iban)} n’est pas valide : recopiez-le en entier depuis votre RIB.",
        ) from None


def _fallback_code(error: schwifty_errors.SchwiftyException) -> str:
    if isinstance(error, schwifty_errors.InvalidCountryCode):
        return "iban.country"
    if isinstance(error, schwifty_errors.InvalidLength):
        return "iban.length"
    return "iban.structure"


def _check_rib_key(iban: str, rib: RibParts, raw: str, field: str) -> None:
    expected = compute_rib_key(rib.bank_code, rib.branch_code, rib.account_number)
    if rib.key == expected:
        return
    raise reject(
        field,
        raw,
        "rib.key",
        f"La clé RIB « {rib.key} » de l’IBAN {mask_iban(iban)} ne correspond pas au code "
        "banque, au code guichet et au numéro de compte qu’il contient : vérifiez ces valeurs "
        "sur votre RIB.",
    )

