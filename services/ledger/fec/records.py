"""Parsed FEC lines and files, as returned by `read_fec`."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from operator import itemgetter


@dataclass(frozen=True, slots=True)
class FecLine:
    """One data line of a FEC file, with every text field stripped of padding.

    Amounts are exact Decimals with two decimal places. An empty Debit or Credit
    is zero. Files in the Montant + Sens variant are mapped onto `debit` and
    `credit`, so both variants look the same from here on.
    """

    line_number: int
    """Physical line in the file, counting the header as line 1."""
    journal_code: str
    journal_label: str
    entry_number: str
    """EcritureNum as written, leading zeros included (may be empty)."""
    entry_date: date
    account_number: str
    account_label: str
    aux_account: str | None
    """CompAuxNum, or None when the field is empty."""
    aux_label: str | None
    piece_ref: str
    """PieceRef stripped at both ends, inner spaces kept (``FA  220001``)."""
    piece_date: date | None
    label: str
    """EcritureLib."""
    debit: Decimal
    credit: Decimal
    lettering: str | None
    """EcritureLet stripped, None when empty. Case is kept."""
    lettering_date: date | None
    """DateLet."""
    validation_date: date | None
    """ValidDate."""
    currency_amount: Decimal | None
    """Montantdevise, None when empty."""
    currency: str | None
    """Idevise, None when empty."""


class _FecLineSlots:
    """Plain class with the same slots as FecLine, so that an instance can become a FecLine."""

    __slots__ = FecLine.__slots__


_new_object = object.__new__


def build_fec_line(
    line_number: int,
    journal_code: str,
    journal_label: str,
    entry_number: str,
    entry_date: date,
    account_number: str,
    account_label: str,
    aux_account: str | None,
    aux_label: str | None,
    piece_ref: str,
    piece_date: date | None,
    label: str,
    debit: Decimal,
    credit: Decimal,
    lettering: str | None,
    lettering_date: date | None,
    validation_date: date | None,
    currency_amount: Decimal | None,
    currency: str | None,
) -> FecLine:
    """Build the same FecLine as `FecLine(...)` with the same arguments, several times faster.

    The frozen dataclass __init__ stores each of the 19 fields through
    object.__setattr__. This function stores them as plain slots of a
    `_FecLineSlots` instance, then assigns FecLine to its __class__, which Python
    allows between classes with the same __slots__ (see "__slots__" in the data
    model reference). The result is an ordinary frozen FecLine.
    """
    line = _new_object(_FecLineSlots)
    line.line_number = line_number
    line.journal_code = journal_code
    line.journal_label = journal_label
    line.entry_number = entry_number
    line.entry_date = entry_date
    line.account_number = account_number
    line.account_label = account_label
    line.aux_account = aux_account
    line.aux_label = aux_label
    line.piece_ref = piece_ref
    line.piece_date = piece_date
    line.label = label
    line.debit = debit
    line.credit = credit
    line.lettering = lettering
    line.lettering_date = lettering_date
    line.validation_date = validation_date
    line.currency_amount = currency_amount
    line.currency = currency
    line.__class__ = FecLine
    return line


_LINE_FIELDS = FecLine.__slots__
"""Field names of FecLine in order; FecColumns has one list per field, named the same."""

# Text columns the column parser keeps as split, padding and line ends
# included, because most lines of a file are never built into a FecLine:
# only the lines of entries with a customer line are. `FecColumns.lines`
# strips them. The other text columns are stripped at once, because the
# analysis reads them on every line.
_RAW_TEXT_FIELDS = ("journal_label", "account_label", "label")
_RAW_OPTIONAL_TEXT_FIELDS = ("aux_account", "aux_label", "lettering", "currency")


class FecColumns:
    """The data lines of a file as one list per FecLine field, in file order.

    The analysis reads the few fields it needs on every line from these
    lists, and builds FecLine records only for the lines it keeps. With
    ``raw_texts`` the fields named in `_RAW_TEXT_FIELDS` and
    `_RAW_OPTIONAL_TEXT_FIELDS` hold the text as split from the file, and
    `lines` strips them as the line parser does.
    """

    __slots__ = (*_LINE_FIELDS, "raw_texts", "_lines")

    def __init__(self, raw_texts: bool = False) -> None:
        for name in _LINE_FIELDS:
            setattr(self, name, [])
        self.raw_texts = raw_texts
        self._lines: dict[int, FecLine] = {}

    @classmethod
    def from_lines(cls, lines: list[FecLine]) -> FecColumns:
        """Columns of already built lines; `lines` returns those same objects."""
        columns = cls()
        for name in _LINE_FIELDS:
            setattr(columns, name, [getattr(line, name) for line in lines])
        columns._lines = dict(enumerate(lines))
        return columns

    def __len__(self) -> int:
        return len(self.line_number)

    def lines(self, indexes: Sequence[int]) -> list[FecLine]:
        """Return the FecLines at positions `indexes` in file order, building each once, on first use.

        Lines not built yet are built together: each column is sliced once
        with `itemgetter` and the records come from one map() call, which
        costs about a third of building them one by one.
        """
        built = self._lines
        missing = [index for index in indexes if index not in built]
        if missing:
            built.update(zip(missing, self._build(missing)))
        return [built[index] for index in indexes]

    def all_lines(self) -> list[FecLine]:
        return self.lines(range(len(self)))

    def text_field(self, name: str, index: int) -> str:
        """Return a required text field of one line, stripped."""
        value = getattr(self, name)[index]
        return value.strip() if self.raw_texts else value

    def _build(self, indexes: list[int]) -> Iterator[FecLine]:
        pick = itemgetter(*indexes) if len(indexes) > 1 else lambda column: (column[indexes[0]],)
        values = {name: pick(getattr(self, name)) for name in _LINE_FIELDS}
        if self.raw_texts:
            for name in _RAW_TEXT_FIELDS:
                values[name] = [text.strip() for text in values[name]]
            for name in _RAW_OPTIONAL_TEXT_FIELDS:
                values[name] = [text.strip() or None for text in values[name]]
        return map(build_fec_line, *values.values())


class FecFile:
    """Lines of a FEC file in file order, with how the file was decoded and split.

    The reader gives the lines as columns (`columns`). `lines` builds every
    FecLine on first use; the analysis reads the columns and builds only
    the lines it keeps.
    """

    __slots__ = ("columns", "encoding", "separator", "warnings", "source")

    def __init__(
        self,
        lines: list[FecLine] | None = None,
        encoding: str = "utf-8",
        separator: str = "\t",
        warnings: list[str] | None = None,
        source: str = "<fec>",
        *,
        columns: FecColumns | None = None,
    ) -> None:
        self.columns = columns if columns is not None else FecColumns.from_lines(lines or [])
        # Python codec name used to decode the bytes, e.g. utf-8 or cp1252.
        self.encoding = encoding
        # Field separator found in the header: a tab or "|".
        self.separator = separator
        # Problems that did not stop the reading, such as a guessed encoding.
        self.warnings = warnings if warnings is not None else []
        # File name or other label used in messages.
        self.source = source

    @property
    def lines(self) -> list[FecLine]:
        return self.columns.all_lines()

    def with_lines(self, lines: list[FecLine]) -> FecFile:
        """Return the same file with other lines, e.g. lines changed by a test."""
        return FecFile(lines, self.encoding, self.separator, list(self.warnings), self.source)

    @property
    def line_count(self) -> int:
        return len(self.columns)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FecFile):
            return NotImplemented
        return (self.lines, self.encoding, self.separator, self.warnings, self.source) == (
            other.lines, other.encoding, other.separator, other.warnings, other.source,
        )

    def __repr__(self) -> str:
        return (
            f"FecFile(lines=<{self.line_count} lines>, encoding={self.encoding!r}, "
            f"separator={self.separator!r}, warnings={self.warnings!r}, source={self.source!r})"
        )
