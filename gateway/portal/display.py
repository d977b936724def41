"""French display of the accounts screens' values: phone numbers, countries, addresses and instants.

The accounts service stores phone numbers in E.164 form (``+33142685300``)
and countries as ISO 3166-1 alpha-2 codes. Screens show French numbers in
national form (``01 42 68 53 00``), other numbers in international form, and
countries by their French name.
"""

from __future__ import annotations

import functools
import gettext
import re
import unicodedata
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
import pycountry
from markupsafe import Markup, escape

from shared.typography import typographic_apostrophes

PARIS = ZoneInfo("Europe/Paris")
HOME_COUNTRY = "FR"
# French names that the iso3166-1 catalogue of pycountry (26.2.16) spells wrongly: « Groënland » has no
# diaeresis, and « État » in a country's official name takes a capital.
FRENCH_NAME_CORRECTIONS = {
    "BO": "Bolivie, État plurinational de",
    "GL": "Groenland",
    "VA": "Saint-Siège (État de la Cité du Vatican)",
}


@functools.cache
def _french_country_names() -> gettext.NullTranslations:
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"], fallback=True)


def country_name(code: str | None) -> str:
    """Return the French name of an ISO alpha-2 code (``BE`` gives ``Belgique``), or the code when unknown.

    The catalogue writes straight apostrophes (« Côte d'Ivoire »), which the name shows as ’.
    """
    if not code:
        return ""
    country = pycountry.countries.get(alpha_2=code.upper()) if len(code) == 2 else None
    if country is None:
        return code
    name = FRENCH_NAME_CORRECTIONS.get(country.alpha_2, _french_country_names().gettext(country.name))
    return typographic_apostrophes(name)


def sort_key(name: str) -> str:
    """Return ``name`` case-folded and without accents, so that « Égypte » sorts among the E."""
    decomposed = unicodedata.normalize("NFD", name.casefold())
    return "".join(character for character in decomposed if not unicodedata.combining(character))


@functools.cache
def country_choices() -> tuple[tuple[str, str], ...]:
    """Return ``(code, French name)`` of every country, France first and the others by name, accents ignored."""
    names = [(country.alpha_2, country_name(country.alpha_2)) for country in pycountry.countries]
    others = sorted(
        (choice for choice in names if choice[0] != HOME_COUNTRY),
        key=lambda choice: (sort_key(choice[1]), choice[1]),
    )
    return ((HOME_COUNTRY, country_name(HOME_COUNTRY)), *others)


def format_phone(value: str | None) -> str:
    """Return a stored number for display: national form for France, international form otherwise.

    A value that phonenumbers cannot parse is returned as stored.
    """
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return value
    if phonenumbers.region_code_for_number(number) == HOME_COUNTRY:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def address_lines(values: Mapping[str, Any] | None) -> list[str]:
    """Return the non-empty lines of a postal address, with the country named only outside France.

    Straight apostrophes of the stored lines show as ’.
    """
    if not values:
        return []
    lines = [values.get(field) or "" for field in ("address_line1", "address_line2", "address_line3")]
    lines.append(" ".join(part for part in (values.get("postal_code"), values.get("city")) if part))
    country = values.get("country")
    if country and country != HOME_COUNTRY:
        lines.append(country_name(country))
    return [typographic_apostrophes(line) for line in lines if line]


def format_instant(value: str | None) -> str:
    """Return an ISO 8601 instant as ``31/07/2026 à 14:05``, Paris time, or "" for a missing or invalid one."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return ""
    if moment.tzinfo is None:
        return f"{moment:%d/%m/%Y} à {moment:%H:%M}"
    local = moment.astimezone(PARIS)
    return f"{local:%d/%m/%Y} à {local:%H:%M}"


def format_day(value: str | None) -> str:
    """Return the Paris calendar day of an ISO 8601 instant as ``31/07/2026``, or ""."""
    text = format_instant(value)
    return text.split(" ", 1)[0]


ROLE_LABELS = {
    "administrateur": "Administrateur",
    "comptable": "Comptable",
    "lecteur": "Lecteur",
    "staff": "Personnel du créancier",
}
ROLE_DESCRIPTIONS = {
    "administrateur": "tous les droits, gestion des utilisateurs et des coordonnées bancaires",
    "comptable": "consultation, règlements et litiges",
    "lecteur": "consultation seule",
}
AGENCY_ROLE_CHOICES = tuple(
    (role, f"{ROLE_LABELS[role]} ({ROLE_DESCRIPTIONS[role]})") for role in ("administrateur", "comptable", "lecteur")
)


def role_label(role: str | None) -> str:
    return ROLE_LABELS.get(role or "", role or "")


# Letters before which « de » elides to « d’ ». A mute h is not detected: « Horizon Immo » gets « de ».
# services/accounts/notices.py applies the same rule to e-mails, because the gateway imports no service package.
ELIDING_LETTERS = frozenset("aeiouyæœ")


def prefix_de(name: str | None) -> str:
    """Return « de ``name`` », elided to « d’``name`` » before a vowel (accented vowels included)."""
    text = name or ""
    first = unicodedata.normalize("NFD", text.lstrip()[:1])[:1].lower()
    return f"d’{text}" if first in ELIDING_LETTERS else f"de {text}"


# The places where an address splits into pieces: before each dot and each hyphen.
ADDRESS_PIECE_START = re.compile(r"(?=[.-])")


def breakable_address(value: str | None) -> Markup:
    """Mark up an e-mail address or a login so that it wraps after the « @ » first, then before a dot or a hyphen.

    The parts around the last « @ », and the pieces of each part from one dot or hyphen to the next, are inline
    blocks, so a line breaks inside one only when it alone is wider than the cell. A line that starts with « . » or
    « - » reads as the rest of the address, where one that ends with them could read as a whole address or a
    hyphenated word.
    """
    text = value or ""
    local_part, at, domain = text.rpartition("@")
    parts = [local_part + at, domain] if at else [text]
    spans = []
    for part in parts:
        if not part:
            continue
        pieces = [
            Markup('<span class="address-piece">{}</span>').format(piece)
            for piece in ADDRESS_PIECE_START.split(part)
            if piece
        ]
        spans.append(Markup('<span class="address-part">{}</span>').format(Markup("<wbr>").join(pieces)))
    return Markup("<wbr>").join(spans)


DISPLAY_FILTERS = {
    "typographic_apostrophes": typographic_apostrophes,
    "phone": format_phone,
    "country_name": country_name,
    "address_lines": address_lines,
    "instant": format_instant,
    "day": format_day,
    "role_label": role_label,
    "prefix_de": prefix_de,
    "breakable_address": breakable_address,
}
