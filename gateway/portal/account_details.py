"""Informations compte: the agency's main contact, billing details and bank details at one creditor.

The page is read-only by default. « Modifier » makes the fields
editable, in the browser (``account_details.js``, which fetches the full
bank details from the JSON API) or, without JavaScript, through
``?mode=modification``. « Enregistrer les modifications » then sends only
the parts that changed. The main contact and the billing details apply at once. New
bank details become a change request, which needs the password (and the
TOTP code when enrolled) and waits for the creditor's staff.

Only administrateurs see the edit controls. The accounts service enforces
the same rule, so a forged submission by another role gets its 403.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from aiohttp import web
from multidict import MultiDictProxy

from gateway.accounts_portal import AccountsPortalClient, TooManyAttempts, accounts_portal
from gateway.portal.account_details_form import (
    ADDRESS_FIELDS,
    BANK_FIELDS,
    BILLING_FIELDS,
    MAIN_CONTACT_FIELDS,
    PHONE_AND_EMAIL_FIELDS,
    bank_differs,
    bank_values,
    differs,
    section_values,
    service_body,
    submitted_values,
)
from gateway.portal.display import country_choices
from gateway.portal.forms import (
    FORM_EXPIRED_MESSAGE,
    ExpiredForm,
    FieldErrors,
    field_errors_of,
    form_text,
    read_session_form,
)
from gateway.portal.layout import ACCOUNT_DETAILS, PortalFrame, load_frame, render_page
from gateway.sessions import SessionInfo
from shared.errors import Conflict, Forbidden, Unprocessable
from shared.principal import Role

EDIT_MODE = "modification"
SAVED_PARAMETER = "enregistre"
SAVED_NOTICES = {
    "contact": "Le contact principal a été mis à jour.",
    "facturation": "Les coordonnées de facturation ont été mises à jour.",
    "banque": (
        "Votre demande de modification des coordonnées bancaires a été envoyée. "
        "Elle s’appliquera après validation par le créancier."
    ),
    "aucune": "Aucune modification à enregistrer : les valeurs envoyées sont celles déjà enregistrées.",
    "demande-retiree": (
        "Votre demande de modification des coordonnées bancaires a été retirée. Les coordonnées bancaires"
        " en vigueur restent inchangées, et vous pouvez faire une nouvelle demande."
    ),
}
NO_CREDITOR_MESSAGE = "Aucun créancier n’est rattaché à votre agence. Contactez votre créancier pour y accéder."
PASSWORD_REQUIRED_MESSAGE = (
    "Saisissez votre mot de passe actuel pour confirmer la modification des coordonnées bancaires."
)
BANK_NOT_SENT_MESSAGE = (
    "La demande de modification des coordonnées bancaires n’a pas été envoyée : "
    "corrigez d’abord les champs signalés."
)
FIELDS_REJECTED_MESSAGE = "Les modifications n’ont pas été enregistrées : corrigez les champs signalés."
# Shown below the notices of the parts that were saved, so it does not claim that nothing was saved.
OTHER_FIELDS_REJECTED_MESSAGE = "Les autres modifications n’ont pas été enregistrées : corrigez les champs signalés."

# Shown to every role but administrateur, the only agency role that the
# accounts service lets edit the profile or request a bank change.
READ_ONLY_MESSAGE = "Seul un administrateur de votre agence peut modifier ces informations."


def details_path(creditor: str) -> str:
    return f"/creanciers/{quote(creditor, safe='')}/informations-compte"


def bank_lock_reason(profile: dict[str, Any], me: dict[str, Any] | None) -> str | None:
    """Return why the bank part cannot be edited now (``pending`` or ``totp_required``), or None."""
    if profile.get("pending_bank_change"):
        return "pending"
    if me is not None and me.get("totp_required_for_bank_changes") and not me.get("totp_enabled"):
        return "totp_required"
    return None


def latest_decision(requests: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Return the newest request when it is a rejection, so the page can give its reason."""
    if requests and requests[0].get("status") == "rejected":
        return requests[0]
    return None


def saved_notices(request: web.Request) -> list[str]:
    keys = request.query.get(SAVED_PARAMETER, "").split(",")
    return [SAVED_NOTICES[key] for key in keys if key in SAVED_NOTICES]


async def render_account_details(
    request: web.Request,
    frame: PortalFrame,
    *,
    edit: bool,
    submitted: dict[str, str] | None = None,
    errors: FieldErrors | None = None,
    alerts: list[str] | None = None,
    notices: list[str] | None = None,
    status: int = 200,
) -> web.Response:
    """Render the page. After a rejected submission, the ``submitted`` values replace the stored ones."""
    context: dict[str, Any] = {"no_creditor_message": NO_CREDITOR_MESSAGE}
    if frame.creditor is None:
        return render_page(request, "account_details.html", frame, context)

    client = accounts_portal(request)
    info = frame.session.info
    creditor = frame.creditor.id
    profile = await client.profile(info, creditor)
    requests = await client.bank_change_requests(info, creditor)
    can_edit = info.role is Role.ADMIN
    edit = edit and can_edit
    me = await client.me(info) if can_edit else None
    lock = bank_lock_reason(profile, me) if can_edit else None

    values = {
        **section_values(profile.get("main_contact"), MAIN_CONTACT_FIELDS),
        **section_values(profile.get("billing_details"), BILLING_FIELDS),
    }
    if edit and lock is None:
        values.update(bank_values(await client.bank_details_for_edit(info, creditor)))
    else:
        values.update(bank_values(profile.get("bank_details")))
    values.update(submitted or {})

    context |= {
        "edit": edit,
        "can_edit": can_edit,
        "read_only_message": READ_ONLY_MESSAGE,
        "bank_editable": can_edit and lock is None,
        "bank_lock": lock,
        "totp_enabled": bool(me and me.get("totp_enabled")),
        "values": values,
        "errors": errors or {},
        "alerts": alerts or [],
        "notices": notices if notices is not None else saved_notices(request),
        "pending": profile.get("pending_bank_change"),
        "rejection": latest_decision(requests),
        "has_bank_details": bool(profile.get("bank_details")),
        "main_contact_fields": MAIN_CONTACT_FIELDS,
        "address_fields": ADDRESS_FIELDS,
        "phone_and_email_fields": PHONE_AND_EMAIL_FIELDS,
        "bank_fields": BANK_FIELDS,
        "country_choices": country_choices(),
        "form_action": details_path(creditor),
        "withdraw_action": f"{details_path(creditor)}/retrait-demande-bancaire",
        "bank_details_url": f"/api/v1/creditors/{quote(creditor, safe='')}/bank-details",
    }
    return render_page(request, "account_details.html", frame, context, status=status)


async def account_details_page(request: web.Request) -> web.Response:
    """Show the details at the creditor chosen in the selector."""
    frame = await load_frame(request, ACCOUNT_DETAILS)
    return await render_account_details(request, frame, edit=request.query.get("mode") == EDIT_MODE)


async def creditor_account_details_page(request: web.Request) -> web.Response:
    """Show the details at the creditor in the path, or 404 when the agency has no account there."""
    frame = await load_frame(request, ACCOUNT_DETAILS, creditor_id=request.match_info["creditor"])
    return await render_account_details(request, frame, edit=request.query.get("mode") == EDIT_MODE)


@dataclass
class FormChanges:
    """The submitted values of each part of the form, and which parts differ from what the form showed."""

    contact: dict[str, str]
    billing: dict[str, str]
    bank: dict[str, str]
    contact_changed: bool
    billing_changed: bool
    bank_changed: bool

    @property
    def any_changed(self) -> bool:
        return self.contact_changed or self.billing_changed or self.bank_changed

    @property
    def submitted(self) -> dict[str, str]:
        return {**self.contact, **self.billing, **self.bank}


@dataclass
class SubmissionOutcome:
    """Result of applying the changes: the saved parts, the errors to show and the status of the page."""

    saved: list[str] = field(default_factory=list)
    errors: FieldErrors = field(default_factory=dict)
    alerts: list[str] = field(default_factory=list)
    status: int = 422


async def read_changes(
    client: AccountsPortalClient, info: SessionInfo, creditor: str, form: MultiDictProxy[Any]
) -> FormChanges:
    """Compare the submitted form with the stored profile, and the bank fields with the full bank details."""
    profile = await client.profile(info, creditor)
    contact = submitted_values(form, MAIN_CONTACT_FIELDS)
    billing = submitted_values(form, BILLING_FIELDS)
    # Bank inputs are disabled, so absent from the form, while the bank part is locked.
    bank_submitted = any(bank_field.name in form for bank_field in BANK_FIELDS)
    bank = submitted_values(form, BANK_FIELDS) if bank_submitted else {}
    bank_changed = False
    if bank_submitted:
        current = bank_values(await client.bank_details_for_edit(info, creditor))
        bank_changed = bank_differs(bank, current)
    return FormChanges(
        contact=contact,
        billing=billing,
        bank=bank,
        contact_changed=differs(contact, section_values(profile.get("main_contact"), MAIN_CONTACT_FIELDS)),
        billing_changed=differs(billing, section_values(profile.get("billing_details"), BILLING_FIELDS)),
        bank_changed=bank_changed,
    )


async def apply_changes(
    client: AccountsPortalClient,
    info: SessionInfo,
    creditor: str,
    changes: FormChanges,
    *,
    password: str,
    totp_code: str | None,
) -> SubmissionOutcome:
    """Send each changed part to accounts: the profile sections first, then the bank change request.

    The bank change request goes only when the profile sections were accepted,
    so that the user fixes every field error before the request is made.
    """
    outcome = SubmissionOutcome()
    updates = (
        (changes.contact_changed, "contact", client.update_main_contact, changes.contact, MAIN_CONTACT_FIELDS),
        (changes.billing_changed, "facturation", client.update_billing_details, changes.billing, BILLING_FIELDS),
    )
    for changed, key, update, values, fields in updates:
        if not changed:
            continue
        try:
            await update(info, creditor, service_body(values, fields))
        except Unprocessable as rejected:
            collect_rejection(rejected, outcome.errors, outcome.alerts)
            continue
        outcome.saved.append(key)

    if not changes.bank_changed:
        return outcome
    if outcome.errors or outcome.alerts:
        outcome.alerts.append(BANK_NOT_SENT_MESSAGE)
        return outcome
    body = {**service_body(changes.bank, BANK_FIELDS), "password": password, "totp_code": totp_code}
    try:
        await client.request_bank_change(info, creditor, body)
        outcome.saved.append("banque")
    except Unprocessable as rejected:
        # Invalid bank fields, or a wrong password or TOTP code (details.field names it).
        collect_rejection(rejected, outcome.errors, outcome.alerts)
    except (Forbidden, Conflict, TooManyAttempts) as refused:
        # TOTP not enrolled (403), a request already pending (409) or too many wrong passwords (429).
        outcome.alerts.append(refused.message)
        outcome.status = refused.status
    return outcome


async def submit_account_details(request: web.Request) -> web.Response:
    """Apply the changed parts of the form, then redirect with a confirmation or show the errors.

    A form from before a new login changes nothing, and comes back with the typed values but no password.
    """
    try:
        active, form = await read_session_form(request)
    except ExpiredForm as expired:
        return await render_expired_form(request, expired)
    frame = await load_frame(request, ACCOUNT_DETAILS, creditor_id=request.match_info["creditor"])
    client = accounts_portal(request)
    creditor = frame.creditor.id
    changes = await read_changes(client, active.info, creditor, form)

    if not changes.any_changed:
        raise web.HTTPSeeOther(f"{details_path(creditor)}?{SAVED_PARAMETER}=aucune")
    password = form_text(form, "password", strip=False)
    if changes.bank_changed and not password:
        return await render_account_details(
            request,
            frame,
            edit=True,
            submitted=changes.submitted,
            errors={"password": PASSWORD_REQUIRED_MESSAGE},
            alerts=[FIELDS_REJECTED_MESSAGE],
            status=422,
        )

    outcome = await apply_changes(
        client, active.info, creditor, changes, password=password, totp_code=form_text(form, "totp_code") or None
    )
    if not outcome.errors and not outcome.alerts:
        raise web.HTTPSeeOther(f"{details_path(creditor)}?{SAVED_PARAMETER}={','.join(outcome.saved)}")
    if outcome.errors:
        outcome.alerts.insert(0, OTHER_FIELDS_REJECTED_MESSAGE if outcome.saved else FIELDS_REJECTED_MESSAGE)
    return await render_account_details(
        request,
        frame,
        edit=True,
        submitted=changes.submitted,
        errors=outcome.errors,
        alerts=outcome.alerts,
        notices=[SAVED_NOTICES[key] for key in outcome.saved],
        status=outcome.status,
    )


async def render_expired_form(request: web.Request, expired: ExpiredForm) -> web.Response:
    """Show the form again in edit mode with the values of ``expired``, and a message that nothing was saved."""
    frame = await load_frame(request, ACCOUNT_DETAILS, creditor_id=request.match_info["creditor"])
    form = expired.form
    submitted = {**submitted_values(form, MAIN_CONTACT_FIELDS), **submitted_values(form, BILLING_FIELDS)}
    # Bank inputs are disabled, so absent from the form, while the bank part is locked.
    if any(bank_field.name in form for bank_field in BANK_FIELDS):
        submitted |= submitted_values(form, BANK_FIELDS)
    return await render_account_details(
        request, frame, edit=True, submitted=submitted, alerts=[FORM_EXPIRED_MESSAGE], status=expired.status
    )


async def withdraw_bank_change(request: web.Request) -> web.Response:
    """Withdraw the account's pending bank change request, then come back to the page with a confirmation."""
    active, form = await read_session_form(request)
    frame = await load_frame(request, ACCOUNT_DETAILS, creditor_id=request.match_info["creditor"])
    creditor = frame.creditor.id
    try:
        await accounts_portal(request).withdraw_bank_change(active.info, creditor, form_text(form, "request_id"))
    except Conflict as decided:
        # The creditor decided, or another administrateur withdrew it, meanwhile.
        return await render_account_details(request, frame, edit=False, alerts=[decided.message], status=decided.status)
    raise web.HTTPSeeOther(f"{details_path(creditor)}?{SAVED_PARAMETER}=demande-retiree")


def collect_rejection(rejected: Unprocessable, errors: FieldErrors, alerts: list[str]) -> None:
    """Add a 422's field messages to ``errors``, or its message to ``alerts`` when it names no field."""
    field_errors = field_errors_of(rejected)
    if field_errors:
        errors.update(field_errors)
    else:
        alerts.append(rejected.message)


def setup_routes(app: web.Application) -> None:
    app.router.add_get(ACCOUNT_DETAILS.path, account_details_page, name="account_details")
    app.router.add_get(
        "/creanciers/{creditor}/informations-compte", creditor_account_details_page, name="creditor_account_details"
    )
    app.router.add_post("/creanciers/{creditor}/informations-compte", submit_account_details)
    app.router.add_post("/creanciers/{creditor}/informations-compte/retrait-demande-bancaire", withdraw_bank_change)
