"""The JSON API v1 on the real services."""

from __future__ import annotations

from tests.gateway.conftest import log_in
from tests.gateway.support import create_creditor, create_staff_login

JSON = {"Content-Type": "application/json"}
OCTET_STREAM = {"Content-Type": "application/octet-stream"}


async def api_log_in(gateway, login: str, password: str):
    return await gateway.post("/api/v1/session", json={"login": login, "password": password})


async def test_api_login_sets_cookie_and_returns_session(gateway, portal_data):
    response = await api_log_in(gateway, portal_data.agency.login, portal_data.agency.password)
    body = await response.json()

    assert response.status == 200
    assert "mf_session" in response.cookies
    assert body["session"]["login"] == portal_data.agency.login
    assert body["session"]["agency_name"] == portal_data.agency.agency_name
    assert "session_id" not in body["session"]
    assert "session_token" not in body["session"]


async def test_api_login_failure_is_generic(gateway, portal_data):
    response = await api_log_in(gateway, portal_data.agency.login, "mot de passe faux 123")
    body = await response.json()

    assert response.status == 401
    assert body["error"]["code"] == "invalid_credentials"
    assert body["error"]["message"] == "Identifiant ou mot de passe incorrect."
    assert "mf_session" not in response.cookies


async def test_api_login_requires_json_content_type(gateway, portal_data):
    response = await gateway.post(
        "/api/v1/session",
        data={"login": portal_data.agency.login, "password": portal_data.agency.password},
    )
    body = await response.json()

    assert response.status == 415
    assert body["error"]["code"] == "unsupported_media_type"
    assert "Content-Type: application/json" in body["error"]["message"]
    assert "mf_session" not in response.cookies


async def test_api_login_rejects_missing_fields(gateway):
    response = await gateway.post("/api/v1/session", json={"login": "quelqu-un"})
    body = await response.json()

    assert response.status == 422
    assert "«\u00a0password\u00a0»" in body["error"]["message"]


async def test_api_login_rejects_invalid_json(gateway):
    response = await gateway.post("/api/v1/session", data="{pas du json", headers=JSON)
    body = await response.json()

    assert response.status == 400
    assert body["error"]["code"] == "invalid_json"


async def test_api_me_requires_session(gateway):
    response = await gateway.get("/api/v1/me")
    body = await response.json()

    assert response.status == 401
    assert body["error"]["code"] == "unauthenticated"
    assert "Connectez-vous" in body["error"]["message"]


async def test_api_me_returns_user_and_accounts(logged_in, portal_data):
    response = await logged_in.get("/api/v1/me")
    body = await response.json()

    assert response.status == 200
    assert body["login"] == portal_data.agency.login
    assert body["role"] == "comptable"
    assert {(a["creditor"], a["customer_account"]) for a in body["accounts"]} == {
        (portal_data.first.id, "C1001"),
        (portal_data.second.id, "C2002"),
    }


async def test_api_creditors_lists_only_agency_creditors(logged_in, portal_data):
    response = await logged_in.get("/api/v1/creditors")
    body = await response.json()

    assert response.status == 200
    assert body["creditors"] == [
        {"id": portal_data.second.id, "name": "Annonces Sud Services", "customer_account": "C2002"},
        {"id": portal_data.first.id, "name": "Presse Immo Ouest", "customer_account": "C1001"},
    ]


async def test_api_statement_passes_ledger_json(logged_in, portal_data):
    response = await logged_in.get(
        f"/api/v1/creditors/{portal_data.first.id}/statement", params={"view": "all", "number": "FA-0001"}
    )
    body = await response.json()

    assert response.status == 200
    assert body["creditor"] == portal_data.first.id
    assert body["customer_account"] == "C1001"
    assert body["view"] == "all"
    assert [row["document_number"] for row in body["rows"]] == ["FA-0001"]
    assert body["rows"][0]["amount_due"] == "1500.00"
    assert body["rows"][0]["state_label"] == "Partiellement réglée"


async def test_api_statement_foreign_creditor_not_found(logged_in, portal_data):
    response = await logged_in.get(f"/api/v1/creditors/{portal_data.foreign.id}/statement")
    body = await response.json()

    assert response.status == 404
    assert body["error"]["code"] == "not_found"
    assert "introuvable" in body["error"]["message"]


async def test_api_statement_invalid_filter_is_422(logged_in, portal_data):
    response = await logged_in.get(
        f"/api/v1/creditors/{portal_data.first.id}/statement", params={"view": "tout"}
    )
    body = await response.json()

    assert response.status == 422
    assert "«\u00a0tout\u00a0»" in body["error"]["message"]


async def test_api_logout_revokes_session(logged_in):
    token = logged_in.session.cookie_jar.filter_cookies(logged_in.make_url("/"))["mf_session"].value

    response = await logged_in.delete("/api/v1/session", headers=JSON)
    logged_in.session.cookie_jar.clear()
    reused = await logged_in.get("/api/v1/me", headers={"Cookie": f"mf_session={token}"})

    assert response.status == 204
    assert response.cookies["mf_session"].value == ""
    assert response.headers["Clear-Site-Data"] == '"cache"'
    assert reused.status == 401


async def test_api_logout_without_body_needs_no_content_type(logged_in):
    response = await logged_in.delete("/api/v1/session")
    logged_out = await logged_in.get("/api/v1/me")

    assert response.status == 204
    assert logged_out.status == 401


async def test_api_logout_with_plain_text_body_is_rejected(logged_in):
    response = await logged_in.delete("/api/v1/session", data="{}", headers={"Content-Type": "text/plain"})
    body = await response.json()
    still_logged_in = await logged_in.get("/api/v1/me")

    assert response.status == 415
    assert body["error"]["message"] == (
        "Le type de contenu «\u00a0text/plain\u00a0» n’est pas accepté\u00a0: "
        "envoyez l’en-tête Content-Type: application/json."
    )
    assert still_logged_in.status == 200


async def test_api_unknown_route_is_json_404(gateway):
    response = await gateway.get("/api/v1/inconnu")
    body = await response.json()

    assert response.status == 404
    assert body["error"]["code"] == "not_found"


async def test_api_statement_rejects_non_ascii_digits(logged_in, portal_data):
    statement_path = f"/api/v1/creditors/{portal_data.first.id}/statement"

    arabic_indic = await logged_in.get(statement_path, params={"page": "\u0663"})
    superscript = await logged_in.get(statement_path, params={"page_size": "\u00b2"})

    assert arabic_indic.status == 422
    assert (await arabic_indic.json())["error"]["message"] == (
        "La page «\u00a0\u0663\u00a0» n’est pas un nombre entier\u00a0: utilisez les chiffres 0 à 9."
    )
    assert superscript.status == 422
    assert "taille de page «\u00a0\u00b2\u00a0» n’est pas un nombre entier" in (await superscript.json())["error"]["message"]


async def test_api_statement_page_bounds_group_thousands(logged_in, portal_data):
    response = await logged_in.get(f"/api/v1/creditors/{portal_data.first.id}/statement", params={"page": "1000001"})

    assert response.status == 422
    assert (await response.json())["error"]["message"] == (
        "La page doit être comprise entre 1 et 1\u202f000\u202f000, reçu 1\u202f000\u202f001\u00a0: choisissez une"
        " valeur dans ces bornes."
    )


async def test_api_statement_filter_errors_name_parameter(logged_in, portal_data):
    path = f"/api/v1/creditors/{portal_data.first.id}/statement"
    cases = {
        "view": {"view": "bogus"},
        "date_from": {"date_from": "2026-13-01"},
        "date_to": {"date_to": "31/07/2026"},
        "page": {"page": "0"},
        "page_size": {"page_size": "100000"},
        "number": {"number": "F" * 300},
    }
    for field, params in cases.items():
        response = await logged_in.get(path, params=params)
        error = (await response.json())["error"]

        assert response.status == 422, field
        assert error["code"] == "invalid_filter", field
        assert error["details"]["field"] == field
    long_number = await logged_in.get(path, params={"number": "F" * 300})

    assert "(300 saisis)\u00a0: raccourcissez-le." in (await long_number.json())["error"]["message"]


async def test_api_statement_year_zero_names_the_year(logged_in, portal_data):
    response = await logged_in.get(
        f"/api/v1/creditors/{portal_data.first.id}/statement", params={"date_from": "0000-01-01"}
    )
    message = (await response.json())["error"]["message"]

    assert response.status == 422
    assert message == (
        "La date de début «\u00a00000-01-01\u00a0» n’existe pas\u00a0: l’année 0000 est invalide, vérifiez l’année."
    )
    assert "le jour et le mois" not in message


async def test_staff_import_elsewhere_same_403(gateway, accounts_pool, ledger_service):
    served = await create_creditor(accounts_pool, ledger_service, "Presse Immo Servie")
    not_served = await create_creditor(accounts_pool, ledger_service, "Presse Immo Voisine")
    missing = "creancier-inexistant"
    login, password = await create_staff_login(accounts_pool, [served])
    assert (await log_in(gateway, login, password)).status == 302

    messages = {}
    for creditor in (not_served, missing):
        response = await gateway.post(f"/api/v1/creditors/{creditor}/imports/fec", data=b"x", headers=OCTET_STREAM)
        body = await response.json()

        assert response.status == 403, creditor
        assert body["error"]["code"] == "forbidden", creditor
        messages[creditor] = body["error"]["message"]

    # Apart from the id that the request gave, both cases read the same, so neither reveals whether the creditor exists.
    assert messages[not_served].replace(not_served, "ID") == messages[missing].replace(missing, "ID")
    assert messages[missing] == (
        f"Le créancier «\u00a0{missing}\u00a0» n’existe pas ou ne fait pas partie des créanciers pour lesquels "
        "vous travaillez\u00a0: vérifiez son identifiant, ou demandez à la personne qui a créé votre compte "
        "de vous y rattacher."
    )



async def test_api_login_unstorable_text_is_generic(gateway):
    # Half a surrogate pair or a NUL in the login: accounts refuses it before
    # the database driver, whose error would quote a possibly mistyped password.
    for login in ("Mot-De-Passe-Tape-Ici-42\\ud800", "Mot-De-Passe-Tape-Ici-42\\u0000"):
        response = await gateway.post(
            "/api/v1/session", data=f'{{"login": "{login}", "password": "x"}}', headers=JSON
        )
        body = await response.json()

        assert response.status == 401, login
        assert body["error"]["code"] == "invalid_credentials"


async def test_api_login_without_content_type_names_header(gateway):
    response = await gateway.post(
        "/api/v1/session", data=b'{"login": "demo", "password": "x"}', skip_auto_headers=["Content-Type"]
    )
    body = await response.json()

    assert response.status == 415
    assert body["error"]["message"] == (
        "La requête n’a pas d’en-tête Content-Type\u00a0: envoyez l’en-tête Content-Type: application/json."
    )
    assert "octet-stream" not in body["error"]["message"]


async def test_api_login_names_each_invalid_field(gateway):
    cases = {
        "password": {"login": "quelqu-un"},
        "login": {"login": 42, "password": "x"},
        "totp_code": {"login": "quelqu-un", "password": "x", "totp_code": 123456},
    }
    for field, payload in cases.items():
        response = await gateway.post("/api/v1/session", json=payload)
        error = (await response.json())["error"]

        assert response.status == 422, field
        assert error["code"] == "invalid_value", field
        assert error["details"]["fields"] == [field]
        assert f"«\u00a0{field}\u00a0»" in error["message"], field
    number_code = await gateway.post("/api/v1/session", json=cases["totp_code"])

    assert (await number_code.json())["error"]["message"] == (
        "Le champ «\u00a0totp_code\u00a0» doit être un texte, par exemple «\u00a0492039\u00a0»\u00a0: "
        "mettez le code entre guillemets."
    )


async def test_api_throttled_login_sends_retry_after(make_gateway, portal_data):
    # A client address of its own, through the trusted proxy, keeps these failures away from 127.0.0.1.
    gateway = await make_gateway(trusted_proxies=["127.0.0.1/32"])
    forwarded = {"X-Forwarded-For": "2001:db8::7e57:2"}
    wrong = {"login": portal_data.agency.login, "password": "mot de passe faux 123"}
    for _attempt in range(6):
        await gateway.post("/api/v1/session", json=wrong, headers=forwarded)

    response = await gateway.post("/api/v1/session", json=wrong, headers=forwarded)
    error = (await response.json())["error"]

    assert response.status == 429
    assert error["code"] == "throttled"
    assert response.headers["Retry-After"].isdigit()
    assert int(response.headers["Retry-After"]) >= error["details"]["retry_after"] > 0
