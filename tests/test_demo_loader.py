"""The demo loader: three creditors through the FEC importer, users and contacts, once."""

from __future__ import annotations

from types import SimpleNamespace

from services.accounts.contacts import read_manager, read_sheet
from services.ledger.demo_data import DEMO_CREDITORS
from services.runtime.demo import DEMO_LOGIN, load_demo
from shared.db import open_pool


async def test_demo_loads_once_with_contacts_and_profiles(engines):
    stack = SimpleNamespace(service_dsn=engines.service_dsn, secrets=engines.secrets)

    first = await load_demo(stack)
    # PostgreSQL writes an error to its log before it sends it to the client
    # (EmitErrorReport in elog.c), so the log is complete once the run returns.
    log_size_before_second = engines.postgres.log_file.stat().st_size
    second = await load_demo(stack)
    with engines.postgres.log_file.open("rb") as log:
        log.seek(log_size_before_second)
        second_run_log = log.read().decode(errors="replace")
    async with open_pool(engines.service_dsn("ledger"), max_size=1) as ledger_pool:
        imports = await ledger_pool.fetch(
            "SELECT creditor_id, count(*) AS files FROM imports "
            "WHERE creditor_id IN ('pressimmo', 'belles-demeures', 'poliris') GROUP BY creditor_id"
        )
        overdue = await ledger_pool.fetchval(
            "SELECT count(*) FROM entries WHERE creditor_id = 'pressimmo' AND debit > 0 AND open_amount > 0 "
            "AND due_date < current_date"
        )
        partly_paid = await ledger_pool.fetchval(
            "SELECT count(*) FROM entries WHERE creditor_id IN ('pressimmo', 'belles-demeures', 'poliris') "
            "AND debit > 0 AND open_amount > 0 AND open_amount < debit"
        )
    async with open_pool(engines.service_dsn("accounts"), max_size=1) as accounts_pool:
        demo_accounts = await accounts_pool.fetchval(
            """SELECT count(*) FROM users u JOIN memberships m ON m.user_id = u.id
                 JOIN agency_accounts a ON a.agency_id = m.agency_id WHERE u.login = $1""",
            DEMO_LOGIN,
        )
        async with accounts_pool.acquire() as connection:
            billing_sheet = await read_sheet(connection, "pressimmo", "facturation")
            manager = await read_manager(connection, "pressimmo", "C00123")

    assert first.startswith("demo data loaded")
    assert second == "demo data already loaded"
    assert "ERROR" not in second_run_log, second_run_log
    assert {row["creditor_id"]: row["files"] for row in imports} == {
        "pressimmo": 1, "belles-demeures": 1, "poliris": 1,
    }
    assert overdue > 0
    assert partly_paid > 0
    assert demo_accounts == 3
    assert billing_sheet["email"] == "facturation@pressimmo.example"
    assert manager is not None


async def test_demo_identity_saved_through_accounts(engines):
    stack = SimpleNamespace(service_dsn=engines.service_dsn, secrets=engines.secrets)

    await load_demo(stack)
    async with open_pool(engines.service_dsn("accounts"), max_size=1) as accounts_pool:
        saved = await accounts_pool.fetchrow(
            "SELECT iban_masked, updated_at FROM creditor_identities WHERE creditor_id = 'pressimmo'"
        )
        events = await accounts_pool.fetch(
            """SELECT payload FROM outbox WHERE subject = 'accounts.creditor_identity.updated'
                AND payload ->> 'creditor_id' = 'pressimmo'"""
        )
    async with open_pool(engines.service_dsn("ledger"), max_size=1) as ledger_pool:
        ledger = await ledger_pool.fetchrow(
            "SELECT iban, identity_changed_at FROM creditors WHERE id = 'pressimmo'"
        )
    pressimmo = next(creditor for creditor in DEMO_CREDITORS if creditor.slug == "pressimmo")

    assert saved is not None
    assert len(events) == 1
    assert events[0]["payload"]["data"]["iban"] == ledger["iban"]
    assert ledger["iban"] == pressimmo.identity.iban.replace(" ", "")
    assert ledger["identity_changed_at"] == saved["updated_at"]
    assert saved["iban_masked"].endswith(ledger["iban"][-4:])


async def test_demo_links_accounts_after_interrupted_load(engines):
    stack = SimpleNamespace(service_dsn=engines.service_dsn, secrets=engines.secrets)
    await load_demo(stack)
    linked_accounts = """SELECT count(*) FROM users u JOIN memberships m ON m.user_id = u.id
                           JOIN agency_accounts a ON a.agency_id = m.agency_id WHERE u.login = $1"""
    async with open_pool(engines.service_dsn("accounts"), max_size=1) as accounts_pool:
        # As a load stopped after creating the user and before linking its other accounts leaves it,
        # with the rows that reference those links removed first.
        for table in ("bank_change_requests", "bank_details", "billing_details", "main_contacts", "agency_accounts"):
            await accounts_pool.execute(
                f"""DELETE FROM {table} WHERE creditor_id <> 'pressimmo' AND (creditor_id, customer_account) IN
                      (SELECT a.creditor_id, a.customer_account FROM users u
                         JOIN memberships m ON m.user_id = u.id
                         JOIN agency_accounts a ON a.agency_id = m.agency_id
                        WHERE u.login = $1)""",
                DEMO_LOGIN,
            )
        before = await accounts_pool.fetchval(linked_accounts, DEMO_LOGIN)

        await load_demo(stack)
        after = await accounts_pool.fetchval(linked_accounts, DEMO_LOGIN)

    assert before == 1
    assert after == 3
