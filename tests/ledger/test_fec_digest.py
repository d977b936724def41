"""Regression digests of what the FEC reader and analysis return for real and generated files.

The expected digests were recorded from the straightforward reader and
analysis, before they were optimised for speed. Any change to a parsed field, a
classification, a VAT breakdown, an entry or a warning changes a digest. When a
digest changes on purpose, check the difference by hand, then record the new
value from `lines_digest` or `analysis_digest`.

The files live outside the repository, in shared/fixtures/fec next to it. The
tests skip when that folder is missing, except under CI=true where they fail.
"""

import hashlib
import os
from collections.abc import Iterable
from datetime import date
from pathlib import Path

import pytest

from services.ledger.demo_data import DEMO_CREDITORS, generate_demo_fec
from services.ledger.fec import FecAnalysis, FecFile, analyse_fec, read_fec

FEC_FIXTURES = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures" / "fec"
TAB_FILE = "0000000001FEC20220831.txt"
PIPE_FILE = "111111111FEC20221231.TXT"

FILE_ENCODINGS = {TAB_FILE: ("utf-8-sig", "\t"), PIPE_FILE: ("cp1252", "|")}

# Besides the files as exported, two variants rewrite EcritureNum on every line.
# Emptying it puts each journal in one key, which exercises unreliable keys,
# the separate-operations check and documents split by PieceRef. Replacing it
# with EcritureDate groups each day's operations of a journal into one entry.
AS_EXPORTED = "as exported"
ENTRY_NUMBERS_EMPTIED = "EcritureNum emptied"
ENTRY_NUMBERS_FROM_DATES = "EcritureNum set to EcritureDate"
CASES = [
    (file_name, variant)
    for file_name in (TAB_FILE, PIPE_FILE)
    for variant in (AS_EXPORTED, ENTRY_NUMBERS_EMPTIED, ENTRY_NUMBERS_FROM_DATES)
]

EXPECTED_LINES_DIGESTS = {
    (TAB_FILE, AS_EXPORTED): "4f8c9ae79d3109bdc7817b3b45af6359a431153b1f3cbcddbe09dec96eebe0bc",
    (TAB_FILE, ENTRY_NUMBERS_EMPTIED): "7046614871c2e4f3653f3aeaf5fdb4020413dfddd098ce62140e7a53ae7d44cc",
    (TAB_FILE, ENTRY_NUMBERS_FROM_DATES): "dbdf2fa259455e36c0f309f8444d0724150f4c29ea10a94c2c2bb448af1a2fdb",
    (PIPE_FILE, AS_EXPORTED): "f3b3f9610a76a8edeb4d8180c4daec76ed784bc1348920903eaefcadde033cb6",
    (PIPE_FILE, ENTRY_NUMBERS_EMPTIED): "bae52e73f940a21839231479ed0bb7a9167a71ce9f350cd1b619a307f267b468",
    (PIPE_FILE, ENTRY_NUMBERS_FROM_DATES): "ca8d751a2599cc8054ee0ce5b814334519de50a22710c288def54767b6c3037f",
}
EXPECTED_ANALYSIS_DIGESTS = {
    (TAB_FILE, AS_EXPORTED): "395a7bcc77849e2b3e92f03d88947532e2ae6f16a1f3b812f1c42d5be39ab188",
    (TAB_FILE, ENTRY_NUMBERS_EMPTIED): "8fa8c9b78e4514a06fa57f9e5344682ee1798f25ccb4f42ec80a13ac45f26214",
    (TAB_FILE, ENTRY_NUMBERS_FROM_DATES): "852916183f8f30703e9b087bed1c331bb19fb1c953269032244c4dadcb86c1f2",
    (PIPE_FILE, AS_EXPORTED): "383eeec0fbe6d33c6ca7f48263e8084a1d97b61b8a5255ef58e0c6d1fae09670",
    (PIPE_FILE, ENTRY_NUMBERS_EMPTIED): "3ea710576dcd9cc4cfc4bc01244d002fc5f9cbbf083855cf65d7991b5a126d7b",
    (PIPE_FILE, ENTRY_NUMBERS_FROM_DATES): "7f76ebcf8bd2579feb18ed1724afaf19c64c37f1f2c012664004f88cd6264a86",
}


def _sha256_of_rows(rows: Iterable[tuple]) -> str:
    """Hash the repr of each row, one row per line, so that field order and types count."""
    digest = hashlib.sha256()
    for row in rows:
        digest.update(repr(row).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def lines_digest(fec: FecFile) -> str:
    """Compute a SHA-256 over every field of every parsed line and the file's encoding, separator, warnings and source."""
    rows: list[tuple] = [(fec.encoding, fec.separator, tuple(fec.warnings), fec.source)]
    for line in fec.lines:
        rows.append(
            (
                line.line_number,
                line.journal_code,
                line.journal_label,
                line.entry_number,
                line.entry_date,
                line.account_number,
                line.account_label,
                line.aux_account,
                line.aux_label,
                line.piece_ref,
                line.piece_date,
                line.label,
                line.debit,
                line.credit,
                line.lettering,
                line.lettering_date,
                line.validation_date,
                line.currency_amount,
                line.currency,
            )
        )
    return _sha256_of_rows(rows)


def analysis_digest(analysis: FecAnalysis) -> str:
    """Compute a SHA-256 over the totals, warnings, entries and every field of every classified customer line."""
    rows: list[tuple] = [(analysis.total_debit, analysis.total_credit, tuple(analysis.warnings))]
    for entry in analysis.entries:
        rows.append(("entry", entry.key, entry.line_numbers, entry.is_reliable))
    for customer_line in analysis.customer_lines:
        rows.append(
            (
                "customer line",
                customer_line.line.line_number,
                customer_line.kind.value,
                customer_line.customer_account,
                customer_line.customer_label,
                customer_line.document_number,
                customer_line.document_date,
                customer_line.debit,
                customer_line.credit,
                customer_line.total,
                customer_line.net_total,
                customer_line.vat_total,
                customer_line.lettering,
                customer_line.lettering_date,
                customer_line.entry_key,
                tuple((row.rate, row.base, row.vat) for row in customer_line.vat_breakdown),
            )
        )
    return _sha256_of_rows(rows)


def read_case(fixtures_dir: Path, file_name: str, variant: str) -> FecFile:
    """Read one of the real files, as exported or with EcritureNum rewritten as `variant` names."""
    data = (fixtures_dir / file_name).read_bytes()
    if variant != AS_EXPORTED:
        encoding, separator = FILE_ENCODINGS[file_name]
        header, *data_lines = data.decode(encoding).splitlines()
        rewritten = [header]
        for data_line in data_lines:
            fields = data_line.split(separator)
            fields[2] = "" if variant == ENTRY_NUMBERS_EMPTIED else fields[3]
            rewritten.append(separator.join(fields))
        data = "\n".join(rewritten).encode(encoding)
    return read_fec(data, source=file_name)


@pytest.fixture(scope="module")
def fixtures_dir() -> Path:
    if not FEC_FIXTURES.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"FEC fixtures folder {FEC_FIXTURES} is missing; CI needs it next to the repository")
        pytest.skip(f"FEC fixtures folder {FEC_FIXTURES} is missing")
    return FEC_FIXTURES


@pytest.mark.parametrize(("file_name", "variant"), CASES)
def test_parsed_lines_unchanged(fixtures_dir, file_name, variant):
    fec = read_case(fixtures_dir, file_name, variant)

    assert lines_digest(fec) == EXPECTED_LINES_DIGESTS[file_name, variant]


@pytest.mark.parametrize(("file_name", "variant"), CASES)
def test_analysis_unchanged(fixtures_dir, file_name, variant):
    fec = read_case(fixtures_dir, file_name, variant)

    assert analysis_digest(analyse_fec(fec)) == EXPECTED_ANALYSIS_DIGESTS[file_name, variant]


# Files with repeated documents: the tab file three times over with renamed
# keys, as the benchmarks build it, and the demo FEC of each creditor.
EXPECTED_SCALED_DIGESTS = (
    "22373b6ecf2f5ad812143d35d3909e88bdc2db50c289c8e9913bfa237268bd25",
    "0612f50581099be29560ebed6ab2364311eb3f732d745d6e0ebed6717a999741",
)
EXPECTED_DEMO_DIGESTS = {
    "pressimmo": (
        "13702eec5b343f14966c854f7d266d04ab466e1df6432a824939899a50852e4d",
        "eaf5fb77764ef37351a24c25ec7465e6e943d3815988003a949e9268c01466c6",
    ),
    "belles-demeures": (
        "dc1140bc73e89b19b1ef9c03f8ad04628faf6b985949a5e931e6852c7c592443",
        "205392f1ba5039c508f00006f1db20b944ab7725e698cf99c81740985d138929",
    ),
    "poliris": (
        "5ea6ec5942dff05324392741b8207a1adf7b5b1c6933bec849d26b0bf09c9ef8",
        "1f50bceedec8ccfc76c436ae20c66090d3aa617bfd8251990b1ac7326be61709",
    ),
}


def repeated_tab_file(data: bytes, copies: int) -> bytes:
    """Repeat the data lines of a tab-separated UTF-8 FEC, prefixing EcritureNum and suffixing CompAuxNum per copy."""
    header, *data_lines = data.decode("utf-8-sig").splitlines()
    output = [header]
    for copy in range(copies):
        for data_line in data_lines:
            fields = data_line.split("\t")
            fields[2] = f"{copy}-{fields[2]}"
            if fields[6]:
                fields[6] = f"{fields[6]}{copy:03d}"
            output.append("\t".join(fields))
    return ("\r\n".join(output) + "\r\n").encode()


def test_repeated_file_unchanged(fixtures_dir):
    fec = read_fec(repeated_tab_file((fixtures_dir / TAB_FILE).read_bytes(), 3), source="x3")

    assert lines_digest(fec) == EXPECTED_SCALED_DIGESTS[0]
    assert analysis_digest(analyse_fec(fec)) == EXPECTED_SCALED_DIGESTS[1]


@pytest.mark.parametrize("creditor", DEMO_CREDITORS, ids=[creditor.slug for creditor in DEMO_CREDITORS])
def test_demo_file_unchanged(creditor):
    data = generate_demo_fec(creditor, end_date=date(2026, 7, 31), seed=1)
    fec = read_fec(data, source=creditor.slug)

    assert lines_digest(fec) == EXPECTED_DEMO_DIGESTS[creditor.slug][0]
    assert analysis_digest(analyse_fec(fec)) == EXPECTED_DEMO_DIGESTS[creditor.slug][1]
