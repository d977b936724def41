"""Events the ledger publishes (subjects ``ledger.*``): the contract for consumers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

DOCUMENT_ISSUED = "ledger.document.issued"
BALANCE_CHANGED = "ledger.document.balance_changed"


class DocumentIssued(BaseModel):
    """An invoice or credit note entered the ledger (from a FEC file or the feed)."""

    model_config = ConfigDict(frozen=True)

    entry_id: int = Field(..., description="ledger id of the entry", examples=[1042])
    kind: str = Field(..., description="invoice or credit_note", examples=["invoice"])
    document_number: str = Field(..., max_length=64, examples=["FA2026-000123"])
    document_date: date = Field(..., examples=["2026-07-01"])
    due_date: date | None = Field(None, examples=["2026-07-31"])
    total: Decimal = Field(..., description="amount including VAT, euros", examples=["1200.00"])
    amount_due: Decimal = Field(..., description="what remains to pay after allocations", examples=["1200.00"])
    state: str = Field(..., description="paid, unpaid, partially_paid or overdue", examples=["unpaid"])


class BalanceChanged(BaseModel):
    """The amount still due of a debit, or unallocated amount of a credit, changed."""

    model_config = ConfigDict(frozen=True)

    entry_id: int = Field(..., examples=[1042])
    kind: str = Field(..., examples=["invoice"])
    document_number: str = Field(..., max_length=64, examples=["FA2026-000123"])
    total: Decimal = Field(..., examples=["2000.00"])
    amount_due: Decimal = Field(..., description="new open amount, euros", examples=["1500.00"])
    state: str = Field(..., examples=["partially_paid"])
    sequence: int = Field(
        ..., description="increases with every change of this entry, so consumers ignore older news", examples=[3]
    )
