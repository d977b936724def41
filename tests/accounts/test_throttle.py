"""Login throttling per login and per client address, and its recovery."""

from __future__ import annotations

from structlog.testing import capture_logs

from services.accounts.throttle import (
    ADDRESS_MAX_FAILURES,
    LOGIN_FIRST_DELAY_SECONDS,
    LOGIN_FREE_FAILURES,
    LOGIN_MAX_DELAY_SECONDS,
    address_key,
    login_delay_seconds,
    stored_login_key,
)
from tests.accounts.support import log_in, unique_address

WRONG = "definitely the wrong password"


async def fail_times(service, user, count: int, client_ip: str | None = None) -> None:
    for _ in range(count):
        response = await log_in(service, user, password=WRONG, client_ip=client_ip or unique_address())
        assert response.status == 401


async def test_delay_doubles_and_is_capped():
    delays = [login_delay_seconds(failures) for failures in range(LOGIN_FREE_FAILURES - 1, LOGIN_FREE_FAILURES + 8)]

    assert delays[0] == 0
    assert delays[1] == LOGIN_FIRST_DELAY_SECONDS
    assert delays[2] == 2 * LOGIN_FIRST_DELAY_SECONDS
    assert delays[3] == 4 * LOGIN_FIRST_DELAY_SECONDS
    assert max(delays) == LOGIN_MAX_DELAY_SECONDS


async def test_login_throttled_after_five_failures(accounts_service, agency_admin):
    await fail_times(accounts_service, agency_admin, LOGIN_FREE_FAILURES)

    response = await log_in(accounts_service, agency_admin)
    body = await response.json()

    assert response.status == 429
    assert body["error"]["code"] == "throttled"
    assert 0 < body["error"]["details"]["retry_after"] <= LOGIN_FIRST_DELAY_SECONDS
    assert "Réessayez dans" in body["error"]["message"]


async def test_four_failures_do_not_throttle(accounts_service, agency_admin):
    await fail_times(accounts_service, agency_admin, LOGIN_FREE_FAILURES - 1)

    response = await log_in(accounts_service, agency_admin)

    assert response.status == 200


async def test_unknown_login_is_throttled_too(accounts_service):
    ghost = type("Ghost", (), {"login": "ghost-login-for-throttle", "password": WRONG})()
    await fail_times(accounts_service, ghost, LOGIN_FREE_FAILURES)

    response = await log_in(accounts_service, ghost)

    assert response.status == 429


async def test_login_recovers_when_delay_has_passed(accounts_service, agency_admin, accounts_pool):
    await fail_times(accounts_service, agency_admin, LOGIN_FREE_FAILURES)
    await accounts_pool.execute(
        "UPDATE login_attempts SET attempted_at = attempted_at - interval '31 seconds' WHERE login_key = $1",
        stored_login_key(agency_admin.login.lower()),
    )

    response = await log_in(accounts_service, agency_admin)

    assert response.status == 200


async def test_failure_after_delay_doubles_the_next(accounts_service, agency_admin, accounts_pool):
    await fail_times(accounts_service, agency_admin, LOGIN_FREE_FAILURES)
    await accounts_pool.execute(
        "UPDATE login_attempts SET attempted_at = attempted_at - interval '31 seconds' WHERE login_key = $1",
        stored_login_key(agency_admin.login.lower()),
    )
    await fail_times(accounts_service, agency_admin, 1)

    response = await log_in(accounts_service, agency_admin)
    body = await response.json()

    assert response.status == 429
    assert LOGIN_FIRST_DELAY_SECONDS < body["error"]["details"]["retry_after"] <= 2 * LOGIN_FIRST_DELAY_SECONDS


async def test_success_resets_login_count(accounts_service, agency_admin, accounts_pool):
    await fail_times(accounts_service, agency_admin, LOGIN_FREE_FAILURES - 1)
    assert (await log_in(accounts_service, agency_admin)).status == 200
    await fail_times(accounts_service, agency_admin, LOGIN_FREE_FAILURES - 1)

    response = await log_in(accounts_service, agency_admin)

    assert response.status == 200


async def test_throttled_attempts_are_not_counted(accounts_service, agency_admin, accounts_pool):
    await fail_times(accounts_service, agency_admin, LOGIN_FREE_FAILURES)
    for _ in range(3):
        assert (await log_in(accounts_service, agency_admin, password=WRONG)).status == 429

    recorded = await accounts_pool.fetchval(
        "SELECT count(*) FROM login_attempts WHERE login_key = $1",
        stored_login_key(agency_admin.login.lower()),
    )

    assert recorded == LOGIN_FREE_FAILURES


async def test_failures_older_than_window_are_forgotten(accounts_service, agency_admin, accounts_pool):
    # More failures than the free allowance, but each 16 minutes old, so outside the 15-minute window.
    await accounts_pool.executemany(
        """INSERT INTO login_attempts (login_key, client_ip, succeeded, attempted_at)
           VALUES ($1, $2, false, now() - interval '16 minutes')""",
        [(stored_login_key(agency_admin.login.lower()), unique_address()) for _ in range(LOGIN_FREE_FAILURES + 5)],
    )

    response = await log_in(accounts_service, agency_admin)

    assert response.status == 200


async def test_address_throttled_across_logins(accounts_service, accounts_pool):
    address = unique_address()
    for index in range(ADDRESS_MAX_FAILURES):
        ghost = type("Ghost", (), {"login": f"spray-{address}-{index}", "password": WRONG})()
        await fail_times(accounts_service, ghost, 1, client_ip=address)
    from tests.accounts.support import make_agency_user

    victim = await make_agency_user(accounts_pool)

    from_attacker = await log_in(accounts_service, victim, client_ip=address)
    from_elsewhere = await log_in(accounts_service, victim, client_ip=unique_address())

    assert from_attacker.status == 429
    assert (await from_attacker.json())["error"]["details"]["retry_after"] <= 15 * 60
    assert from_elsewhere.status == 200


async def test_address_recovers_after_window(accounts_service, accounts_pool, agency_admin):
    address = unique_address()
    for index in range(ADDRESS_MAX_FAILURES):
        ghost = type("Ghost", (), {"login": f"spray-{address}-{index}", "password": WRONG})()
        await fail_times(accounts_service, ghost, 1, client_ip=address)
    await accounts_pool.execute(
        "UPDATE login_attempts SET attempted_at = attempted_at - interval '15 minutes 1 second' WHERE client_ip = $1",
        address_key(address),
    )

    response = await log_in(accounts_service, agency_admin, client_ip=address)

    assert response.status == 200


async def test_throttling_publishes_event(accounts_service, agency_admin, accounts_pool):
    await fail_times(accounts_service, agency_admin, LOGIN_FREE_FAILURES)

    payloads = await accounts_pool.fetch(
        """SELECT payload FROM outbox WHERE subject = 'accounts.login.throttled'
            AND payload -> 'data' ->> 'login' = $1""",
        agency_admin.login.lower(),
    )

    assert len(payloads) == 1
    data = payloads[0]["payload"]["data"]
    assert data["scope"] == "login"
    assert data["failures"] == LOGIN_FREE_FAILURES
    assert data["retry_after_seconds"] == LOGIN_FIRST_DELAY_SECONDS


async def test_failed_login_unknown_login_not_logged_or_published(accounts_service, accounts_pool):
    """A password typed into the login field must not be written down."""
    typed = f"MonMotDePasse-Secret-{unique_address()}"
    ghost = type("Ghost", (), {"login": typed, "password": WRONG})()

    with capture_logs() as logs:
        await fail_times(accounts_service, ghost, LOGIN_FREE_FAILURES)
        throttled = await log_in(accounts_service, ghost, client_ip=unique_address())
    events = await accounts_pool.fetch(
        "SELECT payload FROM outbox WHERE subject = 'accounts.login.throttled' AND payload::text ILIKE $1",
        f"%{typed}%",
    )
    logins = [entry for entry in logs if entry["event"].startswith("login_")]

    assert throttled.status == 429
    assert {entry["event"] for entry in logins} >= {"login_failed", "login_throttled", "login_rejected_throttled"}
    assert all(entry["login"] is None for entry in logins)
    assert typed.lower() not in repr(logs)
    assert events == []


async def test_failed_login_known_login_logged(accounts_service, agency_admin):
    with capture_logs() as logs:
        await fail_times(accounts_service, agency_admin, 1)

    failed = [entry for entry in logs if entry["event"] == "login_failed"]

    assert [entry["login"] for entry in failed] == [agency_admin.login.lower()]


async def test_address_limit_spans_ipv6_network(accounts_service, accounts_pool):
    network = unique_address().removesuffix("::1")
    for index in range(ADDRESS_MAX_FAILURES):
        ghost = type("Ghost", (), {"login": f"spray-{network}-{index}", "password": WRONG})()
        await fail_times(accounts_service, ghost, 1, client_ip=f"{network}::{index + 1:x}")
    from tests.accounts.support import make_agency_user

    victim = await make_agency_user(accounts_pool)

    from_same_network = await log_in(accounts_service, victim, client_ip=f"{network}:0:0:0:ffff")

    assert from_same_network.status == 429


def test_address_key_groups_ipv6_by_network():
    assert address_key("2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64"
    assert address_key("2001:db8:1:2::ffff") == "2001:db8:1:2::/64"
    assert address_key("2001:db8:1:3::1") == "2001:db8:1:3::/64"
    assert address_key("203.0.113.7") == "203.0.113.7"
    assert address_key("::ffff:203.0.113.7") == "203.0.113.7"


async def test_typed_login_not_stored(accounts_service, accounts_pool):
    typed = f"MonMotDePasse-{unique_address()}"
    ghost = type("Ghost", (), {"login": typed, "password": WRONG})()

    await fail_times(accounts_service, ghost, 1)
    stored = await accounts_pool.fetch("SELECT login_key FROM login_attempts WHERE login_key = $1", typed.lower())
    hashed = await accounts_pool.fetchval(
        "SELECT count(*) FROM login_attempts WHERE login_key = $1", stored_login_key(typed.lower())
    )

    assert stored == []
    assert hashed == 1
