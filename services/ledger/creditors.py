"""Creditors as the ledger stores them: name, payment terms and legal identity."""

from __future__ import annotations

from decimal import Decimal

import asyncpg
from pydantic import BaseModel, ConfigDict, Field

from services.ledger.domain import parse_payment_terms

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
    """The legal mentions a creditor's invoices carry."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    legal_name: str = Field(..., min_length=1, max_length=200)
    legal_form: str | None = Field(None, max_length=100)
    share_capital: Decimal | None = Field(None, ge=0, decimal_places=2)
    rcs_city: str | None = Field(None, max_length=100)
    siren: str = Field(..., pattern=r"^\d{9}$")
    siret: str | None = Field(None, pattern=r"^\d{14}$")
    vat_number: str = Field(..., min_length=4, max_length=20)
    address_lines: list[str] = Field(..., min_length=1, max_length=3)
    postal_code: str = Field(..., min_length=1, max_length=16)
    city: str = Field(..., min_length=1, max_length=100)
    country: str = Field("FR", min_length=2, max_length=2)
    email: str | None = Field(None, max_length=254)
    iban: str = Field(..., min_length=15, max_length=34)
    bic: str = Field(..., min_length=8, max_length=11)
    penalty_rate: str = Field("trois fois le taux d’intérêt légal", min_length=1, max_length=200)


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
