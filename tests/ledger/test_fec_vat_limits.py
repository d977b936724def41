"""VAT breakdowns at the limits of their inputs, compared with the Decimal computation they replaced.

`summarise_vat` and `infer_vat_rate` are public, so amounts may come from
elsewhere than `read_fec`: many lines of the largest amount the reader
accepts, amounts with more decimal places, and negative zeros.
"""

from decimal import Decimal

import pytest

from services.ledger.fec.values import MAX_AMOUNT
from services.ledger.fec.vat import infer_vat_rate, summarise_vat
from tests.ledger.test_fec_vat_integer import assert_same_summary, document, reference_infer_vat_rate

LARGEST_VAT = Decimal("1999999999999.99")


@pytest.mark.parametrize("sign", [1, -1])
def test_vat_many_largest_amounts(sign):
    # 2,000 lines of MAX_AMOUNT sum to 17 digits before the decimal point.
    lines = document(*[("706000", "0.00", MAX_AMOUNT), ("445710", "0.00", LARGEST_VAT)] * 2000)

    assert_same_summary(lines, sign)
    assert summarise_vat(lines, sign).net_total == MAX_AMOUNT * 2000 * sign


def test_vat_largest_amounts_of_both_signs():
    lines = document(
        *[("706000", "0.00", MAX_AMOUNT), ("706100", MAX_AMOUNT, "0.00"), ("445710", "0.00", LARGEST_VAT)] * 500,
        ("706000", "0.00", "100.00"),
    )

    assert_same_summary(lines, 1)
    assert summarise_vat(lines, 1).net_total == Decimal("100.00")


@pytest.mark.parametrize(
    "amounts",
    [
        # 13 digits before the decimal point and 9 after: 22 digits, within the 28 of the Decimal context.
        [("706000", "0.00", "9999999999999.123456789"), ("445710", "0.00", "1999999999999.82")],
        [("706000", "0.000000001", "100.00"), ("445710", "0.00", "20.000000001"), ("706100", "0", "1E+3")],
        [("706000", "-0.000", "-0.00"), ("445710", "-0.00", "-0.000")],
        [("706000", "0.00", "-0.00"), ("445710", "0.00", "0.00"), ("706100", "0.00", "50.00"), ("445710", "0", "10.00")],
    ],
)
@pytest.mark.parametrize("sign", [1, -1])
def test_vat_hand_built_amounts(amounts, sign):
    assert_same_summary(document(*amounts), sign)


@pytest.mark.parametrize(
    "base, vat",
    [("-0.00", "-0.00"), ("0.00", "-0.00"), ("100.00", "-0.00"), ("-100.00", "-0.00"), ("-0.00", "20.00")],
)
def test_infer_vat_rate_negative_zero(base, vat):
    result = infer_vat_rate(Decimal(base), Decimal(vat))

    assert repr(result) == repr(reference_infer_vat_rate(Decimal(base), Decimal(vat)))
