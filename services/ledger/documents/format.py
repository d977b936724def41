"""French formatting of amounts, numbers, rates and dates for printed documents.

Amounts read `1 234,56 €`: a narrow no-break space (U+202F) groups thousands,
a comma separates decimals and a no-break space (U+00A0) precedes the euro sign.
Negative numbers take the minus sign U+2212.
"""

from datetime import date
from decimal import Decimal

from stdnum import iban

from services.ledger.documents.fields import CENT

NARROW_NO_BREAK_SPACE = "\u202f"
NO_BREAK_SPACE = "\u00a0"
MINUS_SIGN = "\u2212"


def format_number(value: Decimal, min_decimals: int = 0) -> str:
    """Format a finite decimal with French separators, keeping its significant decimals.

    Trailing zeros beyond `min_decimals` are dropped: 2.50 gives « 2,5 » and,
    with `min_decimals=2`, « 2,50 ».
    """
    if not value.is_finite():
        raise ValueError(f"cannot format {value}, which is not a finite number")
    sign = MINUS_SIGN if value < 0 else ""
    digits = format(abs(value).normalize(), "f")
    integer_part, _, decimal_part = digits.partition(".")
    decimal_part = decimal_part.ljust(min_decimals, "0")

    groups = []
    while len(integer_part) > 3:
        groups.insert(0, integer_part[-3:])
        integer_part = integer_part[:-3]
    groups.insert(0, integer_part)
    text = sign + NARROW_NO_BREAK_SPACE.join(groups)
    if decimal_part:
        text += "," + decimal_part
    return text


def format_amount(value: Decimal) -> str:
    """Format an amount in euros with exactly two decimals: « 1 234,56 € ».

    Raises ValueError for more than two decimals, because printing must never round money.
    """
    if value != value.quantize(CENT):
        raise ValueError(f"cannot print amount {value}, which has more than two decimals. Round it to cents first.")
    return format_number(value, min_decimals=2) + NO_BREAK_SPACE + "€"


def format_unit_price(value: Decimal) -> str:
    """Format a unit price with two to four decimals: « 1 234,50 € », « 0,1234 € »."""
    return format_number(value, min_decimals=2) + NO_BREAK_SPACE + "€"


def format_rate(value: Decimal) -> str:
    """Format a percentage: « 20 % », « 5,5 % »."""
    return format_number(value) + NARROW_NO_BREAK_SPACE + "%"


def format_date(value: date) -> str:
    """Format a date as « 31/07/2026 »."""
    return value.strftime("%d/%m/%Y")


def format_siren(siren: str) -> str:
    """Group a SIREN (9 digits) or SIRET (14 digits) as printed on a Kbis: « 732 829 320 »."""
    groups = [siren[index : index + 3] for index in range(0, 9, 3)]
    if len(siren) > 9:
        groups.append(siren[9:])
    return NO_BREAK_SPACE.join(groups)


def format_iban(value: str) -> str:
    """Group an IBAN by four characters: « FR76 3000 6000 0112 3456 7890 189 »."""
    return iban.format(value)
