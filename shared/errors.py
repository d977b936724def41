"""Base of every service's error tree, mapped to HTTP in one place (shared.web)."""

from __future__ import annotations

from shared.typography import apply_french_spacing


class DomainError(Exception):
    """A business rule refused the request; ``message`` is shown to the user (French)."""

    status = 400
    code = "invalid_request"

    def __init__(self, message: str, **details: object) -> None:
        # Every service writes its messages with plain spaces or with
        # no-break ones; the user always gets the no-break ones.
        message = apply_french_spacing(message)
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(DomainError):
    """The resource does not exist or belongs to someone else (the message never tells which)."""

    status = 404
    code = "not_found"


class Forbidden(DomainError):
    """The principal's role does not allow the action."""

    status = 403
    code = "forbidden"


class Conflict(DomainError):
    """The request conflicts with the current state."""

    status = 409
    code = "conflict"


class Unprocessable(DomainError):
    """The request is well formed but its values are invalid."""

    status = 422
    code = "invalid_value"
