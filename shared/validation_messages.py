"""French sentences for pydantic validation errors, so that no English reason reaches a user.

Pydantic's ``msg`` is English ("Input should be greater than 0"). Every
service that shows a ``ValidationError`` to a user or an API client builds
its response with `french_field_errors`. For each error, it returns the
field path, pydantic's machine-readable ``type`` and a French sentence. That
sentence names the problem, the value received and the fix. The value is
left out for a field in ``MASKED_FIELDS`` and cut when it is long. An error type
missing from the tables below still gets a French sentence, never
pydantic's English one.

The custom types (``siren_invalid``, ``text_empty``, …) are those that the
validators of ``services.ledger.documents.fields`` and of the ledger models
raise with ``PydanticCustomError``.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any, NamedTuple

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from shared.typography import apply_french_spacing, format_count

# The pattern of the ledger's one-line identifiers (document numbers,
# customer accounts), so that its error gets a sentence and not the regex.
NO_CONTROL_CHARACTERS = r"^[^\x00-\x1f]+$"

# Fields whose value is never echoed, because they are bank details or secrets.
MASKED_FIELDS = frozenset({"iban", "bic", "account_number", "rib_key", "password", "totp_code"})

# Longer strings are cut in the echo, so that a whole pasted text does not come back in the error.
MAX_SHOWN_CHARACTERS = 40

# Reasons of python-stdnum's exceptions, as the ledger's field validators pass them in ``ctx["problem"]``.
IDENTIFIER_PROBLEMS = {
    "length": "longueur incorrecte",
    "checksum": "clé de contrôle fausse",
    "format": "format incorrect",
    "component": "pays ou code banque inconnu",
}


class FieldLabel(NamedTuple):
    """French name of a field with its article, and its grammatical gender for agreement."""

    text: str
    feminine: bool = False


DEFAULT_LABEL = FieldLabel("la valeur", feminine=True)


@dataclasses.dataclass(frozen=True, slots=True)
class FieldProblem:
    """One validation error: field path, pydantic type and French reason."""

    field: str
    type: str
    reason: str

    @property
    def sentence(self) -> str:
        """Return ``field : reason``, the form used in error messages."""
        return apply_french_spacing(f"{self.field} : {self.reason}")

    def as_detail(self) -> dict[str, str]:
        """Return the JSON form of the error for the ``details.fields`` of an HTTP error."""
        return {"field": self.field, "type": self.type, "message": self.sentence}


def french_field_errors(
    error: ValidationError,
    *,
    prefix: Sequence[str | int] = (),
    root: str = "document",
    labels: Mapping[str, FieldLabel] | None = None,
    masked_fields: frozenset[str] = MASKED_FIELDS,
) -> list[FieldProblem]:
    """Translate every error of ``error`` into a FieldProblem, in pydantic's order.

    ``prefix`` is prepended to each location, for a model validated inside
    a larger body. ``root`` names an error located on the whole body.
    ``labels`` gives the French name of a field by its last name in the
    location, used in comparisons ("la quantité doit être supérieure à 0").
    """
    problems = []
    for detail in error.errors():
        location = (*prefix, *detail["loc"])
        names = [part for part in location if isinstance(part, str)]
        last_name = names[-1] if names else ""
        label = (labels or {}).get(last_name, DEFAULT_LABEL)
        problems.append(
            FieldProblem(
                field=field_path(location, root),
                type=detail["type"],
                reason=french_reason(detail, label=label, show_value=last_name not in masked_fields),
            )
        )
    return problems


def field_path(location: Sequence[str | int], root: str = "document") -> str:
    """Return the dotted path of a pydantic location, such as ``lines.0.quantity``, or ``root`` when empty."""
    return ".".join(str(part) for part in location) or root


def french_reason(detail: ErrorDetails, *, label: FieldLabel = DEFAULT_LABEL, show_value: bool = True) -> str:
    """Return the French reason of one pydantic error, without the field path.

    The reason ends with the value received when ``show_value`` is true and
    the error is about the value, and then with the fix when there is one.
    """
    error_type = detail["type"]
    context = detail.get("ctx") or {}
    value = detail.get("input")
    rule = _RULES.get(error_type)
    if rule is None:
        problem, shows_value, fix = f"valeur refusée (erreur {error_type})", True, "vérifiez le format de ce champ"
    else:
        problem, shows_value, fix = rule(context, value, label)
    reason = problem
    if shows_value and show_value:
        reason += f", reçu {shown_value(value)}"
    if fix:
        reason += f" : {fix}"
    return apply_french_spacing(reason)


def shown_value(value: Any) -> str:
    """Return the value as the error echoes it: text in « », numbers as sent, other JSON values by kind.

    Control characters are written as U+XXXX, so that a line break in the
    value cannot break the message, and text longer than
    MAX_SHOWN_CHARACTERS is cut.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, str):
        visible = "".join(
            f"U+{ord(character):04X}" if unicodedata.category(character) == "Cc" else character
            for character in value
        )
        if len(visible) > MAX_SHOWN_CHARACTERS:
            visible = visible[:MAX_SHOWN_CHARACTERS] + "…"
        return f"«\u00a0{visible}\u00a0»"
    if isinstance(value, list | tuple):
        return "une liste"
    if isinstance(value, dict):
        return "un objet"
    return "une valeur d’un autre type"


# A rule returns the problem, whether the value received follows it, and the fix (or "").
Rule = Callable[[Mapping[str, Any], Any, FieldLabel], tuple[str, bool, str]]


def _agreed(label: FieldLabel, masculine: str, feminine: str) -> str:
    return feminine if label.feminine else masculine


def _plural(count: int, singular: str, plural: str) -> str:
    return f"{format_count(count)} {singular if count <= 1 else plural}"


def _french_choices(expected: str) -> str:
    # pydantic-core joins the choices as "'a', 'b' or 'c'".
    head, separator, tail = expected.rpartition(" or ")
    return f"{head} ou {tail}" if separator else expected


def _french_bound(bound: Any) -> str:
    """Write a limit of a comparison as a French number (``9 999 999 999 999,99``).

    pydantic-core gives a Decimal limit as its repr, ``Decimal('9.99')``.
    """
    text = str(bound)
    if text.startswith("Decimal('") and text.endswith("')"):
        text = text[len("Decimal('"):-2]
    try:
        number = Decimal(text)
    except ArithmeticError:
        return text
    if not number.is_finite():
        return text
    whole, _, fraction = f"{abs(number):f}".partition(".")
    sign = "-" if number < 0 else ""
    return sign + format_count(int(whole)) + (f",{fraction}" if fraction else "")


def _comparison(word_masculine: str, word_feminine: str, key: str) -> Rule:
    def rule(context: Mapping[str, Any], _value: Any, label: FieldLabel) -> tuple[str, bool, str]:
        bound = _french_bound(context.get(key))
        return f"{label.text} doit être {_agreed(label, word_masculine, word_feminine)} {bound}", True, ""

    return rule


def _greater_than_equal(context: Mapping[str, Any], _value: Any, label: FieldLabel) -> tuple[str, bool, str]:
    bound = context.get("ge")
    if _french_bound(bound) == "0":
        return f"{label.text} doit être {_agreed(label, 'positif ou nul', 'positive ou nulle')}", True, ""
    comparison = f"{_agreed(label, 'supérieur', 'supérieure')} ou {_agreed(label, 'égal', 'égale')} à {_french_bound(bound)}"
    return f"{label.text} doit être {comparison}", True, ""


def _less_than_equal(context: Mapping[str, Any], _value: Any, label: FieldLabel) -> tuple[str, bool, str]:
    bound = _french_bound(context.get("le"))
    comparison = f"{_agreed(label, 'inférieur', 'inférieure')} ou {_agreed(label, 'égal', 'égale')} à {bound}"
    return f"{label.text} doit être {comparison}", True, ""


def _string_too_short(context: Mapping[str, Any], value: Any, _label: FieldLabel) -> tuple[str, bool, str]:
    minimum = int(context.get("min_length", 1))
    if minimum <= 1:
        return "texte vide", False, "saisissez au moins un caractère"
    received = len(value) if isinstance(value, str) else 0
    return f"{_plural(minimum, 'caractère', 'caractères')} au moins, reçu {format_count(received)}", False, ""


def _string_too_long(context: Mapping[str, Any], value: Any, _label: FieldLabel) -> tuple[str, bool, str]:
    maximum = int(context.get("max_length", 0))
    received = len(value) if isinstance(value, str) else 0
    return f"{_plural(maximum, 'caractère', 'caractères')} au plus, reçu {format_count(received)}", False, ""


def _pattern_mismatch(context: Mapping[str, Any], _value: Any, _label: FieldLabel) -> tuple[str, bool, str]:
    pattern = context.get("pattern")
    if pattern == NO_CONTROL_CHARACTERS:
        return "saut de ligne ou autre caractère de contrôle", True, "écrivez la valeur sur une seule ligne"
    return f"format non respecté (expression régulière {pattern})", True, ""


def _list_too_short(context: Mapping[str, Any], value: Any, _label: FieldLabel) -> tuple[str, bool, str]:
    minimum = int(context.get("min_length", 1))
    received = context.get("actual_length", len(value) if isinstance(value, list) else 0)
    return f"{_plural(minimum, 'élément', 'éléments')} au moins, reçu {format_count(int(received))}", False, ""


def _list_too_long(context: Mapping[str, Any], value: Any, _label: FieldLabel) -> tuple[str, bool, str]:
    maximum = int(context.get("max_length", 0))
    received = context.get("actual_length")
    if received is None:
        received = len(value) if isinstance(value, list) else maximum + 1
    return f"{_plural(maximum, 'élément', 'éléments')} au plus, reçu {format_count(int(received))}", False, ""


def _literal(context: Mapping[str, Any], _value: Any, _label: FieldLabel) -> tuple[str, bool, str]:
    expected = _french_choices(str(context.get("expected", "")))
    # The value is left to french_reason, which hides it for a masked field.
    return "valeur non acceptée", True, f"attendu {expected}"


def _identifier(name: str, expected: str) -> Rule:
    def rule(context: Mapping[str, Any], _value: Any, _label: FieldLabel) -> tuple[str, bool, str]:
        problem = IDENTIFIER_PROBLEMS.get(str(context.get("problem")), "numéro invalide")
        return f"{name} invalide ({problem})", True, expected

    return rule


def _fixed(problem: str, fix: str = "", *, shows_value: bool = True) -> Rule:
    def rule(_context: Mapping[str, Any], _value: Any, _label: FieldLabel) -> tuple[str, bool, str]:
        return problem, shows_value, fix

    return rule


def _decimal_places(context: Mapping[str, Any], _value: Any, _label: FieldLabel) -> tuple[str, bool, str]:
    places = int(context.get("decimal_places", 0))
    return f"{_plural(places, 'décimale', 'décimales')} au plus", True, ""


def _digits(key: str, where: str) -> Rule:
    def rule(context: Mapping[str, Any], _value: Any, _label: FieldLabel) -> tuple[str, bool, str]:
        digits = int(context.get(key, 0))
        return f"{_plural(digits, 'chiffre', 'chiffres')} au plus{where}", True, ""

    return rule


def _unit_price_precision(context: Mapping[str, Any], _value: Any, _label: FieldLabel) -> tuple[str, bool, str]:
    places = _plural(int(context.get("max_decimals", 0)), "décimale", "décimales")
    return f"prix unitaire de plus de {places}", True, f"arrondissez-le à {places}"


def _control_character(context: Mapping[str, Any], _value: Any, _label: FieldLabel) -> tuple[str, bool, str]:
    return (
        f"contient le caractère de contrôle {context.get('character', '')}".rstrip(),
        True,
        "retirez-le, et mettez chaque ligne d’adresse dans son propre champ",
    )


def _other_siren(document: str) -> Rule:
    def rule(context: Mapping[str, Any], _value: Any, _label: FieldLabel) -> tuple[str, bool, str]:
        problem = f"{document} ne correspond pas au SIREN {context.get('siren', '')}"
        return problem, True, "vérifiez les deux numéros sur l’extrait Kbis"

    return rule


_DATE = _fixed("une date au format AAAA-MM-JJ est attendue", "par exemple 2026-07-01")
_DECIMAL = _fixed("un nombre décimal est attendu", "par exemple 12.50, avec un point comme séparateur")
_OBJECT = _fixed("un objet JSON est attendu")

_RULES: dict[str, Rule] = {
    # Presence and shape.
    "missing": _fixed("champ obligatoire absent", shows_value=False),
    "extra_forbidden": _fixed("champ inconnu", "retirez-le ou corrigez son nom", shows_value=False),
    "model_type": _OBJECT,
    "model_attributes_type": _OBJECT,
    "dict_type": _OBJECT,
    "list_type": _fixed("une liste est attendue"),
    "too_short": _list_too_short,
    "too_long": _list_too_long,
    "none_required": _fixed("doit être null"),
    # Text.
    "string_type": _fixed("un texte est attendu"),
    "string_too_short": _string_too_short,
    "string_too_long": _string_too_long,
    "string_pattern_mismatch": _pattern_mismatch,
    "string_unicode": _fixed("le texte n’est pas de l’Unicode valide"),
    "literal_error": _literal,
    "enum": _literal,
    # Numbers.
    "decimal_parsing": _DECIMAL,
    "decimal_type": _DECIMAL,
    "decimal_max_digits": _digits("max_digits", ""),
    "decimal_max_places": _decimal_places,
    "decimal_whole_digits": _digits("whole_digits", " avant le point décimal"),
    "finite_number": _fixed("un nombre fini est attendu"),
    "int_type": _fixed("un nombre entier est attendu"),
    "int_parsing": _fixed("un nombre entier est attendu"),
    "int_from_float": _fixed("un nombre entier est attendu"),
    "float_type": _fixed("un nombre est attendu"),
    "float_parsing": _fixed("un nombre est attendu"),
    "bool_type": _fixed("true ou false est attendu"),
    "bool_parsing": _fixed("true ou false est attendu"),
    "greater_than": _comparison("supérieur à", "supérieure à", "gt"),
    "greater_than_equal": _greater_than_equal,
    "less_than": _comparison("inférieur à", "inférieure à", "lt"),
    "less_than_equal": _less_than_equal,
    # Dates.
    "date_type": _DATE,
    "date_parsing": _DATE,
    "date_from_datetime_parsing": _DATE,
    "date_from_datetime_inexact": _fixed("une date sans heure est attendue", "par exemple 2026-07-01"),
    # A validator without a custom type: its message is English and never shown.
    "value_error": _fixed("valeur invalide", "vérifiez le format de ce champ"),
    "assertion_error": _fixed("valeur invalide", "vérifiez le format de ce champ"),
    # Custom types of services.ledger.documents.fields and of the ledger models.
    "float_not_exact": _fixed(
        "un nombre à virgule flottante ne garde pas chaque centime exact",
        "envoyez un nombre décimal ou un texte comme « 1234.56 »",
        shows_value=False,
    ),
    "number_not_finite": _fixed("un nombre fini est attendu", "par exemple 12.5"),
    "amount_precision": _fixed("montant de plus de deux décimales", "arrondissez-le au centime"),
    "unit_price_negative": _fixed("prix unitaire négatif", "mettez le signe sur la quantité"),
    "unit_price_precision": _unit_price_precision,
    "vat_rate_range": _fixed("taux de TVA hors limites", "donnez un pourcentage de 0 à moins de 100, comme 20 ou 5.5"),
    "vat_rate_precision": _fixed("taux de TVA de plus de deux décimales", "donnez un taux comme 5.5"),
    "text_empty": _fixed("texte vide", "saisissez au moins un caractère visible", shows_value=False),
    "text_control_character": _control_character,
    "siren_invalid": _identifier(
        "SIREN", "saisissez les 9 chiffres dont le dernier est la clé de contrôle, comme sur l’extrait Kbis"
    ),
    "siret_invalid": _identifier(
        "SIRET", "saisissez 14 chiffres, le SIREN suivi du numéro d’établissement à 5 chiffres"
    ),
    "vat_number_invalid": _identifier(
        "numéro de TVA intracommunautaire", "saisissez le préfixe du pays puis le numéro, comme FR40303265045"
    ),
    "iban_invalid": _identifier("IBAN", "recopiez-le depuis le RIB"),
    "bic_invalid": _identifier("BIC", "saisissez 8 ou 11 lettres et chiffres, comme BNPAFRPP"),
    "email_invalid": _fixed("adresse e-mail invalide", "écrivez-la sous la forme nom@domaine.fr"),
    "country_code_invalid": _fixed(
        "code pays invalide", "écrivez-le en deux lettres majuscules (ISO 3166-1), comme FR"
    ),
    "siret_of_other_siren": _other_siren("le SIRET"),
    "vat_number_of_other_siren": _other_siren("le numéro de TVA français"),
    "vat_number_without_siren": _fixed("numéro de TVA français sans SIREN", "envoyez aussi le SIREN de l’acheteur"),
}
