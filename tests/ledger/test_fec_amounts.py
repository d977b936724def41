"""Tests of the integer-cent sums of the analysis and of its fallback to Decimal sums."""

from dataclasses import replace
from decimal import Decimal

import pytest

from services.ledger.fec import FecUnbalancedError, analyse_fec, read_fec
from services.ledger.fec.cents import CentAmounts, DecimalAmounts, NotWholeCents

HEADER = (
    "JournalCode\tJournalLib\tEcritureNum\tEcritureDate\tCompteNum\tCompteLib\tCompAuxNum\tCompAuxLib"
    "\tPieceRef\tPieceDate\tEcritureLib\tDebit\tCredit\tEcritureLet\tDateLet\tValidDate\tMontantdevise\tIdevise"
)
INVOICE = "\n".join(
    (
        HEADER,
        "VE\tVentes\t1\t20240131\t411000\tClients\tC1\tAgence\tFA1\t20240131\tx\t120,00\t0,00\t\t\t\t\t",
        "VE\tVentes\t1\t20240131\t706000\tVentes\t\t\tFA1\t20240131\tx\t0,00\t100,00\t\t\t\t\t",
        "VE\tVentes\t1\t20240131\t445710\tTVA\t\t\tFA1\t20240131\tx\t0,00\t20,00\t\t\t\t\t",
        "",
    )
).encode()


def test_cent_amounts_converts_two_decimals():
    amounts = CentAmounts()

    assert amounts[Decimal("120.00")] == 12000
    assert amounts[Decimal("-0.05")] == -5
    assert amounts[Decimal("3")] == 300


@pytest.mark.parametrize("amount", [Decimal("1.005"), Decimal("1.000"), Decimal("NaN"), Decimal("-Infinity")])
def test_cent_amounts_rejects_other_amounts(amount):
    with pytest.raises(NotWholeCents):
        CentAmounts()[amount]


@pytest.mark.parametrize(("cents", "expected"), [(12345, "123.45"), (-5, "-0.05"), (0, "0.00")])
def test_cent_amounts_to_decimal(cents, expected):
    total = CentAmounts.to_decimal(cents)

    assert str(total) == expected


def test_decimal_amounts_returns_amount():
    amount = Decimal("1.005")

    assert DecimalAmounts()[amount] is amount


def test_analysis_totals_from_cents():
    analysis = analyse_fec(read_fec(INVOICE))

    assert repr(analysis.total_debit) == "Decimal('120.00')"
    assert repr(analysis.total_credit) == "Decimal('120.00')"


def test_analysis_three_decimal_amounts_keep_exponent():
    fec = read_fec(INVOICE)
    thousandth = Decimal("0.001")
    lines = [
        replace(line, debit=line.debit.quantize(thousandth), credit=line.credit.quantize(thousandth))
        for line in fec.lines
    ]

    analysis = analyse_fec(replace(fec, lines=lines))

    assert repr(analysis.total_debit) == "Decimal('120.000')"
    assert repr(analysis.customer_lines[0].net_total) == "Decimal('100.000')"
    assert [row.rate for row in analysis.customer_lines[0].vat_breakdown] == [Decimal("20")]


def test_analysis_nan_amount_is_unbalanced():
    fec = read_fec(INVOICE)
    lines = [replace(fec.lines[0], debit=Decimal("NaN")), *fec.lines[1:]]

    with pytest.raises(FecUnbalancedError) as error:
        analyse_fec(replace(fec, lines=lines))

    assert "entry VE 1 does not balance: debit NaN, credit 120.00 (difference NaN)" in str(error.value)
