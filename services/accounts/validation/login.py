"""The character rule of a new login.

A login may contain only ASCII letters, digits and ``.``, ``-``, ``_``, ``@``.
Logins are matched case-insensitively with PostgreSQL's ``lower()``, which
folds non-ASCII letters or not depending on the database's locale (not at
all under ``--locale=C``). Keeping logins ASCII makes every locale fold them
the same way, and keeps look-alike and invisible characters out of them.
Users created before this rule keep their login.
"""

from __future__ import annotations

import re
import unicodedata

from shared.typography import format_count

from .errors import reject
from .text import describe_character

MIN_LOGIN_LENGTH = 3
MAX_LOGIN_LENGTH = 64

_LOGIN_CHARACTER = re.compile(r"[A-Za-z0-9._@-]")

LOGIN_RULE = (
    f"Un identifiant compte de {MIN_LOGIN_LENGTH} à {MAX_LOGIN_LENGTH} caractères : des lettres sans accent, "
    "des chiffres et les signes « . », « - », « _ » ou « @ », par exemple « marie.dupont »."
)


def _describe_rejected(character: str) -> str:
    """Name a rejected character for the error message: the character itself when it can be seen."""
    if character == " ":
        return "un espace"
    if unicodedata.category(character).startswith("M"):
        # A combining accent shown alone would sit on the quotation mark before it.
        return f"un accent séparé de sa lettre ({describe_character(character)})"
    if character.isprintable() and not character.isspace():
        return f"le caractère « {character} »"
    return f"un caractère invisible ou de contrôle ({describe_character(character)})"


def validate_login(value: str, *, field: str = "login") -> str:
    """Return ``value`` unchanged when it follows the login rule, or raise ValidationError.

    Surrounding spaces are an error here, so callers that accept them strip
    the value first. Error codes: ``login.required``, ``login.character``,
    ``login.length``.
    """
    if not value:
        raise reject(field, value, "login.required", f"L’identifiant est obligatoire. {LOGIN_RULE}")
    for character in value:
        if not _LOGIN_CHARACTER.fullmatch(character):
            raise reject(
                field,
                value,
                "login.character",
                f"L’identifiant contient {_describe_rejected(character)}, qui n’est pas accepté. {LOGIN_RULE}",
            )
    if not MIN_LOGIN_LENGTH <= len(value) <= MAX_LOGIN_LENGTH:
        raise reject(
            field,
            value,
            "login.length",
            f"L’identifiant saisi compte {format_count(len(value))} caractère{'s' if len(value) > 1 else ''}. {LOGIN_RULE}",
        )
    return value
