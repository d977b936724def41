"""Invoice numbers that an agency names in a message, checked against its own statement.

The portal form and the JSON API both send messages to the creditor's
services, so both check here that each number is a document of the
account, and send it as the ledger writes it.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from gateway.clients import LEDGER
from shared.errors import NotFound
from shared.typography import format_count
from shared.validation_messages import shown_value


# The accounts service's limits on a message's numbers; numbers beyond them
# go to it unchecked, so that it names the rule they break.
MAX_INVOICE_NUMBERS = 20
MAX_INVOICE_NUMBER_LENGTH = 40


def checkable_numbers(numbers: object) -> bool:
    """Return whether ``numbers`` is a list that the accounts service's rules may accept, so worth looking up.

    Each number is judged stripped, as the accounts service judges it.
    Otherwise a number padded with a line feed or a no-break space would
    reach the creditor's service without being looked up.
    """
    return (
        isinstance(numbers, list)
        and 0 < len(numbers) <= MAX_INVOICE_NUMBERS
        and all(
            isinstance(number, str) and number.strip() and len(number.strip()) <= MAX_INVOICE_NUMBER_LENGTH
            and number.strip().isprintable()
            for number in numbers
        )
    )


def limit_error_message(numbers: list[str]) -> str | None:
    """Return the French message on the first of the accounts service's limits that ``numbers`` exceed, or None.

    The portal form sends one text field, so the length message requests
    commas: a number over the limit is often several numbers or a sentence.
    """
    if len(numbers) > MAX_INVOICE_NUMBERS:
        excess = len(numbers) - MAX_INVOICE_NUMBERS
        return (
            f"Indiquez au plus {MAX_INVOICE_NUMBERS}\u00a0numéros de facture ({format_count(len(numbers))}\u00a0saisis)\u00a0: "
            f"retirez-en {format_count(excess)}, ou citez les autres dans le message."
        )
    for number in numbers:
        if len(number) > MAX_INVOICE_NUMBER_LENGTH:
            return (
                f"Le numéro de facture {shown_value(number)} dépasse {MAX_INVOICE_NUMBER_LENGTH}\u00a0caractères "
                f"({format_count(len(number))}\u00a0saisis)\u00a0: séparez les numéros par des virgules, "
                "par exemple «\u00a0FA2026-000019, FA2026-000022\u00a0»."
            )
    return None


def search_text(number: str) -> str:
    """Return a document number's ASCII letters and digits in upper case, as the ledger's search compares it."""
    return "".join(character for character in number if character.isascii() and character.isalnum()).upper()


def unknown_numbers_message(unknown: list[str]) -> str:
    """Return the French message for numbers that the account's statement does not have."""
    return (
        f"Introuvable sur votre état de compte chez ce créancier\u00a0: {', '.join(unknown)}. "
        "Vérifiez le numéro, ou laissez-le de côté."
    )


async def documents_of_account(
    request: web.Request, session, creditor: str, numbers: list[str]
) -> tuple[list[str], list[str]]:
    """Return the numbers as the ledger writes them, and those the account's statement does not have.

    Each number is looked up in the statement's « all » view, since any date,
    ignoring spaces, punctuation and case, so « fa2026 000022 » becomes
    « FA2026-000022 » in the message that the creditor's service reads.
    ``session`` is the SessionInfo of the agency user.
    """
    if not numbers:
        return [], []
    ledger = request.app[LEDGER]
    filters = {"view": "all", "date_from": "2000-01-01", "page_size": "200"}
    statements = await asyncio.gather(
        *(ledger.statement(session, creditor, {**filters, "number": number}) for number in numbers),
        return_exceptions=True,
    )
    found, unknown = [], []
    for number, statement in zip(numbers, statements):
        if isinstance(statement, NotFound):
            # The ledger has no entry for the account yet, so it has none of these documents.
            statement = {"rows": []}
        elif isinstance(statement, BaseException):
            raise statement
        searched = search_text(number)
        matches = [row["document_number"] for row in statement["rows"] if search_text(row["document_number"]) == searched]
        if matches:
            found.append(matches[0])
        else:
            unknown.append(number)
    return found, unknown
