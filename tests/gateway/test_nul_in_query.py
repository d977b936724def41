"""A NUL character (``%00``) in a crafted URL gets a French message about the value, never a parameter's name."""

from __future__ import annotations

import re
from html import unescape

import pytest

from gateway.query_values import VALUE_DESCRIPTIONS, UnallowedCharacter, check_values
from tests.gateway.test_api_imports import OCTET_STREAM, import_url, staff_gateway

NBSP = "\u00a0"
PARAMETER_NAMES = ("view", "date_from", "date_to", "number", "page_size", "entry", "file_name", "encoding", "paramètre")


def filter_error(html: str) -> str:
    match = re.search(r'<p class="alert alert--error filters-error" id="filter-error"[^>]*>([^<]*)</p>', html)
    assert match is not None, "the page has no filter error"
    return unescape(match.group(1))


def error_page_message(html: str) -> str:
    match = re.search(r'<main[^>]*>(.*)</main>', html, re.S)
    assert match is not None, "the page has no main element"
    return unescape(re.sub(r"<[^>]+>", " ", match.group(1)))


def assert_no_parameter_name(message: str) -> None:
    for name in PARAMETER_NAMES:
        assert name not in message, f"{name!r} in {message!r}"


def test_every_message_names_no_parameter():
    for name in [*VALUE_DESCRIPTIONS, "unknown"]:
        message = UnallowedCharacter(name).message

        assert "contient un caractère non autorisé" in message
        assert UnallowedCharacter(name).details == {"field": name}
        assert_no_parameter_name(message)


def test_check_values_accepts_plain_text():
    check_values({"number": "FA-0001", "date_from": "2025-01-01", "entry": None})


def test_check_values_names_first_bad_value():
    with pytest.raises(UnallowedCharacter) as raised:
        check_values({"number": "FA-0001", "date_to": "2025-01-01\x00", "date_from": "\x00"})

    assert raised.value.details["field"] == "date_to"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("number=FA%00", "La recherche par n°\u00a0de document contient un caractère non autorisé"),
        ("view=all&number=%00", "La recherche par n°\u00a0de document contient un caractère non autorisé"),
        ("date_from=%00", "La date de début («\u00a0Du\u00a0») contient un caractère non autorisé"),
        ("date_to=2025-01-01%00", "La date de fin («\u00a0Au\u00a0») contient un caractère non autorisé"),
    ],
)
async def test_statement_page_filter(logged_in, portal_data, query, expected):
    response = await logged_in.get(f"/creanciers/{portal_data.first.id}/etat-de-compte?{query}")
    html = await response.text()
    message = filter_error(html)

    assert response.status == 422
    assert message.startswith(expected)
    assert_no_parameter_name(message)
    # The ageing chart covers the whole account, so it still shows beside the filter error.
    assert 'class="ageing' in html


async def test_statement_page_marks_date_field(logged_in, portal_data):
    html = await (await logged_in.get(f"/creanciers/{portal_data.first.id}/etat-de-compte?date_from=%00")).text()

    assert re.search(r'<input id="filter-from"[^>]*aria-invalid="true"', html)
    assert not re.search(r'<input id="filter-to"[^>]*aria-invalid="true"', html)


async def test_selected_creditor_statement_page(logged_in):
    response = await logged_in.get("/etat-de-compte?number=%00")
    message = filter_error(await response.text())

    assert response.status == 422
    assert message.startswith("La recherche par n°\u00a0de document contient un caractère non autorisé")


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("releve.csv?number=%00", "La recherche par n°\u00a0de document contient un caractère non autorisé"),
        ("releve.pdf?date_from=%00", "La date de début («\u00a0Du\u00a0») contient un caractère non autorisé"),
        ("documents/FA-0001.pdf?entry=%00", "Le lien du document contient un caractère non autorisé"),
        ("documents/FA%00.pdf", "Le numéro de document contient un caractère non autorisé"),
    ],
)
async def test_portal_file_links(logged_in, portal_data, path, expected):
    response = await logged_in.get(f"/creanciers/{portal_data.first.id}/{path}")
    message = error_page_message(await response.text())

    assert response.status == 422
    assert expected in message
    assert_no_parameter_name(message)


@pytest.mark.parametrize(
    ("path", "field", "expected"),
    [
        ("statement?number=%00", "number", "La recherche par n°\u00a0de document contient"),
        ("statement?date_from=%00", "date_from", "La date de début («\u00a0Du\u00a0») contient"),
        ("statement?date_to=%00", "date_to", "La date de fin («\u00a0Au\u00a0») contient"),
        ("statement?page=1%00", "page", "Le numéro de page contient"),
        ("statement?page_size=%00", "page_size", "Le nombre de lignes par page contient"),
        ("statement?view=%00", "view", "L’affichage demandé contient"),
        ("statement.csv?number=%00", "number", "La recherche par n°\u00a0de document contient"),
        ("statement.pdf?date_to=%00", "date_to", "La date de fin («\u00a0Au\u00a0») contient"),
        ("documents/FA-0001/pdf?entry=%00", "entry", "Le lien du document contient"),
        ("documents/FA%00/pdf", "document_number", "Le numéro de document contient"),
    ],
)
async def test_api_routes(logged_in, portal_data, path, field, expected):
    response = await logged_in.get(f"/api/v1/creditors/{portal_data.first.id}/{path}")
    error = (await response.json())["error"]

    assert response.status == 422
    assert error["code"] == "invalid_value"
    assert error["details"] == {"field": field}
    assert error["message"].startswith(expected)
    assert "paramètre" not in error["message"]


async def test_api_import_file_name(gateway, accounts_pool, ledger_service):
    client, creditor = await staff_gateway(gateway, accounts_pool, ledger_service)

    response = await client.post(
        import_url(creditor), params={"file_name": "export\x00.txt"}, data=b"JournalCode\n", headers=OCTET_STREAM
    )
    error = (await response.json())["error"]

    assert response.status == 422
    assert error["details"] == {"field": "file_name"}
    assert error["message"] == (
        f"Le nom du fichier contient un caractère non autorisé{NBSP}: renommez le fichier, puis envoyez-le de nouveau."
    )


@pytest.mark.parametrize("path", ["/invitation/%00", "/invitation/abc%00def", "/mot-de-passe/%00"])
async def test_link_token(gateway, path):
    response = await gateway.get(path)
    message = error_page_message(await response.text())

    assert response.status == 410
    assert "Ce lien n’est plus valable" in message
    assert "token" not in message
    assert "paramètre" not in message
