"""Events the payments service publishes (subjects ``payments.*``)."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

PAYMENT_SUCCEEDED = "payments.payment.succeeded"


class PaidInvoice(BaseModel):
    """One invoice a payment settles, and how much of it."""

    model_config = ConfigDict(frozen=True)

    document_number: str = Field(..., max_length=64, examples=["FA2026-000123"])
    amount: Decimal = Field(..., gt=0, description="euros allocated to this invoice", examples=["500.00"])


class PaymentSucceeded(BaseModel):
    """The card processor confirmed a payment."""

    model_config = ConfigDict(frozen=True)

    payment_id: str = Field(..., max_length=64, description="payments service id", examples=["pay_01J9Z"])
    creditor: str = Field(..., examples=["pressimmo"])
    customer_account: str = Field(..., examples=["C00123"])
    amount: Decimal = Field(..., gt=0, description="total received, euros", examples=["500.00"])
    invoices: list[PaidInvoice] = Field(default_factory=list)
    paid_on: str | None = Field(None, description="ISO date of the payment", examples=["2026-07-15"])
