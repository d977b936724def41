"""The analysis's one pass over every line of a file: entry groups, their balances and the journals' movements.

Everything the analysis needs from each line is gathered in this loop, because
on large files the loop itself is the costly part. Later steps work on the
groups and the journal totals, or only on the entries with customer lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from .accounts import AccountFamilies, AccountFamily
from .cents import AmountUnits
from .records import FecLine

EntryKey = tuple[str, str]
"""(JournalCode, EcritureNum)."""

# Reading a member from an Enum class, as in AccountFamily.CASH, takes about
# 90 ns more than reading a module constant in CPython 3.11 (measured with
# timeit), so the loop below compares with module constants.
_CUSTOMER = AccountFamily.CUSTOMER
_CASH = AccountFamily.CASH
_SALES_REVENUE = AccountFamily.SALES_REVENUE
_OUTPUT_VAT = AccountFamily.OUTPUT_VAT


@dataclass(slots=True)
class JournalMovements:
    """Movements of one journal (debit plus credit, in absolute value), in total and by account family."""

    label: str
    """JournalLib of the journal's first line."""
    total: int | Decimal
    cash: int | Decimal
    """Movements on class 5 accounts (bank, cash, cheques to cash)."""
    sales: int | Decimal
    """Movements on sales revenue (70) and output VAT (4457) accounts."""


@dataclass(slots=True)
class LineScan:
    """Lines of a file grouped by entry key, with each group's balance and each journal's movements."""

    keys: list[EntryKey] = field(default_factory=list)
    """Entry keys in order of first appearance."""
    groups: list[list[FecLine]] = field(default_factory=list)
    """Lines of each key of `keys`, in file order."""
    balances: list[int | Decimal] = field(default_factory=list)
    """Debits minus credits of each key of `keys`, as numbers from the amounts mapping."""
    customer_groups: set[int] = field(default_factory=set)
    """Indexes in `keys` of the groups that have a line on a customer account."""
    journals: dict[str, JournalMovements] = field(default_factory=dict)
    """Movements of each journal code, as numbers from the amounts mapping."""


def scan_lines(lines: list[FecLine], amounts: AmountUnits, families: AccountFamilies) -> LineScan:
    """Group `lines` by (JournalCode, EcritureNum) and sum their balances and journal movements.

    `amounts` gives the number to add up for each amount (see `cents`), and
    raises NotWholeCents when it cannot represent one.
    """
    scan = LineScan()
    keys, groups, balances, journals = scan.keys, scan.groups, scan.balances, scan.journals
    positions: dict[EntryKey, int] = {}
    for line in lines:
        debit = amounts[line.debit]
        credit = amounts[line.credit]
        journal_code = line.journal_code
        key = (journal_code, line.entry_number)
        position = positions.get(key)
        if position is None:
            position = positions[key] = len(groups)
            keys.append(key)
            groups.append([line])
            balances.append(debit - credit)
        else:
            groups[position].append(line)
            balances[position] += debit - credit

        journal = journals.get(journal_code)
        if journal is None:
            journal = journals[journal_code] = JournalMovements(line.journal_label, 0, 0, 0)
        movement = abs(debit) + abs(credit)
        journal.total += movement
        family = families[line.account_number]
        if family is _CUSTOMER:
            scan.customer_groups.add(position)
        elif family is _CASH:
            journal.cash += movement
        elif family is _SALES_REVENUE or family is _OUTPUT_VAT:
            journal.sales += movement
    return scan
