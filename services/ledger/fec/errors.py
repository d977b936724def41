"""Exceptions raised while reading or analysing a FEC file.

Messages are in French, because the creditor's accounting staff read them
through the API and the command line (see `wording`). Each one names the
file, the physical line (the header is line 1), the column and the raw value
where they apply, and states what was expected and how to fix the file.
"""

from __future__ import annotations


class FecError(Exception):
    """Base class of every FEC reading or analysis error."""

    def __init__(
        self,
        message: str,
        *,
        line_number: int | None = None,
        column: str | None = None,
        value: str | None = None,
    ) -> None:
        super().__init__(message)
        self.line_number = line_number
        self.column = column
        self.value = value


class FecEncodingError(FecError):
    """Bytes that the requested or detected encoding cannot decode."""


class FecHeaderError(FecError):
    """Header line without a known separator, or with a missing or duplicate column."""


class FecValueError(FecError):
    """Field that is not a valid amount, date or required value, or a line with too few fields."""


class FecUnbalancedError(FecError):
    """Entry whose debits and credits differ while its journal does not balance either.

    `entry_key` is the (JournalCode, EcritureNum) of the entry and `line_numbers`
    lists its physical lines. The message also gives the file totals when the
    whole file does not balance.
    """

    def __init__(
        self,
        message: str,
        *,
        entry_key: tuple[str, str],
        line_numbers: tuple[int, ...] = (),
    ) -> None:
        super().__init__(message, line_number=line_numbers[0] if line_numbers else None)
        self.entry_key = entry_key
        self.line_numbers = line_numbers


class FecChangedEntryError(FecError):
    """Customer line of an entry that an earlier import has, with other amounts or another date.

    `line_numbers` lists the physical lines of this file that changed an
    imported entry, in file order.
    """

    def __init__(self, message: str, *, line_numbers: tuple[int, ...]) -> None:
        super().__init__(message, line_number=line_numbers[0])
        self.line_numbers = line_numbers


class FecOpeningBalanceError(FecError):
    """Opening-balance lines of customer accounts whose total differs from the balance that earlier imports give them.

    `accounts` lists the accounts concerned and `line_numbers` their
    opening-balance lines, both in file order.
    """

    def __init__(self, message: str, *, accounts: tuple[str, ...], line_numbers: tuple[int, ...]) -> None:
        super().__init__(message, line_number=line_numbers[0])
        self.accounts = accounts
        self.line_numbers = line_numbers
