"""Control characters inside FEC fields: replaced with a space in labels, rejected in every other column."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.ledger.fec import FecValueError, read_fec
from services.ledger.fec.controls import may_contain_controls
from services.ledger.fec.header import parse_header
from tests.conftest import fixture_path
from tests.ledger.test_fec_reader import COLUMNS, HEADER, INVOICE_LINES, tab_file, with_field

# One character of each class, with the way messages name it.
CONTROLS = {
    "\r": "U+000D (retour chariot)",
    "\x0c": "U+000C (saut de page)",
    "\x0b": "U+000B (tabulation verticale)",
    "\x01": "U+0001 (contrôle C0)",
    "\x1b": "U+001B (échappement)",
    "\x7f": "U+007F (suppression)",
    "\x85": "U+0085 (passage à la ligne suivante)",
    "\x9f": "U+009F (contrôle C1)",
    "\u2028": "U+2028 (séparateur de ligne)",
    "\u202e": "U+202E (contrôle d’écriture bidirectionnelle)",
}
LABELS = {
    "JournalLib": "journal_label",
    "CompteLib": "account_label",
    "CompAuxLib": "aux_label",
    "EcritureLib": "label",
}
# Columns whose value the ledger matches on, with a valid value that contains the character.
CODES = {
    "JournalCode": "V{}E",
    "EcritureNum": "1{}2",
    "CompteNum": "411{}000",
    "CompAuxNum": "C00{}101",
    "PieceRef": "FA{}1",
    "EcritureLet": "A{}A",
    "Idevise": "E{}UR",
    "Debit": "120{},00",
    "EcritureDate": "2024{}0131",
}
REPLACED_TEMPLATE = (
    "f.txt\u00a0: les libellés de la ligne 2 contenaient le caractère de contrôle {name}, remplacé par une espace"
    "\u202f; corrigez ces libellés dans la comptabilité si le texte importé ne convient pas"
)
LONE_CR_FAULT = (
    "la ligne contient un retour chariot (CR) seul, sans saut de ligne (LF) après lui, alors que les"
    " lignes du fichier se terminent par LF\u202f; exportez de nouveau le fichier, ou enregistrez-le avec"
    " une seule sorte de fin de ligne (LF ou CR LF)"
)
# Every control character, and every run of CRs that no LF ends, searched for in the whole text.
FULL_CONTROL_SEARCH = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]|\r+(?![\r\n])"
)


def both_parsers(data: bytes, **options):
    """Read `data` through the column parser, then through the line parser (a blank line forces it)."""
    by_columns = read_fec(data, source="f.txt", **options)
    by_lines = read_fec(data + b"\n\n", source="f.txt", **options)
    return by_columns, by_lines


@pytest.mark.parametrize("character", list(CONTROLS))
@pytest.mark.parametrize("column", list(LABELS))
def test_label_control_becomes_space(column, character):
    line = with_field(INVOICE_LINES[0], column, f"Agence{character}du Parc")

    by_columns, by_lines = both_parsers(tab_file(line, *INVOICE_LINES[1:]))

    assert getattr(by_columns.lines[0], LABELS[column]) == "Agence du Parc"
    assert by_columns.lines == by_lines.lines
    assert by_columns.warnings == [REPLACED_TEMPLATE.format(name=CONTROLS[character])]
    assert by_lines.warnings == by_columns.warnings


def test_pipe_file_label_control_run():
    pipe_lines = [line.replace("\t", "|") for line in INVOICE_LINES]
    fields = pipe_lines[0].split("|")
    fields[COLUMNS.index("EcritureLib")] = "Abonnement\t\x0c janvier"
    data = tab_file("|".join(fields), *pipe_lines[1:], header=HEADER.replace("\t", "|"))

    fec = read_fec(data, source="f.txt")

    assert fec.lines[0].label == "Abonnement  janvier"
    assert "U+0009 (tabulation) et U+000C (saut de page), remplacés par une espace" in fec.warnings[0]


def test_label_controls_warning_names_each_line():
    lines = [with_field(line, "EcritureLib", "Abonnement\x0bjanvier") for line in INVOICE_LINES]

    fec = read_fec(tab_file(*lines), source="f.txt")

    assert [line.label for line in fec.lines] == ["Abonnement janvier"] * 3
    assert fec.warnings[0].startswith("f.txt\u00a0: les libellés des lignes 2, 3 et 4 contenaient")


@pytest.mark.parametrize("character", list(CONTROLS))
@pytest.mark.parametrize("column", list(CODES))
def test_code_control_is_rejected(column, character):
    value = CODES[column].format(character)
    line = with_field(INVOICE_LINES[0], column, value)

    with pytest.raises(FecValueError) as error:
        read_fec(tab_file(line, *INVOICE_LINES[1:]), source="f.txt")

    visible_value = value.replace(character, f"[U+{ord(character):04X}]")
    if character == "\r":
        fault = LONE_CR_FAULT
    else:
        fault = (
            f"«\u00a0{visible_value}\u00a0» contient le caractère de contrôle {CONTROLS[character]}\u202f; retirez-le de ce"
            " champ dans la comptabilité, puis exportez de nouveau le fichier"
        )
    assert str(error.value) == f"f.txt, ligne 2, colonne {column}\u00a0: {fault}"
    assert error.value.line_number == 2
    assert error.value.column == column
    assert error.value.value == value


@pytest.mark.parametrize("column", ["EcritureLib", "PieceRef"])
def test_nul_is_rejected_in_every_column(column):
    line = with_field(INVOICE_LINES[0], column, "FA\x001")

    with pytest.raises(FecValueError) as error:
        read_fec(tab_file(line, *INVOICE_LINES[1:]), source="f.txt", encoding="utf-8")

    assert str(error.value).startswith(
        f"f.txt, ligne 2, colonne {column}\u00a0: «\u00a0FA[U+0000]1\u00a0» contient un caractère nul (U+0000)"
    )
    assert "le fichier est sans doute binaire ou dans un autre encodage que celui indiqué" in str(error.value)
    assert error.value.value == "FA\x001"


def test_nul_in_utf16_file_is_rejected():
    line = with_field(INVOICE_LINES[0], "EcritureLib", "A\x00B")

    with pytest.raises(FecValueError) as error:
        read_fec(tab_file(line).decode().encode("utf-16"), source="f.txt")

    assert error.value.column == "EcritureLib"


@pytest.mark.parametrize("value", ["FA\u00a01", "FA\u200b1"])
def test_printable_spaces_are_kept(value):
    line = with_field(with_field(INVOICE_LINES[0], "PieceRef", value), "EcritureLib", value)

    by_columns, by_lines = both_parsers(tab_file(line, *INVOICE_LINES[1:]))

    assert by_columns.lines[0].piece_ref == value
    assert by_columns.lines[0].label == value
    assert by_columns.warnings == []
    assert by_lines.lines == by_columns.lines


def test_control_at_field_end_is_stripped_as_before():
    line = with_field(INVOICE_LINES[0], "PieceRef", "\x0bFA1\x0c")

    fec = read_fec(tab_file(line, *INVOICE_LINES[1:]))

    assert fec.lines[0].piece_ref == "FA1"
    assert fec.warnings == []


def test_wrong_field_count_is_reported_before_control():
    line = with_field(INVOICE_LINES[0], "PieceRef", "FA\x0c1") + "\tdébordement"

    with pytest.raises(FecValueError) as error:
        read_fec(tab_file(line), source="f.txt")

    assert "19 champs séparés par des tabulations" in str(error.value)


def test_cp1252_file_label_control_is_replaced():
    line = with_field(INVOICE_LINES[0], "EcritureLib", "Été\x0bjanvier")

    fec = read_fec(tab_file(line).decode().encode("cp1252"), source="f.txt")

    assert fec.lines[0].label == "Été janvier"
    assert len(fec.warnings) == 2


@pytest.mark.parametrize("name", ["0000000001FEC20220831.txt", "111111111FEC20221231.TXT"])
def test_real_files_have_no_control(name):
    data = fixture_path("fec", name).read_bytes()
    fec = read_fec(data)
    text = data.decode(fec.encoding)
    header = parse_header(text.splitlines()[0].lstrip("\ufeff"), 1, name)

    assert not may_contain_controls(data, text, fec.encoding, header.separator)
    assert FULL_CONTROL_SEARCH.search(text) is None


_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\n"), max_size=30)


@settings(max_examples=300, deadline=None)
@given(value=_TEXT, encoding=st.sampled_from(["utf-8", "utf-16", "cp1252", "iso8859-15"]))
def test_quick_check_never_misses_a_control(value, encoding):
    text = HEADER + "\n" + value + "\n"
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        return

    found = FULL_CONTROL_SEARCH.search(text) is not None

    if found:
        assert may_contain_controls(data, text, encoding, "\t")


def test_long_code_error_shows_control_in_context():
    value = "A" * 5000 + "\x0c" + "B" * 5000
    line = with_field(INVOICE_LINES[0], "PieceRef", value)

    with pytest.raises(FecValueError) as error:
        read_fec(tab_file(line, *INVOICE_LINES[1:]), source="f.txt")

    expected_excerpt = "…" + "A" * 30 + "[U+000C]" + "B" * 30 + "…"
    assert f"«\u00a0{expected_excerpt}\u00a0» contient le caractère de contrôle U+000C" in str(error.value)
    assert error.value.value == value


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r\r\n"])
def test_quick_check_passes_line_breaks(newline):
    data = tab_file(*INVOICE_LINES, newline=newline)
    text = data.decode()

    assert not may_contain_controls(data, text, "utf-8", "\t")


def test_quick_check_finds_cr_run_inside_line():
    data = tab_file(with_field(INVOICE_LINES[0], "EcritureLib", "A\r\rB"), newline="\r\n")

    assert may_contain_controls(data, data.decode(), "utf-8", "\t")


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_label_controls_on_separate_lines(newline):
    lines = [
        with_field(INVOICE_LINES[0], "EcritureLib", "Abonnement\x0bjanvier"),
        INVOICE_LINES[1],
        with_field(INVOICE_LINES[2], "CompteLib", "TVA\u2028collectée"),
    ]

    fec = read_fec(tab_file(*lines, newline=newline), source="f.txt")

    assert fec.lines[0].label == "Abonnement janvier"
    assert fec.lines[1] == read_fec(tab_file(*INVOICE_LINES)).lines[1]
    assert fec.lines[2].account_label == "TVA collectée"
    assert fec.warnings[0].startswith("f.txt\u00a0: les libellés des lignes 2 et 4 contenaient les caractères")
