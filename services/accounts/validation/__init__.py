"""Validation of the accounts service's forms, without database access.

Every validator returns normalized values or raises ValidationError, whose FieldError entries
carry a French message for the user and a machine-readable code.
"""

from .bank import BankDetails, check_bic_matches_iban, validate_bank_details, validate_bic
from .billing import BillingDetails, validate_billing_details
from .contact import MainContact, validate_main_contact
from .country import country_name_fr, validate_country_code
from .email import validate_email
from .errors import FieldError, ValidationError
from .iban import ValidatedIban, format_iban, mask_iban, normalize_iban, validate_iban
from .login import MAX_LOGIN_LENGTH, MIN_LOGIN_LENGTH, validate_login
from .identity import (
    LegalIdentity,
    validate_legal_identity,
    validate_siren,
    validate_siret,
    validate_vat_number,
)
from .password import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    is_common_password,
    normalize_password,
    validate_password,
)
from .phone import normalize_phone
from .postal import validate_postal_code
from .rib import RibParts, compute_rib_key

__all__ = [
    "MAX_LOGIN_LENGTH",
    "MAX_PASSWORD_LENGTH",
    "MIN_LOGIN_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "BankDetails",
    "BillingDetails",
    "FieldError",
    "LegalIdentity",
    "MainContact",
    "RibParts",
    "ValidatedIban",
    "ValidationError",
    "check_bic_matches_iban",
    "compute_rib_key",
    "country_name_fr",
    "format_iban",
    "is_common_password",
    "mask_iban",
    "normalize_iban",
    "normalize_password",
    "normalize_phone",
    "validate_bank_details",
    "validate_bic",
    "validate_billing_details",
    "validate_country_code",
    "validate_email",
    "validate_iban",
    "validate_legal_identity",
    "validate_login",
    "validate_main_contact",
    "validate_password",
    "validate_postal_code",
    "validate_siren",
    "validate_siret",
    "validate_vat_number",
]
