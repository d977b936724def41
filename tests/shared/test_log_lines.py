"""Each log record is one whole line, also when several processes share the output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

WRITER = """
import sys
from shared.logging import configure_logging
import structlog

configure_logging(sys.argv[1], log_format="json")
log = structlog.get_logger()
for number in range(int(sys.argv[2])):
    log.info("line_written", number=number, padding="x" * 200)
"""


def test_concurrent_processes_write_whole_lines(tmp_path: Path) -> None:
    # The stack starts its services with PYTHONUNBUFFERED=1, so each write
    # reaches the shared file at once, as in a terminal.
    environment = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(REPO_ROOT)}
    records_per_writer = 3000
    log_file = tmp_path / "shared.log"
    with log_file.open("wb") as output:
        writers = [
            subprocess.Popen(
                [sys.executable, "-c", WRITER, name, str(records_per_writer)],
                cwd=REPO_ROOT,
                env=environment,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
            for name in ("first", "second", "third")
        ]
        codes = [writer.wait(timeout=120) for writer in writers]

    lines = log_file.read_text().splitlines()
    records = [json.loads(line) for line in lines]

    assert codes == [0, 0, 0]
    assert len(records) == 3 * records_per_writer
    assert {record["service"] for record in records} == {"first", "second", "third"}
