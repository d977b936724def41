"""Back-office « Demandes de modification bancaire »: staff approve or reject agencies' bank-detail changes.

Only staff users see the menu entry. The accounts service responds with 403 to
any other role and limits staff to the creditors they work for, so an
agency user who opens these pages gets the service's refusal as an error
page. IBANs appear masked (last 4 characters), with their country and bank
but never their account number: the accounts service decides what staff
see (``services.accounts.iban_summary``). The review page warns when the
request moves the account to another country or bank.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from aiohttp import web

from gateway.accounts_portal import accounts_portal
from gateway.portal.display import format_day
from gateway.format import group_thousands
from gateway.portal.forms import (
    FORM_EXPIRED_MESSAGE,
    ExpiredForm,
    FieldTooLong,
    form_text,
    normalize_line_breaks,
    read_session_form,
)
from gateway.portal.layout import BANK_CHANGE_REVIEWS, HOME_LABEL, HOME_PATH, PortalFrame, load_frame, render_page
from shared.errors import Conflict, NotFound, Unprocessable

STATUS_PARAMETER = "statut"
# Query values of the list filter and the service's status filter they select.
STATUS_FILTERS = {"en-attente": "pending", "toutes": "all"}
STATUS_LABELS = {"pending": "En attente", "approved": "Validée", "rejected": "Refusée", "withdrawn": "Retirée par l’agence"}
NOTICE_PARAMETER = "fait"
NOTICES = {
    "validee": (
        "La demande a été validée : les nouvelles coordonnées bancaires s’appliquent, "
        "et l’agence est prévenue par e-mail."
    ),
    "refusee": (
        "La demande a été refusée : les coordonnées bancaires restent inchangées, "
        "et l’agence est prévenue par e-mail."
    ),
}
MAX_REASON_LENGTH = 500
REASON_MISSING = "La demande n’a pas été refusée, car le motif du refus manque. Elle reste en attente."
REASON_MISSING_HINT = (
    "Indiquez le motif du refus\u00a0: l’agence le reçoit par e-mail et le lit sur sa page Informations compte,"
    " pour corriger sa demande."
)
REQUESTER_REMOVED = (
    "L’auteur de cette demande n’est plus administrateur actif de l’agence\u00a0: l’agence l’a désactivé ou lui a"
    " donné un autre rôle depuis. La demande ne peut plus être validée\u00a0; refusez-la en donnant ce motif."
)
REQUEST_NOT_FOUND = "Cette demande de modification bancaire est introuvable parmi celles de vos créanciers."
FRAUD_ADVICE = (
    "Un changement vers un compte à l’étranger est le signe habituel d’une fraude au changement "
    "de coordonnées bancaires\u00a0: avant de valider, confirmez la demande auprès de l’agence, "
    "à un numéro de téléphone que vous connaissez déjà."
)
UNREADABLE_DETAILS = (
    "Le pays et la banque ne peuvent pas être comparés, car les coordonnées bancaires "
    "enregistrées n’ont pas pu être lues."
)


def review_path(request_id: str, action: str | None = None) -> str:
    path = f"{BANK_CHANGE_REVIEWS.path}/{quote(request_id, safe='')}"
    return f"{path}/{action}" if action else path


def with_labels(requests: list[dict[str, Any]], creditor_names: dict[str, str]) -> list[dict[str, Any]]:
    """Add the French status label and the creditor's name to each request."""
    return [
        {
            **item,
            "status_label": STATUS_LABELS.get(item.get("status", ""), item.get("status", "")),
            "creditor_name": creditor_names.get(item.get("creditor", ""), item.get("creditor", "")),
        }
        for item in requests
    ]


def country_label(summary: dict[str, Any]) -> str:
    """Return « Belgique (BE) »: the French country name and the ISO code of an IBAN summary."""
    return f"{summary.get('country_name')} ({summary.get('country_code')})"


def bank_label(summary: dict[str, Any]) -> str | None:
    """Return « LA BANQUE POSTALE (code banque 20041) », or None when the bank code is withheld or unknown."""
    code = summary.get("bank_code")
    if not code:
        return None
    name = summary.get("bank_name")
    return f"{name} (code banque {code})" if name else f"code banque {code}"


def summary_cells(summary: dict[str, Any] | None) -> dict[str, str]:
    """Return the texts of the country, bank code and bank name cells for one IBAN summary.

    The summary is None when the accounts service could not decrypt the
    stored details.
    """
    if summary is None:
        return {"country": "indisponible", "bank_code": "indisponible", "bank_name": "indisponible"}
    if summary.get("bank_withheld"):
        hidden = "masqué, car l’IBAN est trop court pour le montrer sans dévoiler le compte"
        return {"country": country_label(summary), "bank_code": hidden, "bank_name": "masquée"}
    if not summary.get("bank_code"):
        return {"country": country_label(summary), "bank_code": "inconnu pour ce pays", "bank_name": "inconnue"}
    return {
        "country": country_label(summary),
        "bank_code": summary["bank_code"],
        "bank_name": summary.get("bank_name") or "absente de l’annuaire des banques",
    }


def review_warnings(review: dict[str, Any]) -> list[str]:
    """Return the French warnings of the review page: a change of country, of bank, or details that could not be read.

    The accounts service compares the requested IBAN with the details it
    replaces, or with France when the account has none.
    """
    requested = review.get("iban_summary")
    previous = review.get("previous")
    previous_summary = previous.get("iban_summary") if previous else None
    warnings: list[str] = []
    if review.get("status") == "pending" and review.get("requester_active") is False:
        warnings.append(REQUESTER_REMOVED)
    if review.get("country_changed") is None:
        return [*warnings, UNREADABLE_DETAILS]

    if review["country_changed"] and requested:
        if previous_summary:
            change = f"Changement de pays\u00a0: {country_label(previous_summary)} → {country_label(requested)}."
        else:
            change = (
                f"Compte hors de France\u00a0: {country_label(requested)}. "
                "Aucun IBAN n’était enregistré pour ce compte."
            )
        if review.get("status") == "pending":
            change = f"{change} {FRAUD_ADVICE}"
        warnings.append(change)
    if review.get("bank_changed") and requested and previous_summary:
        before, after = bank_label(previous_summary), bank_label(requested)
        if before and after:
            warnings.append(f"Changement de banque\u00a0: {before} → {after}.")
        else:
            warnings.append("Changement de banque\u00a0: le compte demandé n’est pas tenu par la même banque.")
    return warnings


async def reviews_page(request: web.Request) -> web.Response:
    """List the requests of the staff user's creditors, pending ones by default."""
    frame = await load_frame(request, BANK_CHANGE_REVIEWS)
    status_filter = request.query.get(STATUS_PARAMETER, "en-attente")
    if status_filter not in STATUS_FILTERS:
        status_filter = "en-attente"
    client = accounts_portal(request)
    requests = await client.staff_bank_change_requests(frame.session.info, STATUS_FILTERS[status_filter])
    context = {
        "requests": with_labels(requests, frame.staff_creditors),
        "country_label": country_label,
        "status_filter": status_filter,
        "notice": NOTICES.get(request.query.get(NOTICE_PARAMETER, "")),
        "review_path": review_path,
    }
    return render_page(request, "bank_change_reviews.html", frame, context)


async def find_request(request: web.Request, frame: PortalFrame, request_id: str) -> dict[str, Any]:
    """Return one request of the staff user's creditors, or raise NotFound.

    The accounts service gives, in ``previous``, the details the request
    replaces: those in force at its decision, or the current ones while it
    waits.
    """
    client = accounts_portal(request)
    requests = await client.staff_bank_change_requests(frame.session.info, "all")
    found = next((item for item in requests if item.get("request_id") == request_id), None)
    if found is None:
        raise NotFound(REQUEST_NOT_FOUND, request_id=request_id)
    return with_labels([found], frame.staff_creditors)[0]


async def render_review(
    request: web.Request,
    frame: PortalFrame,
    request_id: str,
    *,
    alert: str | None = None,
    status: int = 200,
    reason_error: str | None = None,
    reason: str = "",
) -> web.Response:
    review = await find_request(request, frame, request_id)
    context = {
        "review": review,
        "warnings": review_warnings(review),
        "requested_cells": summary_cells(review.get("iban_summary")),
        "previous_cells": summary_cells(review["previous"].get("iban_summary")) if review.get("previous") else None,
        "alert": alert,
        "approve_action": review_path(request_id, "validation"),
        "reject_action": review_path(request_id, "refus"),
        "max_reason_length": MAX_REASON_LENGTH,
        "reason_error": reason_error,
        "reason": reason,
        "breadcrumb": [
            (HOME_LABEL, HOME_PATH),
            (BANK_CHANGE_REVIEWS.label, BANK_CHANGE_REVIEWS.path),
            (f"Demande du {format_day(review.get('requested_at'))}", None),
        ],
    }
    return render_page(request, "bank_change_review.html", frame, context, status=status)


async def review_page(request: web.Request) -> web.Response:
    frame = await load_frame(request, BANK_CHANGE_REVIEWS)
    return await render_review(request, frame, request.match_info["request_id"])


async def decide(request: web.Request, *, approve: bool) -> web.Response:
    """Approve or reject a request, or show the review again with the typed reason and an alert.

    A form from before a new login decides nothing, and comes back with the typed reason.
    """
    request_id = request.match_info["request_id"]
    try:
        active, form = await read_session_form(request)
    except ExpiredForm as expired:
        frame = await load_frame(request, BANK_CHANGE_REVIEWS)
        try:
            reason = form_text(expired.form, "reason")
        except FieldTooLong:
            reason = ""
        return await render_review(
            request, frame, request_id, alert=FORM_EXPIRED_MESSAGE, status=expired.status, reason=reason
        )
    try:
        reason = form_text(form, "reason") or None
    except FieldTooLong:
        # Past the gateway's limit for every form field, the text is not sent back, so the page stays small.
        length = len(normalize_line_breaks(form.get("reason", "")))
        return await reject_long_reason(request, request_id, length, reason="")
    if reason is not None and len(reason) > MAX_REASON_LENGTH:
        # The form field's own limit is far larger, so the text comes back for the staff member to shorten.
        return await reject_long_reason(request, request_id, len(reason), reason=reason)
    if not approve and reason is None:
        frame = await load_frame(request, BANK_CHANGE_REVIEWS)
        return await render_review(
            request, frame, request_id, alert=REASON_MISSING, status=422, reason_error=REASON_MISSING_HINT
        )
    try:
        await accounts_portal(request).decide_bank_change(active.info, request_id, approve=approve, reason=reason)
    except NotFound:
        # Respond as the review page does, with one message for a missing request and for another creditor's.
        raise NotFound(REQUEST_NOT_FOUND, request_id=request_id) from None
    except Conflict as decided:
        # Another staff member decided first, or the request can no longer be approved.
        frame = await load_frame(request, BANK_CHANGE_REVIEWS)
        return await render_review(
            request, frame, request_id, alert=decided.message, status=decided.status, reason=reason or ""
        )
    except Unprocessable as invalid:
        # The accounts service refused the reason: the form comes back with what was typed.
        frame = await load_frame(request, BANK_CHANGE_REVIEWS)
        return await render_review(
            request, frame, request_id, alert=invalid.message, status=422, reason_error=invalid.message,
            reason=reason or "",
        )
    notice = "validee" if approve else "refusee"
    raise web.HTTPSeeOther(f"{BANK_CHANGE_REVIEWS.path}?{NOTICE_PARAMETER}={notice}")


async def reject_long_reason(request: web.Request, request_id: str, length: int, *, reason: str) -> web.Response:
    """Show the review again with a 422 alert that gives the reason's limit and the ``length`` typed."""
    frame = await load_frame(request, BANK_CHANGE_REVIEWS)
    alert = (
        f"Le motif dépasse {MAX_REASON_LENGTH} caractères ({group_thousands(str(length))} saisis)\u00a0: "
        "raccourcissez-le, puis validez ou refusez à nouveau."
    )
    return await render_review(request, frame, request_id, alert=alert, status=422, reason_error=alert, reason=reason)


async def approve(request: web.Request) -> web.Response:
    return await decide(request, approve=True)


async def reject(request: web.Request) -> web.Response:
    return await decide(request, approve=False)


def setup_routes(app: web.Application) -> None:
    app.router.add_get(BANK_CHANGE_REVIEWS.path, reviews_page, name="bank_change_reviews")
    app.router.add_get(f"{BANK_CHANGE_REVIEWS.path}/{{request_id}}", review_page)
    app.router.add_post(f"{BANK_CHANGE_REVIEWS.path}/{{request_id}}/validation", approve)
    app.router.add_post(f"{BANK_CHANGE_REVIEWS.path}/{{request_id}}/refus", reject)
