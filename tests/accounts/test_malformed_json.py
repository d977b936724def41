"""JSON bodies that Python's json module cannot read get the service's invalid-body 422, never a 500."""

from __future__ import annotations

import json

import pytest
import structlog

from tests.accounts.support import unique_address

INVALID_BODY_MESSAGE = "Le corps de la requête est invalide\u00a0: un objet JSON est attendu."


def login_body(login: str) -> bytes:
    """Return a login request whose ``login`` value is the raw JSON text ``login``."""
    return f'{{"login": {login}, "password": "x", "client_ip": "{unique_address()}"}}'.encode()


MALFORMED_BODIES = {
    # Python raises ValueError on an integer of more than 4300 digits (sys.int_info.default_max_str_digits).
    "integer of 5000 digits": (login_body("9" * 5000), "application/json"),
    # The json decoder raises RecursionError on arrays nested beyond the interpreter's recursion limit.
    "arrays nested 100000 deep": (login_body("[" * 100_000 + "]" * 100_000), "application/json"),
    "unknown charset": (login_body(json.dumps("demo")), "application/json; charset=klingon"),
}


def error_events(events: list[dict]) -> list[dict]:
    return [event for event in events if event["log_level"] in ("error", "critical", "exception")]


@pytest.mark.parametrize("case", sorted(MALFORMED_BODIES))
async def test_login_malformed_json_422(accounts_service, case):
    data, content_type = MALFORMED_BODIES[case]

    with structlog.testing.capture_logs() as events:
        response = await accounts_service.client.post(
            "/internal/logins",
            data=data,
            headers={**accounts_service.system_headers(), "Content-Type": content_type},
        )
    error = (await response.json())["error"]

    assert response.status == 422
    assert error["code"] == "invalid_request"
    assert error["message"] == INVALID_BODY_MESSAGE
    assert error["details"]["field"] == "corps"
    assert error_events(events) == []
    assert "9999999999" not in repr(events)


@pytest.mark.parametrize("depth", [500, 900, 950, 990])
async def test_login_deep_nesting_no_500(accounts_service, depth):
    # Nesting that the json module still reads must not break the service's later checks of the body.
    data = login_body("[" * depth + "]" * depth)

    with structlog.testing.capture_logs() as events:
        response = await accounts_service.client.post(
            "/internal/logins",
            data=data,
            headers={**accounts_service.system_headers(), "Content-Type": "application/json"},
        )

    assert response.status == 422, await response.text()
    assert error_events(events) == []


async def test_login_duplicated_key_422_names_it(accounts_service):
    # The first login would be judged while the second one, kept by json.loads, would be used.
    data = f'{{"login": "demo", "login": "autre", "password": "x", "client_ip": "{unique_address()}"}}'.encode()

    response = await accounts_service.client.post(
        "/internal/logins",
        data=data,
        headers={**accounts_service.system_headers(), "Content-Type": "application/json"},
    )
    error = (await response.json())["error"]

    assert response.status == 422
    assert error["message"] == (
        "Le corps de la requête est invalide\u00a0: la clé «\u00a0login\u00a0» y figure deux fois\u202f;"
        " envoyez-la une seule fois."
    )
    assert error["details"]["field"] == "corps"
