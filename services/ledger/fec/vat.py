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
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from .accounts import AccountFamilies, AccountFamily, is_output_vat_account, is_sales_revenue_account
from .records import FecLine

STANDARD_VAT_RATES = (Decimal("20"), Decimal("10"), Decimal("8.5"), Decimal("5.5"), Decimal("2.1"))
"""French VAT rates in percent, besides 0 (mainland, Corsica and overseas departments)."""
_ZERO_RATE = Decimal("0")
_CENT = Decimal("0.01")
_HUNDRED = Decimal(100)
# Each rate with rate / 100, e.g. (Decimal("0.055"), Decimal("5.5")). The
# products with a base are exact, as base * rate / 100 was.
_RATE_FRACTIONS = tuple((rate / _HUNDRED, rate) for rate in STANDARD_VAT_RATES)
# Module constants, because reading members from the Enum class in a loop is slow (see `line_scan`).
_SALES_REVENUE = AccountFamily.SALES_REVENUE
_OUTPUT_VAT = AccountFamily.OUTPUT_VAT


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


class _Part(NamedTuple):
    base: Decimal
    vat: Decimal
    revenue_line_count: int


def summarise_vat(lines: Sequence[FecLine], sign: int) -> VatSummary:
    """Build the VAT breakdown of the revenue and VAT lines among `lines`.

    `sign` is +1 for an invoice, whose revenue and VAT are credits, and -1 for a
    credit note, whose revenue and VAT are debits. Other lines are ignored.
    """
    parts: list[tuple[str, Decimal]] = []
    net_total = vat_total = Decimal("0.00")
    revenue_line_count = 0
    for line in lines:
        account = line.account_number
        if is_sales_revenue_account(account):
            amount = (line.credit - line.debit) * sign
            parts.append(("revenue", amount))
            net_total += amount
            revenue_line_count += 1
        elif is_output_vat_account(account):
            amount = (line.credit - line.debit) * sign
            parts.append(("vat", amount))
            vat_total += amount
    if not parts:
        return VatSummary(rows=(), net_total=net_total, vat_total=vat_total)

    rows = (
        _rates_of_pairs(_pair_in_order(parts))
        or _rates_of_pairs(_pair_in_order(parts[::-1]))
        or _rates_of_pairs([_Part(net_total, vat_total, revenue_line_count)])
        or [VatBreakdown(rate=None, base=net_total, vat=vat_total)]
    )
    return VatSummary(rows=tuple(rows), net_total=net_total, vat_total=vat_total)


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
        key: list[int] = [sign]
        for line in lines:
            family = self._families[line.account_number]
            if family is _SALES_REVENUE or family is _OUTPUT_VAT:
                key += (family, id(line.debit), id(line.credit))
        summary_key = tuple(key)
        summary = self._summaries.get(summary_key)
        if summary is None:
            summary = self._summaries[summary_key] = summarise_vat(lines, sign)
        return summary


def infer_vat_rate(base: Decimal, vat: Decimal, revenue_line_count: int = 1) -> Decimal | None:
    """Return the French VAT rate nearest to vat / base, or None when none is within rounding.

    Returns 0 when the VAT is zero and the base is not.
    """
    candidates = _candidate_rates(base, vat, revenue_line_count)
    return candidates[0] if candidates else None


def _candidate_rates(base: Decimal, vat: Decimal, revenue_line_count: int) -> list[Decimal]:
    """Return the rates whose VAT on `base` is within rounding of `vat`, nearest first."""
    if not base or (vat and (vat > 0) != (base > 0)):
        return []
    if not vat:
        return [_ZERO_RATE]

    tolerance = _CENT * max(1, revenue_line_count)
    distances = [(abs(vat - base * fraction), rate) for fraction, rate in _RATE_FRACTIONS]
    return [rate for distance, rate in sorted(distances) if distance <= tolerance]


def _pair_in_order(parts: list[tuple[str, Decimal]]) -> list[_Part] | None:
    """Attach each VAT amount to the revenue amounts before it, or return None when a VAT amount has none."""
    pairs: list[_Part] = []
    pending_base = Decimal(0)
    pending_count = 0
    for kind, amount in parts:
        if kind == "revenue":
            pending_base += amount
            pending_count += 1
        elif pending_count == 0:
            return None
        else:
            pairs.append(_Part(pending_base, amount, pending_count))
            pending_base = Decimal(0)
            pending_count = 0
    if pending_count:
        pairs.append(_Part(pending_base, Decimal(0), pending_count))
    return pairs


def _rates_of_pairs(pairs: list[_Part] | None) -> list[VatBreakdown] | None:
    """Sum the pairs per inferred rate, or return None when a pair has no known rate.

    On small bases several rates fit within rounding: a VAT of 0.01 on a base
    of 0.31 fits 2.1 % (0.0065) and 5.5 % (0.017). Such a pair takes a rate that
    an unambiguous pair of the same document has, if any, else the nearest rate.
    """
    if pairs is None:
        return None

    candidates_per_pair: list[tuple[_Part, list[Decimal]]] = []
    for pair in pairs:
        if not pair.base and not pair.vat:
            continue
        candidates = _candidate_rates(pair.base, pair.vat, pair.revenue_line_count)
        if not candidates:
            return None
        candidates_per_pair.append((pair, candidates))
    if not candidates_per_pair:
        return None
    certain_rates = {candidates[0] for _, candidates in candidates_per_pair if len(candidates) == 1}

    totals: dict[Decimal, tuple[Decimal, Decimal]] = {}
    for pair, candidates in candidates_per_pair:
        rate = next((rate for rate in candidates if rate in certain_rates), candidates[0])
        base, vat = totals.get(rate, (Decimal(0), Decimal(0)))
        totals[rate] = (base + pair.base, vat + pair.vat)
    return [
        VatBreakdown(rate=rate, base=base, vat=vat)
        for rate, (base, vat) in sorted(totals.items(), reverse=True)
    ]
