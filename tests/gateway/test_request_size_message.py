"""A body over the gateway's limits gets a 413 that states the limit and what to do."""

from __future__ import annotations

import json
from html import unescape

import aiohttp
import pytest

from gateway.errors import format_byte_size
from tests.gateway.conftest import csrf_token_of

NBSP = "\u00a0"
NNBSP = "\u202f"
OVER_ONE_MIB = 1024 * 1024 + 10
JSON_TOO_LARGE = (
    f"La requête est trop volumineuse{NBSP}: son corps dépasse la limite de 1{NBSP}Mio. "
    "Envoyez des textes plus courts, puis recommencez."
)
FORM_TOO_LARGE = (
    f"Le formulaire envoyé est trop volumineux{NBSP}: il dépasse la limite de 1{NBSP}Mio. "
    "Raccourcissez les textes saisis, puis envoyez-le de nouveau depuis la page du formulaire."
)
TOO_MANY_FIELDS = (
    f"Le formulaire envoyé compte plus de 1{NNBSP}000{NBSP}champs, le maximum accepté. "
    "Rechargez la page du formulaire, puis envoyez-le de nouveau depuis celle-ci."
)


async def test_api_body_over_limit(gateway):
    body = json.dumps({"login": "demo", "password": "a" * OVER_ONE_MIB})

    response = await gateway.post("/api/v1/session", data=body, headers={"Content-Type": "application/json"})
    error = (await response.json())["error"]

    assert response.status == 413
    assert error["code"] == "payload_too_large"
    assert error["message"] == JSON_TOO_LARGE


async def test_login_form_over_limit(gateway):
    token = csrf_token_of(await (await gateway.get("/connexion")).text())

    response = await gateway.post(
        "/connexion", data={"login": "demo", "password": "a" * OVER_ONE_MIB, "csrf_token": token}
    )
    page = unescape(await response.text())

    assert response.status == 413
    assert FORM_TOO_LARGE in page


async def test_multipart_form_over_limit(logged_in, portal_data):
    path = f"/creanciers/{portal_data.first.id}/nous-contacter"
    token = csrf_token_of(await (await logged_in.get(path)).text())
    form = aiohttp.FormData()
    form.add_field("csrf_token", token)
    form.add_field("message", "m" * OVER_ONE_MIB)

    response = await logged_in.post(path, data=form)
    page = unescape(await response.text())

    assert response.status == 413
    assert FORM_TOO_LARGE in page


async def test_form_over_field_count(gateway):
    token = csrf_token_of(await (await gateway.get("/connexion")).text())
    fields = [("login", "demo"), ("csrf_token", token)] + [(f"champ{index}", "x") for index in range(1000)]

    response = await gateway.post("/connexion", data=fields)
    page = unescape(await response.text())

    assert response.status == 413
    assert TOO_MANY_FIELDS in page


@pytest.mark.parametrize(
    ("size", "shown"),
    [
        (1024 * 1024, f"1{NBSP}Mio"),
        (256 * 1024 * 1024, f"256{NBSP}Mio"),
        (64 * 1024, f"64{NBSP}Kio"),
        (1536, f"1{NNBSP}536{NBSP}octets"),
        (2 * 1024 * 1024 * 1024, f"2{NBSP}Gio"),
    ],
)
def test_byte_size_in_french_units(size, shown):
    assert format_byte_size(size) == shown
