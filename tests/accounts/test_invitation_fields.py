"""The display name and the login chosen when accepting an invitation go through the same checks as other forms."""

from __future__ import annotations

import pytest

from services.accounts.validation import ValidationError
from services.accounts.validation.text import clean_text
from tests.accounts.support import link_token, new_password, principal_headers, wait_for_mail
from tests.conftest import unique_id

FORGED_NOTICE = "Marie\n\nAVIS : notre RIB change, appelez le 01 23 45 67 89"


async def invitation_token(accounts, admin, mail_sink) -> str:
    email = f"{unique_id('invitee')}@agence.example"
    response = await accounts.client.post(
        "/agency/invitations", json={"email": email, "role": "lecteur"}, headers=principal_headers(accounts, admin)
    )
    assert response.status == 201
    [message] = await wait_for_mail(mail_sink.folder, lambda message: email in message.envelope_to)
    return link_token(message.text, "invitation")


async def accept(accounts, token: str, **fields):
    body = {"login": unique_id("marie"), "password": new_password(), **fields}
    return await accounts.client.post(f"/internal/invitations/{token}", json=body, headers=accounts.system_headers())


def field_codes(body) -> dict[str, str]:
    return {field["field"]: field["code"] for field in body["error"]["details"]["fields"]}


async def test_acceptance_rejects_forged_fields(accounts, agency_admin, accounts_pool, mail_sink):
    token = await invitation_token(accounts, agency_admin, mail_sink)

    rejected = await accept(accounts, token, login="marie\u200b\nx", display_name=FORGED_NOTICE)
    body = await rejected.json()
    created = await accounts_pool.fetchval("SELECT count(*) FROM users WHERE display_name = $1", FORGED_NOTICE)
    retried = await accept(accounts, token, display_name="Marie Dupont")

    assert rejected.status == 422
    assert body["error"]["code"] == "invalid_fields"
    assert field_codes(body) == {"login": "login.character", "display_name": "text.control"}
    assert created == 0
    assert retried.status == 201


@pytest.mark.parametrize(
    ("display_name", "code"),
    [
        ("Marie\u200bDupont", "text.invisible"),
        ("\u202eDupont Marie", "text.invisible"),
        ("Marie\u2028Dupont", "text.control"),
        ("M" * 101, "text.too_long"),
    ],
)
async def test_acceptance_rejects_display_name(accounts, agency_admin, mail_sink, display_name, code):
    token = await invitation_token(accounts, agency_admin, mail_sink)

    rejected = await accept(accounts, token, display_name=display_name)

    assert rejected.status == 422
    assert field_codes(await rejected.json()) == {"display_name": code}


async def test_acceptance_stores_cleaned_display_name(accounts, agency_admin, accounts_pool, mail_sink):
    token = await invitation_token(accounts, agency_admin, mail_sink)

    accepted = await accept(accounts, token, display_name="  Marie   Dupont ")
    user_id = (await accepted.json())["user_id"]
    stored = await accounts_pool.fetchval("SELECT display_name FROM users WHERE id = $1::uuid", user_id)

    assert accepted.status == 201
    assert stored == "Marie Dupont"


async def test_invitation_rejects_invisible_display_name(accounts, agency_admin):
    response = await accounts.client.post(
        "/agency/invitations",
        json={"email": f"{unique_id('invitee')}@agence.example", "role": "lecteur", "display_name": "Jean\u200dDupont"},
        headers=principal_headers(accounts, agency_admin),
    )

    assert response.status == 422
    assert field_codes(await response.json()) == {"display_name": "text.invisible"}


def test_clean_text_names_invisible_character():
    with pytest.raises(ValidationError) as raised:
        clean_text("Jean\ufeffDupont", field="name", label="Nom", max_length=100, required=True)
    [error] = raised.value.errors

    assert error.code == "text.invisible"
    assert error.message == (
        "Le champ «\u00a0Nom\u00a0» contient un caractère invisible (U+FEFF)\u00a0: "
        "retapez la valeur au clavier au lieu de la coller."
    )


async def test_acceptance_reports_every_field_at_once(accounts, agency_admin, accounts_pool, mail_sink):
    token = await invitation_token(accounts, agency_admin, mail_sink)

    rejected = await accept(accounts, token, login="a b", password="court", password_confirmation="autre")
    body = await rejected.json()
    created = await accounts_pool.fetchval("SELECT count(*) FROM users WHERE login = 'a b'")

    assert rejected.status == 422
    assert field_codes(body) == {
        "login": "login.character",
        "password": "password.too_short",
        "password_confirmation": "password.confirmation",
    }
    assert created == 0


async def test_acceptance_rejects_mismatched_confirmation(accounts, agency_admin, mail_sink):
    token = await invitation_token(accounts, agency_admin, mail_sink)
    password = new_password()

    mismatched = await accept(accounts, token, password=password, password_confirmation="")
    accepted = await accept(accounts, token, password=password, password_confirmation=password)

    assert mismatched.status == 422
    assert field_codes(await mismatched.json()) == {"password_confirmation": "password.confirmation"}
    assert accepted.status == 201
