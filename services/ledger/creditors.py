"""Creditors as the ledger knows them: name and payment terms."""

from __future__ import annotations

import asyncpg

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
