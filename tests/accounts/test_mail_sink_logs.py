"""What the local SMTP sink prints about the messages that it stores."""

from __future__ import annotations

import os
import signal
import smtplib
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path

from tests.conftest import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_SECONDS = 60


def wait_for_output(log_file: Path, text: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if text in log_file.read_text(errors="replace"):
            return
        if process.poll() is not None:
            break
        time.sleep(0.1)
    raise AssertionError(f"{text!r} did not appear; output:\n{log_file.read_text(errors='replace')[-3000:]}")


def test_debug_level_omits_message_lines(tmp_path: Path) -> None:
    port = free_port()
    log_file = tmp_path / "sink.log"
    environment = {**os.environ, "MF_LOG_LEVEL": "debug", "MF_LOG_FORMAT": "json"}
    # A reset link as the accounts service writes it: quoted-printable wraps
    # the long line, so the token's end starts the next line of the body.
    token_start = "Tb" + "K" * 38
    token_end = "Zq7wXy"
    message = EmailMessage()
    message["From"] = "no-reply@mesfactures.localhost"
    message["To"] = "compta@agence.example"
    message["Subject"] = "Réinitialisation"
    message.set_content(f"Ouvrez ce lien : http://127.0.0.1:8470/mot-de-passe/{token_start}{token_end}\n", cte="quoted-printable")

    with log_file.open("wb") as output:
        sink = subprocess.Popen(
            [sys.executable, "-m", "services.accounts.mail_sink", str(tmp_path / "mail"), str(port)],
            cwd=REPO_ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        wait_for_output(log_file, "mail_sink_started", sink)
        with smtplib.SMTP("127.0.0.1", port, timeout=START_TIMEOUT_SECONDS) as client:
            client.send_message(message)
        wait_for_output(log_file, "mail_stored", sink)
    finally:
        os.killpg(sink.pid, signal.SIGINT)
        sink.wait(timeout=START_TIMEOUT_SECONDS)
    output_text = log_file.read_text(errors="replace")
    stored = next((tmp_path / "mail").glob("*.eml")).read_text()

    assert token_end in stored.replace("=\n", "")
    assert "mail_stored" in output_text
    assert token_start not in output_text
    assert token_end not in output_text
    assert "Ouvrez ce lien" not in output_text
