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


@pytest.mark.parametrize(
    ("amount", "cents"),
    [(Decimal("120.00"), 12000), (Decimal("-0.05"), -5), (Decimal("3"), 300), (Decimal("1.500"), 150)],
)
def test_cent_amounts_converts_whole_cents(amount, cents):
    assert CentAmounts()[amount] == cents


@pytest.mark.parametrize("amount", [Decimal("1.005"), Decimal("NaN"), Decimal("-Infinity")])
def test_cent_amounts_rejects_other_amounts(amount):
    with pytest.raises(NotWholeCents):
        CentAmounts()[amount]


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

    analysis = analyse_fec(fec.with_lines(lines))

    assert repr(analysis.total_debit) == "Decimal('120.000')"
    assert repr(analysis.customer_lines[0].net_total) == "Decimal('100.000')"
    assert [row.rate for row in analysis.customer_lines[0].vat_breakdown] == [Decimal("20")]


def test_analysis_totals_keep_mixed_exponents():
    fec = read_fec(INVOICE)
    lines = [replace(fec.lines[0], credit=Decimal("0.000")), *fec.lines[1:]]

    analysis = analyse_fec(fec.with_lines(lines))

    assert repr(analysis.total_debit) == "Decimal('120.00')"
    assert repr(analysis.total_credit) == "Decimal('120.000')"


def test_analysis_sub_cent_amounts_use_decimals():
    fec = read_fec(INVOICE)
    lines = [
        replace(fec.lines[0], debit=Decimal("120.005")),
        replace(fec.lines[1], credit=Decimal("100.005")),
        *fec.lines[2:],
    ]

    analysis = analyse_fec(fec.with_lines(lines))

    assert analysis.total_debit == Decimal("120.005")
    assert analysis.customer_lines[0].net_total == Decimal("100.005")


def test_analysis_nan_amount_is_unbalanced():
    fec = read_fec(INVOICE)
    lines = [replace(fec.lines[0], debit=Decimal("NaN")), *fec.lines[1:]]

    with pytest.raises(FecUnbalancedError) as error:
        analyse_fec(fec.with_lines(lines))

    assert "l’écriture VE 1 n’est pas équilibrée\u00a0: débit NaN, crédit 120,00\u00a0€ (écart NaN)" in str(error.value)
