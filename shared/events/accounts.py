"""Data models of the events the accounts service publishes (subjects ``accounts.*``).

Each model is the ``data`` of an ``EventEnvelope`` whose ``type`` is the
model's ``EVENT_TYPE``. No event carries a password or a token. Only
``CreditorIdentityUpdated`` carries a full IBAN, the creditor's own, which
every invoice prints; the other events carry IBANs masked.
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field


class AccountsEvent(BaseModel):
    """Base of the accounts events: frozen, and unknown fields rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    EVENT_TYPE: ClassVar[str]
    VERSION: ClassVar[int] = 1


class UserCreated(AccountsEvent):
    """A user account was created, for an agency or for a creditor's staff."""

    EVENT_TYPE: ClassVar[str] = "accounts.user.created"

    user_id: str = Field(..., description="id of the new user (UUID)", examples=["0b5e0d1a-8f3c-4c52-9a57-2f1a7a1f6c11"])
    login: str = Field(..., description="login as chosen, unique case-insensitively", examples=["agence.dupont"])
    kind: Literal["agency", "staff"] = Field(..., description="agency user or creditor staff", examples=["agency"])
    agency_id: str | None = Field(
        None, description="agency of an agency user (UUID); null for staff", examples=["5d6c2a9e-1e0b-4b2a-9c55-0e7b3b9f4e21"]
    )
    role: str = Field(..., description="administrateur, comptable, lecteur or staff", examples=["administrateur"])


class AccountLinked(AccountsEvent):
    """A customer account at a creditor was attached to an agency; the envelope names both."""

    EVENT_TYPE: ClassVar[str] = "accounts.account.linked"

    agency_id: str = Field(..., description="agency that now owns the account (UUID)", examples=["5d6c2a9e-1e0b-4b2a-9c55-0e7b3b9f4e21"])
    agency_name: str = Field(..., description="name of the agency", examples=["Agence Dupont Immobilier"])


class LoginThrottled(AccountsEvent):
    """Failed logins reached a limit, so further attempts are delayed."""

    EVENT_TYPE: ClassVar[str] = "accounts.login.throttled"

    scope: Literal["login", "address"] = Field(
        ..., description="which limit was reached: failures for one login, or failures from one client address", examples=["login"]
    )
    login: str | None = Field(
        ...,
        description="login typed in the failed attempts, lower-cased, when it is a user's login; null when it matches"
        " no user, because it may then be a password typed in the wrong field",
        examples=["agence.dupont"],
    )
    client_ip: str = Field(..., description="client address reported by the gateway", examples=["203.0.113.7"])
    failures: int = Field(..., ge=1, description="failures counted by the limit that was reached", examples=[6])
    retry_after_seconds: int = Field(..., ge=0, description="seconds before the next attempt is accepted", examples=[60])




class UserInvited(AccountsEvent):
    """An administrateur invited someone to join the agency; an e-mail with a single-use link was queued."""

    EVENT_TYPE: ClassVar[str] = "accounts.user.invited"

    invitation_id: str = Field(..., description="id of the invitation (UUID)", examples=["7f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f"])
    agency_id: str = Field(..., description="agency the invited person will join (UUID)", examples=["5d6c2a9e-1e0b-4b2a-9c55-0e7b3b9f4e21"])
    role: str = Field(..., description="role the invited person will have", examples=["comptable"])
    invited_by: str = Field(..., description="user id of the administrateur who invited (UUID)", examples=["0b5e0d1a-8f3c-4c52-9a57-2f1a7a1f6c11"])


class UserRoleChanged(AccountsEvent):
    """An administrateur changed the role of a user of the agency."""

    EVENT_TYPE: ClassVar[str] = "accounts.user.role_changed"

    user_id: str = Field(..., description="user whose role changed (UUID)", examples=["0b5e0d1a-8f3c-4c52-9a57-2f1a7a1f6c11"])
    agency_id: str = Field(..., description="agency of the user (UUID)", examples=["5d6c2a9e-1e0b-4b2a-9c55-0e7b3b9f4e21"])
    role_before: str = Field(..., description="previous role", examples=["lecteur"])
    role_after: str = Field(..., description="new role", examples=["comptable"])


class UserDisabled(AccountsEvent):
    """A user can no longer log in; every session of the user was revoked."""

    EVENT_TYPE: ClassVar[str] = "accounts.user.disabled"

    user_id: str = Field(..., description="disabled user (UUID)", examples=["0b5e0d1a-8f3c-4c52-9a57-2f1a7a1f6c11"])
    agency_id: str | None = Field(None, description="agency of the user (UUID)", examples=["5d6c2a9e-1e0b-4b2a-9c55-0e7b3b9f4e21"])
    disabled_by: str = Field(..., description="user id of who disabled the account", examples=["2c1d0e9f-8a7b-4c6d-9e5f-4a3b2c1d0e9f"])


class UserEnabled(AccountsEvent):
    """A disabled user can log in again with the same password. No earlier session comes back."""

    EVENT_TYPE: ClassVar[str] = "accounts.user.enabled"

    user_id: str = Field(..., description="enabled user (UUID)", examples=["0b5e0d1a-8f3c-4c52-9a57-2f1a7a1f6c11"])
    agency_id: str | None = Field(None, description="agency of the user (UUID)", examples=["5d6c2a9e-1e0b-4b2a-9c55-0e7b3b9f4e21"])
    enabled_by: str = Field(..., description="user id of who enabled the account", examples=["2c1d0e9f-8a7b-4c6d-9e5f-4a3b2c1d0e9f"])


class PasswordChanged(AccountsEvent):
    """A user's password changed, by a reset link or from the user's own session."""

    EVENT_TYPE: ClassVar[str] = "accounts.password.changed"

    user_id: str = Field(..., description="user whose password changed (UUID)", examples=["0b5e0d1a-8f3c-4c52-9a57-2f1a7a1f6c11"])
    method: Literal["reset_link", "change"] = Field(
        ..., description="reset_link: through a password-reset e-mail; change: from a logged-in session", examples=["reset_link"]
    )
    sessions_revoked: int = Field(..., ge=0, description="sessions of the user closed by the change", examples=[2])


class SecondFactorChanged(AccountsEvent):
    """A user enabled or disabled the TOTP second factor."""

    EVENT_TYPE: ClassVar[str] = "accounts.second_factor.changed"

    user_id: str = Field(..., description="user concerned (UUID)", examples=["0b5e0d1a-8f3c-4c52-9a57-2f1a7a1f6c11"])
    enabled: bool = Field(..., description="true when TOTP is now required at login", examples=[True])


class ProfileUpdated(AccountsEvent):
    """The main contact or the billing details of a customer account changed; the envelope names the account."""

    EVENT_TYPE: ClassVar[str] = "accounts.profile.updated"

    section: Literal["main_contact", "billing_details"] = Field(..., description="which part of the profile changed", examples=["billing_details"])
    changed_fields: list[str] = Field(..., description="names of the fields whose value changed", examples=[["address_line1", "city"]])
    values: dict[str, str | None] = Field(
        ..., description="every field of the section after the change", examples=[{"address_line1": "12 rue de la Paix", "city": "Paris"}]
    )
    updated_by: str = Field(..., description="user id of the author (UUID)", examples=["0b5e0d1a-8f3c-4c52-9a57-2f1a7a1f6c11"])


class CreditorContactsUpdated(AccountsEvent):
    """Staff changed a creditor's legal identity, a contact sheet or an account manager; the envelope names the creditor."""

    EVENT_TYPE: ClassVar[str] = "accounts.creditor_contacts.updated"

    section: Literal["identity", "facturation", "recouvrement", "account_manager"] = Field(
        ..., description="identity, one of the two contact sheets, or the manager of the envelope's customer account", examples=["facturation"]
    )
    updated_by: str = Field(..., description="user id of the author", examples=["2c1d0e9f-8a7b-4c6d-9e5f-4a3b2c1d0e9f"])


class CreditorIdentityUpdated(AccountsEvent):
    """A creditor's legal identity was saved; the data contains all of it, as invoices print it.

    The envelope names the creditor. The ledger stores the identity for the
    creditor's invoices and credit notes, and keeps the one with the latest
    ``occurred_at``. Successive saves of one creditor get increasing times.
    """

    EVENT_TYPE: ClassVar[str] = "accounts.creditor_identity.updated"

    name: str = Field(..., description="the creditor's name, as the portal shows it", examples=["Pressimmo"])
    legal_name: str = Field(..., description="legal name (raison sociale)", examples=["PRESSIMMO ON LINE SAS"])
    legal_form: str | None = Field(None, description="legal form", examples=["SAS"])
    share_capital: Decimal | None = Field(
        None, description="share capital in euros, two decimals, sent as a string", examples=["100000.00"]
    )
    rcs_city: str | None = Field(None, description="city of the trade and companies register (RCS)", examples=["Lyon"])
    siren: str = Field(..., description="SIREN, 9 digits", examples=["812345676"])
    siret: str | None = Field(None, description="SIRET of the head office, 14 digits", examples=["81234567600017"])
    vat_number: str = Field(..., description="intra-EU VAT number", examples=["FR19812345676"])
    address_lines: list[str] = Field(
        ..., min_length=1, max_length=3, description="street address, one to three lines", examples=[["14 rue des Tanneurs"]]
    )
    postal_code: str = Field(..., description="postal code", examples=["69002"])
    city: str = Field(..., description="city", examples=["Lyon"])
    country: str = Field(..., description="ISO 3166-1 alpha-2 country code", examples=["FR"])
    email: str | None = Field(None, description="e-mail address printed on invoices", examples=["facturation@pressimmo.example"])
    iban: str = Field(
        ...,
        description="IBAN of the account that receives transfers, in full and without spaces, because every invoice"
        " prints it; never log it in full",
        examples=["FR7630002012340001234567846"],
    )
    bic: str = Field(..., description="BIC of that account", examples=["CRLYFRPP"])
    penalty_rate: str = Field(
        ..., description="rate of the late-payment penalties, as invoices print it", examples=["trois fois le taux d’intérêt légal"]
    )
    payment_terms: str = Field(
        ..., description="payment terms as staff typed them for the contact page, empty when not given", examples=["30 jours fin de mois"]
    )
    updated_by: str = Field(..., description="user id of the author", examples=["2c1d0e9f-8a7b-4c6d-9e5f-4a3b2c1d0e9f"])


class ContactMessageSent(AccountsEvent):
    """An agency user wrote to a creditor's service through the contact form; the envelope names the account."""

    EVENT_TYPE: ClassVar[str] = "accounts.contact_message.sent"

    message_id: str = Field(..., description="id of the stored message (UUID)", examples=["3e4f5a6b-7c8d-4e9f-a0b1-c2d3e4f5a6b7"])
    service: Literal["facturation", "recouvrement"] = Field(..., description="service written to", examples=["facturation"])
    subject: str = Field(..., description="subject typed by the user", examples=["Question sur la facture FA-2026-0042"])
    invoice_numbers: list[str] = Field(..., description="invoice numbers the user listed", examples=[["FA-2026-0042"]])
    user_id: str = Field(..., description="author (UUID)", examples=["0b5e0d1a-8f3c-4c52-9a57-2f1a7a1f6c11"])
    agency_id: str = Field(..., description="agency of the author (UUID)", examples=["5d6c2a9e-1e0b-4b2a-9c55-0e7b3b9f4e21"])


class BankChangeRequested(AccountsEvent):
    """An administrateur asked to change the bank details of a customer account; staff must decide."""

    EVENT_TYPE: ClassVar[str] = "accounts.bank_change.requested"

    request_id: str = Field(..., description="id of the change request (UUID)", examples=["9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"])
    iban_masked: str = Field(..., description="requested IBAN with all but its last 4 characters hidden", examples=["•••• •••• •••• •••• •••• •••• 0189"])
    requested_by: str = Field(..., description="user id of the administrateur (UUID)", examples=["0b5e0d1a-8f3c-4c52-9a57-2f1a7a1f6c11"])


class BankChangeDecided(AccountsEvent):
    """Staff approved or rejected a bank-detail change request; on approval the new details apply at once."""

    EVENT_TYPE: ClassVar[str] = "accounts.bank_change.decided"

    request_id: str = Field(..., description="id of the change request (UUID)", examples=["9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"])
    outcome: Literal["approved", "rejected"] = Field(..., description="the decision", examples=["approved"])
    iban_masked: str = Field(..., description="requested IBAN, masked", examples=["•••• •••• •••• •••• •••• •••• 0189"])
    decided_by: str = Field(..., description="user id of the staff member", examples=["2c1d0e9f-8a7b-4c6d-9e5f-4a3b2c1d0e9f"])
    reason: str | None = Field(None, description="reason given for a rejection", examples=["RIB illisible"])


ACCOUNTS_EVENTS: dict[str, type[AccountsEvent]] = {
    model.EVENT_TYPE: model
    for model in (
        UserCreated,
        AccountLinked,
        LoginThrottled,
        UserInvited,
        UserRoleChanged,
        UserDisabled,
        PasswordChanged,
        SecondFactorChanged,
        ProfileUpdated,
        CreditorContactsUpdated,
        CreditorIdentityUpdated,
        ContactMessageSent,
        BankChangeRequested,
        BankChangeDecided,
    )
}
