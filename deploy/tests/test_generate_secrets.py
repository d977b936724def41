"""deploy/generate-secrets.py: its output is a valid .env fragment of usable secrets."""

from __future__ import annotations

import base64
import io
import re

import pytest
from dotenv import dotenv_values

from deploy.tests.support import run_deploy_script
from gateway.settings import GatewaySettings
from services.accounts.settings import AccountsSettings
from shared.principal import PrincipalSigner, PrincipalVerifier, Role

EXPECTED_NAMES = {
    "MF_POSTGRES_PASSWORD",
    "MF_ACCOUNTS_DB_PASSWORD",
    "MF_LEDGER_DB_PASSWORD",
    "MF_DISPUTES_DB_PASSWORD",
    "MF_PAYMENTS_DB_PASSWORD",
    "MF_ACCOUNTS_NATS_PASSWORD",
    "MF_LEDGER_NATS_PASSWORD",
    "MF_DISPUTES_NATS_PASSWORD",
    "MF_PAYMENTS_NATS_PASSWORD",
    "MF_NATS_OPERATOR_PASSWORD",
    "MF_PRINCIPAL_PRIVATE_KEY",
    "MF_PRINCIPAL_PUBLIC_KEY",
    "MF_DATA_ENCRYPTION_KEY",
    "MF_SESSION_SECRET",
}
PASSWORD_NAMES = sorted(name for name in EXPECTED_NAMES if name.endswith("_PASSWORD"))
URL_SAFE = re.compile(r"[A-Za-z0-9_-]+")


def generated() -> dict[str, str]:
    result = run_deploy_script("generate-secrets.py", environment={})
    assert result.returncode == 0, result.stderr
    return dotenv_values(stream=io.StringIO(result.stdout))


def test_output_lists_every_secret() -> None:
    values = generated()

    assert set(values) == EXPECTED_NAMES
    for name, value in values.items():
        assert value, f"{name} is empty"


def test_principal_keys_form_a_pair() -> None:
    values = generated()
    signer = PrincipalSigner(values["MF_PRINCIPAL_PRIVATE_KEY"])

    token = signer.issue(user_id="u-1", role=Role.READER)

    principal = PrincipalVerifier(values["MF_PRINCIPAL_PUBLIC_KEY"]).verify(token)
    assert principal.user_id == "u-1"


def test_data_key_accepted_by_accounts() -> None:
    values = generated()

    settings = AccountsSettings(
        database_url="postgresql://accounts:pw@postgres:5432/accounts",
        data_encryption_key=values["MF_DATA_ENCRYPTION_KEY"],
    )

    assert len(base64.b64decode(settings.data_encryption_key)) == 32


def test_gateway_secrets_accepted_by_gateway() -> None:
    values = generated()

    settings = GatewaySettings(
        principal_private_key=values["MF_PRINCIPAL_PRIVATE_KEY"],
        session_secret=values["MF_SESSION_SECRET"],
    )

    assert settings.session_secret == values["MF_SESSION_SECRET"]


@pytest.mark.parametrize("name", PASSWORD_NAMES)
def test_password_url_safe_and_long(name: str) -> None:
    value = generated()[name]

    assert URL_SAFE.fullmatch(value), value
    assert len(value) >= 40


def test_passwords_distinct_within_run() -> None:
    values = generated()

    passwords = [values[name] for name in PASSWORD_NAMES]
    assert len(set(passwords)) == len(passwords)


def test_values_change_between_runs() -> None:
    first = generated()
    second = generated()

    for name in EXPECTED_NAMES:
        assert first[name] != second[name], name


def test_arguments_are_rejected() -> None:
    result = run_deploy_script("generate-secrets.py", "--rotate", environment={})

    assert result.returncode == 2
    assert "takes no argument" in result.stderr


@pytest.mark.parametrize("name", sorted(name for name in EXPECTED_NAMES if "_NATS_" in name))
def test_nats_password_starts_with_a_letter(name: str) -> None:
    """nats-server would read a value that starts with a digit as a number or a date."""
    assert generated()[name][0].isalpha()
