"""Contacter par mail: an agency user writes to a creditor's billing or collections service.

The message is stored, e-mailed to the service with the agency's identity
(Reply-To set to the author), copied to the author, and announced by
``accounts.contact_message.sent``, all in one transaction. Only values from
the database and the checked one-line subject reach mail headers.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import asyncpg
import structlog

from services.accounts import events, notices
from services.accounts.contacts import SERVICE_LABELS, Service
from services.accounts.crypto import DataCipher
from services.accounts.mail import queue_mail
from services.accounts.scope import AccountScope
from services.accounts.settings import AccountsSettings
from services.accounts.validation.errors import ErrorCollector, field_error
from services.accounts.validation.text import clean_text, describe_character, find_multiline_forbidden
from shared.errors import Conflict, DomainError
from shared.events.accounts import ContactMessageSent
from shared.principal import Principal
from shared.validation_messages import shown_value
from shared.typography import format_count

log = structlog.get_logger(__name__)

MAX_SUBJECT_LENGTH = 150
# Per author and per hour, so the form cannot flood a creditor's mailbox.
MAX_MESSAGES_PER_HOUR = 20
MAX_MESSAGE_LENGTH = 5000
MAX_INVOICE_NUMBERS = 20
INVOICE_NUMBER_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ./_-]{0,39}")


class TooManyMessages(DomainError):
    status = 429
    code = "too_many_messages"

    def __init__(self) -> None:
        super().__init__(
            f"Vous avez envoyé {MAX_MESSAGES_PER_HOUR} messages au cours de la dernière heure. "
            "Réessayez plus tard ou contactez le service par téléphone."
        )


class ServiceHasNoAddress(Conflict):
    code = "contact_unavailable"

    def __init__(self, service: str) -> None:
        super().__init__(
            f"Le {SERVICE_LABELS.get(service, service)} de ce créancier n’a pas encore d’adresse e-mail. "
            "Contactez-le par téléphone ou par courrier.",
            service=service,
        )


def validate_message(subject: Any, message: Any, invoice_numbers: Any) -> tuple[str, str, list[str]]:
    """Return the cleaned subject, body and invoice numbers, or raise ValidationError with every field error."""
    collector = ErrorCollector()
    clean_subject = ""
    if subject is not None and not isinstance(subject, str):
        collector.add(
            field_error("subject", "", "subject.type", f"Le champ « Objet » doit être un texte, reçu {shown_value(subject)}.")
        )
    else:
        clean_subject = collector.run(
            clean_text, subject, field="subject", label="Objet", max_length=MAX_SUBJECT_LENGTH, required=True
        )

    body = (message if isinstance(message, str) else "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if message is not None and not isinstance(message, str):
        collector.add(
            field_error("message", "", "message.type", f"Le message doit être un texte, reçu {shown_value(message)}.")
        )
    elif not body:
        collector.add(field_error("message", "", "message.required", "Le message est vide : écrivez votre demande."))
    elif len(body) > MAX_MESSAGE_LENGTH:
        collector.add(
            field_error(
                "message",
                "",
                "message.too_long",
                f"Le message dépasse {format_count(MAX_MESSAGE_LENGTH)} caractères ({format_count(len(body))} saisis) : "
                "raccourcissez-le.",
            )
        )
    elif character := find_multiline_forbidden(body):
        collector.add(
            field_error(
                "message",
                "",
                "message.control",
                f"Le message contient un caractère de contrôle ou de mise en forme ({describe_character(character)})"
                " : retirez-le, ou retapez le passage au clavier.",
            )
        )

    numbers: list[str] = []
    raw_numbers = invoice_numbers if invoice_numbers is not None else []
    if not isinstance(raw_numbers, list):
        collector.add(
            field_error(
                "invoice_numbers",
                "",
                "invoice_numbers.type",
                f"Les numéros de facture doivent être une liste de textes, par exemple [\"FA-0001\"], reçu"
                f" {shown_value(raw_numbers)}.",
            )
        )
    elif len(raw_numbers) > MAX_INVOICE_NUMBERS:
        collector.add(
            field_error(
                "invoice_numbers",
                "",
                "invoice_numbers.list",
                f"Indiquez au plus {MAX_INVOICE_NUMBERS} numéros de facture, reçu {format_count(len(raw_numbers))}.",
            )
        )
    else:
        for raw in raw_numbers:
            number = raw.strip() if isinstance(raw, str) else ""
            if not isinstance(raw, str):
                collector.add(
                    field_error(
                        "invoice_numbers",
                        "",
                        "invoice_numbers.type",
                        f"Chaque numéro de facture doit être un texte, reçu {shown_value(raw)}.",
                    )
                )
            elif not INVOICE_NUMBER_PATTERN.fullmatch(number):
                collector.add(
                    field_error(
                        "invoice_numbers",
                        str(raw),
                        "invoice_numbers.format",
                        f"Le numéro de facture « {str(raw)[:40]} » est invalide : lettres, chiffres, "
                        "espaces, points, tirets et barres obliques, 40 caractères au plus.",
                    )
                )
            elif number not in numbers:
                numbers.append(number)
    collector.raise_if_any()
    return clean_subject, body, numbers


async def send_contact_message(
    pool: asyncpg.Pool,
    settings: AccountsSettings,
    cipher: DataCipher | None,
    principal: Principal,
    scope: AccountScope,
    *,
    service: Service,
    subject: str,
    message: str,
    invoice_numbers: list[str],
) -> dict[str, Any]:
    """Store and send a validated contact message; return its id and time."""
    message_id = uuid.uuid4()
    async with pool.acquire() as connection, connection.transaction():
        service_email = await connection.fetchval(
            "SELECT email FROM creditor_contact_sheets WHERE creditor_id = $1 AND service = $2",
            scope.creditor_id,
            service,
        )
        if not service_email:
            raise ServiceHasNoAddress(service)
        await connection.execute("SELECT pg_advisory_xact_lock(hashtext('contact:' || $1))", principal.user_id)
        sent_last_hour = await connection.fetchval(
            "SELECT count(*) FROM contact_messages WHERE user_id = $1::uuid AND created_at > now() - interval '1 hour'",
            principal.user_id,
        )
        if sent_last_hour >= MAX_MESSAGES_PER_HOUR:
            raise TooManyMessages()
        author = await connection.fetchrow(
            "SELECT display_name, login, email FROM users WHERE id = $1::uuid", principal.user_id
        )
        agency_name = await connection.fetchval("SELECT name FROM agencies WHERE id = $1", scope.agency_id)
        creditor_name = await connection.fetchval("SELECT name FROM creditors WHERE id = $1", scope.creditor_id)
        created_at = await connection.fetchval(
            """INSERT INTO contact_messages
                   (id, creditor_id, customer_account, agency_id, user_id, service, subject, body, invoice_numbers)
               VALUES ($1, $2, $3, $4, $5::uuid, $6, $7, $8, $9)
               RETURNING created_at""",
            message_id,
            scope.creditor_id,
            scope.customer_account,
            scope.agency_id,
            principal.user_id,
            service,
            subject,
            message,
            invoice_numbers,
        )

        author_name = author["display_name"] or author["login"]
        mail_subject, body = notices.contact_message_to_service(
            agency_name=agency_name,
            customer_account=scope.customer_account,
            author=author_name,
            author_email=author["email"],
            subject=subject,
            message=message,
            invoice_numbers=invoice_numbers,
        )
        await queue_mail(
            connection,
            cipher=cipher,
            sender=settings.mail_sender,
            to=service_email,
            subject=mail_subject,
            body=body,
            reply_to=author["email"],
        )
        if author["email"]:
            copy_subject, copy_body = notices.contact_message_copy(
                service_label=SERVICE_LABELS[service],
                creditor_name=creditor_name,
                subject=subject,
                message=message,
                invoice_numbers=invoice_numbers,
            )
            await queue_mail(
                connection,
                cipher=cipher,
                sender=settings.mail_sender,
                to=author["email"],
                subject=copy_subject,
                body=copy_body,
            )
        await events.publish(
            connection,
            ContactMessageSent(
                message_id=str(message_id),
                service=service,
                subject=subject,
                invoice_numbers=invoice_numbers,
                user_id=principal.user_id,
                agency_id=str(scope.agency_id),
            ),
            creditor_id=scope.creditor_id,
            customer_account=scope.customer_account,
        )
    log.info("contact_message_sent", message_id=str(message_id), creditor=scope.creditor_id, service=service)
    return {"message_id": str(message_id), "created_at": created_at.isoformat()}
