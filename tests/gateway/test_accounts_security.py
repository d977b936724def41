"""Sécurité through the gateway: password change, other sessions and the TOTP second factor."""

from __future__ import annotations

from html import unescape

import html
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pyotp
import pytest

from gateway.portal.security import EXPIRED_FORM_WITH_SECRETS, EXPIRED_SESSIONS_FORM
from tests.conftest import ServiceClient
from tests.gateway.browsers import is_logged_in, second_session, security_token
from tests.gateway.conftest import csrf_token_of, log_in
from tests.gateway.test_expired_form import log_in_again, referer, token_from_before_new_login
from tests.gateway.support import (
    AgencyLogin,
    CreditorAccount,
    accounts_with_mail,
    create_agency_member,
    create_creditor,
    enrol_totp_through_portal,
    next_totp_code,
    wait_for_caught_mail,
)

NEW_PASSWORD = "une tortue rapide gagne la course"


@pytest.fixture
async def accounts_service(engines, signer, tmp_path: Path) -> AsyncIterator[ServiceClient]:
    """The accounts service with a local SMTP sink and an encryption key, which TOTP needs."""
    async with accounts_with_mail(engines, signer, tmp_path / "mail") as service:
        yield service


@pytest.fixture
async def user(accounts_pool, ledger_service) -> AgencyLogin:
    creditor_id = await create_creditor(accounts_pool, ledger_service, "Presse Immo Sécurité")
    creditor = CreditorAccount(creditor_id, "Presse Immo Sécurité", "C9001")
    return await create_agency_member(accounts_pool, [creditor], role="administrateur")


@pytest.fixture
async def logged_in_user(gateway, user) -> AgencyLogin:
    response = await log_in(gateway, user.login, user.password)
    assert response.status == 302
    return user


def session_cookie(gateway) -> str:
    return gateway.session.cookie_jar.filter_cookies(gateway.make_url("/"))["mf_session"].value





async def test_security_title_names_no_creditor(gateway, logged_in_user):
    page = await (await gateway.get("/securite")).text()
    account_details = await (await gateway.get("/informations-compte")).text()

    assert "<h1>Sécurité</h1>" in page
    assert 'class="creditor-name"' not in page
    # A page about the account at one creditor still names that creditor.
    assert '<span class="creditor-name">– Presse Immo Sécurité</span>' in account_details


async def test_security_page_shows_user_and_forms(gateway, logged_in_user):
    response = await gateway.get("/securite")
    page = await response.text()

    assert response.status == 200
    assert '<span aria-current="page">Sécurité</span>' in page
    assert logged_in_user.login in page
    assert "<dd>Administrateur</dd>" in page
    assert "Changer de mot de passe" in page
    assert "La double authentification n’est pas activée." in page
    assert "obligatoire pour les administrateurs" in page
    assert "Activer la double authentification" in page


async def test_password_change_closes_other_sessions(gateway, logged_in_user, tmp_path):
    other = await second_session(gateway, logged_in_user)
    token = await security_token(gateway)

    response = await gateway.post(
        "/securite/mot-de-passe",
        data={
            "csrf_token": token,
            "current_password": logged_in_user.password,
            "new_password": NEW_PASSWORD,
            "new_password_confirmation": NEW_PASSWORD,
        },
        allow_redirects=False,
    )
    confirmation = await (await gateway.get(response.headers["Location"])).text()
    notice = await wait_for_caught_mail(tmp_path / "mail", lambda message: "a été modifié" in message.subject)

    assert response.status == 303
    assert "Votre mot de passe a été modifié. Vos autres sessions ouvertes ont été fermées" in confirmation
    assert await is_logged_in(gateway, session_cookie(gateway))
    assert not await is_logged_in(gateway, other)
    assert len(notice) == 1


async def test_wrong_current_password_is_shown(gateway, logged_in_user):
    token = await security_token(gateway)

    response = await gateway.post(
        "/securite/mot-de-passe",
        data={
            "csrf_token": token,
            "current_password": "ce n'est pas lui du tout",
            "new_password": NEW_PASSWORD,
            "new_password_confirmation": NEW_PASSWORD,
        },
    )
    page = await response.text()

    assert response.status == 422
    assert 'id="error-current_password"' in page
    assert "Le mot de passe saisi est incorrect." in page


async def test_weak_new_password_is_shown(gateway, logged_in_user):
    token = await security_token(gateway)

    response = await gateway.post(
        "/securite/mot-de-passe",
        data={
            "csrf_token": token,
            "current_password": logged_in_user.password,
            "new_password": "trop court",
            "new_password_confirmation": "trop court",
        },
    )
    page = await response.text()

    assert response.status == 422
    assert 'id="error-new_password"' in page
    assert "au moins 12 caractères" in page


async def test_password_confirmation_must_match(gateway, logged_in_user):
    token = await security_token(gateway)

    response = await gateway.post(
        "/securite/mot-de-passe",
        data={
            "csrf_token": token,
            "current_password": logged_in_user.password,
            "new_password": NEW_PASSWORD,
            "new_password_confirmation": "autre chose",
        },
    )

    assert response.status == 422
    assert 'id="error-new_password_confirmation"' in await response.text()



async def test_password_change_lists_every_error(gateway, logged_in_user):
    token = await security_token(gateway)

    response = await gateway.post(
        "/securite/mot-de-passe",
        data={
            "csrf_token": token,
            "current_password": "pas le bon mot de passe",
            "new_password": "court",
            "new_password_confirmation": "autre",
        },
    )
    page = unescape(await response.text())
    still_works = await gateway.post(
        "/api/v1/session", json={"login": logged_in_user.login, "password": logged_in_user.password}
    )

    assert response.status == 422
    assert 'id="error-current_password"' in page
    assert "Le mot de passe saisi est incorrect" in page
    assert 'id="error-new_password"' in page
    assert "au moins 12 caractères" in page
    assert 'id="error-new_password_confirmation"' in page
    assert still_works.status == 200


async def test_password_check_changes_nothing(gateway, logged_in_user):
    token = await security_token(gateway)

    response = await gateway.post(
        "/securite/mot-de-passe",
        data={
            "csrf_token": token,
            "current_password": logged_in_user.password,
            "new_password": NEW_PASSWORD,
            "new_password_confirmation": NEW_PASSWORD + "x",
        },
    )
    page = await response.text()
    old_password = await gateway.post(
        "/api/v1/session", json={"login": logged_in_user.login, "password": logged_in_user.password}
    )

    assert response.status == 422
    assert 'id="error-new_password_confirmation"' in page
    assert 'id="error-current_password"' not in page
    assert 'id="error-new_password"' not in page
    assert old_password.status == 200



async def test_throttled_password_check_keeps_page(gateway, logged_in_user):
    form = {"current_password": "pas le bon mot de passe", "new_password": NEW_PASSWORD, "new_password_confirmation": "autre"}
    statuses = []
    for _attempt in range(8):
        response = await gateway.post("/securite/mot-de-passe", data={**form, "csrf_token": await security_token(gateway)})
        statuses.append(response.status)
        page = await response.text()

    assert statuses[0] == 422
    assert statuses[-1] == 429
    assert 'name="current_password"' in page


async def test_password_change_without_csrf_token_is_rejected(gateway, logged_in_user):
    response = await gateway.post(
        "/securite/mot-de-passe",
        data={
            "current_password": logged_in_user.password,
            "new_password": NEW_PASSWORD,
            "new_password_confirmation": NEW_PASSWORD,
        },
    )

    assert response.status == 403


async def test_revoking_other_sessions_keeps_this_one(gateway, logged_in_user):
    other = await second_session(gateway, logged_in_user)
    token = await security_token(gateway)

    response = await gateway.post("/securite/sessions", data={"csrf_token": token}, allow_redirects=False)
    confirmation = await (await gateway.get(response.headers["Location"])).text()

    assert response.status == 303
    assert "Vos autres sessions ont été fermées. Cette session reste ouverte." in confirmation
    assert await is_logged_in(gateway, session_cookie(gateway))
    assert not await is_logged_in(gateway, other)


async def test_totp_enrolment_shows_qr_code_and_secret(gateway, logged_in_user):
    token = await security_token(gateway)

    response = await gateway.post(
        "/securite/double-authentification", data={"csrf_token": token, "password": logged_in_user.password}
    )
    page = await response.text()
    uri = html.unescape(re.search(r'name="otpauth_uri" value="([^"]+)"', page).group(1))
    secret = pyotp.parse_uri(uri).secret
    shown_secret = re.search(r'<code id="totp-secret">([A-Z2-7 ]+)</code>', page).group(1)

    assert response.status == 200
    assert '<figure class="qr-code" role="img"' in page
    assert "<svg" in page
    assert "<script" not in page.split("<body>", 1)[1]
    assert uri.startswith("otpauth://totp/")
    assert "issuer=Mes%20Factures" in uri
    assert shown_secret.replace(" ", "") == secret
    assert re.fullmatch(r"([A-Z2-7]{4} )*[A-Z2-7]{1,4}", shown_secret)


async def test_totp_enrolment_needs_password(gateway, logged_in_user):
    token = await security_token(gateway)

    response = await gateway.post("/securite/double-authentification", data={"csrf_token": token})
    page = html.unescape(await response.text())

    assert response.status == 422
    assert 'name="otpauth_uri"' not in page
    assert 'id="error-enrol_current_password">Saisissez votre mot de passe actuel.' in page


async def test_totp_enrolment_rejects_wrong_password(gateway, logged_in_user, accounts_pool):
    token = await security_token(gateway)

    response = await gateway.post(
        "/securite/double-authentification", data={"csrf_token": token, "password": "pas le bon mot de passe"}
    )
    page = html.unescape(await response.text())
    pending_secret = await accounts_pool.fetchval(
        "SELECT totp_secret_encrypted FROM users WHERE login = $1", logged_in_user.login
    )

    assert response.status == 422
    assert 'name="otpauth_uri"' not in page
    assert "Le mot de passe saisi est incorrect. Saisissez votre mot de passe actuel." in page
    assert pending_secret is None


async def test_totp_enrolment_password_checks_are_throttled(gateway, logged_in_user):
    token = await security_token(gateway)
    for _attempt in range(5):
        await gateway.post(
            "/securite/double-authentification", data={"csrf_token": token, "password": "pas le bon mot de passe"}
        )

    response = await gateway.post(
        "/securite/double-authentification", data={"csrf_token": token, "password": logged_in_user.password}
    )
    page = html.unescape(await response.text())

    assert response.status == 429
    assert 'name="otpauth_uri"' not in page
    assert "Réessayez dans" in page


async def test_session_alone_cannot_enable_totp(gateway, logged_in_user):
    token = await security_token(gateway)

    enrolment = await (await gateway.post("/securite/double-authentification", data={"csrf_token": token})).text()
    # Someone with only the session uses the secret shown, if any, or else one of their own in a URI
    # of the form that the gateway accepts back, so that only the accounts service can reject it.
    shown = re.search(r'name="otpauth_uri" value="([^"]+)"', enrolment)
    own_uri = pyotp.TOTP(pyotp.random_base32()).provisioning_uri(name=logged_in_user.login, issuer_name="Mes Factures")
    uri = html.unescape(shown.group(1)) if shown else own_uri
    confirmation = await gateway.post(
        "/securite/double-authentification/confirmation",
        data={"csrf_token": token, "otpauth_uri": uri, "code": pyotp.parse_uri(uri).now()},
    )
    security = await (await gateway.get("/securite")).text()

    assert confirmation.status == 422
    assert "La double authentification n’est pas activée." in security


async def test_wrong_totp_code_shows_same_qr_code(gateway, logged_in_user):
    token = await security_token(gateway)
    enrolment = await (
        await gateway.post(
            "/securite/double-authentification", data={"csrf_token": token, "password": logged_in_user.password}
        )
    ).text()
    uri = html.unescape(re.search(r'name="otpauth_uri" value="([^"]+)"', enrolment).group(1))

    response = await gateway.post(
        "/securite/double-authentification/confirmation",
        data={"csrf_token": token, "otpauth_uri": uri, "code": "000000"},
    )
    page = await response.text()
    me = await (await gateway.get("/securite")).text()

    assert response.status == 422
    assert "Le code de vérification est incorrect" in page
    assert html.escape(uri) in page
    assert "La double authentification n’est pas activée." in me


async def test_totp_confirmation_shows_recovery_codes_once(gateway, logged_in_user):
    _totp, codes = await enrol_totp_through_portal(gateway, logged_in_user.password)

    page = await (await gateway.get("/securite")).text()

    assert len(codes) == 10
    assert all(re.fullmatch(r"[a-z2-9]{5}-[a-z2-9]{5}", code) for code in codes)
    assert "La double authentification est activée. Il vous reste 10&nbsp;codes de secours." in page
    assert not any(code in page for code in codes)
    assert "Code de vérification (application ou code de secours)" in page


async def test_totp_can_be_disabled_with_password_and_code(gateway, logged_in_user):
    totp, _codes = await enrol_totp_through_portal(gateway, logged_in_user.password)
    token = await security_token(gateway)

    response = await gateway.post(
        "/securite/double-authentification/desactivation",
        data={"csrf_token": token, "password": logged_in_user.password, "totp_code": next_totp_code(totp)},
        allow_redirects=False,
    )
    page = await (await gateway.get(response.headers["Location"])).text()

    assert response.status == 303
    assert "La double authentification est désactivée." in page
    assert "La double authentification n’est pas activée." in page


async def test_disabling_totp_needs_valid_code(gateway, logged_in_user):
    await enrol_totp_through_portal(gateway, logged_in_user.password)
    token = await security_token(gateway)

    response = await gateway.post(
        "/securite/double-authentification/desactivation",
        data={"csrf_token": token, "password": logged_in_user.password, "totp_code": "000000"},
    )
    page = await response.text()

    assert response.status == 422
    assert 'id="error-disable_totp_code"' in page
    assert "La double authentification est activée." in page


async def test_password_change_with_totp_needs_code(gateway, logged_in_user, tmp_path):
    _totp, codes = await enrol_totp_through_portal(gateway, logged_in_user.password)
    token = await security_token(gateway)
    data = {
        "csrf_token": token,
        "current_password": logged_in_user.password,
        "new_password": NEW_PASSWORD,
        "new_password_confirmation": NEW_PASSWORD,
    }

    without_code = await gateway.post("/securite/mot-de-passe", data=data)
    with_recovery_code = await gateway.post(
        "/securite/mot-de-passe", data={**data, "totp_code": codes[0]}, allow_redirects=False
    )

    assert without_code.status == 422
    assert 'id="error-totp_code"' in await without_code.text()
    assert with_recovery_code.status == 303


async def post_login(gateway, user: AgencyLogin, **fields: str):
    gateway.session.cookie_jar.clear()
    token = csrf_token_of(await (await gateway.get("/connexion")).text())
    data = {"csrf_token": token, "login": user.login, "password": user.password, **fields}
    return await gateway.post("/connexion", data=data, allow_redirects=False)


async def test_enrolled_user_login_asks_for_code(gateway, logged_in_user):
    await enrol_totp_through_portal(gateway, logged_in_user.password)

    response = await post_login(gateway, logged_in_user)
    page = await response.text()

    assert response.status == 401
    assert "Saisissez de nouveau votre mot de passe, et le code à 6\u00a0chiffres" in page
    assert 'name="totp_code"' in page
    assert f'value="{logged_in_user.login}"' in page
    assert "mf_session" not in response.cookies


async def test_enrolled_user_logs_in_with_code(gateway, logged_in_user):
    totp, codes = await enrol_totp_through_portal(gateway, logged_in_user.password)

    wrong = await post_login(gateway, logged_in_user, totp_code="000000")
    with_app_code = await post_login(gateway, logged_in_user, totp_code=next_totp_code(totp))
    with_recovery_code = await post_login(gateway, logged_in_user, totp_code=codes[0])
    reused_recovery_code = await post_login(gateway, logged_in_user, totp_code=codes[0])

    assert wrong.status == 401
    assert "Le code de vérification est incorrect" in await wrong.text()
    assert "Saisissez de nouveau votre mot de passe" in await wrong.text()
    assert with_app_code.status == 302
    assert with_recovery_code.status == 302
    assert reused_recovery_code.status == 401


async def test_api_login_of_enrolled_user_needs_code(gateway, logged_in_user):
    _totp, codes = await enrol_totp_through_portal(gateway, logged_in_user.password)
    gateway.session.cookie_jar.clear()

    without_code = await gateway.post(
        "/api/v1/session", json={"login": logged_in_user.login, "password": logged_in_user.password}
    )
    with_code = await gateway.post(
        "/api/v1/session",
        json={"login": logged_in_user.login, "password": logged_in_user.password, "totp_code": codes[1]},
    )

    assert without_code.status == 401
    assert (await without_code.json())["error"]["code"] == "totp_required"
    assert with_code.status == 200


async def test_six_digit_code_has_no_break_space(gateway, logged_in_user):
    security_page = await (await gateway.get("/securite")).text()
    token = re.search(r'name="csrf_token" value="([^"]+)"', security_page).group(1)
    enrolment_page = await (
        await gateway.post(
            "/securite/double-authentification", data={"csrf_token": token, "password": logged_in_user.password}
        )
    ).text()

    assert "un code à 6&nbsp;chiffres" in security_page
    assert "6 chiffres" not in security_page
    assert "le code à 6&nbsp;chiffres que l’application affiche" in enrolment_page
    assert "6 chiffres" not in enrolment_page


async def test_expired_password_form_changes_nothing(gateway, user):
    old_token = await token_from_before_new_login(gateway, user, "/securite")
    form = {"csrf_token": old_token, "current_password": user.password, "new_password": NEW_PASSWORD,
            "new_password_confirmation": NEW_PASSWORD}

    response = await gateway.post("/securite/mot-de-passe", data=form, headers=referer(gateway, "/securite"))
    page = await response.text()
    fresh_form = {**form, "current_password": NEW_PASSWORD, "new_password": user.password,
                  "new_password_confirmation": user.password, "csrf_token": csrf_token_of(page)}
    password_unchanged = await gateway.post(
        "/securite/mot-de-passe", data=fresh_form, headers=referer(gateway, "/securite"), allow_redirects=False
    )

    assert response.status == 403
    assert EXPIRED_FORM_WITH_SECRETS in html.unescape(page)
    assert 'id="error-summary"' in page
    assert NEW_PASSWORD not in page
    assert user.password not in page
    assert csrf_token_of(page) != old_token
    assert password_unchanged.status == 422
    assert "Le mot de passe saisi est incorrect." in html.unescape(await password_unchanged.text())


async def test_expired_sessions_form_keeps_sessions(gateway, user):
    old_token = await token_from_before_new_login(gateway, user, "/securite")
    other = await second_session(gateway, user)

    response = await gateway.post("/securite/sessions", data={"csrf_token": old_token},
                                  headers=referer(gateway, "/securite"))
    page = await response.text()

    assert response.status == 403
    assert EXPIRED_SESSIONS_FORM in html.unescape(page)
    assert "Fermer mes autres sessions" in page
    assert await is_logged_in(gateway, other)


async def test_expired_totp_confirmation_keeps_qr_code(gateway, user):
    login = await log_in(gateway, user.login, user.password)
    assert login.status == 302
    old_token = await security_token(gateway)
    enrolment = await (
        await gateway.post("/securite/double-authentification", data={"csrf_token": old_token, "password": user.password})
    ).text()
    uri = html.unescape(re.search(r'name="otpauth_uri" value="([^"]+)"', enrolment).group(1))
    await log_in_again(gateway, user, old_token)
    totp = pyotp.parse_uri(uri)
    path = "/securite/double-authentification/confirmation"

    expired = await gateway.post(path, data={"csrf_token": old_token, "otpauth_uri": uri, "code": totp.now()},
                                 headers=referer(gateway, "/securite"))
    page = await expired.text()
    confirmed = await gateway.post(path, data={"csrf_token": csrf_token_of(page), "otpauth_uri": uri, "code": totp.now()})

    assert expired.status == 403
    assert EXPIRED_FORM_WITH_SECRETS in html.unescape(page)
    assert html.escape(uri) in page
    assert confirmed.status == 200
    assert "codes de secours" in await confirmed.text()


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("/securite/double-authentification", {"password": "mot-de-passe-saisi-avant"}),
        ("/securite/double-authentification/desactivation", {"password": "mot-de-passe-saisi-avant", "totp_code": "123456"}),
    ],
)
async def test_expired_totp_forms_show_message(gateway, user, path, fields):
    old_token = await token_from_before_new_login(gateway, user, "/securite")

    response = await gateway.post(path, data={"csrf_token": old_token, **fields}, headers=referer(gateway, "/securite"))
    page = await response.text()

    assert response.status == 403
    assert EXPIRED_FORM_WITH_SECRETS in html.unescape(page)
    assert "mot-de-passe-saisi-avant" not in page
    assert "La double authentification n’est pas activée." in page
