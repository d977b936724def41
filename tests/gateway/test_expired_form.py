"""A form opened before a new login comes back with its typed values instead of the bare 403 page.

Tab A shows a form, tab B logs out and logs in again, which rotates the
session and its CSRF token, then tab A sends the form with the old token.
"""

from __future__ import annotations

from html import unescape

import pytest
from markupsafe import escape

from gateway.portal.forms import FORM_EXPIRED_MESSAGE
from tests.gateway.conftest import csrf_token_of, log_in
from tests.gateway.support import AgencyLogin, CreditorAccount, create_agency_member, create_creditor

TYPED_SUBJECT = 'Relance "FA-0001" <urgent>'
TYPED_MESSAGE = "Bonjour,\nl’avoir <b>promis</b> n’apparaît pas & la facture reste due."
TYPED_PASSWORD = "mot-de-passe-tape-dans-l-onglet-A"


@pytest.fixture
async def creditor(accounts_pool, ledger_service) -> CreditorAccount:
    creditor_id = await create_creditor(accounts_pool, ledger_service, "Presse Immo Onglets")
    return CreditorAccount(creditor_id, "Presse Immo Onglets", "C7001")


@pytest.fixture
async def admin(accounts_pool, creditor) -> AgencyLogin:
    return await create_agency_member(accounts_pool, [creditor], role="administrateur")


def contact_path(creditor: CreditorAccount) -> str:
    return f"/creanciers/{creditor.id}/nous-contacter"


def details_path(creditor: CreditorAccount) -> str:
    return f"/creanciers/{creditor.id}/informations-compte"


async def page_token(gateway, path: str) -> str:
    return csrf_token_of(await (await gateway.get(path)).text())


async def log_in_again(gateway, user: AgencyLogin, current_token: str) -> None:
    """Log out and log in again on the same cookie jar, as another tab of the browser would."""
    logout = await gateway.post("/deconnexion", data={"csrf_token": current_token}, allow_redirects=False)
    assert logout.status == 302
    login = await log_in(gateway, user.login, user.password)
    assert login.status == 302, await login.text()


async def token_from_before_new_login(gateway, user: AgencyLogin, path: str) -> str:
    """Log ``user`` in, open ``path`` (tab A), then log in again (tab B) and return tab A's token."""
    login = await log_in(gateway, user.login, user.password)
    assert login.status == 302, await login.text()
    old_token = await page_token(gateway, path)
    await log_in_again(gateway, user, old_token)
    return old_token


def contact_form(token: str) -> dict[str, str]:
    return {"csrf_token": token, "service": "recouvrement", "subject": TYPED_SUBJECT, "message": TYPED_MESSAGE}


def referer(gateway, path: str) -> dict[str, str]:
    return {"Referer": str(gateway.make_url(path))}


async def contact_message_count(accounts_pool, creditor: CreditorAccount) -> int:
    return await accounts_pool.fetchval("SELECT count(*) FROM contact_messages WHERE creditor_id = $1", creditor.id)


async def test_contact_form_comes_back_filled(gateway, accounts_pool, admin, creditor):
    path = contact_path(creditor)
    old_token = await token_from_before_new_login(gateway, admin, path)

    response = await gateway.post(path, data=contact_form(old_token), headers=referer(gateway, path))
    html = await response.text()
    new_token = await page_token(gateway, path)

    assert response.status == 403
    assert FORM_EXPIRED_MESSAGE in unescape(html)
    assert 'id="error-summary"' in html
    assert f'value="{escape(TYPED_SUBJECT)}"' in html
    assert f">{escape(TYPED_MESSAGE)}</textarea>" in html
    assert '<b>promis</b>' not in html
    assert 'value="recouvrement" checked' in html
    assert csrf_token_of(html) == new_token
    assert csrf_token_of(html) != old_token
    assert await contact_message_count(accounts_pool, creditor) == 0


async def test_contact_form_sends_after_expiry(gateway, accounts_pool, admin, creditor):
    path = contact_path(creditor)
    old_token = await token_from_before_new_login(gateway, admin, path)
    expired = await gateway.post(path, data=contact_form(old_token), headers=referer(gateway, path))

    # The creditor has no billing e-mail address, so the accounts service returns 409, which shows that the form passed the CSRF check.
    resent = await gateway.post(path, data=contact_form(csrf_token_of(await expired.text())), headers=referer(gateway, path))

    assert expired.status == 403
    assert resent.status == 409
    assert "n’a pas encore d’adresse e-mail" in await resent.text()


async def test_contact_form_without_referer(gateway, accounts_pool, admin, creditor):
    path = contact_path(creditor)
    old_token = await token_from_before_new_login(gateway, admin, path)

    response = await gateway.post(path, data=contact_form(old_token))
    html = await response.text()

    assert response.status == 403
    assert "Le formulaire a expiré ou ne provient pas de ce site." in unescape(html)
    assert 'name="subject"' not in html
    assert escape(TYPED_SUBJECT) not in html


@pytest.mark.parametrize(
    "headers",
    [
        {"Referer": "http://autre-site.example/nous-contacter"},
        {"Origin": "http://autre-site.example"},
    ],
    ids=["foreign-referer", "foreign-origin"],
)
async def test_contact_form_from_other_site(gateway, accounts_pool, admin, creditor, headers):
    path = contact_path(creditor)
    old_token = await token_from_before_new_login(gateway, admin, path)

    response = await gateway.post(path, data=contact_form(old_token), headers={**referer(gateway, path), **headers})
    html = await response.text()

    assert response.status == 403
    assert 'name="subject"' not in html
    assert escape(TYPED_SUBJECT) not in html
    assert await contact_message_count(accounts_pool, creditor) == 0


async def test_account_details_form_comes_back_filled(gateway, admin, creditor):
    path = details_path(creditor)
    old_token = await token_from_before_new_login(gateway, admin, path + "?mode=modification")
    form = {
        "csrf_token": old_token,
        "last_name": "Dubois <b>",
        "first_name": "Claire",
        "job_title": "Gérante",
        "address_line1": "3 place Bellecour",
        "postal_code": "69002",
        "city": "Lyon",
        "country": "FR",
        "email": "compta@agence-lyon.example",
        "password": TYPED_PASSWORD,
    }

    response = await gateway.post(path, data=form, headers=referer(gateway, path), allow_redirects=False)
    html = await response.text()
    stored = await (await gateway.get(path)).text()

    assert response.status == 403
    assert FORM_EXPIRED_MESSAGE in unescape(html)
    assert 'data-mode="modification"' in html
    assert 'value="Dubois &lt;b&gt;"' in html
    assert 'value="3 place Bellecour"' in html
    assert TYPED_PASSWORD not in html
    assert csrf_token_of(html) != old_token
    assert "Dubois &lt;b&gt;" not in stored
    assert "Bellecour" not in stored


async def test_invitation_form_comes_back_filled(gateway, admin):
    old_token = await token_from_before_new_login(gateway, admin, "/utilisateurs")
    form = {"csrf_token": old_token, "email": "hugo.petit@agence.example", "display_name": "Hugo <Petit>", "role": "comptable"}

    response = await gateway.post("/utilisateurs/invitations", data=form, headers=referer(gateway, "/utilisateurs"))
    html = await response.text()
    listing = await (await gateway.get("/utilisateurs")).text()

    assert response.status == 403
    assert FORM_EXPIRED_MESSAGE in unescape(html)
    assert 'value="hugo.petit@agence.example"' in html
    assert 'value="Hugo &lt;Petit&gt;"' in html
    assert '<option value="comptable" selected>' in html
    assert csrf_token_of(html) != old_token
    assert "hugo.petit@agence.example" not in listing
