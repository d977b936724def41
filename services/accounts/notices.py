"""French texts of the e-mails the accounts service sends.

Each function returns ``(subject, body)`` with French typographic spaces
(before ``:`` and ``?``, inside guillemets) in the fixed text. Names of
agencies, creditors and people get the typographic apostrophe (’) in place of
the straight one. Messages and comments typed by users keep their spacing but
are quoted with ``> `` under a label that names their author. The links of
that text, of the names and of the logins are defused (see
``services.accounts.quoted_text``), because users choose them and the mail
comes from the portal's address. Times are shown in Europe/Paris as
``31/07/2026 à 14:05``.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from zoneinfo import ZoneInfo

from services.accounts.quoted_text import defuse_links, quote_lines
from shared.typography import apply_french_spacing as french
from shared.typography import typographic_apostrophes

PARIS = ZoneInfo("Europe/Paris")
SIGNATURE = "\n\n-- \nMes Factures\nCe message vous est envoyé automatiquement, merci de ne pas y répondre."

ROLE_LABELS = {
    "administrateur": "administrateur (tous les droits, gestion des utilisateurs et des coordonnées bancaires)",
    "comptable": "comptable (consultation, règlements et litiges)",
    "lecteur": "lecteur (consultation seule)",
}


# Letters before which « de » elides to « d’ ». A mute h is not detected: « Horizon Immo » gets « de ».
ELIDING_LETTERS = frozenset("aeiouyæœ")


def prefix_de(name: str) -> str:
    """Return « de ``name`` », elided to « d’``name`` » before a vowel (accented vowels included)."""
    first = unicodedata.normalize("NFD", name.lstrip()[:1])[:1].lower()
    return f"d’{name}" if first in ELIDING_LETTERS else f"de {name}"


def of_agency(name: str) -> str:
    """Return « de l’agence ``name`` », or « d’``name`` » when the name already starts with « Agence »."""
    if name.lstrip().casefold().startswith("agence"):
        return prefix_de(name)
    return f"de l’agence {name}"


# Shown under a quotation whose links ``defuse_links`` rewrote.
DEFUSED_LINKS_NOTE = (
    "Par sécurité, les adresses web de ce texte ne sont pas cliquables : « [.] » y remplace le point."
)
# Shown at the end of a mail when ``defuse_links`` rewrote a name or a login that it cites.
DEFUSED_NAMES_NOTE = (
    "Par sécurité, les adresses web des noms et identifiants cités dans ce message ne sont pas "
    "cliquables : « [.] » y remplace le point."
)


def mail_name(name: str) -> str:
    """Return ``name`` with typographic apostrophes (’) and its links defused.

    Names are stored as typed, and only their display in mails changes.
    """
    return defuse_links(typographic_apostrophes(name))


def defused_names_note(*names: str) -> str:
    """Return DEFUSED_NAMES_NOTE after a blank line when ``defuse_links`` changes one of ``names``, else ""."""
    if any(defuse_links(name) != name for name in names):
        return "\n\n" + french(DEFUSED_NAMES_NOTE)
    return ""


def quote_user_text(label: str, text: str) -> str:
    """Return ``label`` (French, naming the author), then ``text`` quoted with its links defused.

    A note after the quotation explains the ``[.]`` when a link was defused.
    """
    defused = defuse_links(text)
    block = french(label) + "\n" + quote_lines(defused)
    if defused != text:
        block += "\n" + french(DEFUSED_LINKS_NOTE)
    return block


def french_datetime(moment: datetime) -> str:
    """Return ``moment`` as ``31/07/2026 à 14:05``, Paris time."""
    local = moment.astimezone(PARIS)
    return f"{local:%d/%m/%Y} à {local:%H:%M}"


def invitation(*, agency_name: str, inviter: str, role: str, link: str, expires_at: datetime) -> tuple[str, str]:
    note = defused_names_note(agency_name, inviter)
    agency_name, inviter = mail_name(agency_name), mail_name(inviter)
    subject = f"Invitation à rejoindre l’espace Mes Factures {prefix_de(agency_name)}"
    body = (
        "Bonjour,\n\n"
        f"{inviter} vous invite à rejoindre l’espace Mes Factures {of_agency(agency_name)} "
        f"avec le rôle {ROLE_LABELS.get(role, role)}.\n\n"
        "Pour accepter l’invitation et choisir votre identifiant et votre mot de passe, ouvrez ce lien :\n"
        f"{link}\n\n"
        f"Ce lien ne sert qu’une fois et expire le {french_datetime(expires_at)}. "
        "Si vous n’attendiez pas cette invitation, ignorez ce message."
    )
    return french(subject), french(body) + note + SIGNATURE


def password_reset(*, login: str, link: str, expires_at: datetime) -> tuple[str, str]:
    note = defused_names_note(login)
    login = defuse_links(login)
    subject = "Réinitialisation de votre mot de passe Mes Factures"
    body = (
        "Bonjour,\n\n"
        f"Une réinitialisation du mot de passe de l’identifiant {login} a été demandée.\n\n"
        "Pour choisir un nouveau mot de passe, ouvrez ce lien :\n"
        f"{link}\n\n"
        f"Ce lien ne sert qu’une fois et expire le {french_datetime(expires_at)}. "
        "Si vous n’êtes pas à l’origine de cette demande, ignorez ce message : "
        "votre mot de passe actuel reste valable."
    )
    return french(subject), french(body) + note + SIGNATURE


def password_changed(*, login: str, changed_at: datetime) -> tuple[str, str]:
    note = defused_names_note(login)
    login = defuse_links(login)
    subject = "Votre mot de passe Mes Factures a été modifié"
    body = (
        "Bonjour,\n\n"
        f"Le mot de passe de l’identifiant {login} a été modifié le {french_datetime(changed_at)}, "
        "et vos autres sessions ont été fermées.\n\n"
        "Si vous n’êtes pas à l’origine de ce changement, utilisez sans attendre "
        "« Mot de passe perdu ? » sur la page de connexion et prévenez l’administrateur de votre agence."
    )
    return french(subject), french(body) + note + SIGNATURE


def bank_change_requested(
    *, creditor_name: str, customer_account: str, requester: str, iban_masked: str, requested_at: datetime
) -> tuple[str, str]:
    note = defused_names_note(creditor_name, requester)
    creditor_name, requester = mail_name(creditor_name), mail_name(requester)
    subject = f"Demande de changement de coordonnées bancaires – compte {customer_account}"
    body = (
        "Bonjour,\n\n"
        f"{requester} a demandé le {french_datetime(requested_at)} de changer les coordonnées bancaires "
        f"du compte client {customer_account} chez {creditor_name}.\n\n"
        f"Nouvel IBAN demandé : {iban_masked}\n\n"
        "La demande sera examinée par le créancier avant d’être appliquée ; vous recevrez un message "
        "à sa décision. Si vous n’êtes pas à l’origine de cette demande, contactez immédiatement "
        f"le service facturation {prefix_de(creditor_name)}."
    )
    return french(subject), french(body) + note + SIGNATURE


def bank_change_to_review(
    *, creditor_name: str, customer_account: str, agency_name: str, iban_masked: str, requested_at: datetime, link: str
) -> tuple[str, str]:
    """Return the notice to the creditor's staff of a bank change request that waits for their decision."""
    note = defused_names_note(creditor_name, agency_name)
    creditor_name, agency_name = mail_name(creditor_name), mail_name(agency_name)
    subject = f"À examiner : coordonnées bancaires du compte {customer_account} ({creditor_name})"
    body = (
        "Bonjour,\n\n"
        f"{agency_name} a demandé le {french_datetime(requested_at)} de changer les coordonnées "
        f"bancaires de son compte client {customer_account} chez {creditor_name}.\n\n"
        f"Nouvel IBAN demandé : {iban_masked}\n\n"
        "La demande attend votre décision, et les coordonnées en vigueur restent appliquées d’ici là. "
        f"Examinez-la dans l’espace du personnel :\n{link}"
    )
    return french(subject), french(body) + note + SIGNATURE


def bank_change_decided(
    *,
    creditor_name: str,
    customer_account: str,
    approved: bool,
    iban_masked: str,
    reason: str | None,
    decided_at: datetime,
    had_previous_details: bool = True,
) -> tuple[str, str]:
    """Return the decision notice, with the staff member's comment (``reason``) quoted when one was given.

    ``had_previous_details`` is whether the account had bank details when the request was
    decided. A refusal notice then says that they are still in force, or else that the account
    has none.
    """
    note = defused_names_note(creditor_name)
    creditor_name = mail_name(creditor_name)
    # « Changement » is masculine, and in « a accepté la demande » the object follows the verb,
    # so the participle takes no feminine ending in the subject or in the body.
    participle = "accepté" if approved else "refusé"
    subject = f"Changement de coordonnées bancaires {participle} – compte {customer_account}"
    lines = [
        "Bonjour,\n",
        f"{creditor_name} a {participle} le {french_datetime(decided_at)} la demande de changement "
        f"de coordonnées bancaires du compte client {customer_account} (IBAN {iban_masked}).",
    ]
    if approved:
        lines.append("\nLes nouvelles coordonnées bancaires s’appliquent dès maintenant.")
    elif had_previous_details:
        lines.append("\nLes coordonnées bancaires précédentes restent en vigueur.")
    else:
        lines.append("\nAucune coordonnée bancaire n’est enregistrée pour ce compte.")
    body = french("\n".join(lines))
    if reason:
        if approved:
            label = f"Commentaire {prefix_de(creditor_name)} :"
        else:
            label = f"Motif du refus donné par {creditor_name} :"
        body += "\n\n" + quote_user_text(label, reason)
    body += french(
        "\n\nSi vous n’êtes pas à l’origine de cette demande, contactez immédiatement "
        f"le service facturation {prefix_de(creditor_name)}."
    )
    return french(subject), body + note + SIGNATURE


def bank_change_withdrawn(
    *,
    creditor_name: str,
    customer_account: str,
    withdrawn_by: str,
    iban_masked: str,
    withdrawn_at: datetime,
    reason: str | None = None,
) -> tuple[str, str]:
    """Return the notice that an administrateur of the agency withdrew a pending change request.

    ``reason`` gives why a request was withdrawn without being asked, when its author was disabled or demoted.
    """
    note = defused_names_note(creditor_name, withdrawn_by)
    creditor_name, withdrawn_by = mail_name(creditor_name), mail_name(withdrawn_by)
    subject = f"Demande de changement de coordonnées bancaires retirée – compte {customer_account}"
    body = french(
        "Bonjour,\n\n"
        f"{withdrawn_by} a retiré le {french_datetime(withdrawn_at)} la demande de changement de coordonnées"
        f" bancaires du compte client {customer_account} chez {creditor_name} (IBAN {iban_masked}). Le"
        " créancier ne la traitera pas, et les coordonnées bancaires en vigueur restent inchangées."
        + (f"\n\n{reason}" if reason else "")
        + "\n\nSi personne dans votre agence n’a retiré cette demande, contactez immédiatement "
        f"le service facturation {prefix_de(creditor_name)}."
    )
    return french(subject), body + note + SIGNATURE


def contact_message_to_service(
    *,
    agency_name: str,
    customer_account: str,
    author: str,
    author_email: str | None,
    subject: str,
    message: str,
    invoice_numbers: list[str],
) -> tuple[str, str]:
    """Return the message for the creditor's service, with the author's text quoted.

    The subject typed by the author is defused too, and so are the invoice numbers, which the
    service only checks for their characters. The author's e-mail address is left as it is,
    because it is also the mail's Reply-To.
    """
    note = defused_names_note(agency_name, author)
    agency_name, author = mail_name(agency_name), mail_name(author)
    mail_subject = f"[{customer_account}] {defuse_links(subject)}"
    invoices = defuse_links(", ".join(invoice_numbers)) if invoice_numbers else "aucune"
    header = french(
        f"Message envoyé depuis Mes Factures par {author} ({author_email or 'adresse e-mail non renseignée'}) "
        f"{of_agency(agency_name)}, compte client {customer_account}.\n"
        f"Factures concernées : {invoices}\n\n"
    )
    quotation = quote_user_text(f"Texte écrit par {author}, que Mes Factures n’a pas vérifié :", message)
    return mail_subject, header + quotation + note


def contact_message_copy(
    *, service_label: str, creditor_name: str, subject: str, message: str, invoice_numbers: list[str]
) -> tuple[str, str]:
    """Return the author's copy of a contact message, with the text quoted as it was sent."""
    note = defused_names_note(creditor_name)
    creditor_name = mail_name(creditor_name)
    mail_subject = french("Copie de votre message : ") + defuse_links(subject)
    invoices = defuse_links(", ".join(invoice_numbers)) if invoice_numbers else "aucune"
    header = french(
        "Bonjour,\n\n"
        f"Voici une copie du message que vous avez envoyé au {service_label} {prefix_de(creditor_name)}.\n\n"
        f"Factures concernées : {invoices}\n\n"
    )
    quotation = quote_user_text("Texte que vous avez écrit :", message)
    return mail_subject, header + quotation + note + SIGNATURE
