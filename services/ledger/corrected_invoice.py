"""Find the invoice that a credit note corrects, only where the ledger states it.

A French credit note must name the invoice it corrects, and a wrong name is
worse than none, because the buyer's accounting then credits the wrong
invoice. So the reference comes from, in this order:

1. the credit note's own reference (`entries.preceding_document`), which the
   feed and disputes set;
2. one invoice number of the same customer written in the FEC line's
   EcritureLib (`entries.label`) or PieceRef (the credit note's number),
   ignoring white space and case, such as « Avoir AV2026-000001 sur
   FA2026-000015 »;
3. the lettering group of the credit note, when it contains exactly one
   invoice.

Allocations are not used: they apply a credit to the oldest invoice of its
group, which need not be the invoice it corrects.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import asyncpg

from services.ledger.domain import search_key

_ALPHANUMERIC = "0-9A-Za-z"


@dataclass(frozen=True, slots=True)
class CorrectedInvoice:
    """Number and date of the invoice that a credit note corrects, and where they come from."""

    number: str | None
    date: date | None
    settled: bool
    """True when the reference comes from the credit note's own data, which no later lettering changes.

    A reference from the lettering group, or no reference at all, may still
    change when a later FEC file letters the entries differently, so a PDF
    that prints it must not be stored for good.
    """


NO_REFERENCE = CorrectedInvoice(number=None, date=None, settled=False)


async def corrected_invoice(connection: asyncpg.Connection, credit_note: asyncpg.Record) -> CorrectedInvoice:
    """Return the invoice that ``credit_note`` corrects, following the rules of the module docstring."""
    if credit_note["preceding_document"]:
        number = credit_note["preceding_document"]
        return CorrectedInvoice(number, await _invoice_date(connection, credit_note, number), settled=True)

    named = await _invoice_named_in_text(connection, credit_note)
    if named is not None:
        return CorrectedInvoice(named, await _invoice_date(connection, credit_note, named), settled=True)

    lettered = await _single_invoice_of_lettering(connection, credit_note)
    if lettered is not None:
        return CorrectedInvoice(lettered["document_number"], lettered["document_date"], settled=False)
    return NO_REFERENCE


async def _invoice_date(connection: asyncpg.Connection, credit_note: asyncpg.Record, number: str) -> date | None:
    """Return the date of invoice ``number`` of the credit note's customer, when exactly one such invoice precedes it."""
    dates = await connection.fetch(
        """SELECT document_date FROM entries
            WHERE creditor_id = $1 AND customer_account = $2 AND kind = 'invoice' AND search_key = $3
              AND document_date <= $4""",
        credit_note["creditor_id"],
        credit_note["customer_account"],
        search_key(number),
        credit_note["document_date"],
    )
    return dates[0]["document_date"] if len(dates) == 1 else None


async def _invoice_named_in_text(connection: asyncpg.Connection, credit_note: asyncpg.Record) -> str | None:
    """Return the one invoice number of the customer that the credit note's label or number contains, else None.

    Only invoices dated on or before the credit note count. A number equal to
    the credit note's own is skipped, because some software gives every
    document of a journal and month the same PieceRef.
    """
    texts = [credit_note["label"] or "", credit_note["document_number"] or ""]
    compact_text = search_key(" ".join(texts))
    own_key = search_key(credit_note["document_number"] or "")
    invoices = await connection.fetch(
        """SELECT DISTINCT ON (search_key) search_key, document_number FROM entries
            WHERE creditor_id = $1 AND customer_account = $2 AND kind = 'invoice' AND document_date <= $3
              AND search_key <> '' AND search_key <> $4
            ORDER BY search_key, document_date DESC, id DESC""",
        credit_note["creditor_id"],
        credit_note["customer_account"],
        credit_note["document_date"],
        own_key,
    )
    found = [
        invoice["document_number"]
        for invoice in invoices
        if invoice["search_key"] in compact_text
        and any(_number_pattern(invoice["search_key"]).search(text) for text in texts)
    ]
    return found[0] if len(found) == 1 else None


def _number_pattern(key: str) -> re.Pattern[str]:
    """Match the number whose search key is ``key`` with any white space inside, as a whole word.

    « FA 1 » does not match inside « FA 15 » or « XFA1 ».
    """
    body = r"\s*".join(re.escape(character) for character in key)
    return re.compile(rf"(?<![{_ALPHANUMERIC}]){body}(?![{_ALPHANUMERIC}])", re.IGNORECASE)


async def _single_invoice_of_lettering(
    connection: asyncpg.Connection, credit_note: asyncpg.Record
) -> asyncpg.Record | None:
    """Return the invoice of the credit note's lettering group when the group contains exactly one, else None.

    A group of several invoices shows only that the credit note and payments
    settle them together, not which invoice the credit note corrects.
    """
    if credit_note["lettering"] is None:
        return None
    invoices = await connection.fetch(
        """SELECT document_number, document_date FROM entries
            WHERE creditor_id = $1 AND customer_account = $2 AND kind = 'invoice'
              AND lettering_scope IS NOT DISTINCT FROM $3 AND lettering = $4""",
        credit_note["creditor_id"],
        credit_note["customer_account"],
        credit_note["lettering_scope"],
        credit_note["lettering"],
    )
    if len(invoices) != 1 or invoices[0]["document_date"] > credit_note["document_date"]:
        return None
    return invoices[0]
