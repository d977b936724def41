"""Parse the amount, date and sign fields of a FEC line.

Each parser takes the field without its padding. On bad input it raises
ValueError with a French message that continues the quoted raw value, e.g.
"n’est pas un montant (attendu : ...)". The reader adds the line, column and value.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from shared.typography import format_count

from .wording import COLON, SEMICOLON, day

ZERO = Decimal("0.00")
_CENT = Decimal("0.01")

_NOT_AN_AMOUNT = "n’est pas un montant (attendu\u00a0: des chiffres avec une virgule décimale, par exemple 1234,56)"
# The ledger stores amounts as numeric(15, 2). Montantdevise is not stored,
# but a larger foreign amount is just as surely an entry error.
MAX_AMOUNT = Decimal("9999999999999.99")
_AMOUNT_TOO_LARGE = (
    "dépasse le plus grand montant que le grand livre enregistre (attendu"
    f"{COLON} au plus {format_count(int(MAX_AMOUNT))},99 en valeur absolue){SEMICOLON} corrigez-le dans"
    " le logiciel comptable, puis exportez de nouveau le fichier"
)
_NOT_A_DATE = "n’est pas une date (attendu\u00a0: AAAAMMJJ, par exemple 20220831)"

# Accounting exports write dates of this century or the last, and some write
# 19000101 for "no date" (the real tab-separated export does in PieceDate).
# A date outside is an entry error. Near year 9999 the due date, computed by
# adding the payment terms, overflows, and a date such as 00010101 would show
# on the statements as is.
FIRST_DATE = date(1900, 1, 1)
LAST_DATE = date(2099, 12, 31)
_DATE_OUT_OF_RANGE = (
    f"est une date hors de la plage acceptée (attendu{COLON} du {day(FIRST_DATE)} au {day(LAST_DATE)})"
    f"{SEMICOLON} corrigez-la dans le logiciel comptable, puis exportez de nouveau le fichier"
)

# Dates and amounts repeat a lot inside one file (every other amount is 0,00),
# so parsed values are cached. Dates and Decimals are immutable, so sharing is safe.
_date_cache: dict[str, date] = {}
_amount_cache: dict[str, Decimal] = {}
_CACHE_MAX_SIZE = 20_000


def parse_amount(text: str) -> Decimal:
    """Parse an amount with a decimal comma or dot, an optional sign and zero padding.

    An empty field is zero. The result has exactly two decimal places, so more
    decimals are rejected unless they are zeros. An amount beyond MAX_AMOUNT in
    absolute value is rejected.
    """
    cached = _amount_cache.get(text)
    if cached is not None:
        return cached
    amount = _parse_uncached_amount(text)
    if len(_amount_cache) < _CACHE_MAX_SIZE:
        _amount_cache[text] = amount
    return amount


def _parse_uncached_amount(text: str) -> Decimal:
    if not text:
        return ZERO
    if "," in text:
        if "." in text:
            raise ValueError(
                "n’est pas un montant (attendu\u00a0: des chiffres avec une virgule décimale et sans"
                " séparateur de milliers, par exemple 1234,56)"
            )
        text = text.replace(",", ".")

    digits = text[1:] if text[0] in "+-" else text
    integer_part, _, fraction = digits.partition(".")
    if not (integer_part or fraction) or not digits.isascii():
        raise ValueError(_NOT_AN_AMOUNT)
    if (integer_part and not integer_part.isdigit()) or (fraction and not fraction.isdigit()):
        raise ValueError(_NOT_AN_AMOUNT)

    amount = Decimal(text)
    if not amount:
        return ZERO  # also turns -0,00 into 0.00
    if len(fraction) > 2 and fraction[2:].strip("0"):
        raise ValueError("a plus de deux décimales (attendu\u00a0: un montant au centime près, par exemple 1234,56)")
    # Comparisons are exact, whereas abs() would round beyond 28 digits. The
    # check also keeps quantize() below within the 28 digits of the context.
    if not -MAX_AMOUNT <= amount <= MAX_AMOUNT:
        raise ValueError(_AMOUNT_TOO_LARGE)
    if len(fraction) == 2:
        return amount
    return amount.quantize(_CENT)


def parse_optional_amount(text: str) -> Decimal | None:
    """Parse an amount like `parse_amount`, but return None for an empty field."""
    if not text:
        return None
    return parse_amount(text)


def parse_date(text: str) -> date:
    """Parse a date written YYYYMMDD, or YYYY-MM-DD, which some exports use, from FIRST_DATE to LAST_DATE."""
    cached = _date_cache.get(text)
    if cached is not None:
        return cached

    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        digits = text[:4] + text[5:7] + text[8:]
    else:
        digits = text
    if len(digits) != 8 or not digits.isascii() or not digits.isdigit():
        raise ValueError(_NOT_A_DATE)
    try:
        parsed = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        raise ValueError("n’est pas une date (attendu\u00a0: AAAAMMJJ avec un jour qui existe, par exemple 20220831)") from None
    if not FIRST_DATE <= parsed <= LAST_DATE:
        raise ValueError(_DATE_OUT_OF_RANGE)

    if len(_date_cache) < _CACHE_MAX_SIZE:
        _date_cache[text] = parsed
    return parsed


def parse_optional_date(text: str) -> date | None:
    """Parse a date like `parse_date`, but return None for an empty field."""
    if not text:
        return None
    cached = _date_cache.get(text)
    if cached is not None:
        return cached
    return parse_date(text)


def parse_sign(text: str) -> int:
    """Parse the Sens field of the Montant + Sens variant: +1 for debit, -1 for credit."""
    normalized = text.upper()
    if normalized in ("D", "+1", "1"):
        return 1
    if normalized in ("C", "-1"):
        return -1
    raise ValueError("n’est pas un sens (attendu\u00a0: D ou C, ou +1 ou -1)")


def require_text(text: str, expected: str) -> str:
    """Return `text` unless it is empty, in which case raise ValueError naming the `expected` value."""
    if not text:
        raise ValueError(f"est vide (attendu\u00a0: {expected})")
    return text
