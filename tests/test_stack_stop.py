"""``mesfactures up`` and the mail sink stop quickly and quietly on SIGINT, as after Ctrl-C."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from services.registry import SERVICE_NAMES
from services.runtime.engines import port_is_free, port_is_open
from tests.conftest import Engines, free_port

REPO_ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT_SECONDS = 60
# ProcessGroup.stop kills a child after 15 s, so a stop under this limit
# means that every child stopped on its own.
STOP_LIMIT_SECONDS = 8


def _free_port_block(size: int) -> int:
    """Return the first of `size` consecutive free loopback ports."""
    for _attempt in range(50):
        first = free_port()
        if first + size > 65535:
            continue
        if all(port_is_free(first + offset) for offset in range(size)):
            return first
    raise AssertionError(f"found no {size} consecutive free ports")


def _wait_for_output(log_file: Path, text: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if text in log_file.read_text(errors="replace"):
            return
        if process.poll() is not None:
            break
        time.sleep(0.1)
    process.kill()
    raise AssertionError(f"{text!r} did not appear; output:\n{log_file.read_text(errors='replace')[-3000:]}")


def _stop_with_sigint(process: subprocess.Popen, process_group: bool) -> tuple[int, float]:
    """Send SIGINT as Ctrl-C does, then return the exit code and the seconds the stop took."""
    started = time.monotonic()
    if process_group:
        os.killpg(process.pid, signal.SIGINT)
    else:
        process.send_signal(signal.SIGINT)
    try:
        code = process.wait(timeout=STOP_LIMIT_SECONDS * 3)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise AssertionError(f"the process was still running {STOP_LIMIT_SECONDS * 3} s after SIGINT") from None
    return code, time.monotonic() - started


def _logged_events(output_text: str) -> set[tuple[str, str]]:
    """Return the (service, event) pairs of the JSON log lines in `output_text`."""
    events = set()
    for line in output_text.splitlines():
        if not line.startswith("{"):
            continue
        record = json.loads(line)
        events.add((record.get("service", ""), record.get("event", "")))
    return events


def test_mail_sink_stops_quietly_on_sigint(tmp_path: Path) -> None:
    port = free_port()
    log_file = tmp_path / "sink.log"
    with log_file.open("wb") as output:
        sink = subprocess.Popen(
            [sys.executable, "-m", "services.accounts.mail_sink", str(tmp_path / "mail"), str(port)],
            cwd=REPO_ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    _wait_for_output(log_file, "mail_sink_started", sink)

    code, seconds = _stop_with_sigint(sink, process_group=True)

    output_text = log_file.read_text(errors="replace")
    assert code == 0, output_text
    assert seconds < STOP_LIMIT_SECONDS
    assert "Traceback" not in output_text, output_text[max(0, output_text.find("Traceback") - 500):]
    assert "KeyboardInterrupt" not in output_text
    assert "mail_sink_stopped" in output_text
    assert not port_is_open(port)
    # Its output is not a terminal, so its lines are JSON like those of the services.
    assert {("smtp-sink", "mail_sink_started"), ("smtp-sink", "mail_sink_stopped")} <= _logged_events(output_text)


def test_up_stops_every_process_on_sigint(tmp_path: Path, engines: Engines) -> None:
    # `up` reuses a PostgreSQL that listens on MF_PG_PORT, here the session's,
    # when the data folder contains that server's secrets. Only NATS and the six
    # processes start, which keeps the test to a few seconds.
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "secrets.json").write_text(json.dumps(dataclasses.asdict(engines.secrets)))
    environment = dict(os.environ)
    environment.update(
        {
            "MF_DATA_DIR": str(data_dir),
            "MF_PG_PORT": str(engines.postgres.port),
            "MF_NATS_PORT": str(free_port()),
            "MF_GATEWAY_PORT": str(free_port()),
            "MF_SMTP_PORT": str(free_port()),
            "MF_FIRST_SERVICE_PORT": str(_free_port_block(len(SERVICE_NAMES))),
            "MF_LOG_FORMAT": "json",
        }
    )
    for name in SERVICE_NAMES:
        environment.pop(f"MF_{name.upper()}_DATABASE_URL", None)
    log_file = tmp_path / "up.log"
    with log_file.open("wb") as output:
        up = subprocess.Popen(
            [sys.executable, "-c", "from services.cli import main; main()", "up", "--no-demo"],
            cwd=REPO_ROOT,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            # A session of its own, so that SIGINT to its process group reaches
            # what Ctrl-C in its terminal would reach, and nothing of pytest.
            start_new_session=True,
        )
    _wait_for_output(log_file, "Press Ctrl-C to stop every process.", up)

    code, seconds = _stop_with_sigint(up, process_group=True)

    output_text = log_file.read_text(errors="replace")
    assert code == 0, output_text
    assert seconds < STOP_LIMIT_SECONDS, output_text
    assert "Traceback" not in output_text, output_text[max(0, output_text.find("Traceback") - 500):]
    events = _logged_events(output_text)
    for name in SERVICE_NAMES:
        assert (name, "service_stopping") in events, output_text
    assert ("gateway", "gateway_stopping") in events
    assert "mail_sink_stopped" in output_text


def test_up_busy_port_one_line(tmp_path: Path) -> None:
    # Another program listens on the gateway's port before `up` starts anything.
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        environment = dict(os.environ)
        environment.update(
            {
                "MF_DATA_DIR": str(tmp_path / "data"),
                "MF_PG_PORT": str(free_port()),
                "MF_NATS_PORT": str(free_port()),
                "MF_GATEWAY_PORT": str(port),
                "MF_SMTP_PORT": str(free_port()),
                "MF_FIRST_SERVICE_PORT": str(_free_port_block(len(SERVICE_NAMES))),
            }
        )
        for name in SERVICE_NAMES:
            environment.pop(f"MF_{name.upper()}_DATABASE_URL", None)
        completed = subprocess.run(
            [sys.executable, "-c", "from services.cli import main; main()", "up", "--no-demo"],
            cwd=REPO_ROOT,
            env=environment,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT_SECONDS,
        )

    assert completed.returncode == 2
    assert "Traceback" not in completed.stderr
    assert completed.stderr.strip() == (
        f"error: port {port} (MF_GATEWAY_PORT) is in use by another program: stop it, or set the variable to a"
        " free port (ports below 32768 are never given to outgoing connections)"
    )
    assert not (tmp_path / "data" / "postgres").exists()
