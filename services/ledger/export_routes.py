"""HTTP route of the statement as a PDF « Relevé de compte »."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from functools import partial

import structlog
from aiohttp import web

from services.ledger.domain import AccountNotFound, LedgerError, paris_today
from services.ledger.documents.format import format_number
from services.ledger.statement import MAX_EXPORT_ROWS, StatementFilter, creditor_exists, fetch_all_rows
from services.ledger.statement_pdf import describe_filter, render_statement_pdf, statement_totals
from shared.errors import Unprocessable
from shared.web import POOL, principal_of

log = structlog.get_logger(__name__)

# About 120 pages. One measurement with fpdf2 2.8.9 on a 2-core machine rendered 5 000 one-line
# rows in about 4 s, within the gateway's default 10 s per service call (MF_SERVICE_TIMEOUT_SECONDS).
# A longer statement is better read as CSV.
MAX_PDF_ROWS = 5_000


class StatementTooLong(LedgerError, Unprocessable):
    code = "statement_too_long"


async def get_statement_pdf(request: web.Request) -> web.Response:
    """Serve the filtered statement of the principal's own account as a PDF, rendered on each request."""
    creditor = request.match_info["creditor"]
    account = principal_of(request).account_at(creditor)
    statement_filter = StatementFilter.from_query(dict(request.query))
    today = paris_today()
    async with request.app[POOL].acquire() as connection:
        # The same 404 as the JSON statement, so foreign creditors and accounts cannot be probed.
        if account is None or not await creditor_exists(connection, creditor):
            raise AccountNotFound("Aucun compte client n’est rattaché à ce créancier pour votre agence.")
        rows = await fetch_all_rows(connection, creditor, account, statement_filter, today=today)
        names = await connection.fetchrow(
            """SELECT creditors.name AS creditor_name,
                      coalesce(nullif(accounts.legal_name, ''), accounts.label) AS customer_name
                 FROM creditors
                 LEFT JOIN customer_accounts AS accounts
                   ON accounts.creditor_id = creditors.id AND accounts.account_number = $2
                WHERE creditors.id = $1""",
            creditor,
            account,
        )
    if len(rows) > MAX_PDF_ROWS:
        # fetch_all_rows stops at MAX_EXPORT_ROWS, so that count means "at least".
        count = ("au moins " if len(rows) >= MAX_EXPORT_ROWS else "") + format_number(Decimal(len(rows)))
        raise StatementTooLong(
            f"Le relevé compte {count} écritures alors qu’un relevé PDF en contient au plus "
            f"{format_number(Decimal(MAX_PDF_ROWS))} : réduisez la période ou exportez-le en CSV.",
            rows=len(rows),
            max_rows=MAX_PDF_ROWS,
        )

    render = partial(
        render_statement_pdf,
        names["creditor_name"] or creditor,
        account,
        rows,
        statement_totals(rows),
        describe_filter(statement_filter, today),
        today,
        customer_name=(names["customer_name"] or "").strip() or None,
    )
    # A long statement costs seconds of CPU, so it renders in the default thread pool, off the event loop.
    content = await asyncio.get_running_loop().run_in_executor(None, render)
    log.info("statement_pdf_rendered", creditor=creditor, rows=len(rows), size=len(content))
    file_name = f"releve-{_file_name_part(creditor)}-{_file_name_part(account)}.pdf"
    return web.Response(
        body=content,
        content_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{file_name}"',
            # The statement changes with every payment and import, so no cache may keep it.
            "Cache-Control": "no-store",
        },
    )


def _file_name_part(text: str) -> str:
    """Keep ASCII letters, digits, « - » and « _ » so the name is safe in a quoted header value."""
    return "".join(
        character if character.isascii() and (character.isalnum() or character in "-_") else "_"
        for character in text
    )


def setup_export_routes(app: web.Application) -> None:
    app.router.add_get("/creditors/{creditor}/statement.pdf", get_statement_pdf)
