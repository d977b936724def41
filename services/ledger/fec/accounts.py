"""Account families of the French chart of accounts (plan comptable général) used to classify lines.

Each test is on the account number's prefix, so sub-accounts such as 41100000
or 4457120 match their family.
"""

from __future__ import annotations

from enum import IntEnum


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


class AccountFamily(IntEnum):
    """Family of an account for the classification, from the tests above.

    The values are distinct bits, so that a set of families is an int mask.
    """

    CUSTOMER = 1
    SALES_REVENUE = 2
    OUTPUT_VAT = 4
    CASH = 8
    OTHER = 16


def account_family(account_number: str) -> AccountFamily:
    """Return the family of an account. The prefixes of the families do not overlap."""
    if is_customer_account(account_number):
        return AccountFamily.CUSTOMER
    if is_sales_revenue_account(account_number):
        return AccountFamily.SALES_REVENUE
    if is_output_vat_account(account_number):
        return AccountFamily.OUTPUT_VAT
    if is_cash_account(account_number):
        return AccountFamily.CASH
    return AccountFamily.OTHER


class AccountFamilies(dict[str, AccountFamily]):
    """Family of each account number looked up, found on first lookup, because a file uses few accounts."""

    __slots__ = ()

    def __missing__(self, account_number: str) -> AccountFamily:
        family = self[account_number] = account_family(account_number)
        return family
