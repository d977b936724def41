"""ISO 3166-1 alpha-2 country codes and their French names."""

from __future__ import annotations

import functools
import gettext

import pycountry

from .errors import reject


@functools.cache
def _french_translation() -> gettext.NullTranslations:
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"], fallback=True)


def is_known_country(code: str) -> bool:
    """Return whether ``code`` is an assigned ISO 3166-1 alpha-2 code (upper case)."""
    return len(code) == 2 and pycountry.countries.get(alpha_2=code) is not None


# Codes outside ISO 3166-1 that the IBAN registry uses for a country: Kosovo's
# IBANs start with XK, a code left for user assignment.
NAMES_OUTSIDE_ISO = {"XK": "Kosovo"}


def country_name_fr(code: str) -> str:
    """Return the French name of an alpha-2 country code, or the code itself if unknown."""
    country = pycountry.countries.get(alpha_2=code.upper()) if len(code) == 2 else None
    if country is None:
        return NAMES_OUTSIDE_ISO.get(code.upper(), code)
    return _french_translation().gettext(country.name)


def validate_country_code(value: str | None, *, field: str = "country") -> str:
    """Return the upper-case ISO 3166-1 alpha-2 code of ``value``.

    Raises ValidationError when the value is empty or not an assigned alpha-2 code.
    """
    raw = value or ""
    code = raw.strip().upper()
    if not code:
        raise reject(
            field,
            raw,
            "country.required",
            "Le pays est obligatoire : choisissez-le dans la liste (FR pour la France).",
        )
    if not is_known_country(code):
        raise reject(
            field,
            raw,
            "country.unknown",
            f"Le pays « {raw.strip()} » n’est pas un code pays ISO à deux lettres connu : "
            "choisissez-le dans la liste (par exemple FR pour la France, BE pour la Belgique).",
        )
    return code
