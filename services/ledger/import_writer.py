"""The write side of a FEC import: plan every change in memory, then write it in bulk.

Existing entries of the file's customer accounts are read once. The new
entries, the lettering of known ones and the import allocations are worked
out in Python. Then new entries and allocations go in with COPY, and only
the known entries that changed are updated. The statement-level triggers
of `entries` keep the per-day totals (`account_daily_totals`) up to date
during these statements, for the rows that each one writes.
"""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import asyncpg

from services.ledger import domain
from services.ledger.allocation import OpenEntry, settle_group
from services.ledger.domain import CHANGED_ENTRY_MAX_DAYS, PARIS, EntryKind, PaymentTerms
from services.ledger.fec.errors import FecChangedEntryError, FecOpeningBalanceError
from services.ledger.fec.wording import COLON, SEMICOLON, counted, day, lines_phrase, listed_sentences, place, quoted
from services.ledger.fec.wording import amount as format_amount
from services.ledger.operations import LEDGER_SCOPE
from services.ledger.events import document_issued_rows
from shared.db import COPY_NULL, copy_text, copy_text_rows, run_during

# An opening balance carries invoices of the previous year forward. Their own
# due dates are not in the file, so the creditor's terms run from its date.
DEBIT_KINDS_WITH_DUE_DATE = {EntryKind.INVOICE, EntryKind.OPENING_BALANCE}
ZERO = Decimal("0.00")

DOCUMENT_KINDS = (EntryKind.INVOICE.value, EntryKind.CREDIT_NOTE.value)

# The plan looks the search key of each document number up several times: about
# 1,300 calls for the 538 lines of the real tab-separated file. A cached key took
# less than a third of the time of computing it again (timeit, 2 cores, AMD EPYC).
search_key = functools.lru_cache(maxsize=16384)(domain.search_key)

_MAX_LISTED_CHANGES = 5

# A WITH query that names the sequence of `entries.id`, for `nextval(sequence.id)`.
# It looks the sequence up once: called in each row, pg_get_serial_sequence took
# 85 % of the statement that took 5,380 ids (15 ms of 17).
ENTRY_ID_SEQUENCE = "sequence AS MATERIALIZED (SELECT pg_get_serial_sequence('entries', 'id')::regclass AS id)"

ENTRY_COLUMNS = (
    "id", "creditor_id", "customer_account", "kind", "document_number", "search_key", "document_date",
    "due_date", "label", "debit", "credit", "open_amount", "lettering", "lettering_date", "lettering_scope",
    "net_total", "vat_total", "vat_breakdown", "source", "source_key", "import_id",
)
ALLOCATION_COLUMNS = (
    "creditor_id", "customer_account", "debit_entry_id", "credit_entry_id", "amount", "lettering",
    "lettering_scope", "origin",
)


@dataclass(slots=True)
class PlannedEntry:
    """An entry of a touched account: new from this file, or already known."""

    id: int | None
    source_key: str
    customer_account: str
    kind: str
    document_number: str
    document_date: date
    due_date: date | None
    debit: Decimal
    credit: Decimal
    lettering: str | None
    lettering_date: date | None
    lettering_scope: str | None
    ledger_allocated: Decimal
    open_before: Decimal | None
    open_amount: Decimal = ZERO
    is_new: bool = False
    record: tuple | None = None
    lettering_changed: bool = False
    source: str = "fec"
    receipt_key: str | None = None
    """FEC key of the bank receipt that a card payment of the ledger was matched to."""
    receipt_changed: bool = False
    source_key_changed: bool = False

    def __getitem__(self, name: str):  # lets event builders read it like a database row
        return getattr(self, name)


@dataclass
class WriteResult:
    created: list[PlannedEntry]
    moved: list[PlannedEntry]
    lettering_updated: int
    receipts_matched: int = 0
    """Card payments of the ledger whose bank receipt this file books (a grouped receipt books several)."""
    warnings: list[str] = field(default_factory=list)
    issued_events: list[str] = field(default_factory=list)
    """Outbox rows in COPY text of ``ledger.document.issued`` for the created documents, with their open amounts as planned."""


def source_keys(customer_lines) -> list[str]:
    """Stable identity of each customer line across files of the same creditor.

    Entry numbers are not always unique (some files reuse them), so the key
    combines journal, number, date, piece, account and amounts, plus an
    occurrence counter for lines identical in all of these.
    """
    seen: dict[str, int] = {}
    keys = []
    for line in customer_lines:
        fec_line = line.line
        base = (
            f"fec|{fec_line.journal_code}|{fec_line.entry_number}|{fec_line.entry_date.isoformat()}"
            f"|{fec_line.piece_ref}|{line.customer_account}|{line.debit!s}|{line.credit!s}"
        )
        occurrence = seen.get(base, 0) + 1
        seen[base] = occurrence
        keys.append(f"{base}|{occurrence}")
    return keys


@dataclass(slots=True)
class LineKeys:
    """The keys of a file's customer lines that the write plan needs, computed in one pass (see `line_keys`)."""

    source_keys: list[str]
    """`source_keys` of the lines."""
    bookings: list[str | None]
    """The booking key of each line, as `_bookings` returns it."""
    booking_totals: dict[str, Decimal]
    """The net total of each booking key, as `_bookings` returns it."""
    entries_by_number: dict[tuple[str, str], set[tuple[str, str, date]]]
    """`_document_entries_by_number` of the lines."""
    accounts: list[str]
    """The lines' customer accounts, sorted, each once."""


_DOCUMENT_LINE_KINDS = (EntryKind.INVOICE, EntryKind.CREDIT_NOTE)


def line_keys(customer_lines) -> LineKeys:
    """Compute `source_keys`, `_bookings`, `_document_entries_by_number` and the accounts of the lines at once.

    One pass reads each line's fields and formats each date once. For the
    538 lines of the real tab-separated file, the three functions took
    2.6 ms and this one 1.8 ms (2 cores, AMD EPYC, under load from other
    processes). A test compares the results with theirs.
    """
    seen: dict[str, int] = {}
    keys: list[str] = []
    bookings: list[str | None] = []
    totals: dict[str, Decimal] = {}
    entries_by_number: dict[tuple[str, str], set[tuple[str, str, date]]] = defaultdict(set)
    accounts: set[str] = set()
    # Many lines share a date, and a lookup costs less than formatting it again.
    day_texts: dict[date, str] = {}
    for line in customer_lines:
        fec_line = line.line
        entry_date = fec_line.entry_date
        day_text = day_texts.get(entry_date)
        if day_text is None:
            day_text = day_texts[entry_date] = entry_date.isoformat()
        piece_ref = fec_line.piece_ref
        account = line.customer_account
        accounts.add(account)
        # The fields that the source key and the booking key share, in their order.
        shared = f"{fec_line.journal_code}|{fec_line.entry_number}|{day_text}|{piece_ref}|{account}"
        base = f"fec|{shared}|{line.debit!s}|{line.credit!s}"
        occurrence = seen.get(base, 0) + 1
        seen[base] = occurrence
        keys.append(f"{base}|{occurrence}")

        kind = line.kind
        if not piece_ref or kind not in _BOOKING_KINDS:
            bookings.append(None)
            continue
        booking = "booking|" + shared
        bookings.append(booking)
        totals[booking] = totals.get(booking, ZERO) + (line.debit - line.credit)
        if kind in _DOCUMENT_LINE_KINDS:
            number = (str(kind), search_key(line.document_number))
            entries_by_number[number].add((fec_line.journal_code, fec_line.entry_number, entry_date))
    return LineKeys(keys, bookings, totals, entries_by_number, sorted(accounts))


async def _existing_entries(connection, creditor: str, accounts: list[str]) -> dict[str, PlannedEntry]:
    rows = await connection.fetch(
        """WITH ledger_allocated AS (
               SELECT entry_id, sum(amount) AS amount
                 FROM (SELECT debit_entry_id AS entry_id, amount FROM allocations
                        WHERE creditor_id = $1 AND customer_account = ANY($2::text[])
                          AND reversed_at IS NULL AND origin = 'ledger'
                       UNION ALL
                       SELECT credit_entry_id, amount FROM allocations
                        WHERE creditor_id = $1 AND customer_account = ANY($2::text[])
                          AND reversed_at IS NULL AND origin = 'ledger') AS sides
                GROUP BY entry_id)
           SELECT e.id, e.source_key, e.source, e.receipt_key, e.customer_account, e.kind, e.document_number,
                  e.document_date, e.due_date, e.debit, e.credit, e.open_amount, e.lettering,
                  e.lettering_date, e.lettering_scope, coalesce(a.amount, 0) AS ledger_allocated
             FROM entries e
             LEFT JOIN ledger_allocated a ON a.entry_id = e.id
            WHERE e.creditor_id = $1 AND e.customer_account = ANY($2::text[])""",
        creditor,
        accounts,
    )
    return {
        row["source_key"]: PlannedEntry(
            id=row["id"],
            source_key=row["source_key"],
            customer_account=row["customer_account"],
            kind=row["kind"],
            document_number=row["document_number"],
            document_date=row["document_date"],
            due_date=row["due_date"],
            debit=row["debit"],
            credit=row["credit"],
            lettering=row["lettering"],
            lettering_date=row["lettering_date"],
            lettering_scope=row["lettering_scope"],
            ledger_allocated=row["ledger_allocated"],
            open_before=row["open_amount"],
            source=row["source"],
            receipt_key=row["receipt_key"],
        )
        for row in rows
    }


def _settle_groups(
    entries: list[PlannedEntry], skipped_scope: str | None = None
) -> tuple[list[Decimal], list[tuple[PlannedEntry, PlannedEntry, Decimal, str, str]]]:
    """Settle the import lettering groups of `entries`, leaving out the groups of `skipped_scope`.

    Returns each entry's open amount after ledger allocations and these
    groups (in the order of `entries`), and the allocations. The entries
    themselves are not changed.
    """
    open_amounts: list[Decimal] = []
    groups: dict[tuple[str, str, str], list[OpenEntry]] = defaultdict(list)
    for index, entry in enumerate(entries):
        amount = entry.debit + entry.credit
        open_amount = amount - entry.ledger_allocated
        open_amounts.append(open_amount)
        group = _import_group(entry)
        if group is not None and group[1] != skipped_scope:
            # Positional arguments, in OpenEntry's field order, cost less than keywords per entry.
            groups[group].append(
                OpenEntry(
                    index, entry.customer_account, entry.kind, entry.lettering, entry.lettering_scope,
                    entry.document_date, amount, entry.debit > ZERO, amount, open_amount,
                )
            )

    allocations = []
    for (_account, scope, code), members in groups.items():
        debits = [member for member in members if member.is_debit]
        credits = [member for member in members if not member.is_debit]
        for debit_index, credit_index, amount in settle_group(debits, credits):
            allocations.append((entries[debit_index], entries[credit_index], amount, code, scope))
        for member in members:
            open_amounts[member.id] = member.open_amount
    return open_amounts, allocations


def _plan_allocations(entries: list[PlannedEntry]) -> list[tuple[PlannedEntry, PlannedEntry, Decimal, str, str]]:
    """Open amounts after ledger allocations, then import allocations by lettering group."""
    open_amounts, allocations = _settle_groups(entries)
    for entry, open_amount in zip(entries, open_amounts):
        entry.open_amount = open_amount
    return allocations


def _import_group(entry: PlannedEntry) -> tuple[str, str, str] | None:
    """Return the key (account, scope, code) of the import lettering group of `entry`, or None."""
    scope = entry.lettering_scope
    if entry.lettering and scope and scope.startswith("import:"):
        return (entry.customer_account, scope, entry.lettering)
    return None


async def write_import(
    connection: asyncpg.Connection,
    creditor: str,
    import_id: int,
    customer_lines,
    terms: PaymentTerms,
    source: str = "<fec>",
    *,
    numbers_shared: bool = False,
    correlation_id: str | None = None,
    precomputed_keys: LineKeys | None = None,
    file_warnings: list[str] | None = None,
    reserved_ids: list[int] | None = None,
) -> WriteResult:
    """Write the customer lines of one file (inside the caller's transaction).

    `source` names the file in warnings. A bank receipt that records a card
    payment the ledger already has is matched to it (see `_CardPayments`)
    rather than added as a second payment.

    `correlation_id` goes into the events of the created documents, which
    the result carries as outbox rows (`WriteResult.issued_events`).

    `numbers_shared` tells that an earlier file of the creditor gave one
    document number (PieceRef) to several documents, as software that makes
    PieceRef of the journal and the month does. A file that does so sets it
    for the creditor's later files. A number then never names one document:
    no invoice is taken for a changed, moved or renumbered one by its number.

    `precomputed_keys` is `line_keys(customer_lines)` when the caller
    computed it while an earlier statement ran.

    With `file_warnings`, the warnings of reading the file, the import's
    row gets its counts and warnings (those followed by the write's) in the
    write's last statement (see `finish_write`).

    The per-day totals (`account_daily_totals`) follow the write through
    their statement-level triggers: the entries COPY adds the new entries'
    days, and the UPDATE of stored entries moves the open amounts of theirs.
    Each statement fires them once, for the rows it writes, so the cost
    follows the size of the file and not that of the accounts.

    `reserved_ids` are ids that the caller took from the entry id sequence
    (see `ENTRY_ID_SEQUENCE`), in increasing order. The new entries take
    the first of them when there are enough, and the others stay unused.
    """
    file_keys = line_keys(customer_lines) if precomputed_keys is None else precomputed_keys
    accounts = file_keys.accounts
    existing = await _existing_entries(connection, creditor, accounts)
    scope = f"import:{import_id}"

    lettering_updated = 0
    due_dates = _DueDates(terms)
    breakdowns = _BreakdownTexts()
    # A receipt that groups several card payments is the receipt of each of them.
    receipts: dict[str, list[PlannedEntry]] = {}
    for entry in existing.values():
        if entry.receipt_key:
            receipts.setdefault(entry.receipt_key, []).append(entry)
    card_payments = _CardPayments(existing.values())
    pushed_documents = _PushedDocuments(existing.values())
    warnings: list[str] = []
    matched: set[int] = set()
    relettered: set[int] = set()
    kept_groups: set[tuple[str, str, str]] = set()
    new_pairs: list[tuple[object, PlannedEntry]] = []
    redated: list[tuple[object, PlannedEntry]] = []
    keys, bookings, booking_totals = file_keys.source_keys, file_keys.bookings, file_keys.booking_totals
    file_entries_by_number = file_keys.entries_by_number
    file_shares_numbers = _shares_document_numbers(file_entries_by_number)
    numbers_shared = numbers_shared or file_shares_numbers
    # Only stored entries read the set of the file's keys, so a first import skips building it.
    renumbered = _RenumberedEntries(
        existing.values(), {*keys, *filter(None, bookings)} if existing else set(), customer_lines,
        numbers_shared=numbers_shared,
    )
    lines_to_match = zip(keys, bookings, customer_lines)
    if not existing:
        # No line can repeat a stored entry, a receipt or a pushed document, so every line is new.
        new_pairs = [
            (line, _new_entry(creditor, import_id, key, line, due_dates, breakdowns, scope))
            for key, line in zip(keys, customer_lines)
        ]
        lines_to_match = ()
    for key, booking, line in lines_to_match:
        known = existing.get(key)
        known_entries = [known] if known else receipts.get(key) or (receipts.get(booking, []) if booking else [])
        if not known_entries and renumbered and line.line.piece_ref:
            known_entries = renumbered.match(line, key, booking, receipts, source)
        if not known_entries and line.kind == EntryKind.PAYMENT and card_payments:
            known_entries, warning = card_payments.match(line, source)
            if warning:
                warnings.append(warning)
            for payment in known_entries:
                payment.receipt_key = key
                payment.receipt_changed = True
        if not known_entries and booking and pushed_documents:
            document, same_amount = pushed_documents.match(line, booking_totals[booking])
            if document is not None:
                if not same_amount:
                    # The number names this document, whose amount an issued document never changes.
                    redated.append((line, document))
                    continue
                document.receipt_key = booking
                document.receipt_changed = True
                known_entries = receipts[booking] = [document]
        for known in known_entries:
            matched.add(known.id)
            if known.source == "fec" and known.document_date != line.document_date:
                redated.append((line, known))
            if _line_sets_lettering(known, line):
                lettering_updated += _reletter(known, line.lettering, line.lettering_date, scope, kept_groups)
                relettered.add(known.id)
        if known_entries:
            continue
        new_pairs.append((line, _new_entry(creditor, import_id, key, line, due_dates, breakdowns, scope)))
    if renumbered:
        warnings.extend(renumbered.warnings)
        warnings.extend(_renumbered_lookalike_warnings(renumbered, new_pairs, matched, source))

    _move_kept_groups(existing.values(), kept_groups, relettered, scope)
    new_pairs, opening_codes_changed, opening_warnings = _carry_forward_opening_balances(
        new_pairs, list(existing.values()), relettered, scope, source
    )
    lettering_updated += opening_codes_changed
    warnings.extend(opening_warnings)
    _reject_lines_before_opening_balances(existing.values(), new_pairs, source)

    # When every line is new, the new lines' documents are the file's.
    new_entries_by_number = file_entries_by_number if len(new_pairs) == len(customer_lines) else None
    created = [entry for _line, entry in new_pairs]
    entries = [*existing.values(), *created]
    # The allocations are planned while PostgreSQL looks for moved documents,
    # which reads no field that the plan sets. A file rejected below only
    # wastes this work, because nothing of the plan is written yet.
    (moves, shared_numbers), allocations = await run_during(
        _moved_documents(connection, creditor, matched, new_pairs, numbers_shared, new_entries_by_number),
        lambda: _plan_allocations(entries),
    )
    changes = redated + _changed_entries(existing.values(), matched, new_pairs, customer_lines, shared_numbers)
    changes += moves
    if changes:
        raise await _changed_entries_error(connection, changes, source)

    issued_events: list[str] = []
    if created:
        if reserved_ids is not None and len(reserved_ids) >= len(created):
            ids = reserved_ids
        else:
            ids = await connection.fetchval(
                f"WITH {ENTRY_ID_SEQUENCE} SELECT array_agg(nextval(sequence.id)) FROM sequence, generate_series(1, $1)",
                len(created),
            )
        for entry, entry_id in zip(created, ids):
            entry.id = entry_id
        # PostgreSQL spends most of this COPY on the indexes and write-ahead log of
        # the rows, so Python builds the events of the new documents meanwhile.
        _status, issued_events = await run_during(
            copy_text_rows(connection, "entries", ENTRY_COLUMNS, _entry_copy_rows(created)),
            lambda: document_issued_rows(creditor, created, correlation_id=correlation_id),
        )

    changed_known = [
        entry
        for entry in existing.values()
        if entry.lettering_changed or entry.receipt_changed or entry.source_key_changed
        or entry.open_amount != entry.open_before
    ]
    if changed_known:
        await connection.execute(
            """UPDATE entries AS e
                  SET lettering = c.lettering, lettering_date = c.lettering_date,
                      lettering_scope = c.lettering_scope, open_amount = c.open_amount,
                      receipt_key = c.receipt_key, source_key = c.source_key,
                      balance_version = e.balance_version + (e.open_amount <> c.open_amount)::int
                 FROM unnest($1::bigint[], $2::text[], $3::date[], $4::text[], $5::numeric[], $6::text[], $7::text[])
                      AS c(id, lettering, lettering_date, lettering_scope, open_amount, receipt_key, source_key)
                WHERE e.id = c.id""",
            [entry.id for entry in changed_known],
            [entry.lettering for entry in changed_known],
            [entry.lettering_date for entry in changed_known],
            [entry.lettering_scope for entry in changed_known],
            [entry.open_amount for entry in changed_known],
            [entry.receipt_key for entry in changed_known],
            [entry.source_key for entry in changed_known],
        )

    if existing:
        # Without entries in these accounts, they have no allocations either,
        # because the import and the ledger's operations allocate a debit and a
        # credit of one account to each other, and entries are never deleted.
        await connection.execute(
            """DELETE FROM allocations
                WHERE creditor_id = $1 AND customer_account = ANY($2::text[])
                  AND origin = 'import' AND reversed_at IS NULL""",
            creditor,
            accounts,
        )
    if allocations:
        await copy_text_rows(connection, "allocations", ALLOCATION_COLUMNS, _allocation_copy_rows(creditor, allocations))

    import_row = None
    if file_warnings is not None:
        import_row = (import_id, len(created), lettering_updated, [*file_warnings, *warnings])
    await finish_write(connection, creditor, shares_numbers=file_shares_numbers, import_row=import_row)
    moved = [entry for entry in changed_known if entry.open_amount != entry.open_before]
    return WriteResult(
        created=created,
        moved=moved,
        lettering_updated=lettering_updated,
        receipts_matched=sum(entry.receipt_changed and entry.source == "payment" for entry in changed_known),
        warnings=warnings,
        issued_events=issued_events,
    )


def _changed_entries(
    existing, matched: set[int], new_entries, customer_lines, shared_numbers: set[tuple[str, str]]
) -> list[tuple[object, PlannedEntry]]:
    """Return the (line, imported entry) pairs where a new line of this file changes an imported entry.

    The imported entry came from a FEC file, this file does not contain it,
    and a new line of this file matches it in one of two ways, with dates at
    most CHANGED_ENTRY_MAX_DAYS apart:

    - the line is an invoice or credit note of the same customer whose
      number is the same, ignoring spaces and case, whatever its entry
      number and date: a document number names one document, so the file
      was exported after the document changed. Only a number from PieceRef
      counts, because without PieceRef the number is made of the journal
      code and the entry number, which restart each year. A number in
      `shared_numbers` (kind, number) names several documents, and does not
      count either (see `_moved_documents`);
    - or the line has the same JournalCode, EcritureNum, customer and
      document number, and the imported entry's EcritureDate lies within
      the dates this file covers. Outside them, the file is an incremental
      one of other months, and entry numbers may be reused there.
    """
    if not customer_lines or not existing:
        return []
    first_day = min(line.line.entry_date for line in customer_lines)
    last_day = max(line.line.entry_date for line in customer_lines)
    by_entry: dict[tuple[str, str, str, str], list[PlannedEntry]] = defaultdict(list)
    by_document: dict[tuple[str, str, str], list[PlannedEntry]] = defaultdict(list)
    for entry in existing:
        if entry.id in matched or not entry.source_key.startswith("fec|"):
            continue
        _, journal_code, entry_number, entry_day, rest = entry.source_key.split("|", 4)
        if entry.kind in DOCUMENT_KINDS and not rest.startswith("|"):
            by_document[(entry.customer_account, entry.kind, search_key(entry.document_number))].append(entry)
        if first_day.isoformat() <= entry_day <= last_day.isoformat():
            by_entry[(journal_code, entry_number, entry.customer_account, entry.document_number)].append(entry)
    if not by_entry and not by_document:
        return []
    changes = []
    for line, entry in new_entries:
        candidates = [
            *by_entry.get((line.line.journal_code, line.line.entry_number, entry.customer_account, entry.document_number), ()),
            *(by_document.get((entry.customer_account, entry.kind, search_key(entry.document_number)), ())
              if line.line.piece_ref and (entry.kind, search_key(entry.document_number)) not in shared_numbers
              else ()),
        ]
        for imported in candidates:
            if abs((imported.document_date - entry.document_date).days) <= CHANGED_ENTRY_MAX_DAYS:
                changes.append((line, imported))
                break
    return changes


async def _moved_documents(
    connection: asyncpg.Connection,
    creditor: str,
    matched: set[int],
    new_pairs,
    numbers_shared: bool = False,
    new_entries_by_number: dict[tuple[str, str], set] | None = None,
) -> tuple[list[tuple[object, PlannedEntry]], set[tuple[str, str]]]:
    """Return the (line, imported entry) pairs where a new line moves an imported document to another customer.

    A document number names one document of the creditor, so an invoice or
    credit note that an earlier file gave to one customer, and that this
    file gives to another without repeating the first, changed customer
    after it was issued. Dates must be at most CHANGED_ENTRY_MAX_DAYS apart,
    as for the other changes. The lookup covers every account of the
    creditor, because the first customer may be absent from this file.

    Some accounting software makes PieceRef of the journal and the month,
    so that one number names all the invoices of a month. A number that two
    stored documents, or two new entries of this file, have names no single
    document. The function also returns these shared numbers as (kind,
    number) pairs, and no move is reported for them. With `numbers_shared`,
    every number of the file is such a number. `new_entries_by_number` is
    `_document_entries_by_number` of the new lines, when the caller has it.
    """
    # Only numbers from PieceRef name a document (see `_changed_entries`).
    documents = {
        (entry.kind, search_key(entry.document_number)): (line, entry)
        for line, entry in new_pairs
        if entry.kind in DOCUMENT_KINDS and line.line.piece_ref
    }
    if not documents:
        return [], set()
    if numbers_shared:
        return [], set(documents)
    new_entries = new_entries_by_number
    if new_entries is None:
        new_entries = _document_entries_by_number(line for line, _entry in new_pairs)
    rows = await connection.fetch(
        """SELECT id, source_key, customer_account, kind, document_number, search_key, document_date, debit, credit
             FROM entries
            WHERE creditor_id = $1 AND source IN ('fec', 'feed') AND kind = ANY($2::text[])
              AND search_key = ANY($3::text[])
            ORDER BY id""",
        creditor,
        list(DOCUMENT_KINDS),
        sorted({key for _kind, key in documents}),
    )
    stored = Counter((row["kind"], row["search_key"]) for row in rows)
    shared = {number for number in documents if stored[number] >= 2 or len(new_entries[number]) >= 2}
    moves = []
    for row in rows:
        pair = documents.get((row["kind"], row["search_key"]))
        if pair is None or row["id"] in matched or (row["kind"], row["search_key"]) in shared:
            continue
        if row["source_key"].startswith("fec|") and row["source_key"].split("|", 4)[4].startswith("|"):
            continue  # an imported line without PieceRef
        line, entry = pair
        if row["customer_account"] == entry.customer_account:
            continue  # the same customer: `_changed_entries` decides
        if abs((row["document_date"] - entry.document_date).days) > CHANGED_ENTRY_MAX_DAYS:
            continue
        imported = PlannedEntry(
            id=row["id"], source_key=row["source_key"], customer_account=row["customer_account"], kind=row["kind"],
            document_number=row["document_number"], document_date=row["document_date"], due_date=None,
            debit=row["debit"], credit=row["credit"], lettering=None, lettering_date=None, lettering_scope=None,
            ledger_allocated=ZERO, open_before=None,
        )
        moves.append((line, imported))
        del documents[(row["kind"], row["search_key"])]
    return moves, shared


async def _changed_entries_error(connection, changes, source: str) -> FecChangedEntryError:
    imports = {
        row["id"]: row
        for row in await connection.fetch(
            """SELECT e.id, i.id AS import_id, i.file_name, i.imported_at
                 FROM entries e JOIN imports i ON i.id = e.import_id
                WHERE e.id = ANY($1::bigint[])""",
            [imported.id for _line, imported in changes],
        )
    }
    described = []
    for line, imported in changes[:_MAX_LISTED_CHANGES]:
        origin = imports.get(imported.id)
        imported_from = (
            f"{origin['file_name']} (import {origin['import_id']}"
            f" du {day(origin['imported_at'].astimezone(PARIS).date())})"
            if origin else "un fichier précédent"
        )
        net = line.debit - line.credit
        if imported.source_key.startswith("fec|"):
            _, journal_code, entry_number, entry_day, _rest = imported.source_key.split("|", 4)
            earlier = (
                f"l’écriture {journal_code} {entry_number} (document {imported.document_number}, client"
                f" {imported.customer_account}) a été importée de {imported_from} avec débit"
                f" {format_amount(imported.debit)}, crédit {format_amount(imported.credit)}, EcritureDate"
                f" {day(date.fromisoformat(entry_day))}, date du document {day(imported.document_date)}"
            )
        else:
            earlier = (
                f"le document {imported.document_number} (client {imported.customer_account}) a été reçu du"
                f" logiciel de facturation avec débit {format_amount(imported.debit)}, crédit"
                f" {format_amount(imported.credit)}, date du document {day(imported.document_date)}"
            )
        if line.line.aux_account is None:
            customer = f"sans compte client, CompAuxNum vide sur le compte {line.line.account_number}"
        else:
            customer = f"client {line.customer_account}"
        described.append(
            f"Ligne {line.line.line_number}{COLON} {earlier}{SEMICOLON}"
            f" ce fichier donne l’écriture {line.line.journal_code} {line.line.entry_number} (document"
            f" {line.document_number}, {customer}) avec débit {format_amount(max(net, ZERO))}, crédit {format_amount(max(-net, ZERO))},"
            f" EcritureDate {day(line.line.entry_date)}, date du document {day(line.document_date)}."
        )
    if len(changes) == 1:
        lines = "1 ligne client modifie une écriture déjà enregistrée"
    else:
        lines = f"{counted(len(changes), 'ligne client', 'lignes clients')} modifient des écritures déjà enregistrées"
    fix = (
        "Enregistrez chaque correction dans le logiciel comptable par de nouvelles écritures (un avoir, puis"
        " une nouvelle facture), exportez de nouveau le FEC et importez-le."
    )
    if any(line.line.aux_account is None for line, _imported in changes[:_MAX_LISTED_CHANGES]):
        fix = (
            "Une ligne sans compte client vient le plus souvent d’un export incomplet\u00a0: vérifiez que le"
            f" logiciel comptable exporte CompAuxNum, puis importez le nouvel export. {fix}"
        )
    return FecChangedEntryError(
        f"{source}{COLON} rien n’a été importé, car {lines}, et un document émis ne change jamais."
        f" {listed_sentences(described, len(changes), 'ligne', 'lignes')} {fix}",
        line_numbers=tuple(line.line.line_number for line, _imported in changes),
    )


def _line_sets_lettering(known: PlannedEntry, line) -> bool:
    """Return whether the repeated `line` sets the lettering of `known`.

    A line with a code always does. A line without one keeps the code that
    the ledger gave when it allocated a card payment (scope "ledger"), on the
    payment and on the invoices it paid. That allocation stays, so removing
    the code would show a paid invoice without the code of its payment.
    """
    if line.lettering:
        return True
    return known.source != "payment" and known.lettering_scope != LEDGER_SCOPE


def _reletter(
    known: PlannedEntry,
    code: str | None,
    lettering_date: date | None,
    scope: str,
    kept_groups: set[tuple[str, str, str]],
) -> bool:
    """Give a known entry the lettering of this file, and return whether the code changed.

    The entry's lettering moves to this import's scope, so that a full-year
    export after a monthly one letters them together, while the same code in
    the file of another year stays a separate group. When the entry keeps
    its code, the key of its old import group goes into `kept_groups`, so
    that `_move_kept_groups` moves the members that this file does not repeat.
    """
    old_group = _import_group(known)
    new_scope = scope if code else None
    code_changed = known.lettering != code
    if code_changed or known.lettering_scope != new_scope or known.lettering_date != lettering_date:
        known.lettering_changed = True
    known.lettering = code
    known.lettering_date = lettering_date
    known.lettering_scope = new_scope
    if old_group is not None and not code_changed and old_group[1] != scope:
        kept_groups.add(old_group)
    return code_changed


def _move_kept_groups(
    existing, kept_groups: set[tuple[str, str, str]], relettered: set[int], scope: str
) -> None:
    """Move to `scope` the members of `kept_groups` whose lettering this file does not set.

    A later file that repeats only one side of a lettered pair (an August
    export that repeats July's payment but not the invoice it settles) keeps
    the pair together. A group splits only where the file gives some of its
    members another code.
    """
    if not kept_groups:
        return
    for entry in existing:
        if entry.id not in relettered and _import_group(entry) in kept_groups:
            entry.lettering_scope = scope
            entry.lettering_changed = True


@dataclass(slots=True)
class _OpeningBalanceMismatch:
    """Opening-balance lines of one account whose total differs from the account's balance in the ledger."""

    account: str
    opening_day: date
    ledger_balance: Decimal
    file_total: Decimal
    line_numbers: list[int]


def _carry_forward_opening_balances(
    new_pairs: list[tuple[object, PlannedEntry]],
    existing: list[PlannedEntry],
    relettered: set[int],
    scope: str,
    source: str,
) -> tuple[list[tuple[object, PlannedEntry]], int, list[str]]:
    """Leave out the new opening-balance lines that carry forward what earlier imports already gave an account.

    The next fiscal year's file opens with lines of the opening-balance
    journal that repeat each customer's open items. When earlier imports
    gave the account entries dated before the EcritureDate of those lines,
    the lines are a carry-forward: they are not stored, provided their total
    equals the ledger's balance of the account before that date. A coded
    line gives its code, in this import's scope, to the earlier document
    that it names (see `_named_document`), so that a payment lettered with
    it settles that document. Without earlier entries, the lines are stored
    as opening balances.

    The balance compared counts only what the accounting has booked: entries
    of earlier files, and card payments whose bank receipt an earlier file matched. A
    card payment made on the portal just before that date, whose receipt the
    accounting books in the new year, is not yet in the file's total either.

    Returns the new lines to store, the number of lettering codes changed
    and the warnings. Raises FecOpeningBalanceError when a total differs.
    """
    opening_lines: dict[str, list] = defaultdict(list)
    for line, _entry in new_pairs:
        if line.kind == EntryKind.OPENING_BALANCE:
            opening_lines[line.customer_account].append(line)
    if not opening_lines:
        return new_pairs, 0, []

    entries_by_account: dict[str, list[PlannedEntry]] = defaultdict(list)
    for entry in existing:
        if entry.customer_account in opening_lines:
            entries_by_account[entry.customer_account].append(entry)

    carried: dict[str, tuple[date, list, list[PlannedEntry]]] = {}
    mismatches: list[_OpeningBalanceMismatch] = []
    for account, lines in opening_lines.items():
        opening_day = min(line.line.entry_date for line in lines)
        earlier = [entry for entry in entries_by_account[account] if entry.document_date < opening_day]
        if not any(entry.source == "fec" for entry in earlier):
            continue
        ledger_balance = sum((entry.debit - entry.credit for entry in earlier if _booked(entry)), ZERO)
        file_total = sum((line.debit - line.credit for line in lines), ZERO)
        if file_total == ledger_balance:
            carried[account] = (opening_day, lines, earlier)
        else:
            line_numbers = [line.line.line_number for line in lines]
            mismatches.append(_OpeningBalanceMismatch(account, opening_day, ledger_balance, file_total, line_numbers))
    if mismatches:
        raise _opening_balance_error(mismatches, source)
    if not carried:
        return new_pairs, 0, []

    # Open amounts as the earlier imports' lettering leaves them: the groups
    # that this import already took over are settled again later.
    settled, _allocations = _settle_groups(existing, skipped_scope=scope)
    open_amounts = {entry.id: open_amount for entry, open_amount in zip(existing, settled)}
    group_sizes = Counter(_import_group(entry) for entry in existing)
    kept_groups: set[tuple[str, str, str]] = set()
    codes_changed = 0
    warnings = []
    for opening_day, lines, earlier in carried.values():
        candidates = sorted(
            (entry for entry in earlier if entry.id not in relettered),
            key=lambda entry: (entry.document_date, entry.id),
        )
        for line in lines:
            if not line.lettering:
                continue
            document = _named_document(line, candidates, open_amounts, group_sizes, scope)
            if document is None:
                warnings.append(_unmatched_opening_code_warning(line, opening_day, source))
                continue
            candidates.remove(document)
            relettered.add(document.id)
            codes_changed += _reletter(document, line.lettering, line.lettering_date, scope, kept_groups)
    _move_kept_groups(existing, kept_groups, relettered, scope)

    carried_lines = {id(line) for _day, lines, _earlier in carried.values() for line in lines}
    remaining = [(line, entry) for line, entry in new_pairs if id(line) not in carried_lines]
    return remaining, codes_changed, warnings


def _booked(entry: PlannedEntry) -> bool:
    """Return whether the accounting had booked `entry` before this file: it came from a file, or one matched its receipt.

    A receipt that this file matches is booked in this file's period, after the opening balances.
    """
    return entry.source == "fec" or (entry.receipt_key is not None and not entry.receipt_changed)


def _named_document(
    line,
    candidates: list[PlannedEntry],
    open_amounts: dict[int, Decimal],
    group_sizes: Counter,
    scope: str,
) -> PlannedEntry | None:
    """Return the first of `candidates` that the opening-balance `line` names, or None.

    The line names an entry on its side (debit or credit) whose number equals
    its PieceRef or document number, white space and case ignored. The
    entry's open amount must equal the line's amount, or do so before the
    ledger's own allocations. Such an allocation is, for example, a card
    payment made just before the opening balances and booked by the
    accounting after them. When an earlier import
    letters the entry under the line's code, the whole group moves with it,
    so the amount may also be the entry's open amount before that group's
    allocations: the accounting carries a part-paid invoice forward either
    net, or gross beside its part payments. An entry that an earlier import
    letters with other entries under another code is left out, because
    taking it from that group would leave the group's other members open.
    """
    names = {search_key(line.line.piece_ref), search_key(line.document_number)} - {""}
    amount = abs(line.debit - line.credit)
    is_debit = line.debit > line.credit
    for entry in candidates:
        if search_key(entry.document_number) not in names or (entry.debit > 0) != is_debit:
            continue
        group = _import_group(entry)
        in_earlier_group = group is not None and group[1] != scope and group_sizes[group] > 1
        if in_earlier_group and group[2] != line.lettering:
            continue
        open_amounts_accepted = {open_amounts[entry.id]}
        if in_earlier_group:
            open_amounts_accepted.add(entry.debit + entry.credit - entry.ledger_allocated)
        if entry.ledger_allocated:
            # A card payment on the portal that the accounting books only after this date.
            open_amounts_accepted.add(open_amounts[entry.id] + entry.ledger_allocated)
        if amount in open_amounts_accepted:
            return entry
    return None


def _unmatched_opening_code_warning(line, opening_day: date, source: str) -> str:
    amount = line.debit - line.credit
    remaining = "restant dû" if amount > 0 else "restant à imputer"
    return (
        f"{place(source, line.line.line_number)}{COLON} l’à-nouveau {line.document_number} du compte"
        f" {line.customer_account} est lettré {quoted(line.lettering)}, mais aucun document de ce compte antérieur"
        f" au {day(opening_day)} n’a ce numéro avec {format_amount(abs(amount))} {remaining} (un document"
        " lettré avec d’autres écritures par un import précédent n’est pas repris). Les écritures de ce fichier"
        f" lettrées {quoted(line.lettering)} ne sont donc imputées sur aucun document de l’exercice précédent."
        " Vérifiez le lettrage de ce compte dans le logiciel comptable."
    )


def _reject_lines_before_opening_balances(existing, new_pairs, source: str) -> None:
    """Raise FecOpeningBalanceError when new lines predate the opening balances that an earlier import stored.

    Those opening balances already sum the account's earlier history, so a
    file of an earlier period, imported after them, would count it twice.
    """
    opening_days: dict[str, date] = {}
    for entry in existing:
        if entry.kind == EntryKind.OPENING_BALANCE and entry.source_key.startswith("fec|"):
            entry_day = date.fromisoformat(entry.source_key.split("|", 4)[3])
            if entry.customer_account not in opening_days or entry_day < opening_days[entry.customer_account]:
                opening_days[entry.customer_account] = entry_day
    if not opening_days:
        return
    earlier: dict[str, list[int]] = defaultdict(list)
    for line, _entry in new_pairs:
        opening_day = opening_days.get(line.customer_account)
        if opening_day and line.kind != EntryKind.OPENING_BALANCE and line.line.entry_date < opening_day:
            earlier[line.customer_account].append(line.line.line_number)
    if not earlier:
        return
    described = []
    for account, line_numbers in list(earlier.items())[:_MAX_LISTED_CHANGES]:
        lines = lines_phrase(line_numbers, _MAX_LISTED_CHANGES)
        predates = f"la {lines} est antérieure" if len(line_numbers) == 1 else f"les {lines} sont antérieures"
        described.append(f"Compte {account}{COLON} à-nouveaux au {day(opening_days[account])}, et {predates}.")
    raise FecOpeningBalanceError(
        f"{source}{COLON} rien n’a été importé, car des lignes de ce fichier sont antérieures aux à-nouveaux que"
        " des imports précédents ont enregistrés pour leur compte, et ces à-nouveaux reprennent déjà le solde"
        f" de cette période. {listed_sentences(described, len(earlier), 'compte', 'comptes')} Importez les exercices dans l’ordre chronologique\u202f; une"
        " période antérieure aux premiers à-nouveaux importés ne peut plus être ajoutée.",
        accounts=tuple(earlier),
        line_numbers=tuple(sorted(number for numbers in earlier.values() for number in numbers)),
    )


def _opening_balance_error(mismatches: list[_OpeningBalanceMismatch], source: str) -> FecOpeningBalanceError:
    described = []
    for mismatch in mismatches[:_MAX_LISTED_CHANGES]:
        described.append(
            f"Compte {mismatch.account}{COLON} les imports précédents lui donnent un solde de"
            f" {format_amount(mismatch.ledger_balance)} avant le {day(mismatch.opening_day)}, et ses à-nouveaux"
            f" dans ce fichier ({lines_phrase(mismatch.line_numbers, _MAX_LISTED_CHANGES)}) totalisent"
            f" {format_amount(mismatch.file_total)}."
        )
    if len(mismatches) == 1:
        subject = f"les à-nouveaux du compte {mismatches[0].account} diffèrent de son solde"
    else:
        subject = f"les à-nouveaux de {counted(len(mismatches), 'compte', 'comptes')} diffèrent de leur solde"
    return FecOpeningBalanceError(
        f"{source}{COLON} rien n’a été importé, car {subject} d’après les imports précédents, donc l’import ne"
        f" peut pas savoir quelles écritures déjà importées ils reprennent. {listed_sentences(described, len(mismatches), 'compte', 'comptes')}"
        " Importez d’abord les fichiers manquants de l’exercice précédent, ou exportez de nouveau ce fichier"
        " depuis le logiciel comptable, puis importez-le.",
        accounts=tuple(mismatch.account for mismatch in mismatches),
        line_numbers=tuple(sorted(number for mismatch in mismatches for number in mismatch.line_numbers)),
    )


# A payment id shorter than this could appear by chance in a receipt's label.
_MIN_REFERENCE_LENGTH = 6


_BOOKING_KINDS = (*DOCUMENT_KINDS, EntryKind.OPENING_BALANCE.value)


def _bookings(customer_lines) -> tuple[list[str | None], dict[str, Decimal]]:
    """Return the booking key of each customer line that may book a pushed document, and each key's net total.

    The accounting may book one document in several customer lines of one
    entry, one per due date, so the lines of one entry, customer and
    PieceRef form one booking. Invoices, credit notes and opening balances
    may book a pushed document; other lines get None.
    """
    keys: list[str | None] = []
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for line in customer_lines:
        fec_line = line.line
        if line.kind not in _BOOKING_KINDS or not fec_line.piece_ref:
            keys.append(None)
            continue
        key = (
            f"booking|{fec_line.journal_code}|{fec_line.entry_number}|{fec_line.entry_date.isoformat()}"
            f"|{fec_line.piece_ref}|{line.customer_account}"
        )
        keys.append(key)
        totals[key] += line.debit - line.credit
    return keys, totals



class _PushedDocuments:
    """Invoices and credit notes that the creditor's billing system pushed, which no file has booked yet.

    The accounting books the same documents later, as an invoice or credit
    note of the same customer and number (white space and case ignored), or
    carries them forward in the next year's opening balances. The lines of
    that booking are linked to the pushed document through `receipt_key`,
    as a card payment's receipt is, and are not added again.
    """

    def __init__(self, entries) -> None:
        self._by_key: dict[tuple[str, str], list[PlannedEntry]] = defaultdict(list)
        for entry in entries:
            if entry.source == "feed" and entry.receipt_key is None:
                self._by_key[(entry.customer_account, search_key(entry.document_number))].append(entry)

    def __bool__(self) -> bool:
        return bool(self._by_key)

    def match(self, line, booking_total: Decimal) -> tuple[PlannedEntry | None, bool]:
        """Return the pushed document that `line` books and whether the booking's total is its amount.

        An invoice or credit note books a document of its kind dated at most
        CHANGED_ENTRY_MAX_DAYS away, because a number may recur in another
        fiscal year, and the closest wins. Its booking must total the
        document's amount. An opening balance books a document dated before
        it, the latest first, and must carry its amount or the part still
        due. The document is forgotten, so that no other booking takes it.
        """
        documents = self._by_key.get((line.customer_account, search_key(line.document_number)))
        if not documents:
            return None, False
        if line.kind == EntryKind.OPENING_BALANCE:
            kind = EntryKind.INVOICE.value if booking_total > 0 else EntryKind.CREDIT_NOTE.value
            candidates = [
                (-entry.document_date.toordinal(), entry) for entry in documents
                if entry.kind == kind and entry.document_date <= line.line.entry_date
            ]
        else:
            candidates = [
                (abs((entry.document_date - line.document_date).days), entry) for entry in documents
                if entry.kind == str(line.kind)
                and abs((entry.document_date - line.document_date).days) <= CHANGED_ENTRY_MAX_DAYS
            ]
        if not candidates:
            return None, False
        _rank, document = min(candidates, key=lambda pair: (pair[0], pair[1].id))
        documents.remove(document)
        amount = document.debit - document.credit
        if line.kind == EntryKind.OPENING_BALANCE:
            still_due = document.open_before if amount > 0 else -document.open_before
            return document, booking_total in (amount, still_due)
        return document, booking_total == amount


def _without_entry_number(key: str) -> str:
    """Return a FEC line key or booking key without its EcritureNum, the third of its fields."""
    prefix, journal_code, _entry_number, rest = key.split("|", 3)
    return f"{prefix}|{journal_code}|{rest}"


class _RenumberedEntries:
    """Entries of earlier files that this file repeats under another EcritureNum.

    Some accounting software numbers entries provisionally and renumbers
    them when it validates them, so a later export repeats a line with the
    same journal, date, PieceRef, customer and amounts under another entry
    number. Such a line is the entry already stored when its PieceRef names
    what it books, and the entry's key then takes the new number. The old
    key must be absent from this file. There are three such cases:

    - an invoice or credit note whose PieceRef names one document: no other
      stored document of the customer and no other line of this file has
      that number. A PieceRef made of the journal and the month is shared,
      and two invoices alike but for the number are then two invoices. Each
      such match gets a warning, because a file of new entries only (an
      incremental export) looks the same;
    - a receipt that an earlier file matched to card payments, when it
      cites each of them in PieceRef or EcritureLib;
    - the booking of a pushed document, whose PieceRef is the document's number.

    Other lines, such as a bank receipt with a generic PieceRef, may be two
    real receipts alike in every field but the number, so they stay new
    entries, and `lookalike` finds the stored entry for a warning.
    """

    def __init__(self, entries, file_keys: set[str], customer_lines, *, numbers_shared: bool = False) -> None:
        self._numbers_shared = numbers_shared
        self._documents: dict[str, list[PlannedEntry]] = defaultdict(list)
        self._others: dict[str, list[PlannedEntry]] = defaultdict(list)
        self._receipts: dict[str, dict[str, list[PlannedEntry]]] = defaultdict(dict)
        # The count of stored documents, and of lines of this file, of each (customer, kind, number).
        self._stored_numbers: Counter[tuple[str, str, str]] = Counter()
        self.warnings: list[str] = []
        for entry in sorted(entries, key=lambda entry: entry.id):
            if entry.kind in DOCUMENT_KINDS:
                self._stored_numbers[(entry.customer_account, entry.kind, search_key(entry.document_number))] += 1
            if entry.source == "fec" and entry.source_key not in file_keys and _has_piece_ref(entry.source_key):
                lines = self._documents if entry.kind in DOCUMENT_KINDS else self._others
                lines[_without_entry_number(entry.source_key)].append(entry)
            receipt_key = entry.receipt_key
            if receipt_key and receipt_key not in file_keys and _has_piece_ref(receipt_key):
                self._receipts[_without_entry_number(receipt_key)].setdefault(receipt_key, []).append(entry)
        # Only `match` reads these counts, and only for a stored document, so
        # a first import, which has none, skips counting its lines.
        self._file_numbers: Counter[tuple[str, str, str]] = Counter()
        if self._documents:
            self._file_numbers.update(
                (line.customer_account, str(line.kind), search_key(line.document_number))
                for line in customer_lines
                if line.kind in (EntryKind.INVOICE, EntryKind.CREDIT_NOTE) and line.line.piece_ref
            )

    def __bool__(self) -> bool:
        return bool(self._documents or self._others or self._receipts)

    def match(
        self, line, key: str, booking: str | None, receipts: dict[str, list[PlannedEntry]], source: str
    ) -> list[PlannedEntry]:
        """Return the stored entries that `line`, of `key` and `booking`, repeats under a new number.

        The entries take the new key, and `receipts` learns a receipt's or
        booking's new key, so that the other lines of the same booking find
        their document there.
        """
        documents = self._documents.get(_without_entry_number(key))
        if documents:
            number = (line.customer_account, str(line.kind), search_key(line.document_number))
            if (
                self._numbers_shared or len(documents) > 1
                or self._stored_numbers[number] > 1 or self._file_numbers[number] > 1
            ):
                return []
            entry = documents.pop(0)
            old_number = entry.source_key.split("|", 3)[2]
            entry.source_key = key
            entry.source_key_changed = True
            self.warnings.append(_renumbered_document_warning(line, entry, old_number, source))
            return [entry]
        text = search_key(line.line.piece_ref) + " " + search_key(line.line.label)
        for new_key in filter(None, (key, booking)):
            old_keys = self._receipts.get(_without_entry_number(new_key), {})
            for old_key, entries in old_keys.items():
                if all(entry.source != "payment" or search_key(entry.document_number) in text for entry in entries):
                    # The entries that shared the old key (a grouped receipt, a booked document) move together.
                    del old_keys[old_key]
                    for entry in entries:
                        entry.receipt_key = new_key
                        entry.receipt_changed = True
                    receipts[new_key] = entries
                    return entries
        return []

    def lookalike(self, key: str, matched: set[int]) -> PlannedEntry | None:
        """Return a stored line alike the line of `key` but for its number, which `match` did not take."""
        stripped = _without_entry_number(key)
        candidates = (*self._documents.get(stripped, ()), *self._others.get(stripped, ()))
        return next((entry for entry in candidates if entry.id not in matched), None)


def _shares_document_numbers(entries_by_number: dict[tuple[str, str], set]) -> bool:
    """Return whether a file gives at least two numbers (PieceRef) each to several invoices or credit notes.

    `entries_by_number` is `_document_entries_by_number` of the file's lines.
    One number in two entries may be a slip of the accounting. Two or more
    show a practice, such as a PieceRef made of the journal and the month.
    """
    return sum(len(entries) > 1 for entries in entries_by_number.values()) > 1


def _document_entries_by_number(customer_lines) -> dict[tuple[str, str], set[tuple[str, str, date]]]:
    """Group the entries whose lines book an invoice or credit note by (kind, number), for numbers from PieceRef.

    An entry is (journal, entry number, entry date), so the several due-date
    lines of one invoice count once.
    """
    entries_by_number: dict[tuple[str, str], set[tuple[str, str, date]]] = defaultdict(set)
    for line in customer_lines:
        if line.kind in (EntryKind.INVOICE, EntryKind.CREDIT_NOTE) and line.line.piece_ref:
            number = (str(line.kind), search_key(line.document_number))
            entries_by_number[number].add((line.line.journal_code, line.line.entry_number, line.line.entry_date))
    return entries_by_number


def _renumbered_document_warning(line, entry: PlannedEntry, old_number: str, source: str) -> str:
    """Say that `line` was taken for the stored document `entry`, renumbered from `old_number`."""
    document = "la facture" if entry.kind == EntryKind.INVOICE.value else "l’avoir"
    return (
        f"{place(source, line.line.line_number)}{COLON} {document} {entry.document_number} (client"
        f" {entry.customer_account}, {format_amount(entry.debit + entry.credit)} au {day(entry.document_date)})"
        f" était l’écriture {line.line.journal_code} {old_number} d’un fichier précédent, et ce fichier la"
        f" donne sous le numéro {line.line.entry_number}. Le document garde ce nouveau numéro et n’est pas"
        " compté deux fois. Si ce sont deux documents distincts, donnez-leur des numéros de pièce (PieceRef)"
        " différents dans le logiciel comptable, exportez de nouveau le FEC et importez-le."
    )


def _renumbered_lookalike_warnings(
    renumbered: _RenumberedEntries, new_pairs, matched: set[int], source: str
) -> list[str]:
    """Warn about each new line that repeats a stored line under another number and was not taken for it."""
    warnings = []
    warned: set[int] = set()
    for line, entry in new_pairs:
        if not line.line.piece_ref:
            continue
        stored = renumbered.lookalike(entry.source_key, matched | warned)
        if stored is None:
            continue
        warned.add(stored.id)
        stored_number = stored.source_key.split("|", 3)[2]
        warnings.append(
            f"{place(source, line.line.line_number)}{COLON} l’écriture {line.line.journal_code}"
            f" {line.line.entry_number} (PieceRef {quoted(line.line.piece_ref)}, client {entry.customer_account},"
            f" {format_amount(entry.debit + entry.credit)} au {day(line.line.entry_date)}) a les mêmes journal,"
            f" date, PieceRef, client et montants que l’écriture {line.line.journal_code} {stored_number}"
            " d’un fichier précédent, que ce fichier ne contient pas. Elle a été importée comme une écriture"
            " distincte. Si le logiciel comptable a seulement renuméroté l’écriture, elle compte deux fois"
            f"{SEMICOLON} vérifiez le compte avant de le lettrer."
        )
    return warnings


def _has_piece_ref(key: str) -> bool:
    """Return whether a FEC line key or booking key has a PieceRef, the field after the EcritureDate."""
    fields = key.split("|", 5)
    return len(fields) > 4 and fields[4] != ""


class _CardPayments:
    """Card payments the ledger recorded and no FEC receipt has matched yet, by customer account.

    A receipt matches a payment when its PieceRef or EcritureLib contains the
    payment id (white space and case ignored) and its amount is the
    payment's. The creditor's accounting learns the id from the card
    processor's payout report. A receipt that groups several payments of
    the customer (one bank credit for a day's payouts) matches all of them
    when it cites each one and its amount is their sum. A receipt that cites
    a payment but not its amount, or has a payment's amount but does not
    cite it, gets a warning instead and stays a payment of its own, because
    the import does not guess with real money.
    """

    def __init__(self, entries) -> None:
        # Each payment with its id as searched: upper case, without white space.
        self._by_account: dict[str, list[tuple[PlannedEntry, str]]] = defaultdict(list)
        for entry in sorted(entries, key=lambda entry: entry.id):  # in the order the portal recorded them
            if entry.source == "payment" and entry.receipt_key is None and entry.credit > 0:
                self._by_account[entry.customer_account].append((entry, search_key(entry.document_number)))

    def __bool__(self) -> bool:
        return bool(self._by_account)

    def match(self, line, source: str) -> tuple[list[PlannedEntry], str | None]:
        """Return the payments that the receipt `line` records, or a warning when some only look like it."""
        candidates = self._by_account.get(line.customer_account)
        if not candidates:
            return [], None
        amount = line.credit - line.debit
        text = search_key(line.line.piece_ref) + " " + search_key(line.line.label)
        by_reference = [
            (entry, reference) for entry, reference in candidates
            if len(reference) >= _MIN_REFERENCE_LENGTH and reference in text
        ]
        for candidate in by_reference:
            if candidate[0].credit == amount:
                candidates.remove(candidate)
                return [candidate[0]], None
        cited_total = sum((entry.credit for entry, _ in by_reference), ZERO)
        if len(by_reference) > 1 and cited_total == amount:
            for candidate in by_reference:
                candidates.remove(candidate)
            return [entry for entry, _ in by_reference], None

        where = place(source, line.line.line_number)
        if len(by_reference) > 1:
            return [], (
                f"{where}{COLON} l’encaissement de {format_amount(amount)} sur le compte {line.customer_account}"
                f" cite les paiements par carte {_payment_list(entry for entry, _ in by_reference)},"
                f" enregistrés par le portail pour {format_amount(cited_total)} en tout. Les montants"
                " diffèrent, il a donc été importé comme un règlement distinct. Vérifiez le compte avant de"
                " le lettrer."
            )
        if by_reference:
            payment = by_reference[0][0]
            return [], (
                f"{where}{COLON} l’encaissement de {format_amount(amount)} sur le compte {line.customer_account}"
                f" cite le paiement par carte {payment.document_number}, enregistré par le portail pour"
                f" {format_amount(payment.credit)}. Les montants diffèrent, il a donc été importé comme un"
                " règlement distinct. Vérifiez le compte avant de le lettrer."
            )
        same_amount = next((entry for entry, _ in candidates if entry.credit == amount), None)
        if same_amount is not None:
            return [], (
                f"{where}{COLON} l’encaissement de {format_amount(amount)} sur le compte {line.customer_account}"
                f" correspond peut-être au paiement par carte {same_amount.document_number}, enregistré par le"
                " portail pour le même montant, mais il ne cite ce paiement ni dans PieceRef ni dans EcritureLib,"
                " il a donc été importé comme un règlement distinct. Vérifiez le compte avant de le lettrer."
            )
        return [], None


def _payment_list(payments) -> str:
    """Format each payment's id and amount as a French list: « A (10,00 €), B (20,00 €) et C (5,00 €) »."""
    items = [f"{payment.document_number} ({format_amount(payment.credit)})" for payment in payments]
    return ", ".join(items[:-1]) + " et " + items[-1]


class _DueDates(dict):
    """Due date of each document date under one creditor's terms, computed once per date."""

    __slots__ = ("_terms",)

    def __init__(self, terms: PaymentTerms) -> None:
        super().__init__()
        self._terms = terms

    def __missing__(self, document_date: date) -> date:
        due_date = self[document_date] = self._terms.due_date(document_date)
        return due_date


class _BreakdownTexts:
    """The jsonb text of each VAT breakdown of one file, encoded once per breakdown.

    The analysis gives the documents that share a VAT summary the same
    tuple of rows, so the key is that tuple's id, as in `VatSummaryCache`:
    equal Decimals such as 1.0 and 1.00 print differently. The tuple is kept
    beside its text, so that its id cannot be reused while the cache lives.
    """

    __slots__ = ("_texts",)

    def __init__(self) -> None:
        self._texts: dict[int, tuple[tuple, str]] = {}

    def text(self, rows: tuple) -> str:
        """Return the jsonb text of the breakdown `rows`, escaped for COPY's text format."""
        cached = self._texts.get(id(rows))
        if cached is None:
            cached = self._texts[id(rows)] = (rows, copy_text(_breakdown_json(rows)))
        return cached[1]


def _breakdown_json(rows: tuple) -> str:
    """Return the VAT breakdown `rows` as a JSON array of {"rate", "base", "vat"} objects of decimal strings.

    Written by hand, because json.dumps took five to six times as long. The values
    are Decimals (None for an unknown rate), whose text has no character
    that JSON escapes.
    """
    items = []
    for item in rows:
        rate = "null" if item.rate is None else f'"{item.rate!s}"'
        items.append(f'{{"rate":{rate},"base":"{item.base!s}","vat":"{item.vat!s}"}}')
    return "[" + ",".join(items) + "]"


# The value of each kind, looked up without building an EntryKind per line.
_ENTRY_KIND_VALUES = {kind: kind.value for kind in EntryKind}


def _new_entry(
    creditor, import_id, key, line, due_dates: _DueDates, breakdowns: _BreakdownTexts, scope: str
) -> PlannedEntry:
    net = line.debit - line.credit
    debit = net if net > 0 else ZERO
    credit = -net if net < 0 else ZERO
    kind = _ENTRY_KIND_VALUES.get(line.kind) or EntryKind(line.kind).value
    due_date = due_dates[line.document_date] if kind in DEBIT_KINDS_WITH_DUE_DATE else None
    account = line.customer_account
    number = line.document_number
    document_date = line.document_date
    lettering = line.lettering
    lettering_date = line.lettering_date
    lettering_scope = scope if lettering else None
    breakdown = breakdowns.text(line.vat_breakdown) if line.vat_breakdown else None
    record = (
        None, creditor, account, kind, number, search_key(number), document_date, due_date, line.line.label,
        debit, credit, debit + credit, lettering, lettering_date, lettering_scope, line.net_total, line.vat_total,
        breakdown, "fec", key, import_id,
    )
    # Positional arguments, in PlannedEntry's field order up to `record`, cost less than keywords per line.
    return PlannedEntry(
        None, key, account, kind, number, document_date, due_date, debit, credit, lettering, lettering_date,
        lettering_scope, ZERO, None, ZERO, True, record,
    )


def _entry_copy_rows(created: list[PlannedEntry]) -> Iterator[str]:
    """Yield the COPY text row of each new entry, in ENTRY_COLUMNS order.

    The values are the entry's record as `_new_entry` made it, with the id
    and open amount decided since.
    """
    for entry in created:
        (
            _id, creditor, account, kind, number, key, document_date, due_date, label, debit, credit, _open,
            lettering, lettering_date, lettering_scope, net_total, vat_total, breakdown, source, source_key, import_id,
        ) = entry.record
        yield "\t".join((
            str(entry.id), copy_text(creditor), copy_text(account), kind, copy_text(number), copy_text(key),
            document_date.isoformat(), COPY_NULL if due_date is None else due_date.isoformat(), copy_text(label),
            str(debit), str(credit), str(entry.open_amount),
            COPY_NULL if lettering is None else copy_text(lettering),
            COPY_NULL if lettering_date is None else lettering_date.isoformat(),
            COPY_NULL if lettering_scope is None else copy_text(lettering_scope),
            COPY_NULL if net_total is None else str(net_total),
            COPY_NULL if vat_total is None else str(vat_total),
            COPY_NULL if breakdown is None else breakdown,
            source, copy_text(source_key), str(import_id),
        )) + "\n"


def _allocation_copy_rows(creditor: str, allocations) -> Iterator[str]:
    """Yield the COPY text row of each planned import allocation, in ALLOCATION_COLUMNS order."""
    creditor_text = copy_text(creditor)
    for debit, credit, amount, code, scope in allocations:
        yield "\t".join((
            creditor_text, copy_text(debit.customer_account), str(debit.id), str(credit.id), str(amount),
            COPY_NULL if code is None else copy_text(code), COPY_NULL if scope is None else copy_text(scope),
            "import",
        )) + "\n"


async def finish_write(
    connection: asyncpg.Connection,
    creditor: str,
    *,
    shares_numbers: bool = False,
    import_row: tuple[int, int, int, list[str]] | None = None,
) -> None:
    """Store the import's last updates in one statement, or send none when there are none.

    One statement does all of it, because each statement of its own cost a
    round trip of 0.2 to 0.4 ms. With `shares_numbers`, the creditor's
    document numbers are marked as shared (see `write_import`). With
    `import_row` (import id, entries created, lettering codes changed,
    warnings), the `imports` row gets these counts and warnings.
    """
    if shares_numbers and import_row is not None:
        await connection.execute(
            """WITH shared AS (
                   UPDATE creditors SET document_numbers_shared = true WHERE id = $1 AND NOT document_numbers_shared
               )
               UPDATE imports SET entries_created = $3, lettering_updated = $4, warnings = $5 WHERE id = $2""",
            creditor,
            *import_row,
        )
    elif shares_numbers:
        await connection.execute(
            "UPDATE creditors SET document_numbers_shared = true WHERE id = $1 AND NOT document_numbers_shared",
            creditor,
        )
    elif import_row is not None:
        await connection.execute(
            "UPDATE imports SET entries_created = $2, lettering_updated = $3, warnings = $4 WHERE id = $1",
            *import_row,
        )
