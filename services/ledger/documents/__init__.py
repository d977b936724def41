"""Render ledger invoices and credit notes as Factur-X PDF/A-3 files (profile EN 16931).

This layer is pure: it takes a `DocumentToRender` and returns bytes, with no
database or network access. `render_document` returns the PDF to store and
serve, and `build_cii_xml` returns the XML that the PDF embeds.
"""

from services.ledger.documents.cii import build_cii_xml
from services.ledger.documents.facturx import CiiValidationError, render_document, validate_cii_xml
from services.ledger.documents.model import (
    Buyer,
    DocumentKind,
    DocumentLine,
    DocumentToRender,
    Party,
    Seller,
    VatBreakdown,
    VatCategory,
    compute_totals,
)
from services.ledger.documents.pdf import UnsupportedCharacterError

__all__ = [
    "Buyer",
    "CiiValidationError",
    "DocumentKind",
    "DocumentLine",
    "DocumentToRender",
    "Party",
    "Seller",
    "UnsupportedCharacterError",
    "VatBreakdown",
    "VatCategory",
    "build_cii_xml",
    "compute_totals",
    "render_document",
    "validate_cii_xml",
]
