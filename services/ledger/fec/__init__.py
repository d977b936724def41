"""Read FEC files (Fichier des Écritures Comptables) and classify their customer lines.

This package is pure: it takes bytes and returns records, with no database or
network access. `read_fec` parses a file and `analyse_fec` checks its balances,
groups its entries and classifies every line on a 411 customer account.
`format_fec` writes lines back as a standard FEC file.
"""

from .analysis import FecAnalysis, analyse_fec
from .classify import CustomerLine, DocumentKind
from .entries import FecEntry
from .errors import (
    FecChangedEntryError,
    FecEncodingError,
    FecError,
    FecHeaderError,
    FecUnbalancedError,
    FecValueError,
)
from .reader import read_fec
from .records import FecFile, FecLine
from .vat import VatBreakdown
from .writer import format_fec

__all__ = [
    "CustomerLine",
    "DocumentKind",
    "FecAnalysis",
    "FecChangedEntryError",
    "FecEncodingError",
    "FecEntry",
    "FecError",
    "FecFile",
    "FecHeaderError",
    "FecLine",
    "FecUnbalancedError",
    "FecValueError",
    "VatBreakdown",
    "analyse_fec",
    "format_fec",
    "read_fec",
]
