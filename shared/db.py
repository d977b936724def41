"""PostgreSQL pool lifecycle and forward-only SQL migrations."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TypeVar

import asyncpg
import structlog

log = structlog.get_logger(__name__)

SHARED_SQL = Path(__file__).parent / "sql"

# Any constant works as long as every migrating process uses the same one.
MIGRATION_LOCK_ID = 0x4D46_4D49  # "MFMI"

T = TypeVar("T")
W = TypeVar("W")


async def _init_connection(connection: asyncpg.Connection) -> None:
    # jsonb columns round-trip as Python objects rather than strings. The binary
    # format (a version byte, then the JSON text) also serves COPY, which is binary.
    await connection.set_type_codec(
        "jsonb",
        encoder=_encode_jsonb,
        decoder=_decode_jsonb,
        schema="pg_catalog",
        format="binary",
    )


JSONB_VERSION = b"\x01"


class EncodedJson(bytes):
    """JSON text already encoded in UTF-8, which the jsonb codec sends as it is.

    A bulk writer that stores one value in many rows encodes it once this
    way: encoding the same list again for each row of a COPY took a third of
    the COPY's time. PostgreSQL still parses the text, so invalid JSON is
    refused there.
    """

    __slots__ = ()


def _encode_jsonb(value: object) -> bytes:
    if type(value) is EncodedJson:
        return JSONB_VERSION + value
    return JSONB_VERSION + json.dumps(value, separators=(",", ":")).encode()


def _decode_jsonb(data: bytes) -> object:
    return json.loads(data[1:])


# COPY's text format: fields separated by tabs, rows ended by a newline, NULL
# written \N, and a backslash, tab, newline or carriage return in a value
# escaped with a backslash (PostgreSQL manual, COPY, "Text Format").
COPY_NULL = "\\N"

# Rows per CopyData message of `copy_text_rows`: small enough that PostgreSQL
# starts inserting while Python encodes the rest, large enough that the
# per-message cost stays small (an estimate: 128 entry rows are about 30 kB).
COPY_ROWS_PER_MESSAGE = 128


def copy_text(value: str) -> str:
    """Return `value` escaped as a field of COPY's text format."""
    # Four scans in C cost less than a regular expression or str.translate,
    # which looks each character up in a table.
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        # Backslashes first, so that the escapes added after keep theirs.
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return value


async def copy_text_rows(
    connection: asyncpg.Connection, table: str, columns: Sequence[str], rows: Iterable[str]
) -> str:
    """COPY `rows` into `table` in the text format, and return the command status.

    Each row is one line of COPY text ending with a newline, with its fields
    already escaped (see `copy_text`). `rows` may be a generator that
    encodes each row when asked: rows go to the server in messages of
    COPY_ROWS_PER_MESSAGE as they are encoded, so PostgreSQL inserts the
    first rows while Python encodes the next ones.

    Text is cheaper to build in Python than asyncpg's binary records. A
    binary COPY of 538 ledger entries of 21 columns into a table without
    indexes took 11 ms. Building the same rows as text took 3 ms, and their
    text COPY 4 ms (2 cores, AMD EPYC, 2026-12-05). PostgreSQL parses each
    field with its type's input function, as for any text input.
    """

    async def messages() -> AsyncIterator[bytes]:
        batch: list[str] = []
        for row in rows:
            batch.append(row)
            if len(batch) == COPY_ROWS_PER_MESSAGE:
                yield "".join(batch).encode()
                batch.clear()
        if batch:
            yield "".join(batch).encode()

    return await connection.copy_to_table(table, source=messages(), columns=list(columns), format="text")


async def run_during(statement: Awaitable[T], work: Callable[[], W]) -> tuple[T, W]:
    """Run `statement` on its connection while Python runs `work`, and return both results.

    PostgreSQL and Python are separate processes, so with a free core the
    server executes the statement while `work` runs. The statement starts as
    a task, and the event loop runs it once, which sends it, before `work`
    blocks the loop. `work` must not use the statement's connection, because
    asyncpg allows one operation at a time on a connection.

    When `work` raises, the statement is still awaited before the error
    propagates, so that the caller's transaction can roll back on a
    connection that is no longer busy.
    """
    task = asyncio.ensure_future(statement)
    try:
        await asyncio.sleep(0)
        result = work()
    except BaseException:
        await asyncio.wait([task])
        if not task.cancelled():
            task.exception()  # the error of `work` is the one reported
        raise
    return await task, result


async def create_pool(dsn: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    """Create a pool whose connections decode jsonb to Python objects."""
    return await asyncpg.create_pool(dsn, min_size=min_size, max_size=max_size, init=_init_connection)


@asynccontextmanager
async def open_pool(dsn: str, *, min_size: int = 1, max_size: int = 10) -> AsyncIterator[asyncpg.Pool]:
    """Open a pool for the lifetime of the context and close it afterwards."""
    pool = await create_pool(dsn, min_size=min_size, max_size=max_size)
    try:
        yield pool
    finally:
        await close_pool(pool)


# Pool.close() waits until every connection is released, with no limit.
POOL_CLOSE_TIMEOUT_SECONDS = 15.0


async def close_pool(pool: asyncpg.Pool, timeout_seconds: float = POOL_CLOSE_TIMEOUT_SECONDS) -> None:
    """Close the pool, or terminate its connections when one is still in use after `timeout_seconds`.

    A task stuck with a connection (see OutboxRelay.stop) would otherwise
    keep the process from stopping. Terminating rolls back what that
    connection had not committed.
    """
    try:
        await asyncio.wait_for(pool.close(), timeout_seconds)
    except TimeoutError:
        log.error("pool_close_timed_out", waited_seconds=timeout_seconds)
        pool.terminate()


def migration_files(folders: Sequence[Path]) -> list[tuple[str, Path]]:
    """List ``(name, path)`` of every ``.sql`` file, folder by folder, sorted by name."""
    files = []
    for folder in folders:
        for path in sorted(folder.glob("*.sql")):
            files.append((f"{folder.parent.name}/{folder.name}/{path.name}", path))
    return files


async def migrate(dsn: str, folders: Sequence[Path]) -> list[str]:
    """Apply the migrations not yet applied, each in its own transaction.

    A session advisory lock serialises concurrent migrators (several replicas
    starting together). An applied file whose content changed is an error:
    migrations are forward-only, so a fix is a new file.
    """
    applied_now: list[str] = []
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_ID)
        await connection.execute(
            """CREATE TABLE IF NOT EXISTS schema_migrations (
                   name text PRIMARY KEY,
                   checksum text NOT NULL,
                   applied_at timestamptz NOT NULL DEFAULT now())"""
        )
        applied = {
            row["name"]: row["checksum"]
            for row in await connection.fetch("SELECT name, checksum FROM schema_migrations")
        }
        for name, path in migration_files(folders):
            sql = path.read_text(encoding="utf-8")
            checksum = hashlib.sha256(sql.encode()).hexdigest()
            if name in applied:
                if applied[name] != checksum:
                    raise RuntimeError(
                        f"migration {name} was changed after it was applied; "
                        "add a new migration file instead of editing an applied one"
                    )
                continue
            async with connection.transaction():
                await connection.execute(sql)
                await connection.execute(
                    "INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)", name, checksum
                )
            applied_now.append(name)
            log.info("migration_applied", migration=name)
    finally:
        await connection.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_ID)
        await connection.close()
    return applied_now
