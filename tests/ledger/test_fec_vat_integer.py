"""Tests that the VAT breakdown in integer units gives what the Decimal computation it replaced gave.

`reference_summarise_vat` below is the Decimal implementation of `summarise_vat`
before the rules ran on integers, kept here as the reference. Summaries are
compared by repr, so that rates, values, exponents, row order and the None
row must all be the same.
"""

import random
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

import pytest

from services.ledger.fec import FecLine, analyse_fec, read_fec
from services.ledger.fec.accounts import is_output_vat_account, is_sales_revenue_account
from services.ledger.fec.vat import VatBreakdown, VatSummary, infer_vat_rate, summarise_vat

FIXTURES = Path("/work/shared/fixtures/fec")
REAL_FILES = ("0000000001FEC20220831.txt", "111111111FEC20221231.TXT")

# Reference: the Decimal implementation, copied unchanged apart from names.

_STANDARD_VAT_RATES = (Decimal("20"), Decimal("10"), Decimal("8.5"), Decimal("5.5"), Decimal("2.1"))
_ZERO_RATE = Decimal("0")
_CENT = Decimal("0.01")
_HUNDRED = Decimal(100)
_RATE_FRACTIONS = tuple((rate / _HUNDRED, rate) for rate in _STANDARD_VAT_RATES)


class _Part(NamedTuple):
    base: Decimal
    vat: Decimal
    revenue_line_count: int


def reference_summarise_vat(lines, sign):
    parts = []
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
        _reference_rates_of_pairs(_reference_pair_in_order(parts))
        or _reference_rates_of_pairs(_reference_pair_in_order(parts[::-1]))
        or _reference_rates_of_pairs([_Part(net_total, vat_total, revenue_line_count)])
        or [VatBreakdown(rate=None, base=net_total, vat=vat_total)]
    )
    return VatSummary(rows=tuple(rows), net_total=net_total, vat_total=vat_total)


def reference_infer_vat_rate(base, vat, revenue_line_count=1):
    candidates = _reference_candidate_rates(base, vat, revenue_line_count)
    return candidates[0] if candidates else None


def _reference_candidate_rates(base, vat, revenue_line_count):
    if not base or (vat and (vat > 0) != (base > 0)):
        return []
    if not vat:
        return [_ZERO_RATE]

    tolerance = _CENT * max(1, revenue_line_count)
    distances = [(abs(vat - base * fraction), rate) for fraction, rate in _RATE_FRACTIONS]
    return [rate for distance, rate in sorted(distances) if distance <= tolerance]


def _reference_pair_in_order(parts):
    pairs = []
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


def _reference_rates_of_pairs(pairs):
    if pairs is None:
        return None

    candidates_per_pair = []
    for pair in pairs:
        if not pair.base and not pair.vat:
            continue
        candidates = _reference_candidate_rates(pair.base, pair.vat, pair.revenue_line_count)
        if not candidates:
            return None
        candidates_per_pair.append((pair, candidates))
    if not candidates_per_pair:
        return None
    certain_rates = {candidates[0] for _, candidates in candidates_per_pair if len(candidates) == 1}

    totals = {}
    for pair, candidates in candidates_per_pair:
        rate = next((rate for rate in candidates if rate in certain_rates), candidates[0])
        base, vat = totals.get(rate, (Decimal(0), Decimal(0)))
        totals[rate] = (base + pair.base, vat + pair.vat)
    return [
        VatBreakdown(rate=rate, base=base, vat=vat)
        for rate, (base, vat) in sorted(totals.items(), reverse=True)
    ]


# Helpers

TEMPLATE = FecLine(
    line_number=2, journal_code="VE", journal_label="Ventes", entry_number="1", entry_date=date(2024, 1, 31),
    account_number="411000", account_label="Clients", aux_account="C1", aux_label="Agence", piece_ref="FA1",
    piece_date=None, label="Facture", debit=Decimal("0.00"), credit=Decimal("0.00"), lettering=None,
    lettering_date=None, validation_date=None, currency_amount=None, currency=None,
)


def document(*amounts: tuple[str, str | Decimal, str | Decimal]) -> list[FecLine]:
    """Build one customer line, then a line per (account, debit, credit)."""
    lines = [TEMPLATE]
    for number, (account, debit, credit) in enumerate(amounts, start=3):
        lines.append(
            replace(TEMPLATE, line_number=number, account_number=account, debit=Decimal(debit), credit=Decimal(credit))
        )
    return lines


def assert_same_summary(lines: list[FecLine], sign: int) -> None:
    assert repr(summarise_vat(lines, sign)) == repr(reference_summarise_vat(lines, sign))


def documents_of_file(name: str) -> list[list[FecLine]]:
    """Return each entry of a real file, then each PieceRef group of an entry with several."""
    entries = analyse_fec(read_fec((FIXTURES / name).read_bytes(), source=name)).entries
    documents = []
    for entry in entries:
        documents.append(list(entry.lines))
        groups: dict[str, list[FecLine]] = {}
        for line in entry.lines:
            groups.setdefault(line.piece_ref, []).append(line)
        if len(groups) > 1:
            documents.extend(groups.values())
    return documents


# Tests


@pytest.mark.parametrize("name", REAL_FILES)
def test_vat_real_file_documents(name):
    documents = documents_of_file(name)
    with_revenue = [lines for lines in documents if any(is_sales_revenue_account(l.account_number) for l in lines)]

    assert len(with_revenue) > 50
    for lines in documents:
        for sign in (1, -1):
            assert_same_summary(lines, sign)


CRAFTED = {
    "one rate": [("706000", "0.00", "100.00"), ("445710", "0.00", "20.00")],
    "two rates in order": [
        ("706100", "0.00", "100.00"), ("445710", "0.00", "20.00"),
        ("706200", "0.00", "200.00"), ("445712", "0.00", "11.00"),
    ],
    "VAT before revenue": [
        ("445710", "0.00", "20.00"), ("706100", "0.00", "100.00"),
        ("445712", "0.00", "11.00"), ("706200", "0.00", "200.00"),
    ],
    "all five rates": [
        ("706100", "0.00", "100.00"), ("445710", "0.00", "20.00"),
        ("706200", "0.00", "100.00"), ("445711", "0.00", "10.00"),
        ("706300", "0.00", "100.00"), ("445713", "0.00", "8.50"),
        ("706400", "0.00", "100.00"), ("445712", "0.00", "5.50"),
        ("706500", "0.00", "100.00"), ("445714", "0.00", "2.10"),
    ],
    "revenue without VAT after": [
        ("706100", "0.00", "100.00"), ("445710", "0.00", "10.00"), ("708000", "0.00", "15.00"),
    ],
    "revenue only": [("706100", "0.00", "100.00"), ("706200", "0.00", "50.00")],
    "zero VAT line": [("706100", "0.00", "453.60"), ("445710", "0.00", "0.00")],
    "zero base and zero VAT": [("706100", "0.00", "0.00"), ("445710", "0.00", "0.00")],
    "zero pair beside a rate": [
        ("706100", "0.00", "0.00"), ("445710", "0.00", "0.00"),
        ("706200", "0.00", "100.00"), ("445711", "0.00", "20.00"),
    ],
    "VAT only": [("445710", "0.00", "20.00")],
    "VAT on zero base": [("706100", "0.00", "0.00"), ("445710", "0.00", "20.00")],
    "one VAT line for several revenue lines": [
        ("706100", "0.00", "33.33"), ("706200", "0.00", "33.33"), ("706300", "0.00", "33.34"),
        ("445710", "0.00", "20.00"),
    ],
    "rounded per line": [("706100", "0.00", "10.05"), ("706100", "0.00", "10.05"), ("445710", "0.00", "4.02")],
    "unknown rate": [("706100", "0.00", "4216.80"), ("445710", "0.00", "86.72")],
    "ambiguous small base takes rate of document": [
        ("701000", "0.00", "17.40"), ("445712", "0.00", "0.96"),
        ("708000", "0.00", "0.31"), ("445712", "0.00", "0.01"),
    ],
    "ambiguous small base alone": [("708000", "0.00", "0.31"), ("445712", "0.00", "0.01")],
    "ambiguous tie between rates": [("706000", "0.00", "0.10"), ("445710", "0.00", "0.01")],
    "ambiguous pairs only": [
        ("706000", "0.00", "0.10"), ("445710", "0.00", "0.01"),
        ("706000", "0.00", "0.31"), ("445710", "0.00", "0.01"),
    ],
    "single rate in any order": [
        ("445710", "0.00", "20.00"), ("706100", "0.00", "50.00"), ("706200", "0.00", "50.00"),
        ("445710", "0.00", "0.00"),
    ],
    "credit note": [("706000", "100.00", "0.00"), ("445710", "20.00", "0.00")],
    "negative amounts": [("706000", "0.00", "-100.00"), ("445710", "0.00", "-20.00")],
    "negative zeros": [("706000", "-0.00", "-0.00"), ("445710", "-0.00", "0.00"), ("706100", "0.00", "-0.00")],
    "VAT against the base": [("706000", "0.00", "100.00"), ("445710", "20.00", "0.00")],
    "revenue on both sides": [
        ("706000", "30.00", "130.00"), ("445710", "1.00", "21.00"), ("706100", "5.00", "0.00"),
    ],
    "other accounts ignored": [
        ("706000", "0.00", "100.00"), ("758000", "0.00", "0.01"), ("445710", "0.00", "20.00"),
        ("512000", "120.00", "0.00"),
    ],
    "largest amounts": [("706000", "0.00", "9999999999999.99"), ("445710", "0.00", "1999999999999.99")],
    "one decimal place": [("706000", "0.0", "100.0"), ("445710", "0.0", "20.0")],
    "no decimal place": [("706000", "0", "100"), ("445710", "0", "20"), ("706100", "0", "15")],
    "exponent above zero": [("706000", "0", "1E+2"), ("445710", "0", "2E+1")],
    "exponent above zero on both sides": [("706000", "0E+1", "1E+2"), ("445710", "0E+1", "2E+1")],
    "mixed exponents": [("706000", "0.00", "10.0"), ("445712", "0", "0.55"), ("706100", "0.000", "1E+2")],
    "fractions of a cent": [("706000", "0.00", "100.005"), ("445710", "0.00", "20.001")],
    "fraction of a cent within rounding": [("706000", "0.00", "0.105"), ("445714", "0.00", "0.0022")],
    "fractions with a zero rate row": [
        ("706000", "0.00", "33.333"), ("445710", "0.00", "6.6666"), ("706100", "0.000", "1.5"),
    ],
}


@pytest.mark.parametrize("case", CRAFTED)
@pytest.mark.parametrize("sign", [1, -1])
def test_vat_crafted_documents(case, sign):
    assert_same_summary(document(*CRAFTED[case]), sign)


def test_vat_without_revenue_or_vat_lines():
    lines = document(("512000", "120.00", "0.00"))

    assert_same_summary(lines, 1)
    assert summarise_vat(lines, 1).rows == ()


def test_vat_random_documents():
    generator = random.Random(20261205)
    # Small amounts make several rates fit within rounding, and large ones
    # make the tolerance tight. Zeros and signs reach the special cases.
    cent_amounts = [0, 0, 1, 2, 3, 5, 9, 10, 11, 21, 31, 55, 85, 96, 100, 200, 2000, 10000, 123456, -1, -20, -100]
    accounts = ["706000", "706000", "445710", "445710", "411000", "758000"]
    for _ in range(4000):
        amounts = []
        for _ in range(generator.randint(1, 6)):
            account = generator.choice(accounts)
            cents = generator.choice(cent_amounts)
            if account.startswith("4457") and generator.random() < 0.6:
                # A VAT near an exact rate of the previous revenue amount.
                base = next((int(c) for a, _, c in reversed(amounts) if a.startswith("70")), cents)
                rate = generator.choice([200, 100, 85, 55, 21])
                cents = base * rate // 1000 + generator.choice([-1, 0, 0, 1])
            amount = Decimal(cents).scaleb(-2)
            if generator.random() < 0.2:
                amounts.append((account, amount, Decimal("0.00")))
            else:
                amounts.append((account, Decimal("0.00"), amount))
        lines = document(*amounts)
        for sign in (1, -1):
            assert_same_summary(lines, sign)


def test_vat_random_documents_with_more_decimals():
    generator = random.Random(31072026)
    for _ in range(1000):
        amounts = []
        for _ in range(generator.randint(1, 5)):
            account = generator.choice(["706000", "445710"])
            exponent = generator.choice([0, -1, -2, -2, -3, -4])
            amount = Decimal(generator.randint(-200, 20000)).scaleb(exponent)
            amounts.append((account, Decimal("0").scaleb(generator.choice([0, -2])), amount))
        lines = document(*amounts)
        assert_same_summary(lines, generator.choice([1, -1]))


@pytest.mark.parametrize(
    "base, vat, revenue_line_count",
    [
        ("100.00", "20.00", 1), ("100.00", "5.50", 1), ("0.31", "0.01", 1), ("0.10", "0.01", 1),
        ("100.00", "0.00", 1), ("0.00", "1.00", 1), ("100.00", "-20.00", 1), ("-100.00", "-20.00", 1),
        ("20.10", "4.02", 2), ("4216.80", "86.72", 1), ("100", "20", 0), ("1E+2", "8.5", 1), ("0.105", "0.0022", 1),
    ],
)
def test_infer_vat_rate_matches_reference(base, vat, revenue_line_count):
    result = infer_vat_rate(Decimal(base), Decimal(vat), revenue_line_count)
    expected = reference_infer_vat_rate(Decimal(base), Decimal(vat), revenue_line_count)

    assert repr(result) == repr(expected)


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity"])
def test_vat_rejects_non_finite_amount(value):
    lines = document(("706000", "0.00", value), ("445710", "0.00", "20.00"))

    with pytest.raises(ValueError, match="is not a finite number"):
        summarise_vat(lines, 1)


def test_vat_summary_equals_constructor():
    summary = summarise_vat(document(*CRAFTED["two rates in order"]), 1)
    rows = tuple(VatBreakdown(rate=row.rate, base=row.base, vat=row.vat) for row in summary.rows)
    constructed = VatSummary(rows=rows, net_total=summary.net_total, vat_total=summary.vat_total)

    assert type(summary) is VatSummary
    assert all(type(row) is VatBreakdown for row in summary.rows)
    assert summary == constructed
    assert hash(summary) == hash(constructed)
