"""Rules of the accounts service: its error tree and who may do what."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum

from shared.errors import Conflict, DomainError, Forbidden, NotFound, Unprocessable
from services.accounts.notices import prefix_de
from services.accounts.validation import ValidationError
from shared.typography import apply_french_spacing as french
from shared.principal import Principal, Role

AGENCY_ROLES = (Role.ADMIN, Role.ACCOUNTANT, Role.READER)


class Unauthenticated(DomainError):
    """The credentials, the session or the single-use link are not valid."""

    status = 401
    code = "unauthenticated"


class InvalidCredentials(Unauthenticated):
    code = "invalid_credentials"

    def __init__(self) -> None:
        # One message whether the login exists or not, so that it reveals nothing.
        super().__init__("Identifiant ou mot de passe incorrect.")


class SecondFactorCodeRequired(Unauthenticated):
    code = "totp_required"

    def __init__(self) -> None:
        super().__init__(
            "Saisissez le code à 6\u00a0chiffres de votre application d’authentification, ou un code de secours."
        )


class SecondFactorCodeInvalid(Unauthenticated):
    code = "invalid_totp_code"

    def __init__(self) -> None:
        super().__init__(
            "Le code de vérification est incorrect ou a déjà servi. Saisissez le nouveau code affiché par votre application."
        )


class SessionExpired(Unauthenticated):
    code = "session_invalid"

    def __init__(self) -> None:
        super().__init__("Votre session a expiré ou a été fermée. Reconnectez-vous.")


class Throttled(DomainError):
    """Too many failed logins: the next attempt must wait ``retry_after`` seconds."""

    status = 429
    code = "throttled"
    # First sentence of the message: what failed too often.
    cause = "Trop de tentatives de connexion ont échoué."

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"{self.cause} Réessayez dans {describe_duration(retry_after)}.",
            retry_after=retry_after,
        )


class ReauthenticationThrottled(Throttled):
    """Too many failures where a logged-in user confirms an action with the password and a code.

    These failures share the login throttle, but no login took place, so the message names
    what the user typed wrong.
    """

    cause = "Trop de codes de vérification ou de mots de passe incorrects ont été saisis."


class LoginAlreadyTaken(Conflict):
    code = "login_taken"

    def __init__(self, login: str) -> None:
        super().__init__(
            french(f"L’identifiant « {login} » est déjà utilisé. Choisissez-en un autre."), login=login
        )


class UnknownCreditor(NotFound):
    code = "unknown_creditor"

    def __init__(self, creditor: str) -> None:
        super().__init__(
            french(f"Le créancier « {creditor} » n’existe pas. Créez-le d’abord ou vérifiez son identifiant."),
            creditor=creditor,
        )


class UnknownUser(NotFound):
    code = "unknown_user"

    def __init__(self, login: str) -> None:
        super().__init__(french(f"Aucun utilisateur n’a l’identifiant « {login} »."), login=login)


class AccountOwnedByAnotherAgency(Conflict):
    code = "account_taken"

    def __init__(self, creditor: str, customer_account: str) -> None:
        super().__init__(
            french(
                f"Le compte client « {customer_account} » du créancier « {creditor} » "
                "appartient déjà à une autre agence."
            ),
            creditor=creditor,
            customer_account=customer_account,
        )


# ``details.field`` of InvalidRequest when the body itself is not a JSON object.
REQUEST_BODY_FIELD = "corps"

# French names of the JSON body fields, as the portal labels them, for InvalidRequest's
# message. ``details.field`` keeps the JSON name.
FIELD_LABELS = {
    "login": "Identifiant",
    "password": "Mot de passe",
    "current_password": "Mot de passe actuel",
    "new_password": "Nouveau mot de passe",
    "totp_code": "Code de vérification",
    "code": "Code de vérification",
    "client_ip": "Adresse IP du client",
    "display_name": "Nom affiché",
    "email": "Adresse e-mail",
    "role": "Rôle",
    "service": "Service",
    "status": "Statut",
    "reason": "Commentaire",
    "creditor_id": "Identifiant du créancier",
    "creditors": "Créanciers",
    "name": "Nom",
    "last_name": "Nom",
    "first_name": "Prénom",
    "job_title": "Fonction",
    "address_line1": "Adresse",
    "address_line2": "Complément d’adresse (ligne 2)",
    "address_line3": "Complément d’adresse (ligne 3)",
    "postal_code": "Code postal",
    "city": "Ville",
    "country": "Pays",
    "phone": "Téléphone",
    "mobile": "Mobile",
    "fax": "Fax",
    "bank_code": "Code banque",
    "branch_code": "Code guichet",
    "account_number": "Numéro de compte",
    "rib_key": "Clé RIB",
    "iban": "IBAN",
    "bic": "BIC",
}


class InvalidRequest(Unprocessable):
    """A request body field is missing or has the wrong type or size."""

    code = "invalid_request"

    def __init__(self, field: str, expected: str) -> None:
        if field == REQUEST_BODY_FIELD:
            subject = "Le corps de la requête"
        else:
            subject = f"Le champ « {FIELD_LABELS.get(field, field)} »"
        super().__init__(french(f"{subject} est invalide : {expected}."), field=field)


def describe_duration(seconds: int) -> str:
    """Return a French duration such as ``45 secondes`` or ``3 minutes``, rounded up to the minute past 60 s.

    A no-break space (U+00A0) joins the number and the unit, so that a line break cannot part them.
    """
    if seconds < 60:
        return "1\u00a0seconde" if seconds <= 1 else f"{seconds}\u00a0secondes"
    minutes = -(-seconds // 60)
    return "1\u00a0minute" if minutes == 1 else f"{minutes}\u00a0minutes"


class Action(StrEnum):
    """An operation of the accounts service that only some roles may perform."""

    READ_ACCOUNT = "read_account"
    SEND_CONTACT_MESSAGE = "send_contact_message"
    EDIT_PROFILE = "edit_profile"
    REQUEST_BANK_CHANGE = "request_bank_change"
    READ_BANK_DETAILS_FOR_EDIT = "read_bank_details_for_edit"
    MANAGE_USERS = "manage_users"
    DECIDE_BANK_CHANGE = "decide_bank_change"
    EDIT_CREDITOR = "edit_creditor"


# Agency roles: administrateur does everything in its agency, comptable pays,
# disputes and reads, lecteur reads. Staff act only on their creditors' back office.
ALLOWED_ROLES: dict[Action, frozenset[Role]] = {
    Action.READ_ACCOUNT: frozenset(AGENCY_ROLES),
    Action.SEND_CONTACT_MESSAGE: frozenset({Role.ADMIN, Role.ACCOUNTANT}),
    Action.EDIT_PROFILE: frozenset({Role.ADMIN}),
    Action.REQUEST_BANK_CHANGE: frozenset({Role.ADMIN}),
    Action.READ_BANK_DETAILS_FOR_EDIT: frozenset({Role.ADMIN}),
    Action.MANAGE_USERS: frozenset({Role.ADMIN}),
    Action.DECIDE_BANK_CHANGE: frozenset({Role.STAFF}),
    Action.EDIT_CREDITOR: frozenset({Role.STAFF, Role.SYSTEM}),
}

ACTION_LABELS = {
    Action.READ_ACCOUNT: "consulter ce compte",
    Action.SEND_CONTACT_MESSAGE: "écrire au créancier",
    Action.EDIT_PROFILE: "modifier les informations du compte",
    Action.REQUEST_BANK_CHANGE: "demander un changement de coordonnées bancaires",
    # Only the bank-change form reads the full IBAN, so a user who sends that form without the
    # right role gets this refusal first.
    Action.READ_BANK_DETAILS_FOR_EDIT: (
        "demander un changement de coordonnées bancaires ni de voir l’IBAN complet"
    ),
    Action.MANAGE_USERS: "gérer les utilisateurs de l’agence",
    Action.DECIDE_BANK_CHANGE: "valider ou refuser un changement de coordonnées bancaires",
    Action.EDIT_CREDITOR: "modifier les informations du créancier",
}


# French names of the roles for messages. The agency roles' values are already French.
ROLE_NAMES = {
    Role.ADMIN: "administrateur",
    Role.ACCOUNTANT: "comptable",
    Role.READER: "lecteur",
    Role.STAFF: "personnel du créancier",
    Role.SYSTEM: "système",
}


def require_role(principal: Principal, action: Action) -> None:
    """Raise Forbidden unless the principal's role allows ``action``."""
    if principal.role not in ALLOWED_ROLES[action]:
        role_name = ROLE_NAMES.get(principal.role, principal.role.value)
        raise Forbidden(
            french(f"Votre rôle « {role_name} » ne permet pas {prefix_de(ACTION_LABELS[action])}."),
            role=principal.role.value,
            action=action.value,
        )


def require_system(principal: Principal) -> None:
    """Raise Forbidden unless the caller is the gateway acting as ``system``."""
    if principal.role is not Role.SYSTEM:
        raise Forbidden(
            "Cette route est réservée à la passerelle du portail.", role=principal.role.value
        )


class InvalidFields(Unprocessable):
    """Form fields broke validation rules; ``details.fields`` lists each field's French message."""

    code = "invalid_fields"

    def __init__(self, error: ValidationError) -> None:
        # Values are left out: they may be a full IBAN or a password.
        super().__init__(
            french("Certains champs sont invalides : corrigez-les puis renvoyez le formulaire."),
            fields=[
                {"field": field_error.field, "code": field_error.code, "message": field_error.message}
                for field_error in error.errors
            ],
        )


@contextmanager
def reported_as_invalid_fields() -> Iterator[None]:
    """Turn a ValidationError raised inside the block into InvalidFields (HTTP 422)."""
    try:
        yield
    except ValidationError as error:
        raise InvalidFields(error) from None
