"""Billing details form: postal address, phone numbers and e-mail of an agency."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from .country import validate_country_code
from .email import validate_email
from .errors import ErrorCollector
from .phone import normalize_phone
from .postal import validate_postal_code
from .text import clean_text

# The French postal address standard NF Z10-011 allows 38 characters per line. The city shares
# its line with the 5-digit postal code and a space, which leaves 32.
MAX_ADDRESS_LINE_LENGTH = 38
MAX_CITY_LENGTH = 32

_ADDRESS_LINES = (
    ("address_line1", "Adresse", True),
    ("address_line2", "Complément d’adresse (ligne 2)", False),
    ("address_line3", "Complément d’adresse (ligne 3)", False),
)
_PHONE_FIELDS = ("phone", "mobile", "fax")


@dataclasses.dataclass(frozen=True, slots=True)
class BillingDetails:
    """Normalized billing details. Optional fields are None when left empty.

    Phone numbers are in E.164 form, the country is an ISO 3166 alpha-2 code and the e-mail
    domain is lower case.
    """

    address_line1: str
    address_line2: str | None
    address_line3: str | None
    postal_code: str
    city: str
    country: str
    phone: str | None
    mobile: str | None
    fax: str | None
    email: str | None


def validate_billing_details(data: Mapping[str, str | None]) -> BillingDetails:
    """Return the normalized billing details, or raise ValidationError with every field error.

    ``data`` maps the English field names of BillingDetails to the form's values. Missing keys
    count as empty, and other keys are ignored. Address line 1, postal code, city and country
    are required. The postal code is checked against the country, and phone numbers without an
    international prefix are read as numbers of that country.
    """
    collector = ErrorCollector()
    lines: dict[str, str | None] = {}
    for field, label, required in _ADDRESS_LINES:
        lines[field] = collector.run(
            clean_text,
            data.get(field),
            field=field,
            label=label,
            max_length=MAX_ADDRESS_LINE_LENGTH,
            required=required,
        )
    city = collector.run(
        clean_text,
        data.get("city"),
        field="city",
        label="Ville",
        max_length=MAX_CITY_LENGTH,
        required=True,
    )

    country = collector.run(validate_country_code, data.get("country"), field="country")
    postal_value = data.get("postal_code")
    postal_code = None
    # Without a valid country only a missing postal code can be reported, because the format
    # depends on the country.
    if country or not (postal_value and postal_value.strip()):
        postal_code = collector.run(
            validate_postal_code, postal_value, country or "FR", field="postal_code"
        )

    phones: dict[str, str | None] = {}
    for field in _PHONE_FIELDS:
        value = data.get(field)
        phones[field] = None
        if value and value.strip():
            phones[field] = collector.run(normalize_phone, value, country or "FR", field=field)
    email_value = data.get("email")
    email = None
    if email_value and email_value.strip():
        email = collector.run(validate_email, email_value)
    collector.raise_if_any()

    # raise_if_any has raised if a required field failed.
    assert lines["address_line1"] is not None
    assert postal_code is not None
    assert city is not None
    assert country is not None
    return BillingDetails(
        address_line1=lines["address_line1"],
        address_line2=lines["address_line2"],
        address_line3=lines["address_line3"],
        postal_code=postal_code,
        city=city,
        country=country,
        phone=phones["phone"],
        mobile=phones["mobile"],
        fax=phones["fax"],
        email=email,
    )
