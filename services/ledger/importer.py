"""FEC import into the ledger database: all or nothing, idempotent.

The whole file is parsed and checked before anything is written; the write
is one transaction, so a bad file changes nothing. A file already imported
for the creditor (same SHA-256) is a no-op. A later file that repeats
entries (an export of the full year after a monthly one) adds only the
entries not seen before and updates the lettering of the others.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass, field
from datetime import datetime

import asyncpg
import structlog

from services.ledger.domain import PARIS, EntryKind, UnknownCreditor, parse_payment_terms
from services.ledger.import_writer import ENTRY_ID_SEQUENCE, line_keys, write_import
from services.ledger.operations import apply_pending_allocations
from services.ledger.events import add_document_issued_events, balance_changed_event
from services.ledger.fec import FecAnalysis, FecError, FecFile, analyse_fec, read_fec
from services.ledger.fec.gc_pause import garbage_collection_paused
from services.ledger.fec.wording import COLON, SEMICOLON, day
from shared.db import run_during
from shared.events.outbox import add_many_to_outbox, copy_to_outbox

log = structlog.get_logger(__name__)

DOCUMENT_KINDS = {EntryKind.INVOICE.value, EntryKind.CREDIT_NOTE.value}

# Files larger than this are parsed in a worker thread, so that the event
# loop keeps sending the stored copy (and serving other requests) meanwhile.
# Smaller ones parse in a few milliseconds, less than the wait for the GIL
# that a thread would add (the interpreter's switch interval is 5 ms).
THREAD_PARSE_BYTES = 1024 * 1024


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
    receipts_matched: int = 0
    """Card payments the ledger had already recorded whose bank receipt the file books; a grouped receipt counts each."""
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
            "receipts_matched": self.receipts_matched,
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
    """Import one FEC file for ``creditor``; raise ``FecError`` for an invalid file.

    Two things run at the same time: the file is stored for audit on a
    connection of its own, and it is parsed, in a worker thread when it is
    large. PostgreSQL compresses and writes the bytes on one core while
    Python parses on the other. If the import fails, the stored file is deleted
    again unless an earlier import references it, so a rejected file leaves
    nothing behind.

    The cycle collector stays paused until the parsed lines are freed (see
    `gc_pause`): an import makes tens of thousands of objects without
    cycles, and a collection in the middle of it examines all of them.
    """
    with garbage_collection_paused():
        return await _import(pool, creditor, data, file_name, encoding, correlation_id)


async def _import(
    pool: asyncpg.Pool,
    creditor: str,
    data: bytes,
    file_name: str,
    encoding: str | None,
    correlation_id: str | None,
) -> ImportSummary:
    digest = hashlib.sha256(data).hexdigest()
    stored = asyncio.create_task(_store_received_file(pool, digest, data))
    try:
        if len(data) > THREAD_PARSE_BYTES:
            fec, analysis = await asyncio.to_thread(_read_and_analyse, data, encoding, file_name)
        else:
            await asyncio.sleep(0)  # lets the store task send its INSERT before parsing blocks the loop
            fec, analysis = _read_and_analyse(data, encoding, file_name)
        await stored
        return await _write(pool, creditor, file_name, data, digest, fec, analysis, correlation_id)
    except BaseException:
        await _forget_received_file(pool, digest, stored)
        raise


def _read_and_analyse(data: bytes, encoding: str | None, file_name: str) -> tuple[FecFile, FecAnalysis]:
    fec = read_fec(data, encoding=encoding, source=file_name)
    return fec, analyse_fec(fec)


async def _store_received_file(pool: asyncpg.Pool | asyncpg.Connection, digest: str, data: bytes) -> None:
    await pool.execute(
        "INSERT INTO received_files (sha256, content) VALUES ($1, $2) ON CONFLICT (sha256) DO NOTHING",
        digest,
        data,
    )


async def _forget_received_file(pool: asyncpg.Pool, digest: str, stored: asyncio.Task) -> None:
    """Delete the stored copy of a file whose import failed, unless an import references it.

    The store is awaited, not cancelled: a cancelled INSERT may still commit
    on the server, and its row would then be left behind.
    """
    try:
        await stored
    except BaseException:  # the store failed too, and the import's own error is reported instead
        return
    try:
        await pool.execute(
            """DELETE FROM received_files
                WHERE sha256 = $1 AND NOT EXISTS (SELECT 1 FROM imports WHERE file_sha256 = $1)""",
            digest,
        )
    except asyncpg.ForeignKeyViolationError:
        pass  # an import of the same file committed in the meantime and references it
    except (OSError, asyncpg.PostgresError) as error:
        log.warning("received_file_not_deleted", file_sha256=digest, error=str(error))


async def _write(
    pool: asyncpg.Pool,
    creditor: str,
    file_name: str,
    data: bytes,
    digest: str,
    fec: FecFile,
    analysis: FecAnalysis,
    correlation_id: str | None,
) -> ImportSummary:
    warnings = list(fec.warnings) + [w for w in analysis.warnings if w not in fec.warnings]
    if fec.line_count == 0:
        warnings.append(
            f"{file_name}{COLON} aucune ligne de données après l’en-tête{SEMICOLON} vérifiez que l’export couvre une"
            " période qui a des écritures"
        )
    customer_lines = [line for line in analysis.customer_lines if line.debit != line.credit]
    labels: dict[str, str] = {}
    for line in customer_lines:
        labels.setdefault(line.customer_account, line.customer_label or "")
    summary = ImportSummary(
        import_id=0,
        creditor=creditor,
        file_name=file_name,
        lines=fec.line_count,
        customer_lines=len(customer_lines),
        customer_accounts=len(labels),
        entries_created=0,
        lettering_updated=0,
        encoding=fec.encoding,
        warnings=warnings,
    )

    async with pool.acquire() as connection, connection.transaction():
        # Imports of one creditor run one at a time behind this row lock.
        creditor_row = await connection.fetchrow(
            "SELECT payment_terms, document_numbers_shared FROM creditors WHERE id = $1 FOR UPDATE", creditor
        )
        if creditor_row is None:
            raise UnknownCreditor(
                f"Créancier « {creditor} » inconnu du grand livre : créez-le d’abord "
                "(mesfactures ledger create-creditor)."
            )
        # A statement of its own, so that its snapshot is taken after the lock:
        # an import of the same file that held the lock is then visible. The
        # keys of the lines depend on the file alone, so Python computes them
        # meanwhile (in vain when the file was already imported).
        inserted, keys = await run_during(
            _insert_import(connection, creditor, file_name, digest, fec, customer_lines, warnings, labels),
            lambda: line_keys(customer_lines),
        )
        if inserted["earlier_id"] is not None:
            summary.import_id = inserted["earlier_id"]
            summary.already_imported = True
            if inserted["earlier_encoding"] != summary.encoding:
                earlier_import = {"id": inserted["earlier_id"], "encoding": inserted["earlier_encoding"]}
                summary.warnings.append(_encoding_kept_warning(file_name, earlier_import, summary.encoding))
                summary.encoding = inserted["earlier_encoding"]
            later_warning = await _later_import_warning(connection, creditor, summary.import_id, file_name)
            if later_warning:
                summary.warnings.append(later_warning)
            return summary
        terms = parse_payment_terms(creditor_row["payment_terms"])
        import_id = inserted["import_id"]
        if import_id is None:
            # A failed import of the same bytes deleted the stored file since it was stored.
            await _store_received_file(connection, digest, data)
            inserted = await _insert_import(
                connection, creditor, file_name, digest, fec, customer_lines, warnings, labels
            )
            import_id = inserted["import_id"]

        written = await write_import(
            connection, creditor, import_id, customer_lines, terms, file_name,
            numbers_shared=creditor_row["document_numbers_shared"], correlation_id=correlation_id,
            precomputed_keys=keys, file_warnings=warnings,
            reserved_ids=inserted["entry_ids"] or [],
        )
        applied = await apply_pending_allocations(connection, creditor, keys.accounts, correlation_id)
        if applied:
            log.info("pending_allocations_applied", creditor=creditor, count=applied)
        warnings.extend(written.warnings)
        if written.created and applied:
            # Pending allocations changed the open amounts of new invoices since
            # `write_import` built their events, so they are built from the stored rows.
            created_ids = [entry.id for entry in written.created]
            await add_document_issued_events(
                connection, creditor, import_id, min(created_ids), max(created_ids), correlation_id=correlation_id
            )
        elif written.issued_events:
            await copy_to_outbox(connection, written.issued_events)
        await add_many_to_outbox(connection, await _balance_events(connection, creditor, written, correlation_id))

    summary.import_id = import_id
    summary.entries_created = len(written.created)
    summary.lettering_updated = written.lettering_updated
    summary.receipts_matched = written.receipts_matched
    log.info("fec_imported", **{k: v for k, v in summary.as_json().items() if k != "warnings"}, warning_count=len(warnings))
    return summary


async def _insert_import(
    connection: asyncpg.Connection,
    creditor: str,
    file_name: str,
    digest: str,
    fec: FecFile,
    customer_lines: list,
    warnings: list[str],
    labels: dict[str, str],
) -> asyncpg.Record:
    """Insert the import and its customer accounts in one statement, unless the creditor imported the same bytes.

    Returns a row of `earlier_id` and `earlier_encoding`, of the creditor's
    earlier import of the same bytes (NULL without one), and `import_id`,
    the new import's id. `import_id` is NULL, and nothing is inserted, when
    there is an earlier import. It is also NULL, with only the customer
    accounts inserted, when the stored file is missing. The stored file's
    row is locked (FOR KEY SHARE) until the transaction ends, so that a
    failed import of the same bytes cannot delete it. The statement also
    takes one entry id per customer line in `entry_ids`, for
    `write_import`. One statement instead of five saves four round trips of
    0.2 to 0.9 ms.

    NOTE: the ids that known lines do not need stay unused, so a file that
    repeats many stored lines leaves as many gaps in the entry ids, and so
    does a rejected file.
    """
    return await connection.fetchrow(
        f"""WITH earlier AS (
               SELECT id, encoding FROM imports WHERE creditor_id = $1 AND file_sha256 = $3
           ), {ENTRY_ID_SEQUENCE}, stored_file AS (
               SELECT sha256 FROM received_files
                WHERE sha256 = $3 AND NOT EXISTS (SELECT FROM earlier)
                  FOR KEY SHARE
           ), new_import AS (
               INSERT INTO imports (creditor_id, file_name, file_sha256, encoding, line_count,
                                    customer_line_count, warnings)
               SELECT $1, $2, sha256, $4, $5, $6, $7 FROM stored_file
               RETURNING id
           ), new_accounts AS (
               INSERT INTO customer_accounts (creditor_id, account_number, label)
               SELECT $1, account_number, label FROM unnest($8::text[], $9::text[]) AS new (account_number, label)
                WHERE NOT EXISTS (SELECT FROM earlier)
               ON CONFLICT (creditor_id, account_number) DO NOTHING
           )
           SELECT (SELECT id FROM earlier) AS earlier_id, (SELECT encoding FROM earlier) AS earlier_encoding,
                  (SELECT id FROM new_import) AS import_id,
                  (SELECT array_agg(nextval(sequence.id)) FROM sequence, generate_series(1, $6)
                    WHERE EXISTS (SELECT FROM new_import)) AS entry_ids""",
        creditor,
        file_name,
        digest,
        fec.encoding,
        fec.line_count,
        len(customer_lines),
        warnings,
        list(labels),
        list(labels.values()),
    )


async def _later_import_warning(
    connection: asyncpg.Connection, creditor: str, earlier_import_id: int, file_name: str
) -> str | None:
    """Return a warning when the creditor has imported other files since the identical earlier import.

    The same file again is a no-op, so the lettering that a later import set
    stays, even where this file letters entries otherwise.
    """
    rows = await connection.fetch(
        """SELECT id, file_name, imported_at FROM imports
            WHERE creditor_id = $1 AND (id = $2 OR id = (SELECT max(id) FROM imports WHERE creditor_id = $1))""",
        creditor,
        earlier_import_id,
    )
    imports = {row["id"]: row for row in rows}
    latest_id = max(imports)
    if latest_id == earlier_import_id:
        return None
    earlier = imports[earlier_import_id]
    latest = imports[latest_id]
    return (
        f"{file_name} est identique à l’import {earlier_import_id} ({earlier['file_name']}, du"
        f" {_paris_date(earlier['imported_at'])}), donc rien n’a été importé. L’import {latest_id}"
        f" ({latest['file_name']}, du {_paris_date(latest['imported_at'])}) est venu après et a pu changer le"
        " lettrage depuis, donc le lettrage de ce fichier n’a pas été appliqué. Pour l’appliquer, exportez de"
        " nouveau le fichier depuis le logiciel comptable et importez ce nouvel export."
    )


def _encoding_kept_warning(file_name: str, earlier_import, requested_encoding: str) -> str:
    """Warn that an identical file was imported earlier in another encoding, which stays in force."""
    return (
        f"{file_name}{COLON} ce fichier est identique à l’import {earlier_import['id']}, lu en"
        f" {earlier_import['encoding']}, donc il n’a pas été relu en {requested_encoding} et rien n’a changé."
        " Un fichier déjà importé n’est pas relu."
    )


def _paris_date(imported_at: datetime) -> str:
    return day(imported_at.astimezone(PARIS).date())


async def _balance_events(connection: asyncpg.Connection, creditor: str, written, correlation_id: str | None) -> list:
    """Balance events for known documents whose balance this file moved."""
    moved_ids = [entry.id for entry in written.moved if entry.kind in DOCUMENT_KINDS]
    if not moved_ids:
        return []
    rows = await connection.fetch(
        """SELECT id, customer_account, kind, document_number, due_date, debit, credit,
                  open_amount, balance_version
             FROM entries WHERE id = ANY($1::bigint[])""",
        moved_ids,
    )
    return [
        balance_changed_event(creditor, row, row["open_amount"], row["balance_version"], correlation_id=correlation_id)
        for row in rows
    ]


__all__ = ["FecError", "ImportSummary", "import_fec"]
