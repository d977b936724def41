"""Statement exports (CSV for French Excel) and the ageing summary."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import asyncpg

from services.ledger.domain import paris_today
from services.ledger.statement import lettering_text

CSV_COLUMNS = (
    "Désignation",
    "N° de document",
    "Date",
    "Échéance",
    "Débit",
    "Crédit",
    "Lettrage",
    "Reste dû",
    "État",
)

AGEING_BUCKETS = (
    ("not_due", "Non échu", None, 0),
    ("days_1_30", "1 à 30 jours", 1, 30),
    ("days_31_60", "31 à 60 jours", 31, 60),
    ("days_61_90", "61 à 90 jours", 61, 90),
    ("over_90", "Plus de 90 jours", 91, None),
)


def _french_decimal(text: str) -> str:
    """``1234.50`` as French Excel reads it: ``1234,50`` (no thousands separator)."""
    return text.replace(".", ",")


def _french_date(iso: str | None) -> str:
    if not iso:
        return ""
    return date.fromisoformat(iso).strftime("%d/%m/%Y")


def statement_csv(rows: list[dict]) -> bytes:
    """CSV that French Excel opens as is: ``;`` separated, UTF-8 with BOM, decimal comma."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow(
            (
                _neutralise_formula(row["designation"]),
                _neutralise_formula(row["document_number"]),
                _french_date(row["document_date"]),
                _french_date(row["due_date"]),
                _french_decimal(row["debit"]),
                _french_decimal(row["credit"]),
                _neutralise_formula(lettering_text(row)),
                _french_decimal(row["amount_due"]),
                row["state_label"],
            )
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _neutralise_formula(text: str) -> str:
    """Prefix text that a spreadsheet would run as a formula (CSV injection)."""
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text


async def ageing_summary(
    connection: asyncpg.Connection, creditor: str, account: str, *, today: date | None = None
) -> dict:
    """Amounts still due by days overdue, in Europe/Paris calendar days, and the balance they leave.

    ``total`` sums the debits still due. ``unallocated_credits`` sums the
    payments and credit notes not yet allocated to them, and ``balance``,
    the total less those credits, is what the account owes.
    """
    today = today or paris_today()
    rows = await connection.fetch(
        """SELECT due_date, debit, open_amount FROM entries
            WHERE creditor_id = $1 AND customer_account = $2 AND open_amount > 0""",
        creditor,
        account,
    )
    totals = {key: Decimal("0.00") for key, *_ in AGEING_BUCKETS}
    unallocated = Decimal("0.00")
    for row in rows:
        if row["debit"] == 0:
            unallocated += row["open_amount"]
            continue
        days_overdue = (today - row["due_date"]).days if row["due_date"] else 0
        totals[_bucket_of(days_overdue)] += row["open_amount"]
    total = sum(totals.values(), Decimal("0.00"))
    return {
        "as_of": today.isoformat(),
        "buckets": [
            {"key": key, "label": label, "amount": str(totals[key])} for key, label, *_ in AGEING_BUCKETS
        ],
        "total": str(total),
        "unallocated_credits": str(unallocated),
        "balance": str(total - unallocated),
    }


def _bucket_of(days_overdue: int) -> str:
    for key, _label, low, high in AGEING_BUCKETS:
        if low is None and days_overdue <= 0:
            return key
        if low is not None and days_overdue >= low and (high is None or days_overdue <= high):
            return key
    return AGEING_BUCKETS[0][0]
