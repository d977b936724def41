"""Liveness, readiness, service failures and request logs of the gateway."""

from __future__ import annotations

import structlog

from shared.principal import generate_keypair
from tests.conftest import start_service
from tests.gateway.conftest import closed_port_url, service_url


async def test_healthz_answers_without_services(make_gateway):
    gateway = await make_gateway(accounts_url=closed_port_url(), ledger_url=closed_port_url())

    response = await gateway.get("/healthz")

    assert response.status == 200
    assert (await response.json()) == {"status": "ok"}


async def test_readyz_ready_when_all_services_answer(make_gateway, engines, signer):
    disputes, disputes_client = await start_service("disputes", engines, signer)
    payments, payments_client = await start_service("payments", engines, signer)
    try:
        gateway = await make_gateway(disputes_url=service_url(disputes), payments_url=service_url(payments))

        response = await gateway.get("/readyz")
        body = await response.json()
    finally:
        await disputes_client.close()
        await payments_client.close()

    assert response.status == 200
    assert body == {"status": "ready"}


async def test_readyz_lists_unreachable_services(make_gateway):
    gateway = await make_gateway()

    response = await gateway.get("/readyz")
    body = await response.json()

    assert response.status == 503
    assert body["status"] == "unavailable"
    assert [problem.split(":")[0] for problem in body["problems"]] == ["disputes", "payments"]


async def test_unreachable_accounts_gives_french_503(make_gateway):
    gateway = await make_gateway(accounts_url=closed_port_url())
    page = await gateway.get("/connexion")
    token = page.cookies["mf_login_csrf"].value
    form_token = (await page.text()).split('name="csrf_token" value="')[1].split('"')[0]

    response = await gateway.post(
        "/connexion",
        data={"login": "agent", "password": "mot de passe 123", "csrf_token": form_token},
        headers={"Cookie": f"mf_login_csrf={token}"},
    )
    html = await response.text()

    assert response.status == 503
    assert "Le service est momentanément indisponible." in html


async def test_unreachable_accounts_gives_json_503(make_gateway):
    gateway = await make_gateway(accounts_url=closed_port_url())

    response = await gateway.post("/api/v1/session", json={"login": "agent", "password": "mot de passe 123"})
    body = await response.json()

    assert response.status == 503
    assert body["error"]["code"] == "service_unavailable"


async def test_wrong_signing_key_gives_503(make_gateway, portal_data):
    other_private_key, _public = generate_keypair()
    gateway = await make_gateway(principal_private_key=other_private_key)

    response = await gateway.post(
        "/api/v1/session", json={"login": portal_data.agency.login, "password": portal_data.agency.password}
    )

    assert response.status == 503


async def test_request_log_has_no_secret(gateway, portal_data):
    with structlog.testing.capture_logs() as events:
        response = await gateway.post(
            "/api/v1/session", json={"login": portal_data.agency.login, "password": portal_data.agency.password}
        )
        token = response.cookies["mf_session"].value
        await gateway.get("/api/v1/me")
    logged = repr(events)
    # The services run in this process too; keep the gateway's own request lines.
    request_lines = [
        event for event in events if event["event"] == "http_request" and event["path"].startswith("/api/")
    ]

    assert response.status == 200
    assert portal_data.agency.password not in logged
    assert token not in logged
    assert [line["path"] for line in request_lines] == ["/api/v1/session", "/api/v1/me"]
    assert any(event["event"] == "login_succeeded" for event in events)
