"""Parsed FEC lines and files, as returned by `read_fec`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


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


@dataclass(frozen=True, slots=True)
class FecFile:
    """Lines of a FEC file in file order, with how the file was decoded and split."""

    lines: list[FecLine]
    encoding: str
    """Python codec name used to decode the bytes, e.g. ``utf-8`` or ``cp1252``."""
    separator: str
    """Field separator found in the header: a tab or ``|``."""
    warnings: list[str] = field(default_factory=list)
    """Problems that did not stop the reading, such as a guessed encoding."""
    source: str = "<fec>"
    """File name or other label used in messages."""
