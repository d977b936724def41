"""French formatting of amounts, dates and waits, also registered as Jinja filters.

Amounts read ``1 234,56 €``: a narrow no-break space (U+202F) groups thousands
and a no-break space (U+00A0) precedes the euro sign. Dates read ``31/07/2026``.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

NARROW_NO_BREAK_SPACE = "\u202f"
NO_BREAK_SPACE = "\u00a0"
MINUS_SIGN = "\u2212"
CENT = Decimal("0.01")


def parse_amount(value: Decimal | str | int) -> Decimal:
    """Convert a decimal string such as ``"1234.56"`` to a Decimal of two decimals.

    Raises ValueError for text that is not a number and for a value with a
    non-zero third decimal, because the services send exact cents and this
    module never rounds money.
    """
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"invalid amount {value!r}: expected a decimal string such as '1234.56'") from None
    if not amount.is_finite():
        raise ValueError(f"invalid amount {value!r}: expected a finite decimal number")
    cents = amount.quantize(CENT)
    if cents != amount:
        raise ValueError(f"invalid amount {value!r}: expected at most two decimals")
    return cents


def group_thousands(digits: str) -> str:
    """Insert a narrow no-break space every three digits from the right."""
    groups = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    groups.insert(0, digits)
    return NARROW_NO_BREAK_SPACE.join(groups)


def format_number(value: Decimal | str | int) -> str:
    """Format an amount without currency: ``−1 234,56``, with the minus sign U+2212 of French typography."""
    amount = parse_amount(value)
    sign = MINUS_SIGN if amount < 0 else ""
    units, _, cents = f"{abs(amount):.2f}".partition(".")
    return f"{sign}{group_thousands(units)},{cents}"


def format_amount(value: Decimal | str | int | None) -> str:
    """Format an amount in euros as ``1 234,56 €``, or None as an empty string."""
    if value is None or value == "":
        return ""
    return f"{format_number(value)}{NO_BREAK_SPACE}€"


def format_date(value: date | datetime | str | None) -> str:
    """Format a date or ISO text as ``31/07/2026``, or None as an empty string."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            raise ValueError(f"invalid date {value!r}: expected ISO format YYYY-MM-DD") from None
    return value.strftime("%d/%m/%Y")


def format_wait(seconds: float) -> str:
    """Describe a wait in French, rounded up, with a no-break space: ``45 secondes``, ``1 minute``, ``3 minutes``."""
    whole_seconds = max(1, math.ceil(seconds))
    if whole_seconds < 60:
        return f"{whole_seconds}\u00a0seconde" + ("s" if whole_seconds > 1 else "")
    minutes = math.ceil(whole_seconds / 60)
    return f"{minutes}\u00a0minute" + ("s" if minutes > 1 else "")


def format_nonzero_amount(value: Decimal | str | int | None) -> str:
    """Format an amount like format_amount, but leave a zero or missing amount blank (debit and credit cells)."""
    if value is None or value == "" or parse_amount(value) == 0:
        return ""
    return format_amount(value)


JINJA_FILTERS = {
    "amount": format_amount,
    "nonzero_amount": format_nonzero_amount,
    "french_date": format_date,
}
