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


ZERO_WIDTH_JOINER = "\u200d"
# Categories of the character before a zero-width joiner inside an emoji sequence: an emoji (So) or a
# skin tone (Sk). The emoji variation selector U+FE0F may stand there too. Phone keyboards type 👩‍💻 as
# woman, joiner, laptop.
_EMOJI_BEFORE_JOINER = frozenset({"So", "Sk"})
_EMOJI_VARIATION_SELECTOR = "\ufe0f"
# A subdivision flag such as England's is a black flag followed by tag characters (Cf), the last one U+E007F.
_BLACK_FLAG = "\U0001f3f4"
_TAG_CHARACTERS = range(0xE0020, 0xE0080)
# Embeddings, overrides and isolates reorder the text around them, so a message could show
# the reader other words than the ones it contains.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Tab and line feed are the only control characters a multi-line text may contain.
_MULTILINE_ALLOWED_CONTROLS = frozenset("\t\n")


def _joins_emoji(value: str, index: int) -> bool:
    """Return whether the zero-width joiner at ``index`` joins two emoji, as in 👩‍💻."""
    if index == 0 or index + 1 >= len(value):
        return False
    before, after = value[index - 1], value[index + 1]
    before_is_emoji = before == _EMOJI_VARIATION_SELECTOR or unicodedata.category(before) in _EMOJI_BEFORE_JOINER
    return before_is_emoji and unicodedata.category(after) == "So"


def _in_flag_tags(value: str, index: int) -> bool:
    """Return whether the character at ``index`` is a tag character of a subdivision flag, as in 🏴󠁧󠁢󠁥󠁮󠁧󠁿."""
    start = index
    while start > 0 and ord(value[start - 1]) in _TAG_CHARACTERS:
        start -= 1
    return ord(value[index]) in _TAG_CHARACTERS and start > 0 and value[start - 1] == _BLACK_FLAG


def find_invisible_character(value: str) -> str | None:
    """Return the first format character (zero-width, bidirectional mark) of ``value``, or None.

    A zero-width joiner between two emoji and the tag characters of a
    subdivision flag are parts of the emoji, and are not returned.
    """
    for index, character in enumerate(value):
        if unicodedata.category(character) != _INVISIBLE_CATEGORY:
            continue
        if character == ZERO_WIDTH_JOINER and _joins_emoji(value, index):
            continue
        if _in_flag_tags(value, index):
            continue
        return character
    return None


def find_multiline_forbidden(value: str) -> str | None:
    """Return the first character of ``value`` that a multi-line text such as a message may not contain, or None.

    Those are the control characters other than tab and line feed, the
    Unicode line and paragraph separators, and the bidirectional embeddings,
    overrides and isolates.
    """
    for character in value:
        if character in _MULTILINE_ALLOWED_CONTROLS:
            continue
        if unicodedata.category(character) in _FORBIDDEN_CATEGORIES or character in BIDI_CONTROLS:
            return character
    return None


def describe_character(character: str) -> str:
    """Name a character for an error message, e.g. ``U+0009``."""
    return f"U+{ord(character):04X}"


def shown_character(character: str) -> str:
    """Show a character in an error message: « € » when it shows, its code such as U+200B when it does not."""
    if character.isprintable() and not character.isspace():
        return f"«\u00a0{character}\u00a0»"
    return describe_character(character)


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
