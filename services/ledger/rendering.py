"""Invoice and credit-note PDFs: rendered once from the ledger, then kept.

An issued document never changes, so the first rendering is stored in
``document_files`` and every later request is served from there.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

import asyncpg
import structlog
from pydantic import ValidationError

from services.ledger.documents import (
    Buyer,
    DocumentKind,
    DocumentLine,
    DocumentToRender,
    Seller,
    UnsupportedCharacterError,
    VatBreakdown,
    compute_totals,
    render_document,
)
from services.ledger.creditors import invalid_identity_field, missing_identity_fields
from services.ledger.corrected_invoice import NO_REFERENCE, CorrectedInvoice, corrected_invoice
from services.ledger.domain import PARIS, InvalidPaymentTerms, LedgerError, paris_today, parse_payment_terms, search_key
from services.ledger.statement import CARRIED_DOCUMENT_ID_SQL
from shared.errors import Conflict, NotFound
from shared.typography import typographic_apostrophes

log = structlog.get_logger(__name__)

CENT = Decimal("0.01")
# Standard French VAT rates, tried on the whole base of a FEC entry whose import found no rate.
FRENCH_RATES = (Decimal("20"), Decimal("10"), Decimal("5.5"), Decimal("2.1"))
UNKNOWN_ADDRESS = "Adresse non communiquée"


class DocumentUnavailable(LedgerError, NotFound):
    code = "document_not_found"


def document_not_found(number: str, entry: str | None = None) -> DocumentUnavailable:
    """Build the 404 of a document that the account does not have, naming ``entry`` when the request gave one.

    The message is the same whether the document or the creditor is another agency's or does not exist.
    """
    if entry is None:
        return DocumentUnavailable(f"Document n° {number} introuvable pour votre compte.")
    return DocumentUnavailable(
        f"Aucun document n° {number} de votre compte ne correspond au paramètre entry « {entry} » : "
        "reprenez l’id de la ligne du document dans l’état de compte, ou retirez entry."
    )


class DocumentNumberAmbiguous(LedgerError, Conflict):
    """Several documents of the account have the requested number, and the request names no entry."""

    code = "document_number_ambiguous"


class CreditNoteVatUnknown(LedgerError, Conflict):
    """A dispute's credit note whose VAT cannot be derived from the invoice it credits."""

    code = "credit_note_vat_unknown"


class SellerIdentityIncomplete(LedgerError, Conflict):
    code = "seller_identity_incomplete"


class DocumentCharacterUnsupported(LedgerError, Conflict):
    """Error for a document whose text, such as its number or the buyer's name, has a character the PDF fonts cannot draw.

    Printing a replacement character would make the PDF state another text
    than its Factur-X XML, so the document is not issued until the text is corrected.
    """

    code = "document_character_unsupported"


@dataclass(frozen=True, slots=True)
class StoredDocument:
    """A rendered PDF, as stored or, while its date lasts, as rendered for this request."""

    content: bytes
    sha256: str
    rendered_at: datetime
    number: str
    entry_id: int
    document_date: date
    final: bool = True
    """False while the document's date lasts, or for a credit note whose corrected invoice is not settled.

    Such a document is rendered again at each request and not stored.
    """


async def find_document_entry(
    connection: asyncpg.Connection, creditor: str, account: str, number: str, entry_id: int | None = None
) -> asyncpg.Record:
    """Fetch the invoice or credit note ``number`` of this account, or the entry ``entry_id`` with that number.

    The number is matched exactly first, then ignoring spaces and case. Real
    FEC files give one number to several documents (a PieceRef made of the
    journal and the month), so without ``entry_id`` a number that matches
    several documents raises DocumentNumberAmbiguous instead of picking one.
    An ``entry_id`` of an opening-balance entry, as its statement row links
    it, gives the document that the entry carries forward
    (CARRIED_DOCUMENT_ID_SQL). Raises DocumentUnavailable when nothing of
    this account matches.
    """
    if entry_id is not None:
        entry = await connection.fetchrow(
            f"""SELECT document.* FROM entries AS row_entry
                  JOIN entries AS document
                    ON document.id = CASE WHEN row_entry.kind IN ('invoice', 'credit_note') THEN row_entry.id
                                          ELSE {CARRIED_DOCUMENT_ID_SQL.format(entry="row_entry")} END
                 WHERE row_entry.id = $1 AND row_entry.creditor_id = $2 AND row_entry.customer_account = $3
                   AND (row_entry.document_number = $4 OR row_entry.search_key = $5)""",
            entry_id,
            creditor,
            account,
            number,
            search_key(number),
        )
        if entry is None:
            raise document_not_found(number, str(entry_id))
        return entry
    entries = await connection.fetch(
        """SELECT * FROM entries
            WHERE creditor_id = $1 AND customer_account = $2 AND kind IN ('invoice', 'credit_note')
              AND (document_number = $3 OR search_key = $4)
            ORDER BY document_date, id""",
        creditor,
        account,
        number,
        search_key(number),
    )
    exact = [entry for entry in entries if entry["document_number"] == number]
    candidates = exact or entries
    if not candidates:
        raise document_not_found(number)
    if len(candidates) > 1:
        raise DocumentNumberAmbiguous(
            f"{len(candidates)} documents de votre compte portent le n° {number} : ouvrez celui que vous "
            "voulez depuis votre relevé de compte, où chaque ligne a son propre lien.",
            candidates=[
                {
                    "entry": entry["id"],
                    "kind": entry["kind"],
                    "document_number": entry["document_number"],
                    "document_date": entry["document_date"].isoformat(),
                    "total": str(entry["debit"] + entry["credit"]),
                }
                for entry in candidates
            ],
        )
    return candidates[0]


def breakdown_from_ledger(entry: asyncpg.Record) -> tuple[VatBreakdown, ...] | None:
    """Return the VAT breakdown of a document that has no lines, from what its FEC entry gave.

    A row may have no rate, when the import found no French rate that fits
    the entry's VAT on its revenue (one revenue line and one VAT line, say).
    Such a row takes the one standard rate that gives its VAT amount on its
    whole base to the cent. When no rate or several rates do, the books do
    not say how the base splits between rates, and None is returned rather
    than an invented split.
    """
    rows = entry["vat_breakdown"] or []
    if not rows:
        # NOTE: an entry without revenue or VAT lines is printed at 0 % on its whole amount,
        # which the books do not state either. A dispute's credit note never gets here (see
        # `_credited_vat`).
        net = entry["net_total"] if entry["net_total"] is not None else entry["debit"] + entry["credit"]
        vat = entry["vat_total"] or Decimal("0.00")
        rows = [{"rate": None, "base": str(net), "vat": str(vat)}]
    merged: dict[Decimal, list[Decimal]] = {}
    for row in rows:
        base = Decimal(row["base"])
        vat = Decimal(row["vat"])
        rate = Decimal(row["rate"]) if row["rate"] is not None else _single_rate(base, vat)
        if rate is None:
            return None
        totals = merged.setdefault(rate, [Decimal("0.00"), Decimal("0.00")])
        totals[0] += base
        totals[1] += vat
    return tuple(
        VatBreakdown(rate=rate, taxable_base=base, vat_amount=vat)
        for rate, (base, vat) in sorted(merged.items(), reverse=True)
    )


async def _document_lines(connection: asyncpg.Connection, entry_id: int) -> tuple[DocumentLine, ...]:
    """Fetch the lines of a document that the billing system pushed; a document of a FEC file has none."""
    rows = await connection.fetch(
        "SELECT description, quantity, unit_price, vat_rate FROM document_lines WHERE entry_id = $1 ORDER BY position",
        entry_id,
    )
    return tuple(
        DocumentLine(
            description=row["description"],
            quantity=row["quantity"],
            unit_price=row["unit_price"],
            vat_rate=row["vat_rate"],
        )
        for row in rows
    )


async def _credited_vat(
    connection: asyncpg.Connection, credit_note: asyncpg.Record, reference: CorrectedInvoice | None
) -> tuple[tuple[VatBreakdown, ...] | None, Decimal | None, Decimal | None]:
    """Return the VAT breakdown of a dispute's credit note, or its totals before VAT and of VAT without one.

    A dispute credits an amount including VAT on one invoice, and its
    credit note has no lines of its own. It takes the invoice's VAT rates:
    the whole breakdown when it credits the whole invoice, and otherwise each
    rate's share of the invoice's total (see `credited_share`). When the
    invoice's rates are not known either, the credit note has the invoice's
    proportion of VAT and no breakdown, as the invoice has. Raises
    CreditNoteVatUnknown when the invoice is not in the ledger, rather than
    print a VAT amount that nothing states.
    """
    amount = credit_note["debit"] + credit_note["credit"]
    invoice = None
    if reference is not None and reference.number is not None:
        invoice = await connection.fetchrow(
            """SELECT * FROM entries
                WHERE creditor_id = $1 AND customer_account = $2 AND kind = 'invoice' AND document_number = $3
                ORDER BY document_date = $4 DESC, document_date DESC, id DESC
                LIMIT 1""",
            credit_note["creditor_id"],
            credit_note["customer_account"],
            reference.number,
            reference.date,
        )
    if invoice is None:
        raise CreditNoteVatUnknown(
            f"L’avoir n° {credit_note['document_number']} ne peut pas être affiché : la facture qu’il corrige"
            f" ({credit_note['preceding_document'] or 'non précisée'}) n’est pas dans le grand livre, et la TVA"
            " de l’avoir se déduit de la sienne. Demandez au service facturation de vérifier cette facture."
        )
    invoice_lines = await _document_lines(connection, invoice["id"])
    if invoice_lines:
        invoice_breakdown = compute_totals(invoice_lines)[0]
    else:
        invoice_breakdown = breakdown_from_ledger(invoice)
    invoice_total = invoice["debit"] + invoice["credit"]
    if invoice_breakdown and invoice_total != 0:
        return credited_share(invoice_breakdown, amount), None, None
    if invoice_breakdown is None and invoice["net_total"] is not None and invoice_total != 0:
        net = (amount * invoice["net_total"] / invoice_total).quantize(CENT, rounding=ROUND_HALF_UP)
        return None, net, amount - net
    raise CreditNoteVatUnknown(
        f"L’avoir n° {credit_note['document_number']} ne peut pas être affiché : la TVA de la facture n°"
        f" {invoice['document_number']} qu’il corrige n’est pas connue, et celle de l’avoir s’en déduit."
        " Demandez au service facturation de vérifier cette facture."
    )


def credited_share(invoice_breakdown: tuple[VatBreakdown, ...], amount: Decimal) -> tuple[VatBreakdown, ...]:
    """Split a credited ``amount``, VAT included, over the VAT rates of the credited invoice.

    Crediting the invoice's whole total gives back its breakdown. A smaller
    amount is shared between the rates in proportion to each rate's part of
    the invoice's total, the last rate taking the rounding remainder, and
    each part is split into base and VAT at its rate. The invoice's total
    must not be zero.
    """
    invoice_total = sum((item.taxable_base + item.vat_amount for item in invoice_breakdown), Decimal("0.00"))
    if amount == invoice_total:
        return invoice_breakdown
    shares = []
    remaining = amount
    for position, item in enumerate(invoice_breakdown):
        if position == len(invoice_breakdown) - 1:
            share = remaining
        else:
            share = (amount * (item.taxable_base + item.vat_amount) / invoice_total).quantize(CENT, rounding=ROUND_HALF_UP)
        remaining -= share
        base = (share * 100 / (100 + item.rate)).quantize(CENT, rounding=ROUND_HALF_UP)
        shares.append(
            VatBreakdown(rate=item.rate, taxable_base=base, vat_amount=share - base, exemption_reason=item.exemption_reason)
        )
    return tuple(shares)


def _single_rate(base: Decimal, vat: Decimal) -> Decimal | None:
    """Return 0 for no VAT, else the one standard French rate whose VAT on ``base`` rounds to ``vat``, else None."""
    if vat == 0:
        return Decimal("0")
    fitting = [rate for rate in FRENCH_RATES if (base * rate / 100).quantize(CENT, rounding=ROUND_HALF_UP) == vat]
    return fitting[0] if len(fitting) == 1 else None


def build_seller(creditor: asyncpg.Record) -> Seller:
    missing = missing_identity_fields(creditor)
    if missing:
        raise SellerIdentityIncomplete(
            f"L’identité légale du créancier « {creditor['id']} » est incomplète "
            f"({', '.join(missing)}) : complétez-la avec « mesfactures accounts set-creditor-identity »"
            " avant d’émettre des documents.",
            missing=missing,
        )
    try:
        return _seller_of(creditor)
    except ValidationError as error:
        # An identity stored before `CreditorIdentity` checked the same types as `Seller`.
        field, sentence = invalid_identity_field(error)
        # The error's type, never pydantic's message, which quotes the value (an IBAN in full).
        log.warning("seller_identity_invalid", creditor_id=creditor["id"], field=field, error_type=error.errors()[0]["type"])
        raise SellerIdentityIncomplete(
            f"Le document ne peut pas être émis : dans l’identité légale du créancier « {creditor['id']} », "
            f"{sentence} Corrigez-la avant d’émettre des documents.",
            field=field,
        ) from None


def _seller_of(creditor: asyncpg.Record) -> Seller:
    return Seller(
        legal_name=creditor["legal_name"],
        address_lines=tuple(creditor["address_lines"]),
        postal_code=creditor["postal_code"],
        city=creditor["city"],
        country=creditor["country"],
        siren=creditor["siren"],
        siret=creditor["siret"],
        vat_number=creditor["vat_number"],
        email=creditor["email"],
        iban=creditor["iban"],
        bic=creditor["bic"],
        payment_terms=creditor["payment_terms"],
        # Stored as typed (the column's default has a straight apostrophe).
        late_payment_penalty_rate=typographic_apostrophes(creditor["penalty_rate"]),
        legal_form=creditor["legal_form"],
        share_capital=creditor["share_capital"],
        rcs_city=creditor["rcs_city"],
    )


async def address_in_force(
    connection: asyncpg.Connection, creditor: str, account: str, document_date: date
) -> asyncpg.Record | None:
    """Fetch the buyer's billing address version that a document dated ``document_date`` prints.

    That is the latest version that occurred at or before the end of that
    day in Europe/Paris. When every version is later (the address was first
    entered after the document), the earliest one is taken, so a later
    change of address does not alter the result. Returns None when the
    account has no version.

    NOTE: the PDF is stored once its date has ended (see `stored_document`),
    so an event that arrives later still, about an address change in force
    by that date, does not reach a document already stored.
    """
    next_midnight = datetime.combine(document_date + timedelta(days=1), time(), tzinfo=PARIS)
    in_force = await connection.fetchrow(
        """SELECT address_lines, postal_code, city, country FROM buyer_address_versions
            WHERE creditor_id = $1 AND account_number = $2 AND occurred_at < $3
            ORDER BY occurred_at DESC, id DESC
            LIMIT 1""",
        creditor,
        account,
        next_midnight,
    )
    if in_force is not None:
        return in_force
    return await connection.fetchrow(
        """SELECT address_lines, postal_code, city, country FROM buyer_address_versions
            WHERE creditor_id = $1 AND account_number = $2
            ORDER BY occurred_at, id
            LIMIT 1""",
        creditor,
        account,
    )


def build_buyer(account: asyncpg.Record, address: asyncpg.Record | None) -> Buyer:
    """Build the buyer from the account's identity and the address version from `address_in_force`."""
    # NOTE: FEC files carry only the customer's label, so the address comes from the
    # history of the agency's billing details (accounts.profile.updated events).
    # A feed document's buyer address is stored per account, not per document, and
    # is printed only while the account has no version. An account with neither
    # gets a PDF stating that the address was not provided.
    source = address if address is not None else account
    return Buyer(
        legal_name=account["legal_name"] or account["label"] or account["account_number"],
        address_lines=tuple(source["address_lines"]) or (UNKNOWN_ADDRESS,),
        postal_code=source["postal_code"] or None,
        city=source["city"] or None,
        country=source["country"],
        siren=account["siren"],
        vat_number=account["vat_number"],
        customer_account=account["account_number"],
    )


def _terms_give_due_date(terms: str | None, document_date: date, due_date: date) -> bool:
    """Return whether the payment terms ``terms`` give ``due_date`` to a document dated ``document_date``."""
    if not terms:
        return False
    try:
        return parse_payment_terms(terms).due_date(document_date) == due_date
    except (InvalidPaymentTerms, ValueError, OverflowError):
        return False


async def build_document(
    connection: asyncpg.Connection, entry: asyncpg.Record, reference: CorrectedInvoice | None = None
) -> DocumentToRender:
    """Build the document of an invoice or credit note entry.

    ``reference`` is the credit note's `corrected_invoice`, looked up here when not given.
    """
    creditor = await connection.fetchrow("SELECT * FROM creditors WHERE id = $1", entry["creditor_id"])
    account = await connection.fetchrow(
        "SELECT * FROM customer_accounts WHERE creditor_id = $1 AND account_number = $2",
        entry["creditor_id"],
        entry["customer_account"],
    )
    address = await address_in_force(
        connection, entry["creditor_id"], entry["customer_account"], entry["document_date"]
    )
    lines = await _document_lines(connection, entry["id"])
    total = entry["debit"] + entry["credit"]
    kind = DocumentKind(entry["kind"])
    if kind is DocumentKind.CREDIT_NOTE and reference is None:
        reference = await corrected_invoice(connection, entry)
    if lines:
        breakdown, net_total, vat_total, total = compute_totals(lines)
    else:
        if entry["source"] == "dispute":
            breakdown, net_total, vat_total = await _credited_vat(connection, entry, reference)
        else:
            breakdown = breakdown_from_ledger(entry)
            # Without a breakdown, the totals before VAT and of VAT are the sums of the entry's revenue and VAT lines.
            net_total, vat_total = entry["net_total"], entry["vat_total"]
        if breakdown is not None:
            net_total = sum((item.taxable_base for item in breakdown), Decimal("0.00"))
            vat_total = sum((item.vat_amount for item in breakdown), Decimal("0.00"))
    if kind is not DocumentKind.CREDIT_NOTE:
        reference = NO_REFERENCE
    due_date = entry["due_date"] if kind is DocumentKind.INVOICE else None
    seller = build_seller(creditor)
    if due_date is not None and not _terms_give_due_date(seller.payment_terms, entry["document_date"], due_date):
        # The creditor's terms changed since the invoice was issued, or its billing system set the due date.
        seller = seller.model_copy(update={"payment_terms": None})
    # The PDF is rendered once and kept, so it states no payment status: the
    # amount still due lives in the statement, which changes with payments.
    return DocumentToRender(
        kind=kind,
        number=entry["document_number"],
        issue_date=entry["document_date"],
        due_date=due_date,
        seller=seller,
        buyer=build_buyer(account, address),
        lines=lines,
        vat_breakdown=breakdown or (),
        vat_rates_unknown=breakdown is None,
        net_total=net_total,
        vat_total=vat_total,
        total=total,
        preceding_invoice_number=reference.number,
        preceding_invoice_date=reference.date,
    )


async def stored_document(
    pool: asyncpg.Pool, creditor: str, account: str, number: str, entry_id: int | None = None
) -> StoredDocument:
    """Return the document's PDF, rendering and storing it on first request once its date has ended.

    The buyer's address printed is the one in force at the end of the
    document's date (see `address_in_force`). Until that day has ended in
    Europe/Paris, an address change may still apply to it, so the PDF is
    rendered for each request and not stored. From the next day on, the
    first rendering is stored and served for good, except for a credit note
    whose corrected invoice is not `settled` (see `corrected_invoice`): it is
    rendered at each request, so that it never keeps a reference that a later
    lettering changes.
    ``entry_id`` picks one of several documents with the same number (see
    `find_document_entry`). Raises DocumentCharacterUnsupported, and stores
    nothing, when a text of the document has a character that the PDF fonts cannot draw.
    """
    async with pool.acquire() as connection:
        entry = await find_document_entry(connection, creditor, account, number, entry_id)
        stored = await connection.fetchrow(
            "SELECT content, sha256, rendered_at FROM document_files WHERE entry_id = $1", entry["id"]
        )
        if stored is not None:
            return _stored_document(stored, entry)
        # Decided before the address is read: a rendering that starts before
        # midnight and ends after it is not stored with the day's last address missing.
        today = paris_today()
        final = entry["document_date"] < today
        reference = NO_REFERENCE
        if entry["kind"] == DocumentKind.CREDIT_NOTE:
            reference = await corrected_invoice(connection, entry)
            # NOTE: a credit note without a settled reference is rendered at each request and
            # never stored, so its PDF changes when a later file letters it differently.
            final = final and reference.settled
        document = await build_document(connection, entry, reference)

    # Rendering takes tens of milliseconds of CPU: keep it off the event loop.
    try:
        content = await asyncio.get_running_loop().run_in_executor(None, render_document, document)
    except UnsupportedCharacterError as error:
        log.warning(
            "document_character_unsupported",
            entry_id=entry["id"],
            field=error.field,
            code_point=f"U+{ord(error.character):04X}",
        )
        raise DocumentCharacterUnsupported(
            f"Le document n° {entry['document_number']} ne peut pas être affiché : son texte contient le"
            f" caractère « {error.character} », que la police des PDF ne sait pas dessiner. Écrivez au service"
            " facturation du créancier depuis « Nous contacter » pour qu’il corrige ce texte.",
            field=error.field,
        ) from None
    digest = hashlib.sha256(content).hexdigest()
    if not final:
        log.info("document_rendered_unstored", entry_id=entry["id"], size=len(content))
        return StoredDocument(
            content,
            digest,
            datetime.now(UTC),
            entry["document_number"],
            entry["id"],
            entry["document_date"],
            final=False,
        )
    async with pool.acquire() as connection:
        # Two concurrent first requests may both render; the first insert wins
        # and both callers serve the stored copy.
        await connection.execute(
            """INSERT INTO document_files (entry_id, content, sha256) VALUES ($1, $2, $3)
               ON CONFLICT (entry_id) DO NOTHING""",
            entry["id"],
            content,
            digest,
        )
        stored = await connection.fetchrow(
            "SELECT content, sha256, rendered_at FROM document_files WHERE entry_id = $1", entry["id"]
        )
    log.info("document_rendered", entry_id=entry["id"], size=len(stored["content"]))
    return _stored_document(stored, entry)


def _stored_document(stored: asyncpg.Record, entry: asyncpg.Record) -> StoredDocument:
    """Build the StoredDocument of a `document_files` row and its entry."""
    return StoredDocument(
        stored["content"],
        stored["sha256"],
        stored["rendered_at"],
        entry["document_number"],
        entry["id"],
        entry["document_date"],
    )
