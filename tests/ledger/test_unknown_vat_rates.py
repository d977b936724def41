"""A document whose accounting gives no VAT rate gets its totals only, never an invented breakdown."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from pydantic import ValidationError
from pypdf import PdfReader

from services.ledger.documents import DocumentToRender, VatBreakdown, build_cii_xml, render_document
from services.ledger.documents.samples import sample_fec_invoice
from services.ledger.importer import import_fec
from services.ledger.rendering import breakdown_from_ledger, stored_document
from tests.ledger.test_import import fec_bytes, row
from tests.ledger.test_rendering import creditor_with_identity


def ledger_entry(rate: str | None, base: str, vat: str) -> dict:
    """Return the columns of an entries row that `breakdown_from_ledger` reads."""
    return {
        "vat_breakdown": [{"rate": rate, "base": base, "vat": vat}],
        "net_total": Decimal(base),
        "vat_total": Decimal(vat),
        "debit": Decimal(base) + Decimal(vat),
        "credit": Decimal("0.00"),
    }


def unknown_rates_document() -> DocumentToRender:
    sample = sample_fec_invoice()
    return sample.model_copy(
        update={
            "vat_breakdown": (),
            "vat_rates_unknown": True,
            "net_total": Decimal("4216.80"),
            "vat_total": Decimal("86.72"),
            "total": Decimal("4303.52"),
        }
    )


def test_unexplained_vat_gives_no_breakdown():
    assert breakdown_from_ledger(ledger_entry(None, "4216.80", "86.72")) is None


def test_single_fitting_rate_is_kept():
    breakdown = breakdown_from_ledger(ledger_entry(None, "1000.00", "55.00"))

    assert breakdown == (VatBreakdown(rate=Decimal("5.5"), taxable_base=Decimal("1000.00"), vat_amount=Decimal("55.00")),)


def test_no_vat_is_zero_rate():
    breakdown = breakdown_from_ledger(ledger_entry(None, "453.60", "0.00"))

    assert breakdown == (VatBreakdown(rate=Decimal("0"), taxable_base=Decimal("453.60"), vat_amount=Decimal("0.00")),)


def test_stated_rate_is_kept():
    breakdown = breakdown_from_ledger(ledger_entry("20", "100.00", "20.00"))

    assert breakdown == (VatBreakdown(rate=Decimal("20"), taxable_base=Decimal("100.00"), vat_amount=Decimal("20.00")),)


def test_unknown_rates_exclude_breakdown():
    sample = sample_fec_invoice()

    with pytest.raises(ValidationError, match="vat_rates_unknown is True"):
        DocumentToRender(**{**dict(sample), "vat_rates_unknown": True})


def test_empty_breakdown_needs_unknown_flag():
    sample = sample_fec_invoice()

    with pytest.raises(ValidationError, match="vat_breakdown is empty"):
        DocumentToRender(**{**dict(sample), "vat_breakdown": ()})


def test_unknown_rates_total_must_add_up():
    values = dict(unknown_rates_document())

    with pytest.raises(ValidationError, match="total 4303.53 is not net_total"):
        DocumentToRender(**{**values, "total": Decimal("4303.53")})


def test_unknown_rates_have_no_cii_xml():
    with pytest.raises(ValueError, match="has no EN 16931 XML"):
        build_cii_xml(unknown_rates_document())


def test_unknown_rates_pdf_has_totals_only():
    content = render_document(unknown_rates_document())
    reader = PdfReader(io.BytesIO(content))
    text = "".join(page.extract_text() for page in reader.pages).replace("\n", " ")

    assert content == render_document(unknown_rates_document())
    assert reader.attachments == {}
    assert "Taux de TVA non précisé\u00a0: la comptabilité du vendeur ne ventile pas la TVA" in text
    assert "Total HT 4\u202f216,80\u00a0€" in text
    assert "Total TVA 86,72\u00a0€" in text
    assert "Total TTC 4\u202f303,52\u00a0€" in text
    assert "Taux de TVA Base HT" not in text
    assert "\u00a0%" not in text


async def test_crafted_fec_entry_has_no_breakdown(ledger_pool):
    creditor = await creditor_with_identity(ledger_pool)
    lines = [
        row("VE", "1", "20260402", "411000", "C001", "FA-37", "Facture", "1037,00", ""),
        row("VE", "1", "20260402", "706000", "", "FA-37", "Facture", "", "1000,00"),
        row("VE", "1", "20260402", "445710", "", "FA-37", "TVA", "", "37,00"),
    ]
    await import_fec(ledger_pool, creditor, fec_bytes(*lines), file_name="crafted.txt")

    document = await stored_document(ledger_pool, creditor, "C001", "FA-37")
    reader = PdfReader(io.BytesIO(document.content))
    text = "".join(page.extract_text() for page in reader.pages).replace("\n", " ")

    assert reader.attachments == {}
    assert "Taux de TVA non précisé" in text
    assert "Total TVA 37,00\u00a0€" in text
    assert "Total TTC 1\u202f037,00\u00a0€" in text
