"""Diagnosis of a BBAN that does not match its country's structure.

The structure comes from schwifty's registry, e.g. ``5!n5!n11!c2!n`` for France: 5 digits,
5 digits, 11 letters or digits, then 2 digits. The diagnosis names the BBAN part that contains
the first wrong character, so that the user knows what to fix.
"""

from __future__ import annotations

import re

from schwifty.domain import Component, IBANSpec

from .country import country_name_fr
from .errors import reject
from .rib import RIB_COUNTRIES

_SPEC_PART = re.compile(r"(\d+)!([nac])")

_CLASS_MATCHERS = {
    "n": re.compile(r"[0-9]"),
    "a": re.compile(r"[A-Z]"),
    "c": re.compile(r"[A-Z0-9]"),
}
_CLASS_NAMES = {
    "n": ("chiffre", "chiffres"),
    "a": ("lettre", "lettres"),
    "c": ("lettre ou chiffre", "lettres ou chiffres"),
}
_COMPONENT_LABELS = {
    Component.BANK_CODE: "Le code banque",
    Component.BRANCH_CODE: "Le code guichet",
    Component.ACCOUNT_CODE: "Le numéro de compte",
    Component.NATIONAL_CHECKSUM_DIGITS: "La clé de contrôle nationale",
    Component.ACCOUNT_TYPE: "Le type de compte",
    Component.ACCOUNT_ID: "L’identifiant de compte",
    Component.ACCOUNT_HOLDER_ID: "L’identifiant du titulaire",
    Component.CURRENCY_CODE: "Le code devise",
}


def _position_classes(spec: IBANSpec) -> list[str] | None:
    """Return the expected class (n, a or c) of each BBAN position, or None if not fixed."""
    parts = list(_SPEC_PART.finditer(spec.bban_spec))
    if "".join(part.group(0) for part in parts) != spec.bban_spec:
        return None
    classes: list[str] = []
    for part in parts:
        classes.extend(part.group(2) * int(part.group(1)))
    return classes


def _first_mismatch(bban: str, classes: list[str] | None) -> int | None:
    """Return the first BBAN position whose character does not fit its class, or None."""
    if classes is None or len(classes) != len(bban):
        return None
    for index, char in enumerate(bban):
        if not _CLASS_MATCHERS[classes[index]].match(char):
            return index
    return None


def _component_at(spec: IBANSpec, position: int) -> tuple[Component, int, int] | None:
    """Return the narrowest named BBAN part that covers ``position``, with its bounds."""
    covering = [
        (component, range_.start, range_.end)
        for component, range_ in spec.positions.items()
        if not range_.is_empty and range_.start <= position < range_.end
    ]
    if not covering:
        return None
    return min(covering, key=lambda entry: entry[2] - entry[1])


def _describe_classes(classes: list[str]) -> str:
    """Describe a run of position classes in French, e.g. ``4 lettres puis 6 chiffres``."""
    runs: list[tuple[str, int]] = []
    for class_ in classes:
        if runs and runs[-1][0] == class_:
            runs[-1] = (class_, runs[-1][1] + 1)
        else:
            runs.append((class_, 1))
    described = []
    for class_, count in runs:
        singular, plural = _CLASS_NAMES[class_]
        described.append(f"{count} {singular if count == 1 else plural}")
    return " puis ".join(described)


def _component_label(spec: IBANSpec, component: Component) -> str:
    if component is Component.NATIONAL_CHECKSUM_DIGITS and spec.country in RIB_COUNTRIES:
        return "La clé RIB"
    return _COMPONENT_LABELS[component]


def check_bban_structure(
    iban: str, spec: IBANSpec, *, masked_iban: str, raw: str, field: str
) -> None:
    """Raise ValidationError naming the wrong BBAN part, unless the BBAN fits ``spec``.

    Error codes: ``iban.letter_o`` for a letter O where a digit is expected, else
    ``iban.structure``.
    """
    bban = iban[4:]
    if spec.regex.match(bban):
        return

    classes = _position_classes(spec)
    country = country_name_fr(spec.country)
    position = _first_mismatch(bban, classes)
    if classes is None or position is None:
        raise reject(
            field,
            raw,
            "iban.structure",
            f"L’IBAN {masked_iban} n’a pas le format attendu pour ce pays ({country}) : "
            "recopiez-le en entier depuis votre RIB.",
        )

    found = _component_at(spec, position)
    if found is None:
        raise reject(
            field,
            raw,
            "iban.structure",
            f"Le {position + 5}e caractère de l’IBAN (« {bban[position]} ») n’est pas valide "
            f"pour ce pays ({country}) : il faut "
            f"{_describe_classes([classes[position]])} à cet endroit.",
        )

    component, start, end = found
    label = _component_label(spec, component)
    part = bban[start:end]
    if bban[position] == "O" and classes[position] == "n":
        raise reject(
            field,
            raw,
            "iban.letter_o",
            f"{label} « {part} » contient la lettre O à la place du chiffre 0.",
        )
    raise reject(
        field,
        raw,
        "iban.structure",
        f"{label} « {part} » n’a pas le format attendu pour ce pays ({country}) : "
        f"il faut {_describe_classes(classes[start:end])}.",
    )
