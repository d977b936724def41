"""Operator commands run against the embedded stack's databases."""

from __future__ import annotations

import sys
from pathlib import Path

from tqdm import tqdm

from services.runtime.stack import Stack
from shared.db import open_pool


async def import_fec_file(stack: Stack, creditor: str, path: Path, encoding: str | None) -> int:
    """Import one FEC file into the ledger, showing progress; return the exit code."""
    from services.ledger.fec import FecError
    from services.ledger.importer import import_fec
    from shared.errors import DomainError

    with tqdm(total=3, desc=f"import {path.name}", unit="step", file=sys.stderr) as progress:
        data = path.read_bytes()
        progress.update(1)
        async with open_pool(stack.service_dsn("ledger"), max_size=2) as pool:
            try:
                summary = await import_fec(pool, creditor, data, file_name=path.name, encoding=encoding)
            except FecError as error:
                progress.close()
                print(f"error: {path}: {error}", file=sys.stderr)
                return 1
            except DomainError as error:
                progress.close()
                print(f"error: {error.message}", file=sys.stderr)
                return 1
        progress.update(2)
    for warning in summary.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if summary.already_imported:
        print(f"{path.name}: already imported for {creditor} (import {summary.import_id}); nothing changed")
    else:
        print(
            f"{path.name}: {summary.lines} lines, {summary.customer_lines} customer lines, "
            f"{summary.customer_accounts} customer accounts, {summary.entries_created} new entries, "
            f"{summary.lettering_updated} lettering updates, "
            f"{summary.receipts_matched} receipts matched to card payments"
        )
    return 0


async def create_creditor(stack: Stack, creditor: str, name: str, payment_terms: str) -> int:
    from services.accounts.commands import ensure_creditor
    from services.ledger.creditors import upsert_creditor
    from shared.errors import DomainError

    try:
        async with open_pool(stack.service_dsn("ledger"), max_size=1) as pool:
            await upsert_creditor(pool, creditor, name, payment_terms)
        async with open_pool(stack.service_dsn("accounts"), max_size=1) as pool:
            await ensure_creditor(pool, creditor, name)
    except DomainError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 1
    print(f"creditor {creditor} ({name}) saved")
    return 0


async def create_user(
    stack: Stack,
    *,
    login: str,
    password: str,
    creditor: str,
    account: str,
    role: str,
    agency_name: str | None,
) -> int:
    from services.accounts.commands import create_user as create_account_user
    from shared.errors import DomainError

    async with open_pool(stack.service_dsn("accounts"), max_size=1) as pool:
        try:
            user_id = await create_account_user(
                pool,
                login=login,
                password=password,
                creditor=creditor,
                customer_account=account,
                role=role,
                agency_name=agency_name,
            )
        except DomainError as error:
            print(f"error: {error.message}", file=sys.stderr)
            return 1
        except Exception as error:  # validation errors of the accounts package carry their own text
            print(f"error: {error}", file=sys.stderr)
            return 1
    print(f"user {login} created ({user_id}), linked to {creditor}/{account} as {role}")
    return 0
