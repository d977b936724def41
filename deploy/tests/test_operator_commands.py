"""The mesfactures operator commands against the production databases given by MF_<SERVICE>_DATABASE_URL."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import asyncpg

from deploy.tests.support import REPO_ROOT, database_urls, free_port, run_deploy_script
from tests.conftest import fixture_path

CLI = [sys.executable, "-c", "from services.cli import main; main()"]


def run_cli(arguments: list[str], environment: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [*CLI, *arguments],
        cwd=REPO_ROOT,
        env={**os.environ, **environment},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )


async def test_commands_use_configured_databases(postgres_server, provisioned, tmp_path: Path) -> None:
    fec_file = fixture_path("fec", "0000000001FEC20220831.txt")
    urls = database_urls(postgres_server, provisioned)
    assert run_deploy_script("migrate.py", environment={"MF_LOG_FORMAT": "json", **urls}).returncode == 0
    # MF_PG_PORT names a free port, so an embedded server started by mistake
    # would not find the test server there either.
    environment = {
        **urls,
        "MF_LOG_FORMAT": "json",
        "MF_DATA_DIR": str(tmp_path / "data"),
        "MF_PG_PORT": str(free_port()),
    }
    creditor = f"deploy-{uuid.uuid4().hex[:8]}"
    login = f"agence-{uuid.uuid4().hex[:8]}"

    created = run_cli(["ledger", "create-creditor", "--creditor", creditor, "--name", "Créancier de test"], environment)
    imported = run_cli(["ledger", "import-fec", "--creditor", creditor, str(fec_file)], environment)
    user = run_cli(
        ["accounts", "create-user", "--login", login, "--creditor", creditor, "--account", "CPRO00"],
        environment,
        stdin="une phrase de passe assez longue 2026\n",
    )

    assert created.returncode == 0, created.stderr
    assert imported.returncode == 0, imported.stderr
    assert user.returncode == 0, user.stderr
    # Nothing is written to the data folder: in the image it is not writable.
    assert not (tmp_path / "data").exists()
    ledger = await asyncpg.connect(urls["MF_LEDGER_DATABASE_URL"])
    accounts = await asyncpg.connect(urls["MF_ACCOUNTS_DATABASE_URL"])
    try:
        line_count = await ledger.fetchval("SELECT line_count FROM imports WHERE creditor_id = $1", creditor)
        linked = await accounts.fetchval(
            """SELECT a.customer_account FROM users u
                 JOIN memberships m ON m.user_id = u.id
                 JOIN agency_accounts a ON a.agency_id = m.agency_id
                WHERE u.login = $1 AND a.creditor_id = $2""",
            login,
            creditor,
        )
    finally:
        await ledger.close()
        await accounts.close()
    assert line_count == 5422
    assert linked == "CPRO00"
