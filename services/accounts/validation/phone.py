"""Phone, mobile and fax numbers, normalized to E.164 with phonenumbers."""

from __future__ import annotations

import re

import phonenumbers

from .errors import reject

# Digits, an optional leading +, and the separators people type: spaces (NBSP too), dots,
# dashes, slashes and parentheses as in "+33 (0)1 …". Letters are rejected on purpose, because
# phonenumbers would read them as keypad digits (A = 2).
_ALLOWED = re.compile(r"\+?[0-9\s.\-/()]+")
_DIGIT = re.compile(r"[0-9]")

# The longest E.164 number has 15 digits. The margin leaves room for separators and "(0)".
MAX_PHONE_INPUT_LENGTH = 40

_LABELS = {
    "phone": "Le numéro de téléphone",
    "mobile": "Le numéro de mobile",
    "fax": "Le numéro de fax",
}
_DEFAULT_LABEL = "Le numéro de téléphone"


def _example(region: str | None) -> str:
    """Return a national and an international example number for ``region``, in French."""
    number = phonenumbers.example_number(region) if region else None
    if number is None:
        return "un numéro international commençant par +, par exemple +33\u00a01\u00a023\u00a045\u00a067\u00a089"
    # No-break spaces inside a number, so that a line break never splits it.
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL).replace(" ", "\u00a0")
    international = phonenumbers.format_number(
        number, phonenumbers.PhoneNumberFormat.INTERNATIONAL
    ).replace(" ", "\u00a0")
    return f"un numéro complet, par exemple {national} ou {international}"


def normalize_phone(value: str | None, country: str = "FR", *, field: str = "phone") -> str:
    """Return the number in E.164 form, e.g. ``+33142685300``, or raise ValidationError.

    ``country`` is the ISO 3166 alpha-2 region used for numbers typed without an international
    prefix. For a country that phonenumbers does not know, only international numbers pass.
    Numbers starting with ``+`` or ``00`` are read as international whatever the
    region. The number must be valid for its numbering plan, not only of a possible length.
    ``field`` names the form field (``phone``, ``mobile`` or ``fax``) in errors. Error codes:
    ``phone.required``, ``phone.characters``, ``phone.invalid``.
    """
    raw = value or ""
    label = _LABELS.get(field, _DEFAULT_LABEL)
    text = raw.strip()
    region = country.upper() if country.upper() in phonenumbers.SUPPORTED_REGIONS else None

    if not text:
        raise reject(field, raw, "phone.required", f"{label} est obligatoire : saisissez-le.")
    well_formed = _ALLOWED.fullmatch(text) and _DIGIT.search(text)
    if len(text) > MAX_PHONE_INPUT_LENGTH or not well_formed:
        raise reject(
            field,
            raw,
            "phone.characters",
            f"{label} « {text} » ne peut contenir que des chiffres, un + au début, des espaces, "
            f"des points, des tirets et des parenthèses : saisissez {_example(region)}.",
        )

    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise reject(
            field,
            raw,
            "phone.invalid",
            f"{label} « {text} » n’est pas un numéro valide : saisissez {_example(region)}.",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
