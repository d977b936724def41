"""E-mail address syntax check, without any DNS or mailbox lookup."""

from __future__ import annotations

import re

from shared.typography import format_count

from .errors import reject
from .text import describe_character, find_control_character, shown_character

# RFC 5321 limits: a path of 256 octets including the angle brackets leaves 254 for the
# address, and the local part has at most 64 octets. Counted here in characters.
MAX_EMAIL_LENGTH = 254
MAX_LOCAL_PART_LENGTH = 64
MAX_DOMAIN_LABEL_LENGTH = 63

# Quoted local parts ("jean dupont"@…) are legal but rare, so quotes and the other characters
# that only a quoted local part may contain are rejected. They are usually typos, such as a
# comma for a dot.
_LOCAL_PART_FORBIDDEN = re.compile(r"[\"(),:;<>\[\]\\]")
# A label is letters (any script) and digits, with dashes inside only. [^\W_] is a letter or a
# digit.
_DOMAIN_LABEL = re.compile(r"[^\W_](?:(?:[^\W_]|-)*[^\W_])?")


def validate_email(value: str | None, *, field: str = "email") -> str:
    """Return the address with its domain lower-cased, or raise ValidationError.

    Leading and trailing whitespace, line breaks included, is removed. The address must have
    one ``@``, a local part of at most 64 characters without leading, trailing or doubled dots, and a domain made of
    dot-separated labels of letters, digits and inner dashes, with at least one dot. No space,
    control character, CR or LF is allowed, and the whole address has at most 254 characters.
    Error codes: ``email.required``, ``email.control``, ``email.whitespace``, ``email.length``,
    ``email.at_sign``, ``email.local_part``, ``email.domain``.
    """
    raw = value or ""
    address = raw.strip()
    if not address:
        raise reject(
            field, raw, "email.required", "L’adresse e-mail est obligatoire : saisissez-la."
        )

    # Control characters are checked before the address is echoed, so that a CR or LF inside the
    # address never reaches a message.
    if character := find_control_character(address):
        raise reject(
            field,
            raw,
            "email.control",
            f"L’adresse e-mail contient un saut de ligne ou un caractère de contrôle "
            f"({describe_character(character)}) : retapez-la sur une seule ligne.",
        )
    if any(character.isspace() for character in address):
        raise reject(
            field,
            raw,
            "email.whitespace",
            f"L’adresse e-mail « {address} » contient un espace : retirez-le.",
        )
    if len(address) > MAX_EMAIL_LENGTH:
        raise reject(
            field,
            raw,
            "email.length",
            f"L’adresse e-mail dépasse {MAX_EMAIL_LENGTH} caractères ({format_count(len(address))} saisis) : "
            "vérifiez-la.",
        )
    if address.count("@") != 1:
        raise reject(
            field,
            raw,
            "email.at_sign",
            f"L’adresse e-mail « {address} » doit contenir un seul @, par exemple "
            "contact@agence.fr.",
        )

    local_part, domain = address.split("@")
    _check_local_part(local_part, address, raw, field)
    _check_domain(domain, address, raw, field)
    return f"{local_part}@{domain.lower()}"


def _check_local_part(local_part: str, address: str, raw: str, field: str) -> None:
    problem = None
    if not local_part:
        problem = "il manque la partie avant le @"
    elif len(local_part) > MAX_LOCAL_PART_LENGTH:
        problem = f"la partie avant le @ dépasse {MAX_LOCAL_PART_LENGTH} caractères"
    elif local_part.startswith(".") or local_part.endswith(".") or ".." in local_part:
        problem = (
            "la partie avant le @ ne peut ni commencer ni finir par un point, "
            "ni en contenir deux de suite"
        )
    elif invalid := _LOCAL_PART_FORBIDDEN.search(local_part):
        problem = (
            f"la partie avant le @ contient un caractère non autorisé ({shown_character(invalid.group())})"
        )
    if problem:
        raise reject(
            field,
            raw,
            "email.local_part",
            f"L’adresse e-mail « {address} » n’est pas valide : {problem}.",
        )


def _check_domain(domain: str, address: str, raw: str, field: str) -> None:
    labels = domain.split(".")
    problem = None
    if not domain:
        problem = "il manque le domaine après le @, par exemple agence.fr"
    elif len(labels) < 2:
        problem = "le domaine après le @ doit contenir un point, par exemple agence.fr"
    elif any(not label for label in labels):
        problem = (
            "le domaine après le @ ne peut ni commencer ni finir par un point, "
            "ni en contenir deux de suite"
        )
    elif any(len(label) > MAX_DOMAIN_LABEL_LENGTH for label in labels):
        problem = f"une partie du domaine dépasse {MAX_DOMAIN_LABEL_LENGTH} caractères"
    elif not all(_DOMAIN_LABEL.fullmatch(label) for label in labels):
        problem = (
            "le domaine ne peut contenir que des lettres, des chiffres, des points et des tirets, "
            "sans tiret au début ni à la fin d’une partie"
        )
    if problem:
        raise reject(
            field,
            raw,
            "email.domain",
            f"L’adresse e-mail « {address} » n’est pas valide : {problem}.",
        )
