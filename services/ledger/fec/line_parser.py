"""Parse the data lines of any FEC file one line at a time, naming the line, column and value of any error.

`read_fec` uses this parser when the faster `column_parser` cannot take the
file: a Montant + Sens layout, lines with fewer or more fields than the header,
blank lines, CR-only line breaks or a value that does not parse. So every
FecValueError of the parsers comes from here, for the first bad line in file
order. A control character inside a field is handled before, by `controls`,
which raises its own FecValueError.
"""

from __future__ import annotations

from shared.typography import format_count

from .errors import FecValueError
from .header import ColumnLayout
from .records import FecLine
from .values import (
    ZERO,
    parse_amount,
    parse_date,
    parse_optional_amount,
    parse_optional_date,
    parse_sign,
    require_text,
)
from .wording import COLON, LONE_CARRIAGE_RETURN, SEMICOLON, counted, excerpt, place, quoted


def parse_data_lines(
    physical_lines: list[str], first_index: int, layout: ColumnLayout, source: str
) -> list[FecLine]:
    """Parse `physical_lines[first_index:]` into FecLine records, skipping blank lines.

    Raises FecValueError for the first line, in file order, with a wrong field
    count or a value that does not parse.
    """
    positions = layout.positions
    separator = layout.separator
    width = layout.width
    min_width = max(positions.values()) + 1
    signed_amounts = layout.uses_signed_amounts

    # Field indexes, read once so that the loop below does only list lookups.
    journal_code_at = positions["JournalCode"]
    journal_label_at = positions["JournalLib"]
    entry_number_at = positions["EcritureNum"]
    entry_date_at = positions["EcritureDate"]
    account_at = positions["CompteNum"]
    account_label_at = positions["CompteLib"]
    aux_account_at = positions["CompAuxNum"]
    aux_label_at = positions["CompAuxLib"]
    piece_ref_at = positions["PieceRef"]
    piece_date_at = positions["PieceDate"]
    label_at = positions["EcritureLib"]
    lettering_at = positions["EcritureLet"]
    lettering_date_at = positions["DateLet"]
    validation_date_at = positions["ValidDate"]
    currency_amount_at = positions["Montantdevise"]
    currency_at = positions["Idevise"]
    if signed_amounts:
        first_amount_at, second_amount_at = positions["Montant"], positions["Sens"]
    else:
        first_amount_at, second_amount_at = positions["Debit"], positions["Credit"]

    lines: list[FecLine] = []
    for index in range(first_index, len(physical_lines)):
        raw_line = physical_lines[index]
        if raw_line.endswith("\r"):
            raw_line = raw_line.rstrip("\r")
        if not raw_line or raw_line.isspace():
            continue
        line_number = index + 1
        fields = raw_line.split(separator)
        if len(fields) != width:
            _check_field_count(fields, min_width, width, line_number, layout, source)

        # `column_at` tracks the field being parsed so that one handler can name it.
        column_at = journal_code_at
        try:
            journal_code = require_text(fields[journal_code_at].strip(), "un code journal, par exemple VE")
            column_at = entry_date_at
            entry_date = parse_date(fields[entry_date_at].strip())
            column_at = account_at
            account_number = require_text(fields[account_at].strip(), "un numéro de compte, par exemple 411000")
            column_at = piece_date_at
            piece_date = parse_optional_date(fields[piece_date_at].strip())
            column_at = first_amount_at
            first_amount = parse_amount(fields[first_amount_at].strip())
            column_at = second_amount_at
            if signed_amounts:
                if parse_sign(fields[second_amount_at].strip()) > 0:
                    debit, credit = first_amount, ZERO
                else:
                    debit, credit = ZERO, first_amount
            else:
                debit, credit = first_amount, parse_amount(fields[second_amount_at].strip())
            column_at = lettering_date_at
            lettering_date = parse_optional_date(fields[lettering_date_at].strip())
            column_at = validation_date_at
            validation_date = parse_optional_date(fields[validation_date_at].strip())
            column_at = currency_amount_at
            currency_amount = parse_optional_amount(fields[currency_amount_at].strip())
        except ValueError as exc:
            raise _field_error(exc, fields, column_at, line_number, layout, source) from None

        lines.append(
            FecLine(
                line_number=line_number,
                journal_code=journal_code,
                journal_label=fields[journal_label_at].strip(),
                entry_number=fields[entry_number_at].strip(),
                entry_date=entry_date,
                account_number=account_number,
                account_label=fields[account_label_at].strip(),
                aux_account=fields[aux_account_at].strip() or None,
                aux_label=fields[aux_label_at].strip() or None,
                piece_ref=fields[piece_ref_at].strip(),
                piece_date=piece_date,
                label=fields[label_at].strip(),
                debit=debit,
                credit=credit,
                lettering=fields[lettering_at].strip() or None,
                lettering_date=lettering_date,
                validation_date=validation_date,
                currency_amount=currency_amount,
                currency=fields[currency_at].strip() or None,
            )
        )
    return lines


def _check_field_count(
    fields: list[str], min_width: int, width: int, line_number: int, layout: ColumnLayout, source: str
) -> None:
    """Raise FecValueError unless the fields missing or added on this line are empty and unused.

    A line may lack trailing columns that the reader ignores, and may carry extra
    empty fields. So a file may end every line with a separator, or only the
    header, or only the data lines. A wrong count on a line that contains a CR
    is blamed on that CR, which joins two lines or splits one.
    """
    too_few = len(fields) < min_width
    too_many = len(fields) > width and any(field.strip() for field in fields[width:])
    if not (too_few or too_many):
        return
    if any("\r" in field for field in fields):
        raise FecValueError(f"{place(source, line_number)}{COLON} {LONE_CARRIAGE_RETURN}", line_number=line_number)
    if too_few:
        raise FecValueError(
            f"{place(source, line_number)}{COLON} {counted(len(fields), 'champ séparé', 'champs séparés')} par"
            f" {_separator_name(layout)}, alors que l’en-tête en compte {format_count(width)}{SEMICOLON}"
            " vérifiez qu’aucun champ ne manque et qu’aucune valeur ne contient le séparateur",
            line_number=line_number,
        )
    raise FecValueError(
        f"{place(source, line_number)}{COLON} {counted(len(fields), 'champ séparé', 'champs séparés')} par"
        f" {_separator_name(layout)}, alors que l’en-tête en compte {format_count(width)}{SEMICOLON}"
        " vérifiez qu’aucune valeur ne contient le séparateur",
        line_number=line_number,
    )


def _field_error(
    exc: ValueError, fields: list[str], column_at: int, line_number: int, layout: ColumnLayout, source: str
) -> FecValueError:
    column = next(name for name, position in layout.positions.items() if position == column_at)
    spelling = layout.spellings[column]
    raw_value = fields[column_at]
    where = place(source, line_number, spelling)
    if "\r" in raw_value.strip():
        return FecValueError(
            f"{where}{COLON} {LONE_CARRIAGE_RETURN}", line_number=line_number, column=spelling, value=raw_value
        )
    # A value of spaces only is shown as empty, since « » around blanks would look like nothing.
    fault = f"le champ {exc}" if not raw_value.strip() else f"{quoted(excerpt(raw_value))} {exc}"
    return FecValueError(
        f"{where}{COLON} {fault}",
        line_number=line_number,
        column=spelling,
        value=raw_value,
    )


def _separator_name(layout: ColumnLayout) -> str:
    return "des tabulations" if layout.separator == "\t" else f"des {quoted('|')}"
