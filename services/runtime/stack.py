"""The embedded stack: engines, databases, migrations and the five processes.

``mesfactures up`` uses all of it. The other commands only need PostgreSQL:
they reuse the server of a running ``up`` when its port accepts connections,
and otherwise start PostgreSQL for the duration of the command.
"""

from __future__ import annotations

import fcntl
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import structlog
from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.registry import SERVICE_NAMES
from services.runtime.engines import EmbeddedNats, EmbeddedPostgres, port_is_open, stop_with_parent, wait_for_port
from services.runtime.secrets import RuntimeSecrets, load_or_create_secrets

log = structlog.get_logger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[2]
# The address of the SMTP sink (services.accounts.mail_sink), which listens
# only there whatever MF_HOST is, so the services must send their mail there.
SMTP_SINK_HOST = "127.0.0.1"


# An IPv4 address or a DNS host name, such as 192.168.56.10 or vm.local.
_HOST_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")


class StackSettings(BaseSettings):
    """Ports and folders of the embedded stack (prefix ``MF_``)."""

    model_config = SettingsConfigDict(env_prefix="MF_", extra="ignore")

    data_dir: Path = Field(REPO_ROOT / ".data", description="folder for databases, logs, mail and secrets")
    pg_port: int = Field(54329, ge=1024, le=65535, description="embedded PostgreSQL port")
    nats_port: int = Field(42229, ge=1024, le=65535, description="embedded NATS port")
    gateway_port: int = Field(8470, ge=1024, le=65535, description="web portal port")
    first_service_port: int = Field(
        8471, ge=1024, le=65000, description="accounts, ledger, disputes, payments use this port and the next three"
    )
    smtp_port: int = Field(8025, ge=1024, le=65535, description="local SMTP sink port")
    host: str = Field("127.0.0.1", description="address of the portal and the services, also used in links")

    @field_validator("host", mode="before")
    @classmethod
    def _host_is_a_name(cls, value: object) -> object:
        # The host goes into URLs as http://{host}:{port}, so it cannot be empty
        # or carry a scheme, a port or an IPv6 address, which would need brackets.
        if isinstance(value, str) and not _HOST_NAME.fullmatch(value):
            raise ValueError("not an IPv4 address or host name")
        return value

    @field_validator("data_dir", mode="before")
    @classmethod
    def _data_dir_is_not_empty(cls, value: object) -> object:
        # An empty MF_DATA_DIR would otherwise mean the current folder, which
        # puts the cluster and secrets.json in the checkout, outside .gitignore.
        if isinstance(value, str) and not value.strip():
            raise ValueError("empty")
        return value

    @field_validator("data_dir", mode="after")
    @classmethod
    def _data_dir_is_absolute(cls, value: Path) -> Path:
        # The children run in the checkout, where a relative folder names another place.
        return value.absolute()

    def service_port(self, name: str) -> int:
        return self.first_service_port + SERVICE_NAMES.index(name)


class InvalidStackSettings(ValueError):
    """Invalid MF_* variables of the embedded stack. The message has one line per variable, with its fix."""


def load_stack_settings() -> StackSettings:
    """Read the stack's MF_* variables, raising InvalidStackSettings that names each invalid one and its fix."""
    try:
        return StackSettings()
    except ValidationError as error:
        raise InvalidStackSettings("\n".join(_describe_invalid_setting(problem) for problem in error.errors())) from None


def _describe_invalid_setting(problem: dict) -> str:
    field_name = str(problem["loc"][0]) if problem["loc"] else ""
    field = StackSettings.model_fields.get(field_name)
    if field is None:
        return f"invalid settings: {problem['msg']}"
    variable = f"MF_{field_name.upper()}"
    if field_name == "host":
        return (
            f"invalid environment variable {variable}: {problem['input']!r} is not an IPv4 address or host name:"
            f" set it to an address of this machine, such as 192.168.56.10, or unset it to use {field.default}"
        )
    if field_name == "data_dir":
        return (
            f"invalid environment variable {variable}: it is empty: set it to the folder for databases, logs,"
            f" mail and secrets, or unset it to use {field.default}"
        )
    if field.annotation is int:
        bounds = {name: getattr(item, name) for item in field.metadata for name in ("ge", "le") if hasattr(item, name)}
        return (
            f"invalid environment variable {variable}: {problem['input']!r} is not a port number from"
            f" {bounds['ge']} to {bounds['le']}: set it to a free port in that range, or unset it to use"
            f" {field.default}"
        )
    return f"invalid environment variable {variable}: {problem['msg']}: correct it, or unset it to use {field.default}"


@dataclass
class Stack:
    """Handles on a running embedded stack."""

    settings: StackSettings
    secrets: RuntimeSecrets
    postgres: EmbeddedPostgres
    nats: EmbeddedNats

    def service_dsn(self, name: str) -> str:
        """Return the service's database URL: ``MF_<NAME>_DATABASE_URL`` when set, else the embedded one."""
        configured = os.environ.get(external_dsn_variable(name))
        if configured:
            return configured
        return self.postgres.dsn(name, self.secrets.service_passwords[name], name)

    def base_environment(self) -> dict[str, str]:
        environment = dict(os.environ)
        environment.update(
            {
                "MF_NATS_URL": self.nats.url,
                "MF_PRINCIPAL_PUBLIC_KEY": self.secrets.principal_public_key,
                "PYTHONUNBUFFERED": "1",
            }
        )
        return environment

    def service_environment(self, name: str) -> dict[str, str]:
        environment = self.base_environment()
        environment.update(
            {
                "MF_DATABASE_URL": self.service_dsn(name),
                "MF_NATS_USER": name,
                "MF_NATS_PASSWORD": self.secrets.nats_passwords[name],
                "MF_HTTP_HOST": self.settings.host,
                "MF_HTTP_PORT": str(self.settings.service_port(name)),
                "MF_DATA_ENCRYPTION_KEY": self.secrets.data_encryption_key,
                "MF_SMTP_HOST": SMTP_SINK_HOST,
                "MF_SMTP_PORT": str(self.settings.smtp_port),
                "MF_MAIL_DIR": str(self.settings.data_dir / "mail"),
                "MF_PUBLIC_URL": self.portal_url,
            }
        )
        return environment

    @property
    def portal_url(self) -> str:
        return f"http://{self.settings.host}:{self.settings.gateway_port}"

    def gateway_environment(self) -> dict[str, str]:
        environment = self.base_environment()
        host = self.settings.host
        environment.update(
            {
                "MF_HTTP_HOST": host,
                "MF_HTTP_PORT": str(self.settings.gateway_port),
                "MF_PRINCIPAL_PRIVATE_KEY": self.secrets.principal_private_key,
                "MF_SESSION_SECRET": self.secrets.session_secret,
                # Browsers accept Secure cookies from http://127.0.0.1, so the
                # __Host- cookie works without TLS on this machine too.
                "MF_COOKIE_SECURE": os.environ.get("MF_COOKIE_SECURE", "true"),
                "MF_PUBLIC_URL": self.portal_url,
                "MF_MAIL_DIR": str(self.settings.data_dir / "mail"),
            }
        )
        for name in SERVICE_NAMES:
            environment[f"MF_{name.upper()}_URL"] = f"http://{host}:{self.settings.service_port(name)}"
        return environment


UP_COMMAND = "up"


class DataFolderInUse(RuntimeError):
    """Error raised when another ``mesfactures`` process holds the data folder's lock.

    ``holder_command`` is the command that the holder wrote into the lock file,
    or an empty string when the file does not name one yet.
    """

    def __init__(self, data_dir: Path, holder_pid: str, holder_command: str, command: str) -> None:
        self.data_dir = data_dir
        self.holder_pid = holder_pid
        self.holder_command = holder_command
        super().__init__(_describe_data_folder_in_use(data_dir, holder_pid, holder_command, command))


class DataFolderUnusable(RuntimeError):
    """Error raised when the data folder cannot be created, or its lock file cannot be opened for writing."""

    def __init__(self, data_dir: Path, error: OSError) -> None:
        self.data_dir = data_dir
        if isinstance(error, (FileExistsError, NotADirectoryError)):
            message = (
                f"data folder {data_dir} is a file, or inside one: set MF_DATA_DIR to the path of a folder, which"
                " the command creates when it is missing"
            )
        else:
            message = (
                f"data folder {data_dir} cannot be written ({error.strerror}): run the command as the user who owns"
                " it, or set MF_DATA_DIR to a folder that this user can write"
            )
        super().__init__(message)


def _describe_data_folder_in_use(data_dir: Path, holder_pid: str, holder_command: str, command: str) -> str:
    holder = f"`mesfactures {holder_command}`" if holder_command else "another `mesfactures` command"
    if holder_command == UP_COMMAND and command == UP_COMMAND:
        return (
            f"another `mesfactures up` (process {holder_pid}) already runs with data folder {data_dir}: stop it with"
            " Ctrl-C in its terminal, or give this one another MF_DATA_DIR and other ports"
        )
    retry = "start `mesfactures up` again" if command == UP_COMMAND else "run this command again"
    return (
        f"{holder} (process {holder_pid}) is using data folder {data_dir} with a PostgreSQL that it stops when it"
        f" ends: wait for it to finish, then {retry}"
    )


@contextmanager
def data_folder_lock(data_dir: Path, command: str = UP_COMMAND) -> Iterator[None]:
    """Hold the data folder's ``up.lock`` until exit, raising DataFolderInUse when another process has it.

    ``up`` takes it for as long as it runs. Another command, run without
    ``up``, takes it until it ends, because the PostgreSQL that the command
    starts stops with it, so no ``up`` or other command may reuse that server.
    Two ``up`` on one folder would also run two NATS servers on one
    JetStream store. The holder writes its process id and ``command`` into
    the file.
    The kernel releases the lock when its holder exits, even on SIGKILL, so
    a killed process leaves no stale lock behind. The descriptor is not
    inherited, so children that outlive the holder do not keep the lock.
    """
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(data_dir / "up.lock", os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        raise DataFolderUnusable(data_dir, error) from None
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            # The holder writes its line right after locking, so the file is empty only in between.
            fields = os.pread(descriptor, 128, 0).decode(errors="replace").split()
            holder_pid = fields[0] if fields else "id not written yet"
            holder_command = " ".join(fields[1:])
            raise DataFolderInUse(data_dir, holder_pid, holder_command, command) from None
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"{os.getpid()} {command}\n".encode(), 0)
        yield
    finally:
        os.close(descriptor)


def external_dsn_variable(name: str) -> str:
    return f"MF_{name.upper()}_DATABASE_URL"


def uses_external_databases() -> bool:
    """True when every service database is given by ``MF_<NAME>_DATABASE_URL`` (production)."""
    return all(os.environ.get(external_dsn_variable(name)) for name in SERVICE_NAMES)


class PostgresNotRunning(RuntimeError):
    """Error raised when a stack may only reuse a running PostgreSQL and none listens on its port."""


@contextmanager
def embedded_postgres(settings: StackSettings | None = None, *, may_start: bool = True) -> Iterator[Stack]:
    """Yield a stack whose PostgreSQL is up: reuse a running one or start it until exit.

    With ``may_start`` false, raise PostgresNotRunning in place of starting a
    server. When every ``MF_<NAME>_DATABASE_URL`` is set, the commands work
    on those databases and no embedded server is started.
    """
    settings = settings or StackSettings()
    external = uses_external_databases()
    # With configured databases nothing is stored under the data folder,
    # which the production image does not let the process write to.
    secrets = RuntimeSecrets.generate() if external else load_or_create_secrets(settings.data_dir / "secrets.json")
    postgres = EmbeddedPostgres(settings.data_dir / "postgres", settings.pg_port, secrets.postgres_password)
    nats = EmbeddedNats(settings.data_dir / "nats", settings.nats_port, secrets.nats_passwords)
    started_here = not external and not port_is_open(settings.pg_port)
    if started_here and not may_start:
        raise PostgresNotRunning(f"no PostgreSQL listens on port {settings.pg_port}")
    if started_here:
        postgres.start()
    try:
        yield Stack(settings, secrets, postgres, nats)
    finally:
        if started_here:
            postgres.stop()


async def prepare_databases(stack: Stack) -> None:
    """Create every service's role and database, then apply its migrations."""
    from services.runtime.engines import provision_service_databases

    await provision_service_databases(stack.postgres.admin_dsn, stack.secrets.service_passwords)
    await migrate_databases(stack)


async def migrate_databases(stack: Stack) -> None:
    """Apply every service's pending migrations to its database."""
    from services.registry import service_definition
    from shared.db import migrate

    for name in SERVICE_NAMES:
        await migrate(stack.service_dsn(name), service_definition(name).migration_folders)


class ProcessGroup:
    """Child processes started together and stopped together."""

    def __init__(self) -> None:
        self.processes: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, command: list[str], environment: dict[str, str]) -> subprocess.Popen:
        # Each child gets a process group of its own, so Ctrl-C in the terminal
        # reaches only this process, and stop() then sends each child a single
        # SIGINT. A child that got both signals saw the second one in the
        # middle of its clean-up. An aiohttp service then stopped without
        # closing its connections, or hung until stop() killed it.
        # A parent killed with SIGKILL cannot stop its children, so the kernel does it.
        process = subprocess.Popen(
            command,
            env=environment,
            cwd=REPO_ROOT,
            stdin=subprocess.DEVNULL,
            process_group=0,
            preexec_fn=stop_with_parent(signal.SIGTERM),
        )
        self.processes.append((name, process))
        return process

    def wait_any(self) -> tuple[str, int]:
        """Block until one child exits; return its name and exit code."""
        while True:
            for name, process in self.processes:
                code = process.poll()
                if code is not None:
                    return name, code
            time.sleep(0.3)

    def stop(self) -> None:
        # Stop in reverse start order: the gateway first, so no request reaches a stopped service.
        for _name, process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        deadline = time.monotonic() + 15
        for _name, process in reversed(self.processes):
            remaining = max(0.1, deadline - time.monotonic())
            try:
                process.wait(timeout=remaining)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def start_processes(stack: Stack, group: ProcessGroup) -> None:
    """Start the SMTP sink, the four services and the gateway, each waiting for its port."""
    python = sys.executable
    sink_environment = stack.base_environment()
    sink_environment.update(
        {"MF_SMTP_HOST": SMTP_SINK_HOST, "MF_SMTP_PORT": str(stack.settings.smtp_port),
         "MF_MAIL_DIR": str(stack.settings.data_dir / "mail")}
    )
    if _module_exists("services.accounts.mail_sink"):
        group.start(
            "smtp-sink",
            [python, "-m", "services.accounts.mail_sink", str(stack.settings.data_dir / "mail"),
             str(stack.settings.smtp_port)],
            sink_environment,
        )
    for name in SERVICE_NAMES:
        process = group.start(name, [python, "-m", "services.main", name], stack.service_environment(name))
        wait_for_port(stack.settings.service_port(name), process, name, stack.settings.data_dir / "missing.log")
    gateway = group.start("gateway", [python, "-m", "gateway"], stack.gateway_environment())
    wait_for_port(stack.settings.gateway_port, gateway, "gateway", stack.settings.data_dir / "missing.log")


def _module_exists(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None
