"""The operator command that saves a creditor's legal identity from a JSON file.

The accounts service owns the identity: the command saves it with the same
function as the staff route, which writes ``accounts.creditor_identity.updated``
to the outbox. It then stores the same identity in the ledger, with the
same time as the event, so PDFs can be issued before the relay delivers it
(the stack may not even run). The event changes nothing when it arrives,
because the ledger ignores an identity that is not later than its own.
"""

from __future__ import annotations

import getpass
import json
import os
import sys
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from services.runtime.operations import service_pool
from services.runtime.stack import Stack, uses_external_databases

# The fields of the file, in the format of the ledger's CreditorIdentity.
FILE_FIELDS = (
    "legal_name", "legal_form", "share_capital", "rcs_city", "siren", "siret", "vat_number", "address_lines",
    "postal_code", "city", "country", "email", "iban", "bic", "penalty_rate",
)
MAX_ADDRESS_LINES = 3


def read_identity_file(path: Path) -> tuple[dict[str, Any] | None, str | None]:
    """Return the JSON object of ``path``, or None and the error to print."""
    try:
        # Decimals, so that a share capital never passes through a float.
        data = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    except UnicodeDecodeError:
        return None, f"{path} is not UTF-8 text: save it as UTF-8 and try again"
    except OSError as error:
        return None, f"{path} cannot be read ({error.strerror}): give this user read access to it, or copy it elsewhere"
    except json.JSONDecodeError as error:
        return None, (
            f"{path} is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg}):"
            " correct the file, whose example is in --help"
        )
    except (ValueError, RecursionError):
        # An integer of more than 4300 digits, or arrays nested beyond the recursion limit.
        return None, (
            f"{path} is not valid JSON for an identity (a number too long or values nested too deep):"
            " correct the file, whose example is in --help"
        )
    if not isinstance(data, dict):
        return None, f"{path} must contain one JSON object, between braces: see the example in --help"
    return data, None


def identity_body(data: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
    """Convert the file's object to the body of the staff route, or return None and the error to print.

    The file lists the address as ``address_lines``, the staff route as
    ``address_line1`` to ``address_line3``. The country defaults to FR.
    """
    unknown = sorted(set(data) - set(FILE_FIELDS))
    if unknown:
        return None, f"unknown field {unknown[0]!r}: the file accepts {', '.join(FILE_FIELDS)}"
    lines = data.get("address_lines")
    if not isinstance(lines, list) or not 1 <= len(lines) <= MAX_ADDRESS_LINES:
        return None, "address_lines must be a list of one to three lines of text, such as [\"14 rue des Tanneurs\"]"
    if not all(isinstance(line, str) for line in lines):
        return None, "each line of address_lines must be a text between quotes"
    body = {field: value for field, value in data.items() if field != "address_lines"}
    for number, line in enumerate(lines, start=1):
        body[f"address_line{number}"] = line
    body.setdefault("country", "FR")
    return body, None


def data_encryption_key(stack: Stack) -> str | None:
    """Return the key the accounts service encrypts IBANs with, or None when it is unknown.

    A production installation sets MF_DATA_ENCRYPTION_KEY for this command as
    for the service. The embedded stack keeps its key in the data folder.
    """
    configured = os.environ.get("MF_DATA_ENCRYPTION_KEY", "").strip()
    if configured:
        return configured
    if uses_external_databases():
        return None
    return stack.secrets.data_encryption_key


async def save_identity_from_file(stack: Stack, creditor: str, path: Path) -> int:
    """Save the legal identity of the JSON file at ``path`` for ``creditor`` through accounts, and return the exit code."""
    from services.accounts.contacts import identity_event, save_identity, validate_identity
    from services.accounts.crypto import DataCipher
    from services.accounts.validation import ValidationError
    from services.ledger.creditors import apply_creditor_identity, identity_of_event
    from shared.principal import Principal, Role

    body = None
    data, problem = read_identity_file(path)
    if data is not None:
        body, problem = identity_body(data)
        if problem:
            problem = f"{path}: {problem}"
    if body is None:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    try:
        values = validate_identity(body)
    except ValidationError as error:
        for field_error in error.errors:
            print(f"error: {path}: {field_error.field}: {field_error.message}", file=sys.stderr)
        return 1
    key = data_encryption_key(stack)
    if key is None:
        print(
            "error: MF_DATA_ENCRYPTION_KEY is not set: give this command the key the accounts service runs with,"
            " which encrypts the IBAN",
            file=sys.stderr,
        )
        return 2

    # The audit trail names the operating-system user who ran the command.
    principal = Principal(user_id=f"cli:{getpass.getuser()}", role=Role.SYSTEM, expires_at=0)
    async with service_pool(stack, "accounts", max_size=1) as pool:
        name = await pool.fetchval("SELECT name FROM creditors WHERE id = $1", creditor)
        if name is None:
            print(
                f"error: unknown creditor {creditor!r}: create it first with `mesfactures ledger create-creditor`",
                file=sys.stderr,
            )
            return 1
        saved = await save_identity(pool, DataCipher(key), principal, creditor, values)
    saved_at = datetime.fromisoformat(saved["updated_at"])

    _name, identity = identity_of_event(identity_event(name, values, principal).model_dump(mode="json"), "cli")
    async with service_pool(stack, "ledger", max_size=1) as pool:
        async with pool.acquire() as connection, connection.transaction():
            await apply_creditor_identity(connection, creditor, name, identity, saved_at)
    print(
        f"creditor {creditor}: legal identity saved ({identity.legal_name}, SIREN {identity.siren});"
        " its invoices and credit notes can now be issued as PDFs"
    )
    return 0
