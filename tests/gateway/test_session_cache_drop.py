"""Sessions that a password change or « Fermer mes autres sessions » ends stop working at once on this gateway."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gateway.portal.security import describe_closing_delay
from gateway.sessions import SessionInfo, SessionResolver
from shared.principal import Role
from tests.conftest import ServiceClient
from tests.gateway.browsers import is_logged_in, second_session, security_token
from tests.gateway.conftest import log_in
from tests.gateway.support import AgencyLogin, CreditorAccount, accounts_with_mail, create_agency_member, create_creditor

NEW_PASSWORD = "une tortue rapide gagne la course"


@pytest.fixture
async def accounts_service(engines, signer, tmp_path: Path) -> AsyncIterator[ServiceClient]:
    """The accounts service with a local SMTP sink, for the password-changed notice."""
    async with accounts_with_mail(engines, signer, tmp_path / "mail") as service:
        yield service


@pytest.fixture
async def user(gateway, accounts_pool, ledger_service) -> AgencyLogin:
    """A user logged in on ``gateway`` through its cookie jar."""
    creditor_id = await create_creditor(accounts_pool, ledger_service, "Presse Immo Sessions")
    member = await create_agency_member(
        accounts_pool, [CreditorAccount(creditor_id, "Presse Immo Sessions", "C9301")], role="comptable"
    )
    response = await log_in(gateway, member.login, member.password)
    assert response.status == 302
    return member





async def test_password_change_drops_cached_session(gateway, user):
    other = await second_session(gateway, user)
    # Opening a page caches the other session on this gateway for session_cache_seconds.
    assert await is_logged_in(gateway, other)

    response = await gateway.post(
        "/securite/mot-de-passe",
        data={
            "csrf_token": await security_token(gateway),
            "current_password": user.password,
            "new_password": NEW_PASSWORD,
            "new_password_confirmation": NEW_PASSWORD,
        },
        allow_redirects=False,
    )
    confirmation = await (await gateway.get(response.headers["Location"])).text()

    assert response.status == 303
    assert not await is_logged_in(gateway, other)
    assert (await gateway.get("/securite", allow_redirects=False)).status == 200
    assert "avec le nouveau mot de passe. Sur vos autres appareils, la fermeture peut prendre jusqu’à 5\u00a0secondes." in confirmation


async def test_closing_other_sessions_drops_cached_session(gateway, user):
    other = await second_session(gateway, user)
    assert await is_logged_in(gateway, other)

    response = await gateway.post(
        "/securite/sessions", data={"csrf_token": await security_token(gateway)}, allow_redirects=False
    )
    confirmation = await (await gateway.get(response.headers["Location"])).text()

    assert response.status == 303
    assert not await is_logged_in(gateway, other)
    assert "Cette session reste ouverte. Sur vos autres appareils, la fermeture peut prendre jusqu’à 5\u00a0secondes." in confirmation


def test_closing_delay_sentences():
    assert describe_closing_delay(0) == ""
    assert describe_closing_delay(5) == " Sur vos autres appareils, la fermeture peut prendre jusqu’à 5\u00a0secondes."
    assert describe_closing_delay(0.5) == " Sur vos autres appareils, la fermeture peut prendre jusqu’à 1\u00a0seconde."


def session_of(user_id: str, session_id: str) -> SessionInfo:
    expires_at = datetime.now(UTC) + timedelta(hours=1)
    return SessionInfo(session_id=session_id, user_id=user_id, login=user_id, role=Role.READER, expires_at=expires_at)


async def test_forget_user_keeps_other_users():
    sessions = {
        "token-of-anne-laptop-0001": session_of("anne", "s1"),
        "token-of-anne-phone-00002": session_of("anne", "s2"),
        "token-of-bruno-laptop-003": session_of("bruno", "s3"),
    }
    resolver, calls = await cached_resolver(sessions)

    dropped = resolver.forget_user("anne")
    for token in sessions:
        await resolver.resolve(token)

    assert dropped == 2
    assert calls.count("token-of-anne-laptop-0001") == 2
    assert calls.count("token-of-anne-phone-00002") == 2
    assert calls.count("token-of-bruno-laptop-003") == 1


async def cached_resolver(sessions: dict[str, SessionInfo]) -> tuple[SessionResolver, list[str]]:
    """Return a resolver that has cached every session of ``sessions``, and the list of its fetches."""
    calls: list[str] = []

    async def fetch(token: str) -> SessionInfo | None:
        calls.append(token)
        return sessions[token]

    resolver = SessionResolver(fetch, ttl_seconds=5, clock=time.monotonic)
    for token in sessions:
        await resolver.resolve(token)
    return resolver, calls


async def test_forget_user_accepts_upper_case_id():
    user_id = "5f0c6a2e-8b1d-4c3e-9a7f-0d2b4e6f8a10"
    resolver, _calls = await cached_resolver({"token-of-anne-laptop-0001": session_of(user_id, "s1")})

    assert resolver.forget_user(user_id.upper()) == 1


async def test_forget_login_ignores_case():
    resolver, calls = await cached_resolver({
        "token-of-anne-laptop-0001": session_of("Anne.Martin", "s1"),
        "token-of-bruno-laptop-003": session_of("bruno", "s2"),
    })

    dropped = resolver.forget_login(" anne.martin ")
    await resolver.resolve("token-of-anne-laptop-0001")
    await resolver.resolve("token-of-bruno-laptop-003")

    assert dropped == 1
    assert calls.count("token-of-anne-laptop-0001") == 2
    assert calls.count("token-of-bruno-laptop-003") == 1
