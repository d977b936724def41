"""``mesfactures up`` stopping before it runs: invalid settings, a data folder in use, another folder's PostgreSQL.

Each of these errors is one ``error:`` line that names the variable or the data
folder and the fix, with exit code 2 and no traceback.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from services.registry import SERVICE_NAMES
from services.runtime.engines import port_is_free
from tests.conftest import Engines, free_port
from tests.test_stack_stop import _free_port_block, _stop_with_sigint, _wait_for_output

REPO_ROOT = Path(__file__).resolve().parents[1]
COMMAND_TIMEOUT_SECONDS = 120
BANNER_END = "Press Ctrl-C to stop every process."


def up_environment(data_dir: Path, pg_port: int) -> dict[str, str]:
    """Return this process's environment with free ports for everything but PostgreSQL."""
    environment = dict(os.environ)
    environment.update(
        {
            "MF_DATA_DIR": str(data_dir),
            "MF_PG_PORT": str(pg_port),
            "MF_NATS_PORT": str(free_port()),
            "MF_GATEWAY_PORT": str(free_port()),
            "MF_SMTP_PORT": str(free_port()),
            "MF_FIRST_SERVICE_PORT": str(_free_port_block(len(SERVICE_NAMES))),
            "MF_LOG_FORMAT": "json",
        }
    )
    for name in SERVICE_NAMES:
        environment.pop(f"MF_{name.upper()}_DATABASE_URL", None)
    return environment


def run_up(environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from services.cli import main; main()", "up", "--no-demo"],
        cwd=REPO_ROOT,
        env=environment,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_SECONDS,
    )


def start_up(environment: dict[str, str], log_file: Path) -> subprocess.Popen:
    """Start `up` in a session of its own and wait for its banner."""
    with log_file.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-c", "from services.cli import main; main()", "up", "--no-demo"],
            cwd=REPO_ROOT,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    _wait_for_output(log_file, BANNER_END, process)
    return process


def last_error_line(completed: subprocess.CompletedProcess[str]) -> str:
    """Assert that `up` failed without a traceback and return its last stderr line, the error."""
    assert "Traceback" not in completed.stderr, completed.stderr
    lines = completed.stderr.strip().splitlines()
    assert lines, completed.stderr
    assert lines[-1].startswith("error: "), completed.stderr
    return lines[-1]


def session_data_folder(tmp_path: Path, engines: Engines) -> Path:
    """Return a data folder whose secrets are those of the session's PostgreSQL, so `up` reuses that server."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "secrets.json").write_text(json.dumps(dataclasses.asdict(engines.secrets)))
    return data_dir


def wait_until_ports_free(environment: dict[str, str]) -> None:
    """Wait until the portal's ports of `environment` can be bound again, after its `up` died."""
    first = int(environment["MF_FIRST_SERVICE_PORT"])
    ports = [int(environment["MF_GATEWAY_PORT"]), int(environment["MF_NATS_PORT"])]
    ports += [first + offset for offset in range(len(SERVICE_NAMES))]
    deadline = time.monotonic() + 30
    while not all(port_is_free(port) for port in ports):
        if time.monotonic() > deadline:
            raise AssertionError(f"ports {ports} were still in use 30 s after `up` was killed")
        time.sleep(0.2)


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("MF_GATEWAY_PORT", "abc", "is not a port number from 1024 to 65535"),
        ("MF_PG_PORT", "80", "is not a port number from 1024 to 65535"),
        ("MF_FIRST_SERVICE_PORT", "65500", "is not a port number from 1024 to 65000"),
        ("MF_DATA_DIR", "", "is empty"),
    ],
    ids=["text", "privileged", "no-room-for-four", "empty-folder"],
)
def test_up_invalid_setting_named(tmp_path: Path, variable: str, value: str, expected: str) -> None:
    environment = up_environment(tmp_path / "data", free_port())
    environment[variable] = value

    completed = run_up(environment)

    assert completed.returncode == 2, completed.stderr
    line = last_error_line(completed)
    assert line.startswith(f"error: invalid environment variable {variable}: "), line
    assert expected in line
    assert "or unset it" in line
    assert not (tmp_path / "data").exists()


def test_up_on_other_folder_postgres(tmp_path: Path, engines: Engines) -> None:
    # The session's PostgreSQL listens on MF_PG_PORT, but this new data folder
    # generates secrets of its own, which that server rejects.
    data_dir = tmp_path / "other"
    environment = up_environment(data_dir, engines.postgres.port)

    completed = run_up(environment)

    assert completed.returncode == 2, completed.stderr
    line = last_error_line(completed)
    assert str(data_dir) in line
    assert f"port {engines.postgres.port}" in line
    assert "MF_DATA_DIR" in line


def test_second_up_same_folder_rejected(tmp_path: Path, engines: Engines) -> None:
    data_dir = session_data_folder(tmp_path, engines)
    first_environment = up_environment(data_dir, engines.postgres.port)
    first = start_up(first_environment, tmp_path / "first.log")
    try:
        # Other ports, so that only the data folder is shared.
        completed = run_up(up_environment(data_dir, engines.postgres.port))
    finally:
        code, _seconds = _stop_with_sigint(first, process_group=True)

    assert code == 0
    assert completed.returncode == 2, completed.stderr
    line = last_error_line(completed)
    assert str(data_dir) in line
    assert f"process {first.pid}" in line
    assert "MF_DATA_DIR" in line
    assert "nats_started" not in completed.stderr


def test_up_starts_after_killed_up(tmp_path: Path, engines: Engines) -> None:
    data_dir = session_data_folder(tmp_path, engines)
    environment = up_environment(data_dir, engines.postgres.port)
    killed = start_up(environment, tmp_path / "killed.log")
    os.kill(killed.pid, signal.SIGKILL)
    killed.wait()
    # Its children get SIGTERM from the kernel when it dies, so wait until their ports are free.
    wait_until_ports_free(environment)

    restarted = start_up(environment, tmp_path / "restarted.log")
    code, _seconds = _stop_with_sigint(restarted, process_group=True)

    assert code == 0
    assert BANNER_END in (tmp_path / "restarted.log").read_text(errors="replace")


def test_relative_data_folder_made_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The children of `up` run in the checkout, so a folder relative to the
    # operator's working folder must reach them as an absolute path.
    from services.runtime.stack import load_stack_settings

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MF_DATA_DIR", "relative-data")

    settings = load_stack_settings()

    assert settings.data_dir.is_absolute()
    assert settings.data_dir == tmp_path / "relative-data"


def test_mail_goes_to_loopback_sink(tmp_path: Path) -> None:
    # The SMTP sink listens on 127.0.0.1 only, so the services must send there whatever MF_HOST is.
    from services.runtime.engines import EmbeddedNats, EmbeddedPostgres
    from services.runtime.secrets import RuntimeSecrets
    from services.runtime.stack import Stack, StackSettings

    secrets = RuntimeSecrets.generate()
    settings = StackSettings(data_dir=tmp_path, host="192.0.2.10")
    postgres = EmbeddedPostgres(tmp_path / "postgres", free_port(), secrets.postgres_password)
    nats = EmbeddedNats(tmp_path / "nats", free_port(), secrets.nats_passwords)
    stack = Stack(settings, secrets, postgres, nats)

    environment = stack.service_environment("accounts")

    assert environment["MF_SMTP_HOST"] == "127.0.0.1"
    assert environment["MF_HTTP_HOST"] == "192.0.2.10"
