"""The ``mesfactures`` command: run the stack and operate it.

Subcommands:
  up                       start everything on embedded engines (Ctrl-C stops it)
  migrate                  create the service databases and apply migrations
  demo                     load the demo creditors, agencies and users (once)
  asyncapi                 write the AsyncAPI document of every event type
  ledger import-fec        import a FEC file for a creditor
  ledger create-creditor   create or update a creditor in the ledger
  ledger set-creditor-identity  the former name of accounts set-creditor-identity
  accounts create-user     create a user linked to a creditor account
  accounts create-staff-user  create a staff user of one or more creditors
  accounts set-creditor-identity  save the legal identity printed on a creditor's documents
  events dead-letters      list the events a service's consumers gave up on
  events replay-dead-letters  run those events again once their cause is fixed
  events dismiss-dead-letter  set aside one that will never be replayed
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from pathlib import Path

from services.registry import SERVICE_NAMES
from shared.logging import configure_logging


IDENTITY_EXAMPLE = """\
example file:
  {"legal_name": "PRESSIMMO ON LINE SAS", "legal_form": "SAS", "siren": "812345676",
   "vat_number": "FR19812345676", "address_lines": ["14 rue des Tanneurs"],
   "postal_code": "69002", "city": "Lyon", "iban": "FR76 3000 2012 3400 0123 4567 846",
   "bic": "CRLYFRPP"}

"""

DATABASE_SETTINGS = """\
databases:
  The command works on the PostgreSQL of the data folder MF_DATA_DIR (default:
  .data in the checkout) on port MF_PG_PORT (default: 54329). It uses the
  server of a running `make run` when that port accepts connections, and
  otherwise starts the server for its own duration. To work on a running
  stack, give both variables the values it runs with.
  When every MF_<SERVICE>_DATABASE_URL is set (MF_ACCOUNTS_DATABASE_URL,
  MF_LEDGER_DATABASE_URL, MF_DISPUTES_DATABASE_URL, MF_PAYMENTS_DATABASE_URL),
  the command works on those databases instead.
"""

# The rule that services/accounts/validation/login.py enforces on a new login.
LOGIN_HELP = "login of the new user: 3 to 64 characters, ASCII letters, digits and . - _ @ (example: marie.dupont)"

IMPORT_FEC_EPILOG = """\
exit codes:
  0  imported, or already imported (nothing changed)
  1  invalid file, or unknown creditor
  2  missing or unreadable file, or no usable database with these settings

""" + DATABASE_SETTINGS


def _add_command(
    commands, name: str, help_text: str, description: str, epilog: str | None = None
) -> argparse.ArgumentParser:
    """Add a subcommand whose description and epilog keep their line breaks."""
    return commands.add_parser(
        name,
        help=help_text,
        description=description,
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mesfactures",
        description="Mes Factures: billing portal for real-estate agencies.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    up = _add_command(
        commands,
        "up",
        "start PostgreSQL, NATS, the four services and the gateway",
        "Start the whole product on this machine, in the foreground: PostgreSQL, NATS, a local SMTP\n"
        "sink, the accounts, ledger, disputes and payments services, and the web portal. The command\n"
        "creates the databases and applies pending migrations first, and loads the demo data unless\n"
        "it is already loaded or --no-demo is given. Ctrl-C stops every process.",
        "Databases, logs, mail and secrets are stored under MF_DATA_DIR (default: .data in the checkout).\n"
        "Ports: MF_PG_PORT (54329), MF_NATS_PORT (42229), MF_GATEWAY_PORT (8470), MF_SMTP_PORT (8025),\n"
        "and MF_FIRST_SERVICE_PORT (8471) with the next three for the four services.\n"
        "MF_HOST (127.0.0.1) is the address that the portal and the services listen on, and the host of\n"
        "the printed address and of the links in e-mails. MF_LOG_LEVEL (info) sets the minimum log level.",
    )
    up.add_argument("--no-demo", action="store_true", help="do not load the demo data on first start")
    up.set_defaults(handler=_command_up)

    migrate = _add_command(
        commands,
        "migrate",
        "create the service databases and apply pending migrations",
        "Create the role and database of each service in the embedded PostgreSQL when they are\n"
        "missing, then apply the pending migrations. With every MF_<SERVICE>_DATABASE_URL set, apply\n"
        "the migrations to those databases and create nothing.",
        DATABASE_SETTINGS,
    )
    migrate.set_defaults(handler=_command_migrate)

    demo = _add_command(
        commands,
        "demo",
        "load the demo data through the FEC importer (skipped if loaded)",
        "Create the demo creditors, agencies and users, and import a generated FEC file for each demo\n"
        "creditor that has no import yet. Running it again imports nothing.",
        DATABASE_SETTINGS,
    )
    demo.set_defaults(handler=_command_demo)

    asyncapi = _add_command(
        commands,
        "asyncapi",
        "write the AsyncAPI document of every event type",
        "Write the AsyncAPI document, in JSON, that describes every event type the services publish\n"
        "on NATS. The command needs no database.",
    )
    asyncapi.add_argument(
        "--output", type=Path, default=None, help="file to write (default: standard output)"
    )
    asyncapi.set_defaults(handler=_command_asyncapi)

    ledger = commands.add_parser("ledger", help="ledger operations").add_subparsers(
        dest="ledger_command", required=True, metavar="COMMAND"
    )
    import_fec = _add_command(
        ledger,
        "import-fec",
        "import a FEC file (all or nothing, idempotent)",
        "Import a FEC file for a creditor, all or nothing. The creditor must exist in the ledger:\n"
        "create it first with `mesfactures ledger create-creditor`. Importing the same file again\n"
        "changes nothing.",
        IMPORT_FEC_EPILOG,
    )
    import_fec.add_argument("--creditor", required=True, help="creditor id, a slug such as pressimmo")
    import_fec.add_argument(
        "--encoding", help="file encoding, e.g. cp1252 or iso-8859-15 (default: UTF-8, else detected with a warning)"
    )
    import_fec.add_argument("file", type=Path, help="path of the FEC file")
    import_fec.set_defaults(handler=_command_import_fec)

    create_creditor = _add_command(
        ledger,
        "create-creditor",
        "create or update a creditor",
        "Create a creditor in the ledger and accounts databases, or update the name and payment\n"
        "terms of an existing one. An update without --payment-terms keeps the stored terms.",
        DATABASE_SETTINGS,
    )
    create_creditor.add_argument("--creditor", required=True, help="creditor id, a slug such as pressimmo")
    create_creditor.add_argument(
        "--name", required=True, help="legal name shown to agencies, on one line, at most 200 characters"
    )
    create_creditor.add_argument(
        "--payment-terms",
        default=None,
        help="'à réception', 'N jours' or 'N jours fin de mois' (default: 30 jours fin de mois for a new"
        " creditor, the stored terms for an existing one)",
    )
    create_creditor.set_defaults(handler=_command_create_creditor)

    set_identity = _add_command(
        ledger,
        "set-creditor-identity",
        "the former name of `accounts set-creditor-identity`, which it runs",
        "The accounts service owns the creditor's legal identity: this command runs\n"
        "`mesfactures accounts set-creditor-identity` with the same arguments. Use that command.",
        IDENTITY_EXAMPLE + DATABASE_SETTINGS,
    )
    set_identity.add_argument("--creditor", required=True, help="creditor id, a slug such as pressimmo")
    set_identity.add_argument("file", type=Path, help="path of the JSON file")
    set_identity.set_defaults(handler=_command_ledger_set_creditor_identity)

    accounts = commands.add_parser("accounts", help="user and agency operations").add_subparsers(
        dest="accounts_command", required=True, metavar="COMMAND"
    )
    create_user = _add_command(
        accounts,
        "create-user",
        "create a user linked to a creditor account; reads the password from standard input or the terminal",
        "Create an agency user linked to a customer account at a creditor, and the agency when no\n"
        "agency has that account yet. The password is the first line of standard input, or is typed\n"
        "twice without echo on a terminal. A warning names the account when the ledger has nothing\n"
        "for it yet.",
        DATABASE_SETTINGS,
    )
    create_user.add_argument("--login", required=True, help=LOGIN_HELP)
    create_user.add_argument("--creditor", required=True, help="creditor id, a slug such as pressimmo")
    create_user.add_argument("--account", required=True, help="customer account number at that creditor")
    create_user.add_argument(
        "--role",
        default="administrateur",
        choices=["administrateur", "comptable", "lecteur"],
        help="role in the agency (default: administrateur)",
    )
    create_user.add_argument("--agency-name", help="agency name when the agency is new")
    create_user.set_defaults(handler=_command_create_user)

    create_staff = _add_command(
        accounts,
        "create-staff-user",
        "create a staff user of one or more creditors; reads the password from standard input or the terminal",
        "Create a user of the creditors' own staff: they review bank-detail changes in the\n"
        "back-office and may import FEC files through the API. The password is the first line\n"
        "of standard input, or is typed twice without echo on a terminal.",
        DATABASE_SETTINGS,
    )
    create_staff.add_argument("--login", required=True, help=LOGIN_HELP)
    create_staff.add_argument(
        "--creditor", required=True, action="append", help="creditor id the user works for; repeat for several"
    )
    create_staff.add_argument("--name", help="name shown in the portal (default: the login)")
    create_staff.add_argument("--email", help="e-mail address of the user")
    create_staff.set_defaults(handler=_command_create_staff_user)

    set_identity = _add_command(
        accounts,
        "set-creditor-identity",
        "save the legal identity printed on a creditor's documents",
        "Save a creditor's legal identity, read from a JSON file, in the accounts service, as staff do\n"
        "on the back-office route PUT /staff/creditors/{creditor}/identity. The accounts service\n"
        "publishes it to the ledger, and the command stores it in the ledger too, so invoices and\n"
        "credit notes can be issued as PDFs at once. The file holds one object with the fields\n"
        "legal_name, siren, vat_number, address_lines (a list of one to three lines), postal_code,\n"
        "city, iban and bic, and optionally legal_form, share_capital, rcs_city, siret, country (ISO\n"
        "code, default FR), email and penalty_rate. A file keeps the IBAN out of the shell's history.\n"
        "The file is checked in full before anything is stored.",
        IDENTITY_EXAMPLE + DATABASE_SETTINGS
        + "  The IBAN is stored encrypted with MF_DATA_ENCRYPTION_KEY, which must be set when the\n"
        "  MF_<SERVICE>_DATABASE_URL variables are.\n",
    )
    set_identity.add_argument("--creditor", required=True, help="creditor id, a slug such as pressimmo")
    set_identity.add_argument("file", type=Path, help="path of the JSON file")
    set_identity.set_defaults(handler=_command_set_creditor_identity)

    events = commands.add_parser("events", help="event operations").add_subparsers(
        dest="events_command", required=True, metavar="COMMAND"
    )
    dead_letters = _add_command(
        events,
        "dead-letters",
        "list the events a service's consumers gave up on",
        "List the dead letters of a service: events that one of its consumers could not handle after\n"
        "every retry, or whose body was not a valid event. Each line gives the dead letter's id, the\n"
        "consumer, the subject, the event id, the deliveries and the last error.",
        DATABASE_SETTINGS,
    )
    dead_letters.add_argument("--service", required=True, choices=SERVICE_NAMES, help="service whose consumers to look at")
    dead_letters.add_argument("--all", action="store_true", help="also list the dead letters already replayed or dismissed")
    dead_letters.set_defaults(handler=_command_dead_letters)

    replay = _add_command(
        events,
        "replay-dead-letters",
        "run a service's dead letters again once their cause is fixed",
        "Run each dead letter of a service that is not replayed yet through its consumer's handler,\n"
        "oldest first, in one transaction each with the consumer's inbox record, so an event never\n"
        "has two effects. The command does not publish to NATS and needs no broker. A dead letter\n"
        "that fails again stays for a later replay.",
        "exit codes:\n"
        "  0  every dead letter replayed, or none waiting (--id of one already replayed or dismissed)\n"
        "  1  some failed again or cannot be replayed (invalid body, forged envelope), or no dead\n"
        "     letter has the --id given\n"
        "  2  no usable database with these settings\n\n" + DATABASE_SETTINGS,
    )
    replay.add_argument("--service", required=True, choices=SERVICE_NAMES, help="service whose consumers replay")
    replay.add_argument("--id", type=int, default=None, help="replay only this dead letter")
    replay.set_defaults(handler=_command_replay_dead_letters)

    dismiss = _add_command(
        events,
        "dismiss-dead-letter",
        "set aside a dead letter that will never be replayed",
        "Mark one dead letter as dismissed, with the reason, so that replay-dead-letters stops\n"
        "reporting it: a body that is not a valid event, or an envelope whose type or producer is not\n"
        "its subject's. The dead letter stays in the table, and dead-letters --all lists it.",
        DATABASE_SETTINGS,
    )
    dismiss.add_argument("--service", required=True, choices=SERVICE_NAMES, help="service of the dead letter")
    dismiss.add_argument("--id", type=int, required=True, help="id of the dead letter, as dead-letters lists it")
    dismiss.add_argument("--note", required=True, help="why it is dismissed, kept with it")
    dismiss.set_defaults(handler=_command_dismiss_dead_letter)
    return parser


LOG_LEVELS = ("debug", "info", "warning", "error")


def _invalid_creditor_id(arguments: argparse.Namespace) -> str | None:
    """Return the error for the first --creditor value that no creditor can have, or None.

    The commands would otherwise report a malformed id as an unknown creditor
    and advise create-creditor, which rejects it. import-fec checks the id
    itself, with a French message.
    """
    from services.accounts.commands import CREDITOR_ID_PATTERN

    if arguments.handler is _command_import_fec:
        return None
    creditors = getattr(arguments, "creditor", None) or []
    for creditor in creditors if isinstance(creditors, list) else [creditors]:
        if not CREDITOR_ID_PATTERN.fullmatch(creditor):
            return (
                f"error: invalid creditor id {creditor!r}: use lower-case letters, digits and hyphens,"
                " starting with a letter or digit, as in pressimmo or belles-demeures"
            )
    return None


def _non_utf8_option(arguments: argparse.Namespace) -> str | None:
    """Return the error for the first text option that is not UTF-8, or None.

    Python decodes the command line with surrogateescape, so bytes that are
    not UTF-8 arrive as lone surrogates, which the database cannot store.
    Paths are not checked, because a file name may be in any encoding.
    """
    for name, value in vars(arguments).items():
        values = value if isinstance(value, list) else [value]
        for text in values:
            if not isinstance(text, str):
                continue
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                option = "--" + name.replace("_", "-")
                return f"error: {option} is not UTF-8 text: type it again in a UTF-8 terminal, or convert it with iconv"
    return None


def main(argv: list[str] | None = None) -> None:
    from services.runtime.operations import OperatorError

    arguments = _build_parser().parse_args(argv)
    problem = _non_utf8_option(arguments)
    if problem:
        print(problem, file=sys.stderr)
        sys.exit(2)
    problem = _invalid_creditor_id(arguments)
    if problem:
        print(problem, file=sys.stderr)
        sys.exit(1)
    # `up` logs the start and stop of each engine. The other commands print
    # their own outcome, so their info lines would only repeat it.
    default_level = "info" if arguments.command == "up" else "warning"
    level = os.environ.get("MF_LOG_LEVEL", default_level).lower()
    if level not in LOG_LEVELS:
        print(f"error: invalid MF_LOG_LEVEL {level!r}: expected one of {', '.join(LOG_LEVELS)}", file=sys.stderr)
        sys.exit(2)
    configure_logging("cli", level=level)
    try:
        code = arguments.handler(arguments)
    except OperatorError as error:
        for line in error.message.splitlines():
            print(f"error: {line}", file=sys.stderr)
        code = error.exit_code
    except KeyboardInterrupt:
        # The command's context managers already rolled back its transaction and
        # stopped a PostgreSQL it started, so this only replaces the traceback.
        print(_interrupted_message(arguments), file=sys.stderr)
        code = INTERRUPTED_EXIT_CODE
    sys.exit(code or 0)


# The status that shells give a process that SIGINT ended: 128 + 2.
INTERRUPTED_EXIT_CODE = 130


def _interrupted_message(arguments: argparse.Namespace) -> str:
    """Return the line printed when Ctrl-C stops the command, in French for ``import-fec``."""
    if arguments.handler is _command_import_fec:
        from services.runtime.operations import IMPORT_ERROR

        # An import is one transaction: either it committed before Ctrl-C or nothing of it was stored.
        return (
            f"{IMPORT_ERROR}import interrompu par Ctrl-C\u202f; un import est tout ou rien, donc relancez la même"
            " commande\u00a0: elle importe le fichier, ou indique qu’il est déjà importé"
        )
    return "error: interrupted by Ctrl-C, so the command may not have finished: run it again"


def _command_up(arguments: argparse.Namespace) -> int:
    from services.runtime.up import run_up

    return run_up(load_demo=not arguments.no_demo)


def _command_asyncapi(arguments: argparse.Namespace) -> int:
    import json

    from shared.events.catalog import asyncapi_document

    text = json.dumps(asyncapi_document(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    if arguments.output is None:
        sys.stdout.write(text)
        return 0
    try:
        arguments.output.write_text(text, encoding="utf-8")
    except OSError as error:
        print(
            f"error: cannot write --output {arguments.output} ({error.strerror}): give the path of a file in an"
            " existing folder that this user can write",
            file=sys.stderr,
        )
        return 2
    return 0


def _command_migrate(_arguments: argparse.Namespace) -> int:
    from services.runtime.operations import migrate_stack, operator_stack

    with operator_stack("migrate") as stack:
        asyncio.run(migrate_stack(stack))
    print("migrations applied")
    return 0


def _command_demo(_arguments: argparse.Namespace) -> int:
    from services.runtime.demo import load_demo
    from services.runtime.operations import migrate_stack, operator_stack

    with operator_stack("demo") as stack:
        asyncio.run(migrate_stack(stack))
        outcome = asyncio.run(load_demo(stack))
    print(outcome)
    return 0


def _input_file_problem(path: Path, kind: str) -> str | None:
    """Return why ``path`` cannot be read as the command's ``kind`` of input file, or None."""
    if path.exists() and not path.is_file():
        return f"{path} is not a regular file: give the path of the {kind} itself"
    if not path.is_file():
        return f"file {path} not found: give the path of the {kind}"
    return None


def _fec_file_problem(path: Path) -> str | None:
    """Return, in French, why ``path`` cannot be read as a FEC file, or None."""
    if path.is_dir():
        return f"{path} est un dossier, pas un fichier FEC\u00a0: donnez le chemin du fichier lui-même"
    if path.exists() and not path.is_file():
        return f"{path} n\u2019est pas un fichier ordinaire\u00a0: donnez le chemin du fichier FEC lui-même"
    if not path.is_file():
        return f"fichier {path} introuvable\u00a0: vérifiez le chemin du fichier FEC"
    return None


def _command_import_fec(arguments: argparse.Namespace) -> int:
    from services.accounts.commands import CREDITOR_ID_PATTERN
    from services.runtime.operations import IMPORT_ERROR, import_fec_file, operator_stack

    # Checked before the database starts. The import reports in French, because accounting staff act on it.
    if not CREDITOR_ID_PATTERN.fullmatch(arguments.creditor):
        print(
            f"{IMPORT_ERROR}identifiant de créancier invalide «\u00a0{arguments.creditor}\u00a0»\u00a0: un identifiant"
            " compte au plus 63 lettres minuscules sans accent, chiffres et tirets, et commence par une lettre ou"
            " un chiffre, comme pressimmo ou belles-demeures\u202f; corrigez l’option --creditor",
            file=sys.stderr,
        )
        return 1
    problem = _fec_file_problem(arguments.file)
    if problem:
        print(f"{IMPORT_ERROR}{problem}", file=sys.stderr)
        return 2
    with operator_stack("ledger import-fec") as stack:
        return asyncio.run(import_fec_file(stack, arguments.creditor, arguments.file, arguments.encoding))


def _command_set_creditor_identity(arguments: argparse.Namespace) -> int:
    from services.runtime.identity_file import save_identity_from_file
    from services.runtime.operations import operator_stack

    problem = _input_file_problem(arguments.file, "JSON file")
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    with operator_stack("accounts set-creditor-identity") as stack:
        return asyncio.run(save_identity_from_file(stack, arguments.creditor, arguments.file))


def _command_ledger_set_creditor_identity(arguments: argparse.Namespace) -> int:
    print(
        "note: the accounts service owns the creditor's identity, so this runs"
        " `mesfactures accounts set-creditor-identity`: use that command from now on",
        file=sys.stderr,
    )
    return _command_set_creditor_identity(arguments)


def _command_create_creditor(arguments: argparse.Namespace) -> int:
    from services.runtime.operations import create_creditor, operator_stack

    with operator_stack("ledger create-creditor") as stack:
        return asyncio.run(create_creditor(stack, arguments.creditor, arguments.name, arguments.payment_terms))


def _command_dead_letters(arguments: argparse.Namespace) -> int:
    from services.runtime.operations import list_dead_letters, operator_stack

    with operator_stack("events dead-letters") as stack:
        return asyncio.run(list_dead_letters(stack, arguments.service, include_replayed=arguments.all))


def _command_replay_dead_letters(arguments: argparse.Namespace) -> int:
    from services.runtime.operations import operator_stack, replay_service_dead_letters

    with operator_stack("events replay-dead-letters") as stack:
        return asyncio.run(replay_service_dead_letters(stack, arguments.service, arguments.id))


def _command_dismiss_dead_letter(arguments: argparse.Namespace) -> int:
    from services.runtime.operations import dismiss_service_dead_letter, operator_stack

    with operator_stack("events dismiss-dead-letter") as stack:
        return asyncio.run(dismiss_service_dead_letter(stack, arguments.service, arguments.id, arguments.note))


def _read_password() -> str | None:
    """Read the new user's password, or print an error and return None.

    On a terminal the password is typed twice without echo. Otherwise it is
    the first line of standard input, so that a script can pipe it in.
    """
    if sys.stdin.isatty():
        try:
            password = getpass.getpass("Password: ")
            if not password:
                print("error: the password is empty: run the command again and type one", file=sys.stderr)
                return None
            confirmation = getpass.getpass("Password again: ")
        except EOFError:
            # Ctrl-D at a prompt ends the input before a line is typed.
            print(
                "\nerror: the input ended at a password prompt (Ctrl-D): run the command again and type the password",
                file=sys.stderr,
            )
            return None
        except UnicodeDecodeError:
            print(f"\n{NOT_UTF8_PASSWORD} from the terminal: set its encoding to UTF-8, or pipe the password in",
                  file=sys.stderr)
            return None
        if confirmation != password:
            print("error: the two passwords differ: run the command again", file=sys.stderr)
            return None
        return password
    try:
        password = sys.stdin.readline().rstrip("\r\n")
        # Under the C and C.UTF-8 locales Python decodes stdin with surrogateescape,
        # so bytes that are not UTF-8 arrive as lone surrogates, which cannot be encoded.
        password.encode("utf-8")
    except (UnicodeDecodeError, UnicodeEncodeError):
        print(f"{NOT_UTF8_PASSWORD} on standard input: pipe it in as UTF-8, e.g. from iconv -t utf-8", file=sys.stderr)
        return None
    if not password:
        print("error: no password on standard input: pipe it in, e.g. printf '%s\\n' \"$PASSWORD\" | mesfactures …",
              file=sys.stderr)
        return None
    return password


NOT_UTF8_PASSWORD = "error: the password is not UTF-8 text"


def _command_create_staff_user(arguments: argparse.Namespace) -> int:
    from services.runtime.operations import create_staff_user, operator_stack

    password = _read_password()
    if password is None:
        return 2
    with operator_stack("accounts create-staff-user") as stack:
        return asyncio.run(
            create_staff_user(
                stack,
                login=arguments.login,
                password=password,
                # A creditor given twice is one creditor.
                creditors=list(dict.fromkeys(arguments.creditor)),
                display_name=arguments.name,
                email=arguments.email,
            )
        )


def _command_create_user(arguments: argparse.Namespace) -> int:
    from services.ledger.fec.analysis import MAX_CODE_LENGTH
    from services.runtime.operations import create_user, operator_stack

    # Checked here because the database would reject it with a bare check-constraint error.
    if not arguments.account.strip():
        print("error: --account must not be empty", file=sys.stderr)
        return 2
    # No FEC import can bring entries to a longer account, so its agency would never see any.
    if len(arguments.account) > MAX_CODE_LENGTH:
        print(
            f"error: --account has {len(arguments.account)} characters, but a customer account of a FEC file"
            f" has at most {MAX_CODE_LENGTH}: check the account number",
            file=sys.stderr,
        )
        return 2
    password = _read_password()
    if password is None:
        return 2
    with operator_stack("accounts create-user") as stack:
        return asyncio.run(
            create_user(
                stack,
                login=arguments.login,
                password=password,
                creditor=arguments.creditor,
                account=arguments.account,
                role=arguments.role,
                agency_name=arguments.agency_name,
            )
        )


if __name__ == "__main__":
    main()
