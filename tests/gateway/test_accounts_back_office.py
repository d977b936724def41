"""Back-office « Demandes de modification bancaire »: from an agency's request to the staff decision and its notices."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from html import unescape
from pathlib import Path

import pyotp
import pytest

from gateway.portal.forms import FORM_EXPIRED_MESSAGE
from tests.conftest import ServiceClient, unique_id
from tests.gateway.conftest import csrf_token_of, log_in
from tests.gateway.support import (
    AgencyLogin,
    CreditorAccount,
    accounts_with_mail,
    create_agency_member,
    create_creditor,
    create_staff_login,
    enrol_totp_through_portal,
    next_totp_code,
    wait_for_caught_mail,
)

FIRST_IBAN = "FR7630006000011234567890189"
FIRST_MASKED = "•••• •••• •••• •••• •••• •••• 0189"
SECOND_IBAN = "FR1420041010050500013M02606"
SECOND_MASKED = "•••• •••• •••• •••• •••• •••• 2606"
BELGIAN_IBAN = "BE68 5390 0754 7034"
BELGIAN_COMPACT = "BE68539007547034"
BELGIAN_MASKED = "•••• •••• •••• 7034"
BELGIAN_ACCOUNT_NUMBER = "0075470"
FRAUD_ADVICE_START = "Un changement vers un compte à l’étranger est le signe habituel d’une fraude"
CONTACT = {"last_name": "Roux", "first_name": "Marc", "job_title": ""}
BILLING = {
    "address_line1": "8 quai de la Fosse",
    "address_line2": "",
    "address_line3": "",
    "postal_code": "44000",
    "city": "Nantes",
    "country": "FR",
    "phone": "",
    "mobile": "",
    "fax": "",
    "email": "factures@agence-nantes.example",
}
BANK_EMPTY = {"bank_code": "", "branch_code": "", "account_number": "", "rib_key": "", "iban": "", "bic": ""}


@dataclass
class Scene:
    """An agency administrateur enrolled in TOTP, its creditor, and a staff user of that creditor."""

    creditor: CreditorAccount
    admin: AgencyLogin
    totp: pyotp.TOTP
    recovery_codes: list[str]
    staff_login: str
    staff_password: str

    def unused_recovery_code(self) -> str:
        """Return an unused recovery code. Each TOTP step works only once, so logins use these codes."""
        return self.recovery_codes.pop()


@pytest.fixture
async def accounts_service(engines, signer, tmp_path: Path) -> AsyncIterator[ServiceClient]:
    """The accounts service with a local SMTP sink in ``tmp_path / "mail"`` and an encryption key."""
    async with accounts_with_mail(engines, signer, tmp_path / "mail") as service:
        yield service


@pytest.fixture
async def scene(gateway, accounts_pool, ledger_service) -> Scene:
    creditor_id = await create_creditor(accounts_pool, ledger_service, "Presse Immo Banque")
    creditor = CreditorAccount(creditor_id, "Presse Immo Banque", "C9201")
    admin = await create_agency_member(
        accounts_pool, [creditor], role="administrateur", email=f"{unique_id('admin')}@agence-nantes.example"
    )
    await switch_user(gateway, admin.login, admin.password)
    totp, codes = await enrol_totp_through_portal(gateway, admin.password)
    staff_login, staff_password = await create_staff_login(accounts_pool, [creditor.id])
    return Scene(creditor, admin, totp, codes, staff_login, staff_password)


async def switch_user(gateway, login: str, password: str, totp_code: str | None = None) -> None:
    """Log in on a fresh cookie jar, with a TOTP or recovery code when the user is enrolled."""
    gateway.session.cookie_jar.clear()
    if totp_code is None:
        response = await log_in(gateway, login, password)
    else:
        token = csrf_token_of(await (await gateway.get("/connexion")).text())
        response = await gateway.post(
            "/connexion",
            data={"login": login, "password": password, "totp_code": totp_code, "csrf_token": token},
            allow_redirects=False,
        )
    assert response.status == 302, await response.text()


async def switch_to_admin(gateway, scene: Scene) -> None:
    await switch_user(gateway, scene.admin.login, scene.admin.password, scene.unused_recovery_code())


def details_path(creditor: CreditorAccount) -> str:
    return f"/creanciers/{creditor.id}/informations-compte"


async def request_bank_change(gateway, scene: Scene, iban: str, code: str) -> None:
    """Send new bank details from the admin's edit form, with the contact and billing parts filled in."""
    await switch_to_admin(gateway, scene)
    token = csrf_token_of(await (await gateway.get(details_path(scene.creditor) + "?mode=modification")).text())
    response = await gateway.post(
        details_path(scene.creditor),
        data={
            "csrf_token": token,
            **CONTACT,
            **BILLING,
            **BANK_EMPTY,
            "iban": iban,
            "password": scene.admin.password,
            "totp_code": code,
        },
        allow_redirects=False,
    )
    assert response.status == 303, await response.text()


async def pending_request_id(accounts_pool, creditor: CreditorAccount) -> str:
    return await accounts_pool.fetchval(
        "SELECT id::text FROM bank_change_requests WHERE creditor_id = $1 AND status = 'pending'", creditor.id
    )


async def decide(gateway, request_id: str, action: str, reason: str = ""):
    page = await gateway.get(f"/back-office/demandes-bancaires/{request_id}")
    token = csrf_token_of(await page.text())
    return await gateway.post(
        f"/back-office/demandes-bancaires/{request_id}/{action}",
        data={"csrf_token": token, "reason": reason},
        allow_redirects=False,
    )


async def test_staff_menu_shows_back_office(gateway, scene):
    await switch_user(gateway, scene.staff_login, scene.staff_password)

    response = await gateway.get("/back-office/demandes-bancaires")
    page = await response.text()

    assert response.status == 200
    assert '<a href="/back-office/demandes-bancaires" class="active" aria-current="page">Demandes de modification bancaire</a>' in page
    assert '<a href="/securite">Sécurité</a>' in page
    assert '<a href="/etat-de-compte">' not in page
    assert "Aucune demande n’attend de décision." in page


async def test_pending_request_is_listed_with_masked_iban(gateway, accounts_pool, scene):
    await request_bank_change(gateway, scene, FIRST_IBAN, next_totp_code(scene.totp))
    request_id = await pending_request_id(accounts_pool, scene.creditor)
    await switch_user(gateway, scene.staff_login, scene.staff_password)

    listing = await (await gateway.get("/back-office/demandes-bancaires")).text()
    detail = await gateway.get(f"/back-office/demandes-bancaires/{request_id}")
    detail_page = await detail.text()

    assert f'data-request-id="{request_id}"' in listing
    assert "Presse Immo Banque" in listing
    assert scene.admin.agency_name in listing
    assert FIRST_MASKED in listing
    assert FIRST_IBAN not in listing
    assert detail.status == 200
    assert "Coordonnées actuelles" in detail_page
    assert "Aucun IBAN enregistré" in detail_page
    assert FIRST_MASKED in detail_page
    assert FIRST_IBAN not in detail_page
    assert ">Valider</button>" in detail_page
    assert ">Refuser</button>" in detail_page


async def test_approval_applies_details_and_notifies(gateway, accounts_pool, scene, tmp_path):
    admin_email = await accounts_pool.fetchval("SELECT email FROM users WHERE login = $1", scene.admin.login)
    await request_bank_change(gateway, scene, FIRST_IBAN, next_totp_code(scene.totp))
    request_id = await pending_request_id(accounts_pool, scene.creditor)
    await switch_user(gateway, scene.staff_login, scene.staff_password)

    response = await decide(gateway, request_id, "validation", "RIB vérifié par téléphone")
    listing = await (await gateway.get(response.headers["Location"])).text()
    decided = await wait_for_caught_mail(
        tmp_path / "mail", lambda message: "accepté" in message.subject, count=2
    )
    await switch_to_admin(gateway, scene)
    read_page = await (await gateway.get(details_path(scene.creditor))).text()
    edit_page = await (await gateway.get(details_path(scene.creditor) + "?mode=modification")).text()

    assert response.status == 303
    assert "La demande a été validée" in listing
    assert sorted(recipient for message in decided for recipient in message.envelope_to) == sorted(
        [admin_email, BILLING["email"]]
    )
    assert all(FIRST_IBAN not in message.text for message in decided)
    assert "en attente de validation" not in read_page
    assert FIRST_MASKED in read_page
    assert FIRST_IBAN not in read_page
    assert f'value="{FIRST_IBAN}"' in edit_page
    assert 'value="30006"' in edit_page


async def test_second_request_shows_previous_iban(gateway, accounts_pool, scene):
    await request_bank_change(gateway, scene, FIRST_IBAN, next_totp_code(scene.totp))
    await switch_user(gateway, scene.staff_login, scene.staff_password)
    await decide(gateway, await pending_request_id(accounts_pool, scene.creditor), "validation")
    await request_bank_change(gateway, scene, SECOND_IBAN, scene.unused_recovery_code())
    request_id = await pending_request_id(accounts_pool, scene.creditor)
    await switch_user(gateway, scene.staff_login, scene.staff_password)

    detail_page = await (await gateway.get(f"/back-office/demandes-bancaires/{request_id}")).text()

    assert FIRST_MASKED in detail_page
    assert SECOND_MASKED in detail_page
    assert detail_page.index(FIRST_MASKED) < detail_page.index(SECOND_MASKED)


async def test_rejection_keeps_details_and_gives_reason(gateway, accounts_pool, scene, tmp_path):
    await request_bank_change(gateway, scene, FIRST_IBAN, next_totp_code(scene.totp))
    request_id = await pending_request_id(accounts_pool, scene.creditor)
    await switch_user(gateway, scene.staff_login, scene.staff_password)

    response = await decide(gateway, request_id, "refus", "RIB illisible, merci de le renvoyer")
    listing = await (await gateway.get(response.headers["Location"])).text()
    decided = await wait_for_caught_mail(
        tmp_path / "mail", lambda message: "RIB illisible, merci de le renvoyer" in message.text, count=2
    )
    all_requests = await (await gateway.get("/back-office/demandes-bancaires?statut=toutes")).text()
    await switch_to_admin(gateway, scene)
    read_page = await (await gateway.get(details_path(scene.creditor))).text()

    assert response.status == 303
    assert "La demande a été refusée" in listing
    assert len(decided) == 2
    assert "Refusée" in all_requests
    assert "a été refusée par le créancier" in read_page
    assert "RIB illisible, merci de le renvoyer" in read_page
    assert FIRST_MASKED not in read_page


async def test_rejection_from_before_new_login(gateway, accounts_pool, scene):
    await request_bank_change(gateway, scene, FIRST_IBAN, next_totp_code(scene.totp))
    request_id = await pending_request_id(accounts_pool, scene.creditor)
    await switch_user(gateway, scene.staff_login, scene.staff_password)
    review_path = f"/back-office/demandes-bancaires/{request_id}"
    old_token = csrf_token_of(await (await gateway.get(review_path)).text())
    # Another tab logs out and in again, which rotates the session and its CSRF token.
    logout = await gateway.post("/deconnexion", data={"csrf_token": old_token}, allow_redirects=False)
    login = await log_in(gateway, scene.staff_login, scene.staff_password)

    response = await gateway.post(
        f"{review_path}/refus",
        data={"csrf_token": old_token, "reason": "RIB <illisible> & flou"},
        headers={"Referer": str(gateway.make_url(review_path))},
        allow_redirects=False,
    )
    html = await response.text()
    status = await accounts_pool.fetchval("SELECT status FROM bank_change_requests WHERE id::text = $1", request_id)

    assert logout.status == 302
    assert login.status == 302
    assert response.status == 403
    assert FORM_EXPIRED_MESSAGE in unescape(html)
    assert ">RIB &lt;illisible&gt; &amp; flou</textarea>" in html
    assert csrf_token_of(html) != old_token
    assert status == "pending"


async def test_removed_requester_blocks_approval(gateway, accounts_pool, scene):
    await request_bank_change(gateway, scene, FIRST_IBAN, next_totp_code(scene.totp))
    request_id = await pending_request_id(accounts_pool, scene.creditor)
    await accounts_pool.execute("UPDATE users SET disabled_at = now() WHERE login = $1", scene.admin.login)
    await switch_user(gateway, scene.staff_login, scene.staff_password)

    review = await (await gateway.get(f"/back-office/demandes-bancaires/{request_id}")).text()
    response = await decide(gateway, request_id, "validation")
    page = await response.text()
    status = await accounts_pool.fetchval("SELECT status FROM bank_change_requests WHERE id = $1::uuid", request_id)

    assert "L’auteur de cette demande n’est plus administrateur actif de l’agence" in review
    assert response.status == 409
    assert "Cette demande ne peut plus être validée" in page
    assert status == "pending"


async def test_rejection_needs_reason(gateway, accounts_pool, scene):
    await request_bank_change(gateway, scene, FIRST_IBAN, next_totp_code(scene.totp))
    request_id = await pending_request_id(accounts_pool, scene.creditor)
    await switch_user(gateway, scene.staff_login, scene.staff_password)

    response = await decide(gateway, request_id, "refus", "   ")
    page = await response.text()
    status = await accounts_pool.fetchval("SELECT status FROM bank_change_requests WHERE id = $1::uuid", request_id)

    assert response.status == 422
    assert "La demande n’a pas été refusée, car le motif du refus manque." in page
    assert 'aria-invalid="true"' in page
    assert "Indiquez le motif du refus" in page
    assert ">Refuser</button>" in page
    assert status == "pending"


async def test_decided_request_cannot_be_decided_again(gateway, accounts_pool, scene):
    await request_bank_change(gateway, scene, FIRST_IBAN, next_totp_code(scene.totp))
    request_id = await pending_request_id(accounts_pool, scene.creditor)
    await switch_user(gateway, scene.staff_login, scene.staff_password)
    token = csrf_token_of(await (await gateway.get(f"/back-office/demandes-bancaires/{request_id}")).text())
    await gateway.post(
        f"/back-office/demandes-bancaires/{request_id}/refus", data={"csrf_token": token, "reason": "RIB illisible"}
    )

    again = await gateway.post(f"/back-office/demandes-bancaires/{request_id}/validation", data={"csrf_token": token})
    page = await again.text()

    assert again.status == 409
    assert "Cette demande a déjà été refusée, par vous ou par un collègue\u00a0: votre décision n’a pas été enregistrée." in page
    assert ">Valider</button>" not in page


async def test_agency_user_is_refused_back_office(gateway, accounts_pool, scene):
    await request_bank_change(gateway, scene, FIRST_IBAN, next_totp_code(scene.totp))
    request_id = await pending_request_id(accounts_pool, scene.creditor)
    token = csrf_token_of(await (await gateway.get(details_path(scene.creditor))).text())

    listing = await gateway.get("/back-office/demandes-bancaires")
    approval = await gateway.post(f"/back-office/demandes-bancaires/{request_id}/validation", data={"csrf_token": token})
    status = await accounts_pool.fetchval("SELECT status FROM bank_change_requests WHERE id = $1::uuid", request_id)

    assert listing.status == 403
    assert "valider ou refuser un changement de coordonnées bancaires" in await listing.text()
    assert approval.status == 403
    assert status == "pending"


async def test_staff_of_other_creditor_cannot_see_request(gateway, accounts_pool, ledger_service, scene):
    await request_bank_change(gateway, scene, FIRST_IBAN, next_totp_code(scene.totp))
    request_id = await pending_request_id(accounts_pool, scene.creditor)
    other_creditor = await create_creditor(accounts_pool, ledger_service, "Autre Créancier")
    other_login, other_password = await create_staff_login(accounts_pool, [other_creditor])
    await switch_user(gateway, other_login, other_password)
    token = csrf_token_of(await (await gateway.get("/back-office/demandes-bancaires")).text())

    listing = await (await gateway.get("/back-office/demandes-bancaires")).text()
    detail = await gateway.get(f"/back-office/demandes-bancaires/{request_id}")
    approval = await gateway.post(f"/back-office/demandes-bancaires/{request_id}/validation", data={"csrf_token": token})

    missing_id = "00000000-0000-4000-8000-000000000000"
    missing_rejection = await gateway.post(
        f"/back-office/demandes-bancaires/{missing_id}/refus", data={"csrf_token": token, "reason": "RIB illisible"}
    )
    rejection = await gateway.post(
        f"/back-office/demandes-bancaires/{request_id}/refus", data={"csrf_token": token, "reason": "RIB illisible"}
    )
    detail_page = unescape(await detail.text())
    rejection_page = unescape(await rejection.text())
    missing_page = unescape(await missing_rejection.text())
    status = await accounts_pool.fetchval("SELECT status FROM bank_change_requests WHERE id = $1::uuid", request_id)

    assert request_id not in listing
    assert detail.status == 404
    assert approval.status == 404
    assert rejection.status == 404
    assert missing_rejection.status == 404
    not_found = "Cette demande de modification bancaire est introuvable parmi celles de vos créanciers."
    assert not_found in detail_page
    assert not_found in rejection_page
    assert not_found in missing_page
    assert status == "pending"


async def test_decision_without_csrf_token_is_rejected(gateway, accounts_pool, scene):
    await request_bank_change(gateway, scene, FIRST_IBAN, next_totp_code(scene.totp))
    request_id = await pending_request_id(accounts_pool, scene.creditor)
    await switch_user(gateway, scene.staff_login, scene.staff_password)

    response = await gateway.post(f"/back-office/demandes-bancaires/{request_id}/validation", data={})
    status = await accounts_pool.fetchval("SELECT status FROM bank_change_requests WHERE id = $1::uuid", request_id)

    assert response.status == 403
    assert status == "pending"


async def test_staff_login_opens_back_office(gateway, scene):
    gateway.session.cookie_jar.clear()

    response = await log_in(gateway, scene.staff_login, scene.staff_password)

    assert response.status == 302
    assert response.headers["Location"] == "/back-office/demandes-bancaires"


@pytest.mark.parametrize("path", ["/", "/etat-de-compte", "/nous-contacter", "/informations-compte"])
async def test_staff_agency_pages_lead_to_back_office(gateway, scene, path):
    await switch_user(gateway, scene.staff_login, scene.staff_password)

    response = await gateway.get(path)

    assert response.status == 200
    assert response.url.path == "/back-office/demandes-bancaires"


@pytest.mark.parametrize(("length", "shown"), [(501, "501"), (12345, "12\u202f345"), (25000, "25\u202f000")])
async def test_long_reason_is_rejected_not_cut(gateway, accounts_pool, scene, length, shown):
    await request_bank_change(gateway, scene, FIRST_IBAN, next_totp_code(scene.totp))
    request_id = await pending_request_id(accounts_pool, scene.creditor)
    await switch_user(gateway, scene.staff_login, scene.staff_password)

    response = await decide(gateway, request_id, "refus", "R" * length)
    page = unescape(await response.text())
    status = await accounts_pool.fetchval("SELECT status FROM bank_change_requests WHERE id = $1::uuid", request_id)

    assert response.status == 422
    assert f"Le motif dépasse 500 caractères ({shown} saisis)\u00a0: raccourcissez-le" in page
    assert ">Refuser</button>" in page
    assert status == "pending"


async def review_page_text(gateway, request_id: str) -> str:
    return unescape(await (await gateway.get(f"/back-office/demandes-bancaires/{request_id}")).text())


async def approve_first_iban(gateway, accounts_pool, scene: Scene) -> None:
    """Request the Crédit Agricole IBAN and approve it as staff, so that the account has current details."""
    await request_bank_change(gateway, scene, FIRST_IBAN, next_totp_code(scene.totp))
    await switch_user(gateway, scene.staff_login, scene.staff_password)
    response = await decide(gateway, await pending_request_id(accounts_pool, scene.creditor), "validation")
    assert response.status == 303


async def test_foreign_iban_shows_country_and_bank(gateway, accounts_pool, scene):
    await request_bank_change(gateway, scene, BELGIAN_IBAN, next_totp_code(scene.totp))
    request_id = await pending_request_id(accounts_pool, scene.creditor)
    await switch_user(gateway, scene.staff_login, scene.staff_password)

    listing = unescape(await (await gateway.get("/back-office/demandes-bancaires")).text())
    page = await review_page_text(gateway, request_id)

    assert "Belgique (BE) – hors de France" in listing
    assert '<td rowspan="5">Aucun IBAN enregistré</td>' in page
    assert BELGIAN_MASKED in page
    assert "<td>Belgique (BE)</td>" in page
    assert "<td>539</td>" in page
    assert "<td>absente de l’annuaire des banques</td>" in page
    assert "<td>non renseigné</td>" in page
    assert "Compte hors de France\u00a0: Belgique (BE). Aucun IBAN n’était enregistré pour ce compte." in page
    assert FRAUD_ADVICE_START in page
    assert BELGIAN_COMPACT not in page
    assert BELGIAN_ACCOUNT_NUMBER not in page


async def test_move_abroad_flags_country_and_bank(gateway, accounts_pool, scene):
    await approve_first_iban(gateway, accounts_pool, scene)
    await request_bank_change(gateway, scene, BELGIAN_IBAN, scene.unused_recovery_code())
    request_id = await pending_request_id(accounts_pool, scene.creditor)
    await switch_user(gateway, scene.staff_login, scene.staff_password)

    pending_page = await review_page_text(gateway, request_id)
    rejected = await decide(gateway, request_id, "refus", "Compte à l’étranger")
    decided_page = await review_page_text(gateway, request_id)

    country_warning = "Changement de pays\u00a0: France (FR) → Belgique (BE)."
    bank_warning = "Changement de banque\u00a0: CREDIT AGRICOLE SA (code banque 30006) → code banque 539."
    assert country_warning in pending_page
    assert bank_warning in pending_page
    assert FRAUD_ADVICE_START in pending_page
    assert "<td>France (FR)</td>" in pending_page
    assert "<td>30006</td>" in pending_page
    assert "<td>CREDIT AGRICOLE SA</td>" in pending_page
    assert pending_page.index(FIRST_MASKED) < pending_page.index(BELGIAN_MASKED)
    assert FIRST_IBAN not in pending_page
    assert rejected.status == 303
    assert country_warning in decided_page
    assert bank_warning in decided_page
    assert FRAUD_ADVICE_START not in decided_page


async def test_other_french_bank_is_flagged(gateway, accounts_pool, scene):
    await approve_first_iban(gateway, accounts_pool, scene)
    await request_bank_change(gateway, scene, SECOND_IBAN, scene.unused_recovery_code())
    request_id = await pending_request_id(accounts_pool, scene.creditor)
    await switch_user(gateway, scene.staff_login, scene.staff_password)

    page = await review_page_text(gateway, request_id)

    assert (
        "Changement de banque\u00a0: CREDIT AGRICOLE SA (code banque 30006) → "
        "LA BANQUE POSTALE (code banque 20041)."
    ) in page
    assert "Changement de pays" not in page
    assert FRAUD_ADVICE_START not in page


async def test_first_french_iban_has_no_warning(gateway, accounts_pool, scene):
    await request_bank_change(gateway, scene, FIRST_IBAN, next_totp_code(scene.totp))
    request_id = await pending_request_id(accounts_pool, scene.creditor)
    await switch_user(gateway, scene.staff_login, scene.staff_password)

    page = await review_page_text(gateway, request_id)

    assert "<td>France (FR)</td>" in page
    assert "<td>CREDIT AGRICOLE SA</td>" in page
    assert "bank-warning" not in page


async def test_refused_reason_kept_in_form(gateway, accounts_pool, scene):
    await request_bank_change(gateway, scene, FIRST_IBAN, next_totp_code(scene.totp))
    request_id = await pending_request_id(accounts_pool, scene.creditor)
    await switch_user(gateway, scene.staff_login, scene.staff_password)

    response = await decide(gateway, request_id, "refus", "RIB illisible\x07")
    page = await response.text()

    assert response.status == 422
    assert "U+0007" in page
    assert "RIB illisible" in page
    assert 'aria-invalid="true"' in page


async def test_reason_kept_when_too_long_or_refused(gateway, accounts_pool, scene):
    await request_bank_change(gateway, scene, FIRST_IBAN, next_totp_code(scene.totp))
    request_id = await pending_request_id(accounts_pool, scene.creditor)
    await accounts_pool.execute("UPDATE users SET disabled_at = now() WHERE login = $1", scene.admin.login)
    await switch_user(gateway, scene.staff_login, scene.staff_password)

    too_long = await decide(gateway, request_id, "refus", "Motif trop long. " * 40)
    blocked = await decide(gateway, request_id, "validation", "Vérifié par téléphone")

    assert too_long.status == 422
    assert "Motif trop long. Motif trop long." in await too_long.text()
    assert blocked.status == 409
    assert "Vérifié par téléphone</textarea>" in await blocked.text()


async def test_administrator_withdraws_pending_change(gateway, accounts_pool, scene):
    await request_bank_change(gateway, scene, FIRST_IBAN, next_totp_code(scene.totp))
    request_id = await pending_request_id(accounts_pool, scene.creditor)
    page = await (await gateway.get(details_path(scene.creditor))).text()

    response = await gateway.post(
        details_path(scene.creditor) + "/retrait-demande-bancaire",
        data={"csrf_token": csrf_token_of(page), "request_id": request_id},
        allow_redirects=False,
    )
    after = unescape(await (await gateway.get(response.headers["Location"])).text())
    status = await accounts_pool.fetchval("SELECT status FROM bank_change_requests WHERE id = $1::uuid", request_id)

    assert ">Retirer la demande</button>" in page
    assert response.status == 303
    assert "Votre demande de modification des coordonnées bancaires a été retirée." in after
    assert ">Retirer la demande</button>" not in after
    assert status == "withdrawn"


async def test_decision_on_withdrawn_request(gateway, accounts_pool, scene):
    await request_bank_change(gateway, scene, FIRST_IBAN, next_totp_code(scene.totp))
    request_id = await pending_request_id(accounts_pool, scene.creditor)
    page = await (await gateway.get(details_path(scene.creditor))).text()
    await gateway.post(
        details_path(scene.creditor) + "/retrait-demande-bancaire",
        data={"csrf_token": csrf_token_of(page), "request_id": request_id},
    )
    await switch_user(gateway, scene.staff_login, scene.staff_password)

    # The staff member's tab was opened before the withdrawal, so its form still posts a rejection.
    response = await decide(gateway, request_id, "refus", "RIB illisible")
    review = await response.text()

    assert response.status == 409
    assert "L’agence a retiré cette demande\u00a0: votre décision n’a pas été enregistrée." in review
    assert "déjà été traitée" not in review
    assert "<dt>Retirée le</dt>" in review
    assert "<dt>Décidée le</dt>" not in review


async def test_reason_lines_kept_on_pages(gateway, accounts_pool, scene):
    reason = "RIB illisible.\nMerci de joindre un RIB au format PDF."
    await request_bank_change(gateway, scene, FIRST_IBAN, next_totp_code(scene.totp))
    request_id = await pending_request_id(accounts_pool, scene.creditor)
    await switch_user(gateway, scene.staff_login, scene.staff_password)

    await decide(gateway, request_id, "refus", reason)
    review = await review_page_text(gateway, request_id)
    stylesheet = await (await gateway.get("/static/accounts.css")).text()
    await switch_to_admin(gateway, scene)
    read_page = unescape(await (await gateway.get(details_path(scene.creditor))).text())

    # The browser keeps the line break only under the rule of this class.
    assert ".decision-reason { white-space: pre-line;" in stylesheet
    assert f'<dd class="decision-reason">{reason}</dd>' in review
    assert f'<span class="decision-reason">{reason}</span>' in read_page
