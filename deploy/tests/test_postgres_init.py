"""The PostgreSQL init script, run with psql against a real server."""

from __future__ import annotations

import asyncpg
import pytest

from services.registry import SERVICE_NAMES

from deploy.tests.support import PostgresServer, new_passwords


async def connect(server: PostgresServer, user: str, password: str, database: str) -> asyncpg.Connection:
    return await asyncpg.connect(server.dsn(user, password, database))


async def test_init_creates_roles_and_databases(postgres_server: PostgresServer) -> None:
    passwords = new_passwords()

    result = postgres_server.run_init_script(passwords)

    assert result.returncode == 0, result.stderr
    for service in SERVICE_NAMES:
        connection = await connect(postgres_server, service, passwords[service], service)
        try:
            owner = await connection.fetchval(
                "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()"
            )
            role = await connection.fetchrow(
                "SELECT rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = current_user"
            )
        finally:
            await connection.close()
        assert owner == service
        assert tuple(role) == (False, False, False)


@pytest.mark.parametrize("database", ["ledger", "postgres", "template1"])
async def test_service_role_cannot_connect_elsewhere(postgres_server: PostgresServer, database: str) -> None:
    passwords = new_passwords()
    assert postgres_server.run_init_script(passwords).returncode == 0

    with pytest.raises(asyncpg.InsufficientPrivilegeError) as raised:
        await connect(postgres_server, "accounts", passwords["accounts"], database)

    assert "CONNECT" in str(raised.value)


async def test_init_rerun_rotates_passwords(postgres_server: PostgresServer) -> None:
    old_passwords = new_passwords()
    assert postgres_server.run_init_script(old_passwords).returncode == 0
    new = new_passwords()

    result = postgres_server.run_init_script(new)

    assert result.returncode == 0, result.stderr
    with pytest.raises(asyncpg.InvalidPasswordError):
        await connect(postgres_server, "ledger", old_passwords["ledger"], "ledger")
    connection = await connect(postgres_server, "ledger", new["ledger"], "ledger")
    await connection.close()


async def test_init_reads_password_files(postgres_server: PostgresServer, tmp_path) -> None:
    passwords = new_passwords()
    password_file = tmp_path / "payments-password"
    password_file.write_text(passwords["payments"] + "\n")
    listed = {service: password for service, password in passwords.items() if service != "payments"}

    result = postgres_server.run_init_script(listed, MF_PAYMENTS_DB_PASSWORD_FILE=str(password_file))

    assert result.returncode == 0, result.stderr
    connection = await connect(postgres_server, "payments", passwords["payments"], "payments")
    await connection.close()


async def test_init_missing_password_changes_nothing(postgres_server: PostgresServer) -> None:
    current = new_passwords()
    assert postgres_server.run_init_script(current).returncode == 0
    incomplete = {service: password for service, password in new_passwords().items() if service != "disputes"}

    result = postgres_server.run_init_script(incomplete)

    assert result.returncode != 0
    assert "MF_DISPUTES_DB_PASSWORD" in result.stderr
    connection = await connect(postgres_server, "accounts", current["accounts"], "accounts")
    await connection.close()


async def test_init_rejects_password_and_file(postgres_server: PostgresServer, tmp_path) -> None:
    password_file = tmp_path / "ledger-password"
    password_file.write_text("from-the-file")

    result = postgres_server.run_init_script(new_passwords(), MF_LEDGER_DB_PASSWORD_FILE=str(password_file))

    assert result.returncode != 0
    assert "both MF_LEDGER_DB_PASSWORD and MF_LEDGER_DB_PASSWORD_FILE are set" in result.stderr


async def test_init_reports_unreadable_file(postgres_server: PostgresServer, tmp_path) -> None:
    listed = {service: password for service, password in new_passwords().items() if service != "ledger"}
    missing_file = tmp_path / "absent"

    result = postgres_server.run_init_script(listed, MF_LEDGER_DB_PASSWORD_FILE=str(missing_file))

    assert result.returncode != 0
    assert f"MF_LEDGER_DB_PASSWORD_FILE names {missing_file}" in result.stderr
