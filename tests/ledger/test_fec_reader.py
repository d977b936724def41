"""Tests of `read_fec` on crafted FEC bytes: every quirk of real exports and every kind of error."""

import gzip
import io
import zipfile
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from services.ledger.fec import FecEncodingError, FecHeaderError, FecValueError, format_fec, read_fec

COLUMNS = (
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
HEADER = "\t".join(COLUMNS)
INVOICE_LINES = (
    "VE\tVentes\t1\t20240131\t411000\tClients\tC00101\tAgence du Parc\tFA2024-000001\t20240131"
    "\tAbonnement janvier\t120,00\t0,00\tAA\t20240215\t20240131\t\t",
    "VE\tVentes\t1\t20240131\t706100\tPrestations\t\t\tFA2024-000001\t20240131"
    "\tAbonnement janvier\t0,00\t100,00\t\t\t20240131\t\t",
    "VE\tVentes\t1\t20240131\t445710\tTVA collectée\t\t\tFA2024-000001\t20240131"
    "\tAbonnement janvier\t0,00\t20,00\t\t\t20240131\t\t",
)


def tab_file(*lines: str, newline: str = "\n", header: str = HEADER, final_newline: bool = True) -> bytes:
    text = newline.join((header, *lines))
    if final_newline:
        text += newline
    return text.encode("utf-8")


def with_field(line: str, column: str, value: str) -> str:
    fields = line.split("\t")
    fields[COLUMNS.index(column)] = value
    return "\t".join(fields)


# Well-formed inputs


def test_read_fec_parses_every_field():
    fec = read_fec(tab_file(*INVOICE_LINES), source="demo.txt")

    line = fec.lines[0]
    assert fec.encoding == "utf-8"
    assert fec.separator == "\t"
    assert fec.warnings == []
    assert fec.source == "demo.txt"
    assert line.line_number == 2
    assert line.journal_code == "VE"
    assert line.journal_label == "Ventes"
    assert line.entry_number == "1"
    assert line.entry_date == date(2024, 1, 31)
    assert line.account_number == "411000"
    assert line.account_label == "Clients"
    assert line.aux_account == "C00101"
    assert line.aux_label == "Agence du Parc"
    assert line.piece_ref == "FA2024-000001"
    assert line.piece_date == date(2024, 1, 31)
    assert line.label == "Abonnement janvier"
    assert line.debit == Decimal("120.00")
    assert line.credit == Decimal("0.00")
    assert line.lettering == "AA"
    assert line.lettering_date == date(2024, 2, 15)
    assert line.validation_date == date(2024, 1, 31)
    assert line.currency_amount is None
    assert line.currency is None


def test_read_fec_empty_optional_fields_are_none():
    fec = read_fec(tab_file(*INVOICE_LINES))

    line = fec.lines[1]
    assert line.aux_account is None
    assert line.aux_label is None
    assert line.lettering is None
    assert line.lettering_date is None


def test_read_fec_pipe_with_trailing_separator():
    header = "|".join(COLUMNS) + "|"
    lines = [line.replace("\t", "|") + "|" for line in INVOICE_LINES]
    data = ("\n".join([header, *lines]) + "\n").encode()

    fec = read_fec(data)

    assert fec.separator == "|"
    assert len(fec.lines) == 3
    assert fec.lines[0].currency is None
    assert fec.lines[2].credit == Decimal("20.00")


def test_read_fec_trailing_separator_on_data_lines_only():
    data = tab_file(*(line + "\t" for line in INVOICE_LINES))

    fec = read_fec(data)

    assert len(fec.lines) == 3


def test_read_fec_trailing_separator_on_header_only():
    data = tab_file(*INVOICE_LINES, header=HEADER + "\t")

    fec = read_fec(data)

    assert len(fec.lines) == 3


def test_read_fec_strips_padded_fields():
    padded = "\t".join(field + "   " if field else "   " for field in INVOICE_LINES[0].split("\t"))

    fec = read_fec(tab_file(padded))

    line = fec.lines[0]
    assert line.journal_code == "VE"
    assert line.aux_account == "C00101"
    assert line.label == "Abonnement janvier"
    assert line.debit == Decimal("120.00")
    assert line.lettering == "AA"
    assert line.currency is None


def test_read_fec_keeps_inner_spaces_of_piece_ref():
    line = with_field(INVOICE_LINES[0], "PieceRef", "FA  220001 ")

    fec = read_fec(tab_file(line))

    assert fec.lines[0].piece_ref == "FA  220001"


def test_read_fec_zero_padded_amounts():
    line = with_field(INVOICE_LINES[0], "Debit", "0000000074,70")
    line = with_field(line, "Credit", "0000000000,00")

    fec = read_fec(tab_file(line))

    assert fec.lines[0].debit == Decimal("74.70")
    assert fec.lines[0].credit == Decimal("0.00")


def test_read_fec_empty_amounts_are_zero():
    line = with_field(INVOICE_LINES[0], "Credit", "")
    line = with_field(line, "Debit", "  ")

    fec = read_fec(tab_file(line))

    assert fec.lines[0].debit == Decimal("0.00")
    assert fec.lines[0].credit == Decimal("0.00")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1234,56", Decimal("1234.56")),
        ("1234.56", Decimal("1234.56")),
        ("-15,20", Decimal("-15.20")),
        ("+15,20", Decimal("15.20")),
        ("12", Decimal("12.00")),
        ("12,5", Decimal("12.50")),
        ("12,500", Decimal("12.50")),
        (",5", Decimal("0.50")),
        ("-0,00", Decimal("0.00")),
    ],
)
def test_read_fec_amount_forms(raw, expected):
    line = with_field(INVOICE_LINES[0], "Debit", raw)

    amount = read_fec(tab_file(line)).lines[0].debit

    assert amount == expected
    assert amount.as_tuple().exponent == -2


def test_read_fec_negative_zero_prints_as_zero():
    line = with_field(INVOICE_LINES[0], "Debit", "-0,00")

    amount = read_fec(tab_file(line)).lines[0].debit

    assert str(amount) == "0.00"


def test_read_fec_iso_dates():
    line = with_field(INVOICE_LINES[0], "EcritureDate", "2024-01-31")
    line = with_field(line, "DateLet", "2024-02-15")

    fec = read_fec(tab_file(line))

    assert fec.lines[0].entry_date == date(2024, 1, 31)
    assert fec.lines[0].lettering_date == date(2024, 2, 15)


def test_read_fec_crlf_line_ends():
    fec = read_fec(tab_file(*INVOICE_LINES, newline="\r\n"))

    assert [line.line_number for line in fec.lines] == [2, 3, 4]
    assert fec.lines[0].currency is None
    assert fec.lines[2].credit == Decimal("20.00")


def test_read_fec_cr_cr_lf_line_ends():
    fec = read_fec(tab_file(*INVOICE_LINES, newline="\r\r\n"))

    assert [line.line_number for line in fec.lines] == [2, 3, 4]
    assert fec.lines[0].currency is None
    assert fec.lines[2].credit == Decimal("20.00")


def test_read_fec_cr_only_line_ends():
    fec = read_fec(tab_file(*INVOICE_LINES, newline="\r"))

    assert [line.line_number for line in fec.lines] == [2, 3, 4]


def test_read_fec_without_final_newline():
    fec = read_fec(tab_file(*INVOICE_LINES, final_newline=False))

    assert len(fec.lines) == 3
    assert fec.lines[2].credit == Decimal("20.00")


def test_read_fec_skips_blank_lines_keeps_numbers():
    data = tab_file(INVOICE_LINES[0], "", "   ", INVOICE_LINES[1], INVOICE_LINES[2], "")

    fec = read_fec(data)

    assert [line.line_number for line in fec.lines] == [2, 5, 6]


def test_read_fec_utf8_with_bom():
    data = b"\xef\xbb\xbf" + tab_file(*INVOICE_LINES)

    fec = read_fec(data)

    assert fec.encoding == "utf-8"
    assert fec.warnings == []
    assert fec.lines[0].journal_code == "VE"
    assert fec.lines[2].account_label == "TVA collectée"


def test_read_fec_utf8_with_bom_and_explicit_encoding():
    data = b"\xef\xbb\xbf" + tab_file(*INVOICE_LINES)

    fec = read_fec(data, encoding="utf-8")

    assert len(fec.lines) == 3
    assert fec.lines[0].journal_code == "VE"


def test_read_fec_header_case_insensitive():
    header = HEADER.replace("Montantdevise", "MontantDevise").replace("JournalCode", "JOURNALCODE")

    fec = read_fec(tab_file(*INVOICE_LINES, header=header))

    assert len(fec.lines) == 3


def test_read_fec_columns_found_by_name():
    order = [COLUMNS.index(name) for name in reversed(COLUMNS)]
    header = "\t".join(COLUMNS[index] for index in order)
    line = "\t".join(INVOICE_LINES[0].split("\t")[index] for index in order)

    fec = read_fec(tab_file(line, header=header))

    assert fec.lines[0].journal_code == "VE"
    assert fec.lines[0].debit == Decimal("120.00")
    assert fec.lines[0].aux_label == "Agence du Parc"


def test_read_fec_ignores_extra_columns():
    header = HEADER + "\tDateRglt\tModeRglt"
    lines = [line + "\t20240215\tVIR" for line in INVOICE_LINES]

    fec = read_fec(tab_file(*lines, header=header))

    assert len(fec.lines) == 3
    assert fec.lines[0].currency is None


def test_read_fec_currency_fields():
    line = with_field(INVOICE_LINES[0], "Montantdevise", "130,40")
    line = with_field(line, "Idevise", "USD")

    fec = read_fec(tab_file(line))

    assert fec.lines[0].currency_amount == Decimal("130.40")
    assert fec.lines[0].currency == "USD"


@pytest.mark.parametrize(("sign", "debit", "credit"), [("D", "120.00", "0.00"), ("C", "0.00", "120.00"), ("+1", "120.00", "0.00"), ("-1", "0.00", "120.00"), ("d", "120.00", "0.00")])
def test_read_fec_montant_sens_variant(sign, debit, credit):
    header = HEADER.replace("Debit\tCredit", "Montant\tSens")
    line = with_field(with_field(INVOICE_LINES[0], "Debit", "120,00"), "Credit", sign)

    fec = read_fec(tab_file(line, header=header))

    assert fec.lines[0].debit == Decimal(debit)
    assert fec.lines[0].credit == Decimal(credit)


def test_read_fec_detects_cp1252_with_warning():
    text = tab_file(with_field(INVOICE_LINES[0], "EcritureLib", "Frais d’agence é")).decode()
    data = text.encode("cp1252")

    fec = read_fec(data, source="agence.txt")

    assert fec.encoding == "cp1252"
    assert fec.lines[0].label == "Frais d’agence é"
    assert len(fec.warnings) == 1
    assert "agence.txt" in fec.warnings[0]
    assert "cp1252" in fec.warnings[0]
    assert "à la ligne 2" in fec.warnings[0]
    assert "(option --encoding en ligne de commande, paramètre ?encoding= par HTTP)" in fec.warnings[0]


def test_read_fec_detects_iso_8859_15():
    text = tab_file(with_field(INVOICE_LINES[0], "EcritureLib", "Remise 10 € œuvre")).decode()
    data = text.encode("iso-8859-15")

    fec = read_fec(data)

    assert fec.encoding == "iso8859-15"
    assert fec.lines[0].label == "Remise 10 € œuvre"
    assert "iso8859-15" in fec.warnings[0]


def test_read_fec_explicit_code_page_has_no_warning():
    data = tab_file(with_field(INVOICE_LINES[0], "EcritureLib", "Créé")).decode().encode("cp1252")

    fec = read_fec(data, encoding="cp1252")

    assert fec.encoding == "cp1252"
    assert fec.warnings == []
    assert fec.lines[0].label == "Créé"


# Errors


def test_read_fec_header_without_separator():
    data = b"JournalCode;JournalLib;EcritureNum\nVE;Ventes;1\n"

    with pytest.raises(FecHeaderError) as error:
        read_fec(data, source="bad.csv")

    assert error.value.line_number == 1
    assert "bad.csv" in str(error.value)
    assert "ni tabulation ni «\u00a0|\u00a0»" in str(error.value)


def test_read_fec_missing_column_named():
    header = HEADER.replace("\tCompAuxNum", "")
    lines = ["\t".join(field for index, field in enumerate(line.split("\t")) if index != 6) for line in INVOICE_LINES]

    with pytest.raises(FecHeaderError) as error:
        read_fec(tab_file(*lines, header=header))

    assert error.value.column == "CompAuxNum"
    assert "il manque la colonne CompAuxNum" in str(error.value)


def test_read_fec_missing_debit_credit_named():
    header = HEADER.replace("Debit\tCredit", "Montant\tSomething")

    with pytest.raises(FecHeaderError) as error:
        read_fec(tab_file(*INVOICE_LINES, header=header))

    assert error.value.column == "Sens"


def test_read_fec_duplicate_column():
    header = HEADER.replace("Idevise", "journalcode")

    with pytest.raises(FecHeaderError) as error:
        read_fec(tab_file(*INVOICE_LINES, header=header))

    assert error.value.column == "journalcode"
    assert "figure deux fois" in str(error.value)


def test_read_fec_empty_file():
    with pytest.raises(FecHeaderError) as error:
        read_fec(b"\r\n\r\n", source="empty.txt")

    assert "empty.txt\u00a0: le fichier est vide" in str(error.value)


def test_read_fec_bad_amount_message():
    lines = [*INVOICE_LINES[:2], with_field(INVOICE_LINES[2], "Debit", "12,3,4")]

    with pytest.raises(FecValueError) as error:
        read_fec(tab_file(*lines), source="f.txt")

    assert str(error.value) == (
        "f.txt, ligne 4, colonne Debit\u00a0: «\u00a012,3,4\u00a0» n’est pas un montant"
        " (attendu\u00a0: des chiffres avec une virgule décimale, par exemple 1234,56)"
    )
    assert error.value.line_number == 4
    assert error.value.column == "Debit"
    assert error.value.value == "12,3,4"


@pytest.mark.parametrize("raw", ["1.234,56", "1 234,56", "12e3", "NaN", "abc", "-", "١٢"])
def test_read_fec_rejects_amount(raw):
    line = with_field(INVOICE_LINES[0], "Credit", raw)

    with pytest.raises(FecValueError) as error:
        read_fec(tab_file(line))

    assert error.value.column == "Credit"
    assert error.value.value == raw
    assert "n’est pas un montant" in str(error.value)


def test_read_fec_rejects_thousands_separator():
    line = with_field(INVOICE_LINES[0], "Debit", "1.234,56")

    with pytest.raises(FecValueError) as error:
        read_fec(tab_file(line))

    assert "sans séparateur de milliers" in str(error.value)


def test_read_fec_rejects_sub_cent_amount():
    line = with_field(INVOICE_LINES[0], "Debit", "10,005")

    with pytest.raises(FecValueError) as error:
        read_fec(tab_file(line))

    assert "a plus de deux décimales" in str(error.value)


@pytest.mark.parametrize(
    ("column", "raw"),
    [("EcritureDate", "31/01/2024"), ("EcritureDate", "20240230"), ("EcritureDate", ""), ("PieceDate", "2024013"), ("DateLet", "x"), ("ValidDate", "2024-13-01")],
)
def test_read_fec_rejects_date(column, raw):
    line = with_field(INVOICE_LINES[0], column, raw)

    with pytest.raises(FecValueError) as error:
        read_fec(tab_file(line))

    assert error.value.column == column
    assert error.value.value == raw
    assert error.value.line_number == 2
    assert "n’est pas une date (attendu\u00a0: AAAAMMJJ" in str(error.value)


@pytest.mark.parametrize("column", ["JournalCode", "CompteNum"])
def test_read_fec_rejects_empty_required_field(column):
    line = with_field(INVOICE_LINES[0], column, " ")

    with pytest.raises(FecValueError) as error:
        read_fec(tab_file(line))

    assert error.value.column == column
    assert "le champ est vide (attendu\u00a0:" in str(error.value)


def test_read_fec_rejects_bad_sens():
    header = HEADER.replace("Debit\tCredit", "Montant\tSens")
    line = with_field(INVOICE_LINES[0], "Credit", "X")

    with pytest.raises(FecValueError) as error:
        read_fec(tab_file(line, header=header))

    assert error.value.column == "Sens"
    assert "n’est pas un sens" in str(error.value)


def test_read_fec_rejects_short_line():
    short = INVOICE_LINES[1].rsplit("\t", 3)[0]

    with pytest.raises(FecValueError) as error:
        read_fec(tab_file(INVOICE_LINES[0], short))

    assert error.value.line_number == 3
    assert "15 champs" in str(error.value)
    assert "l’en-tête en compte 18" in str(error.value)


def test_read_fec_short_line_of_one_field():
    with pytest.raises(FecValueError) as error:
        read_fec(tab_file(INVOICE_LINES[0], "Abonnement"), source="f.txt")

    assert str(error.value) == (
        "f.txt, ligne 3\u00a0: 1 champ séparé par des tabulations, alors que l’en-tête en compte 18\u202f;"
        " vérifiez qu’aucun champ ne manque et qu’aucune valeur ne contient le séparateur"
    )


def test_read_fec_rejects_extra_values():
    with pytest.raises(FecValueError) as error:
        read_fec(tab_file(INVOICE_LINES[0] + "\tsurplus"))

    assert error.value.line_number == 2
    assert "19 champs" in str(error.value)


LONE_CR_FAULT = (
    "la ligne contient un retour chariot (CR) seul, sans saut de ligne (LF) après lui, alors que les"
    " lignes du fichier se terminent par LF\u202f; exportez de nouveau le fichier, ou enregistrez-le avec"
    " une seule sorte de fin de ligne (LF ou CR LF)"
)


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_read_fec_lone_cr_in_data_line(newline):
    # Two lines joined by a CR alone read as one line of 35 fields.
    data = tab_file(INVOICE_LINES[0], INVOICE_LINES[1] + "\r" + INVOICE_LINES[2], newline=newline)

    with pytest.raises(FecValueError) as error:
        read_fec(data, source="f.txt")

    assert str(error.value) == f"f.txt, ligne 3\u00a0: {LONE_CR_FAULT}"
    assert error.value.line_number == 3


def test_read_fec_lone_cr_splitting_a_value():
    # A CR alone inside the entry number leaves 17 fields, one fewer than the header.
    line = INVOICE_LINES[1].replace("\t1\t", "\t1\r", 1)

    with pytest.raises(FecValueError) as error:
        read_fec(tab_file(INVOICE_LINES[0], line), source="f.txt")

    assert str(error.value) == f"f.txt, ligne 3\u00a0: {LONE_CR_FAULT}"
    assert error.value.line_number == 3


def test_read_fec_lone_cr_in_bad_value():
    line = with_field(INVOICE_LINES[0], "EcritureDate", "2024\r0131")

    with pytest.raises(FecValueError) as error:
        read_fec(tab_file(line), source="f.txt")

    assert str(error.value) == f"f.txt, ligne 2, colonne EcritureDate\u00a0: {LONE_CR_FAULT}"
    assert error.value.line_number == 2
    assert error.value.column == "EcritureDate"
    assert error.value.value == "2024\r0131"


@pytest.mark.parametrize("header", [HEADER + "\r", HEADER + "\t\r"])
def test_read_fec_lone_cr_after_header(header):
    # The header then swallows the first data line.
    text = header + INVOICE_LINES[0] + "\n" + "\n".join(INVOICE_LINES[1:]) + "\n"

    with pytest.raises(FecHeaderError) as error:
        read_fec(text.encode(), source="f.txt")

    assert str(error.value) == f"f.txt, ligne 1\u00a0: {LONE_CR_FAULT}"
    assert error.value.line_number == 1


def test_read_fec_replaces_cr_inside_label():
    # A CR inside a label leaves the field count right. It becomes a space,
    # because the invoice PDF and its Factur-X XML reject control characters.
    line = with_field(INVOICE_LINES[0], "EcritureLib", "Abonnement\rjanvier")

    fec = read_fec(tab_file(line))

    assert fec.lines[0].label == "Abonnement janvier"
    assert "U+000D (retour chariot), remplacé par une espace" in fec.warnings[0]


def test_read_fec_explicit_wrong_encoding():
    data = tab_file(*INVOICE_LINES).decode().encode("cp1252")

    with pytest.raises(FecEncodingError) as error:
        read_fec(data, encoding="utf-8")

    assert error.value.line_number == 4
    assert error.value.value == "0xE9"
    assert "n’est pas valide en utf-8" in str(error.value)
    assert "(option --encoding en ligne de commande, paramètre ?encoding= par HTTP)" in str(error.value)


def test_read_fec_unknown_encoding():
    with pytest.raises(FecEncodingError) as error:
        read_fec(tab_file(*INVOICE_LINES), encoding="latin-42")

    assert "encodage inconnu «\u00a0latin-42\u00a0»" in str(error.value)
    assert "corrigez le paramètre d’encodage de la demande" in str(error.value)


@pytest.mark.parametrize("encoding", ["rot13", "base64", "hex", "zlib", "bz2", "uu", "quopri"])
def test_read_fec_rejects_non_text_encoding(encoding):
    with pytest.raises(FecEncodingError) as error:
        read_fec(tab_file(*INVOICE_LINES), encoding=encoding, source="f.txt")

    assert error.value.value == encoding
    assert str(error.value).startswith(
        f"f.txt\u00a0: «\u00a0{encoding}\u00a0» n’est pas un encodage de caractères\u202f;"
    )
    assert "corrigez le paramètre d’encodage de la demande" in str(error.value)
    assert "avec un nom comme utf-8, cp1252, cp850 ou iso-8859-15" in str(error.value)


@pytest.mark.parametrize("encoding", ["punycode", "undefined"])
def test_read_fec_rejects_encoding_that_fails(encoding):
    # The first line is ASCII, which these codecs reject without naming a byte.
    with pytest.raises(FecEncodingError) as error:
        read_fec(tab_file(INVOICE_LINES[0]), encoding=encoding, source="f.txt")

    assert error.value.value == encoding
    assert str(error.value).startswith(f"f.txt\u00a0: le fichier ne peut pas être lu en {encoding}\u202f;")
    assert "par exemple cp1252 ou cp850, ou aucun pour que l’import le détecte" in str(error.value)


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_read_fec_utf16_with_byte_order_mark(codec):
    text = tab_file(*INVOICE_LINES, newline="\r\n").decode("utf-8").replace("Agence", "Agence Été")
    mark = "\ufeff".encode(codec)

    fec = read_fec(mark + text.encode(codec))

    assert fec.encoding == "utf-16"
    assert fec.warnings == []
    assert fec.lines[0].aux_label == "Agence Été du Parc"
    assert len(fec.lines) == len(INVOICE_LINES)


def test_read_fec_utf16_with_two_marks():
    # iconv -t utf-16 keeps the UTF-8 file's own mark after the one it adds.
    data = ("\ufeff" + tab_file(*INVOICE_LINES).decode("utf-8")).encode("utf-16")

    fec = read_fec(data)

    assert fec.encoding == "utf-16"
    assert len(fec.lines) == len(INVOICE_LINES)


def test_read_fec_nul_bytes_without_mark_rejected():
    data = tab_file(*INVOICE_LINES).decode("utf-8").encode("utf-16-le")

    with pytest.raises(FecEncodingError) as error:
        read_fec(data, source="export.txt")

    assert str(error.value).startswith("export.txt, ligne 1\u00a0: le fichier contient des octets nuls")
    assert "exportez-le de nouveau en UTF-8 ou en Windows-1252" in str(error.value)


def test_read_fec_bom_with_single_byte_encoding():
    data = b"\xef\xbb\xbf" + tab_file(*INVOICE_LINES)

    with pytest.raises(FecEncodingError) as error:
        read_fec(data, encoding="cp1252")

    assert "marque d’ordre des octets (BOM)" in str(error.value)
    assert "indiquez utf-8" in str(error.value)


def test_read_fec_undecodable_in_utf8_and_cp1252():
    data = tab_file(with_field(INVOICE_LINES[0], "EcritureLib", "x")).replace(b"\tx\t", b"\t\xe9\x81\t")

    with pytest.raises(FecEncodingError) as error:
        read_fec(data)

    assert error.value.line_number == 2
    assert "0x81" in str(error.value)
    assert "(option --encoding en ligne de commande, paramètre ?encoding= par HTTP)" in str(error.value)


# Writing


def test_format_fec_round_trip():
    line = with_field(INVOICE_LINES[0], "Montantdevise", "130,40")
    line = with_field(line, "Idevise", "USD")
    original = read_fec(tab_file(line, *INVOICE_LINES[1:]))

    data = format_fec(original.lines)
    reread = read_fec(data)

    assert data.startswith(HEADER.encode() + b"\r\n")
    assert data.endswith(b"\r\n")
    assert [replace(line, line_number=0) for line in reread.lines] == [replace(line, line_number=0) for line in original.lines]


def test_format_fec_rejects_tab_in_text():
    line = read_fec(tab_file(INVOICE_LINES[0])).lines[0]

    with pytest.raises(ValueError, match="contains a tab or a line break"):
        format_fec([replace(line, label="Abonnement\njanvier")])


def test_read_fec_cuts_long_bad_value():
    value = "2024" * 50_000
    line = with_field(INVOICE_LINES[0], "EcritureDate", value)

    with pytest.raises(FecValueError) as error:
        read_fec(tab_file(line), source="f.txt")

    assert str(error.value).startswith(f"f.txt, ligne 2, colonne EcritureDate\u00a0: «\u00a0{value[:79]}…\u00a0» n’est pas")
    assert len(str(error.value)) < 300
    assert error.value.value == value


def _zip_of(data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("FEC.txt", data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "format_name"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n", "un document PDF"),
        (_zip_of(tab_file(*INVOICE_LINES)), "une archive ZIP ou un classeur de tableur (.xlsx, .ods)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "un classeur Excel (.xls)"),
        (gzip.compress(tab_file(*INVOICE_LINES)), "une archive gzip"),
    ],
)
@pytest.mark.parametrize("encoding", [None, "utf-8", "cp1252"])
def test_read_fec_names_binary_format(data, format_name, encoding):
    with pytest.raises(FecEncodingError) as error:
        read_fec(data, source="f.txt", encoding=encoding)

    assert str(error.value).startswith(f"f.txt\u00a0: le fichier est {format_name}")
    assert ", pas un FEC, qui est un fichier texte\u202f; " in str(error.value)
    assert error.value.line_number == 1
