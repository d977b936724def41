"""deploy/migrate.py against databases created by the PostgreSQL init script."""

from __future__ import annotations

import json

import asyncpg
import pytest

from deploy.tests.support import PostgresServer, database_urls, load_deploy_script, run_deploy_script
from services.registry import SERVICE_NAMES, service_definition
from shared.db import migration_files


def log_events(stderr: str) -> list[dict]:
    return [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]


async def applied_migrations(server: PostgresServer, service: str, password: str) -> list[str]:
    connection = await asyncpg.connect(server.dsn(service, password, service))
    try:
        rows = await connection.fetch("SELECT name FROM schema_migrations ORDER BY name")
    finally:
        await connection.close()
    return [row["name"] for row in rows]


async def test_migrate_applies_all_schemas(postgres_server, provisioned) -> None:
    environment = {"MF_LOG_FORMAT": "json", **database_urls(postgres_server, provisioned)}

    result = run_deploy_script("migrate.py", environment=environment)

    assert result.returncode == 0, result.stderr
    for service in SERVICE_NAMES:
        expected = sorted(name for name, _path in migration_files(service_definition(service).migration_folders))
        assert await applied_migrations(postgres_server, service, provisioned[service]) == expected


async def test_migrate_second_run_applies_nothing(postgres_server, provisioned) -> None:
    environment = {"MF_LOG_FORMAT": "json", **database_urls(postgres_server, provisioned)}
    assert run_deploy_script("migrate.py", environment=environment).returncode == 0

    result = run_deploy_script("migrate.py", environment=environment)

    assert result.returncode == 0, result.stderr
    events = [event["event"] for event in log_events(result.stderr)]
    assert events == ["database_up_to_date"] * len(SERVICE_NAMES)


async def test_migrate_failure_continues_with_others(postgres_server, provisioned) -> None:
    environment = {"MF_LOG_FORMAT": "json", **database_urls(postgres_server, provisioned)}
    environment["MF_ACCOUNTS_DATABASE_URL"] = postgres_server.dsn("accounts", "wrong-password", "accounts")

    result = run_deploy_script("migrate.py", environment=environment)

    assert result.returncode == 1
    failed = [event for event in log_events(result.stderr) if event["event"] == "migration_failed"]
    assert [event["target_service"] for event in failed] == ["accounts"]
    assert "wrong-password" not in result.stderr
    assert await applied_migrations(postgres_server, "payments", provisioned["payments"])


async def test_migrate_single_service(postgres_server, provisioned) -> None:
    urls = database_urls(postgres_server, provisioned)
    environment = {"MF_LOG_FORMAT": "json", "MF_LEDGER_DATABASE_URL": urls["MF_LEDGER_DATABASE_URL"]}

    result = run_deploy_script("migrate.py", "ledger", environment=environment)

    assert result.returncode == 0, result.stderr
    assert [event["target_service"] for event in log_events(result.stderr)] == ["ledger"]


def test_migrate_lists_missing_variables() -> None:
    result = run_deploy_script("migrate.py", environment={})

    assert result.returncode == 2
    for service in SERVICE_NAMES:
        assert f"missing environment variable MF_{service.upper()}_DATABASE_URL" in result.stderr


def test_migrate_rejects_non_postgres_url() -> None:
    environment = {"MF_LEDGER_DATABASE_URL": "mysql://ledger:secret@db/ledger"}

    result = run_deploy_script("migrate.py", "ledger", environment=environment)

    assert result.returncode == 2
    assert "expected a postgresql:// URL, got scheme 'mysql'" in result.stderr


def test_migrate_rejects_unknown_service() -> None:
    result = run_deploy_script("migrate.py", "billing", environment={})

    assert result.returncode == 2
    assert "unknown service 'billing'" in result.stderr


async def test_migrate_retries_are_bounded(monkeypatch) -> None:
    migrate_script = load_deploy_script("migrate.py")
    monkeypatch.setattr(migrate_script, "CONNECT_ATTEMPTS", 3)
    monkeypatch.setattr(migrate_script, "CONNECT_RETRY_SECONDS", 0)
    attempts = []

    async def reject_connection(_url, _folders):
        attempts.append(1)
        raise ConnectionRefusedError("connection refused")

    monkeypatch.setattr(migrate_script, "migrate", reject_connection)

    with pytest.raises(ConnectionRefusedError):
        await migrate_script.migrate_service("ledger", "postgresql://ledger:pw@127.0.0.1:1/ledger")

    assert len(attempts) == 3


async def test_migrate_import_error_continues_with_others(monkeypatch) -> None:
    migrate_script = load_deploy_script("migrate.py")
    migrated = []

    def broken_ledger(service: str):
        if service == "ledger":
            raise ModuleNotFoundError("No module named 'services.ledger.app'")
        return service_definition(service)

    async def record_migration(url, _folders):
        migrated.append(url)
        return []

    monkeypatch.setattr(migrate_script, "service_definition", broken_ledger)
    monkeypatch.setattr(migrate_script, "migrate", record_migration)
    urls = {"ledger": "postgresql://ledger@db/ledger", "payments": "postgresql://payments@db/payments"}

    failures = await migrate_script.migrate_all(urls)

    assert failures == 1
    assert migrated == ["postgresql://payments@db/payments"]


def test_describe_database_hides_password() -> None:
    migrate_script = load_deploy_script("migrate.py")

    description = migrate_script.describe_database("postgresql://ledger:s3cret@postgres:5432/ledger")

    assert description == "ledger@postgres:5432/ledger"
