"""French typography of displayed text: typographic apostrophes in stored names, and grouped counts."""

from __future__ import annotations

STRAIGHT_APOSTROPHE = "'"
TYPOGRAPHIC_APOSTROPHE = "\u2019"


def typographic_apostrophes(text: str) -> str:
    """Return ``text`` with the typographic apostrophe (’) in place of each straight one (').

    Names and addresses are stored as typed, and only their display changes.
    """
    return text.replace(STRAIGHT_APOSTROPHE, TYPOGRAPHIC_APOSTROPHE)


def format_count(count: int) -> str:
    """Return ``count`` with its thousands grouped by a narrow no-break space (U+202F), as ``5 000``."""
    return f"{count:,}".replace(",", "\u202f")
