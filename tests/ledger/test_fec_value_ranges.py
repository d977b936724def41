"""Tests that `read_fec` rejects dates and amounts outside the ranges the ledger accepts, in both parsers.

A regular file with LF line breaks goes through the column parser, which
declines a bad value so that the line parser names it. A Montant + Sens file
goes straight to the line parser.
"""

from datetime import date
from decimal import Decimal

import pytest

from services.ledger.fec import FecValueError, analyse_fec, read_fec
from services.ledger.fec import column_parser
from services.ledger.fec.header import parse_header
from tests.ledger.test_fec_reader import HEADER, INVOICE_LINES, tab_file, with_field

DATE_COLUMNS = ["EcritureDate", "PieceDate", "DateLet", "ValidDate"]
OUT_OF_RANGE_DATES = ["99991220", "00010101", "18991231", "21000101", "2100-01-01"]
TOO_LARGE_AMOUNTS = [
    "10000000000000,00",
    "-10000000000000,00",
    "12000000000000,00",
    "10000000000000",
    "120000000000000000000000000000,00",
    "120000000000000000000000000000,5",
]
SIGNED_HEADER = HEADER.replace("Debit\tCredit", "Montant\tSens")


def signed_line(line: str, amount: str) -> str:
    """Turn a Debit + Credit invoice line into a Montant + Sens line with `amount` as a debit."""
    line = with_field(line, "Debit", amount)
    return with_field(line, "Credit", "D")


def column_parser_declines(data: bytes) -> bool:
    text = data.decode("utf-8")
    header_end = text.index("\n")
    layout = parse_header(text[:header_end], 1, "case.txt")
    return column_parser.parse_data_columns(text, header_end + 1, 2, layout) is None


# Dates


@pytest.mark.parametrize("raw", OUT_OF_RANGE_DATES)
@pytest.mark.parametrize("column", DATE_COLUMNS)
def test_read_fec_rejects_date_out_of_range(column, raw):
    data = tab_file(INVOICE_LINES[0], with_field(INVOICE_LINES[1], column, raw))

    with pytest.raises(FecValueError) as error:
        read_fec(data, source="f.txt")

    assert column_parser_declines(data)
    assert error.value.line_number == 3
    assert error.value.column == column
    assert error.value.value == raw
    assert str(error.value).startswith(f"f.txt, ligne 3, colonne {column}\u00a0: «\u00a0{raw}\u00a0»")
    assert "du 01/01/1900 au 31/12/2099" in str(error.value)


@pytest.mark.parametrize("raw", OUT_OF_RANGE_DATES)
@pytest.mark.parametrize("column", DATE_COLUMNS)
def test_line_parser_rejects_date_out_of_range(column, raw):
    line = with_field(signed_line(INVOICE_LINES[0], "120,00"), column, raw)

    with pytest.raises(FecValueError) as error:
        read_fec(tab_file(line, header=SIGNED_HEADER))

    assert error.value.line_number == 2
    assert error.value.column == column
    assert error.value.value == raw
    assert "du 01/01/1900 au 31/12/2099" in str(error.value)


def test_read_fec_date_out_of_range_message():
    line = with_field(INVOICE_LINES[0], "EcritureDate", "99991220")

    with pytest.raises(FecValueError) as error:
        read_fec(tab_file(line), source="f.txt")

    assert str(error.value) == (
        "f.txt, ligne 2, colonne EcritureDate\u00a0: «\u00a099991220\u00a0» est une date hors de la plage"
        " acceptée (attendu\u00a0: du 01/01/1900 au 31/12/2099)\u202f; corrigez-la dans le logiciel comptable,"
        " puis exportez de nouveau le fichier"
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("19000101", date(1900, 1, 1)),
        ("1900-01-01", date(1900, 1, 1)),
        ("20991231", date(2099, 12, 31)),
        ("2099-12-31", date(2099, 12, 31)),
    ],
)
@pytest.mark.parametrize("column", DATE_COLUMNS)
def test_read_fec_accepts_range_bounds(column, raw, expected):
    attribute = {
        "EcritureDate": "entry_date",
        "PieceDate": "piece_date",
        "DateLet": "lettering_date",
        "ValidDate": "validation_date",
    }[column]
    data = tab_file(with_field(INVOICE_LINES[0], column, raw))

    fec = read_fec(data)

    assert not column_parser_declines(data)
    assert getattr(fec.lines[0], attribute) == expected

# Amounts


@pytest.mark.parametrize("raw", TOO_LARGE_AMOUNTS)
@pytest.mark.parametrize("column", ["Debit", "Credit", "Montantdevise"])
def test_read_fec_rejects_amount_too_large(column, raw):
    data = tab_file(INVOICE_LINES[0], with_field(INVOICE_LINES[1], column, raw))

    with pytest.raises(FecValueError) as error:
        read_fec(data, source="f.txt")

    assert column_parser_declines(data)
    assert error.value.line_number == 3
    assert error.value.column == column
    assert error.value.value == raw
    assert str(error.value).startswith(f"f.txt, ligne 3, colonne {column}\u00a0: «\u00a0{raw}\u00a0»")
    assert "au plus 9\u202f999\u202f999\u202f999\u202f999,99 en valeur absolue" in str(error.value)


@pytest.mark.parametrize("raw", TOO_LARGE_AMOUNTS)
@pytest.mark.parametrize("column", ["Montant", "Montantdevise"])
def test_line_parser_rejects_amount_too_large(column, raw):
    line = signed_line(INVOICE_LINES[0], "120,00")
    if column == "Montant":
        line = signed_line(line, raw)
    else:
        line = with_field(line, column, raw)

    with pytest.raises(FecValueError) as error:
        read_fec(tab_file(line, header=SIGNED_HEADER))

    assert error.value.line_number == 2
    assert error.value.column == column
    assert error.value.value == raw
    assert "au plus 9\u202f999\u202f999\u202f999\u202f999,99 en valeur absolue" in str(error.value)


def test_read_fec_amount_too_large_message():
    line = with_field(INVOICE_LINES[0], "Debit", "12000000000000,00")

    with pytest.raises(FecValueError) as error:
        read_fec(tab_file(line), source="f.txt")

    assert str(error.value) == (
        "f.txt, ligne 2, colonne Debit\u00a0: «\u00a012000000000000,00\u00a0» dépasse le plus grand montant"
        " que le grand livre enregistre (attendu\u00a0: au plus 9\u202f999\u202f999\u202f999\u202f999,99 en"
        " valeur absolue)\u202f; corrigez-le dans le logiciel comptable, puis exportez de nouveau le fichier"
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("9999999999999,99", Decimal("9999999999999.99")),
        ("-9999999999999,99", Decimal("-9999999999999.99")),
        ("9999999999999,990", Decimal("9999999999999.99")),
        ("00009999999999999.9", Decimal("9999999999999.90")),
    ],
)
@pytest.mark.parametrize("column", ["Debit", "Credit", "Montantdevise"])
def test_read_fec_accepts_largest_amount(column, raw, expected):
    attribute = {"Debit": "debit", "Credit": "credit", "Montantdevise": "currency_amount"}[column]
    data = tab_file(with_field(INVOICE_LINES[0], column, raw))

    fec = read_fec(data)

    assert not column_parser_declines(data)
    assert getattr(fec.lines[0], attribute) == expected


# Amounts the ledger computes from several fields


def _large_invoice(customer_debit: str, customer_credit: str, revenue_credits: list[str], vat_credit: str) -> bytes:
    customer = with_field(with_field(INVOICE_LINES[0], "Debit", customer_debit), "Credit", customer_credit)
    revenues = [with_field(INVOICE_LINES[1], "Credit", credit) for credit in revenue_credits]
    vat = with_field(INVOICE_LINES[2], "Credit", vat_credit)
    return tab_file(customer, *revenues, vat)


def test_analysis_rejects_line_balance_beyond_storage():
    # Debit minus a negative Credit: 18 000 000 000 000,00, almost twice the largest amount a field may hold.
    data = _large_invoice("9000000000000,00", "-9000000000000,00", ["7500000000000,00", "7500000000000,00"], "3000000000000,00")

    with pytest.raises(FecValueError) as error:
        analyse_fec(read_fec(data, source="f.txt"))

    assert error.value.line_number == 2
    assert error.value.value == "18000000000000.00"
    assert str(error.value).startswith(
        "f.txt, ligne 2\u00a0: le solde Debit − Credit de cette ligne de compte client, 18\u202f000\u202f000\u202f000\u202f000,00\u00a0€,"
    )
    assert "au plus 9\u202f999\u202f999\u202f999\u202f999,99\u00a0€ en valeur absolue" in str(error.value)


def test_analysis_rejects_net_total_beyond_storage():
    # Two revenue lines of 9 000 000 000 000,00 and a VAT debit bring the invoice back to 9 000 000 000 000,00.
    data = _large_invoice("9000000000000,00", "0,00", ["9000000000000,00", "9000000000000,00"], "-9000000000000,00")

    with pytest.raises(FecValueError) as error:
        analyse_fec(read_fec(data, source="f.txt"))

    assert error.value.line_number == 2
    assert "le total hors taxes de cette ligne de compte client, 18\u202f000\u202f000\u202f000\u202f000,00\u00a0€" in str(
        error.value
    )


def test_analysis_accepts_largest_storable_balance():
    data = _large_invoice("9999999999999,99", "0,00", ["8333333333333,33"], "1666666666666,66")

    analysis = analyse_fec(read_fec(data, source="f.txt"))

    assert analysis.customer_lines[0].debit == Decimal("9999999999999.99")
