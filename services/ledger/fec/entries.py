"""Group FEC lines into entries and check that entries, journals and the file balance.

An entry is the set of lines that share (JournalCode, EcritureNum), the entry key
of the FEC format. Lines of one entry may carry different dates and PieceRefs.
Purchase entries, for example, often put each article's name in PieceRef.
Grouping by PieceRef would therefore split real entries.

Some software does not number entries: it reuses one EcritureNum for separate
operations. Such a key is unreliable when either

- its lines do not balance (sum of debits differs from sum of credits), or
- its lines span several EcritureDate values and several PieceRef values, and
  every sub-group of lines sharing (EcritureDate, PieceRef) balances by itself.
  Such sub-groups are complete operations that only share a number. A group
  whose sub-groups do not balance alone is one operation, e.g. a payment of
  several invoices, and stays one entry.

A file with unreliable keys is accepted when every journal balances, because
the lines are then only mis-numbered, not wrong. `check_entries` returns a
warning and marks those entries, and the classifier then falls back to the
journal type and the sign of each customer line. FecUnbalancedError is raised
when an unbalanced key also leaves its journal unbalanced, and when it shows
no sign of mis-numbering: one date or one PieceRef throughout, with every
PieceRef non-empty and found in no other key of its journal. Such a key is a
whole operation with wrong amounts, offset by another wrong entry.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .errors import FecUnbalancedError
from .line_scan import EntryKey, LineScan
from .records import FecFile, FecLine
from .wording import COLON, SEMICOLON, amount, counted, lines_phrase, listed, quoted

_MAX_LISTED_LINES = 10
_MAX_LISTED_KEYS = 5
_FIX_AMOUNTS = "Corrigez les montants dans le logiciel comptable, puis exportez de nouveau le FEC."


@dataclass(frozen=True, slots=True)
class FecEntry:
    """Lines sharing one (JournalCode, EcritureNum), in file order."""

    key: EntryKey
    lines: tuple[FecLine, ...]
    is_reliable: bool
    """False when the key groups separate operations or does not balance (see the module docstring)."""

    @property
    def journal_code(self) -> str:
        return self.key[0]

    @property
    def entry_number(self) -> str:
        return self.key[1]

    @property
    def line_numbers(self) -> tuple[int, ...]:
        return tuple(line.line_number for line in self.lines)


class _FecEntrySlots:
    """Plain class with the same slots as FecEntry, so that an instance can become a FecEntry."""

    __slots__ = FecEntry.__slots__


_new_object = object.__new__


def _build_entry(key: EntryKey, lines: tuple[FecLine, ...], is_reliable: bool) -> FecEntry:
    """Build FecEntry(key, lines, is_reliable) faster, as `records.build_fec_line` does for lines."""
    entry = _new_object(_FecEntrySlots)
    entry.key = key
    entry.lines = lines
    entry.is_reliable = is_reliable
    entry.__class__ = FecEntry
    return entry


def check_entries(fec: FecFile, scan: LineScan) -> tuple[set[int], list[str]]:
    """Check the balances of the entries in `scan`; return the unreliable keys (by number) and the warnings.

    Raises FecUnbalancedError for the first entry, in order of first
    appearance, that does not balance when its journal does not balance
    either. The message also gives the file totals when the whole file does
    not balance.
    """
    columns = fec.columns
    unbalanced = {position for position, balance in enumerate(scan.balances) if balance}
    if unbalanced:
        _raise_if_amounts_wrong(scan, unbalanced, fec)
        _raise_if_numbering_looks_right(scan, unbalanced, fec)

    candidates = scan.mixed_groups - unbalanced
    groups = scan.line_indexes(candidates)
    unreliable = unbalanced | {
        position for position in candidates if _groups_separate_operations(columns.lines(groups[position]))
    }
    warnings = [_unreliable_keys_warning(sorted(unreliable), scan, fec)] if unreliable else []
    return unreliable, warnings


def build_entries(fec: FecFile, scan: LineScan, unreliable: set[int], groups: Iterable[int] | None = None) -> list[FecEntry]:
    """Build the entries of the keys `groups` (every key when None), in order of first appearance."""
    line_indexes = scan.line_indexes(groups)
    columns = fec.columns
    # Building every line at once is faster than key by key (see FecColumns.lines).
    columns.lines(sorted(index for indexes in line_indexes.values() for index in indexes))
    return [
        _build_entry(scan.keys[position], tuple(columns.lines(indexes)), position not in unreliable)
        for position, indexes in line_indexes.items()
    ]


def _balance(lines: list[FecLine]) -> Decimal:
    return sum((line.debit - line.credit for line in lines), Decimal(0))


def _groups_separate_operations(lines: Sequence[FecLine]) -> bool:
    """Return whether `lines` span several dates and several PieceRefs, and each (date, PieceRef) sub-group balances."""
    if len(lines) == 1:
        return False
    first_date = lines[0].entry_date
    first_piece_ref = lines[0].piece_ref
    several_dates = several_piece_refs = False
    for line in lines:
        if line.entry_date != first_date:
            several_dates = True
        if line.piece_ref != first_piece_ref:
            several_piece_refs = True
        if several_dates and several_piece_refs:
            break
    if not (several_dates and several_piece_refs):
        return False

    operations: dict[tuple[date, str], list[FecLine]] = defaultdict(list)
    for line in lines:
        operations[(line.entry_date, line.piece_ref)].append(line)
    return len(operations) > 1 and not any(_balance(operation) for operation in operations.values())


def _raise_if_amounts_wrong(scan: LineScan, unbalanced: set[int], fec: FecFile) -> None:
    journal_offsets: defaultdict[str, int | Decimal] = defaultdict(int)
    for (journal_code, _), balance in zip(scan.keys, scan.balances):
        journal_offsets[journal_code] += balance

    for position in sorted(unbalanced):
        key = scan.keys[position]
        if journal_offsets[key[0]]:
            lines = fec.columns.lines(scan.line_indexes({position})[position])
            raise _unbalanced_entry_error(key, lines, _journal_balance(fec, key[0]), fec)


def _raise_if_numbering_looks_right(scan: LineScan, unbalanced: set[int], fec: FecFile) -> None:
    """Raise FecUnbalancedError for an unbalanced key that shows no sign of mis-numbering.

    An unbalanced key in a balanced journal is accepted as mis-numbered in two
    cases. Its lines span several dates and several PieceRefs, or one of its
    PieceRefs is empty or also appears in another key of the journal (an
    operation split over two numbers). Otherwise the key is one whole
    operation whose amounts are wrong, offset by another wrong entry of the
    same journal.
    """
    candidates = sorted(unbalanced - scan.mixed_groups)
    if not candidates:
        return
    columns = fec.columns
    line_indexes = scan.line_indexes(candidates)
    piece_refs = {position: {columns.piece_ref[index] for index in line_indexes[position]} for position in candidates}
    searched = {(scan.keys[position][0], piece_ref) for position in candidates for piece_ref in piece_refs[position]}
    holders: defaultdict[tuple[str, str], set[int]] = defaultdict(set)
    for journal_code, piece_ref, position in zip(columns.journal_code, columns.piece_ref, scan.line_keys):
        if (journal_code, piece_ref) in searched:
            holders[(journal_code, piece_ref)].add(position)

    for position in candidates:
        journal_code = scan.keys[position][0]
        if any(not piece_ref or len(holders[(journal_code, piece_ref)]) > 1 for piece_ref in piece_refs[position]):
            continue
        lines = columns.lines(line_indexes[position])
        others = [
            _describe_key(scan.keys[other]) for other in sorted(unbalanced)
            if other != position and scan.keys[other][0] == journal_code
        ]
        refs = sorted(piece_refs[position])
        listed_refs = listed([quoted(ref) for ref in refs], len(refs))
        pieces = f"la pièce (PieceRef) {listed_refs} ne figure" if len(refs) == 1 else (
            f"les pièces (PieceRef) {listed_refs} ne figurent"
        )
        message = (
            f"{_entry_difference(fec, scan.keys[position], lines)} Le journal {journal_code} n’est équilibré que"
            f" parce que d’autres écritures présentent l’écart inverse ({listed(others, _MAX_LISTED_KEYS)}), et"
            f" {pieces} dans aucune autre écriture{COLON} ce sont donc les montants qui sont faux, pas la"
            f" numérotation. {_FIX_AMOUNTS}"
        )
        raise FecUnbalancedError(
            message, entry_key=scan.keys[position], line_numbers=tuple(line.line_number for line in lines)
        )


def _journal_balance(fec: FecFile, journal_code: str) -> Decimal:
    columns = fec.columns
    return sum(
        (debit - credit for code, debit, credit in zip(columns.journal_code, columns.debit, columns.credit)
         if code == journal_code),
        Decimal(0),
    )


def _unbalanced_entry_error(
    key: EntryKey, lines: list[FecLine], journal_balance: Decimal, fec: FecFile
) -> FecUnbalancedError:
    line_numbers = tuple(line.line_number for line in lines)
    message = f"{_entry_difference(fec, key, lines)} Le journal {key[0]} présente un écart de {amount(journal_balance)}."
    file_debit = sum(fec.columns.debit, Decimal(0))
    file_credit = sum(fec.columns.credit, Decimal(0))
    if file_debit != file_credit:
        message += (
            f" Le fichier n’est pas équilibré non plus{COLON} débit {amount(file_debit)},"
            f" crédit {amount(file_credit)}."
        )
    message += f" {_FIX_AMOUNTS}"
    return FecUnbalancedError(message, entry_key=key, line_numbers=line_numbers)


def _entry_difference(fec: FecFile, key: EntryKey, lines: list[FecLine]) -> str:
    """Return the sentence that names an unbalanced entry, its totals and its lines."""
    debit = sum((line.debit for line in lines), Decimal(0))
    credit = sum((line.credit for line in lines), Decimal(0))
    line_numbers = [line.line_number for line in lines]
    return (
        f"{fec.source}{COLON} l’écriture {_describe_key(key)} n’est pas équilibrée{COLON} débit {amount(debit)},"
        f" crédit {amount(credit)} (écart {amount(debit - credit)}), {lines_phrase(line_numbers, _MAX_LISTED_LINES)}."
    )


def _unreliable_keys_warning(unreliable: list[int], scan: LineScan, fec: FecFile) -> str:
    source = fec.source
    line_numbers = fec.columns.line_number
    examples = listed(
        [
            f"{_describe_key(scan.keys[position])} (ligne {line_numbers[scan.first_lines[position]]})"
            for position in unreliable
        ],
        _MAX_LISTED_KEYS,
        separator=f"{SEMICOLON} ",
    )
    if len(unreliable) == 1:
        keys = "1 clé (JournalCode, EcritureNum) regroupe des lignes d’opérations distinctes ou n’est pas équilibrée seule"
    else:
        keys = (
            f"{counted(len(unreliable), 'clé', 'clés')} (JournalCode, EcritureNum) regroupent des lignes"
            " d’opérations distinctes ou ne sont pas équilibrées seules"
        )
    return (
        f"{source}{COLON} {keys}{COLON} {examples}. Chaque journal est équilibré, donc le fichier est accepté,"
        " et les lignes clients de ces clés sont classées d’après le type de leur journal et leur sens (débit"
        " ou crédit) seulement."
    )


def _describe_key(key: EntryKey) -> str:
    journal_code, entry_number = key
    return f"{journal_code} {entry_number or '(EcritureNum vide)'}"
