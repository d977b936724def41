"""Account families of the French chart of accounts (plan comptable général) used to classify lines.

Each test is on the account number's prefix, so sub-accounts such as 41100000
or 4457120 match their family.
"""

from __future__ import annotations


def is_customer_account(account_number: str) -> bool:
    """Return whether the account is a customer account (411, Clients)."""
    return account_number.startswith("411")


def is_sales_revenue_account(account_number: str) -> bool:
    """Return whether the account records sales (70, Ventes de produits et services).

    Other class 7 accounts, such as 758 or 778 that absorb rounding differences
    and write-offs, are not sales and do not make an entry an invoice.
    """
    return account_number.startswith("70")


def is_output_vat_account(account_number: str) -> bool:
    """Return whether the account records VAT charged to customers (4457, TVA collectée)."""
    return account_number.startswith("4457")


def is_cash_account(account_number: str) -> bool:
    """Return whether the account is a bank, cash or cheque account (class 5, comptes financiers)."""
    return account_number.startswith("5")
