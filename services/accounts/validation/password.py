"""Password rules of OWASP ASVS 4.0, section V2.1 (password security), at level 2.

The minimum is 12 characters (ASVS 2.1.1). The maximum of 128 is this project's limit, above
the 64 that ASVS 2.1.2 requires to be allowed. Lengths are counted in Unicode code points of
the NFKC form, because ASVS 2.1.4 counts one code point as one character. For the minimum, a
run of spaces counts as one character, because ASVS 2.1.3 allows coalescing it. NFKC folds
look-alike forms such as full-width letters, so ``ｐａｓｓ`` and ``pass`` count and compare
the same. The hashing code should hash ``normalize_password(password)`` so that what was
checked is what is stored. There are no composition rules (ASVS 2.1.9), and spaces and emoji
are allowed.

The list of common passwords (ASVS 2.1.7) is the ranked ``passwords`` list that the zxcvbn
package (pinned at 4.5.0) uses for its dictionary match: 30,000 entries, read at the first
check, so the repository ships no copy of it.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from shared.typography import format_count

from .errors import ErrorCollector, field_error
from .text import describe_character, find_control_character

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 128

# A login shorter than this is too likely to occur by chance inside a good passphrase, so the
# "contains the login" rule then only rejects a password equal to the login.
MIN_LOGIN_LENGTH_FOR_CONTAINMENT = 4

PASSWORD_FIELD = "password"

_SPACE_RUN = re.compile(r"\s{2,}")


def normalize_password(password: str) -> str:
    """Return the NFKC form of the password, the form that the rules measure."""
    return unicodedata.normalize("NFKC", password)


# NOTE: the list is mostly English, and only 229 of its entries have 12 or more characters, so
# it rejects few passwords that already pass the length rule.
@functools.cache
def _common_passwords() -> frozenset[str]:
    # Imported on first use, so that services that never check a password skip loading the
    # 30,000 entries.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    entries = FREQUENCY_LISTS["passwords"]
    # zxcvbn 4.5.0 splits its comma-separated source string into a list at import time.
    if isinstance(entries, str):
        entries = entries.split(",")
    return frozenset(entry.casefold() for entry in entries)


def is_common_password(password: str) -> bool:
    """Return whether the password, ignoring case, is in the list of common passwords."""
    return normalize_password(password).casefold() in _common_passwords()


def _login_variants(login: str) -> set[str]:
    """Return the casefolded login, and for an e-mail address also its part before the @."""
    folded = normalize_password(login).strip().casefold()
    variants = {folded} if folded else set()
    local_part, at_sign, _domain = folded.partition("@")
    if at_sign and local_part:
        variants.add(local_part)
    return variants


def validate_password(password: str, *, login: str | None = None) -> None:
    """Raise ValidationError with every rule that the password breaks.

    Rules: at least 12 characters and at most 128, no control character, not in the list of
    common passwords (case-insensitive), and not equal to nor containing the login. For an
    e-mail login, the part before the @ counts as the login too. Errors never carry the
    password: their value is empty. Error codes: ``password.required``,
    ``password.too_short``, ``password.too_long``, ``password.control``, ``password.common``,
    ``password.contains_login``.
    """
    collector = ErrorCollector()
    normalized = normalize_password(password)
    if not normalized:
        collector.add(
            field_error(
                PASSWORD_FIELD,
                "",
                "password.required",
                "Le mot de passe est obligatoire : choisissez-en un d’au moins "
                f"{MIN_PASSWORD_LENGTH} caractères.",
            )
        )
        collector.raise_if_any()

    counted_length = len(_SPACE_RUN.sub(" ", normalized))
    if counted_length < MIN_PASSWORD_LENGTH:
        collector.add(
            field_error(
                PASSWORD_FIELD,
                "",
                "password.too_short",
                f"Le mot de passe doit contenir au moins {MIN_PASSWORD_LENGTH} caractères "
                f"({counted_length} saisi{'s' if counted_length > 1 else ''}) : allongez-le, par exemple avec une phrase de "
                "plusieurs mots séparés par des espaces.",
            )
        )
    if len(normalized) > MAX_PASSWORD_LENGTH:
        collector.add(
            field_error(
                PASSWORD_FIELD,
                "",
                "password.too_long",
                f"Le mot de passe dépasse {MAX_PASSWORD_LENGTH} caractères ({format_count(len(normalized))} "
                "saisis) : raccourcissez-le.",
            )
        )
    if character := find_control_character(normalized):
        collector.add(
            field_error(
                PASSWORD_FIELD,
                "",
                "password.control",
                "Le mot de passe contient un caractère de contrôle ou un saut de ligne "
                f"({describe_character(character)}) : retirez-le.",
            )
        )
    if is_common_password(normalized):
        collector.add(
            field_error(
                PASSWORD_FIELD,
                "",
                "password.common",
                "Ce mot de passe fait partie des mots de passe les plus courants, que les "
                "attaquants essaient en premier : choisissez-en un autre.",
            )
        )
    if login and _contains_login(normalized, login):
        collector.add(
            field_error(
                PASSWORD_FIELD,
                "",
                "password.contains_login",
                "Le mot de passe ne doit pas contenir votre identifiant : choisissez-en un autre.",
            )
        )
    collector.raise_if_any()


def _contains_login(normalized_password: str, login: str) -> bool:
    folded = normalized_password.casefold()
    for variant in _login_variants(login):
        if folded == variant:
            return True
        if len(variant) >= MIN_LOGIN_LENGTH_FOR_CONTAINMENT and variant in folded:
            return True
    return False
