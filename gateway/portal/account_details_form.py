"""The fields of the Informations compte form, the values it shows, and which parts a submission changes.

The form has four parts: main contact, billing address, phone numbers and
e-mail, and bank details. The first three are the accounts service's two
profile sections (``main_contact`` and ``billing_details``), and the last is
a bank change request.

A part counts as changed when a submitted value differs from the value the
form showed, after trimming. Comparing with the shown value rather than the
stored one matters for phone numbers, which are stored in E.164 form but
shown in national form. Bank values are compared without spaces and in
upper case, as people type IBANs in groups.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from multidict import MultiDictProxy

from gateway.portal.display import HOME_COUNTRY, format_phone
from gateway.portal.forms import form_text


@dataclass(frozen=True)
class FormField:
    """One input of the form: its service field name, French label and HTML attributes."""

    name: str
    label: str
    input_type: str = "text"
    max_length: int = 100
    required: bool = False
    autocomplete: str = "off"


MAIN_CONTACT_FIELDS = (
    FormField("last_name", "Nom", required=True, autocomplete="family-name"),
    FormField("first_name", "Prénom", required=True, autocomplete="given-name"),
    FormField("job_title", "Fonction", autocomplete="organization-title"),
)
ADDRESS_FIELDS = (
    FormField("address_line1", "Adresse", max_length=38, required=True, autocomplete="address-line1"),
    FormField("address_line2", "Complément d’adresse", max_length=38, autocomplete="address-line2"),
    FormField("address_line3", "Complément d’adresse (suite)", max_length=38, autocomplete="address-line3"),
    FormField("postal_code", "Code postal", max_length=10, required=True, autocomplete="postal-code"),
    FormField("city", "Ville", max_length=32, required=True, autocomplete="address-level2"),
    FormField("country", "Pays", input_type="country", max_length=2, required=True, autocomplete="country"),
)
PHONE_AND_EMAIL_FIELDS = (
    FormField("phone", "Téléphone", input_type="tel", max_length=40, autocomplete="tel"),
    FormField("mobile", "Mobile", input_type="tel", max_length=40, autocomplete="tel"),
    FormField("fax", "Fax", input_type="tel", max_length=40),
    FormField("email", "E-mail", input_type="email", max_length=254, autocomplete="email"),
)
# Lengths leave room for the spaces, dots and dashes people type between groups.
BANK_FIELDS = (
    FormField("bank_code", "Code banque", max_length=10),
    FormField("branch_code", "Code guichet", max_length=10),
    FormField("account_number", "Numéro de compte", max_length=20),
    FormField("rib_key", "Clé RIB", max_length=4),
    FormField("iban", "IBAN", max_length=50),
    FormField("bic", "BIC", max_length=15),
)
BILLING_FIELDS = ADDRESS_FIELDS + PHONE_AND_EMAIL_FIELDS
PHONE_FIELD_NAMES = frozenset(field.name for field in PHONE_AND_EMAIL_FIELDS if field.input_type == "tel")
REAUTHENTICATION_FIELDS = ("password", "totp_code")

_BANK_SEPARATORS = re.compile(r"[\s.\-]+")


def section_values(section: Mapping[str, Any] | None, fields: tuple[FormField, ...]) -> dict[str, str]:
    """Return the values the form shows for a profile section: phones in national form, France by default."""
    values: dict[str, str] = {}
    for field in fields:
        stored = section.get(field.name) if section else None
        text = stored if isinstance(stored, str) else ""
        if field.name in PHONE_FIELD_NAMES:
            text = format_phone(text)
        values[field.name] = text
    if any(field.name == "country" for field in fields) and not values.get("country"):
        values["country"] = HOME_COUNTRY
    return values


def bank_values(details: Mapping[str, Any] | None) -> dict[str, str]:
    """Return the bank fields to show: full values for the owner's edit form, masked ones otherwise.

    The masked view of the accounts service has the IBAN masked and no
    account number or RIB key, so those two stay empty.
    """
    values = {field.name: "" for field in BANK_FIELDS}
    if not details:
        return values
    for field in BANK_FIELDS:
        stored = details.get(field.name)
        values[field.name] = stored if isinstance(stored, str) else ""
    if not values["iban"] and isinstance(details.get("iban_masked"), str):
        values["iban"] = details["iban_masked"]
    return values


def submitted_values(form: MultiDictProxy[Any], fields: tuple[FormField, ...]) -> dict[str, str]:
    return {field.name: form_text(form, field.name, label=field.label) for field in fields}


def differs(submitted: Mapping[str, str], shown: Mapping[str, str]) -> bool:
    return any(submitted.get(name, "").strip() != value.strip() for name, value in shown.items())


def normalize_bank_value(value: str) -> str:
    return _BANK_SEPARATORS.sub("", value).upper()


def bank_differs(submitted: Mapping[str, str], current: Mapping[str, str]) -> bool:
    """Return whether the submitted bank fields differ from the current full details."""
    return any(
        normalize_bank_value(submitted.get(field.name, "")) != normalize_bank_value(current.get(field.name, ""))
        for field in BANK_FIELDS
    )


def service_body(values: Mapping[str, str], fields: tuple[FormField, ...]) -> dict[str, str | None]:
    """Return the JSON body of a profile section: empty fields become null, which the service reads as not given."""
    return {field.name: values.get(field.name) or None for field in fields}
