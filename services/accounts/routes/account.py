"""Routes of one customer account at one creditor: Informations compte and Nous contacter."""

from __future__ import annotations

from aiohttp import web

from services.accounts import bank_changes, contact_messages, contacts, profile
from services.accounts.audit import audit_entries
from services.accounts.crypto import cipher_or_unavailable
from services.accounts.domain import Action, InvalidRequest, reported_as_invalid_fields, require_role
from services.accounts.keys import ACCOUNTS_SETTINGS, CIPHER
from services.accounts.passwords import MAX_PASSWORD_LENGTH
from services.accounts.reauth import reauthenticate
from services.accounts.routes.bodies import json_body, optional_text, required_text
from services.accounts.scope import AccountScope, resolve_account
from services.accounts.validation import validate_bank_details, validate_billing_details, validate_main_contact
from shared.web import POOL, principal_of

BANK_FIELDS = ("bank_code", "branch_code", "account_number", "rib_key", "iban", "bic")


async def _scope(request: web.Request, action: Action) -> AccountScope:
    principal = principal_of(request)
    require_role(principal, action)
    async with request.app[POOL].acquire() as connection:
        return await resolve_account(connection, principal, request.match_info["creditor"])


def _texts(body: dict, fields: tuple[str, ...]) -> dict[str, str | None]:
    return {field: optional_text(body, field, max_length=200) for field in fields}


async def get_profile(request: web.Request) -> web.Response:
    scope = await _scope(request, Action.READ_ACCOUNT)
    async with request.app[POOL].acquire() as connection:
        body = {
            "creditor": scope.creditor_id,
            "customer_account": scope.customer_account,
            "main_contact": await profile.read_section(connection, scope, "main_contact"),
            "billing_details": await profile.read_section(connection, scope, "billing_details"),
            "bank_details": await bank_changes.current_details(connection, request.app.get(CIPHER), scope, full=False),
            "pending_bank_change": next(
                (item for item in await bank_changes.account_requests(connection, scope) if item["status"] == "pending"),
                None,
            ),
        }
    return web.json_response(body)


async def put_main_contact(request: web.Request) -> web.Response:
    scope = await _scope(request, Action.EDIT_PROFILE)
    body = _texts(await json_body(request), profile.MAIN_CONTACT_FIELDS)
    with reported_as_invalid_fields():
        contact = validate_main_contact(body["last_name"], body["first_name"], body["job_title"])

    stored = await profile.update_main_contact(request.app[POOL], principal_of(request), scope, contact)
    return web.json_response(stored)


async def put_billing_details(request: web.Request) -> web.Response:
    scope = await _scope(request, Action.EDIT_PROFILE)
    body = _texts(await json_body(request), profile.BILLING_FIELDS)
    with reported_as_invalid_fields():
        details = validate_billing_details(body)

    stored = await profile.update_billing_details(request.app[POOL], principal_of(request), scope, details)
    return web.json_response(stored)


async def get_bank_details_for_edit(request: web.Request) -> web.Response:
    scope = await _scope(request, Action.READ_BANK_DETAILS_FOR_EDIT)
    cipher = cipher_or_unavailable(request.app.get(CIPHER))
    async with request.app[POOL].acquire() as connection:
        details = await bank_changes.current_details(connection, cipher, scope, full=True)
    return web.json_response({"bank_details": details})


async def get_bank_change_requests(request: web.Request) -> web.Response:
    scope = await _scope(request, Action.READ_ACCOUNT)
    async with request.app[POOL].acquire() as connection:
        requests = await bank_changes.account_requests(connection, scope)
    return web.json_response({"requests": requests})


async def post_bank_change_request(request: web.Request) -> web.Response:
    principal = principal_of(request)
    scope = await _scope(request, Action.REQUEST_BANK_CHANGE)
    cipher = cipher_or_unavailable(request.app.get(CIPHER))
    body = await json_body(request)
    password = required_text(body, "password", max_length=MAX_PASSWORD_LENGTH)
    totp_code = optional_text(body, "totp_code", max_length=32)
    fields = _texts(body, BANK_FIELDS)
    with reported_as_invalid_fields():
        details = validate_bank_details(*(fields[field] for field in BANK_FIELDS))

    await reauthenticate(
        request.app[POOL], cipher, principal, password=password, totp_code=totp_code, require_second_factor=True
    )
    created = await bank_changes.request_change(
        request.app[POOL], request.app[ACCOUNTS_SETTINGS], cipher, principal, scope, details
    )
    return web.json_response(created, status=201)


async def post_bank_change_withdrawal(request: web.Request) -> web.Response:
    scope = await _scope(request, Action.REQUEST_BANK_CHANGE)
    cipher = cipher_or_unavailable(request.app.get(CIPHER))
    withdrawn = await bank_changes.withdraw(
        request.app[POOL],
        request.app[ACCOUNTS_SETTINGS],
        cipher,
        principal_of(request),
        scope,
        request.match_info["request_id"],
    )
    return web.json_response(withdrawn)


async def get_audit(request: web.Request) -> web.Response:
    scope = await _scope(request, Action.EDIT_PROFILE)
    async with request.app[POOL].acquire() as connection:
        entries = await audit_entries(connection, scope.creditor_id, scope.customer_account)
    return web.json_response({"entries": entries})


async def get_contacts(request: web.Request) -> web.Response:
    scope = await _scope(request, Action.READ_ACCOUNT)
    async with request.app[POOL].acquire() as connection:
        page = await contacts.contact_page(connection, scope.creditor_id, scope.customer_account)
    return web.json_response(page)


async def checked_message(request: web.Request) -> tuple[AccountScope, str, str, str, list[str]]:
    """Return the scope, service, subject, message and invoice numbers of a contact message request.

    Raises Forbidden for a role that may not write, InvalidRequest for an
    unknown service, and InvalidFields listing every other field error.
    """
    scope = await _scope(request, Action.SEND_CONTACT_MESSAGE)
    body = await json_body(request)
    service = body.get("service", "facturation")
    if service not in contacts.SERVICES:
        raise InvalidRequest("service", "les services acceptés sont facturation et recouvrement")
    with reported_as_invalid_fields():
        subject, message, invoice_numbers = contact_messages.validate_message(
            body.get("subject"), body.get("message"), body.get("invoice_numbers")
        )
    return scope, service, subject, message, invoice_numbers


async def post_message(request: web.Request) -> web.Response:
    scope, service, subject, message, invoice_numbers = await checked_message(request)
    sent = await contact_messages.send_contact_message(
        request.app[POOL],
        request.app[ACCOUNTS_SETTINGS],
        request.app.get(CIPHER),
        principal_of(request),
        scope,
        service=service,
        subject=subject,
        message=message,
        invoice_numbers=invoice_numbers,
    )
    return web.json_response(sent, status=201)


async def post_message_validation(request: web.Request) -> web.Response:
    """Check a contact message as post_message does, without storing or sending it.

    The gateway calls it when it rejects an invoice number itself, so that
    its response also lists the errors of the other fields.
    """
    await checked_message(request)
    return web.Response(status=204)


def add_routes(app: web.Application) -> None:
    prefix = "/creditors/{creditor}"
    app.router.add_get(f"{prefix}/profile", get_profile)
    app.router.add_put(f"{prefix}/profile/main-contact", put_main_contact)
    app.router.add_put(f"{prefix}/profile/billing-details", put_billing_details)
    app.router.add_get(f"{prefix}/profile/bank-details", get_bank_details_for_edit)
    app.router.add_get(f"{prefix}/bank-change-requests", get_bank_change_requests)
    app.router.add_post(f"{prefix}/bank-change-requests/{{request_id}}/withdrawal", post_bank_change_withdrawal)
    app.router.add_post(f"{prefix}/bank-change-requests", post_bank_change_request)
    app.router.add_get(f"{prefix}/audit", get_audit)
    app.router.add_get(f"{prefix}/contacts", get_contacts)
    app.router.add_post(f"{prefix}/messages", post_message)
    app.router.add_post(f"{prefix}/messages/validation", post_message_validation)
