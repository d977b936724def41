"""French formatting of amounts, dates and waits."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from gateway.format import format_amount, format_date, format_nonzero_amount, format_wait

NNBSP = "\u202f"
NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1234.56", f"1{NNBSP}234,56{NBSP}€"),
        ("0.00", f"0,00{NBSP}€"),
        ("0.5", f"0,50{NBSP}€"),
        ("999.99", f"999,99{NBSP}€"),
        ("1000", f"1{NNBSP}000,00{NBSP}€"),
        ("1234567.89", f"1{NNBSP}234{NNBSP}567,89{NBSP}€"),
        ("-150.00", f"\u2212150,00{NBSP}€"),
        ("-1234.50", f"\u22121{NNBSP}234,50{NBSP}€"),
        (Decimal("12.300"), f"12,30{NBSP}€"),
        (7, f"7,00{NBSP}€"),
    ],
)
def test_format_amount_french(value, expected):
    assert format_amount(value) == expected


def test_format_amount_none_is_blank():
    assert format_amount(None) == ""


@pytest.mark.parametrize("value", ["12.345", "abc", "NaN", "Infinity", "1,5"])
def test_format_amount_rejects_invalid(value):
    with pytest.raises(ValueError) as raised:
        format_amount(value)

    assert repr(value) in str(raised.value)


def test_format_nonzero_amount_blanks_zero():
    assert format_nonzero_amount("0.00") == ""
    assert format_nonzero_amount(None) == ""
    assert format_nonzero_amount("12.00") == f"12,00{NBSP}€"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (date(2026, 7, 31), "31/07/2026"),
        ("2026-01-05", "05/01/2026"),
        ("2026-01-05T10:00:00+00:00", "05/01/2026"),
        (None, ""),
    ],
)
def test_format_date_french(value, expected):
    assert format_date(value) == expected


def test_format_date_rejects_invalid_text():
    with pytest.raises(ValueError) as raised:
        format_date("31/07/2026")

    assert "YYYY-MM-DD" in str(raised.value)


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [(1, "1\u00a0seconde"), (0.2, "1\u00a0seconde"), (30, "30\u00a0secondes"), (59.5, "1\u00a0minute"),
     (60, "1\u00a0minute"), (61, "2\u00a0minutes"), (900, "15\u00a0minutes")],
)
def test_format_wait_rounds_up(seconds, expected):
    assert format_wait(seconds) == expected
