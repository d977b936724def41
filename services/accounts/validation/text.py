"""Cleaning of free-text form fields: names, job titles, address lines, cities."""

from __future__ import annotations

import re
import unicodedata

from shared.typography import format_count

from .errors import reject

_SPACE_RUN = re.compile(r"[ \u00a0\u202f]{2,}")

# Cc covers C0 and C1 controls, including tab, CR and LF. Zl and Zp are the Unicode line and
# paragraph separators, which would break a line in a PDF or an e-mail header just the same.
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Zl", "Zp"})
# Cf are the format characters: zero-width spaces and joiners, bidirectional marks and
# overrides, the byte-order mark. They do not show, so a name holding one passes for another.
_INVISIBLE_CATEGORY = "Cf"


def find_control_character(value: str) -> str | None:
    """Return the first control or line-break character of ``value``, or None."""
    for character in value:
        if unicodedata.category(character) in _FORBIDDEN_CATEGORIES:
            return character
    return None


def find_invisible_character(value: str) -> str | None:
    """Return the first format character (zero-width, bidirectional mark) of ``value``, or None."""
    for character in value:
        if unicodedata.category(character) == _INVISIBLE_CATEGORY:
            return character
    return None


def describe_character(character: str) -> str:
    """Name a character for an error message, e.g. ``U+0009``."""
    return f"U+{ord(character):04X}"


def clean_text(
    value: str | None,
    *,
    field: str,
    label: str,
    max_length: int,
    required: bool,
) -> str | None:
    """Return ``value`` in NFC form, trimmed, with runs of spaces collapsed.

    Returns None for an empty optional value. Raises ValidationError for an empty required
    value, a control or line-break character inside the value, an invisible format character
    (Unicode category Cf, such as U+200B) anywhere in it, or more than ``max_length`` code
    points after cleaning. ``label`` is the field name the form shows.
    """
    raw = value or ""
    # Surrounding whitespace, a trailing line break included, is dropped before the check.
    if character := find_control_character(raw.strip()):
        raise reject(
            field,
            raw,
            "text.control",
            f"Le champ « {label} » contient un caractère de contrôle ou un saut de ligne "
            f"({describe_character(character)}) : retapez la valeur sur une seule ligne.",
        )
    if character := find_invisible_character(raw):
        raise reject(
            field,
            raw,
            "text.invisible",
            f"Le champ « {label} » contient un caractère invisible ({describe_character(character)}) : "
            "retapez la valeur au clavier au lieu de la coller.",
        )

    cleaned = _SPACE_RUN.sub(" ", unicodedata.normalize("NFC", raw)).strip()
    if not cleaned:
        if required:
            raise reject(
                field,
                raw,
                "text.required",
                f"Le champ « {label} » est obligatoire : renseignez-le.",
            )
        return None

    if len(cleaned) > max_length:
        raise reject(
            field,
            raw,
            "text.too_long",
            f"Le champ « {label} » dépasse {format_count(max_length)} caractères ({format_count(len(cleaned))} saisis) : "
            "raccourcissez-le.",
        )
    return cleaned
