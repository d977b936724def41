"""French wording shared by the importer's messages: places, quoted values, lists, amounts and dates.

The messages reach the creditor's accounting staff through the API and the
command line, so they follow French typography. A no-break space goes
before a colon and inside « », and a narrow one before a semicolon. Amounts
read ``1 234,56 €`` and dates ``31/07/2026``. Line numbers stay ungrouped,
like page numbers, so that they read as in a text editor.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from shared.typography import format_count

NO_BREAK_SPACE = "\u00a0"
NARROW_NO_BREAK_SPACE = "\u202f"
MINUS_SIGN = "\u2212"
# Punctuation with the space that French typography puts before it.
COLON = NO_BREAK_SPACE + ":"
SEMICOLON = NARROW_NO_BREAK_SPACE + ";"
# Fault of a line, in a file whose lines end with LF, that contains a CR not
# followed by LF. Editors show two lines there, where the reader sees one.
LONE_CARRIAGE_RETURN = (
    "la ligne contient un retour chariot (CR) seul, sans saut de ligne (LF) après lui, alors que les lignes du"
    f" fichier se terminent par LF{SEMICOLON} exportez de nouveau le fichier, ou enregistrez-le avec une seule"
    " sorte de fin de ligne (LF ou CR LF)"
)


def quoted(value: object) -> str:
    """Return ``value`` between French quotation marks: « VE »."""
    return f"«{NO_BREAK_SPACE}{value}{NO_BREAK_SPACE}»"


def excerpt(value: str, limit: int = 80) -> str:
    """Return `value`, or its first `limit` - 1 characters and « … » when it is longer, so that a message stays readable."""
    return value if len(value) <= limit else value[: limit - 1] + "…"


def place(source: str, line_number: int | None = None, column: str | None = None) -> str:
    """Name the file, and the line and column when known: ``fec.txt, ligne 12, colonne Debit``."""
    parts = [source]
    if line_number is not None:
        parts.append(f"ligne {line_number}")
    if column:
        parts.append(f"colonne {column}")
    return ", ".join(parts)


def listed(items: Sequence[object], limit: int, separator: str = ", ") -> str:
    """Join at most ``limit`` items as a French list: ``12, 13 et 14``, or ``12, 13, 14 et 7 autres``."""
    listed_items = [str(item) for item in items[:limit]]
    hidden = len(items) - len(listed_items)
    if hidden:
        return f"{separator.join(listed_items)} et {format_count(hidden)} autre{'s' if hidden > 1 else ''}"
    if len(listed_items) < 2:
        return "".join(listed_items)
    return f"{separator.join(listed_items[:-1])} et {listed_items[-1]}"


def lines_phrase(line_numbers: Sequence[int], limit: int) -> str:
    """Name one or several file lines: ``ligne 12`` or ``lignes 12, 13 et 14``."""
    noun = "ligne" if len(line_numbers) == 1 else "lignes"
    return f"{noun} {listed(line_numbers, limit)}"


def listed_sentences(sentences: Sequence[str], total: int, singular: str, plural: str) -> str:
    """Join the sentences that describe the first items, then « Et 3 autres lignes. » for the rest of `total`."""
    hidden = total - len(sentences)
    if hidden > 0:
        sentences = [*sentences, f"Et {counted(hidden, f'autre {singular}', f'autres {plural}')}."]
    return " ".join(sentences)


def counted(count: int, singular: str, plural: str) -> str:
    """Return a grouped count and its noun: ``0 ligne``, ``1 ligne``, ``5 422 lignes`` (French puts 0 in the singular)."""
    return f"{format_count(count)} {singular if count <= 1 else plural}"


def amount(value: Decimal) -> str:
    """Format an amount of the file, in cents: ``1 234,56 €``, ``−12,00 €``; a NaN or infinity as written."""
    if not value.is_finite():
        return str(value)
    units, _, cents = f"{abs(value):.2f}".partition(".")
    sign = MINUS_SIGN if value < 0 else ""
    return f"{sign}{format_count(int(units))},{cents}{NO_BREAK_SPACE}€"


def day(value: date) -> str:
    """Format a date: ``31/07/2026``."""
    return value.strftime("%d/%m/%Y")
