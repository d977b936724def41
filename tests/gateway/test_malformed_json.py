"""JSON bodies that Python's json module cannot read get the API's 400 « invalid_json », never a 500."""

from __future__ import annotations

import json

import pytest
import structlog

INVALID_JSON_MESSAGE = "Le corps de la requête n’est pas un JSON valide."
GOOD_MESSAGE = {"service": "facturation", "subject": "Objet", "message": "Bonjour"}

# Each body breaks one of the json module's limits, or names a charset that Python does not know.
MALFORMED_BODIES = {
    # Python raises ValueError on an integer of more than 4300 digits (sys.int_info.default_max_str_digits).
    "integer of 5000 digits": (b'{"login": ' + b"9" * 5000 + b', "password": "x"}', "application/json"),
    # The json decoder raises RecursionError on arrays nested beyond the interpreter's recursion limit.
    "arrays nested 100000 deep": (
        b'{"login": ' + b"[" * 100_000 + b"]" * 100_000 + b', "password": "x"}',
        "application/json",
    ),
    "unknown charset": (json.dumps({"login": "demo", "password": "x"}).encode(), "application/json; charset=klingon"),
}


def error_events(events: list[dict]) -> list[dict]:
    return [event for event in events if event["log_level"] in ("error", "critical", "exception")]


@pytest.mark.parametrize("case", sorted(MALFORMED_BODIES))
async def test_session_malformed_json_400(gateway, case):
    data, content_type = MALFORMED_BODIES[case]

    with structlog.testing.capture_logs() as events:
        response = await gateway.post("/api/v1/session", data=data, headers={"Content-Type": content_type})
    error = (await response.json())["error"]

    assert response.status == 400
    assert error["code"] == "invalid_json"
    assert error["message"] == INVALID_JSON_MESSAGE
    assert error_events(events) == []
    assert "9999999999" not in repr(events)


@pytest.mark.parametrize("case", sorted(MALFORMED_BODIES))
async def test_message_malformed_json_400(logged_in, portal_data, case):
    data, content_type = MALFORMED_BODIES[case]

    with structlog.testing.capture_logs() as events:
        response = await logged_in.post(
            f"/api/v1/creditors/{portal_data.first.id}/messages", data=data, headers={"Content-Type": content_type}
        )
    error = (await response.json())["error"]

    assert response.status == 400
    assert error["code"] == "invalid_json"
    assert error["message"] == INVALID_JSON_MESSAGE
    assert error_events(events) == []


async def test_message_nested_within_limit(logged_in, portal_data):
    # Nesting that the json module still reads reaches the accounts service, which must not fail on it either.
    body = json.dumps(GOOD_MESSAGE)[:-1] + ', "extra": ' + "[" * 900 + "]" * 900 + "}"

    with structlog.testing.capture_logs() as events:
        response = await logged_in.post(
            f"/api/v1/creditors/{portal_data.first.id}/messages",
            data=body.encode(),
            headers={"Content-Type": "application/json"},
        )

    assert response.status < 500, await response.text()
    assert error_events(events) == []


@pytest.mark.parametrize(
    ("data", "key"),
    [
        (b'{"login": "demo", "password": "x", "login": "autre"}', "login"),
        (b'{"service": "facturation", "subject": "Objet", "message": "Bonjour", "x": {"a": 1, "a": 2}}', "a"),
        (b'{"' + b"k" * 60 + b'": 1, "' + b"k" * 60 + b'": 2}', "k" * 40 + "…"),
    ],
    ids=["top level", "nested object", "long key cut"],
)
async def test_session_duplicated_key_400_names_it(gateway, data, key):
    response = await gateway.post("/api/v1/session", data=data, headers={"Content-Type": "application/json"})
    error = (await response.json())["error"]

    assert response.status == 400
    assert error["code"] == "invalid_json"
    assert error["message"] == (
        f"Le corps de la requête contient deux fois la clé «\u00a0{key}\u00a0»\u202f; envoyez-la une seule fois."
    )
