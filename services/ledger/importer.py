"""FEC import into the ledger database: all or nothing, idempotent.

The whole file is parsed and checked before anything is written; the write
is one transaction, so a bad file changes nothing. A file already imported
for the creditor (same SHA-256) is a no-op. A later file that repeats
entries (an export of the full year after a monthly one) adds only the
entries not seen before and updates the lettering of the others.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import asyncpg
import structlog

from services.ledger.domain import EntryKind, UnknownCreditor, parse_payment_terms
from services.ledger.import_writer import write_import
from services.ledger.operations import apply_pending_allocations
from services.ledger.events import balance_changed_event, document_issued_event
from services.ledger.fec import FecError, analyse_fec, read_fec
from shared.events.outbox import add_many_to_outbox

log = structlog.get_logger(__name__)

DOCUMENT_KINDS = {EntryKind.INVOICE.value, EntryKind.CREDIT_NOTE.value}


@dataclass
class ImportSummary:
    """Outcome of an import, as reported to the caller."""

    import_id: int
    creditor: str
    file_name: str
    lines: int
    customer_lines: int
    customer_accounts: int
    entries_created: int
    lettering_updated: int
    already_imported: bool = False
    encoding: str = "utf-8"
    warnings: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "import_id": self.import_id,
            "creditor": self.creditor,
            "file_name": self.file_name,
            "lines": self.lines,
            "customer_lines": self.customer_lines,
            "customer_accounts": self.customer_accounts,
            "entries_created": self.entries_created,
            "lettering_updated": self.lettering_updated,
            "already_imported": self.already_imported,
            "encoding": self.encoding,
            "warnings": self.warnings,
        }


async def import_fec(
    pool: asyncpg.Pool,
    creditor: str,
    data: bytes,
    *,
    file_name: str,
    encoding: str | None = None,
    correlation_id: str | None = None,
) -> ImportSummary:
    """Import one FEC file for ``creditor``; raise ``FecError`` for an invalid file."""
    fec = read_fec(data, encoding=encoding, source=file_name)
    analysis = analyse_fec(fec)
    digest = hashlib.sha256(data).hexdigest()
    warnings = list(fec.warnings) + [w for w in analysis.warnings if w not in fec.warnings]
    customer_lines = [line for line in analysis.customer_lines if line.debit != line.credit]

    async with pool.acquire() as connection, connection.transaction():
        creditor_row = await connection.fetchrow(
            "SELECT id, payment_terms FROM creditors WHERE id = $1 FOR UPDATE", creditor
        )
        if creditor_row is None:
            raise UnknownCreditor(
                f"Créancier « {creditor} » inconnu du grand livre : créez-le d'abord "
                "(mesfactures ledger create-creditor)."
            )
        existing = await connection.fetchrow(
            "SELECT id FROM imports WHERE creditor_id = $1 AND file_sha256 = $2", creditor, digest
        )
        if existing is not None:
            accounts = {line.customer_account for line in customer_lines}
            return ImportSummary(
                import_id=existing["id"],
                creditor=creditor,
                file_name=file_name,
                lines=len(fec.lines),
                customer_lines=len(customer_lines),
                customer_accounts=len(accounts),
                entries_created=0,
                lettering_updated=0,
                already_imported=True,
                encoding=fec.encoding,
                warnings=warnings,
            )
        terms = parse_payment_terms(creditor_row["payment_terms"])

        import_id = await connection.fetchval(
            """INSERT INTO imports (creditor_id, file_name, file_sha256, encoding, line_count,
                                    customer_line_count, warnings)
               VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id""",
            creditor,
            file_name,
            digest,
            fec.encoding,
            len(fec.lines),
            len(customer_lines),
            warnings,
        )
        await connection.execute(
            "INSERT INTO import_files (import_id, content) VALUES ($1, $2)", import_id, data
        )

        labels: dict[str, str] = {}
        for line in customer_lines:
            labels.setdefault(line.customer_account, line.customer_label or "")
        await connection.executemany(
            """INSERT INTO customer_accounts (creditor_id, account_number, label) VALUES ($1, $2, $3)
               ON CONFLICT (creditor_id, account_number) DO NOTHING""",
            [(creditor, account, label) for account, label in labels.items()],
        )

        written = await write_import(connection, creditor, import_id, customer_lines, terms)
        applied = await apply_pending_allocations(connection, creditor, sorted(labels), correlation_id)
        if applied:
            log.info("pending_allocations_applied", creditor=creditor, count=applied)
        await connection.execute(
            "UPDATE imports SET entries_created = $2, lettering_updated = $3 WHERE id = $1",
            import_id,
            len(written.created),
            written.lettering_updated,
        )
        await add_many_to_outbox(connection, await _import_events(connection, creditor, written, correlation_id))
        created = written.created
        lettering_updated = written.lettering_updated

    summary = ImportSummary(
        import_id=import_id,
        creditor=creditor,
        file_name=file_name,
        lines=len(fec.lines),
        customer_lines=len(customer_lines),
        customer_accounts=len(labels),
        entries_created=len(created),
        lettering_updated=lettering_updated,
        encoding=fec.encoding,
        warnings=warnings,
    )
    log.info("fec_imported", **{k: v for k, v in summary.as_json().items() if k != "warnings"}, warning_count=len(warnings))
    return summary


async def _import_events(connection: asyncpg.Connection, creditor: str, written, correlation_id: str | None) -> list:
    """Issued events for new documents, balance events for known documents whose balance moved."""
    events = [
        document_issued_event(creditor, entry, entry.open_amount, correlation_id=correlation_id)
        for entry in written.created
        if entry.kind in DOCUMENT_KINDS
    ]
    moved_ids = [entry.id for entry in written.moved if entry.kind in DOCUMENT_KINDS]
    if moved_ids:
        rows = await connection.fetch(
            """SELECT id, customer_account, kind, document_number, due_date, debit, credit,
                      open_amount, balance_version
                 FROM entries WHERE id = ANY($1::bigint[])""",
            moved_ids,
        )
        events.extend(
            balance_changed_event(
                creditor, row, row["open_amount"], row["balance_version"], correlation_id=correlation_id
            )
            for row in rows
        )
    return events


__all__ = ["FecError", "ImportSummary", "import_fec"]
