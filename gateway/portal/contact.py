"""Nous contacter: the creditor's billing and collections services, the account manager, and « Contacter par mail ».

The contact sheets come from the accounts service. The form posts to the
creditor's own path, so a creditor switched in another tab cannot redirect
the message. After sending, the page redirects (post/redirect/get) and names
the service that received the message.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from aiohttp import web

from gateway.accounts_portal import TooManyAttempts, accounts_portal
from gateway.invoice_numbers import (
    checkable_numbers,
    documents_of_account,
    limit_error_message,
    unknown_numbers_message,
)
from gateway.portal.forms import (
    FORM_EXPIRED_MESSAGE,
    ExpiredForm,
    FieldErrors,
    field_errors_of,
    form_texts,
    read_session_form,
)
from gateway.portal.layout import CONTACT, PortalFrame, load_frame, render_page
from shared.errors import Conflict, Unprocessable
from shared.principal import Role
from shared.typography import apply_french_spacing

SERVICE_CHOICES = (
    ("facturation", "Service facturation"),
    ("recouvrement", "Service recouvrement"),
)
SERVICE_NAMES = dict(SERVICE_CHOICES)
CONTACT_FIELDS = ("service", "subject", "message", "invoice_numbers")
WRITER_ROLES = frozenset({Role.ADMIN, Role.ACCOUNTANT})
SENT_PARAMETER = "envoye"
# Invoice numbers may contain spaces (« FA  220001 »), so only commas, semicolons and line breaks separate them.
INVOICE_NUMBER_SEPARATORS = re.compile(r"[,;\n]+")
NO_CREDITOR_MESSAGE = "Aucun créancier n’est rattaché à votre agence. Contactez votre créancier pour y accéder."
# The accounts service's messages for a blank subject and a blank message. The form shows them beside
# an invoice number error, which stops the message before it reaches that service.
BLANK_FIELD_MESSAGES = {
    "subject": apply_french_spacing("Le champ « Objet » est obligatoire : renseignez-le."),
    "message": apply_french_spacing("Le message est vide : écrivez votre demande."),
}
READ_ONLY_MESSAGE = (
    "Votre rôle (lecteur) permet de consulter ces coordonnées, mais pas d’écrire au créancier. "
    "Demandez à un administrateur ou à un comptable de votre agence."
)


def contact_path(creditor: str) -> str:
    return f"/creanciers/{quote(creditor, safe='')}/nous-contacter"


def split_invoice_numbers(text: str) -> list[str]:
    """Split the « Numéros de facture » field on commas, semicolons and line breaks, dropping blanks."""
    return [number.strip() for number in INVOICE_NUMBER_SEPARATORS.split(text) if number.strip()]


def blank_field_errors(values: dict[str, str]) -> FieldErrors:
    """Return an error for the subject and the message when left blank.

    The accounts service checks them, but only once the invoice numbers pass. Without these
    errors, a form with an unknown number and an empty message would report the empty message
    only after the user had fixed the number.
    """
    return {name: message for name, message in BLANK_FIELD_MESSAGES.items() if not values[name]}


def sent_message(request: web.Request) -> str | None:
    """Return the confirmation that follows a sent message, from the redirect's query string."""
    service = request.query.get(SENT_PARAMETER)
    if service not in SERVICE_NAMES:
        return None
    return f"Votre message a été envoyé au {SERVICE_NAMES[service].lower()}."


async def render_contact(
    request: web.Request,
    frame: PortalFrame,
    *,
    values: dict[str, str] | None = None,
    errors: FieldErrors | None = None,
    error: str | None = None,
    status: int = 200,
) -> web.Response:
    context: dict[str, Any] = {
        "no_creditor_message": NO_CREDITOR_MESSAGE,
        "read_only_message": READ_ONLY_MESSAGE,
        "service_choices": SERVICE_CHOICES,
        "values": values or {"service": "facturation"},
        "errors": errors or {},
        "error": error,
        "sent": sent_message(request),
        "can_write": frame.session.info.role in WRITER_ROLES,
        "contacts": None,
    }
    if frame.creditor is not None:
        context["contacts"] = await accounts_portal(request).contacts(frame.session.info, frame.creditor.id)
        context["form_action"] = contact_path(frame.creditor.id)
    return render_page(request, "contact.html", frame, context, status=status)


async def contact_page(request: web.Request) -> web.Response:
    """Show the contacts of the creditor chosen in the selector."""
    frame = await load_frame(request, CONTACT)
    return await render_contact(request, frame)


async def creditor_contact_page(request: web.Request) -> web.Response:
    """Show the contacts of the creditor in the path, or 404 when the agency has no account there."""
    frame = await load_frame(request, CONTACT, creditor_id=request.match_info["creditor"])
    return await render_contact(request, frame)


async def send_message(request: web.Request) -> web.Response:
    """Send « Contacter par mail » to the chosen service, then redirect to the page with a confirmation.

    A form from before a new login sends nothing, and comes back with the typed values.
    """
    try:
        _active, form = await read_session_form(request)
    except ExpiredForm as expired:
        frame = await load_frame(request, CONTACT, creditor_id=request.match_info["creditor"])
        values, errors = form_texts(expired.form, CONTACT_FIELDS)
        return await render_contact(
            request, frame, values=values, errors=errors, error=FORM_EXPIRED_MESSAGE, status=expired.status
        )
    frame = await load_frame(request, CONTACT, creditor_id=request.match_info["creditor"])
    values, errors = form_texts(form, CONTACT_FIELDS)
    if errors:
        return await render_contact(request, frame, values=values, errors=errors, status=422)
    if values["service"] not in SERVICE_NAMES:
        errors = {"service": "Choisissez le destinataire : service facturation ou service recouvrement."}
        return await render_contact(request, frame, values=values, errors=errors, status=422)

    numbers = split_invoice_numbers(values["invoice_numbers"])
    limit_error = limit_error_message(numbers)
    if limit_error is not None:
        errors = {**blank_field_errors(values), "invoice_numbers": limit_error}
        return await render_contact(request, frame, values=values, errors=errors, status=422)
    # As in the JSON API, numbers that the accounts service rejects anyway, such as one with a control
    # character, reach it unchecked, so that its field error names the rule they break.
    if checkable_numbers(numbers):
        numbers, unknown = await documents_of_account(request, frame.session.info, frame.creditor.id, numbers)
        if unknown:
            errors = {**blank_field_errors(values), "invoice_numbers": unknown_numbers_message(unknown)}
            return await render_contact(request, frame, values=values, errors=errors, status=422)

    message = {
        "service": values["service"],
        "subject": values["subject"],
        "message": values["message"],
        "invoice_numbers": numbers,
    }
    try:
        await accounts_portal(request).send_message(frame.session.info, frame.creditor.id, message)
    except Unprocessable as rejected:
        errors = field_errors_of(rejected)
        general = None if errors else rejected.message
        return await render_contact(request, frame, values=values, errors=errors, error=general, status=422)
    except Conflict as conflict:
        # The chosen service has no e-mail address yet, so its message suggests calling or writing instead.
        return await render_contact(request, frame, values=values, error=conflict.message, status=409)
    except TooManyAttempts as limited:
        # Accounts limits the messages of one author per hour, and the typed message stays in the form.
        return await render_contact(request, frame, values=values, error=limited.message, status=limited.status)

    raise web.HTTPSeeOther(f"{contact_path(frame.creditor.id)}?{SENT_PARAMETER}={values['service']}")



def setup_routes(app: web.Application) -> None:
    app.router.add_get(CONTACT.path, contact_page, name="contact")
    app.router.add_get("/creanciers/{creditor}/nous-contacter", creditor_contact_page, name="creditor_contact")
    app.router.add_post("/creanciers/{creditor}/nous-contacter", send_message)
