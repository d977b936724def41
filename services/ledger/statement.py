"""The account statement: filters, one page of rows, totals."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

import asyncpg

from services.ledger.creditors import documents_available
from services.ledger.domain import (
    STATE_LABELS,
    EntryKind,
    InvalidFilter,
    designation,
    document_state,
    paris_today,
    search_key,
    search_text,
)

MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 50
NBSP = "\u00a0"
NARROW_NO_BREAK_SPACE = "\u202f"
MINUS_SIGN = "\u2212"


class StatementView(StrEnum):
    UNPAID = "unpaid"
    ALL = "all"


@dataclass(frozen=True, slots=True)
class StatementFilter:
    """Filters of a statement request."""

    view: StatementView = StatementView.UNPAID
    date_from: date | None = None
    date_to: date | None = None
    number: str | None = None
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE

    @classmethod
    def from_query(cls, query: dict[str, str]) -> StatementFilter:
        """Parse query parameters; raise ``InvalidFilter`` with a French message."""
        view_text = query.get("view") or StatementView.UNPAID.value
        try:
            view = StatementView(view_text)
        except ValueError:
            raise InvalidFilter(
                f"Affichage «{NBSP}{view_text}{NBSP}» inconnu{NBSP}: utilisez «{NBSP}unpaid{NBSP}» ou «{NBSP}all{NBSP}».",
                field="view",
            ) from None
        date_from = _parse_date(query.get("date_from"), "date de début", "date_from")
        date_to = _parse_date(query.get("date_to"), "date de fin", "date_to")
        if date_from and date_to and date_from > date_to:
            raise InvalidFilter(
                f"La date de début {date_from:%d/%m/%Y} est postérieure à la date de fin "
                f"{date_to:%d/%m/%Y}{NBSP}: inversez-les.",
                field="date_from",
            )
        page = _parse_int(query.get("page"), "page", "page", default=1, minimum=1, maximum=1_000_000)
        page_size = _parse_int(
            query.get("page_size"), "taille de page", "page_size", default=DEFAULT_PAGE_SIZE, minimum=1,
            maximum=MAX_PAGE_SIZE,
        )
        number = (query.get("number") or "").strip() or None
        if number is not None and len(number) > 64:
            raise InvalidFilter(
                f"Le numéro de document recherché dépasse 64 caractères ({_group_thousands(len(number))} saisis)"
                f"{NBSP}: raccourcissez-le.",
                field="number",
            )
        return cls(view, date_from, date_to, number, page, page_size)


def _parse_date(text: str | None, label: str, field: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        quoted = f"«{NBSP}{text}{NBSP}»"
        if _ISO_DATE_SHAPE.fullmatch(text) and text.startswith("0000"):
            # Python's dates start at year 1, so 0000 is the one four-digit year that fromisoformat rejects.
            raise InvalidFilter(
                f"La {label} {quoted} n’existe pas{NBSP}: l’année 0000 est invalide, vérifiez l’année.", field=field
            ) from None
        if _ISO_DATE_SHAPE.fullmatch(text):
            raise InvalidFilter(f"La {label} {quoted} n’existe pas{NBSP}: vérifiez le jour et le mois.", field=field) from None
        raise InvalidFilter(f"La {label} {quoted} est invalide{NBSP}: format attendu AAAA-MM-JJ.", field=field) from None


# ASCII digits only: \d and int() would also take other scripts' digits, such as « ٣ » for 3.
_ISO_DATE_SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ASCII_INTEGER = re.compile(r"-?[0-9]+")
# Longer numbers are out of every range here, and Python 3.11's int() rejects more than 4300 digits by default.
_MAX_INTEGER_DIGITS = 18


def _parse_int(text: str | None, label: str, field: str, *, default: int, minimum: int, maximum: int) -> int:
    if not text:
        return default
    if not _ASCII_INTEGER.fullmatch(text):
        raise InvalidFilter(
            f"La {label} «{NBSP}{text}{NBSP}» n’est pas un nombre entier{NBSP}: utilisez les chiffres 0 à 9.",
            field=field,
        )
    bounds = f"entre {_group_thousands(minimum)} et {_group_thousands(maximum)}"
    digit_count = len(text.lstrip("-"))
    if digit_count > _MAX_INTEGER_DIGITS:
        raise InvalidFilter(
            f"La {label} doit être comprise {bounds}, reçu un nombre de {_group_thousands(digit_count)} chiffres.",
            field=field,
        )
    value = int(text)
    if not minimum <= value <= maximum:
        raise InvalidFilter(
            f"La {label} doit être comprise {bounds}, reçu {_group_thousands(value)}{NBSP}: choisissez une valeur"
            " dans ces bornes.",
            field=field,
        )
    return value


def _group_thousands(value: int) -> str:
    """Format an integer with a narrow no-break space every three digits and the minus sign U+2212."""
    return f"{value:,}".replace(",", NARROW_NO_BREAK_SPACE).replace("-", MINUS_SIGN)


# The all-entries view without dates covers the last 365 days.
ALL_VIEW_DAYS = 365


def period_start(statement_filter: StatementFilter, today: date) -> date | None:
    """Return the first document date that the filter lets through, or None when it has no lower bound."""
    if statement_filter.date_from is not None:
        return statement_filter.date_from
    if statement_filter.view is StatementView.ALL and statement_filter.date_to is None:
        return today - timedelta(days=ALL_VIEW_DAYS)
    return None


def window_start(statement_filter: StatementFilter, today: date) -> date | None:
    """Return the first day of the period of the all-entries view, for its brought-forward balance, or None.

    The unpaid view has no period, and a search by number gets no
    brought-forward balance, because its rows are not all the movements of
    the period.
    """
    if statement_filter.view is not StatementView.ALL or statement_filter.number:
        return None
    return period_start(statement_filter, today)


def _where_clause(statement_filter: StatementFilter, today: date) -> tuple[str, list[object]]:
    """Build the WHERE clause (placeholders only, never formatted values) and its arguments."""
    conditions = ["creditor_id = $1", "customer_account = $2"]
    arguments: list[object] = []

    def bind(value: object) -> str:
        arguments.append(value)
        return f"${len(arguments) + 2}"

    if statement_filter.view is StatementView.UNPAID:
        # Debits still due and credits not yet allocated: together they make the balance.
        conditions.append("open_amount > 0")
    start = period_start(statement_filter, today)
    if start is not None:
        conditions.append(f"document_date >= {bind(start)}")
    if statement_filter.date_to is not None:
        conditions.append(f"document_date <= {bind(statement_filter.date_to)}")
    if statement_filter.number:
        letters_and_digits = search_text(statement_filter.number)
        if letters_and_digits:
            # Spaces, punctuation and case are ignored: FA2026000019 finds FA2026-000019.
            conditions.append(f"search_text LIKE {bind('%' + letters_and_digits + '%')}")
        else:
            # A search made only of punctuation keeps it, and ignores spaces and case only.
            pattern = search_key(statement_filter.number)
            escaped = pattern.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            conditions.append(f"search_key LIKE {bind('%' + escaped + '%')}")
    return " AND ".join(conditions), arguments


# The invoice or credit note of the same account and number that an opening-balance entry carries
# forward: the latest one dated on or before it, as the import links a pushed document to an
# opening-balance line. NULL for other kinds, and when the ledger stores no such document.
CARRIED_DOCUMENT_ID_SQL = """CASE WHEN {entry}.kind = 'opening_balance' THEN (
        SELECT document.id FROM entries AS document
         WHERE document.creditor_id = {entry}.creditor_id
           AND document.customer_account = {entry}.customer_account
           AND document.search_key = {entry}.search_key
           AND document.kind = CASE WHEN {entry}.debit > 0 THEN 'invoice' ELSE 'credit_note' END
           AND document.document_date <= {entry}.document_date
         ORDER BY document.document_date DESC, document.id DESC
         LIMIT 1) END"""


# True when the entry's lettering group (the account's entries with its code, in its scope) does
# not balance yet. The statement then shows the code followed by « (partiel) ».
LETTERING_PARTIAL_SQL = """({entry}.lettering IS NOT NULL AND (
        SELECT sum(g.debit) - sum(g.credit) FROM entries g
         WHERE g.creditor_id = $1 AND g.customer_account = $2
           AND g.lettering_scope IS NOT DISTINCT FROM {entry}.lettering_scope
           AND g.lettering = {entry}.lettering) <> 0)"""
PARTIAL_LETTERING_MARK = "(partiel)"


def lettering_text(row: Mapping[str, object]) -> str:
    """Return a statement row's lettering as the screen shows it, such as « an (partiel) », or ""."""
    lettering = row.get("lettering") or ""
    if lettering and row.get("lettering_partial"):
        return f"{lettering} {PARTIAL_LETTERING_MARK}"
    return lettering


async def creditor_exists(connection: asyncpg.Connection, creditor: str) -> bool:
    """Return whether the ledger has the creditor `creditor`.

    An agency's own account at a known creditor is served even before the
    ledger has any entry of it: the signed principal links the account to the
    agency, so a new agency reads an empty statement, not a 404.
    """
    return bool(await connection.fetchval("SELECT 1 FROM creditors WHERE id = $1", creditor))


@asynccontextmanager
async def one_snapshot(connection: asyncpg.Connection) -> AsyncIterator[None]:
    """Run the reads of one response on one snapshot, so that its rows and totals agree.

    Under READ COMMITTED each statement reads the commits made before it
    started, so an import between the page and its totals would show in one
    and not the other. A caller already in a transaction keeps its own.
    """
    if connection.is_in_transaction():
        yield
        return
    async with connection.transaction(isolation="repeatable_read", readonly=True):
        yield


async def fetch_statement(
    connection: asyncpg.Connection,
    creditor: str,
    account: str,
    statement_filter: StatementFilter,
    *,
    today: date | None = None,
) -> dict:
    """Return one page of the statement as a JSON-ready dict.

    Rows are ordered by date then id, newest first; the id makes the order
    total, so each row appears on exactly one page.
    """
    today = today or paris_today()
    where, arguments = _where_clause(statement_filter, today)
    offset = (statement_filter.page - 1) * statement_filter.page_size
    limit_index = len(arguments) + 3
    async with one_snapshot(connection):
        rows = await connection.fetch(
            f"""SELECT page.*, {LETTERING_PARTIAL_SQL.format(entry="page")} AS lettering_partial
                  FROM (SELECT id, kind, document_number, document_date, due_date, debit, credit,
                               open_amount, lettering, lettering_scope,
                               {CARRIED_DOCUMENT_ID_SQL.format(entry="entries")} AS carried_document_id
                          FROM entries
                         WHERE {where}
                         ORDER BY document_date DESC, id DESC
                         LIMIT ${limit_index} OFFSET ${limit_index + 1}) AS page
                 ORDER BY page.document_date DESC, page.id DESC""",
            creditor,
            account,
            *arguments,
            statement_filter.page_size,
            offset,
        )
        totals = await _totals(connection, creditor, account, statement_filter, where, arguments, today)
        brought_forward = await fetch_brought_forward(connection, creditor, account, statement_filter, today=today)
        with_documents = await documents_available(connection, creditor)
    return {
        "creditor": creditor,
        "customer_account": account,
        "view": statement_filter.view.value,
        "page": statement_filter.page,
        "page_size": statement_filter.page_size,
        "total_rows": totals["total_rows"],
        "rows": [_row_json(row, today, with_documents=with_documents) for row in rows],
        # False while the creditor's legal identity is incomplete: no PDF can be issued yet.
        "documents_available": with_documents,
        "brought_forward": brought_forward,
        "totals": _with_brought_forward(
            {
                "debit": _money(totals["debit"]),
                "credit": _money(totals["credit"]),
                "amount_due": _money(totals["amount_due"]),
            },
            brought_forward,
        ),
    }


async def fetch_brought_forward(
    connection: asyncpg.Connection,
    creditor: str,
    account: str,
    statement_filter: StatementFilter,
    *,
    today: date | None = None,
) -> dict | None:
    """Return the balance of the entries before the period of the all-entries view, or None.

    It is the statement's « Solde au … » line: the net balance on the day
    before the period, in the debit or the credit column, and the amount
    still due today on those older entries. With it, the totals of a
    period that runs to today reconcile: debit minus credit equals the
    amount still due. None when the view has no period start or nothing
    precedes it.
    """
    start = window_start(statement_filter, today or paris_today())
    if start is None:
        return None
    row = await connection.fetchrow(
        """SELECT coalesce(sum(entry_count), 0) AS entry_count,
                  coalesce(sum(debit), 0) - coalesce(sum(credit), 0) AS balance,
                  coalesce(sum(open_signed), 0) AS amount_due
             FROM account_daily_totals
            WHERE creditor_id = $1 AND customer_account = $2 AND day < $3""",
        creditor,
        account,
        start,
    )
    if not row["entry_count"]:
        return None
    balance = row["balance"]
    return {
        "date": (start - timedelta(days=1)).isoformat(),
        "debit": _money(balance if balance > 0 else Decimal(0)),
        "credit": _money(-balance if balance < 0 else Decimal(0)),
        "amount_due": _money(row["amount_due"]),
    }


BROUGHT_FORWARD_KIND = "brought_forward"


def brought_forward_row(brought_forward: dict) -> dict:
    """Return the brought-forward balance as a statement row « Solde au … », the last row of an export."""
    day = date.fromisoformat(brought_forward["date"])
    return {
        "id": None,
        "kind": BROUGHT_FORWARD_KIND,
        "designation": f"Solde au {day:%d/%m/%Y}",
        "document_number": "",
        "document_date": brought_forward["date"],
        "due_date": None,
        "debit": brought_forward["debit"],
        "credit": brought_forward["credit"],
        "lettering": None,
        "lettering_partial": False,
        "amount_due": brought_forward["amount_due"],
        "state": "",
        "state_label": "",
        "selectable": False,
        "has_pdf": False,
    }


def _with_brought_forward(totals: dict[str, str], brought_forward: dict | None) -> dict[str, str]:
    """Add the brought-forward line to the period's totals, so that they cover it too."""
    if brought_forward is None:
        return totals
    return {key: _money(Decimal(value) + Decimal(brought_forward[key])) for key, value in totals.items()}


async def _totals(connection, creditor, account, statement_filter, where, arguments, today) -> asyncpg.Record:
    """Count and sum the filtered rows.

    Without a number search, the totals come from the per-day totals that
    triggers keep. Their cost then depends on the days covered, not on the
    number of entries. A number search sums the matching rows themselves.
    """
    if statement_filter.number:
        return await connection.fetchrow(
            f"""SELECT count(*) AS total_rows,
                       coalesce(sum(debit), 0) AS debit,
                       coalesce(sum(credit), 0) AS credit,
                       coalesce(sum(CASE WHEN debit > 0 THEN open_amount ELSE -open_amount END), 0)
                           AS amount_due
                  FROM entries
                 WHERE {where}""",
            creditor,
            account,
            *arguments,
        )
    date_from = period_start(statement_filter, today)
    if statement_filter.view is StatementView.UNPAID:
        # Open debits come from the per-day totals. Unallocated credits are few,
        # and the entries_open_credits index finds them directly.
        return await connection.fetchrow(
            """WITH debits AS (
                   SELECT coalesce(sum(open_debit_count), 0)::bigint AS total_rows,
                          coalesce(sum(open_debit_debit), 0) AS debit,
                          coalesce(sum(open_debit_amount), 0) AS amount_due
                     FROM account_daily_totals
                    WHERE creditor_id = $1 AND customer_account = $2
                      AND ($3::date IS NULL OR day >= $3) AND ($4::date IS NULL OR day <= $4)),
               credits AS (
                   SELECT count(*) AS total_rows,
                          coalesce(sum(credit), 0) AS credit,
                          coalesce(sum(open_amount), 0) AS amount_due
                     FROM entries
                    WHERE creditor_id = $1 AND customer_account = $2 AND credit > 0 AND open_amount > 0
                      AND ($3::date IS NULL OR document_date >= $3) AND ($4::date IS NULL OR document_date <= $4))
               SELECT debits.total_rows + credits.total_rows AS total_rows,
                      debits.debit,
                      credits.credit,
                      debits.amount_due - credits.amount_due AS amount_due
                 FROM debits, credits""",
            creditor,
            account,
            date_from,
            statement_filter.date_to,
        )
    return await connection.fetchrow(
        """SELECT coalesce(sum(entry_count), 0)::bigint AS total_rows,
                  coalesce(sum(debit), 0) AS debit,
                  coalesce(sum(credit), 0) AS credit,
                  coalesce(sum(open_signed), 0) AS amount_due
              FROM account_daily_totals
             WHERE creditor_id = $1 AND customer_account = $2
               AND ($3::date IS NULL OR day >= $3) AND ($4::date IS NULL OR day <= $4)""",
        creditor,
        account,
        date_from,
        statement_filter.date_to,
    )


def _money(value: Decimal) -> str:
    return str(Decimal(value).quantize(Decimal("0.01")))


SELECTABLE_KINDS = frozenset({EntryKind.INVOICE, EntryKind.OPENING_BALANCE})


def _row_json(row: asyncpg.Record, today: date, *, with_documents: bool = True) -> dict:
    state = document_state(
        debit=row["debit"],
        credit=row["credit"],
        open_amount=row["open_amount"],
        due_date=row["due_date"],
        today=today,
    )
    is_debit = row["debit"] > 0
    kind = row["kind"]
    return {
        "id": row["id"],
        "kind": kind,
        "designation": designation(kind, row["document_number"]),
        "document_number": row["document_number"],
        "document_date": row["document_date"].isoformat(),
        "due_date": row["due_date"].isoformat() if row["due_date"] else None,
        "debit": _money(row["debit"]),
        "credit": _money(row["credit"]),
        "lettering": row["lettering"],
        # A lettering group whose debits and credits do not balance yet.
        "lettering_partial": bool(row.get("lettering_partial")),
        "amount_due": _money(row["open_amount"] if is_debit else -row["open_amount"]),
        "state": state.value,
        "state_label": STATE_LABELS[state],
        # An opening balance still due is an invoice of an earlier year that the agency must be able to pay.
        "selectable": kind in SELECTABLE_KINDS and is_debit and row["open_amount"] > 0,
        "has_pdf": with_documents
        and (kind in (EntryKind.INVOICE, EntryKind.CREDIT_NOTE) or row.get("carried_document_id") is not None),
    }


MAX_EXPORT_ROWS = 100_000


async def fetch_all_rows(
    connection: asyncpg.Connection,
    creditor: str,
    account: str,
    statement_filter: StatementFilter,
    *,
    today: date | None = None,
) -> list[dict]:
    """Fetch every row of the filtered statement, without pagination, for exports.

    The brought-forward balance of the all-entries view, when there is one,
    comes last (the rows run from newest to oldest), as « Solde au … ».
    """
    today = today or paris_today()
    async with one_snapshot(connection):
        rows = await _fetch_entry_rows(connection, creditor, account, statement_filter, today)
        brought_forward = await fetch_brought_forward(connection, creditor, account, statement_filter, today=today)
    if brought_forward is not None:
        rows.append(brought_forward_row(brought_forward))
    return rows


async def _fetch_entry_rows(
    connection: asyncpg.Connection, creditor: str, account: str, statement_filter: StatementFilter, today: date
) -> list[dict]:
    where, arguments = _where_clause(statement_filter, today)
    rows = await connection.fetch(
        f"""SELECT id, kind, document_number, document_date, due_date, debit, credit, open_amount, lettering,
                   {LETTERING_PARTIAL_SQL.format(entry="entries")} AS lettering_partial,
                   {CARRIED_DOCUMENT_ID_SQL.format(entry="entries")} AS carried_document_id
              FROM entries
             WHERE {where}
             ORDER BY document_date DESC, id DESC
             LIMIT {MAX_EXPORT_ROWS}""",
        creditor,
        account,
        *arguments,
    )
    return [_row_json(row, today) for row in rows]
