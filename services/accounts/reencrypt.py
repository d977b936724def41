"""Re-encrypt every stored IBAN, TOTP secret and queued message with the current data key, the last step of a key rotation.

Usage, with the accounts service's environment (MF_DATABASE_URL,
MF_DATA_ENCRYPTION_KEY and MF_DATA_ENCRYPTION_PREVIOUS_KEYS):

    python -m services.accounts.reencrypt

Values already under the current key are left alone, so the command can be
run again after an interruption. Rows are rewritten in batches, each batch in
a transaction that locks its rows, so the service can keep running. Once the
command reports that no value remains under another key, the previous keys
can be removed from MF_DATA_ENCRYPTION_PREVIOUS_KEYS. docs/deployment.md
gives the whole procedure.

Exit codes: 0 when every value uses the current key, 1 when a value could not
be decrypted (the message names its table and row), 2 when a variable is
missing or invalid.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from dataclasses import dataclass

import asyncpg
import structlog

from services.accounts.bank_changes import details_context, request_context
from services.accounts.contacts import identity_context
from services.accounts.crypto import DataCipher, DecryptionFailed
from services.accounts.mail import mail_context
from services.accounts.settings import AccountsSettings
from services.accounts.totp import secret_context
from shared.db import open_pool
from shared.logging import configure_logging
from shared.settings import load_settings

log = structlog.get_logger(__name__)

BATCH_ROWS = 500


@dataclass(frozen=True)
class EncryptedColumn:
    """A column of encrypted values, the columns that identify its rows, and the associated data of a row."""

    table: str
    column: str
    key_columns: tuple[str, ...]
    context: Callable[..., str]
    """Called with the row's key column values, in order."""


ENCRYPTED_COLUMNS = (
    EncryptedColumn("users", "totp_secret_encrypted", ("id",), secret_context),
    EncryptedColumn("creditor_identities", "iban_encrypted", ("creditor_id",), identity_context),
    EncryptedColumn("bank_details", "details_encrypted", ("creditor_id", "customer_account"), details_context),
    EncryptedColumn("bank_change_requests", "details_encrypted", ("id",), request_context),
    EncryptedColumn("outgoing_mail", "message_encrypted", ("id",), mail_context),
)


class ReencryptionFailed(Exception):
    """A stored value could not be decrypted with any configured key; nothing of its batch was written."""


@dataclass
class ColumnReport:
    """Counts of one column's re-encryption: values found and values rewritten."""

    table: str
    column: str
    values: int = 0
    """Values stored in the column (NULLs excluded)."""
    reencrypted: int = 0


async def reencrypt_column(pool: asyncpg.Pool, cipher: DataCipher, target: EncryptedColumn) -> ColumnReport:
    """Rewrite with the current key every value of `target` that another key encrypted.

    Rows are read in key order, BATCH_ROWS at a time. Each batch locks its rows,
    decrypts and re-encrypts those under another key, and writes them back in
    one transaction, so a row changed by the service meanwhile is read again
    under the lock, not overwritten with its older value.
    """
    report = ColumnReport(target.table, target.column)
    last_key: tuple | None = None
    while True:
        async with pool.acquire() as connection, connection.transaction():
            rows = await connection.fetch(_batch_query(target, after=last_key is not None), *(last_key or ()))
            if not rows:
                return report
            last_key = tuple(rows[-1][name] for name in target.key_columns)
            updates = []
            for row in rows:
                stored = row[target.column]
                report.values += 1
                if cipher.uses_current_key(stored):
                    continue
                row_key = tuple(row[name] for name in target.key_columns)
                context = target.context(*row_key)
                try:
                    plain = cipher.decrypt(stored, context)
                except DecryptionFailed as error:
                    row_name = ", ".join(f"{name} {value}" for name, value in zip(target.key_columns, row_key))
                    raise ReencryptionFailed(f"{target.table}.{target.column} of the row with {row_name}: {error}") from None
                updates.append((*row_key, cipher.encrypt(plain, context)))
            if updates:
                await connection.executemany(_update_query(target), updates)
                report.reencrypted += len(updates)


def _batch_query(target: EncryptedColumn, *, after: bool) -> str:
    keys = ", ".join(target.key_columns)
    parameters = ", ".join(f"${position}" for position in range(1, len(target.key_columns) + 1))
    where = f"{target.column} IS NOT NULL"
    if after:
        where += f" AND ({keys}) > ({parameters})"
    return (
        f"SELECT {keys}, {target.column} FROM {target.table} WHERE {where}"
        f" ORDER BY {keys} LIMIT {BATCH_ROWS} FOR UPDATE"
    )


def _update_query(target: EncryptedColumn) -> str:
    conditions = " AND ".join(f"{name} = ${position}" for position, name in enumerate(target.key_columns, start=1))
    value = len(target.key_columns) + 1
    return f"UPDATE {target.table} SET {target.column} = ${value} WHERE {conditions}"


async def reencrypt_all(pool: asyncpg.Pool, cipher: DataCipher) -> list[ColumnReport]:
    """Re-encrypt every encrypted column in turn; raise ReencryptionFailed at the first value no key decrypts."""
    reports = []
    for target in ENCRYPTED_COLUMNS:
        report = await reencrypt_column(pool, cipher, target)
        log.info(
            "column_reencrypted",
            table=report.table,
            column=report.column,
            values=report.values,
            reencrypted=report.reencrypted,
        )
        reports.append(report)
    return reports


async def _run(settings: AccountsSettings, cipher: DataCipher) -> int:
    async with open_pool(settings.database_url, max_size=2) as pool:
        try:
            reports = await reencrypt_all(pool, cipher)
        except ReencryptionFailed as error:
            log.error("reencryption_failed", error=str(error))
            print(f"error: {error}. Values re-encrypted before this one keep the new key;"
                  " run the command again once the key is configured.", file=sys.stderr)
            return 1
    total = sum(report.reencrypted for report in reports)
    for report in reports:
        print(f"{report.table}.{report.column}: {report.reencrypted} of {report.values} values re-encrypted")
    print(
        f"{total} values re-encrypted; every stored value now uses key {cipher.current_key_id}"
        " (MF_DATA_ENCRYPTION_KEY). MF_DATA_ENCRYPTION_PREVIOUS_KEYS can be emptied."
    )
    return 0


def main() -> None:
    configure_logging("accounts-reencrypt")
    try:
        settings = load_settings(AccountsSettings)
    except SystemExit as error:  # load_settings exits with one line per invalid variable
        print(error.code, file=sys.stderr)
        raise SystemExit(2) from None
    if not settings.data_encryption_key:
        print("error: missing environment variable MF_DATA_ENCRYPTION_KEY: set it to the new key", file=sys.stderr)
        raise SystemExit(2)
    try:
        cipher = DataCipher(settings.data_encryption_key, settings.previous_data_keys())
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    raise SystemExit(asyncio.run(_run(settings, cipher)))


if __name__ == "__main__":
    main()
