"""Find the separator and the position of each FEC column from the header line."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import FecHeaderError
from .wording import COLON, SEMICOLON, listed, place, quoted

# The 18 columns of the standard FEC layout (article A47 A-1 of the Livre des
# procédures fiscales), in their usual order. Debit and Credit may be replaced by
# Montant and Sens, as in the BNC and BA variants of the format.
STANDARD_COLUMNS = (
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "CompAuxNum",
    "CompAuxLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
    "EcritureLet",
    "DateLet",
    "ValidDate",
    "Montantdevise",
    "Idevise",
)
_AMOUNT_COLUMNS = ("Debit", "Credit")
_SIGNED_AMOUNT_COLUMNS = ("Montant", "Sens")
_KNOWN_COLUMNS = {name.casefold(): name for name in STANDARD_COLUMNS + _SIGNED_AMOUNT_COLUMNS}
_SEPARATORS = ("\t", "|")


@dataclass(frozen=True, slots=True)
class ColumnLayout:
    """Separator and column positions of one FEC file."""

    separator: str
    width: int
    """Number of fields in the header, unnamed trailing ones included."""
    positions: dict[str, int]
    """Field index of each known column, keyed by its standard spelling."""
    spellings: dict[str, str]
    """Column name as the file spells it, keyed by its standard spelling, for messages."""

    @property
    def uses_signed_amounts(self) -> bool:
        """True for the Montant + Sens variant, False for Debit + Credit."""
        return "Montant" in self.positions


def parse_header(header: str, line_number: int, source: str) -> ColumnLayout:
    """Detect the separator of `header` and map every known column name to its field index.

    Names match case-insensitively, so ``MontantDevise`` is ``Montantdevise``.
    Unknown and unnamed columns are allowed and ignored. Raises FecHeaderError
    when no separator is found or a required column is missing or repeated.
    """
    separator = _detect_separator(header, line_number, source)
    names = [name.strip() for name in header.split(separator)]

    positions: dict[str, int] = {}
    spellings: dict[str, str] = {}
    for index, name in enumerate(names):
        standard = _KNOWN_COLUMNS.get(name.casefold())
        if standard is None:
            continue
        if standard in positions:
            raise FecHeaderError(
                f"{place(source, line_number)}{COLON} la colonne {quoted(name)} figure deux fois dans l’en-tête"
                f" (champs {positions[standard] + 1} et {index + 1}){SEMICOLON} n’en gardez qu’une",
                line_number=line_number,
                column=name,
            )
        positions[standard] = index
        spellings[standard] = name

    missing = _missing_columns(positions)
    if missing:
        found = ", ".join(name for name in names if name) or "aucun nom"
        noun = "il manque la colonne" if len(missing) == 1 else "il manque les colonnes"
        raise FecHeaderError(
            f"{place(source, line_number)}{COLON} {noun} {listed(missing, len(missing))} dans l’en-tête"
            f" (colonnes trouvées{COLON} {found}){SEMICOLON} un FEC a les 18 colonnes standard, de JournalCode"
            " à Idevise",
            line_number=line_number,
            column=missing[0],
        )
    # Keep one pair of amount columns. Debit + Credit wins when the file has both pairs.
    unused_pair = _SIGNED_AMOUNT_COLUMNS if _has_columns(positions, _AMOUNT_COLUMNS) else _AMOUNT_COLUMNS
    for name in unused_pair:
        positions.pop(name, None)

    return ColumnLayout(separator=separator, width=len(names), positions=positions, spellings=spellings)


def _detect_separator(header: str, line_number: int, source: str) -> str:
    counts = {separator: header.count(separator) for separator in _SEPARATORS}
    separator = max(counts, key=counts.__getitem__)
    if counts[separator] == 0:
        excerpt = header if len(header) <= 80 else header[:77] + "…"
        raise FecHeaderError(
            f"{place(source, line_number)}{COLON} ni tabulation ni {quoted('|')} dans l’en-tête {quoted(excerpt)}"
            f"{SEMICOLON} l’en-tête d’un FEC donne les noms des colonnes (JournalCode, JournalLib…) séparés"
            f" par des tabulations ou des {quoted('|')}",
            line_number=line_number,
            value=header,
        )
    return separator


def _missing_columns(positions: dict[str, int]) -> list[str]:
    missing = [
        name for name in STANDARD_COLUMNS if name not in _AMOUNT_COLUMNS and name not in positions
    ]
    if not _has_columns(positions, _AMOUNT_COLUMNS) and not _has_columns(positions, _SIGNED_AMOUNT_COLUMNS):
        # Name the pair the file seems to use, Debit and Credit by default.
        if any(name in positions for name in _SIGNED_AMOUNT_COLUMNS):
            missing += [name for name in _SIGNED_AMOUNT_COLUMNS if name not in positions]
        else:
            missing += [name for name in _AMOUNT_COLUMNS if name not in positions]
    return missing


def _has_columns(positions: dict[str, int], names: tuple[str, ...]) -> bool:
    return all(name in positions for name in names)
