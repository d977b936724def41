"""Acceptance tests of the FEC reader and classifier on two real exports.

The files live outside the repository, in shared/fixtures/fec next to it. The
tests skip when that folder is missing, except under CI=true where they fail.
"""

import os
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from services.ledger.fec import DocumentKind, FecEncodingError, analyse_fec, read_fec

FEC_FIXTURES = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures" / "fec"
TAB_FILE = "0000000001FEC20220831.txt"
PIPE_FILE = "111111111FEC20221231.TXT"


@pytest.fixture(scope="module")
def fixtures_dir() -> Path:
    if not FEC_FIXTURES.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"FEC fixtures folder {FEC_FIXTURES} is missing; CI needs it next to the repository")
        pytest.skip(f"FEC fixtures folder {FEC_FIXTURES} is missing")
    return FEC_FIXTURES


@pytest.fixture(scope="module")
def tab_fec(fixtures_dir):
    return read_fec((fixtures_dir / TAB_FILE).read_bytes(), source=TAB_FILE)


@pytest.fixture(scope="module")
def pipe_fec(fixtures_dir):
    return read_fec((fixtures_dir / PIPE_FILE).read_bytes(), source=PIPE_FILE)


# Tab-separated UTF-8 file with a BOM. It has 5,423 physical lines: the header and 5,422 data lines.


def test_tab_file_format(tab_fec):
    assert len(tab_fec.lines) == 5422
    assert tab_fec.encoding == "utf-8"
    assert tab_fec.separator == "\t"
    assert tab_fec.warnings == []
    assert tab_fec.lines[0].line_number == 2
    assert tab_fec.lines[-1].line_number == 5423


def test_tab_file_strips_journal_codes(tab_fec):
    journal_codes = {line.journal_code for line in tab_fec.lines}

    assert journal_codes == {"ANO", "ACH", "CH", "CRC", "O.I", "OD", "PA", "RCH", "VEN"}


def test_tab_file_totals(tab_fec):
    analysis = analyse_fec(tab_fec)

    assert analysis.total_debit == Decimal("10186219.81")
    assert analysis.total_credit == Decimal("10186219.81")
    assert analysis.warnings == []


def test_tab_file_customers(tab_fec):
    balances = analyse_fec(tab_fec).customer_balances()

    assert len(balances) == 17
    assert balances["CPRO00"] == Decimal("27123.29")
    assert sum(balances.values()) == Decimal("52517.24")


def test_tab_file_kind_counts(tab_fec):
    analysis = analyse_fec(tab_fec)

    counts = Counter(customer_line.kind for customer_line in analysis.customer_lines)
    assert len(analysis.customer_lines) == 538
    assert counts == {
        DocumentKind.INVOICE: 391,
        DocumentKind.CREDIT_NOTE: 9,
        DocumentKind.PAYMENT: 129,
        DocumentKind.REFUND: 2,
        DocumentKind.OPENING_BALANCE: 7,
    }


def test_tab_file_credit_note_fields(tab_fec):
    analysis = analyse_fec(tab_fec)

    credit_note = next(line for line in analysis.customer_lines if line.line.line_number == 4166)
    assert credit_note.kind is DocumentKind.CREDIT_NOTE
    assert credit_note.customer_account == "CDISCO"
    assert credit_note.document_number == "AV  220002"
    assert credit_note.lettering == "AABW"
    assert credit_note.total == Decimal("3122.80")
    assert credit_note.net_total == Decimal("2960.00")
    assert credit_note.vat_total == Decimal("162.80")
    assert [row.rate for row in credit_note.vat_breakdown] == [Decimal("5.5")]


def test_tab_file_invoices_add_up(tab_fec):
    analysis = analyse_fec(tab_fec)

    documents = [line for line in analysis.customer_lines if line.kind in (DocumentKind.INVOICE, DocumentKind.CREDIT_NOTE)]
    unknown_rates = [line for line in documents if any(row.rate is None for row in line.vat_breakdown)]
    assert all(line.net_total + line.vat_total == line.total for line in documents)
    assert len(unknown_rates) == 8


# Pipe-separated file with a trailing "|", padded fields and one byte 0xF8 that is not UTF-8.


def test_pipe_file_format(pipe_fec):
    assert len(pipe_fec.lines) == 934
    assert pipe_fec.separator == "|"
    assert pipe_fec.lines[0].debit == Decimal("0.00")
    assert pipe_fec.lines[0].credit == Decimal("69.60")
    assert pipe_fec.lines[0].journal_code == "VE"


def test_pipe_file_decoded_with_warning(pipe_fec):
    decoded = next(line for line in pipe_fec.lines if line.line_number == 779)

    assert pipe_fec.encoding == "cp1252"
    assert decoded.label.startswith("CREATø MAQUETTE")
    assert len(pipe_fec.warnings) == 1
    assert "0xF8 à la ligne 779" in pipe_fec.warnings[0]
    assert "il a donc été lu en cp1252" in pipe_fec.warnings[0]


def test_pipe_file_explicit_encoding_no_warning(fixtures_dir):
    fec = read_fec((fixtures_dir / PIPE_FILE).read_bytes(), encoding="cp1252")

    assert fec.warnings == []
    assert len(fec.lines) == 934


def test_pipe_file_explicit_utf8_fails(fixtures_dir):
    data = (fixtures_dir / PIPE_FILE).read_bytes()

    with pytest.raises(FecEncodingError) as error:
        read_fec(data, encoding="utf-8")

    assert error.value.line_number == 779


def test_pipe_file_totals(pipe_fec):
    analysis = analyse_fec(pipe_fec)

    assert analysis.total_debit == Decimal("225682.23")
    assert analysis.total_credit == Decimal("225682.23")
    assert analysis.warnings == pipe_fec.warnings


def test_pipe_file_customers(pipe_fec):
    balances = analyse_fec(pipe_fec).customer_balances()

    assert len(balances) == 34
    assert sum(balances.values()) == Decimal("14416.52")


def test_pipe_file_kind_counts(pipe_fec):
    analysis = analyse_fec(pipe_fec)

    counts = Counter(customer_line.kind for customer_line in analysis.customer_lines)
    assert len(analysis.customer_lines) == 151
    assert counts == {
        DocumentKind.INVOICE: 85,
        DocumentKind.CREDIT_NOTE: 3,
        DocumentKind.PAYMENT: 46,
        DocumentKind.OPENING_BALANCE: 14,
        DocumentKind.ADJUSTMENT: 3,
    }


def test_pipe_file_lettering_stripped(pipe_fec):
    analysis = analyse_fec(pipe_fec)

    letterings = Counter(line.lettering for line in analysis.customer_lines)
    assert letterings[None] == 34
    assert letterings["A"] == 4
    assert letterings["AA"] == 68


def test_pipe_file_multi_line_invoice(pipe_fec):
    analysis = analyse_fec(pipe_fec)

    invoice = next(line for line in analysis.customer_lines if line.line.line_number == 15)
    assert invoice.kind is DocumentKind.INVOICE
    assert invoice.customer_account == "41104752"
    assert invoice.document_number == "VE  0123"
    assert invoice.total == Decimal("229.16")
    assert invoice.net_total == Decimal("217.21")
    assert invoice.vat_total == Decimal("11.95")
    assert [row.rate for row in invoice.vat_breakdown] == [Decimal("5.5")]


def test_every_customer_line_has_a_kind(tab_fec, pipe_fec):
    for fec in (tab_fec, pipe_fec):
        analysis = analyse_fec(fec)

        customer_line_count = sum(1 for line in fec.lines if line.account_number.startswith("411"))
        assert len(analysis.customer_lines) == customer_line_count
        assert all(isinstance(line.kind, DocumentKind) for line in analysis.customer_lines)
