"""A ledger database of its own, migrated up to a given migration, for tests of the migrations that follow it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from services.registry import service_definition
from shared.db import migrate


@dataclass
class OlderLedger:
    """A connection to a ledger database that lacks `first` and the migrations after it."""

    connection: asyncpg.Connection
    dsn: str
    first: str
    """File name of the first migration left out, such as 0018_label_control_characters.sql."""
    shared_folder: Path
    ledger_folder: Path
    older_folder: Path

    async def apply(self, last: str | None = None) -> list[str]:
        """Apply `first` and the migrations after it, up to `last` (the newest one when None); return those applied."""
        for path in sorted(self.ledger_folder.glob("*.sql")):
            if self.first <= path.name and (last is None or path.name <= last):
                (self.older_folder / path.name).write_bytes(path.read_bytes())
        return await migrate(self.dsn, [self.shared_folder, self.older_folder])


@asynccontextmanager
async def ledger_before(engines, tmp_path: Path, first: str) -> AsyncIterator[OlderLedger]:
    """Create a ledger database migrated up to, but not including, the migration file `first`, and drop it after."""
    name = f"ledger_before_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(engines.postgres.admin_dsn)
    await admin.execute(f'CREATE DATABASE "{name}"')
    dsn = engines.postgres.dsn("postgres", engines.secrets.postgres_password, name)
    shared_folder, ledger_folder = service_definition("ledger").migration_folders
    assert (ledger_folder / first).is_file(), f"no ledger migration {first}"
    older_folder = tmp_path / "ledger" / "migrations"
    older_folder.mkdir(parents=True)
    for path in sorted(ledger_folder.glob("*.sql")):
        if path.name < first:
            (older_folder / path.name).write_bytes(path.read_bytes())
    try:
        await migrate(dsn, [shared_folder, older_folder])
        connection = await asyncpg.connect(dsn)
        try:
            yield OlderLedger(connection, dsn, first, shared_folder, ledger_folder, older_folder)
        finally:
            await connection.close()
    finally:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()
