"""FEC import into the ledger database: all or nothing, idempotent.

The whole file is parsed and checked before anything is written; the write
is one transaction, so a bad file changes nothing. A file already imported
for the creditor (same SHA-256) is a no-op. A later file that repeats
entries (an export of the full year after a monthly one) adds only the
entries not seen before and updates the lettering of the others.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import asyncpg
import structlog

from services.ledger.allocation import rebuild_import_allocations
from services.ledger.domain import EntryKind, PaymentTerms, UnknownCreditor, parse_payment_terms, search_key
from services.ledger.allocation import BalanceChange
from services.ledger.operations import apply_pending_allocations
from services.ledger.events import balance_changed_event, document_issued_event
from services.ledger.fec import FecError, analyse_fec, read_fec
from shared.events.outbox import add_many_to_outbox

log = structlog.get_logger(__name__)

DEBIT_KINDS_WITH_DUE_DATE = {EntryKind.INVOICE}
DOCUMENT_KINDS = {EntryKind.INVOICE.value, EntryKind.CREDIT_NOTE.value}


@dataclass
class ImportSummary:
    """What an import did, as reported to the caller."""

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


def _source_keys(customer_lines) -> list[str]:
    """Stable identity of each customer line across files of the same creditor.

    Entry numbers are not always unique (some files reuse them), so the key
    combines journal, number, date, piece, account and amounts, plus an
    occurrence counter for lines identical in all of these.
    """
    seen: Counter[str] = Counter()
    keys = []
    for line in customer_lines:
        fec_line = line.line
        base = "|".join(
            (
                "fec",
                fec_line.journal_code,
                fec_line.entry_number,
                fec_line.entry_date.isoformat(),
                fec_line.piece_ref,
                line.customer_account,
                str(line.debit),
                str(line.credit),
            )
        )
        seen[base] += 1
        keys.append(f"{base}|{seen[base]}")
    return keys


def _due_date(kind: EntryKind, document_date: date, terms: PaymentTerms) -> date | None:
    if kind in DEBIT_KINDS_WITH_DUE_DATE:
        return terms.due_date(document_date)
    return None


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

        created, lettering_updated = await _upsert_entries(
            connection, creditor, import_id, customer_lines, terms
        )
        changes = await rebuild_import_allocations(connection, creditor, sorted(labels))
        applied = await apply_pending_allocations(connection, creditor, sorted(labels), correlation_id)
        if applied:
            log.info("pending_allocations_applied", creditor=creditor, count=applied)
        await connection.execute(
            "UPDATE imports SET entries_created = $2, lettering_updated = $3 WHERE id = $1",
            import_id,
            len(created),
            lettering_updated,
        )
        await add_many_to_outbox(
            connection, await _import_events(connection, creditor, created, changes, correlation_id)
        )

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


async def _upsert_entries(connection, creditor, import_id, customer_lines, terms):
    """Insert new entries and update the lettering of known ones; return (created rows, updated count)."""
    keys = _source_keys(customer_lines)
    records = []
    for key, line in zip(keys, customer_lines):
        net = line.debit - line.credit
        debit = net if net > 0 else Decimal("0.00")
        credit = -net if net < 0 else Decimal("0.00")
        kind = EntryKind(line.kind)
        breakdown = None
        if line.vat_breakdown:
            breakdown = [
                {
                    "rate": None if item.rate is None else str(item.rate),
                    "base": str(item.base),
                    "vat": str(item.vat),
                }
                for item in line.vat_breakdown
            ]
        records.append(
            (
                creditor,
                line.customer_account,
                kind.value,
                line.document_number,
                search_key(line.document_number),
                line.document_date,
                _due_date(kind, line.document_date, terms),
                line.line.label,
                debit,
                credit,
                debit + credit,
                line.lettering,
                line.lettering_date,
                line.net_total,
                line.vat_total,
                _json_text(breakdown),
                "fec",
                key,
                import_id,
            )
        )

    await connection.execute(
        """CREATE TEMPORARY TABLE incoming_entries
               (LIKE entries INCLUDING DEFAULTS) ON COMMIT DROP"""
    )
    await connection.execute("ALTER TABLE incoming_entries ALTER COLUMN vat_breakdown TYPE text")
    await connection.copy_records_to_table(
        "incoming_entries",
        records=records,
        columns=[
            "creditor_id", "customer_account", "kind", "document_number", "search_key", "document_date",
            "due_date", "label", "debit", "credit", "open_amount", "lettering", "lettering_date",
            "net_total", "vat_total", "vat_breakdown", "source", "source_key", "import_id",
        ],
    )
    created = await connection.fetch(
        """INSERT INTO entries (creditor_id, customer_account, kind, document_number, search_key,
                               document_date, due_date, label, debit, credit, open_amount, lettering,
                               lettering_date, net_total, vat_total, vat_breakdown, source, source_key,
                               import_id, lettering_scope)
           SELECT creditor_id, customer_account, kind, document_number, search_key, document_date,
                  due_date, label, debit, credit, open_amount, lettering, lettering_date, net_total,
                  vat_total, vat_breakdown::jsonb, source, source_key, import_id,
                  CASE WHEN lettering IS NULL THEN NULL ELSE 'import:' || import_id END
             FROM incoming_entries
           ON CONFLICT (creditor_id, source_key) DO NOTHING
           RETURNING id, customer_account, kind, document_number, document_date, due_date,
                     debit, credit, net_total, vat_total"""
    )
    # A file that repeats known entries re-scopes their lettering to itself,
    # so a full-year export after a monthly one letters them together, while
    # the same code in the file of another year stays a separate group.
    updated = await connection.fetchval(
        """WITH known AS (
               SELECT e.id, e.lettering AS old_lettering, i.lettering, i.lettering_date, i.import_id
                 FROM entries AS e
                 JOIN incoming_entries AS i
                   ON e.creditor_id = i.creditor_id AND e.source_key = i.source_key
                WHERE e.import_id <> i.import_id AND e.source = 'fec'),
           changed AS (
               UPDATE entries AS e
                  SET lettering = known.lettering,
                      lettering_date = known.lettering_date,
                      lettering_scope = CASE WHEN known.lettering IS NULL THEN NULL
                                             ELSE 'import:' || known.import_id END
                 FROM known
                WHERE e.id = known.id
               RETURNING known.old_lettering IS DISTINCT FROM known.lettering AS lettering_changed)
           SELECT count(*) FILTER (WHERE lettering_changed) FROM changed"""
    )
    return created, updated


async def _import_events(
    connection: asyncpg.Connection,
    creditor: str,
    created: list[asyncpg.Record],
    changes: list[BalanceChange],
    correlation_id: str | None,
) -> list:
    """Issued events for new documents, balance events for known documents whose balance moved."""
    open_after = {change.entry_id: change.after for change in changes}
    created_ids = {row["id"] for row in created}
    events = [
        document_issued_event(
            creditor, row, open_after.get(row["id"], row["debit"] + row["credit"]), correlation_id=correlation_id
        )
        for row in created
        if row["kind"] in DOCUMENT_KINDS
    ]
    moved_ids = [
        change.entry_id
        for change in changes
        if change.entry_id not in created_ids and change.kind in DOCUMENT_KINDS
    ]
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


def _json_text(value: object) -> str | None:
    if value is None:
        return None
    return json.dumps(value)


__all__ = ["FecError", "ImportSummary", "import_fec"]
