"""The ledger's reference rules, checked per statement instead of by foreign keys."""

from __future__ import annotations

import asyncpg
import pytest

from services.ledger.importer import import_fec
from tests.conftest import fixture_path
from tests.ledger.test_import import FILE_PIPE, new_creditor

ENTRY = """INSERT INTO entries (creditor_id, customer_account, kind, document_number, search_key, document_date,
                                debit, credit, open_amount, source, source_key, import_id)
           VALUES ($1, $2, 'invoice', 'FA1', 'FA1', '2026-07-01', 10, 0, 10, 'test', $3, $4)"""


async def imported_creditor(pool) -> tuple[str, int]:
    creditor = await new_creditor(pool)
    summary = await import_fec(
        pool, creditor, fixture_path(*FILE_PIPE).read_bytes(), file_name=FILE_PIPE[1], encoding="cp1252"
    )
    return creditor, summary.import_id


async def test_entry_of_unknown_account_rejected(ledger_pool):
    creditor, import_id = await imported_creditor(ledger_pool)

    with pytest.raises(asyncpg.ForeignKeyViolationError, match="customer account NOPE of creditor"):
        await ledger_pool.execute(ENTRY, creditor, "NOPE", "test|unknown-account", import_id)


async def test_entry_of_unknown_import_rejected(ledger_pool):
    creditor, _ = await imported_creditor(ledger_pool)
    account = await ledger_pool.fetchval(
        "SELECT account_number FROM customer_accounts WHERE creditor_id = $1 LIMIT 1", creditor
    )

    with pytest.raises(asyncpg.ForeignKeyViolationError, match="refers to import -1"):
        await ledger_pool.execute(ENTRY, creditor, account, "test|unknown-import", -1)


async def test_one_orphan_rejects_statement(ledger_pool):
    creditor, import_id = await imported_creditor(ledger_pool)
    account = await ledger_pool.fetchval(
        "SELECT account_number FROM customer_accounts WHERE creditor_id = $1 LIMIT 1", creditor
    )
    before = await ledger_pool.fetchval("SELECT count(*) FROM entries WHERE creditor_id = $1", creditor)

    with pytest.raises(asyncpg.ForeignKeyViolationError):
        await ledger_pool.execute(
            """INSERT INTO entries (creditor_id, customer_account, kind, document_number, search_key, document_date,
                                    debit, credit, open_amount, source, source_key, import_id)
               SELECT $1, account, 'invoice', 'FA1', 'FA1', '2026-07-01', 10, 0, 10, 'test', 'test|' || account, $3
                 FROM unnest($2::text[]) AS account""",
            creditor,
            [account, "NOPE"],
            import_id,
        )

    after = await ledger_pool.fetchval("SELECT count(*) FROM entries WHERE creditor_id = $1", creditor)
    assert after == before


async def test_allocation_of_unknown_entry_rejected(ledger_pool):
    creditor, _ = await imported_creditor(ledger_pool)
    entry = await ledger_pool.fetchrow(
        "SELECT id, customer_account FROM entries WHERE creditor_id = $1 AND debit > 0 LIMIT 1", creditor
    )

    with pytest.raises(asyncpg.ForeignKeyViolationError, match="refers to entry -5"):
        await ledger_pool.execute(
            """INSERT INTO allocations (creditor_id, customer_account, debit_entry_id, credit_entry_id, amount, origin)
               VALUES ($1, $2, $3, -5, 1, 'ledger')""",
            creditor,
            entry["customer_account"],
            entry["id"],
        )


async def test_entry_cannot_change_account(ledger_pool):
    creditor, _ = await imported_creditor(ledger_pool)
    entry_id = await ledger_pool.fetchval("SELECT id FROM entries WHERE creditor_id = $1 LIMIT 1", creditor)

    with pytest.raises(asyncpg.RestrictViolationError, match="cannot move to another account"):
        await ledger_pool.execute("UPDATE entries SET customer_account = 'OTHER' WHERE id = $1", entry_id)


async def test_allocation_cannot_change_entries(ledger_pool):
    creditor, _ = await imported_creditor(ledger_pool)
    allocation_id = await ledger_pool.fetchval(
        "SELECT id FROM allocations WHERE creditor_id = $1 LIMIT 1", creditor
    )

    with pytest.raises(asyncpg.RestrictViolationError, match="cannot change its entries"):
        await ledger_pool.execute(
            "UPDATE allocations SET credit_entry_id = debit_entry_id WHERE id = $1", allocation_id
        )


@pytest.mark.parametrize("table", ["entries", "customer_accounts", "imports"])
async def test_referenced_rows_are_never_deleted(ledger_pool, table):
    creditor, _ = await imported_creditor(ledger_pool)

    with pytest.raises(asyncpg.RestrictViolationError, match=f"rows of {table} are never deleted"):
        await ledger_pool.execute(f"DELETE FROM {table} WHERE creditor_id = $1", creditor)
    with pytest.raises(asyncpg.RestrictViolationError, match=f"rows of {table} are never deleted"):
        await ledger_pool.execute(f"TRUNCATE {table} CASCADE")


async def test_allocation_of_unknown_debit_entry_rejected(ledger_pool):
    creditor, _ = await imported_creditor(ledger_pool)
    entry = await ledger_pool.fetchrow(
        "SELECT id, customer_account FROM entries WHERE creditor_id = $1 AND credit > 0 LIMIT 1", creditor
    )

    with pytest.raises(asyncpg.ForeignKeyViolationError, match="refers to entry -6,"):
        await ledger_pool.execute(
            """INSERT INTO allocations (creditor_id, customer_account, debit_entry_id, credit_entry_id, amount, origin)
               VALUES ($1, $2, -6, $3, 1, 'ledger')""",
            creditor,
            entry["customer_account"],
            entry["id"],
        )


MANY_ENTRIES = """INSERT INTO entries (creditor_id, customer_account, kind, document_number, search_key, document_date,
                                       debit, credit, open_amount, source, source_key, import_id)
                  SELECT $1, account, 'invoice', 'FA1', 'FA1', '2026-07-01', 10, 0, 10, 'test',
                         'test|' || account || '|' || coalesce(import_id::text, '') || '|' || n, import_id
                    FROM unnest($2::text[], $3::bigint[]) WITH ORDINALITY AS t(account, import_id, n)"""


async def test_orphan_import_named_among_valid_groups(ledger_pool):
    creditor, import_id = await imported_creditor(ledger_pool)
    accounts = await ledger_pool.fetch(
        "SELECT account_number FROM customer_accounts WHERE creditor_id = $1 ORDER BY 1 LIMIT 2", creditor
    )
    first, second = (record["account_number"] for record in accounts)

    with pytest.raises(asyncpg.ForeignKeyViolationError, match="refers to import -3,"):
        await ledger_pool.execute(
            MANY_ENTRIES, creditor, [first, first, second, second, first], [import_id, import_id, None, -3, None]
        )


async def test_entries_of_several_groups_accepted(ledger_pool):
    creditor, import_id = await imported_creditor(ledger_pool)
    accounts = await ledger_pool.fetch(
        "SELECT account_number FROM customer_accounts WHERE creditor_id = $1 ORDER BY 1 LIMIT 2", creditor
    )
    first, second = (record["account_number"] for record in accounts)
    before = await ledger_pool.fetchval("SELECT count(*) FROM entries WHERE creditor_id = $1", creditor)

    await ledger_pool.execute(
        MANY_ENTRIES, creditor, [first, first, second, second, first], [import_id, import_id, None, import_id, None]
    )

    after = await ledger_pool.fetchval("SELECT count(*) FROM entries WHERE creditor_id = $1", creditor)
    assert after == before + 5
