"""The « Créancier » selector and access to creditors foreign to the agency."""

from __future__ import annotations

import re
from html import unescape

from tests.gateway.conftest import csrf_token_of, log_in
from tests.gateway.support import (
    CreditorAccount,
    FecBuilder,
    create_agency_login,
    create_creditor,
    create_staff_login,
    days_ago,
    import_fec,
)

OPTION = re.compile(r'<option value="([^"]+)"( selected)?>([^<]*)</option>')
FOREIGN_CREDITOR_MESSAGE = "Ce créancier est introuvable parmi ceux de votre agence. Choisissez un créancier dans la liste."
# API routes that read the agency's account at one creditor.
ACCOUNT_ROUTES = ("statement", "contacts", "profile", "bank-details", "statement.csv", "statement.pdf", "ageing")


def creditor_options(html: str) -> list[tuple[str, bool, str]]:
    selector = html[html.index('id="creditor-select"') : html.index("</select>", html.index('id="creditor-select"'))]
    return [(value, bool(selected), name) for value, selected, name in OPTION.findall(selector)]


async def test_selector_lists_only_agency_creditors(logged_in, portal_data):
    page = await logged_in.get("/etat-de-compte")
    options = creditor_options(await page.text())
    ids = [value for value, _selected, _name in options]

    assert sorted(ids) == sorted([portal_data.first.id, portal_data.second.id])
    assert portal_data.foreign.id not in ids
    assert "Presse Immo Ouest" in [name for _value, _selected, name in options]


async def test_selector_defaults_to_first_creditor(logged_in, portal_data):
    page = await logged_in.get("/etat-de-compte")
    selected = [value for value, is_selected, _name in creditor_options(await page.text()) if is_selected]

    # accounts sorts creditors by name: « Annonces Sud Services » comes first.
    assert selected == [portal_data.second.id]


async def test_switching_creditor_reloads_page_for_it(logged_in, portal_data):
    page = await logged_in.get("/etat-de-compte")
    token = csrf_token_of(await page.text())

    response = await logged_in.post(
        "/creancier",
        data={"creditor": portal_data.first.id, "csrf_token": token, "suite": "/etat-de-compte"},
        allow_redirects=False,
    )
    reloaded = await logged_in.get(response.headers["Location"])
    html = await reloaded.text()

    assert response.status == 302
    assert response.headers["Location"] == "/etat-de-compte"
    assert response.cookies["mf_creditor"].value == portal_data.first.id
    assert "Facture n°\u00a0FA-0002" in html
    assert "FB-0001" not in html


async def test_switching_rewrites_creditor_path(logged_in, portal_data):
    path = f"/creanciers/{portal_data.first.id}/etat-de-compte"
    page = await logged_in.get(path)
    token = csrf_token_of(await page.text())

    response = await logged_in.post(
        "/creancier",
        data={"creditor": portal_data.second.id, "csrf_token": token, "suite": path + "?view=all"},
        allow_redirects=False,
    )

    assert response.headers["Location"] == f"/creanciers/{portal_data.second.id}/etat-de-compte"


async def test_switching_without_csrf_token_is_rejected(logged_in, portal_data):
    response = await logged_in.post(
        "/creancier", data={"creditor": portal_data.first.id, "suite": "/etat-de-compte"}, allow_redirects=False
    )

    assert response.status == 403
    assert "mf_creditor" not in response.cookies


async def test_switching_with_forged_csrf_token_is_rejected(logged_in, portal_data):
    response = await logged_in.post(
        "/creancier",
        data={"creditor": portal_data.first.id, "csrf_token": "A" * 43, "suite": "/etat-de-compte"},
        allow_redirects=False,
    )

    assert response.status == 403


async def test_switching_to_foreign_creditor_is_not_found(logged_in, portal_data):
    page = await logged_in.get("/etat-de-compte")
    token = csrf_token_of(await page.text())

    response = await logged_in.post(
        "/creancier",
        data={"creditor": portal_data.foreign.id, "csrf_token": token, "suite": "/etat-de-compte"},
        allow_redirects=False,
    )

    assert response.status == 404
    assert "mf_creditor" not in response.cookies


async def test_foreign_creditor_page_is_not_found(logged_in, portal_data):
    response = await logged_in.get(f"/creanciers/{portal_data.foreign.id}/etat-de-compte")
    html = await response.text()

    assert response.status == 404
    assert "Ce créancier est introuvable" in html
    assert "FX-0001" not in html


async def test_foreign_creditor_cookie_ignored(logged_in, portal_data):
    logged_in.session.cookie_jar.update_cookies({"mf_creditor": portal_data.foreign.id}, logged_in.make_url("/"))

    response = await logged_in.get("/etat-de-compte")
    html = await response.text()

    assert response.status == 200
    assert "FX-0001" not in html
    assert "FB-0001" in html


async def test_creditor_name_is_html_escaped(gateway, accounts_pool, ledger_service):
    name = 'Régie <script>alert("x")</script> & Fils'
    creditor_id = await create_creditor(accounts_pool, ledger_service, name)
    fec = FecBuilder()
    fec.invoice("C4004", "FR-0001", days_ago(1), "10.00")
    await import_fec(ledger_service, creditor_id, fec)
    agency = await create_agency_login(accounts_pool, [CreditorAccount(creditor_id, name, "C4004")])
    await log_in(gateway, agency.login, agency.password)

    html = await (await gateway.get("/etat-de-compte")).text()

    assert "<script>alert" not in html
    assert "Régie &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Fils" in html


async def test_foreign_creditor_same_message_everywhere(logged_in, portal_data):
    for route in ACCOUNT_ROUTES:
        response = await logged_in.get(f"/api/v1/creditors/{portal_data.foreign.id}/{route}")
        body = await response.json()

        assert response.status == 404, route
        assert body["error"]["message"] == FOREIGN_CREDITOR_MESSAGE, route


async def test_foreign_creditor_portal_export_message(logged_in, portal_data):
    for export in ("releve.csv", "releve.pdf"):
        response = await logged_in.get(f"/creanciers/{portal_data.foreign.id}/{export}")
        html = unescape(await response.text())

        assert response.status == 404, export
        assert FOREIGN_CREDITOR_MESSAGE in html, export


async def test_staff_account_routes_name_no_agency(gateway, accounts_pool, portal_data):
    login, password = await create_staff_login(accounts_pool, [portal_data.first.id])
    response = await log_in(gateway, login, password)
    assert response.status == 302

    for route in ACCOUNT_ROUTES:
        response = await gateway.get(f"/api/v1/creditors/{portal_data.first.id}/{route}")
        message = (await response.json())["error"]["message"]

        assert response.status == 404, route
        assert "votre agence" not in message, route
        assert message.startswith("Le personnel du créancier n’a pas de compte client"), route


async def test_staff_document_pdf_names_no_account(gateway, accounts_pool, portal_data):
    login, password = await create_staff_login(accounts_pool, [portal_data.first.id])
    response = await log_in(gateway, login, password)
    assert response.status == 302

    api = await gateway.get(f"/api/v1/creditors/{portal_data.first.id}/documents/FA-0001/pdf")
    api_message = (await api.json())["error"]["message"]
    portal = await gateway.get(f"/creanciers/{portal_data.first.id}/documents/FA-0001.pdf")
    portal_page = unescape(await portal.text())

    assert api.status == 404
    assert api_message.startswith("Le personnel du créancier n’a pas de compte client")
    assert portal.status == 404
    assert "Le personnel du créancier n’a pas de compte client" in portal_page
    assert "introuvable pour votre compte" not in portal_page
