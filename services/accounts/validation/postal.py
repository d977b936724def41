"""Postal codes checked against the format of their country."""

from __future__ import annotations

import dataclasses
import re

from .country import country_name_fr
from .errors import reject

_OTHER_COUNTRIES = re.compile(r"[A-Z0-9 \-]{1,10}")
_SPACE_RUN = re.compile(r"\s+")
_SEPARATORS = re.compile(r"[\s\-]+")


@dataclasses.dataclass(frozen=True, slots=True)
class _PostalFormat:
    """A country's postal code format.

    All-digit formats match after spaces and dashes are removed. The others keep the text and
    rebuild the standard form from the pattern's groups with ``layout``.
    """

    pattern: re.Pattern[str]
    description: str
    example: str
    layout: str | None = None

    def normalize(self, text: str) -> str | None:
        """Return the standard form of ``text``, or None if it does not match."""
        candidate = _SEPARATORS.sub("", text) if self.layout is None else text
        match = self.pattern.fullmatch(candidate)
        if match is None:
            return None
        if self.layout is None:
            return match.group(0)
        return self.layout.format(*match.groups())


def _digits(count: int, description: str, example: str) -> _PostalFormat:
    return _PostalFormat(re.compile(rf"[0-9]{{{count}}}"), description, example)


_FOUR_DIGITS = _digits(4, "4 chiffres", "1000")
_FIVE_DIGITS = _digits(5, "5 chiffres", "10115")

_FORMATS = {
    # French codes run from 01000 to 98999: 20xxx for Corsica, 97xxx and 98xxx overseas.
    "FR": _digits(5, "5 chiffres, de 01000 à 98999", "75008"),
    "MC": _PostalFormat(re.compile(r"980[0-9]{2}"), "5 chiffres commençant par 980", "98000"),
    "BE": _FOUR_DIGITS,
    "LU": _FOUR_DIGITS,
    "CH": _FOUR_DIGITS,
    "AT": _FOUR_DIGITS,
    "DK": _FOUR_DIGITS,
    "DE": _FIVE_DIGITS,
    "ES": _FIVE_DIGITS,
    "IT": _FIVE_DIGITS,
    "NL": _PostalFormat(
        re.compile(r"([1-9][0-9]{3}) ?([A-Z]{2})"), "4 chiffres puis 2 lettres", "1012 AB", "{} {}"
    ),
    # Outward code (area and district) then inward code (sector and unit), e.g. SW1A 1AA.
    "GB": _PostalFormat(
        re.compile(r"([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})"),
        "de 2 à 4 lettres ou chiffres, un espace puis 1 chiffre et 2 lettres",
        "SW1A 1AA",
        "{} {}",
    ),
    "PT": _PostalFormat(
        re.compile(r"([0-9]{4})[ \-]?([0-9]{3})"),
        "4 chiffres, un tiret puis 3 chiffres",
        "1000-205",
        "{}-{}",
    ),
}

_FRENCH_RANGE = range(1000, 99000)


def validate_postal_code(
    value: str | None, country: str = "FR", *, field: str = "postal_code"
) -> str:
    """Return the postal code normalized for ``country`` (ISO 3166 alpha-2), or raise.

    FR: 5 digits from 01000 to 98999. MC: 980xx. BE, LU, CH, AT, DK: 4 digits. DE, ES, IT:
    5 digits. NL: ``1234 AB``. GB: outward and inward code, e.g. ``SW1A 1AA``. PT:
    ``1234-567``. Other countries: up to 10 letters, digits, spaces or dashes. Letters are
    upper-cased and the separator is put back in its standard form. Error codes:
    ``postal_code.required``, ``postal_code.format``.
    """
    raw = value or ""
    country = country.strip().upper()
    text = _SPACE_RUN.sub(" ", raw).strip().upper()
    if not text:
        raise reject(
            field, raw, "postal_code.required", "Le code postal est obligatoire : saisissez-le."
        )

    postal_format = _FORMATS.get(country)
    if postal_format is None:
        if _OTHER_COUNTRIES.fullmatch(text):
            return text
        raise reject(
            field,
            raw,
            "postal_code.format",
            f"Le code postal « {raw.strip()} » n’est pas valide pour ce pays "
            f"({country_name_fr(country)}) : saisissez au plus 10 lettres, chiffres, espaces "
            "ou tirets.",
        )

    normalized = postal_format.normalize(text)
    if normalized is not None and (country != "FR" or int(normalized) in _FRENCH_RANGE):
        return normalized
    raise reject(
        field,
        raw,
        "postal_code.format",
        f"Le code postal « {raw.strip()} » n’est pas valide pour ce pays "
        f"({country_name_fr(country)}) : saisissez {postal_format.description}, "
        f"par exemple {postal_format.example}.",
    )
