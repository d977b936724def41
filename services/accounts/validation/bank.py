"""Bank details form: RIB parts, IBAN and BIC, checked against each other."""

from __future__ import annotations

import dataclasses
import functools
import re

import pycountry
from schwifty import BIC, IBAN, registry
from schwifty import exceptions as schwifty_errors
from schwifty.domain import Component

from shared.typography import format_count

from .country_phrases import in_country, of_country
from .errors import ErrorCollector, field_error, reject
from .iban import ValidatedIban, mask_iban, validate_iban
from .rib import (
    ACCOUNT_NUMBER_LENGTH,
    BANK_CODE_LENGTH,
    BRANCH_CODE_LENGTH,
    RIB_COUNTRIES,
    RIB_KEY_LENGTH,
    compute_rib_key,
)

_SEPARATORS = re.compile(r"[\s.\-]+")
_BIC_STRUCTURE = re.compile(r"[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?")


@dataclasses.dataclass(frozen=True, slots=True)
class BankDetails:
    """Normalized bank details of an agency.

    The RIB parts are set for French and Monaco IBANs only. ``bic`` is None when the user left
    it empty.
    """

    iban: str
    bic: str | None
    country_code: str
    bank_code: str | None
    branch_code: str | None
    account_number: str | None
    rib_key: str | None

    @property
    def masked_iban(self) -> str:
        return mask_iban(self.iban)


@dataclasses.dataclass(frozen=True, slots=True)
class _RibField:
    name: str
    label: str
    length: int
    digits_only: bool
    format_code: str
    feminine: bool = False

    @property
    def pattern(self) -> re.Pattern[str]:
        characters = "[0-9]" if self.digits_only else "[0-9A-Z]"
        return re.compile(f"{characters}{{{self.length}}}")

    @property
    def pronoun(self) -> str:
        return "la" if self.feminine else "le"


_RIB_FIELDS = (
    _RibField("bank_code", "Le code banque", BANK_CODE_LENGTH, True, "rib.bank_code"),
    _RibField("branch_code", "Le code guichet", BRANCH_CODE_LENGTH, True, "rib.branch_code"),
    _RibField(
        "account_number", "Le numéro de compte", ACCOUNT_NUMBER_LENGTH, False, "rib.account_number"
    ),
    _RibField("rib_key", "La clé RIB", RIB_KEY_LENGTH, True, "rib.key_format", feminine=True),
)


def _compact(value: str | None) -> str:
    return _SEPARATORS.sub("", value or "").upper()


def validate_bic(value: str | None, *, field: str = "bic") -> str:
    """Return the BIC upper case without spaces, or raise ValidationError.

    A BIC (ISO 9362) has 8 or 11 characters: a 4-character institution code, an ISO 3166
    country code, a 2-character location code and an optional 3-character branch code.
    Error codes: ``bic.required``, ``bic.length``, ``bic.structure``, ``bic.country``.
    """
    raw = value or ""
    bic = _compact(raw)
    if not bic:
        raise reject(
            field, raw, "bic.required", "Le BIC est obligatoire : recopiez-le depuis votre RIB."
        )
    if len(bic) not in (8, 11):
        raise reject(
            field,
            raw,
            "bic.length",
            f"Le BIC « {raw.strip()} » compte {format_count(len(bic))} caractères : un BIC en compte 8 ou 11, "
            "recopiez-le depuis votre RIB.",
        )
    if not _BIC_STRUCTURE.fullmatch(bic):
        raise reject(
            field,
            raw,
            "bic.structure",
            f"Le BIC « {raw.strip()} » n’a pas le format attendu : 4 lettres ou chiffres pour la "
            "banque, 2 lettres pour le pays, 2 lettres ou chiffres pour la ville, puis en option "
            "3 lettres ou chiffres pour l’agence (par exemple BNPAFRPPXXX).",
        )
    try:
        BIC(bic)
    except schwifty_errors.InvalidCountryCode:
        raise reject(
            field,
            raw,
            "bic.country",
            f"Le code pays « {bic[4:6]} » du BIC (5e et 6e caractères) n’est pas reconnu : "
            "recopiez le BIC depuis votre RIB.",
        ) from None
    except schwifty_errors.SchwiftyException:
        raise reject(
            field,
            raw,
            "bic.structure",
            f"Le BIC « {raw.strip()} » n’est pas valide : recopiez-le depuis votre RIB.",
        ) from None
    return bic


def check_bic_matches_iban(
    bic: str, validated_iban: ValidatedIban, *, raw: str, field: str = "bic"
) -> None:
    """Raise ValidationError unless the normalized ``bic`` can belong to the IBAN's bank.

    The BIC's country (5th and 6th characters) must be one that uses the IBAN's format. When
    schwifty's bank registry lists BICs for the IBAN's bank code, the BIC's institution code
    (its first 4 characters) must also be that of one of them. The country is not compared
    with the registry's, because the registry may list only the GB BIC of a bank whose
    Jersey branch has a JE BIC for the same GB IBANs. Staff who review a bank change see
    only the masked IBAN, so a BIC copied from another bank's RIB would go unnoticed.
    Error codes: ``bic.iban_country``, ``bic.iban_bank``.
    """
    iban_country = validated_iban.country_code
    bank_code = IBAN(validated_iban.iban).bank_code
    bank_code_text = f" (code banque {bank_code})" if bank_code else ""
    bic_country = bic[4:6]
    if bic_country not in bic_countries_for_iban(iban_country):
        raise reject(
            field,
            raw,
            "bic.iban_country",
            f"Le BIC « {bic} » est celui d’une banque {of_country(bic_country)}, alors que "
            f"l’IBAN{bank_code_text} est celui d’un compte {in_country(iban_country)} : recopiez "
            "le BIC et l’IBAN depuis le RIB du même compte.",
        )

    known_prefixes = _registry_bic_prefixes(validated_iban)
    # A bank code that the registry does not list is accepted: the registry covers only some
    # countries and banks, and the BIC is optional anyway.
    if not known_prefixes:
        return
    # The country was checked above against every country that uses the IBAN's format, so a
    # Jersey, Guernsey or Isle of Man BIC of a bank that the registry lists as GB passes.
    institutions = {prefix[:4] for prefix in known_prefixes}
    if bic[:4] in institutions:
        return
    expected = " ou ".join(sorted(institutions))
    raise reject(
        field,
        raw,
        "bic.iban_bank",
        f"Le BIC « {bic} » n’est pas celui de la banque de l’IBAN{bank_code_text}, dont le BIC "
        f"commence par {expected} : recopiez le BIC depuis le RIB du même compte que l’IBAN, "
        "ou laissez le champ BIC vide, car l’IBAN suffit.",
    )


@functools.cache
def bic_countries_for_iban(iban_country: str) -> frozenset[str]:
    """Return the country codes that a BIC may have for an IBAN of ``iban_country``.

    In schwifty's IBAN registry (2026.10.1), a territory that uses another country's IBAN has
    that country's prefix. GF, GP, MQ, RE, YT, NC, PF, PM, BL, MF, TF and WF use FR IBANs. JE,
    GG and IM use GB IBANs, and AX uses FI IBANs. A bank there may have a BIC with its
    territory's code, such as AGRIRERX in Réunion. French and Monaco IBANs also accept each
    other's BIC countries, because Monaco's banks get their bank codes from the Banque de
    France and a French bank's Monaco branch may keep its French BIC.
    """
    prefixes = RIB_COUNTRIES if iban_country in RIB_COUNTRIES else frozenset({iban_country})
    countries = set(prefixes)
    for country in pycountry.countries:
        try:
            spec = registry.get_iban_spec(country.alpha_2)
        except schwifty_errors.InvalidCountryCode:
            continue
        if spec.iban_spec[:2] in prefixes:
            countries.add(country.alpha_2)
    return frozenset(countries)


def _registry_bic_prefixes(validated_iban: ValidatedIban) -> frozenset[str]:
    """Return the first 6 characters of the BICs that schwifty's bank registry lists for the IBAN's bank.

    The set is empty when the registry does not list the bank, or when the country looks banks
    up by a part of the IBAN other than its bank and branch codes.
    """
    iban = IBAN(validated_iban.iban)
    components = {Component.BANK_CODE: iban.bank_code, Component.BRANCH_CODE: iban.branch_code}
    lookup_components = iban.spec.bic_lookup_components or [Component.BANK_CODE]
    if any(component not in components for component in lookup_components):
        return frozenset()
    lookup_key = "".join(components[component] for component in lookup_components)
    if not lookup_key:
        return frozenset()
    banks = registry.get_banks_by_code(validated_iban.country_code, lookup_key)
    return frozenset(bank.bic[:6].upper() for bank in banks if bank.bic)


def _validate_rib_part(rib_field: _RibField, raw: str) -> str:
    """Return the compact RIB part, or raise ValidationError naming what is wrong."""
    part = _compact(raw)
    if rib_field.pattern.fullmatch(part):
        return part

    o_for_zero = part.replace("O", "0")
    if rib_field.digits_only and o_for_zero != part and rib_field.pattern.fullmatch(o_for_zero):
        raise reject(
            rib_field.name,
            raw,
            "rib.letter_o",
            f"{rib_field.label} « {raw.strip()} » contient la lettre O à la place du chiffre 0.",
        )
    expected = "chiffres" if rib_field.digits_only else "lettres ou chiffres"
    raise reject(
        rib_field.name,
        raw,
        rib_field.format_code,
        f"{rib_field.label} « {raw.strip()} » doit contenir exactement {rib_field.length} "
        f"{expected} : recopiez-{rib_field.pronoun} depuis votre RIB.",
    )


def validate_bank_details(
    bank_code: str | None,
    branch_code: str | None,
    account_number: str | None,
    rib_key: str | None,
    iban: str | None,
    bic: str | None,
) -> BankDetails:
    """Check the bank details form and return its normalized values.

    The IBAN is required. For a French or Monaco IBAN, each RIB part that the user filled must
    match the IBAN, and empty parts are taken from it. The four RIB parts, when all given, must
    also agree with their key. RIB parts given with another country's IBAN are rejected. The
    BIC is optional, because SEPA transfers inside the EEA need only the IBAN, but a BIC given
    must belong to the IBAN's bank (see ``check_bic_matches_iban``). Raises ValidationError
    with every field error of the form.
    """
    collector = ErrorCollector()
    raw_parts = {
        "bank_code": bank_code or "",
        "branch_code": branch_code or "",
        "account_number": account_number or "",
        "rib_key": rib_key or "",
    }

    parts: dict[str, str] = {}
    for rib_field in _RIB_FIELDS:
        raw = raw_parts[rib_field.name]
        if not _compact(raw):
            continue
        part = collector.run(_validate_rib_part, rib_field, raw)
        if part is not None:
            parts[rib_field.name] = part

    validated_iban = collector.run(validate_iban, iban, field="iban")
    normalized_bic = collector.run(validate_bic, bic) if _compact(bic) else None
    if validated_iban is not None and normalized_bic is not None:
        collector.run(check_bic_matches_iban, normalized_bic, validated_iban, raw=bic or "")

    # The RIB parts are checked against their own key only when the IBAN cannot be compared
    # with them or agrees with them, so that one typo does not produce two errors.
    parts_agree = True
    if validated_iban is not None:
        parts_agree = _compare_with_iban(validated_iban, raw_parts, parts, collector)
    if parts_agree and len(parts) == len(_RIB_FIELDS):
        _check_rib_key(parts, raw_parts["rib_key"], collector)
    collector.raise_if_any()

    # raise_if_any has raised if validate_iban failed.
    assert validated_iban is not None
    rib = validated_iban.rib
    return BankDetails(
        iban=validated_iban.iban,
        bic=normalized_bic,
        country_code=validated_iban.country_code,
        bank_code=rib.bank_code if rib else None,
        branch_code=rib.branch_code if rib else None,
        account_number=rib.account_number if rib else None,
        rib_key=rib.key if rib else None,
    )


def _check_rib_key(parts: dict[str, str], raw_key: str, collector: ErrorCollector) -> None:
    expected = compute_rib_key(parts["bank_code"], parts["branch_code"], parts["account_number"])
    if parts["rib_key"] == expected:
        return
    collector.add(
        field_error(
            "rib_key",
            raw_key,
            "rib.key",
            f"La clé RIB {parts['rib_key']} ne correspond pas au code banque, au code guichet et "
            "au numéro de compte saisis : vérifiez ces quatre valeurs sur votre RIB.",
        )
    )


def _compare_with_iban(
    validated_iban: ValidatedIban,
    raw_parts: dict[str, str],
    parts: dict[str, str],
    collector: ErrorCollector,
) -> bool:
    """Store an error for each RIB part that disagrees with the IBAN or does not apply to it.

    Returns whether every RIB part that the user filled agrees with the IBAN.
    """
    rib = validated_iban.rib
    if validated_iban.country_code not in RIB_COUNTRIES or rib is None:
        country = in_country(validated_iban.country_code)
        for rib_field in _RIB_FIELDS:
            raw = raw_parts[rib_field.name]
            if _compact(raw) and not collector.has_errors(rib_field.name):
                collector.add(
                    field_error(
                        rib_field.name,
                        raw,
                        "rib.not_applicable",
                        f"{rib_field.label} n’existe que pour les comptes français et monégasques, "
                        f"or l’IBAN saisi est celui d’un compte {country} : "
                        "videz ce champ.",
                    )
                )
        return not any(_compact(raw) for raw in raw_parts.values())

    from_iban = {
        "bank_code": rib.bank_code,
        "branch_code": rib.branch_code,
        "account_number": rib.account_number,
        "rib_key": rib.key,
    }
    agree = True
    for rib_field in _RIB_FIELDS:
        part = parts.get(rib_field.name)
        if part is None or part == from_iban[rib_field.name]:
            continue
        agree = False
        collector.add(
            field_error(
                rib_field.name,
                raw_parts[rib_field.name],
                "rib.iban_mismatch",
                f"{rib_field.label} « {part} » ne correspond pas à "
                f"{'celle' if rib_field.feminine else 'celui'} de l’IBAN "
                f"(« {from_iban[rib_field.name]} ») : corrigez l’un ou l’autre d’après votre RIB.",
            )
        )
    return agree
