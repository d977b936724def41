"""Fictional documents for tests, benchmarks and previews of the rendering.

Company names, identifiers and the IBAN are made up but pass their check digits.
"""

from datetime import date
from decimal import Decimal

from services.ledger.documents.model import (
    Buyer,
    DocumentKind,
    DocumentLine,
    DocumentToRender,
    Seller,
    VatBreakdown,
    compute_totals,
)

SELLER = Seller(
    legal_name="Gestion Immobilière du Parc",
    address_lines=("12 rue de la République", "Bâtiment B"),
    postal_code="69002",
    city="Lyon",
    siren="812345676",
    siret="81234567600017",
    vat_number="FR19812345676",
    email="facturation@gestion-du-parc.example",
    iban="FR76 3000 6000 0112 3456 7890 189",
    bic="BNPAFRPP",
    payment_terms="30 jours fin de mois",
    late_payment_penalty_rate="trois fois le taux d’intérêt légal",
    legal_form="SAS",
    share_capital=Decimal("50000.00"),
    rcs_city="Lyon",
)

BUYER = Buyer(
    legal_name="Agence Étoile & Fils",
    address_lines=("8 place Bellecour",),
    postal_code="69002",
    city="Lyon",
    siren="529876542",
    siret="52987654200018",
    vat_number="FR40529876542",
    email="compta@agence-etoile.example",
    customer_account="411ETOILE",
)

ISSUE_DATE = date(2026, 7, 31)
DUE_DATE = date(2026, 8, 31)


def _document(kind: DocumentKind, number: str, lines: list[DocumentLine], **fields) -> DocumentToRender:
    breakdown, net_total, vat_total, total = compute_totals(lines)
    values = {
        "kind": kind,
        "number": number,
        "issue_date": ISSUE_DATE,
        "due_date": DUE_DATE if kind is DocumentKind.INVOICE else None,
        "seller": SELLER,
        "buyer": BUYER,
        "lines": tuple(lines),
        "vat_breakdown": breakdown,
        "net_total": net_total,
        "vat_total": vat_total,
        "total": total,
    }
    values.update(fields)
    return DocumentToRender(**values)


def _line(description: str, quantity: str, unit_price: str, vat_rate: str, reason: str | None = None) -> DocumentLine:
    return DocumentLine(
        description=description,
        quantity=Decimal(quantity),
        unit_price=Decimal(unit_price),
        vat_rate=Decimal(vat_rate),
        vat_exemption_reason=reason,
    )


def sample_invoice() -> DocumentToRender:
    """Invoice at 20 % whose amounts go past a thousand euros and whose text has « » quotes."""
    return _document(
        DocumentKind.INVOICE,
        "F-2026-0107",
        [
            _line("Honoraires de gestion locative – juillet 2026, résidence « Les Tilleuls »", "12", "85.50", "20"),
            _line("Frais d’état des lieux et de rédaction de bail", "1", "1150.00", "20"),
        ],
    )


def sample_credit_note() -> DocumentToRender:
    return _document(
        DocumentKind.CREDIT_NOTE,
        "AV-2026-0012",
        [_line("Geste commercial sur les honoraires de gestion de juin 2026", "1", "120.00", "20")],
        preceding_invoice_number="F-2026-0042",
        preceding_invoice_date=date(2026, 7, 1),
    )


def sample_multi_rate_invoice() -> DocumentToRender:
    """Invoice at 20 %, 10 %, 5,5 % and 2,1 %, where rounding per rate differs from rounding per line."""
    return _document(
        DocumentKind.INVOICE,
        "F-2026-0108",
        [
            _line("Honoraires de location", "1", "0.03", "20"),
            _line("Honoraires de location (suite)", "1", "0.03", "20"),
            _line("Honoraires de location (fin)", "1", "0.03", "20"),
            _line("Travaux d’entretien des parties communes", "3", "146.35", "10"),
            _line("Travaux de rénovation énergétique", "1", "2480.00", "5.5"),
            _line("Abonnement à la revue professionnelle", "2", "37.90", "2.1"),
        ],
    )


def sample_zero_vat_invoice() -> DocumentToRender:
    """Invoice with an exempt line (category E) and a zero-rated line (category Z)."""
    return _document(
        DocumentKind.INVOICE,
        "F-2026-0109",
        [
            _line(
                "Loyer d’un logement nu – août 2026",
                "1",
                "890.00",
                "0",
                reason="Exonération de TVA, article 261 D 2° du CGI",
            ),
            _line("Fourniture à taux zéro", "1", "15.00", "0"),
        ],
    )


def sample_partly_paid_invoice() -> DocumentToRender:
    """Invoice of 671,15 € TTC of which 201,00 € is already paid, leaving 470,15 € due."""
    return _document(
        DocumentKind.INVOICE,
        "F-2026-0110",
        [
            _line("Honoraires de mise en location", "1", "81.90", "20"),
            _line("Travaux d’amélioration du logement", "1", "543.00", "5.5"),
        ],
        amount_paid=Decimal("201.00"),
    )


def sample_fec_invoice() -> DocumentToRender:
    """Invoice known only from a FEC file: a VAT breakdown and totals, no lines."""
    return DocumentToRender(
        kind=DocumentKind.INVOICE,
        number="FA-2022-0311",
        issue_date=date(2022, 8, 31),
        due_date=date(2022, 9, 30),
        seller=SELLER,
        buyer=BUYER,
        vat_breakdown=(
            VatBreakdown(rate=Decimal("20"), taxable_base=Decimal("1234.56"), vat_amount=Decimal("246.91")),
            VatBreakdown(rate=Decimal("10"), taxable_base=Decimal("100.00"), vat_amount=Decimal("10.00")),
        ),
        net_total=Decimal("1334.56"),
        vat_total=Decimal("256.91"),
        total=Decimal("1591.47"),
    )


def sample_long_invoice(line_count: int = 60) -> DocumentToRender:
    """Invoice with enough lines to fill several pages."""
    lines = [
        _line(f"Honoraires de gestion du lot n° {index} – relevé des charges et régularisation annuelle", "1", f"{index}.25", "20")
        for index in range(1, line_count + 1)
    ]
    return _document(DocumentKind.INVOICE, "F-2026-0111", lines)


ALL_SAMPLES = {
    "invoice": sample_invoice,
    "credit_note": sample_credit_note,
    "multi_rate_invoice": sample_multi_rate_invoice,
    "zero_vat_invoice": sample_zero_vat_invoice,
    "partly_paid_invoice": sample_partly_paid_invoice,
    "fec_invoice": sample_fec_invoice,
    "long_invoice": sample_long_invoice,
}
