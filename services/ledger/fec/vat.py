"""Split the sales revenue and output VAT of an invoice or credit-note entry by VAT rate.

A FEC line does not state its VAT rate, so the rate of each VAT amount is
inferred from VAT / base, rounded to the nearest French rate (20, 10, 8.5, 5.5,
2.1 or 0 %). The base is the sum of the sales revenue lines (70) and the VAT
the sum of the output VAT lines (4457). The first of these rules that gives a
known rate to every amount wins:

1. Pairing in file order: each VAT line belongs to the revenue lines written
   since the previous VAT line, and revenue lines left after the last VAT line
   form a base at 0 %. This is how software that writes one VAT line per
   revenue line or per rate lays out an entry.
2. The same pairing in reverse order, for software that writes the VAT line
   before its revenue lines.
3. One rate for the whole entry, from total VAT / total base.
4. Otherwise one row with rate None, the total base and the total VAT.

Rows with the same rate are summed. A rate matches when the VAT is within
0.01 per revenue line of base × rate, because software may round the VAT of
each line before adding the lines up.

The rules run on integers: every amount of a document becomes a whole number
of units (cents, or a fraction of a cent for amounts built by hand with more
decimals), and a rate is an integer per mille, so base × rate is exact.
Decimals are built only for the result, with the exponent that summing the
amounts as Decimals from Decimal(0) gives: the smallest exponent among the
summed amounts, and 0 for a sum of no amount. Integer sums are exact, so they
equal the Decimal sums as long as those fit in the 28 digits of the default
context, which the sums of amounts that `read_fec` bounds always do.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from math import lcm

from .accounts import AccountFamilies, AccountFamily, is_output_vat_account, is_sales_revenue_account
from .records import FecLine

STANDARD_VAT_RATES = (Decimal("20"), Decimal("10"), Decimal("8.5"), Decimal("5.5"), Decimal("2.1"))
"""French VAT rates in percent, besides 0 (mainland, Corsica and overseas departments)."""
_ZERO_RATE = Decimal("0")
_CENT = Decimal("0.01")
# Each rate in per mille, e.g. 55 for 5.5 %, so that base × rate is an int.
_RATES_PER_MILLE = tuple(int(rate * 10) for rate in STANDARD_VAT_RATES)
_ASCENDING_RATES = sorted(_RATES_PER_MILLE)
# The Decimal rate of each per mille value, 0 included, as the result shows it.
_RATE_OF_PER_MILLE = {0: _ZERO_RATE, **dict(zip(_RATES_PER_MILLE, STANDARD_VAT_RATES))}
_CENT_EXPONENT = -2
# Module constants, because reading members from the Enum class in a loop is slow (see `line_scan`).
_SALES_REVENUE = AccountFamily.SALES_REVENUE
_OUTPUT_VAT = AccountFamily.OUTPUT_VAT

# Cents of each amount with two decimal places, and the Decimal with two
# decimal places of each number of cents. Subscription invoices repeat the
# same amounts, so both caches stay small. Values are immutable, so sharing
# them between files is safe.
_cents_of_amount: dict[Decimal, int] = {}
_amount_of_cents: dict[int, Decimal] = {}
_CACHE_MAX_SIZE = 20_000


@dataclass(frozen=True, slots=True)
class VatBreakdown:
    """Taxable base and VAT of one rate within an invoice or credit note, as positive amounts for the document."""

    rate: Decimal | None
    """Rate in percent, e.g. Decimal("5.5"), or None when it could not be inferred."""
    base: Decimal
    vat: Decimal


@dataclass(frozen=True, slots=True)
class VatSummary:
    """VAT breakdown of one document and the totals it adds up to."""

    rows: tuple[VatBreakdown, ...]
    """One row per rate, highest rate first, a None rate last."""
    net_total: Decimal
    """Sum of the sales revenue lines."""
    vat_total: Decimal
    """Sum of the output VAT lines."""


# A revenue or VAT line of a document: (is_vat, credit, debit).
_Amount = tuple[bool, Decimal, Decimal]
# A revenue or VAT amount of a document: (is_vat, units, exponent), where
# units counts the amount in cents times the document's units per cent, and
# exponent is the Decimal exponent of Credit - Debit.
_Part = tuple[bool, int, int]
# Revenue amounts and the VAT amount paired with them:
# (base units, base exponent, VAT units, VAT exponent, revenue line count).
_Pair = tuple[int, int, int, int, int]


def summarise_vat(lines: Sequence[FecLine], sign: int) -> VatSummary:
    """Build the VAT breakdown of the revenue and VAT lines among `lines`.

    `sign` is +1 for an invoice, whose revenue and VAT are credits, and -1 for a
    credit note, whose revenue and VAT are debits. Other lines are ignored.
    Raises ValueError when a revenue or VAT line has a NaN or infinite amount,
    which `read_fec` never returns.
    """
    amounts = [
        (is_output_vat_account(line.account_number), line.credit, line.debit)
        for line in lines
        if is_sales_revenue_account(line.account_number) or is_output_vat_account(line.account_number)
    ]
    return _summarise_amounts(amounts, sign)


class VatSummaryCache:
    """VAT summaries of the documents of one file, each computed once per distinct revenue and VAT lines.

    A subscription business bills the same amounts every month, so many
    documents of a file have the same summary. The key is what
    `summarise_vat` reads: the sign, then each revenue or VAT line's family,
    debit and credit, in order. It contains the id of each Decimal, not its
    value, because equal Decimals such as 1.0 and 1.00 can give summaries
    that print differently. The reader gives one Decimal object per distinct
    amount text, so repeated documents still share keys. The ids stay unique
    only while the lines exist, so a cache serves one file's lines and is
    dropped with them.
    """

    __slots__ = ("_families", "_summaries")

    def __init__(self, families: AccountFamilies) -> None:
        self._families = families
        self._summaries: dict[tuple[int, ...], VatSummary] = {}

    def summarise(self, lines: Sequence[FecLine], sign: int) -> VatSummary:
        """Return `summarise_vat(lines, sign)`, computed once per key."""
        families = self._families
        key: list[int] = [sign]
        amounts: list[_Amount] = []
        for line in lines:
            family = families[line.account_number]
            if family is _SALES_REVENUE or family is _OUTPUT_VAT:
                credit = line.credit
                debit = line.debit
                key += (family, id(debit), id(credit))
                amounts.append((family is _OUTPUT_VAT, credit, debit))
        summary_key = tuple(key)
        summary = self._summaries.get(summary_key)
        if summary is None:
            summary = self._summaries[summary_key] = _summarise_amounts(amounts, sign)
        return summary


def infer_vat_rate(base: Decimal, vat: Decimal, revenue_line_count: int = 1) -> Decimal | None:
    """Return the French VAT rate nearest to vat / base, or None when none is within rounding.

    Returns 0 when the VAT is zero and the base is not. Raises ValueError for
    a NaN or infinite amount.
    """
    base_cents = _exact_cents(base)
    vat_cents = _exact_cents(vat)
    units_per_cent = lcm(base_cents.denominator, vat_cents.denominator)
    candidates = _candidate_rates(
        int(base_cents * units_per_cent), int(vat_cents * units_per_cent), revenue_line_count, units_per_cent
    )
    return _RATE_OF_PER_MILLE[candidates[0]] if candidates else None


def _summarise_amounts(amounts: list[_Amount], sign: int) -> VatSummary:
    """Convert the amounts to integer units, in cents unless an amount has other than two decimal places."""
    if not amounts:
        return _new_summary((), Decimal("0.00"), Decimal("0.00"))

    parts: list[_Part] = []
    cents_of_amount = _cents_of_amount
    for is_vat, credit, debit in amounts:
        if not (credit.same_quantum(_CENT) and debit.same_quantum(_CENT)):
            return _summarise_parts(*_exact_parts(amounts, sign))
        credit_cents = cents_of_amount.get(credit)
        if credit_cents is None:
            credit_cents = _cents(credit)
        debit_cents = cents_of_amount.get(debit)
        if debit_cents is None:
            debit_cents = _cents(debit)
        parts.append((is_vat, (credit_cents - debit_cents) * sign, _CENT_EXPONENT))
    return _summarise_parts(parts, 1)


def _summarise_parts(parts: list[_Part], units_per_cent: int) -> VatSummary:
    """Apply the rules of the module docstring to the revenue and VAT amounts of one document."""
    net_units = vat_units = revenue_line_count = 0
    # The totals start from Decimal("0.00"), so their exponent is at most -2.
    net_exponent = vat_exponent = _CENT_EXPONENT
    for is_vat, units, exponent in parts:
        if is_vat:
            vat_units += units
            if exponent < vat_exponent:
                vat_exponent = exponent
        else:
            net_units += units
            revenue_line_count += 1
            if exponent < net_exponent:
                net_exponent = exponent
    net_total = _to_decimal(net_units, net_exponent, units_per_cent)
    vat_total = _to_decimal(vat_units, vat_exponent, units_per_cent)

    totals = (
        _rates_of_pairs(_pair_in_order(parts), units_per_cent)
        or _rates_of_pairs(_pair_in_order(parts[::-1]), units_per_cent)
        or _rates_of_pairs([(net_units, net_exponent, vat_units, vat_exponent, revenue_line_count)], units_per_cent)
    )
    if totals is None:
        rows = (_new_breakdown(None, net_total, vat_total),)
    else:
        rows = tuple(
            [
                _new_breakdown(
                    _RATE_OF_PER_MILLE[rate],
                    _to_decimal(base, base_exponent, units_per_cent),
                    _to_decimal(vat, vat_exponent, units_per_cent),
                )
                for rate, (base, base_exponent, vat, vat_exponent) in totals
            ]
        )
    return _new_summary(rows, net_total, vat_total)


def _candidate_rates(base: int, vat: int, revenue_line_count: int, units_per_cent: int) -> list[int]:
    """Return the rates, per mille, whose VAT on `base` is within rounding of `vat`, nearest first.

    The VAT of a rate is within rounding when |vat − base × rate / 1000| is at
    most one cent per revenue line. Multiplied by 1000, every term is an int,
    and the rates that match are those from ⌈(1000 vat − tolerance) / base⌉
    to ⌊(1000 vat + tolerance) / base⌋, for a positive base. Equally near
    rates come lowest first.
    """
    if not base or (vat and (vat > 0) != (base > 0)):
        return []
    if not vat:
        return [0]

    if base < 0:
        base = -base
        vat = -vat
    tolerance = 1000 * units_per_cent * (revenue_line_count if revenue_line_count > 1 else 1)
    scaled_vat = 1000 * vat
    lowest = -((tolerance - scaled_vat) // base)
    highest = (scaled_vat + tolerance) // base
    candidates = _ASCENDING_RATES[bisect_left(_ASCENDING_RATES, lowest) : bisect_right(_ASCENDING_RATES, highest)]
    if len(candidates) > 1:
        candidates.sort(key=lambda rate: (abs(scaled_vat - base * rate), rate))
    return candidates


def _pair_in_order(parts: list[_Part]) -> list[_Pair] | None:
    """Attach each VAT amount to the revenue amounts before it, or return None when a VAT amount has none.

    Revenue amounts after the last VAT amount get a VAT of 0 with exponent 0,
    which is what Decimal(0) has.
    """
    pairs: list[_Pair] = []
    pending_base = pending_count = pending_exponent = 0
    for is_vat, units, exponent in parts:
        if not is_vat:
            pending_base += units
            pending_count += 1
            if exponent < pending_exponent:
                pending_exponent = exponent
        elif pending_count == 0:
            return None
        else:
            pairs.append((pending_base, pending_exponent, units, exponent if exponent < 0 else 0, pending_count))
            pending_base = pending_count = pending_exponent = 0
    if pending_count:
        pairs.append((pending_base, pending_exponent, 0, 0, pending_count))
    return pairs


def _rates_of_pairs(pairs: list[_Pair] | None, units_per_cent: int) -> list[tuple[int, list[int]]] | None:
    """Sum the pairs per inferred rate, or return None when a pair has no known rate.

    Returns (rate per mille, [base units, base exponent, VAT units, VAT
    exponent]) per rate, highest rate first. On small bases several rates fit
    within rounding: a VAT of 0.01 on a base of 0.31 fits 2.1 % (0.0065) and
    5.5 % (0.017). Such a pair takes a rate that an unambiguous pair of the
    same document has, if any, else the nearest rate.
    """
    if pairs is None:
        return None

    candidates_per_pair: list[tuple[_Pair, list[int]]] = []
    ambiguous = False
    for pair in pairs:
        base = pair[0]
        vat = pair[2]
        if not base and not vat:
            continue
        candidates = _candidate_rates(base, vat, pair[4], units_per_cent)
        if not candidates:
            return None
        if len(candidates) > 1:
            ambiguous = True
        candidates_per_pair.append((pair, candidates))
    if not candidates_per_pair:
        return None
    if ambiguous:
        certain_rates = {candidates[0] for _, candidates in candidates_per_pair if len(candidates) == 1}

    totals: dict[int, list[int]] = {}
    for (base, base_exponent, vat, vat_exponent, _), candidates in candidates_per_pair:
        rate = candidates[0]
        if len(candidates) > 1:
            for candidate in candidates:
                if candidate in certain_rates:
                    rate = candidate
                    break
        total = totals.get(rate)
        if total is None:
            totals[rate] = [base, base_exponent, vat, vat_exponent]
        else:
            total[0] += base
            if base_exponent < total[1]:
                total[1] = base_exponent
            total[2] += vat
            if vat_exponent < total[3]:
                total[3] = vat_exponent
    if len(totals) == 1:
        return list(totals.items())
    return sorted(totals.items(), reverse=True)


def _cents(amount: Decimal) -> int:
    """Return the number of cents of an amount with exactly two decimal places."""
    cents = _cents_of_amount.get(amount)
    if cents is None:
        cents = int(amount.scaleb(2))
        if len(_cents_of_amount) < _CACHE_MAX_SIZE:
            _cents_of_amount[amount] = cents
    return cents


def _exact_cents(amount: Decimal) -> Fraction:
    """Return an amount in cents, as an exact fraction, or raise ValueError when it is NaN or infinite."""
    try:
        return Fraction(amount) * 100
    except (ValueError, OverflowError):
        raise ValueError(f"the amount {amount} is not a finite number, so it has no VAT rate") from None


def _exact_parts(amounts: list[_Amount], sign: int) -> tuple[list[_Part], int]:
    """Return the parts of amounts with any number of decimal places, and their units per cent.

    The units per cent is the least common multiple of the denominators of
    the amounts in cents, so that every amount is a whole number of units.
    """
    cents = [(_exact_cents(credit) - _exact_cents(debit)) * sign for _, credit, debit in amounts]
    units_per_cent = lcm(*(amount.denominator for amount in cents))
    parts = [
        (is_vat, int(amount * units_per_cent), min(credit.as_tuple().exponent, debit.as_tuple().exponent))
        for (is_vat, credit, debit), amount in zip(amounts, cents)
    ]
    return parts, units_per_cent


def _to_decimal(units: int, exponent: int, units_per_cent: int) -> Decimal:
    """Return `units` as a Decimal amount with `exponent`, which is at most 0 and fits the amount exactly."""
    if exponent == _CENT_EXPONENT and units_per_cent == 1:
        amount = _amount_of_cents.get(units)
        if amount is None:
            amount = Decimal(units).scaleb(_CENT_EXPONENT)
            if len(_amount_of_cents) < _CACHE_MAX_SIZE:
                _amount_of_cents[units] = amount
        return amount
    coefficient, remainder = divmod(units * 10**-exponent, 100 * units_per_cent)
    if remainder:
        raise AssertionError(f"{units} units at {units_per_cent} per cent do not fit exponent {exponent}")
    return Decimal(coefficient).scaleb(exponent)


class _VatBreakdownSlots:
    """Plain class with the same slots as VatBreakdown, so that an instance can become a VatBreakdown."""

    __slots__ = VatBreakdown.__slots__


class _VatSummarySlots:
    """Plain class with the same slots as VatSummary, so that an instance can become a VatSummary."""

    __slots__ = VatSummary.__slots__


_new_object = object.__new__


def _new_breakdown(rate: Decimal | None, base: Decimal, vat: Decimal) -> VatBreakdown:
    """Build the same VatBreakdown as `VatBreakdown(rate, base, vat)`, in under half the time (CPython 3.11).

    The frozen dataclass __init__ stores each field through object.__setattr__,
    so this stores plain slots and then changes the class, as
    `records.build_fec_line` does for FecLine.
    """
    breakdown = _new_object(_VatBreakdownSlots)
    breakdown.rate = rate
    breakdown.base = base
    breakdown.vat = vat
    breakdown.__class__ = VatBreakdown
    return breakdown


def _new_summary(rows: tuple[VatBreakdown, ...], net_total: Decimal, vat_total: Decimal) -> VatSummary:
    """Build the same VatSummary as `VatSummary(rows, net_total, vat_total)`, as `_new_breakdown` does."""
    summary = _new_object(_VatSummarySlots)
    summary.rows = rows
    summary.net_total = net_total
    summary.vat_total = vat_total
    summary.__class__ = VatSummary
    return summary
