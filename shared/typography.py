"""French typography of displayed text: spaces around punctuation, typographic apostrophes, grouped counts."""

from __future__ import annotations

STRAIGHT_APOSTROPHE = "'"
TYPOGRAPHIC_APOSTROPHE = "\u2019"
# Each plain space that French typography makes a no-break one: U+00A0
# inside « » and before a colon, U+202F before ; ! ?
_FRENCH_SPACING = (
    ("« ", "«\u00a0"),
    (" »", "\u00a0»"),
    (" :", "\u00a0:"),
    (" ;", "\u202f;"),
    (" !", "\u202f!"),
    (" ?", "\u202f?"),
)


def apply_french_spacing(message: str) -> str:
    """Replace the plain spaces around French punctuation with no-break spaces."""
    for plain, spaced in _FRENCH_SPACING:
        message = message.replace(plain, spaced)
    return message


def typographic_apostrophes(text: str) -> str:
    """Return ``text`` with the typographic apostrophe (’) in place of each straight one (').

    Names and addresses are stored as typed, and only their display changes.
    """
    return text.replace(STRAIGHT_APOSTROPHE, TYPOGRAPHIC_APOSTROPHE)


def format_count(count: int) -> str:
    """Return ``count`` with its thousands grouped by a narrow no-break space (U+202F), as ``5 000``."""
    return f"{count:,}".replace(",", "\u202f")
