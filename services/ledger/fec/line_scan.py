"""The analysis's one pass over every line of a file: entry keys, their balances and the journals' movements.

Everything the analysis needs from each line is gathered in this loop, from
the file's columns, because on large files the loop itself is the costly
part. Later steps work on the keys and the journal totals, and build
FecLine records only for the entries they look into: those with a customer
line, and those whose key may group separate operations.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from .accounts import AccountFamilies, AccountFamily
from .cents import AmountUnits
from .records import FecColumns

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
    """Entry keys of a file's lines, with each key's balance and each journal's movements.

    Keys are numbered in order of first appearance; a key's number is its
    position in `keys`.
    """

    keys: list[EntryKey] = field(default_factory=list)
    """Entry keys in order of first appearance."""
    line_keys: list[int] = field(default_factory=list)
    """Number of the key of each line, in file order."""
    first_lines: list[int] = field(default_factory=list)
    """Index of the first line of each key."""
    balances: list[int | Decimal] = field(default_factory=list)
    """Debits minus credits of each key, as numbers from the amounts mapping."""
    customer_groups: set[int] = field(default_factory=set)
    """Keys that have a line on a customer account."""
    mixed_groups: set[int] = field(default_factory=set)
    """Keys whose lines span several EcritureDate and several PieceRef values (see `entries`)."""
    journals: dict[str, JournalMovements] = field(default_factory=dict)
    """Movements of each journal code, as numbers from the amounts mapping."""

    def line_indexes(self, groups: Iterable[int] | None = None) -> dict[int, list[int]]:
        """Indexes of the lines of each key of `groups` (every key when None), in file order."""
        if groups is None:
            indexes: dict[int, list[int]] = {group: [] for group in range(len(self.keys))}
            for index, group in enumerate(self.line_keys):
                indexes[group].append(index)
            return indexes
        indexes = {group: [] for group in sorted(groups)}
        if indexes:
            for index, group in enumerate(self.line_keys):
                if group in indexes:
                    indexes[group].append(index)
        return indexes


def scan_lines(columns: FecColumns, amounts: AmountUnits, families: AccountFamilies) -> LineScan:
    """Number the entry keys of the lines in `columns` and sum their balances and journal movements.

    `amounts` gives the number to add up for each amount (see `cents`), and
    raises NotWholeCents when it cannot represent one.
    """
    scan = LineScan()
    keys, line_keys, first_lines, balances, journals = (
        scan.keys, scan.line_keys, scan.first_lines, scan.balances, scan.journals
    )
    customer_groups = scan.customer_groups
    first_dates: list[date] = []
    first_piece_refs: list[str] = []
    several_dates: list[bool] = []
    several_piece_refs: list[bool] = []
    positions: dict[EntryKey, int] = {}
    debits = map(amounts.__getitem__, columns.debit)
    credits = map(amounts.__getitem__, columns.credit)
    for index, (journal_code, entry_number, debit, credit, account_number, entry_date, piece_ref) in enumerate(
        zip(columns.journal_code, columns.entry_number, debits, credits, columns.account_number,
            columns.entry_date, columns.piece_ref)
    ):
        key = (journal_code, entry_number)
        position = positions.get(key)
        if position is None:
            position = positions[key] = len(keys)
            keys.append(key)
            first_lines.append(index)
            balances.append(debit - credit)
            first_dates.append(entry_date)
            first_piece_refs.append(piece_ref)
            several_dates.append(False)
            several_piece_refs.append(False)
        else:
            balances[position] += debit - credit
            if entry_date != first_dates[position]:
                several_dates[position] = True
            if piece_ref != first_piece_refs[position]:
                several_piece_refs[position] = True
        line_keys.append(position)

        journal = journals.get(journal_code)
        if journal is None:
            journal = journals[journal_code] = JournalMovements(columns.text_field("journal_label", index), 0, 0, 0)
        movement = abs(debit) + abs(credit)
        journal.total += movement
        family = families[account_number]
        if family is _CUSTOMER:
            customer_groups.add(position)
        elif family is _CASH:
            journal.cash += movement
        elif family is _SALES_REVENUE or family is _OUTPUT_VAT:
            journal.sales += movement
    scan.mixed_groups = {
        position for position, (dates, piece_refs) in enumerate(zip(several_dates, several_piece_refs))
        if dates and piece_refs
    }
    return scan
