"""Tests that the column parser, the fast path of `read_fec`, gives what the line parser gives.

The line parser reads one line at a time and is the reference: `read_fec`
must return the same records, or raise the same error, on any input.
"""

from dataclasses import FrozenInstanceError
from datetime import date
from decimal import Decimal
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.ledger.fec import FecFile, FecLine, read_fec
from services.ledger.fec import column_parser, line_parser, reader
from services.ledger.fec.decoding import decode_fec_bytes
from services.ledger.fec.header import parse_header
from services.ledger.fec.records import build_fec_line
from tests.ledger.test_fec_reader import COLUMNS

INVOICE_LINE = (
    "VE\tVentes\t1\t20240131\t411000\tClients\tC00101\tAgence du Parc\tFA2024-000001\t20240131"
    "\tAbonnement janvier\t120,00\t0,00\tAA\t20240215\t20240131\t\t"
)

# Values of each column, valid or not, so that generated files mix good
# lines with every kind of error the line parser reports. The first values
# of each list are valid for that column.
DATES = ["20240131", "2024-01-31", "", "20240230", "2024013", "99991220", "18991231"]
AMOUNTS = ["120,00", "0,00", "", "-12,5", "0000000074,70", "3", "1.234,00", "12,345", "1,2,3", "10000000000000,00"]
FIELD_VALUES = {
    "JournalCode": ["VE", "BQ", "AN", ""],
    "JournalLib": ["Ventes", "Banque", ""],
    "EcritureNum": ["1", "2", "007", ""],
    "EcritureDate": DATES,
    "CompteNum": ["411000", "706100", "445710", "512000", ""],
    "CompteLib": ["Clients", "TVA collectée", ""],
    "CompAuxNum": ["C00101", ""],
    "CompAuxLib": ["Agence du Parc", ""],
    "PieceRef": ["FA  220001", "AV1", ""],
    "PieceDate": DATES,
    "EcritureLib": ["Abonnement", "Réglement n° 4", ""],
    "Debit": AMOUNTS,
    "Credit": AMOUNTS,
    "EcritureLet": ["AA", "ab", ""],
    "DateLet": DATES,
    "ValidDate": DATES,
    "Montantdevise": ["", "130,40", "x", "-120000000000000000000000000000,5"],
    "Idevise": ["", "USD"],
}
# Characters that str.strip() removes, besides LF and the separators: CR,
# vertical tab, no-break space and ideographic space among them.
PADDING = ["", " ", "  ", "\r", "\x0b", "\xa0", "\u3000"]
VALID_VALUES = {
    "JournalCode": 3,
    "EcritureDate": 2,
    "CompteNum": 4,
    "PieceDate": 3,
    "Debit": 6,
    "Credit": 6,
    "DateLet": 3,
    "ValidDate": 3,
    "Montantdevise": 2,
}
"""Number of valid values at the start of each list of FIELD_VALUES, for columns that have invalid ones."""


@st.composite
def fec_files(draw) -> bytes:
    """Draw a FEC file with random column order, separator, padding, line breaks and field counts."""
    separator = draw(st.sampled_from(["\t", "|"]))
    padding = PADDING + (["\t"] if separator == "|" else [])
    columns = draw(st.permutations(COLUMNS))
    # Some exports end every line with a separator, the header included.
    trailing_separator = draw(st.sampled_from(["", separator]))
    header = separator.join(columns) + trailing_separator

    rows = []
    for _ in range(draw(st.integers(min_value=0, max_value=12))):
        # Most lines are valid, so that most files take the column parser.
        valid = draw(st.integers(min_value=0, max_value=19)) > 0
        fields = []
        for column in columns:
            values = FIELD_VALUES[column]
            if valid:
                values = values[: VALID_VALUES.get(column, len(values))]
            fields.append(draw(st.sampled_from(padding)) + draw(st.sampled_from(values)) + draw(st.sampled_from(padding)))
        field_count_change = 0 if valid else draw(st.sampled_from([0, -1, 1, 2]))
        if field_count_change < 0:
            fields = fields[:field_count_change]
        else:
            fields += [draw(st.sampled_from(["", "", "x"])) for _ in range(field_count_change)]
        rows.append(separator.join(fields) + trailing_separator)
        if draw(st.integers(min_value=0, max_value=29)) == 0:
            rows.append(draw(st.sampled_from(["", "  ", "\r"])))

    line_break = draw(st.sampled_from(["\n", "\r\n", "\r\n", "\r\r\n", "\r"]))
    text = line_break.join([header, *rows]) + draw(st.sampled_from(["", line_break, line_break + " ", line_break * 2]))
    return text.encode("utf-8")


def read_line_by_line(data: bytes) -> FecFile:
    """Read `data` as read_fec does, but with the line parser only."""
    text, codec_name, warnings = decode_fec_bytes(data, None, "case.txt")
    physical_lines = text.split("\n") if "\n" in text else text.split("\r")
    header_index = next(index for index, line in enumerate(physical_lines) if line.strip())
    layout = parse_header(physical_lines[header_index].rstrip("\r"), header_index + 1, "case.txt")
    lines = line_parser.parse_data_lines(physical_lines, header_index + 1, layout, "case.txt")
    return FecFile(lines=lines, encoding=codec_name, separator=layout.separator, warnings=warnings, source="case.txt")


def tab_file(*lines: str, newline: str = "\n") -> bytes:
    return newline.join(("\t".join(COLUMNS), *lines, "")).encode("utf-8")


@settings(max_examples=400, deadline=None)
@given(data=fec_files(), block_characters=st.sampled_from([40, 200, 128 * 1024]))
def test_read_fec_matches_line_parser(data, block_characters):
    try:
        expected = read_line_by_line(data)
    except Exception as error:  # noqa: BLE001 - any error must be the same from both paths
        expected_error = error
    else:
        expected_error = None

    with mock.patch.object(column_parser, "_BLOCK_CHARACTERS", block_characters):
        if expected_error is not None:
            with pytest.raises(type(expected_error)) as error:
                read_fec(data, source="case.txt")
            assert str(error.value) == str(expected_error)
        else:
            fec = read_fec(data, source="case.txt")
            assert [repr(line) for line in fec.lines] == [repr(line) for line in expected.lines]
            assert all(type(line) is FecLine for line in fec.lines)
            assert fec == expected


def test_column_parser_reads_regular_file():
    lines = [INVOICE_LINE.replace("\t1\t", f"\t{number}\t") for number in range(1, 400)]
    data = tab_file(*lines, newline="\r\n")

    with mock.patch.object(column_parser, "_BLOCK_CHARACTERS", 1000), mock.patch.object(
        reader, "parse_data_lines", side_effect=AssertionError("the line parser was used")
    ):
        fec = read_fec(data)

    assert len(fec.lines) == 399
    assert [line.line_number for line in fec.lines] == list(range(2, 401))
    assert fec.lines[-1].entry_number == "399"
    assert fec.lines[-1].currency is None


@pytest.mark.parametrize(
    "lines",
    [
        pytest.param((INVOICE_LINE, "", INVOICE_LINE), id="blank line"),
        pytest.param((INVOICE_LINE, INVOICE_LINE + "\t"), id="extra field"),
        pytest.param((INVOICE_LINE, INVOICE_LINE.rsplit("\t", 1)[0]), id="missing field"),
        pytest.param((INVOICE_LINE.replace("20240131", "20240230", 1),), id="invalid date"),
        pytest.param((INVOICE_LINE.replace("120,00", "12,345"),), id="sub-cent amount"),
        pytest.param((INVOICE_LINE.replace("411000", "  "),), id="empty account"),
    ],
)
def test_column_parser_declines_irregular_files(lines):
    text = "\n".join(("\t".join(COLUMNS), *lines, ""))
    header_end = text.index("\n")
    layout = parse_header(text[:header_end], 1, "case.txt")

    assert column_parser.parse_data_columns(text, header_end + 1, 2, layout) is None


def test_column_parser_declines_montant_sens_files():
    header = "\t".join(COLUMNS).replace("Debit\tCredit", "Montant\tSens")
    text = header + "\n" + INVOICE_LINE.replace("120,00\t0,00", "120,00\tD") + "\n"
    header_end = text.index("\n")
    layout = parse_header(text[:header_end], 1, "case.txt")

    assert column_parser.parse_data_columns(text, header_end + 1, 2, layout) is None


def test_build_fec_line_equals_constructor():
    values = (
        7, "VE", "Ventes", "1", date(2024, 1, 31), "411000", "Clients", "C00101", "Agence du Parc",
        "FA2024-000001", date(2024, 1, 31), "Abonnement", Decimal("120.00"), Decimal("0.00"), "AA",
        date(2024, 2, 15), date(2024, 1, 31), Decimal("130.40"), "USD",
    )

    built = build_fec_line(*values)

    assert type(built) is FecLine
    assert built == FecLine(*values)
    assert repr(built) == repr(FecLine(*values))
    assert hash(built) == hash(FecLine(*values))


def test_build_fec_line_is_frozen():
    line = read_fec(tab_file(INVOICE_LINE)).lines[0]

    with pytest.raises(FrozenInstanceError):
        line.label = "changed"
