"""Validated field types shared by the document models.

Each type rejects bad input with a message that names the value, the expected
form and the fix. Pydantic adds the field path to the message. The errors are
``PydanticCustomError`` with a type of their own (``siren_invalid``, …), for
which ``shared.validation_messages`` has the French sentence shown to users.
"""

import re
import unicodedata
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator
from pydantic_core import PydanticCustomError
from stdnum import bic, iban
from stdnum.eu import vat
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.fr import siren, siret

CENT = Decimal("0.01")
MAX_UNIT_PRICE_DECIMALS = 4
MAX_ADDRESS_LINES = 3  # CII has LineOne, LineTwo and LineThree only.

# C0 and C1 control characters, DEL included. Line breaks are rejected too,
# because every text is drawn on one line or wrapped by the layout.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_COUNTRY_CODE = re.compile(r"[A-Z]{2}")


def _reject_float(value: Any) -> Any:
    if isinstance(value, float):
        raise PydanticCustomError(
            "float_not_exact",
            "{value} is a float, which cannot store every cent exactly. Pass a Decimal or a string such as '1234.56'.",
            {"value": repr(value)},
        )
    return value


def _decimal_places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)  # finite values only, checked by the callers
    return max(0, -exponent)


def _require_finite(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise PydanticCustomError(
            "number_not_finite", "{value} is not a finite number. Pass a number such as '12.5'.", {"value": str(value)}
        )
    return value


def _check_money(value: Decimal) -> Decimal:
    _require_finite(value)
    if value != value.quantize(CENT):
        raise PydanticCustomError(
            "amount_precision",
            "{value} has more than two decimals. "
            "Round the amount to cents (ROUND_HALF_UP) before building the document.",
            {"value": str(value)},
        )
    return value.quantize(CENT)


def _check_unit_price(value: Decimal) -> Decimal:
    _require_finite(value)
    if value < 0:
        raise PydanticCustomError(
            "unit_price_negative",
            "unit price {value} is negative, but EN 16931 requires a price of zero or more. "
            "Put the sign on the quantity instead.",
            {"value": str(value)},
        )
    if _decimal_places(value.normalize()) > MAX_UNIT_PRICE_DECIMALS:
        raise PydanticCustomError(
            "unit_price_precision",
            "unit price {value} has more than {max_decimals} decimals. Round it to {max_decimals} decimals.",
            {"value": str(value), "max_decimals": MAX_UNIT_PRICE_DECIMALS},
        )
    return value


def _check_vat_rate(value: Decimal) -> Decimal:
    _require_finite(value)
    if not Decimal(0) <= value < Decimal(100):
        raise PydanticCustomError(
            "vat_rate_range",
            "VAT rate {value} is out of range. Expected a percentage from 0 to below 100, such as 20 or 5.5.",
            {"value": str(value)},
        )
    if value != value.quantize(CENT):
        raise PydanticCustomError(
            "vat_rate_precision",
            "VAT rate {value} has more than two decimals. Expected a rate such as 5.5.",
            {"value": str(value)},
        )
    return value.quantize(CENT)


def _clean_text(value: str) -> str:
    """Normalize text to NFC and strip it, so that PDF and XML show the same characters."""
    text = unicodedata.normalize("NFC", value).strip()
    if not text:
        raise PydanticCustomError("text_empty", "text is empty. Expected at least one visible character.")
    control = _CONTROL_CHARACTERS.search(text)
    if control:
        raise PydanticCustomError(
            "text_control_character",
            "{value} contains the control character {character}. "
            "Remove it, and put each address line in its own field.",
            {"value": repr(text), "character": f"U+{ord(control.group()):04X}"},
        )
    return text


def _identifier_error(error_type: str, message: str, value: str, error: StdnumValidationError) -> PydanticCustomError:
    """Build the error of an identifier that python-stdnum rejected, with its reason as ``problem``."""
    return PydanticCustomError(
        error_type, message, {"value": repr(value), "reason": str(error), "problem": _stdnum_problem(error)}
    )


def _stdnum_problem(error: StdnumValidationError) -> str:
    """Return the kind of a python-stdnum error: length, checksum, format, component or other."""
    for kind, problem in (
        (InvalidLength, "length"),
        (InvalidChecksum, "checksum"),
        (InvalidFormat, "format"),
        (InvalidComponent, "component"),
    ):
        if isinstance(error, kind):
            return problem
    return "other"


def _check_siren(value: str) -> str:
    try:
        return siren.validate(value)
    except StdnumValidationError as error:
        raise _identifier_error(
            "siren_invalid",
            "SIREN {value} is invalid ({reason}). Expected 9 digits with a valid Luhn check digit, "
            "as printed on the Kbis extract.",
            value,
            error,
        ) from None


def _check_siret(value: str) -> str:
    try:
        return siret.validate(value)
    except StdnumValidationError as error:
        raise _identifier_error(
            "siret_invalid",
            "SIRET {value} is invalid ({reason}). Expected 14 digits, the SIREN followed by the 5-digit "
            "establishment number.",
            value,
            error,
        ) from None


def _check_vat_number(value: str) -> str:
    try:
        return vat.validate(value)
    except StdnumValidationError as error:
        raise _identifier_error(
            "vat_number_invalid",
            "VAT number {value} is invalid ({reason}). Expected an EU VAT number with its country prefix, "
            "such as FR40303265045.",
            value,
            error,
        ) from None


def _check_iban(value: str) -> str:
    try:
        return iban.validate(value)
    except StdnumValidationError as error:
        raise _identifier_error(
            "iban_invalid",
            "IBAN {value} is invalid ({reason}). Copy it again from the bank's account details (RIB).",
            value,
            error,
        ) from None


def _check_bic(value: str) -> str:
    try:
        return bic.validate(value)
    except StdnumValidationError as error:
        raise _identifier_error(
            "bic_invalid",
            "BIC {value} is invalid ({reason}). Expected 8 or 11 letters and digits, such as BNPAFRPP.",
            value,
            error,
        ) from None


def _check_email(value: str) -> str:
    if not _EMAIL.fullmatch(value):
        raise PydanticCustomError(
            "email_invalid", "e-mail address {value} is invalid. Expected name@domain.tld.", {"value": repr(value)}
        )
    return value


def _check_country_code(value: str) -> str:
    if not _COUNTRY_CODE.fullmatch(value):
        raise PydanticCustomError(
            "country_code_invalid",
            "country {value} is invalid. Expected an upper-case ISO 3166-1 alpha-2 code such as FR.",
            {"value": repr(value)},
        )
    return value


Money = Annotated[Decimal, BeforeValidator(_reject_float), AfterValidator(_check_money)]
"""Amount in euros with at most two decimals, normalized to exactly two."""

Quantity = Annotated[Decimal, BeforeValidator(_reject_float), AfterValidator(_require_finite)]
UnitPrice = Annotated[Decimal, BeforeValidator(_reject_float), AfterValidator(_check_unit_price)]
"""Price excluding VAT, zero or more, with at most four decimals."""

VatRate = Annotated[Decimal, BeforeValidator(_reject_float), AfterValidator(_check_vat_rate)]
"""VAT rate in percent (20 means 20 %), normalized to two decimals."""

Text = Annotated[str, AfterValidator(_clean_text)]
Siren = Annotated[str, AfterValidator(_check_siren)]
Siret = Annotated[str, AfterValidator(_check_siret)]
VatNumber = Annotated[str, AfterValidator(_check_vat_number)]
Iban = Annotated[str, AfterValidator(_check_iban)]
Bic = Annotated[str, AfterValidator(_check_bic)]
Email = Annotated[str, AfterValidator(_clean_text), AfterValidator(_check_email)]
CountryCode = Annotated[str, AfterValidator(_check_country_code)]
