"""Legal identity of a French company: SIREN, SIRET and intra-EU VAT number (python-stdnum)."""

from __future__ import annotations

import dataclasses
import re

from stdnum import exceptions as stdnum_errors
from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret
from stdnum.fr import tva as stdnum_tva

from .errors import ErrorCollector, field_error, reject

_SEPARATORS = re.compile(r"[\s.\-]+")
_DIGITS = re.compile(r"[0-9]+")
_COUNTRY_PREFIX = re.compile(r"[A-Z]{2}")

# A French VAT number whose SIREN part starts with 000 belongs to a Monaco company, which has
# no SIREN. python-stdnum accepts these numbers and skips the SIREN check.
_MONACO_SIREN_PREFIX = "000"

_SIREN_SOURCE = "votre extrait Kbis ou votre avis de situation Insee"


@dataclasses.dataclass(frozen=True, slots=True)
class LegalIdentity:
    """Normalized identifiers of a company. SIRET and VAT number are None when not given."""

    siren: str
    siret: str | None
    vat_number: str | None


def _compact(value: str | None) -> str:
    return _SEPARATORS.sub("", value or "").upper()


def validate_siren(value: str | None, *, field: str = "siren") -> str:
    """Return the 9-digit SIREN without spaces, or raise ValidationError.

    The last digit is a Luhn check digit. Error codes: ``siren.required``, ``siren.format``,
    ``siren.checksum``.
    """
    raw = value or ""
    number = _compact(raw)
    if not number:
        raise reject(
            field,
            raw,
            "siren.required",
            f"Le SIREN est obligatoire : recopiez-le depuis {_SIREN_SOURCE}.",
        )
    if not (_DIGITS.fullmatch(number) and len(number) == 9):
        raise reject(
            field,
            raw,
            "siren.format",
            f"Le SIREN « {raw.strip()} » doit contenir exactement 9 chiffres : recopiez-le "
            f"depuis {_SIREN_SOURCE}.",
        )
    if not stdnum_siren.is_valid(number):
        raise reject(
            field,
            raw,
            "siren.checksum",
            f"Le SIREN « {raw.strip()} » n’est pas valide : son dernier chiffre (clé de contrôle) "
            f"ne correspond pas aux huit premiers. Vérifiez chaque chiffre sur {_SIREN_SOURCE}.",
        )
    return number


def validate_siret(value: str | None, *, field: str = "siret") -> str:
    """Return the 14-digit SIRET without spaces, or raise ValidationError.

    The SIRET is the SIREN followed by a 5-digit establishment number (NIC) and uses the Luhn
    check, except La Poste's establishments, whose digits must add up to a multiple of 5
    (python-stdnum handles both). Error codes: ``siret.required``, ``siret.format``,
    ``siret.checksum``.
    """
    raw = value or ""
    number = _compact(raw)
    if not number:
        raise reject(
            field,
            raw,
            "siret.required",
            f"Le SIRET est obligatoire : recopiez-le depuis {_SIREN_SOURCE}.",
        )
    if not (_DIGITS.fullmatch(number) and len(number) == 14):
        raise reject(
            field,
            raw,
            "siret.format",
            f"Le SIRET « {raw.strip()} » doit contenir exactement 14 chiffres (les 9 du SIREN "
            f"puis les 5 du NIC) : recopiez-le depuis {_SIREN_SOURCE}.",
        )
    if not stdnum_siret.is_valid(number):
        raise reject(
            field,
            raw,
            "siret.checksum",
            f"Le SIRET « {raw.strip()} » n’est pas valide : ses chiffres ne respectent pas la clé "
            f"de contrôle. Vérifiez chaque chiffre sur {_SIREN_SOURCE}.",
        )
    return number


def validate_vat_number(value: str | None, *, field: str = "vat_number") -> str:
    """Return the French VAT number as ``FR`` + key + SIREN without spaces, or raise.

    The key is two digits computed from the SIREN, or for numbers issued without a SIREN two
    characters of which at least one is a letter, with their own check (python-stdnum). A
    SIREN part starting with 000 is a Monaco company's. Error codes: ``vat.required``,
    ``vat.country``, ``vat.format``, ``vat.siren``, ``vat.checksum``.
    """
    raw = value or ""
    number = _compact(raw)
    typed = raw.strip()
    if not number:
        raise reject(
            field,
            raw,
            "vat.required",
            "Le numéro de TVA intracommunautaire est obligatoire : il figure sur vos factures "
            "et commence par FR.",
        )
    if not number.startswith("FR"):
        if _COUNTRY_PREFIX.match(number):
            problem = "n’est pas un numéro français : saisissez un numéro qui commence par FR"
        else:
            problem = "doit commencer par FR : ajoutez ces deux lettres devant la clé"
        raise reject(
            field,
            raw,
            "vat.country",
            f"Le numéro de TVA « {typed} » {problem}, par exemple FR40303265045.",
        )

    body = number[2:]
    key, siren = body[:2], body[2:]
    if len(body) != 11 or not _DIGITS.fullmatch(siren):
        raise reject(
            field,
            raw,
            "vat.format",
            f"Le numéro de TVA « {typed} » doit contenir FR, une clé de 2 caractères puis les "
            "9 chiffres du SIREN, par exemple FR40303265045.",
        )
    if not siren.startswith(_MONACO_SIREN_PREFIX) and not stdnum_siren.is_valid(siren):
        raise reject(
            field,
            raw,
            "vat.siren",
            f"Le SIREN « {siren} » contenu dans le numéro de TVA n’est pas valide : "
            "vérifiez ses 9 derniers chiffres.",
        )

    try:
        stdnum_tva.validate(body)
    except stdnum_errors.InvalidChecksum:
        raise reject(field, raw, "vat.checksum", _key_mismatch_message(key, siren)) from None
    except stdnum_errors.ValidationError:
        raise reject(
            field,
            raw,
            "vat.format",
            f"La clé « {key} » du numéro de TVA n’est pas valide : elle se compose de 2 chiffres, "
            "ou de lettres et de chiffres hors I et O.",
        ) from None
    return number


def _key_mismatch_message(key: str, siren: str) -> str:
    message = f"La clé « {key} » du numéro de TVA ne correspond pas au SIREN {siren}"
    if _DIGITS.fullmatch(key):
        expected = int(siren + "12") % 97
        message += f" (la clé attendue est {expected:02d})"
    return message + " : vérifiez les deux caractères après FR et le SIREN."


def validate_legal_identity(
    siren: str | None, siret: str | None = None, vat_number: str | None = None
) -> LegalIdentity:
    """Check a company's SIREN, optional SIRET and optional VAT number against each other.

    The SIRET must start with the SIREN, and a VAT number must contain it, except a Monaco
    company's number, which has no SIREN. Raises ValidationError with every field error.
    Error codes, besides those of the single validators: ``siret.siren_mismatch``,
    ``vat.siren_mismatch``.
    """
    collector = ErrorCollector()
    valid_siren = collector.run(validate_siren, siren)
    valid_siret = collector.run(validate_siret, siret) if _compact(siret) else None
    valid_vat = collector.run(validate_vat_number, vat_number) if _compact(vat_number) else None

    if valid_siren and valid_siret and not valid_siret.startswith(valid_siren):
        collector.add(
            field_error(
                "siret",
                siret or "",
                "siret.siren_mismatch",
                f"Le SIRET {valid_siret} ne commence pas par le SIREN {valid_siren} : "
                "les 9 premiers chiffres du SIRET sont ceux du SIREN, corrigez l’un ou l’autre.",
            )
        )
    vat_siren = valid_vat[4:] if valid_vat else None
    if (
        valid_siren
        and vat_siren
        and not vat_siren.startswith(_MONACO_SIREN_PREFIX)
        and vat_siren != valid_siren
    ):
        collector.add(
            field_error(
                "vat_number",
                vat_number or "",
                "vat.siren_mismatch",
                f"Le numéro de TVA {valid_vat} ne contient pas le SIREN {valid_siren} : "
                "ses 9 derniers chiffres sont ceux du SIREN, corrigez l’un ou l’autre.",
            )
        )
    collector.raise_if_any()

    assert valid_siren is not None  # raise_if_any has raised if validate_siren failed.
    return LegalIdentity(siren=valid_siren, siret=valid_siret, vat_number=valid_vat)
