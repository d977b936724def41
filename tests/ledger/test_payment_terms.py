"""Payment terms typed by operators and the due dates they give."""

from __future__ import annotations

from datetime import date

import pytest

from services.ledger.domain import InvalidPaymentTerms, PaymentTerms, parse_payment_terms


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("à réception", PaymentTerms(days=0, end_of_month=False)),
        ("A RÉCEPTION", PaymentTerms(days=0, end_of_month=False)),
        ("a reception", PaymentTerms(days=0, end_of_month=False)),
        ("  à   réception de facture ", PaymentTerms(days=0, end_of_month=False)),
        ("comptant", PaymentTerms(days=0, end_of_month=False)),
        ("45 jours", PaymentTerms(days=45, end_of_month=False)),
        ("30 jours fin de mois", PaymentTerms(days=30, end_of_month=True)),
    ],
)
def test_terms_parse(text, expected):
    assert parse_payment_terms(text) == expected


def test_unknown_terms_rejected():
    with pytest.raises(InvalidPaymentTerms, match="«\u00a0sous huitaine\u00a0» non reconnues"):
        parse_payment_terms("sous huitaine")


def test_on_receipt_due_on_issue_day():
    assert parse_payment_terms("à réception").due_date(date(2026, 7, 1)) == date(2026, 7, 1)
