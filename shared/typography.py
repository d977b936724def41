"""French typography of displayed text: spaces around punctuation, typographic apostrophes, grouped counts."""

from __future__ import annotations

import re

STRAIGHT_APOSTROPHE = "'"
TYPOGRAPHIC_APOSTROPHE = "\u2019"

# French typography puts a no-break space (U+00A0) inside « », after « n° »
# and before a colon, and a narrow one (U+202F) before ; ! and ?. A mark counts as
# punctuation only when a space or the end of the text follows it, so that
# a query string such as « ?encoding= » keeps its plain space.
_PUNCTUATION_SPACE = re.compile(r" ([:;!?])(?=\s|$)")
_SPACE_BEFORE = {":": "\u00a0", ";": "\u202f", "!": "\u202f", "?": "\u202f"}


def apply_french_spacing(message: str) -> str:
    """Replace the plain spaces around French punctuation with no-break spaces."""
    message = message.replace("« ", "«\u00a0").replace(" »", "\u00a0»").replace("n° ", "n°\u00a0")
    return _PUNCTUATION_SPACE.sub(lambda match: _SPACE_BEFORE[match.group(1)] + match.group(1), message)


def typographic_apostrophes(text: str) -> str:
    """Return ``text`` with the typographic apostrophe (’) in place of each straight one (').

    Names and addresses are stored as typed, and only their display changes.
    """
    return text.replace(STRAIGHT_APOSTROPHE, TYPOGRAPHIC_APOSTROPHE)


def format_count(count: int) -> str:
    """Return ``count`` with its thousands grouped by a narrow no-break space (U+202F), as ``5 000``."""
    return f"{count:,}".replace(",", "\u202f")
