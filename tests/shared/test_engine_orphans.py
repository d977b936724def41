"""Engines and child processes stop when the process that started them is killed with SIGKILL."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

from tests.conftest import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]

# Started as a separate Python process: it starts PostgreSQL, NATS and one
# plain child, prints their process ids as JSON after "PIDS", then waits to be killed.
PARENT_SCRIPT = textwrap.dedent(
    """
    import json, signal, subprocess, sys, time
    from pathlib import Path
    from services.runtime.engines import EmbeddedNats, EmbeddedPostgres, stop_with_parent

    base = Path(sys.argv[1])
    postgres = EmbeddedPostgres(base / "postgres", int(sys.argv[2]), "orphan-test-password")
    nats = EmbeddedNats(base / "nats", int(sys.argv[3]))
    postgres.start()
    nats.start()
    child = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(600)"], preexec_fn=stop_with_parent(signal.SIGTERM)
    )
    pids = {"postgres": postgres.process.pid, "nats": nats.process.pid, "child": child.pid}
    print("PIDS", json.dumps(pids), flush=True)
    time.sleep(600)
    """
)


def _read_pids(parent: subprocess.Popen) -> dict[str, int]:
    """Return the process ids that the parent script prints, skipping its log lines."""
    for line in parent.stdout:
        if line.startswith("PIDS "):
            return json.loads(line.removeprefix("PIDS "))
    raise AssertionError(f"the parent script exited with code {parent.wait()} before printing its children")


def _is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie has exited, and only waits for its parent to collect it.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def _wait_until_stopped(pids: dict[str, int], timeout: float) -> dict[str, int]:
    """Wait until every process of `pids` has exited; return those still running at the timeout."""
    deadline = time.monotonic() + timeout
    running = dict(pids)
    while running and time.monotonic() < deadline:
        running = {name: pid for name, pid in running.items() if _is_running(pid)}
        time.sleep(0.1)
    return running


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal exists on Linux only")
def test_sigkill_of_parent_stops_engines():
    base = Path(tempfile.mkdtemp(prefix="mesfactures-orphans-"))
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT_SCRIPT, str(base), str(free_port()), str(free_port())],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    pids: dict[str, int] = {}
    try:
        pids = _read_pids(parent)
        assert all(_is_running(pid) for pid in pids.values())

        parent.kill()
        parent.wait()
        still_running = _wait_until_stopped(pids, timeout=30)

        assert still_running == {}
    finally:
        parent.kill()
        parent.wait()
        parent.stdout.close()
        for pid in pids.values():
            if _is_running(pid):
                os.kill(pid, signal.SIGKILL)
        shutil.rmtree(base, ignore_errors=True)

