"""Back-office routes for the creditors' staff: bank-change decisions and contact sheets."""

from __future__ import annotations

from aiohttp import web

from services.accounts import bank_changes, contacts
from services.accounts.crypto import cipher_or_unavailable
from services.accounts.domain import Action, InvalidRequest, reported_as_invalid_fields, require_role
from services.accounts.keys import ACCOUNTS_SETTINGS, CIPHER
from services.accounts.routes.bodies import json_body, optional_text
from services.accounts.routes.principals import creditor_in_scope, staff_scope
from services.accounts.validation.text import describe_character, find_multiline_forbidden
from shared.web import POOL, principal_of

STATUSES = ("pending", "approved", "rejected")


async def get_requests(request: web.Request) -> web.Response:
    principal = principal_of(request)
    require_role(principal, Action.DECIDE_BANK_CHANGE)
    status = request.query.get("status", "pending")
    if status not in (*STATUSES, "all"):
        raise InvalidRequest("status", "les valeurs acceptées sont pending, approved, rejected et all")
    # The staff view of each IBAN (country, bank) comes from the encrypted details.
    cipher = cipher_or_unavailable(request.app.get(CIPHER))
    async with request.app[POOL].acquire() as connection:
        requests = await bank_changes.staff_requests(
            connection, cipher, staff_scope(principal), None if status == "all" else status
        )
    return web.json_response({"requests": requests})


async def _decide(request: web.Request, *, approve: bool) -> web.Response:
    principal = principal_of(request)
    require_role(principal, Action.DECIDE_BANK_CHANGE)
    cipher = cipher_or_unavailable(request.app.get(CIPHER))
    body = await json_body(request) if request.can_read_body else {}
    reason = optional_text(body, "reason", max_length=500)
    if reason is not None and (character := find_multiline_forbidden(reason)):
        # The reason is quoted in the agency's e-mail, where such a character would show as junk or reorder the text.
        raise InvalidRequest(
            "reason",
            f"le motif contient un caractère de contrôle ou de mise en forme ({describe_character(character)})"
            "\u00a0; retirez-le",
        )
    if not approve and (reason is None or not reason.strip()):
        # The agency reads the reason in its notice and on its account page, and
        # needs it to send a corrected request.
        raise InvalidRequest("reason", "donnez le motif du refus, que l’agence reçoit pour corriger sa demande")

    decided = await bank_changes.decide(
        request.app[POOL],
        request.app[ACCOUNTS_SETTINGS],
        cipher,
        principal,
        request.match_info["request_id"],
        approve=approve,
        reason=reason,
        creditors=staff_scope(principal),
    )
    return web.json_response(decided)


async def post_approve(request: web.Request) -> web.Response:
    return await _decide(request, approve=True)


async def post_reject(request: web.Request) -> web.Response:
    return await _decide(request, approve=False)


async def put_identity(request: web.Request) -> web.Response:
    principal = principal_of(request)
    require_role(principal, Action.EDIT_CREDITOR)
    creditor_id = request.match_info["creditor"]
    creditor_in_scope(request, creditor_id)
    # Decimal numbers, because the share capital is an amount in cents.
    body = await json_body(request, exact_numbers=True)
    with reported_as_invalid_fields():
        values = contacts.validate_identity(body)

    stored = await contacts.save_identity(request.app[POOL], request.app.get(CIPHER), principal, creditor_id, values)
    return web.json_response(stored)


async def put_sheet(request: web.Request) -> web.Response:
    principal = principal_of(request)
    require_role(principal, Action.EDIT_CREDITOR)
    creditor_id = request.match_info["creditor"]
    creditor_in_scope(request, creditor_id)
    service = request.match_info["service"]
    if service not in contacts.SERVICES:
        raise InvalidRequest("service", "les services acceptés sont facturation et recouvrement")
    body = await json_body(request)
    with reported_as_invalid_fields():
        values = contacts.validate_contact_sheet(body)

    stored = await contacts.save_sheet(request.app[POOL], principal, creditor_id, service, values)
    return web.json_response(stored)


async def put_manager(request: web.Request) -> web.Response:
    principal = principal_of(request)
    require_role(principal, Action.EDIT_CREDITOR)
    creditor_id = request.match_info["creditor"]
    creditor_in_scope(request, creditor_id)
    body = await json_body(request)
    with reported_as_invalid_fields():
        values = contacts.validate_account_manager(body)

    stored = await contacts.save_manager(
        request.app[POOL], principal, creditor_id, request.match_info["customer_account"], values
    )
    return web.json_response(stored)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/staff/bank-change-requests", get_requests)
    app.router.add_post("/staff/bank-change-requests/{request_id}/approve", post_approve)
    app.router.add_post("/staff/bank-change-requests/{request_id}/reject", post_reject)
    app.router.add_put("/staff/creditors/{creditor}/identity", put_identity)
    app.router.add_put("/staff/creditors/{creditor}/contact-sheets/{service}", put_sheet)
    app.router.add_put("/staff/creditors/{creditor}/accounts/{customer_account}/manager", put_manager)
