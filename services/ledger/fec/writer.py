"""Write `FecLine` records as a FEC file that `read_fec` and accounting tools can read back."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from .header import STANDARD_COLUMNS
from .records import FecLine

_FORBIDDEN_IN_TEXT = ("\t", "\r", "\n")


def format_fec(lines: Iterable[FecLine]) -> bytes:
    """Return `lines` as FEC bytes: the 18 standard columns, tab separated, CRLF, UTF-8 without BOM.

    Amounts get a decimal comma and dates are written YYYYMMDD. `line_number` is
    not written. Raises ValueError when a text field contains a tab or a line
    break, because the format cannot escape them.
    """
    rows = ["\t".join(STANDARD_COLUMNS)]
    for line in lines:
        fields = (
            line.journal_code,
            line.journal_label,
            line.entry_number,
            _format_date(line.entry_date),
            line.account_number,
            line.account_label,
            line.aux_account or "",
            line.aux_label or "",
            line.piece_ref,
            _format_date(line.piece_date),
            line.label,
            _format_amount(line.debit),
            _format_amount(line.credit),
            line.lettering or "",
            _format_date(line.lettering_date),
            _format_date(line.validation_date),
            _format_amount(line.currency_amount),
            line.currency or "",
        )
        for text in fields:
            if any(character in text for character in _FORBIDDEN_IN_TEXT):
                raise ValueError(f"FEC field {text!r} contains a tab or a line break; replace it with a space")
        rows.append("\t".join(fields))
    return ("\r\n".join(rows) + "\r\n").encode("utf-8")


def _format_date(value: date | None) -> str:
    return "" if value is None else f"{value:%Y%m%d}"


def _format_amount(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}".replace(".", ",")
