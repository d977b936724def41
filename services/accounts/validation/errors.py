"""Field errors that the accounts validators raise and the HTTP routes show to agencies."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import ParamSpec, TypeVar

from shared.typography import apply_french_spacing

_Params = ParamSpec("_Params")
_Result = TypeVar("_Result")


@dataclasses.dataclass(frozen=True, slots=True)
class FieldError:
    """One rejected form field.

    ``value`` is the input as the user typed it, so that the form can show it again. It is left
    out of ``repr`` because it may be a full IBAN. Password errors always carry an empty value.
    ``message`` is French text for the user and ``code`` a stable machine-readable kind such as
    ``iban.checksum``.
    """

    field: str
    value: str = dataclasses.field(repr=False)
    message: str
    code: str


class ValidationError(Exception):
    """Raised with every field error found in one value or one form.

    ``str()`` lists only fields and codes, never values or messages, so that logging the
    exception cannot leak an IBAN or a password.
    """

    def __init__(self, errors: Iterable[FieldError]) -> None:
        self.errors = list(errors)
        if not self.errors:
            raise ValueError("ValidationError needs at least one FieldError")
        super().__init__("; ".join(f"{error.field}: {error.code}" for error in self.errors))

    @property
    def codes(self) -> list[str]:
        """Error codes in the order the errors were found."""
        return [error.code for error in self.errors]

    def messages_by_field(self) -> dict[str, list[str]]:
        """Group the French messages by field name, in the order the errors were found."""
        grouped: dict[str, list[str]] = {}
        for error in self.errors:
            grouped.setdefault(error.field, []).append(error.message)
        return grouped


def field_error(field: str, value: str, code: str, message: str) -> FieldError:
    """Build a FieldError whose message gets French typographic spacing."""
    return FieldError(field=field, value=value, message=apply_french_spacing(message), code=code)


def reject(field: str, value: str, code: str, message: str) -> ValidationError:
    """Build a ValidationError with a single field error, ready to raise."""
    return ValidationError([field_error(field, value, code, message)])


class ErrorCollector:
    """Collect the field errors of a whole form so that the user sees all of them at once."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def run(
        self,
        validate: Callable[_Params, _Result],
        *args: _Params.args,
        **kwargs: _Params.kwargs,
    ) -> _Result | None:
        """Call ``validate`` and return its result, or store its errors and return None."""
        try:
            return validate(*args, **kwargs)
        except ValidationError as error:
            self.errors.extend(error.errors)
            return None

    def add(self, error: FieldError) -> None:
        self.errors.append(error)

    def has_errors(self, field: str) -> bool:
        """Return whether an error was already stored for ``field``."""
        return any(error.field == field for error in self.errors)

    def raise_if_any(self) -> None:
        """Raise ValidationError with every stored error, if there is one."""
        if self.errors:
            raise ValidationError(self.errors)
