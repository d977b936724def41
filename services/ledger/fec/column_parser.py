"""Parse the data lines of a regular FEC file column by column, the fast path of `read_fec`.

A file is regular when it has these five properties. It uses Debit and Credit,
not Montant + Sens. Its lines end with LF or CRLF. Every data line has exactly
as many fields as the header. No line is blank except the one after the final
line break. Every value parses.

The text is parsed in blocks of lines, and each block is split into one flat
list of fields, without a string per line. The columns the analysis reads
on every line are then stripped and parsed by map() calls that run in C,
and each distinct field text is stripped and parsed only once. The other
text columns are kept as split until a line is built (see
`records.FecColumns`). The records are the same as those of
`line_parser.parse_data_lines`, because both strip the same fields and parse
them with the same functions from `values`.

For any other file `parse_data_columns` returns None, and the reader falls
back to the line parser, which also names the line, column and value of the
first error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from .header import ColumnLayout
from .records import FecColumns
from .values import parse_amount, parse_date, parse_optional_amount, parse_optional_date

_Value = TypeVar("_Value")


class _ParsedValues(dict[str, _Value], Generic[_Value]):
    """Parsed value of each raw field text, parsed on first lookup.

    Keys are the fields as split, padding included, so that a column needs no
    separate strip. A text that does not parse raises the parser's ValueError
    from the lookup, and nothing is stored for it.
    """

    __slots__ = ("_parse",)

    def __init__(self, parse: Callable[[str], _Value]) -> None:
        super().__init__()
        self._parse = parse

    def __missing__(self, text: str) -> _Value:
        value = self._parse(text.strip())
        self[text] = value
        return value


def parse_data_columns(text: str, body_start: int, first_line_number: int, layout: ColumnLayout) -> FecColumns | None:
    """Parse the data lines of `text` from offset `body_start`, or return None when the file is not regular.

    `body_start` is the offset just after the header's LF, and
    `first_line_number` the physical line number there. See the module
    docstring for what makes a file regular. Returns None instead of raising,
    so that the caller can run the line parser to get the error.
    """
    if layout.uses_signed_amounts:
        return None
    body_end = len(text)
    last_break = text.rfind("\n", body_start)
    # The line after the final line break is usually empty, and is skipped
    # when it is blank, as the line parser skips every blank line.
    if not text[last_break + 1 if last_break >= 0 else body_start :].strip():
        body_end = max(last_break, body_start)

    parsers = _ValueParsers()
    columns = FecColumns(raw_texts=True)
    block_start = body_start
    while block_start < body_end:
        block_end = text.find("\n", block_start + _BLOCK_CHARACTERS, body_end)
        if block_end == -1:
            block_end = body_end
        if not _parse_block(text[block_start:block_end], first_line_number + len(columns), layout, parsers, columns):
            return None
        block_start = block_end + 1
    return columns


# Text parsed at once: about a thousand lines of a typical export. Blocks of
# that size keep the strings being split, stripped and looked up in the CPU
# caches. On the x10 benchmark file this took about a third off the CPU time
# compared with one block for the whole file.
_BLOCK_CHARACTERS = 128 * 1024


class _StrippedTexts(dict[str, str]):
    """Stripped text of each raw field text, one shared string per distinct value."""

    __slots__ = ()

    def __missing__(self, text: str) -> str:
        value = self[text] = text.strip()
        return value


class _ValueParsers:
    """Per-file caches of the parsed dates, amounts and stripped texts, shared by all blocks.

    Text fields repeat a lot: the 5,422 lines of the real tab-separated
    export have 151 account labels, 782 entry labels and 875 entry numbers.
    Each distinct text becomes one shared string, so the lines hold far fewer
    strings, and each string's hash is computed once, which speeds up the
    analysis's lookups by account number and by entry key.
    """

    __slots__ = ("entry_dates", "optional_dates", "amounts", "optional_amounts", "texts")

    def __init__(self) -> None:
        self.entry_dates = _ParsedValues(parse_date)
        self.optional_dates = _ParsedValues(parse_optional_date)
        self.amounts = _ParsedValues(parse_amount)
        self.optional_amounts = _ParsedValues(parse_optional_amount)
        self.texts = _StrippedTexts()


def _parse_block(
    block: str, first_line_number: int, layout: ColumnLayout, parsers: _ValueParsers, columns: FecColumns
) -> bool:
    """Parse consecutive non-blank lines joined by LF onto `columns`; return False when they are not regular.

    The fields the analysis reads on every line are stripped and parsed
    here. The other text fields are kept as split (see `FecColumns`).
    """
    separator = layout.separator
    width = layout.width
    line_count = block.count("\n") + 1
    # Putting a separator before each LF makes the fields of all lines one
    # list, in which each line after the first starts with a field that
    # starts with LF. When there are width fields per line and the LFs are all
    # in the fields at multiples of width, every line has exactly width
    # fields. A blank line has one field, so it fails this check.
    fields = block.replace("\n", separator + "\n").split(separator)
    if len(fields) != line_count * width or "".join(fields[width::width]).count("\n") != line_count - 1:
        return False
    positions = layout.positions

    # A field's LF, or the CR of a CRLF at the end of a line, is stripped
    # with the rest of the field's surrounding whitespace, by the parsers.
    def raw_column(name: str) -> list[str]:
        return fields[positions[name] :: width]

    def text_column(name: str) -> list[str]:
        return list(map(parsers.texts.__getitem__, raw_column(name)))

    journal_codes = text_column("JournalCode")
    account_numbers = text_column("CompteNum")
    if "" in journal_codes or "" in account_numbers:
        return False

    try:
        entry_dates = list(map(parsers.entry_dates.__getitem__, raw_column("EcritureDate")))
        piece_dates = list(map(parsers.optional_dates.__getitem__, raw_column("PieceDate")))
        debits = list(map(parsers.amounts.__getitem__, raw_column("Debit")))
        credits = list(map(parsers.amounts.__getitem__, raw_column("Credit")))
        lettering_dates = list(map(parsers.optional_dates.__getitem__, raw_column("DateLet")))
        validation_dates = list(map(parsers.optional_dates.__getitem__, raw_column("ValidDate")))
        currency_amounts = list(map(parsers.optional_amounts.__getitem__, raw_column("Montantdevise")))
    # The parsers in `values` raise ValueError for a bad field, an amount
    # beyond 28 digits included.
    except ValueError:
        return False

    columns.line_number += range(first_line_number, first_line_number + line_count)
    columns.journal_code += journal_codes
    columns.journal_label += raw_column("JournalLib")
    columns.entry_number += text_column("EcritureNum")
    columns.entry_date += entry_dates
    columns.account_number += account_numbers
    columns.account_label += raw_column("CompteLib")
    columns.aux_account += raw_column("CompAuxNum")
    columns.aux_label += raw_column("CompAuxLib")
    columns.piece_ref += text_column("PieceRef")
    columns.piece_date += piece_dates
    columns.label += raw_column("EcritureLib")
    columns.debit += debits
    columns.credit += credits
    columns.lettering += raw_column("EcritureLet")
    columns.lettering_date += lettering_dates
    columns.validation_date += validation_dates
    columns.currency_amount += currency_amounts
    columns.currency += raw_column("Idevise")
    return True
