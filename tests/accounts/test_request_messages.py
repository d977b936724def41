"""French wording of the accounts service's request errors and waits."""

from __future__ import annotations

import pytest

from services.accounts.domain import (
    FIELD_LABELS,
    InvalidRequest,
    ReauthenticationThrottled,
    Throttled,
    describe_duration,
)
from services.accounts.profile import BILLING_FIELDS, MAIN_CONTACT_FIELDS
from services.accounts.routes.account import BANK_FIELDS
from tests.accounts.support import principal_headers

NBSP = "\u00a0"

# Every JSON field that a route of the accounts service reads with required_text,
# optional_text or InvalidRequest.
ROUTE_FIELDS = (
    "login", "password", "current_password", "new_password", "totp_code", "code", "client_ip",
    "display_name", "email", "role", "service", "status", "reason", "creditor_id", "creditors",
    "name", *MAIN_CONTACT_FIELDS, *BILLING_FIELDS, *BANK_FIELDS,
)


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (1, f"1{NBSP}seconde"),
        (30, f"30{NBSP}secondes"),
        (60, f"1{NBSP}minute"),
        (61, f"2{NBSP}minutes"),
        (900, f"15{NBSP}minutes"),
    ],
)
def test_duration_joins_number_and_unit(seconds: int, expected: str) -> None:
    assert describe_duration(seconds) == expected


def test_login_throttle_message() -> None:
    assert Throttled(30).message == f"Trop de tentatives de connexion ont échoué. Réessayez dans 30{NBSP}secondes."


def test_reauthentication_throttle_names_codes() -> None:
    error = ReauthenticationThrottled(24)

    assert error.message == (
        "Trop de codes de vérification ou de mots de passe incorrects ont été saisis. "
        f"Réessayez dans 24{NBSP}secondes."
    )
    assert error.status == 429
    assert error.code == "throttled"
    assert error.details["retry_after"] == 24


@pytest.mark.parametrize(
    ("field", "label"),
    [
        ("email", "Adresse e-mail"),
        ("login", "Identifiant"),
        ("totp_code", "Code de vérification"),
        ("display_name", "Nom affiché"),
        ("new_password", "Nouveau mot de passe"),
        ("address_line2", "Complément d’adresse (ligne 2)"),
        ("rib_key", "Clé RIB"),
    ],
)
def test_invalid_request_names_field_in_french(field: str, label: str) -> None:
    error = InvalidRequest(field, "au plus 254 caractères sont acceptés, reçu 300")

    assert error.message == (
        f"Le champ «{NBSP}{label}{NBSP}» est invalide{NBSP}: au plus 254 caractères sont acceptés, reçu 300."
    )
    assert error.details["field"] == field


@pytest.mark.parametrize("field", ROUTE_FIELDS)
def test_every_route_field_has_french_label(field: str) -> None:
    assert field in FIELD_LABELS


def test_invalid_body_is_not_called_field() -> None:
    error = InvalidRequest("corps", "un objet JSON est attendu")

    assert error.message == f"Le corps de la requête est invalide{NBSP}: un objet JSON est attendu."


async def test_invitation_long_email_names_field(accounts, agency_admin):
    response = await accounts.client.post(
        "/agency/invitations",
        json={"email": "a" * 250 + "@agence.example", "role": "comptable"},
        headers=principal_headers(accounts, agency_admin),
    )
    error = (await response.json())["error"]

    assert response.status == 422
    assert error["message"] == (
        f"Le champ «{NBSP}Adresse e-mail{NBSP}» est invalide{NBSP}: au plus 254 caractères sont acceptés, reçu 265."
    )
    assert error["details"]["field"] == "email"
