"""The document feed: a creditor's billing system pushes invoices and credit notes.

Documents are validated strictly: every line is recomputed and the totals
must match to the cent, else the request is rejected naming the field. A
document is identified by its number. Pushing it again with the same
content changes nothing. Pushing other content under that number is a
conflict, because an issued document never changes: corrections are credit
notes.
"""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal
from typing import Literal

import asyncpg
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from services.ledger.documents import DocumentLine, compute_totals
from services.ledger.documents.fields import MAX_ADDRESS_LINES, CountryCode, Siren, Text, VatNumber, VatRate
from services.ledger.documents.format import format_amount
from services.ledger.domain import CHANGED_ENTRY_MAX_DAYS, EntryKind, LedgerError, parse_payment_terms, search_key
from services.ledger.events import document_issued_event
from services.ledger.operations import (
    apply_pending_allocations,
    balance_events,
    ensure_account,
    insert_entry,
    settle_credit,
)
from shared.errors import Conflict, Unprocessable
from shared.events.outbox import add_to_outbox
from shared.validation_messages import NO_CONTROL_CHARACTERS, FieldLabel, FieldProblem, french_field_errors

# French names of the numeric fields, for sentences such as « la quantité doit être supérieure à 0 ».
FEED_FIELD_LABELS = {
    "quantity": FieldLabel("la quantité", feminine=True),
    "unit_price": FieldLabel("le prix unitaire"),
    "vat_rate": FieldLabel("le taux de TVA"),
    "net_total": FieldLabel("le total hors taxes"),
    "vat_total": FieldLabel("le total de TVA"),
    "total": FieldLabel("le total toutes taxes comprises"),
}
# The message lists at most this many errors, and details.fields lists them all.
MAX_ERRORS_IN_MESSAGE = 10
# Amounts are stored as numeric(15, 2).
MAX_DOCUMENT_TOTAL = Decimal("9999999999999.99")


class InvalidDocument(LedgerError, Unprocessable):
    code = "invalid_document"


class DocumentConflict(LedgerError, Conflict):
    code = "document_conflict"


class FeedLine(BaseModel):
    """One line of a pushed document, with the field types of the rendered document's lines."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    description: Text = Field(..., max_length=500)
    quantity: Decimal = Field(..., gt=0, max_digits=15, decimal_places=4)
    unit_price: Decimal = Field(..., ge=0, max_digits=15, decimal_places=4)
    vat_rate: VatRate = Field(..., ge=0, decimal_places=2)


class FeedTotals(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    net_total: Decimal = Field(..., decimal_places=2)
    vat_total: Decimal = Field(..., decimal_places=2)
    total: Decimal = Field(..., decimal_places=2)


class FeedBuyer(BaseModel):
    """Buyer's identity as the billing system sends it, with the field types of the rendered document's buyer.

    The ledger stores it with the account and prints it on every later PDF
    of the account, so a value that the PDF would reject is rejected here.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    legal_name: Text = Field(..., max_length=200)
    address_lines: list[Text] = Field(..., min_length=1, max_length=MAX_ADDRESS_LINES)
    postal_code: Text = Field(..., max_length=16)
    city: Text = Field(..., max_length=100)
    country: CountryCode = "FR"
    siren: Siren | None = None
    vat_number: VatNumber | None = Field(None, max_length=20)

    @field_validator("vat_number")
    @classmethod
    def _check_vat_number_of_siren(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None or not value.startswith("FR"):
            return value
        siren = info.data.get("siren")
        if siren is None:
            raise PydanticCustomError(
                "vat_number_without_siren",
                "French VAT number {value} comes without buyer.siren. Send the SIREN too.",
                {"value": value},
            )
        if value[4:] != siren:
            raise PydanticCustomError(
                "vat_number_of_other_siren",
                "French VAT number {value} does not end with SIREN {siren}. Check both numbers.",
                {"value": value, "siren": siren},
            )
        return value


class FeedDocument(BaseModel):
    """An invoice or credit note as pushed to ``POST /creditors/{creditor}/documents``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["invoice", "credit_note"]
    number: str = Field(..., min_length=1, max_length=64, pattern=NO_CONTROL_CHARACTERS)
    customer_account: str = Field(..., min_length=1, max_length=64, pattern=NO_CONTROL_CHARACTERS)
    issue_date: date
    due_date: date | None = None
    preceding_invoice: str | None = Field(None, max_length=64, pattern=NO_CONTROL_CHARACTERS)
    buyer: FeedBuyer | None = None
    lines: list[FeedLine] = Field(..., min_length=1, max_length=1000)
    totals: FeedTotals


def parse_feed_document(body: object) -> FeedDocument:
    """Validate the JSON body; raise ``InvalidDocument`` naming the first bad field.

    Its details carry ``field`` and ``type`` of the first error and, in
    ``fields``, the field, pydantic type and French message of each error.
    """
    try:
        document = FeedDocument.model_validate(body)
    except ValidationError as error:
        raise _invalid_document(french_field_errors(error, labels=FEED_FIELD_LABELS)) from None
    _check_totals(document)
    if document.due_date is not None and document.due_date < document.issue_date:
        raise InvalidDocument(
            f"Document invalide : due_date {document.due_date} est antérieure à issue_date {document.issue_date}.",
            field="due_date",
        )
    if document.kind == "invoice" and document.preceding_invoice:
        raise InvalidDocument("Document invalide : preceding_invoice ne concerne que les avoirs.",
                              field="preceding_invoice")
    return document


def _check_totals(document: FeedDocument) -> None:
    lines = []
    for position, line in enumerate(document.lines):
        try:
            lines.append(DocumentLine(description=line.description, quantity=line.quantity,
                                      unit_price=line.unit_price, vat_rate=line.vat_rate))
        except ValidationError as error:
            # Reached only by a check that DocumentLine makes and FeedLine does not.
            problems = french_field_errors(error, prefix=("lines", position), labels=FEED_FIELD_LABELS)
            raise _invalid_document(problems) from None
    _breakdown, net_total, vat_total, total = compute_totals(lines)
    for name, expected in (("net_total", net_total), ("vat_total", vat_total), ("total", total)):
        declared = getattr(document.totals, name)
        if declared != expected:
            raise InvalidDocument(
                f"Document invalide : totals.{name} vaut {declared} mais les lignes donnent {expected} "
                "(TVA calculée par taux sur la base cumulée, arrondie au centime).",
                field=f"totals.{name}",
                declared=str(declared),
                expected=str(expected),
            )
    if total == 0:
        # An entry moves the account by a debit or a credit; a document of 0,00 € has neither.
        raise InvalidDocument(
            "Document invalide : totals.total vaut 0,00\u00a0€, et un document sans montant ne change pas le compte,"
            " donc le grand livre ne l’enregistre pas. N’envoyez que les documents dont le total est positif.",
            field="totals.total",
        )
    if total > MAX_DOCUMENT_TOTAL:
        raise InvalidDocument(
            f"Document invalide : totals.total vaut {format_amount(total)}, au-delà du plus grand montant que le"
            f" grand livre enregistre ({format_amount(MAX_DOCUMENT_TOTAL)}). Découpez le document.",
            field="totals.total",
        )


def _invalid_document(problems: list[FieldProblem]) -> InvalidDocument:
    message = "Document invalide : " + " ; ".join(problem.sentence for problem in problems[:MAX_ERRORS_IN_MESSAGE])
    return InvalidDocument(
        message,
        field=problems[0].field,
        type=problems[0].type,
        fields=[problem.as_detail() for problem in problems],
    )


def content_digest(document: FeedDocument) -> str:
    return hashlib.sha256(document.model_dump_json().encode()).hexdigest()


async def accept_document(
    connection: asyncpg.Connection, creditor: str, document: FeedDocument, *, correlation_id: str | None
) -> tuple[int, bool]:
    """Store the document (in the caller's transaction); return ``(entry_id, created)``."""
    digest = content_digest(document)
    source_key = f"feed:{document.number}"
    await ensure_account(connection, creditor, document.customer_account)
    existing_id = await _existing_document(connection, creditor, source_key, digest, document.number)
    if existing_id is not None:
        return existing_id, False
    booked_id = await _booked_document(connection, creditor, document)
    if booked_id is not None:
        return booked_id, False

    if document.buyer is not None:
        buyer = document.buyer
        await connection.execute(
            """UPDATE customer_accounts
                  SET legal_name = $3, address_lines = $4, postal_code = $5, city = $6, country = $7,
                      siren = $8, vat_number = $9, label = coalesce(nullif(label, ''), $3)
                WHERE creditor_id = $1 AND account_number = $2""",
            creditor, document.customer_account, buyer.legal_name, buyer.address_lines, buyer.postal_code,
            buyer.city, buyer.country, buyer.siren, buyer.vat_number,
        )
    terms = parse_payment_terms(
        await connection.fetchval("SELECT payment_terms FROM creditors WHERE id = $1", creditor)
    )
    kind = EntryKind(document.kind)
    due_date = document.due_date
    if kind is EntryKind.INVOICE and due_date is None:
        due_date = terms.due_date(document.issue_date)
    entry_id = await insert_entry(
        connection,
        creditor=creditor,
        account=document.customer_account,
        kind=kind,
        number=document.number,
        document_date=document.issue_date,
        amount=document.totals.total,
        label=document.lines[0].description[:200],
        source="feed",
        source_key=source_key,
        due_date=due_date,
        preceding_document=document.preceding_invoice,
    )
    if entry_id is None:
        # A delivery of the same number committed while this one ran, so the
        # insert waited for it and skipped. Its row is returned as for a repeat.
        existing_id = await _existing_document(connection, creditor, source_key, digest, document.number)
        return existing_id, False
    lines = [
        DocumentLine(description=line.description, quantity=line.quantity, unit_price=line.unit_price,
                     vat_rate=line.vat_rate)
        for line in document.lines
    ]
    breakdown, net_total, vat_total, _total = compute_totals(lines)
    await connection.execute(
        """UPDATE entries SET content_sha256 = $2, net_total = $3, vat_total = $4, vat_breakdown = $5
            WHERE id = $1""",
        entry_id,
        digest,
        net_total,
        vat_total,
        [{"rate": str(item.rate), "base": str(item.taxable_base), "vat": str(item.vat_amount)} for item in breakdown],
    )
    await connection.executemany(
        """INSERT INTO document_lines (entry_id, position, description, quantity, unit_price, vat_rate, net_amount)
           VALUES ($1, $2, $3, $4, $5, $6, $7)""",
        [
            (entry_id, position, line.description, line.quantity, line.unit_price, line.vat_rate, line.net_amount)
            for position, line in enumerate(lines, start=1)
        ],
    )
    row = await connection.fetchrow(
        """SELECT id, customer_account, kind, document_number, document_date, due_date, debit, credit
             FROM entries WHERE id = $1""",
        entry_id,
    )
    await add_to_outbox(
        connection, document_issued_event(creditor, row, document.totals.total, correlation_id=correlation_id)
    )
    if kind is EntryKind.CREDIT_NOTE and document.preceding_invoice:
        result = await settle_credit(
            connection, creditor, document.customer_account, entry_id,
            [(document.preceding_invoice, document.totals.total)],
        )
        await balance_events(connection, creditor, result.touched, correlation_id)
    await apply_pending_allocations(connection, creditor, [document.customer_account], correlation_id)
    return entry_id, True


async def _existing_document(
    connection: asyncpg.Connection, creditor: str, source_key: str, digest: str, number: str
) -> int | None:
    """Return the id of the document already pushed under ``source_key``, or None.

    Raise DocumentConflict when that document has another content, because
    an issued document never changes.
    """
    existing = await connection.fetchrow(
        "SELECT id, content_sha256 FROM entries WHERE creditor_id = $1 AND source_key = $2",
        creditor,
        source_key,
    )
    if existing is None:
        return None
    if existing["content_sha256"] != digest:
        raise DocumentConflict(
            f"Le document n°\u00a0{number} existe déjà avec un autre contenu\u00a0: un document émis ne "
            "change plus, émettez un avoir pour le corriger."
        )
    return existing["id"]


async def _booked_document(connection: asyncpg.Connection, creditor: str, document: FeedDocument) -> int | None:
    """Return the id of the same document that a FEC file already booked, or None.

    The accounting may export an invoice before its billing system pushes
    it. The same customer, kind and number (white space and case ignored),
    dated at most CHANGED_ENTRY_MAX_DAYS apart, is that document, so the
    push changes nothing. The accounting may book it in several lines of one
    entry, one per due date, so the lines of one entry count together, and
    the entry closest in date wins. Raise DocumentConflict when their total
    differs from the pushed one.
    """
    rows = await connection.fetch(
        """SELECT id, debit + credit AS amount, document_date, source_key FROM entries
            WHERE creditor_id = $1 AND customer_account = $2 AND kind = $3 AND search_key = $4 AND source = 'fec'
              AND document_date BETWEEN $5::date - $6::int AND $5::date + $6::int
            ORDER BY id""",
        creditor,
        document.customer_account,
        document.kind,
        search_key(document.number),
        document.issue_date,
        CHANGED_ENTRY_MAX_DAYS,
    )
    if not rows:
        return await _carried_forward_document(connection, creditor, document)
    bookings: dict[str, list[asyncpg.Record]] = {}
    for row in rows:
        # The source key starts with fec|journal|entry number|entry date.
        bookings.setdefault("|".join(row["source_key"].split("|", 4)[:4]), []).append(row)
    booking = min(
        bookings.values(), key=lambda lines: (abs((lines[0]["document_date"] - document.issue_date).days), lines[0]["id"])
    )
    total = sum((line["amount"] for line in booking), Decimal("0.00"))
    if total != document.totals.total:
        raise DocumentConflict(
            f"Le document n°\u00a0{document.number} est déjà dans la comptabilité importée, pour un total de"
            f" {format_amount(total)} et non de {format_amount(document.totals.total)}\u00a0: un document"
            " émis ne change plus, émettez un avoir pour le corriger."
        )
    return booking[0]["id"]


async def _carried_forward_document(connection: asyncpg.Connection, creditor: str, document: FeedDocument) -> int | None:
    """Return the id of an opening balance that already carries the document forward, or None.

    A creditor whose first imported file is a year's opening balances has the
    earlier year's documents only as such lines, under their number. A push
    of one of them adds nothing: the opening balance is its debt. The line
    carries the document's amount, or the part still due, so it may not
    exceed the pushed total; raise DocumentConflict when it does. The
    earliest such line dated on or after the document wins.

    NOTE: the pushed lines and VAT are not stored then, so the statement row
    of that opening balance has no PDF.
    """
    is_invoice = document.kind == EntryKind.INVOICE.value
    carried = await connection.fetchrow(
        """SELECT id, debit + credit AS amount FROM entries
            WHERE creditor_id = $1 AND customer_account = $2 AND kind = 'opening_balance' AND search_key = $3
              AND source = 'fec' AND document_date >= $4 AND (debit > 0) = $5
            ORDER BY document_date, id
            LIMIT 1""",
        creditor,
        document.customer_account,
        search_key(document.number),
        document.issue_date,
        is_invoice,
    )
    if carried is None:
        return None
    if carried["amount"] > document.totals.total:
        raise DocumentConflict(
            f"Le document n°\u00a0{document.number} est déjà repris dans les à-nouveaux de la comptabilité"
            f" importée pour {format_amount(carried['amount'])}, plus que son total de"
            f" {format_amount(document.totals.total)}\u00a0: un document émis ne change plus, émettez un avoir"
            " pour le corriger."
        )
    return carried["id"]
