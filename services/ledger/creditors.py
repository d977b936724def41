"""Creditors as the ledger stores them: name, payment terms and legal identity."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import asyncpg
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from services.ledger.documents.fields import (
    MAX_ADDRESS_LINES,
    Bic,
    CountryCode,
    Email,
    Iban,
    Money,
    Siren,
    Siret,
    Text,
    VatNumber,
)
from services.ledger.domain import parse_payment_terms
from shared.events.accounts import CreditorIdentityUpdated

DEFAULT_PAYMENT_TERMS = "30 jours fin de mois"


async def upsert_creditor(
    connection: asyncpg.Connection | asyncpg.Pool,
    creditor_id: str,
    name: str,
    payment_terms: str = DEFAULT_PAYMENT_TERMS,
) -> None:
    """Create the creditor or update its name and payment terms (validated first)."""
    parse_payment_terms(payment_terms)
    await connection.execute(
        """INSERT INTO creditors (id, name, payment_terms) VALUES ($1, $2, $3)
           ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, payment_terms = EXCLUDED.payment_terms""",
        creditor_id,
        name,
        payment_terms,
    )


class CreditorIdentity(BaseModel):
    """The legal mentions a creditor's invoices carry.

    The fields have the types of the documents' `Seller`, so an identity
    accepted here passes the same checks when a PDF is built.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    legal_name: Text = Field(..., max_length=200)
    legal_form: Text | None = Field(None, max_length=100)
    # The column is numeric(15, 2): a larger capital would fail when stored.
    share_capital: Money | None = Field(None, ge=0, le=Decimal("9999999999999.99"))
    rcs_city: Text | None = Field(None, max_length=100)
    siren: Siren
    siret: Siret | None = None
    vat_number: VatNumber
    address_lines: list[Text] = Field(..., min_length=1, max_length=MAX_ADDRESS_LINES)
    postal_code: Text = Field(..., max_length=16)
    city: Text = Field(..., max_length=100)
    country: CountryCode = "FR"
    email: Email | None = Field(None, max_length=254)
    iban: Iban
    bic: Bic
    penalty_rate: Text = Field("trois fois le taux d’intérêt légal", max_length=200)

    @field_validator("siret")
    @classmethod
    def _check_siret_of_siren(cls, value: str | None, info: ValidationInfo) -> str | None:
        siren = info.data.get("siren")
        if value is not None and siren is not None and not value.startswith(siren):
            raise PydanticCustomError(
                "siret_of_other_siren",
                "SIRET {value} does not start with SIREN {siren}. Use the SIRET of an establishment of this company.",
                {"value": value, "siren": siren},
            )
        return value

    @field_validator("vat_number")
    @classmethod
    def _check_vat_number_of_siren(cls, value: str, info: ValidationInfo) -> str:
        siren = info.data.get("siren")
        if siren is not None and value.startswith("FR") and value[4:] != siren:
            raise PydanticCustomError(
                "vat_number_of_other_siren",
                "French VAT number {value} does not end with SIREN {siren}. "
                "Check both numbers on the company's Kbis extract.",
                {"value": value, "siren": siren},
            )
        return value


# French name and expected form of each identity field, for the 422 and 409 messages.
IDENTITY_FIELDS = {
    "legal_name": ("la raison sociale", "un texte d’une ligne"),
    "legal_form": ("la forme juridique", "un texte d’une ligne, comme SAS"),
    "share_capital": ("le capital social", "un montant positif avec au plus deux décimales"),
    "rcs_city": ("la ville du RCS", "un texte d’une ligne"),
    "siren": ("le SIREN", "9 chiffres dont le dernier est la clé de contrôle, comme sur l’extrait Kbis"),
    "siret": ("le SIRET", "14 chiffres, le SIREN suivi du numéro d’établissement"),
    "vat_number": (
        "le numéro de TVA intracommunautaire",
        "le préfixe du pays, la clé et, en France, le SIREN, comme FR40303265045",
    ),
    "address_lines": ("l’adresse", "une à trois lignes de texte"),
    "postal_code": ("le code postal", "un texte d’une ligne"),
    "city": ("la ville", "un texte d’une ligne"),
    "country": ("le pays", "un code ISO à deux lettres majuscules, comme FR"),
    "email": ("l’adresse e-mail", "nom@domaine.fr"),
    "iban": ("l’IBAN", "un IBAN dont la clé est juste, recopié depuis le RIB"),
    "bic": ("le BIC", "8 ou 11 lettres et chiffres, comme BNPAFRPP"),
    "penalty_rate": ("le taux des pénalités de retard", "un texte d’une ligne"),
    # Names that the documents' `Seller` gives to fields stored with the creditor.
    "late_payment_penalty_rate": ("le taux des pénalités de retard", "un texte d’une ligne"),
    "payment_terms": ("les conditions de paiement", "un texte d’une ligne, comme « 30 jours fin de mois »"),
}


# The identity fields without which no document can be issued.
REQUIRED_IDENTITY_FIELDS = ("legal_name", "siren", "vat_number", "address_lines", "postal_code", "city", "iban", "bic")


def missing_identity_fields(creditor: asyncpg.Record | dict) -> list[str]:
    """Return the required identity fields that the creditor row leaves empty, in REQUIRED_IDENTITY_FIELDS order."""
    return [name for name in REQUIRED_IDENTITY_FIELDS if not creditor[name]]


async def documents_available(connection: asyncpg.Connection, creditor_id: str) -> bool:
    """Return whether the creditor's identity lets the ledger issue its invoices and credit notes as PDFs."""
    row = await connection.fetchrow(
        f"SELECT {', '.join(REQUIRED_IDENTITY_FIELDS)} FROM creditors WHERE id = $1", creditor_id
    )
    return row is not None and not missing_identity_fields(row)


def invalid_identity_field(error: ValidationError) -> tuple[str, str]:
    """Return the first invalid field of an identity and a French sentence that names it and its expected form."""
    location = error.errors()[0]["loc"]
    field = str(location[0]) if location else "siren"
    label, expected = IDENTITY_FIELDS.get(field, (field, "une valeur valide"))
    return field, f"{label} ({field}) est invalide. Attendu : {expected}."


async def set_creditor_identity(
    connection: asyncpg.Connection | asyncpg.Pool, creditor_id: str, identity: CreditorIdentity
) -> None:
    """Store the legal identity printed on the creditor's documents."""
    await connection.execute(
        """UPDATE creditors
              SET legal_name = $2, legal_form = $3, share_capital = $4, rcs_city = $5, siren = $6,
                  siret = $7, vat_number = $8, address_lines = $9, postal_code = $10, city = $11,
                  country = $12, email = $13, iban = $14, bic = $15, penalty_rate = $16
            WHERE id = $1""",
        creditor_id,
        identity.legal_name,
        identity.legal_form,
        identity.share_capital,
        identity.rcs_city,
        identity.siren,
        identity.siret,
        identity.vat_number,
        identity.address_lines,
        identity.postal_code,
        identity.city,
        identity.country,
        identity.email,
        identity.iban,
        identity.bic,
        identity.penalty_rate,
    )


class InvalidIdentityEvent(ValueError):
    """An identity event that the ledger's checks reject; the message names the fields, never their values."""


def identity_of_event(data: dict, event_id: object) -> tuple[str, CreditorIdentity]:
    """Return the creditor's name and the identity that an ``accounts.creditor_identity.updated`` event carries.

    Raises InvalidIdentityEvent naming the rejected fields and error types.
    Pydantic's own message quotes the values, the IBAN among them, which
    must not reach the logs or the dead letters' error column.
    """
    try:
        update = CreditorIdentityUpdated.model_validate(data)
        # NOTE: the event's payment terms are the free text of the contact
        # page. The ledger keeps its own, set by `ledger create-creditor`,
        # because it computes due dates from them and accepts fewer forms.
        identity = CreditorIdentity.model_validate(
            update.model_dump(exclude={"name", "payment_terms", "updated_by"})
        )
    except ValidationError as error:
        problems = ", ".join(
            f"{'.'.join(str(part) for part in problem['loc']) or 'data'} ({problem['type']})"
            for problem in error.errors()
        )
        raise InvalidIdentityEvent(
            f"creditor identity event {event_id} rejected by the ledger's checks: {problems}"
        ) from None
    return update.name, identity


async def apply_creditor_identity(
    connection: asyncpg.Connection, creditor_id: str, name: str, identity: CreditorIdentity, changed_at: datetime
) -> bool:
    """Store the identity that the accounts service saved at ``changed_at``, unless the row contains one saved later.

    Creates the creditor with ``name`` and the default payment terms when the
    ledger has no row for it yet, so that the identity waits there for the
    creditor's first FEC import. Returns whether the identity was stored.
    Call it inside a transaction: it takes the creditor's row lock as
    FEC imports and operator commands do, so it waits for a running import.
    """
    await connection.execute(
        "INSERT INTO creditors (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING", creditor_id, name
    )
    stored_at = await connection.fetchval(
        "SELECT identity_changed_at FROM creditors WHERE id = $1 FOR UPDATE", creditor_id
    )
    # An equal time is the same save, applied already by the command that made it.
    if stored_at is not None and stored_at >= changed_at:
        return False
    await set_creditor_identity(connection, creditor_id, identity)
    await connection.execute(
        "UPDATE creditors SET identity_changed_at = $2 WHERE id = $1", creditor_id, changed_at
    )
    return True
