"""Input model of a ledger document (invoice or credit note) to render.

The models are frozen pydantic v2 models. Construction validates every field and
checks that the breakdown and totals supplied by the ledger agree with the lines,
so that a document that renders is arithmetically consistent to the cent.
"""

from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.ledger.documents.fields import (
    CENT,
    MAX_ADDRESS_LINES,
    Bic,
    CountryCode,
    Email,
    Iban,
    Money,
    Quantity,
    Siren,
    Siret,
    Text,
    UnitPrice,
    VatNumber,
    VatRate,
)

# The EN 16931 rule BR-S-09 accepts a VAT amount per rate that differs from
# base × rate by less than one currency unit. Documents without lines (built from
# a FEC file) carry the ledger's VAT amounts, which are checked against this margin.
VAT_AMOUNT_TOLERANCE = Decimal("1.00")
DEFAULT_SUMMARY_DESCRIPTION = "Prestations selon facture"


class DocumentKind(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


class VatCategory(StrEnum):
    """EN 16931 VAT category codes (UNTDID 5305) used by this ledger."""

    STANDARD = "S"
    ZERO_RATED = "Z"
    EXEMPT = "E"


def vat_category(rate: Decimal, exemption_reason: str | None) -> VatCategory:
    """Return S for a positive rate, E for 0 % with an exemption reason, Z for 0 % without."""
    if rate > 0:
        return VatCategory.STANDARD
    if exemption_reason is not None:
        return VatCategory.EXEMPT
    return VatCategory.ZERO_RATED


def _check_exemption_reason(rate: Decimal, exemption_reason: str | None) -> None:
    if exemption_reason is not None and rate != 0:
        raise ValueError(
            f"VAT exemption reason {exemption_reason!r} comes with rate {rate} %, but an "
            "exemption reason applies only to a 0 % rate. Remove it or set the rate to 0."
        )


class _FrozenModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Party(_FrozenModel):
    """Company named on a document, identified by its SIREN."""

    legal_name: Text
    address_lines: tuple[Text, ...] = Field(min_length=1, max_length=MAX_ADDRESS_LINES)
    postal_code: Text
    city: Text
    country: CountryCode = "FR"
    siren: Siren
    siret: Siret | None = None
    vat_number: VatNumber | None = None
    email: Email | None = None

    @model_validator(mode="after")
    def _check_identifiers_match(self) -> Self:
        if self.siren is None:
            if self.siret is not None or (self.vat_number or "").startswith("FR"):
                raise ValueError("SIRET or French VAT number given without SIREN. Give the SIREN too.")
            return self
        if self.siret is not None and not self.siret.startswith(self.siren):
            raise ValueError(
                f"SIRET {self.siret} does not start with SIREN {self.siren}. "
                "Use the SIRET of an establishment of this company."
            )
        if self.vat_number is not None and self.vat_number.startswith("FR"):
            if self.vat_number[4:] != self.siren:
                raise ValueError(
                    f"French VAT number {self.vat_number} does not end with SIREN {self.siren}. "
                    "Check both numbers on the company's Kbis extract."
                )
        return self


class Buyer(Party):
    postal_code: Text | None = None
    """Postal code, or None when unknown, as for a customer known only from a FEC file."""
    city: Text | None = None
    """City, or None when unknown, as for a customer known only from a FEC file."""
    siren: Siren | None = None
    """The buyer's SIREN (BT-47) is optional: FEC files do not carry it."""
    customer_account: Text
    """Account number of the buyer in the seller's ledger, such as 411ACME."""


class Seller(Party):
    iban: Iban
    bic: Bic
    payment_terms: Text | None = None
    """Payment terms in French, such as « 30 jours fin de mois », or None when they do not give the invoice's due date.

    An invoice keeps the due date of the terms in force when it was issued,
    or the one its billing system set, so terms changed since would print
    beside a due date they do not give. The invoice then states its due date alone.
    """

    late_payment_penalty_rate: Text
    """Rate of late-payment penalties in French, such as « trois fois le taux d’intérêt légal »."""

    legal_form: Text | None = None
    share_capital: Money | None = None
    rcs_city: Text | None = None
    """City of the trade and companies register (RCS) where the seller is registered."""


class DocumentLine(_FrozenModel):
    description: Text
    quantity: Quantity
    unit_price: UnitPrice
    vat_rate: VatRate
    vat_exemption_reason: Text | None = None

    @model_validator(mode="after")
    def _check_exemption(self) -> Self:
        _check_exemption_reason(self.vat_rate, self.vat_exemption_reason)
        return self

    @property
    def net_amount(self) -> Decimal:
        """Quantity × unit price, rounded half-up to cents."""
        return (self.quantity * self.unit_price).quantize(CENT, rounding=ROUND_HALF_UP)

    @property
    def vat_category(self) -> VatCategory:
        return vat_category(self.vat_rate, self.vat_exemption_reason)


class VatBreakdown(_FrozenModel):
    """Taxable base and VAT amount of one VAT category and rate."""

    rate: VatRate
    taxable_base: Money
    vat_amount: Money
    exemption_reason: Text | None = None

    @model_validator(mode="after")
    def _check_zero_rate(self) -> Self:
        _check_exemption_reason(self.rate, self.exemption_reason)
        if self.rate == 0 and self.vat_amount != 0:
            raise ValueError(
                f"VAT amount {self.vat_amount} comes with a 0 % rate. Expected 0.00."
            )
        return self

    @property
    def category(self) -> VatCategory:
        return vat_category(self.rate, self.exemption_reason)


def compute_totals(
    lines: Sequence[DocumentLine],
) -> tuple[tuple[VatBreakdown, ...], Decimal, Decimal, Decimal]:
    """Compute the VAT breakdown, net total, VAT total and grand total of lines.

    VAT is computed once per category and rate on the summed net amounts, rounded
    half-up to cents, and not line by line, so that the totals match the ledger. The breakdown is
    sorted by descending rate, then by category. Raises ValueError when lines of
    one 0 % category give different exemption reasons, because EN 16931 allows
    one reason per breakdown entry.
    """
    bases: dict[tuple[VatCategory, Decimal], Decimal] = {}
    reasons: dict[tuple[VatCategory, Decimal], str | None] = {}
    for line in lines:
        key = (line.vat_category, line.vat_rate)
        if key in reasons and reasons[key] != line.vat_exemption_reason:
            raise ValueError(
                f"lines at 0 % give two exemption reasons, {reasons[key]!r} and "
                f"{line.vat_exemption_reason!r}. Use one reason for all exempt lines."
            )
        reasons[key] = line.vat_exemption_reason
        bases[key] = bases.get(key, Decimal("0.00")) + line.net_amount

    breakdown: list[VatBreakdown] = []
    for category, rate in sorted(bases, key=lambda key: (-key[1], key[0])):
        base = bases[(category, rate)]
        breakdown.append(
            VatBreakdown(
                rate=rate,
                taxable_base=base,
                vat_amount=(base * rate / 100).quantize(CENT, rounding=ROUND_HALF_UP),
                exemption_reason=reasons[(category, rate)],
            )
        )
    net_total = sum((entry.taxable_base for entry in breakdown), Decimal("0.00"))
    vat_total = sum((entry.vat_amount for entry in breakdown), Decimal("0.00"))
    return tuple(breakdown), net_total, vat_total, net_total + vat_total


class DocumentToRender(_FrozenModel):
    """Invoice or credit note of the ledger, with everything its PDF and XML show.

    `lines` may be empty when the document comes from a FEC file only. The
    rendering then shows one summary line per VAT breakdown entry (see
    `lines_to_render`). Amounts of a credit note are positive.

    When the accounting does not give the base per VAT rate, `vat_rates_unknown`
    is True and `vat_breakdown` and `lines` are empty. Such a document carries
    only its totals before VAT, of VAT and including VAT, and has no CII XML,
    because EN 16931 requires the base and rate of each VAT category.
    """

    kind: DocumentKind
    number: Text
    issue_date: date
    due_date: date | None = None
    seller: Seller
    buyer: Buyer
    lines: tuple[DocumentLine, ...] = ()
    vat_breakdown: tuple[VatBreakdown, ...] = ()
    vat_rates_unknown: bool = False
    net_total: Money
    vat_total: Money
    total: Money
    amount_paid: Money | None = None
    preceding_invoice_number: Text | None = None
    preceding_invoice_date: date | None = None
    currency: Literal["EUR"] = "EUR"
    summary_line_description: Text = DEFAULT_SUMMARY_DESCRIPTION

    @model_validator(mode="after")
    def _check_document(self) -> Self:
        self._check_dates_and_references()
        self._check_breakdown_against_lines()
        self._check_totals()
        if self.seller.vat_number is None:
            raise ValueError(
                "seller.vat_number is missing. EN 16931 requires the seller's VAT number "
                "on documents with VAT categories S, Z or E (rules BR-S-02, BR-Z-02, BR-E-02)."
            )
        return self

    def _check_dates_and_references(self) -> None:
        if self.kind is DocumentKind.INVOICE and self.due_date is None:
            raise ValueError(f"invoice {self.number} has no due_date. An invoice must show its due date.")
        if self.due_date is not None and self.due_date < self.issue_date:
            raise ValueError(
                f"due_date {self.due_date} is before issue_date {self.issue_date}. "
                "Expected a due date on or after the issue date."
            )
        if self.kind is DocumentKind.INVOICE and self.preceding_invoice_number is not None:
            raise ValueError(
                f"invoice {self.number} has preceding_invoice_number "
                f"{self.preceding_invoice_number}, but only a credit note refers to a preceding invoice."
            )
        if self.preceding_invoice_date is not None:
            if self.preceding_invoice_number is None:
                raise ValueError(
                    "preceding_invoice_date comes without preceding_invoice_number. Give both or neither."
                )
            if self.preceding_invoice_date > self.issue_date:
                raise ValueError(
                    f"preceding_invoice_date {self.preceding_invoice_date} is after issue_date "
                    f"{self.issue_date}, but a credit note corrects an earlier invoice."
                )

    def _check_breakdown_against_lines(self) -> None:
        if self.vat_rates_unknown:
            if self.vat_breakdown or self.lines:
                raise ValueError(
                    "vat_rates_unknown is True, but the document has a VAT breakdown or lines. "
                    "Give either the breakdown or only the totals."
                )
            return
        if not self.vat_breakdown:
            raise ValueError(
                "vat_breakdown is empty. Give one entry per VAT rate, or set vat_rates_unknown "
                "when the accounting does not give the base per rate."
            )
        keys = [(entry.category, entry.rate) for entry in self.vat_breakdown]
        if len(set(keys)) != len(keys):
            raise ValueError(
                f"vat_breakdown lists a VAT category and rate twice ({keys}). Merge the entries."
            )

        if not self.lines:
            for entry in self.vat_breakdown:
                expected = (entry.taxable_base * entry.rate / 100).quantize(CENT, rounding=ROUND_HALF_UP)
                if abs(entry.vat_amount - expected) >= VAT_AMOUNT_TOLERANCE:
                    raise ValueError(
                        f"VAT amount {entry.vat_amount} at {entry.rate} % is too far from "
                        f"{expected} (base {entry.taxable_base} × rate). EN 16931 accepts less "
                        "than 1.00 of difference, so check the FEC entry."
                    )
            return

        breakdown, net_total, vat_total, total = compute_totals(self.lines)
        expected_entries = {(entry.category, entry.rate): entry for entry in breakdown}
        declared_entries = {(entry.category, entry.rate): entry for entry in self.vat_breakdown}
        if expected_entries != declared_entries:
            raise ValueError(
                f"vat_breakdown {_describe(self.vat_breakdown)} does not match the lines, "
                f"which give {_describe(breakdown)}. Pass the breakdown that compute_totals(lines) returns."
            )
        computed = {"net_total": net_total, "vat_total": vat_total, "total": total}
        for name, expected in computed.items():
            declared = getattr(self, name)
            if declared != expected:
                raise ValueError(
                    f"{name} {declared} does not match the lines, which give {expected}. "
                    "Use the values that compute_totals(lines) returns."
                )

    def _check_totals(self) -> None:
        if not self.vat_rates_unknown:
            self._check_totals_against_breakdown()
        if self.total != self.net_total + self.vat_total:
            raise ValueError(
                f"total {self.total} is not net_total {self.net_total} + vat_total "
                f"{self.vat_total} = {self.net_total + self.vat_total}. Fix one of the three."
            )
        if self.total < 0:
            raise ValueError(
                f"total {self.total} is negative. Issue a credit note with positive amounts instead."
            )
        if self.amount_paid is not None and not Decimal(0) <= self.amount_paid <= self.total:
            raise ValueError(
                f"amount_paid {self.amount_paid} is outside 0.00 to total {self.total}. "
                "Record an overpayment as a separate credit in the ledger."
            )

    def _check_totals_against_breakdown(self) -> None:
        sums = {
            "net_total": sum((entry.taxable_base for entry in self.vat_breakdown), Decimal("0.00")),
            "vat_total": sum((entry.vat_amount for entry in self.vat_breakdown), Decimal("0.00")),
        }
        for name, expected in sums.items():
            declared = getattr(self, name)
            if declared != expected:
                raise ValueError(
                    f"{name} {declared} is not the sum of vat_breakdown, which is {expected}. "
                    "Fix the breakdown or the total."
                )

    @property
    def amount_due(self) -> Decimal:
        """Total minus the amount already paid (EN 16931 DuePayableAmount)."""
        return self.total - (self.amount_paid or Decimal("0.00"))

    def lines_to_render(self) -> tuple[DocumentLine, ...]:
        """Return the lines, or one summary line per breakdown entry when there are none.

        A summary line has quantity 1 and the taxable base as unit price, or
        quantity -1 for a negative base, because a unit price cannot be negative.
        A document whose VAT rates are unknown has no line to render.
        """
        if self.lines:
            return self.lines
        return tuple(
            DocumentLine(
                description=self.summary_line_description,
                quantity=Decimal(1) if entry.taxable_base >= 0 else Decimal(-1),
                unit_price=abs(entry.taxable_base),
                vat_rate=entry.rate,
                vat_exemption_reason=entry.exemption_reason,
            )
            for entry in self.vat_breakdown
        )


def _describe(breakdown: Sequence[VatBreakdown]) -> str:
    return ", ".join(
        f"{entry.category} {entry.rate} %: base {entry.taxable_base}, VAT {entry.vat_amount}"
        for entry in breakdown
    )
