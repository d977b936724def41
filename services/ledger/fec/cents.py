"""Integer cents of the Debit and Credit amounts, for the sums and signs the analysis computes on every line.

Subtracting two Decimals takes CPython 3.11 about ten times the instructions
of subtracting two ints (counted with valgrind), and the analysis adds up
every amount of a file several times. `CentAmounts` converts each distinct
amount once, on first lookup. Sums of cents are exact, and so are Decimal
sums of such amounts below 28 significant digits (10^26 euros), so both give
the same balances, signs and totals.

Every amount that `read_fec` returns has exactly two decimals. A FecLine built
by hand may have more, or be NaN or infinite. Then `CentAmounts` raises
`NotWholeCents`, and the caller starts again with `DecimalAmounts`, which
keeps each amount as it is.
"""

from __future__ import annotations

from decimal import Decimal

_CENT = Decimal("0.01")


class NotWholeCents(Exception):
    """Raised by `CentAmounts` for an amount with more than two decimals, NaN or an infinity."""


class CentAmounts(dict[Decimal, int]):
    """Number of cents of each amount looked up, as an int."""

    __slots__ = ()
    zero = 0

    def __missing__(self, amount: Decimal) -> int:
        # same_quantum is true for exactly two decimals, the case of every
        # amount from read_fec, and as_tuple is costlier.
        if not (amount.same_quantum(_CENT) or (amount.is_finite() and amount.as_tuple().exponent >= -2)):
            raise NotWholeCents(amount)
        numerator, denominator = amount.as_integer_ratio()
        cents = numerator * (100 // denominator)
        self[amount] = cents
        return cents

    @staticmethod
    def to_decimal(total: int) -> Decimal:
        """Return a sum of cents as a Decimal with two decimals, as a sum of the amounts from Decimal("0.00") gives."""
        return Decimal(f"{total}E-2")


class DecimalAmounts(dict[Decimal, Decimal]):
    """Each amount looked up, unchanged, for files whose amounts are not all whole cents."""

    __slots__ = ()
    zero = Decimal("0.00")

    def __missing__(self, amount: Decimal) -> Decimal:
        return amount

    @staticmethod
    def to_decimal(total: Decimal) -> Decimal:
        """Return `total`, which is already a Decimal."""
        return total


AmountUnits = CentAmounts | DecimalAmounts
"""Mapping from each amount to the number used in sums: cents, or the amount itself."""
