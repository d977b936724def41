"""Operator commands run against the embedded stack's databases."""

from __future__ import annotations

import os
import sys
import unicodedata
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack, asynccontextmanager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import asyncpg
from tqdm import tqdm

from services.runtime.stack import (
    UP_COMMAND,
    DataFolderInUse,
    DataFolderUnusable,
    InvalidStackSettings,
    PostgresNotRunning,
    Stack,
    StackSettings,
    data_folder_lock,
    embedded_postgres,
    external_dsn_variable,
    load_stack_settings,
    uses_external_databases,
)
from services.registry import SERVICE_NAMES
from services.runtime.secrets import InvalidSecretsFile
from shared.db import create_pool
from shared.settings import database_url_problem

if TYPE_CHECKING:
    from services.ledger.importer import ImportSummary

# Errors of asyncpg.connect when no server listens, the server is starting or the host is unreachable.
_CONNECTION_ERRORS = (OSError, TimeoutError, asyncpg.CannotConnectNowError)
# Errors of asyncpg.connect when the server has no such role or database, or another password.
_LOGIN_ERRORS = (
    asyncpg.InvalidPasswordError,
    asyncpg.InvalidAuthorizationSpecificationError,
    asyncpg.InvalidCatalogNameError,
)


class OperatorError(Exception):
    """An error that the command line prints as one line on stderr, then exits with ``exit_code``."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


@contextmanager
def operator_stack(command: str, settings: StackSettings | None = None) -> Iterator[Stack]:
    """Yield the stack of ``embedded_postgres`` for the CLI ``command``, raising OperatorError when it is not usable.

    Without a running ``up`` the command holds the data folder's lock until
    it ends, because a PostgreSQL that it starts stops with it, so no ``up``
    or other command may reuse that server meanwhile. While ``up`` holds the
    lock the command reuses its PostgreSQL, which only ``up`` stops, and
    never starts one. The lock is not taken when every service has a configured
    database URL, because the production image cannot write the data folder.
    """
    if settings is None:
        try:
            settings = load_stack_settings()
        except InvalidStackSettings as error:
            raise OperatorError(str(error)) from None
    for name in SERVICE_NAMES:
        variable = external_dsn_variable(name)
        problem = database_url_problem(os.environ.get(variable) or "postgresql://")
        if problem:
            raise OperatorError(f"invalid environment variable {variable}: {problem}")
    with ExitStack() as resources:
        running_up: DataFolderInUse | None = None
        if not uses_external_databases():
            try:
                resources.enter_context(data_folder_lock(settings.data_dir, command))
            except DataFolderUnusable as error:
                raise OperatorError(str(error)) from None
            except DataFolderInUse as error:
                if error.holder_command != UP_COMMAND:
                    raise OperatorError(str(error)) from None
                running_up = error
        try:
            stack = resources.enter_context(embedded_postgres(settings, may_start=running_up is None))
        except PostgresNotRunning:
            raise OperatorError(_describe_up_not_listening(settings, running_up.holder_pid)) from None
        except InvalidSecretsFile as error:
            raise OperatorError(str(error)) from None
        except RuntimeError as error:
            raise OperatorError(_describe_start_failure(settings, error)) from None
        yield stack


def _other_port_message(settings: StackSettings) -> str | None:
    """Return the error for a PostgreSQL of this data folder that runs on another port than MF_PG_PORT, else None."""
    running_port = _port_of_running_server(settings.data_dir / "postgres" / "cluster")
    if running_port is None or running_port == settings.pg_port:
        return None
    return (
        f"the PostgreSQL of data folder {settings.data_dir} already runs on port {running_port},"
        f" but MF_PG_PORT is {settings.pg_port}: set MF_PG_PORT={running_port} and MF_DATA_DIR"
        " to those of the running `make run`"
    )


def _describe_up_not_listening(settings: StackSettings, up_pid: str) -> str:
    other_port = _other_port_message(settings)
    if other_port is not None:
        return other_port
    return (
        f"`mesfactures up` (process {up_pid}) is starting with data folder {settings.data_dir} and its PostgreSQL"
        f" does not accept connections on port {settings.pg_port} yet: run this command again once `up` prints"
        " its banner"
    )


def _describe_start_failure(settings: StackSettings, error: RuntimeError) -> str:
    other_port = _other_port_message(settings)
    if other_port is not None:
        return f"{other_port}, or stop it"
    first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
    return (
        f"PostgreSQL failed to start on port {settings.pg_port} with data folder {settings.data_dir}"
        f" ({first_line}): see {settings.data_dir / 'postgres' / 'postgres.log'}"
    )


def _port_of_running_server(cluster: Path) -> int | None:
    """Return the port in the cluster's postmaster.pid, or None when there is none.

    PostgreSQL writes its port on the fourth line of that file while it runs,
    and removes the file when it stops.
    """
    try:
        lines = (cluster / "postmaster.pid").read_text().splitlines()
    except (FileNotFoundError, PermissionError):
        return None
    if len(lines) < 4 or not lines[3].strip().isdigit():
        return None
    return int(lines[3])


@asynccontextmanager
async def service_pool(stack: Stack, name: str, *, max_size: int) -> AsyncIterator[asyncpg.Pool]:
    """Open a pool on the service's database, raising OperatorError when that database is not usable.

    The error names the database settings in use and what to do: migrate the
    data folder, or point MF_DATA_DIR and MF_PG_PORT at the running stack.
    """
    try:
        pool = await create_pool(stack.service_dsn(name), min_size=1, max_size=max_size)
    except (*_LOGIN_ERRORS, *_CONNECTION_ERRORS) as error:
        raise OperatorError(_describe_connection_failure(stack, name, error)) from None
    try:
        yield pool
    except asyncpg.UndefinedTableError as error:
        raise OperatorError(
            f"the {name} database of {_database_origin(stack, name)} has no migrated tables ({error}):"
            " run `mesfactures migrate` with the same settings first"
        ) from None
    finally:
        await pool.close()


def _database_origin(stack: Stack, name: str) -> str:
    variable = external_dsn_variable(name)
    if os.environ.get(variable):
        return variable
    return f"data folder {stack.settings.data_dir} (PostgreSQL port {stack.settings.pg_port})"


def _describe_connection_failure(stack: Stack, name: str, error: Exception) -> str:
    variable = external_dsn_variable(name)
    if os.environ.get(variable):
        return f"connection to the {name} database of {variable} failed ({error}): check {variable}"
    data_dir = stack.settings.data_dir
    port = stack.settings.pg_port
    if isinstance(error, _CONNECTION_ERRORS):
        return f"connection to PostgreSQL on port {port} failed ({error}): check MF_PG_PORT, or run `make run`"
    if _runs_from_data_folder(stack):
        # The server is this data folder's own, so its cluster lacks the service's role or database.
        return (
            f"data folder {data_dir} has no {name} database ({error}):"
            " run `mesfactures migrate` with the same MF_DATA_DIR and MF_PG_PORT first"
        )
    return _other_folder_message(stack, error)


def _runs_from_data_folder(stack: Stack) -> bool:
    """Return whether the PostgreSQL on MF_PG_PORT is the one of MF_DATA_DIR."""
    if stack.postgres.process is not None:
        return True
    return _port_of_running_server(stack.postgres.cluster_dir) == stack.settings.pg_port


def _other_folder_message(stack: Stack, error: Exception) -> str:
    return (
        f"the PostgreSQL on port {stack.settings.pg_port} rejected the logins of data folder"
        f" {stack.settings.data_dir} ({error}), so it belongs to another data folder:"
        " set MF_DATA_DIR and MF_PG_PORT to those of the running `make run`"
    )


async def migrate_stack(stack: Stack) -> None:
    """Create the service databases when they are embedded, then apply pending migrations.

    Raises OperatorError when PostgreSQL rejects the login of the data folder
    or of a configured database URL.
    """
    from services.runtime.stack import migrate_databases, prepare_databases, uses_external_databases

    try:
        if uses_external_databases():
            await migrate_databases(stack)
        else:
            await prepare_databases(stack)
    except (*_LOGIN_ERRORS, *_CONNECTION_ERRORS) as error:
        if uses_external_databases():
            raise OperatorError(
                f"migration failed ({error}): check the MF_<SERVICE>_DATABASE_URL variables"
            ) from None
        if isinstance(error, _CONNECTION_ERRORS):
            raise OperatorError(
                f"connection to PostgreSQL on port {stack.settings.pg_port} failed ({error}): check MF_PG_PORT"
            ) from None
        raise OperatorError(_other_folder_message(stack, error)) from None


# Prefixes of the import's own lines, in French like its messages, because the
# creditor's accounting staff read them. Errors about the data folder or the
# database come from the stack, in English as for the other commands.
IMPORT_ERROR = "erreur\u00a0: "
IMPORT_WARNING = "avertissement\u00a0: "


async def import_fec_file(stack: Stack, creditor: str, path: Path, encoding: str | None) -> int:
    """Import one FEC file into the ledger and return the exit code.

    A progress bar is shown only when stderr is a terminal, so that a log or
    a pipe gets no carriage returns.
    """
    from services.ledger.fec import FecError
    from services.ledger.importer import import_fec
    from shared.errors import DomainError

    progress = tqdm(
        total=3, desc=f"import {path.name}", unit="step", file=sys.stderr, disable=not sys.stderr.isatty()
    )
    with progress:
        try:
            data = path.read_bytes()
        except OSError as error:
            progress.close()
            print(f"{IMPORT_ERROR}{_unreadable_file_message(path, error)}", file=sys.stderr)
            return 2
        progress.update(1)
        async with service_pool(stack, "ledger", max_size=2) as pool:
            try:
                summary = await import_fec(pool, creditor, data, file_name=_printable_file_name(path), encoding=encoding)
            except FecError as error:
                progress.close()
                print(f"{IMPORT_ERROR}{_with_typed_path(str(error), path)}", file=sys.stderr)
                return 1
            except DomainError as error:
                progress.close()
                print(f"{IMPORT_ERROR}{error.message}", file=sys.stderr)
                return 1
        progress.update(2)
    for warning in summary.warnings:
        print(f"{IMPORT_WARNING}{warning}", file=sys.stderr)
    print(import_summary(path.name, creditor, summary))
    return 0


def _printable_file_name(path: Path) -> str:
    """Return the file's name as UTF-8 text, each byte of another encoding replaced by U+FFFD."""
    return os.fsencode(path.name).decode("utf-8", errors="replace")


def _unreadable_file_message(path: Path, error: OSError) -> str:
    """Return, in French, why the FEC file at ``path`` could not be read and what to do."""
    if isinstance(error, PermissionError):
        return (
            f"lecture de {path} refusée\u00a0: lancez la commande avec un utilisateur qui peut lire ce fichier,"
            " ou copiez-le dans un dossier où il le peut"
        )
    return f"lecture de {path} impossible ({error.strerror})\u00a0: vérifiez le fichier, ou exportez de nouveau le FEC"


def import_summary(file_name: str, creditor: str, summary: ImportSummary) -> str:
    """Return the French line that reports the import of `file_name`."""
    from services.ledger.fec.wording import COLON, SEMICOLON, counted

    if summary.already_imported:
        return (
            f"{file_name}{COLON} fichier déjà importé pour {creditor} (import n\u00b0\u00a0{summary.import_id})"
            f"{SEMICOLON} rien n\u2019a changé"
        )
    counts = [
        counted(summary.lines, "ligne", "lignes"),
        counted(summary.customer_lines, "ligne client", "lignes clients"),
        counted(summary.customer_accounts, "compte client", "comptes clients"),
        counted(summary.entries_created, "nouvelle écriture", "nouvelles écritures"),
        counted(summary.lettering_updated, "lettrage mis à jour", "lettrages mis à jour"),
        counted(
            summary.receipts_matched,
            "règlement par carte rapproché de sa remise en banque",
            "règlements par carte rapprochés de leur remise en banque",
        ),
    ]
    return f"{file_name}{COLON} {', '.join(counts)}"


def _with_typed_path(message: str, path: Path) -> str:
    """Return the reader's message with the path as the operator typed it in place of the file name.

    The importer names the file by its base name, which it also stores, so
    the message starts with that name.
    """
    if message.startswith(path.name):
        return str(path) + message[len(path.name):]
    return f"{path}: {message}"


async def create_creditor(stack: Stack, creditor: str, name: str, payment_terms: str | None) -> int:
    """Create the creditor in the ledger and accounts databases, or rename it, and return the exit code.

    Without ``payment_terms`` a new creditor gets the default terms, and an
    existing one keeps its stored terms.
    """
    from services.accounts.commands import CREDITOR_ID_PATTERN, ensure_creditor
    from services.ledger.creditors import DEFAULT_PAYMENT_TERMS, upsert_creditor
    from services.ledger.domain import parse_payment_terms
    from shared.errors import DomainError

    # Both checks come before any write, so that a bad value leaves neither database changed.
    if not CREDITOR_ID_PATTERN.fullmatch(creditor):
        print(
            f"error: invalid creditor id {creditor!r}: use lower-case letters, digits and hyphens,"
            " starting with a letter or digit, as in pressimmo or belles-demeures",
            file=sys.stderr,
        )
        return 1
    name = name.strip()
    name_problem = _creditor_name_problem(name)
    if name_problem:
        print(f"error: invalid --name: {name_problem}", file=sys.stderr)
        return 1
    try:
        if payment_terms is not None:
            parse_payment_terms(payment_terms)
        async with service_pool(stack, "ledger", max_size=1) as pool:
            async with pool.acquire() as connection, connection.transaction():
                stored_terms = await connection.fetchval(
                    "SELECT payment_terms FROM creditors WHERE id = $1 FOR UPDATE", creditor
                )
                if payment_terms is None:
                    payment_terms = stored_terms or DEFAULT_PAYMENT_TERMS
                await upsert_creditor(connection, creditor, name, payment_terms)
        async with service_pool(stack, "accounts", max_size=1) as pool:
            await ensure_creditor(pool, creditor, name)
    except DomainError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 1
    print(f"creditor {creditor} ({name}) saved, payment terms: {payment_terms}")
    return 0


# The creditor's name gets the limit that the ledger's CreditorIdentity sets on the legal name of documents.
MAX_CREDITOR_NAME_LENGTH = 200


def _creditor_name_problem(name: str) -> str | None:
    """Return what is wrong with a creditor's stripped name, with the fix, or None."""
    if not name:
        return "it is empty: give the name that agencies see, such as \"PRESSIMMO ON LINE\""
    if len(name) > MAX_CREDITOR_NAME_LENGTH:
        return f"it has {len(name)} characters: give at most {MAX_CREDITOR_NAME_LENGTH}"
    if any(unicodedata.category(character).startswith("C") for character in name):
        return "it contains a line break, or another control or format character: give the name on one line"
    return None


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
    """Create an agency user linked to (creditor, account) and return the exit code.

    The user is created even when the ledger has nothing for that account yet,
    because an account may get its user before its first FEC import, but a
    warning then names the account, in case its number is mistyped.
    """
    from services.accounts.commands import create_user as create_account_user
    from services.accounts.validation import ValidationError
    from shared.errors import DomainError

    known_to_ledger = await _ledger_has_account(stack, creditor, account)
    async with service_pool(stack, "accounts", max_size=1) as pool:
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
        except (DomainError, ValidationError) as error:
            _print_account_error(error)
            return 1
    print(f"user {login} created ({user_id}), linked to {creditor}/{account} as {role}")
    if not known_to_ledger:
        print(
            f"warning: the ledger has no customer account {account} at creditor {creditor} and no entry for it,"
            " so the agency sees an empty portal until a FEC import brings its entries: check the account number",
            file=sys.stderr,
        )
    return 0


async def create_staff_user(
    stack: Stack,
    *,
    login: str,
    password: str,
    creditors: list[str],
    display_name: str | None,
    email: str | None,
) -> int:
    """Create a staff user of ``creditors`` and return the exit code."""
    from services.accounts.commands import create_staff_user as create_account_staff_user
    from services.accounts.validation import ValidationError
    from shared.errors import DomainError

    async with service_pool(stack, "accounts", max_size=1) as pool:
        try:
            user_id = await create_account_staff_user(
                pool, login=login, password=password, creditors=creditors, display_name=display_name, email=email
            )
        except (DomainError, ValidationError) as error:
            _print_account_error(error)
            return 1
    print(f"staff user {login} created ({user_id}) for {', '.join(creditors)}")
    return 0


def _print_account_error(error: Exception) -> None:
    """Print one line per problem of a rejected user: the accounts service's French messages.

    A ValidationError lists each password or field rule that failed; its
    messages never contain the password.
    """
    from services.accounts.validation import ValidationError

    if isinstance(error, ValidationError):
        for field_error in error.errors:
            print(f"error: {field_error.message}", file=sys.stderr)
    else:
        print(f"error: {error.message}", file=sys.stderr)


async def _ledger_has_account(stack: Stack, creditor: str, account: str) -> bool:
    """Return whether the ledger has a customer_accounts row or an entry for (creditor, account)."""
    async with service_pool(stack, "ledger", max_size=1) as pool:
        return await pool.fetchval(
            """SELECT EXISTS (SELECT 1 FROM customer_accounts WHERE creditor_id = $1 AND account_number = $2)
                   OR EXISTS (SELECT 1 FROM entries WHERE creditor_id = $1 AND customer_account = $2)""",
            creditor,
            account,
        )


async def list_dead_letters(stack: Stack, service: str, *, include_replayed: bool) -> int:
    """Print the dead letters of ``service``, one per line, and return the exit code."""
    from shared.events.replay import pending_dead_letters

    async with service_pool(stack, service, max_size=1) as pool:
        rows = await pending_dead_letters(pool, include_replayed=include_replayed)
    if not rows:
        print(f"{service}: no dead letter" + ("" if include_replayed else " waiting for a replay"))
        return 0
    for row in rows:
        replayed = f" replayed {row['replayed_at']:%Y-%m-%d %H:%M:%S}" if row["replayed_at"] else ""
        if row["dismissed_at"]:
            replayed = f" dismissed {row['dismissed_at']:%Y-%m-%d %H:%M:%S} ({row['dismissal_note']})"
        error = " ".join(row["error"].split())[:200]
        print(
            f"{row['id']}\t{row['consumer']}\t{row['subject']}\t{row['event_id'] or '-'}\t"
            f"{row['deliveries']} deliveries\t{row['created_at']:%Y-%m-%d %H:%M:%S}{replayed}\t{error}"
        )
    return 0


async def replay_service_dead_letters(stack: Stack, service: str, dead_letter_id: int | None) -> int:
    """Replay the dead letters of ``service`` through its consumers, print each outcome, and return the exit code."""
    from services.registry import service_definition
    from shared.events.replay import replay_dead_letters

    definition = service_definition(service)
    async with service_pool(stack, service, max_size=2) as pool:
        consumers = [consumer for consumer, _subjects in definition.consumers(pool)] if definition.consumers else []
        results = await replay_dead_letters(pool, consumers, dead_letter_id=dead_letter_id)
        if not results and dead_letter_id is not None:
            exists = await pool.fetchval("SELECT EXISTS (SELECT 1 FROM dead_letters WHERE id = $1)", dead_letter_id)
            if not exists:
                print(
                    f"error: {service} has no dead letter {dead_letter_id}; list them with"
                    f" `mesfactures events dead-letters --service {service} --all`",
                    file=sys.stderr,
                )
                return 1
    if not results:
        if dead_letter_id is None:
            print(f"{service}: no dead letter waiting for a replay")
        else:
            print(f"{service}: no dead letter {dead_letter_id} waiting for a replay")
        return 0
    for result in results:
        # One line per dead letter: a pydantic error's text spans several lines.
        detail = f": {' '.join(result.detail.split())}" if result.detail else ""
        print(f"{result.dead_letter_id}\t{result.event_id or '-'}\t{result.outcome}{detail}")
    failed = sum(result.outcome == "failed" for result in results)
    not_replayable = sum(result.outcome == "not_replayable" for result in results)
    if failed:
        print(
            f"error: {failed} of {len(results)} dead letters failed again; fix the cause and run the command again",
            file=sys.stderr,
        )
    if not_replayable:
        print(
            f"error: {not_replayable} of {len(results)} dead letters are not replayable as stored; apply the fix"
            " that the line's detail names, or set the dead letter aside with"
            f" `mesfactures events dismiss-dead-letter --service {service} --id ID --note REASON`",
            file=sys.stderr,
        )
    return 1 if failed or not_replayable else 0


async def dismiss_service_dead_letter(stack: Stack, service: str, dead_letter_id: int, note: str) -> int:
    """Set aside one dead letter of ``service`` with ``note``, print the outcome, and return the exit code."""
    from shared.events.replay import dismiss_dead_letter

    async with service_pool(stack, service, max_size=1) as pool:
        dismissed = await dismiss_dead_letter(pool, dead_letter_id, note)
    if not dismissed:
        print(
            f"error: {service} has no dead letter {dead_letter_id} waiting for a replay; list them with"
            f" `mesfactures events dead-letters --service {service}`",
            file=sys.stderr,
        )
        return 1
    print(f"{service}: dead letter {dead_letter_id} dismissed")
    return 0
