"""Login and logout through the portal's forms, against the real accounts service."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from gateway.csrf import LOGIN_NONCE_PATTERN
from tests.gateway.conftest import csrf_token_of, log_in

WRONG_CREDENTIALS = "Identifiant ou mot de passe incorrect."


async def test_login_success_redirects_to_statement(gateway, portal_data):
    response = await log_in(gateway, portal_data.agency.login, portal_data.agency.password)
    page = await gateway.get("/etat-de-compte")
    html = await page.text()

    assert response.status == 302
    assert response.headers["Location"] == "/etat-de-compte"
    assert "mf_session" in response.cookies
    assert page.status == 200
    assert portal_data.agency.display_name in html
    assert portal_data.agency.agency_name in html


async def test_login_wrong_password_shows_generic_message(gateway, portal_data):
    response = await log_in(gateway, portal_data.agency.login, "mot de passe faux 123")
    html = await response.text()

    assert response.status == 401
    assert WRONG_CREDENTIALS in html
    assert "mf_session" not in response.cookies


async def test_login_unknown_user_shows_same_message(gateway, portal_data):
    response = await log_in(gateway, "personne-inconnue", "mot de passe faux 123")
    html = await response.text()

    assert response.status == 401
    assert WRONG_CREDENTIALS in html


async def test_login_without_csrf_token_is_rejected(gateway, portal_data):
    await gateway.get("/connexion")

    response = await gateway.post(
        "/connexion",
        data={"login": portal_data.agency.login, "password": portal_data.agency.password},
        allow_redirects=False,
    )
    html = await response.text()

    assert response.status == 403
    assert "Le formulaire a expiré" in html
    assert "mf_session" not in response.cookies


async def test_login_foreign_csrf_token_rejected(gateway, make_gateway, portal_data):
    other_browser = await make_gateway()
    foreign_page = await other_browser.get("/connexion")
    foreign_token = csrf_token_of(await foreign_page.text())
    await gateway.get("/connexion")

    response = await gateway.post(
        "/connexion",
        data={
            "login": portal_data.agency.login,
            "password": portal_data.agency.password,
            "csrf_token": foreign_token,
        },
        allow_redirects=False,
    )

    assert response.status == 403
    assert "mf_session" not in response.cookies


async def test_login_throttled_shows_wait(make_gateway, portal_data):
    # The trusted proxy lets this test use its own client address, so its
    # failures do not count against 127.0.0.1 for the other tests.
    gateway = await make_gateway(trusted_proxies=["127.0.0.1/32"])
    forwarded = {"X-Forwarded-For": "2001:db8::7e57:1"}
    statuses = []
    for _attempt in range(6):
        response = await log_in(gateway, portal_data.agency.login, "mot de passe faux 123", **forwarded)
        statuses.append(response.status)

    throttled = await log_in(gateway, portal_data.agency.login, portal_data.agency.password, **forwarded)
    html = await throttled.text()

    assert statuses[:5] == [401] * 5
    assert throttled.status == 429
    assert "Trop de tentatives de connexion. Réessayez dans" in html
    assert "secondes" in html or "minute" in html


async def test_login_redirects_only_to_local_paths(gateway, portal_data):
    page = await gateway.get("/connexion")
    token = csrf_token_of(await page.text())

    response = await gateway.post(
        "/connexion",
        data={
            "login": portal_data.agency.login,
            "password": portal_data.agency.password,
            "csrf_token": token,
            "suite": "//autre-site.example/piege",
        },
        allow_redirects=False,
    )

    assert response.status == 302
    assert response.headers["Location"] == "/etat-de-compte"


async def test_page_without_session_redirects_to_login(gateway):
    response = await gateway.get("/etat-de-compte?view=all", allow_redirects=False)
    location = urlsplit(response.headers["Location"])

    assert response.status == 302
    assert location.path == "/connexion"
    assert parse_qs(location.query)["suite"] == ["/etat-de-compte?view=all"]


async def test_login_rotates_session_token(logged_in, portal_data):
    jar = logged_in.session.cookie_jar
    first_token = jar.filter_cookies(logged_in.make_url("/"))["mf_session"].value
    jar.clear()
    form = await logged_in.get("/connexion")
    csrf_token = csrf_token_of(await form.text())
    jar.update_cookies({"mf_session": first_token}, logged_in.make_url("/"))

    response = await logged_in.post(
        "/connexion",
        data={"login": portal_data.agency.login, "password": portal_data.agency.password, "csrf_token": csrf_token},
        allow_redirects=False,
    )
    second_token = response.cookies["mf_session"].value
    jar.clear()
    old_session = await logged_in.get("/api/v1/me", headers={"Cookie": f"mf_session={first_token}"})
    new_session = await logged_in.get("/api/v1/me", headers={"Cookie": f"mf_session={second_token}"})

    assert response.status == 302
    assert second_token != first_token
    assert old_session.status == 401
    assert new_session.status == 200


async def test_logout_revokes_session(logged_in):
    token = logged_in.session.cookie_jar.filter_cookies(logged_in.make_url("/"))["mf_session"].value
    page = await logged_in.get("/etat-de-compte")
    csrf_token = csrf_token_of(await page.text())

    response = await logged_in.post("/deconnexion", data={"csrf_token": csrf_token}, allow_redirects=False)
    logged_in.session.cookie_jar.clear()
    reused = await logged_in.get("/api/v1/me", headers={"Cookie": f"mf_session={token}"})

    assert response.status == 302
    assert response.headers["Location"] == "/connexion?deconnexion=1"
    assert response.cookies["mf_session"].value == ""
    assert response.headers["Clear-Site-Data"] == '"cache"'
    assert reused.status == 401


async def test_logout_without_csrf_token_is_rejected(logged_in):
    response = await logged_in.post("/deconnexion", data={}, allow_redirects=False)
    still_logged_in = await logged_in.get("/api/v1/me")

    assert response.status == 403
    assert still_logged_in.status == 200


async def test_login_page_after_logout_confirms_it(gateway):
    response = await gateway.get("/connexion?deconnexion=1")

    assert "Vous êtes déconnecté." in await response.text()


async def stale_session(logged_in) -> str:
    """Revoke the session but keep its cookie, as a tab left open does, and return the page's CSRF token."""
    token = logged_in.session.cookie_jar.filter_cookies(logged_in.make_url("/"))["mf_session"].value
    page = await logged_in.get("/etat-de-compte")
    await logged_in.post("/deconnexion", data={"csrf_token": csrf_token_of(await page.text())})
    logged_in.session.cookie_jar.update_cookies({"mf_session": token}, logged_in.make_url("/"))
    return csrf_token_of(await page.text())


async def test_expired_session_page_names_expiry(logged_in):
    await stale_session(logged_in)

    response = await logged_in.get("/etat-de-compte?view=all", allow_redirects=False)
    location = urlsplit(response.headers["Location"])
    query = parse_qs(location.query)
    login_page = await logged_in.get(response.headers["Location"])
    html = await login_page.text()

    assert response.status == 302
    assert location.path == "/connexion"
    assert query["suite"] == ["/etat-de-compte?view=all"]
    assert query["expiree"] == ["page"]
    assert "Votre session a expiré" in html
    assert 'name="suite" value="/etat-de-compte?view=all"' in html


async def test_expired_session_post_returns_to_form(logged_in, portal_data):
    csrf_token = await stale_session(logged_in)
    form_page = str(logged_in.make_url("/nous-contacter"))

    response = await logged_in.post(
        f"/creanciers/{portal_data.first.id}/nous-contacter",
        data={"csrf_token": csrf_token, "service": "facturation", "subject": "Relance", "message": "Bonjour"},
        headers={"Referer": form_page},
        allow_redirects=False,
    )
    location = urlsplit(response.headers["Location"])
    query = parse_qs(location.query)
    login_page = await logged_in.get(response.headers["Location"])
    html = await login_page.text()

    assert response.status == 302
    assert location.path == "/connexion"
    assert query["suite"] == ["/nous-contacter"]
    assert query["expiree"] == ["formulaire"]
    assert "Votre session a expiré avant l’envoi du formulaire" in html
    assert 'name="suite" value="/nous-contacter"' in html


async def test_expired_session_foreign_referer_ignored(logged_in, portal_data):
    csrf_token = await stale_session(logged_in)

    response = await logged_in.post(
        f"/creanciers/{portal_data.first.id}/nous-contacter",
        data={"csrf_token": csrf_token, "service": "facturation", "subject": "Relance", "message": "Bonjour"},
        headers={"Referer": "http://autre-site.example/nous-contacter"},
        allow_redirects=False,
    )
    query = parse_qs(urlsplit(response.headers["Location"]).query)

    assert response.status == 302
    assert query["suite"] == ["/"]
    assert query["expiree"] == ["formulaire"]


async def test_first_visit_login_without_expiry_notice(gateway):
    response = await gateway.get("/etat-de-compte", allow_redirects=False)
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    login_page = await gateway.get(response.headers["Location"])

    assert "expiree" not in query
    assert "Votre session a expiré" not in await login_page.text()


async def test_failed_login_keeps_return_path(gateway, portal_data):
    page = await gateway.get("/connexion?suite=%2Fnous-contacter")
    token = csrf_token_of(await page.text())

    failed = await gateway.post(
        "/connexion",
        data={
            "login": portal_data.agency.login,
            "password": "mot de passe faux 123",
            "csrf_token": token,
            "suite": "/nous-contacter",
        },
        allow_redirects=False,
    )
    html = await failed.text()
    retry = await gateway.post(
        "/connexion",
        data={
            "login": portal_data.agency.login,
            "password": portal_data.agency.password,
            "csrf_token": csrf_token_of(html),
            "suite": "/nous-contacter",
        },
        allow_redirects=False,
    )

    assert failed.status == 401
    assert 'name="suite" value="/nous-contacter"' in html
    assert retry.status == 302
    assert retry.headers["Location"] == "/nous-contacter"


async def test_first_of_two_login_tabs_works(gateway, portal_data):
    first_tab = await gateway.get("/connexion")
    first_token = csrf_token_of(await first_tab.text())
    await gateway.get("/connexion")

    response = await gateway.post(
        "/connexion",
        data={
            "login": portal_data.agency.login,
            "password": portal_data.agency.password,
            "csrf_token": first_token,
            "suite": "/etat-de-compte",
        },
        allow_redirects=False,
    )

    assert response.status == 302
    assert response.headers["Location"] == "/etat-de-compte"


async def test_login_page_after_reset_page_works(gateway, portal_data):
    login_tab = await gateway.get("/connexion")
    token = csrf_token_of(await login_tab.text())
    await gateway.get("/mot-de-passe-perdu")

    response = await gateway.post(
        "/connexion",
        data={"login": portal_data.agency.login, "password": portal_data.agency.password, "csrf_token": token},
        allow_redirects=False,
    )

    assert response.status == 302


async def test_login_nonce_changes_after_login(gateway, portal_data):
    before = csrf_token_of(await (await gateway.get("/connexion")).text())
    await log_in(gateway, portal_data.agency.login, portal_data.agency.password)
    await gateway.post("/deconnexion", data={"csrf_token": csrf_token_of(await (await gateway.get("/etat-de-compte")).text())})

    after = csrf_token_of(await (await gateway.get("/connexion")).text())

    assert after != before


async def test_malformed_login_nonce_replaced(gateway):
    page = await gateway.get("/connexion", headers={"Cookie": "mf_login_csrf=pas-un-nonce"})
    nonce = page.cookies["mf_login_csrf"].value

    assert nonce != "pas-un-nonce"
    assert LOGIN_NONCE_PATTERN.fullmatch(nonce)


async def test_login_page_keeps_browser_nonce(gateway):
    first = await gateway.get("/connexion")
    first_nonce = first.cookies["mf_login_csrf"].value

    second = await gateway.get("/invitation/lien-inconnu")

    assert second.cookies["mf_login_csrf"].value == first_nonce
