"""DejaVu Sans font files embedded in ledger documents, and the characters they cover.

README.md in this folder gives the command that made the Latin subsets from DejaVu Sans 2.37.
"""

from functools import cache
from pathlib import Path

from fontTools.ttLib import TTFont

FONTS_DIR = Path(__file__).resolve().parent
REGULAR_FONT_PATH = FONTS_DIR / "DejaVuSans-Latin.ttf"
BOLD_FONT_PATH = FONTS_DIR / "DejaVuSans-Bold-Latin.ttf"


@cache
def covered_codepoints() -> frozenset[int]:
    """Return the code points that both the regular and the bold font can draw."""
    regular = set(TTFont(REGULAR_FONT_PATH, lazy=True).getBestCmap())
    bold = set(TTFont(BOLD_FONT_PATH, lazy=True).getBestCmap())
    return frozenset(regular & bold)
