"""Errors the gateway raises itself, on top of the shared domain errors.

Page handlers and API handlers raise the same classes. The error middleware
turns them into a French HTML page or into ``{"error": {...}}`` JSON,
depending on the path.
"""

from __future__ import annotations

from shared.errors import DomainError
from shared.typography import format_count

BINARY_UNITS = ((1024 * 1024 * 1024, "Gio"), (1024 * 1024, "Mio"), (1024, "Kio"))


class SessionRequired(DomainError):
    """The request carries no valid session cookie."""

    status = 401
    code = "unauthenticated"

    def __init__(self) -> None:
        super().__init__("Votre session a expiré ou vous n’êtes pas connecté. Connectez-vous pour continuer.")


class InvalidCredentials(DomainError):
    """The accounts service rejected the login and password, without telling which one was wrong."""

    status = 401
    code = "invalid_credentials"

    def __init__(self) -> None:
        super().__init__("Identifiant ou mot de passe incorrect.")


class SecondFactorRequired(DomainError):
    """The password is right, but the user enrolled in TOTP and must also give a code."""

    status = 401
    code = "totp_required"

    def __init__(self) -> None:
        super().__init__(
            "Saisissez aussi le code à 6 chiffres de votre application d’authentification, ou un code de secours."
        )


class SecondFactorInvalid(DomainError):
    """The TOTP or recovery code given at login is wrong or was already used."""

    status = 401
    code = "invalid_totp_code"

    def __init__(self) -> None:
        super().__init__(
            "Le code de vérification est incorrect ou a déjà servi. "
            "Saisissez le nouveau code affiché par votre application, ou un code de secours."
        )


class LoginThrottled(DomainError):
    """Too many failed logins, so the client must wait ``retry_after`` seconds before the next attempt."""

    status = 429
    code = "throttled"


class CsrfRejected(DomainError):
    """A state-changing form arrived without the CSRF token of the current session."""

    status = 403
    code = "csrf_rejected"

    def __init__(self) -> None:
        super().__init__(
            "Le formulaire a expiré ou ne provient pas de ce site. Rechargez la page puis recommencez."
        )


class UnsupportedMediaType(DomainError):
    """A state-changing API request did not declare a JSON body."""

    status = 415
    code = "unsupported_media_type"


class ServiceUnavailable(DomainError):
    """A service could not be reached, responded with a server error or timed out."""

    status = 503
    code = "service_unavailable"

    def __init__(self, service: str) -> None:
        super().__init__(
            "Le service est momentanément indisponible. Réessayez dans quelques minutes.", service=service
        )


class UnreadableForm(DomainError):
    """A posted form that aiohttp cannot decode: a byte invalid in its charset, an unknown charset or broken multipart."""

    status = 400
    code = "unreadable_form"

    def __init__(self) -> None:
        super().__init__(
            "Le formulaire envoyé n’a pas pu être lu, car son encodage est invalide ou inconnu. "
            "Rechargez la page du formulaire, puis envoyez-le de nouveau depuis celle-ci."
        )


class RequestTooLarge(DomainError):
    """A request body over the gateway's client_max_size in bytes, or a form over aiohttp's client_max_fields."""

    status = 413
    code = "payload_too_large"


class UriTooLong(DomainError):
    """A URL over the gateway's limit in bytes (`gateway.middlewares.MAX_URL_BYTES`)."""

    status = 414
    code = "uri_too_long"


class HeaderTooLarge(DomainError):
    """A request header, name and value, over the gateway's limit in bytes (`gateway.middlewares.MAX_HEADER_BYTES`)."""

    status = 431
    code = "header_too_large"


def format_byte_size(size: int) -> str:
    """Return ``size`` bytes in the largest French binary unit that divides it, as ``1 Mio``, or else in octets."""
    for unit_size, unit in BINARY_UNITS:
        if size >= unit_size and size % unit_size == 0:
            return f"{format_count(size // unit_size)}\u00a0{unit}"
    return f"{format_count(size)}\u00a0octets"
