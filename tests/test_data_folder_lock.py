"""The data folder's lock between ``up`` and the commands that start PostgreSQL for their own duration.

A command such as ``migrate`` stops the PostgreSQL it started when it ends,
so neither ``up`` nor another command may reuse that server meanwhile. A
command still reuses the server of a running ``up``, which only ``up`` stops.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from services.runtime.operations import operator_stack
from services.runtime.stack import StackSettings, data_folder_lock
from tests.conftest import Engines, free_port
from tests.test_stack_stop import _stop_with_sigint
from tests.test_up_start import (
    COMMAND_TIMEOUT_SECONDS,
    REPO_ROOT,
    last_error_line,
    run_up,
    session_data_folder,
    start_up,
    up_environment,
)


def run_command(environment: dict[str, str], *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from services.cli import main; main()", *arguments],
        cwd=REPO_ROOT,
        env=environment,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_SECONDS,
    )


def test_up_rejected_while_migrate_runs(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    pg_port = free_port()
    environment = up_environment(data_dir, pg_port)

    # This test process plays `migrate`: it starts the data folder's PostgreSQL and stops it on exit.
    with operator_stack("migrate", StackSettings(data_dir=data_dir, pg_port=pg_port)):
        completed = run_up(environment)

    assert completed.returncode == 2, completed.stderr
    line = last_error_line(completed)
    assert f"`mesfactures migrate` (process {os.getpid()})" in line
    assert str(data_dir) in line
    assert "wait for it to finish, then start `mesfactures up` again" in line
    assert "nats_started" not in completed.stderr


def test_command_rejected_while_command_runs(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    pg_port = free_port()
    environment = up_environment(data_dir, pg_port)

    with operator_stack("ledger import-fec", StackSettings(data_dir=data_dir, pg_port=pg_port)):
        completed = run_command(environment, "migrate")

    assert completed.returncode == 2, completed.stderr
    line = last_error_line(completed)
    assert f"`mesfactures ledger import-fec` (process {os.getpid()})" in line
    assert str(data_dir) in line
    assert "wait for it to finish, then run this command again" in line


def test_migrate_rejected_while_up_starts(tmp_path: Path) -> None:
    # An `up` that holds the lock but whose PostgreSQL does not listen yet:
    # a migrate that started its own server would lend it to `up`, then stop it.
    data_dir = tmp_path / "data"
    pg_port = free_port()
    environment = up_environment(data_dir, pg_port)

    with data_folder_lock(data_dir):
        completed = run_command(environment, "migrate")

    assert completed.returncode == 2, completed.stderr
    line = last_error_line(completed)
    assert f"`mesfactures up` (process {os.getpid()}) is starting" in line
    assert f"port {pg_port}" in line
    assert "run this command again once `up` prints its banner" in line
    assert not (data_dir / "postgres" / "cluster").exists()


def test_migrate_reuses_running_up(tmp_path: Path, engines: Engines) -> None:
    data_dir = session_data_folder(tmp_path, engines)
    environment = up_environment(data_dir, engines.postgres.port)
    up = start_up(environment, tmp_path / "up.log")
    try:
        completed = run_command(environment, "migrate")
    finally:
        code, _seconds = _stop_with_sigint(up, process_group=True)

    assert completed.returncode == 0, completed.stderr
    assert "migrations applied" in completed.stdout
    assert code == 0


def test_lock_released_after_command(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    pg_port = free_port()
    environment = up_environment(data_dir, pg_port)

    first = run_command(environment, "migrate")
    second = run_command(environment, "migrate")

    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert (data_dir / "up.lock").read_text().split()[1:] == ["migrate"]
