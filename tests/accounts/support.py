"""Helpers shared by the accounts tests: users, passwords, client addresses, login calls."""

from __future__ import annotations

import ipaddress
import secrets
from dataclasses import dataclass

import asyncpg

from services.accounts.commands import create_user, ensure_creditor
from tests.conftest import unique_id


@dataclass(frozen=True)
class AgencyUser:
    """An agency user created for one test, with the password it logs in with."""

    user_id: str
    login: str
    password: str
    creditor: str
    customer_account: str
    email: str
    agency_id: str
    role: str


def new_password() -> str:
    return f"correct horse {secrets.token_hex(6)}"


def unique_address() -> str:
    """A client address no other test uses, in a /64 of its own of the IPv6 documentation range.

    The login throttle counts an IPv6 client by its /64 network (see
    ``address_key``), so each test gets another network.
    """
    return str(ipaddress.ip_address(f"2001:db8:{secrets.token_hex(2)}:{secrets.token_hex(2)}::1"))


async def make_agency_user(
    pool: asyncpg.Pool,
    *,
    role: str = "administrateur",
    creditor: str | None = None,
    customer_account: str | None = None,
    agency_name: str | None = None,
) -> AgencyUser:
    """Create a creditor (when not given) and an agency user holding one account there."""
    creditor = creditor or unique_id("cred")
    await ensure_creditor(pool, creditor, f"Créancier {creditor}")
    customer_account = customer_account or unique_id("C")
    login = unique_id("user")
    password = new_password()
    email = f"{login}@agence.example"
    user_id = await create_user(
        pool,
        login=login,
        password=password,
        creditor=creditor,
        customer_account=customer_account,
        role=role,
        agency_name=agency_name,
        email=email,
    )
    agency_id = await pool.fetchval("SELECT agency_id::text FROM memberships WHERE user_id = $1::uuid", user_id)
    return AgencyUser(user_id, login, password, creditor, customer_account, email, agency_id, role)




async def log_in(service, user: AgencyUser, *, password: str | None = None, client_ip: str | None = None):
    """POST /internal/logins as the gateway; return the response."""
    return await service.client.post(
        "/internal/logins",
        json={
            "login": user.login,
            "password": password if password is not None else user.password,
            "client_ip": client_ip or unique_address(),
        },
        headers=service.system_headers(),
    )


async def current_session(service, token: str):
    """GET /internal/sessions/current with ``token``; return the response."""
    headers = {**service.system_headers(), "X-MF-Session": token}
    return await service.client.get("/internal/sessions/current", headers=headers)


def principal_headers(service, user: AgencyUser, role: str | None = None) -> dict[str, str]:
    """Sign a principal for ``user`` as the gateway would after login."""
    from shared.principal import Role

    return service.headers_for(
        role=Role(role or user.role),
        accounts=((user.creditor, user.customer_account),),
        user_id=user.user_id,
        agency_id=user.agency_id,
    )


async def wait_for_mail(folder, predicate, *, count: int = 1, timeout: float = 10.0):
    """Return the first ``count`` sink messages that match ``predicate``, waiting for the dispatcher.

    The wait is bounded; a missing message fails with the subjects that did arrive.
    """
    import asyncio

    from services.accounts.mail_sink import list_messages

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        matching = [message for message in list_messages(folder) if predicate(message)]
        if len(matching) >= count:
            return matching
        if loop.time() > deadline:
            subjects = [message.subject for message in list_messages(folder)]
            raise AssertionError(f"expected {count} matching messages, got {len(matching)}; stored: {subjects}")
        await asyncio.sleep(0.05)


async def dispatch_until_handled(dispatcher, pool, mail_id, *, batches: int = 50) -> None:
    """Run the dispatcher's batches until it has sent the message `mail_id` or recorded a failed attempt.

    The tests share the accounts database, so messages that earlier tests
    queued, some encrypted with keys this dispatcher lacks, may be older
    and fill the first batches. Each batch sends those or postpones them,
    so a later batch reaches this message.
    """
    for _ in range(batches):
        await dispatcher.send_due()
        row = await pool.fetchrow("SELECT sent_at, attempts FROM outgoing_mail WHERE id = $1", mail_id)
        if row["sent_at"] is not None or row["attempts"] > 0:
            return
    raise AssertionError(f"the dispatcher did not reach message {mail_id} within {batches} batches")


def link_token(text: str, path: str) -> str:
    """Return the token of the first ``{public url}/{path}/{token}`` link in ``text``."""
    import re

    match = re.search(rf"/{path}/([A-Za-z0-9_-]+)", text)
    assert match is not None, f"no /{path}/ link in: {text}"
    return match.group(1)
