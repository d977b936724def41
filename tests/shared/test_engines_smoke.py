"""The embedded engines start and every service database is migrated."""

import asyncpg


async def test_each_service_connects_only_to_its_own_database(engines):
    own = await asyncpg.connect(engines.service_dsn("ledger"))
    tables = {row["tablename"] for row in await own.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    await own.close()
    foreign_dsn = engines.postgres.dsn("ledger", engines.secrets.service_passwords["ledger"], "accounts")

    try:
        await asyncpg.connect(foreign_dsn)
        connected_to_foreign = True
    except asyncpg.InsufficientPrivilegeError:
        connected_to_foreign = False

    assert {"outbox", "inbox", "dead_letters", "schema_migrations"} <= tables
    assert not connected_to_foreign


async def test_request_id_is_kept_only_when_plain(ledger_service):
    plain = await ledger_service.client.get("/healthz", headers={"X-Request-Id": "abc-123"})
    forged = await ledger_service.client.get("/healthz", headers={"X-Request-Id": "x" * 65})

    assert plain.headers["X-Request-Id"] == "abc-123"
    assert forged.headers["X-Request-Id"] != "x" * 65
    assert len(forged.headers["X-Request-Id"]) == 32
