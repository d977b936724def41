"""Integer cents of the Debit and Credit amounts, for the balances, signs and shares the analysis computes.

Subtracting two Decimals takes CPython 3.11 about ten times the instructions
of subtracting two ints (counted with valgrind), and the analysis adds up
every amount of a file several times. `CentAmounts` converts each distinct
amount once, on first lookup. Sums of cents are exact, and so are Decimal
sums of such amounts below 28 significant digits (10^26 euros), so both give
the same balances, signs and shares. Only values matter there: a Decimal
result such as a file total keeps being summed as a Decimal, because its
exponent depends on how each amount is written (1.0 or 1.00).

Every amount that `read_fec` returns is a whole number of cents. A FecLine
built by hand may have a fraction of a cent, or be NaN or infinite. Then
`CentAmounts` raises `NotWholeCents`, and the caller starts again with
`DecimalAmounts`, which keeps each amount as it is.
"""

from __future__ import annotations

from decimal import Decimal


class NotWholeCents(Exception):
    """Raised by `CentAmounts` for an amount with a fraction of a cent, NaN or an infinity."""


class CentAmounts(dict[Decimal, int]):
    """Number of cents of each amount looked up, as an int."""

    __slots__ = ()

    def __missing__(self, amount: Decimal) -> int:
        try:
            numerator, denominator = amount.as_integer_ratio()
        except (ValueError, OverflowError):
            raise NotWholeCents(amount) from None
        if 100 % denominator:
            raise NotWholeCents(amount)
        cents = numerator * (100 // denominator)
        self[amount] = cents
        return cents


class DecimalAmounts(dict[Decimal, Decimal]):
    """Each amount looked up, unchanged, for files whose amounts are not all whole cents."""

    __slots__ = ()

    def __missing__(self, amount: Decimal) -> Decimal:
        return amount


AmountUnits = CentAmounts | DecimalAmounts
"""Mapping from each amount to the number used in sums: cents, or the amount itself."""
