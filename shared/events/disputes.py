"""Events the disputes service publishes (subjects ``disputes.*``)."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

DISPUTE_RESOLVED = "disputes.dispute.resolved"


class DisputedInvoice(BaseModel):
    model_config = ConfigDict(frozen=True)

    document_number: str = Field(..., max_length=64, examples=["FA2026-000123"])
    amount: Decimal = Field(..., gt=0, description="contested amount, euros", examples=["30.00"])


class DisputeResolved(BaseModel):
    """The collections team closed a dispute; a credit-note outcome credits the invoices."""

    model_config = ConfigDict(frozen=True)

    dispute_id: str = Field(..., max_length=64, examples=["lit_01J9Z"])
    outcome: str = Field(..., description="credit_note, rejected or withdrawn", examples=["credit_note"])
    credited_invoices: list[DisputedInvoice] = Field(default_factory=list)
    comment: str | None = Field(None, max_length=2000)
