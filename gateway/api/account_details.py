"""API routes of the agency's account at one creditor: contacts, messages, profile and bank details.

Each route passes the accounts service's JSON through unchanged. The
service checks the role and the account again, so these routes only turn a
creditor foreign to the session into 404 before calling it.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from gateway.accounts_portal import accounts_portal
from gateway.api.session import API_BASE, read_json_object
from gateway.creditor_access import require_account
from gateway.invoice_numbers import checkable_numbers, documents_of_account, unknown_numbers_message
from gateway.sessions import ActiveSession, require_session
from shared.errors import Unprocessable
from shared.typography import apply_french_spacing

# The code and message of the accounts service's error that lists several field errors.
INVALID_FIELDS_CODE = "invalid_fields"
INVALID_FIELDS_MESSAGE = apply_french_spacing("Certains champs sont invalides : corrigez-les puis renvoyez le formulaire.")
UNKNOWN_NUMBERS_CODE = "invoice_numbers.unknown"


async def _session_at_creditor(request: web.Request) -> tuple[ActiveSession, str]:
    active = await require_session(request)
    creditor = request.match_info["creditor"]
    require_account(active.info, creditor)
    return active, creditor


async def get_contacts(request: web.Request) -> web.Response:
    active, creditor = await _session_at_creditor(request)
    return web.json_response(await accounts_portal(request).contacts(active.info, creditor))


async def post_message(request: web.Request) -> web.Response:
    """Send a message to a service of the creditor, with the invoice numbers checked as the portal form does."""
    active, creditor = await _session_at_creditor(request)
    body = await read_json_object(request)
    numbers = body.get("invoice_numbers")
    # Numbers of another type, count or length reach accounts unchecked, which names the rule they break.
    if checkable_numbers(numbers):
        found, unknown = await documents_of_account(request, active.info, creditor, [n.strip() for n in numbers])
        body = {**body, "invoice_numbers": found}
        if unknown:
            raise await unknown_numbers_error(request, active, creditor, body, unknown)
    sent = await accounts_portal(request).send_message(active.info, creditor, body)
    return web.json_response(sent, status=201)


async def unknown_numbers_error(
    request: web.Request, active: ActiveSession, creditor: str, body: dict[str, Any], unknown: list[str]
) -> Unprocessable:
    """Build the error on numbers that the account's statement does not have, with the other fields' errors.

    Accounts checks ``body``, which contains only the known numbers, without
    sending it. When it accepts every field, the error is the one of code
    invalid_value on the field invoice_numbers. Otherwise it is an
    invalid_fields error whose details.fields lists accounts' field errors,
    then the unknown numbers' one. Both keep the numbers in details.unknown.
    A Forbidden or NotFound from accounts propagates.
    """
    message = unknown_numbers_message(unknown)
    try:
        await accounts_portal(request).check_message(active.info, creditor, body)
    except Unprocessable as rejected:
        fields = rejected.details.get("fields")
        if not isinstance(fields, list):
            # An error on one field, such as an unknown service, becomes the first item of the list.
            fields = [{"field": rejected.details.get("field"), "code": rejected.code, "message": rejected.message}]
        unknown_item = {"field": "invoice_numbers", "code": UNKNOWN_NUMBERS_CODE, "message": message}
        error = Unprocessable(INVALID_FIELDS_MESSAGE, fields=[*fields, unknown_item], unknown=unknown)
        error.code = INVALID_FIELDS_CODE
        return error
    return Unprocessable(message, field="invoice_numbers", unknown=unknown)


async def get_profile(request: web.Request) -> web.Response:
    active, creditor = await _session_at_creditor(request)
    return web.json_response(await accounts_portal(request).profile(active.info, creditor))


async def get_bank_details(request: web.Request) -> web.Response:
    """Return the full bank details for the owner's edit form (administrateurs only, enforced by accounts)."""
    active, creditor = await _session_at_creditor(request)
    details = await accounts_portal(request).bank_details_for_edit(active.info, creditor)
    return web.json_response({"bank_details": details})


async def get_bank_change_requests(request: web.Request) -> web.Response:
    """Return the account's bank change requests, newest first, with the IBAN masked."""
    active, creditor = await _session_at_creditor(request)
    requests = await accounts_portal(request).bank_change_requests(active.info, creditor)
    return web.json_response({"requests": requests})


async def post_bank_change_request(request: web.Request) -> web.Response:
    """Request new bank details, as the portal's form does (administrateurs with TOTP, enforced by accounts).

    The body carries the password and a TOTP code, so the gateway passes it
    on without logging it. Accounts checks every field and the re-authentication.
    """
    active, creditor = await _session_at_creditor(request)
    body = await read_json_object(request)
    created = await accounts_portal(request).request_bank_change(active.info, creditor, body)
    return web.json_response(created, status=201)


async def post_bank_change_withdrawal(request: web.Request) -> web.Response:
    """Withdraw the account's pending bank change request (administrateurs only, enforced by accounts)."""
    active, creditor = await _session_at_creditor(request)
    withdrawn = await accounts_portal(request).withdraw_bank_change(
        active.info, creditor, request.match_info["request_id"]
    )
    return web.json_response(withdrawn)


def setup_routes(app: web.Application) -> None:
    base = f"{API_BASE}/creditors/{{creditor}}"
    app.router.add_get(f"{base}/contacts", get_contacts)
    app.router.add_post(f"{base}/messages", post_message)
    app.router.add_get(f"{base}/profile", get_profile)
    app.router.add_get(f"{base}/bank-details", get_bank_details)
    app.router.add_get(f"{base}/bank-change-requests", get_bank_change_requests)
    app.router.add_post(f"{base}/bank-change-requests", post_bank_change_request)
    app.router.add_post(f"{base}/bank-change-requests/{{request_id}}/withdrawal", post_bank_change_withdrawal)
