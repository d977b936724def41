"""Main contact of an agency: last name, first name and job title."""

from __future__ import annotations

import dataclasses

from .errors import ErrorCollector, field_error
from .text import clean_text

# Long enough for compound and hyphenated names, short enough for an invoice header line.
MAX_NAME_LENGTH = 100
MAX_JOB_TITLE_LENGTH = 100


@dataclasses.dataclass(frozen=True, slots=True)
class MainContact:
    """Normalized main contact. ``job_title`` is None when left empty."""

    last_name: str
    first_name: str
    job_title: str | None


def _check_has_letter(collector: ErrorCollector, field: str, label: str, value: str | None) -> None:
    if value is not None and not any(character.isalpha() for character in value):
        collector.add(
            field_error(
                field,
                value,
                "text.no_letter",
                f"Le champ « {label} » doit contenir au moins une lettre : saisissez-le en "
                "toutes lettres.",
            )
        )


def validate_main_contact(
    last_name: str | None, first_name: str | None, job_title: str | None
) -> MainContact:
    """Return the trimmed contact names, or raise ValidationError with every field error.

    Last and first names are required, contain at least one letter and have at most
    100 characters. The job title is optional, at most 100 characters. No field may contain a
    control character, line break or invisible format character. Error codes:
    ``text.required``, ``text.too_long``, ``text.control``, ``text.invisible``,
    ``text.no_letter``.
    """
    collector = ErrorCollector()
    clean_last = collector.run(
        clean_text,
        last_name,
        field="last_name",
        label="Nom",
        max_length=MAX_NAME_LENGTH,
        required=True,
    )
    clean_first = collector.run(
        clean_text,
        first_name,
        field="first_name",
        label="Prénom",
        max_length=MAX_NAME_LENGTH,
        required=True,
    )
    clean_job = collector.run(
        clean_text,
        job_title,
        field="job_title",
        label="Fonction",
        max_length=MAX_JOB_TITLE_LENGTH,
        required=False,
    )
    _check_has_letter(collector, "last_name", "Nom", clean_last)
    _check_has_letter(collector, "first_name", "Prénom", clean_first)
    collector.raise_if_any()

    assert clean_last is not None and clean_first is not None  # Both are required.
    return MainContact(last_name=clean_last, first_name=clean_first, job_title=clean_job)
