"""Tests of `analyse_fec` on small crafted entries: balances, entry grouping, classification and VAT."""

from datetime import date
from decimal import Decimal

import pytest

from services.ledger.fec import DocumentKind, FecUnbalancedError, VatBreakdown, analyse_fec, read_fec

HEADER = (
    "JournalCode\tJournalLib\tEcritureNum\tEcritureDate\tCompteNum\tCompteLib\tCompAuxNum\tCompAuxLib"
    "\tPieceRef\tPieceDate\tEcritureLib\tDebit\tCredit\tEcritureLet\tDateLet\tValidDate\tMontantdevise\tIdevise"
)
JOURNAL_LABELS = {"VE": "Ventes", "BQ": "Banque", "AN": "A nouveaux", "OD": "Opérations diverses"}


def line(
    journal: str,
    number: str,
    account: str,
    debit: str = "0,00",
    credit: str = "0,00",
    *,
    aux: str = "",
    piece: str = "P1",
    day: str = "20240131",
    piece_date: str | None = None,
    journal_label: str | None = None,
    lettering: str = "",
    lettering_date: str = "",
) -> str:
    label = JOURNAL_LABELS.get(journal, journal) if journal_label is None else journal_label
    aux_label = f"Agence {aux}" if aux else ""
    piece_date = day if piece_date is None else piece_date
    fields = [
        journal, label, number, day, account, f"Compte {account}", aux, aux_label, piece, piece_date,
        "Libellé", debit, credit, lettering, lettering_date, day, "", "",
    ]
    return "\t".join(fields)


def analyse(*lines: str):
    data = "\r\n".join((HEADER, *lines)).encode("utf-8")
    return analyse_fec(read_fec(data, source="test.txt"))


def kinds(analysis) -> list[DocumentKind]:
    return [customer_line.kind for customer_line in analysis.customer_lines]


def invoice(number: str = "1", piece: str = "FA1", aux: str = "C001") -> list[str]:
    return [
        line("VE", number, "411000", "120,00", aux=aux, piece=piece),
        line("VE", number, "706100", credit="100,00", piece=piece),
        line("VE", number, "445710", credit="20,00", piece=piece),
    ]


def payment(
    number: str = "1", amount: str = "120,00", aux: str = "C001", day: str = "20240215", piece: str = "VIR1"
) -> list[str]:
    return [
        line("BQ", number, "512000", amount, piece=piece, day=day),
        line("BQ", number, "411000", credit=amount, aux=aux, piece=piece, day=day),
    ]


# Classification by kind


def test_classify_invoice():
    analysis = analyse(*invoice())

    customer_line = analysis.customer_lines[0]
    assert customer_line.kind is DocumentKind.INVOICE
    assert customer_line.vat_breakdown == (VatBreakdown(rate=Decimal("20"), base=Decimal("100.00"), vat=Decimal("20.00")),)
    assert customer_line.net_total == Decimal("100.00")
    assert customer_line.vat_total == Decimal("20.00")
    assert customer_line.total == Decimal("120.00")


def test_classify_invoice_against_vat_only():
    analysis = analyse(line("VE", "1", "411000", "20,00", aux="C001"), line("VE", "1", "445710", credit="20,00"))

    assert kinds(analysis) == [DocumentKind.INVOICE]


def test_classify_credit_note():
    analysis = analyse(
        line("VE", "1", "411000", credit="60,00", aux="C001", piece="AV1"),
        line("VE", "1", "706100", "50,00", piece="AV1"),
        line("VE", "1", "445710", "10,00", piece="AV1"),
    )

    customer_line = analysis.customer_lines[0]
    assert customer_line.kind is DocumentKind.CREDIT_NOTE
    assert customer_line.vat_breakdown == (VatBreakdown(rate=Decimal("20"), base=Decimal("50.00"), vat=Decimal("10.00")),)
    assert customer_line.total == Decimal("60.00")


def test_classify_payment():
    analysis = analyse(*payment())

    assert kinds(analysis) == [DocumentKind.PAYMENT]
    assert analysis.customer_lines[0].net_total is None
    assert analysis.customer_lines[0].total is None
    assert analysis.customer_lines[0].vat_breakdown == ()


def test_classify_payment_by_cheque_in_other_journal():
    analysis = analyse(
        line("RCH", "1", "511200", "80,00", journal_label="Remises de chèques"),
        line("RCH", "1", "411000", credit="80,00", aux="C001", journal_label="Remises de chèques"),
    )

    assert kinds(analysis) == [DocumentKind.PAYMENT]


def test_classify_payment_against_suspense_in_bank_journal():
    analysis = analyse(
        *payment("1"),
        line("BQ", "2", "471000", "30,00"),
        line("BQ", "2", "411000", credit="30,00", aux="C001"),
    )

    assert kinds(analysis) == [DocumentKind.PAYMENT, DocumentKind.PAYMENT]


def test_classify_suspense_outside_bank_journal_is_adjustment():
    analysis = analyse(line("OD", "1", "471000", "30,00"), line("OD", "1", "411000", credit="30,00", aux="C001"))

    assert kinds(analysis) == [DocumentKind.ADJUSTMENT]


def test_classify_refund():
    analysis = analyse(line("BQ", "1", "411000", "45,00", aux="C001"), line("BQ", "1", "512000", credit="45,00"))

    assert kinds(analysis) == [DocumentKind.REFUND]


def test_classify_opening_balance_by_code():
    analysis = analyse(
        line("AN", "1", "411000", "300,00", aux="C001", journal_label="Reprise"),
        line("AN", "1", "411000", credit="20,00", aux="C002", journal_label="Reprise"),
        line("AN", "1", "110000", credit="280,00", journal_label="Reprise"),
    )

    assert kinds(analysis) == [DocumentKind.OPENING_BALANCE, DocumentKind.OPENING_BALANCE]


def test_classify_opening_balance_by_label():
    analysis = analyse(
        line("RN", "1", "411000", "300,00", aux="C001", journal_label="Report à nouveau"),
        line("RN", "1", "512000", credit="300,00", journal_label="Report à nouveau"),
    )

    assert kinds(analysis) == [DocumentKind.OPENING_BALANCE]


def test_classify_write_off_is_adjustment():
    analysis = analyse(line("OD", "1", "654000", "15,00"), line("OD", "1", "411000", credit="15,00", aux="C001"))

    assert kinds(analysis) == [DocumentKind.ADJUSTMENT]


def test_classify_rounding_income_is_adjustment():
    analysis = analyse(line("OD", "1", "411000", "0,01", aux="C001"), line("OD", "1", "778000", credit="0,01"))

    assert kinds(analysis) == [DocumentKind.ADJUSTMENT]


def test_classify_transfer_between_customers():
    analysis = analyse(
        line("BQ", "1", "411000", "70,00", aux="C002"),
        line("BQ", "1", "411000", credit="70,00", aux="C001"),
        *payment("2"),
    )

    assert kinds(analysis) == [DocumentKind.ADJUSTMENT, DocumentKind.ADJUSTMENT, DocumentKind.PAYMENT]


def test_classify_zero_line_is_adjustment():
    analysis = analyse(*invoice(), line("VE", "1", "411000", aux="C001", piece="FA1"))

    assert kinds(analysis) == [DocumentKind.INVOICE, DocumentKind.ADJUSTMENT]


def test_classify_cash_sale_in_one_entry():
    analysis = analyse(
        *invoice(),
        line("VE", "1", "512000", "120,00", piece="FA1"),
        line("VE", "1", "411000", credit="120,00", aux="C001", piece="FA1"),
    )

    assert kinds(analysis) == [DocumentKind.INVOICE, DocumentKind.PAYMENT]
    assert analysis.customer_lines[0].net_total == Decimal("100.00")


def test_classify_bank_journal_found_by_accounts():
    analysis = analyse(
        line("C1", "1", "512300", "200,00", journal_label="TR21"),
        line("C1", "1", "411000", credit="200,00", aux="C001", journal_label="TR21"),
        line("C1", "2", "471000", "30,00", journal_label="TR21"),
        line("C1", "2", "411000", credit="30,00", aux="C001", journal_label="TR21"),
    )

    assert kinds(analysis) == [DocumentKind.PAYMENT, DocumentKind.PAYMENT]


# Customer line fields


def test_customer_line_document_fields():
    analysis = analyse(
        line("VE", "7", "411000", "120,00", aux="C001", piece="", piece_date="", lettering="AB ", lettering_date="20240301"),
        line("VE", "7", "706100", credit="100,00", piece=""),
        line("VE", "7", "445710", credit="20,00", piece=""),
    )

    customer_line = analysis.customer_lines[0]
    assert customer_line.document_number == "VE-7"
    assert customer_line.document_date == date(2024, 1, 31)
    assert customer_line.lettering == "AB"
    assert customer_line.lettering_date == date(2024, 3, 1)
    assert customer_line.entry_key == ("VE", "7")
    assert customer_line.customer_account == "C001"
    assert customer_line.customer_label == "Agence C001"
    assert customer_line.debit == Decimal("120.00")
    assert customer_line.credit == Decimal("0.00")
    assert customer_line.line.line_number == 2


def test_customer_line_piece_date_wins():
    analysis = analyse(line("VE", "1", "411000", "20,00", aux="C001", piece_date="20240105"), line("VE", "1", "445710", credit="20,00"))

    assert analysis.customer_lines[0].document_date == date(2024, 1, 5)


def test_customer_account_falls_back_to_account_number():
    analysis = analyse(line("BQ", "1", "41100042", credit="10,00"), line("BQ", "1", "512000", "10,00"))

    customer_line = analysis.customer_lines[0]
    assert customer_line.customer_account == "41100042"
    assert customer_line.customer_label == "Compte 41100042"


def test_customer_balances_and_totals():
    analysis = analyse(
        *invoice("1", "FA1", "C001"),
        *invoice("2", "FA2", "C002"),
        *payment("1", "100,00", "C001"),
    )

    assert analysis.customer_balances() == {"C001": Decimal("20.00"), "C002": Decimal("120.00")}
    assert analysis.total_debit == Decimal("340.00")
    assert analysis.total_credit == Decimal("340.00")


def test_customer_lines_in_file_order():
    analysis = analyse(*payment("1"), *invoice("1"), *payment("2"))

    assert [customer_line.line.line_number for customer_line in analysis.customer_lines] == [3, 4, 8]


# VAT breakdown


def vat_rows(*revenue_and_vat: tuple[str, str]) -> tuple[VatBreakdown, ...]:
    """Analyse one invoice whose lines are (account, credit) pairs after the customer line."""
    total = sum(Decimal(amount.replace(",", ".")) for _, amount in revenue_and_vat)
    lines = [line("VE", "1", "411000", f"{total:.2f}".replace(".", ","), aux="C001")]
    lines += [line("VE", "1", account, credit=amount) for account, amount in revenue_and_vat]
    return analyse(*lines).customer_lines[0].vat_breakdown


def test_vat_two_rates_paired_in_order():
    rows = vat_rows(("706100", "100,00"), ("445710", "20,00"), ("706200", "200,00"), ("445712", "11,00"))

    assert rows == (
        VatBreakdown(rate=Decimal("20"), base=Decimal("100.00"), vat=Decimal("20.00")),
        VatBreakdown(rate=Decimal("5.5"), base=Decimal("200.00"), vat=Decimal("11.00")),
    )


def test_vat_lines_before_revenue():
    rows = vat_rows(("445710", "20,00"), ("706100", "100,00"), ("445712", "11,00"), ("706200", "200,00"))

    assert [row.rate for row in rows] == [Decimal("20"), Decimal("5.5")]
    assert [row.base for row in rows] == [Decimal("100.00"), Decimal("200.00")]


def test_vat_one_line_for_several_revenue_lines():
    rows = vat_rows(("706100", "33,33"), ("706200", "33,33"), ("706300", "33,34"), ("445710", "20,00"))

    assert rows == (VatBreakdown(rate=Decimal("20"), base=Decimal("100.00"), vat=Decimal("20.00")),)


def test_vat_single_rate_in_any_order():
    rows = vat_rows(("445710", "20,00"), ("706100", "50,00"), ("706200", "50,00"), ("445710", "0,00"))

    assert rows == (VatBreakdown(rate=Decimal("20"), base=Decimal("100.00"), vat=Decimal("20.00")),)


def test_vat_revenue_without_vat_is_zero_rate():
    rows = vat_rows(("706100", "100,00"), ("445710", "10,00"), ("708000", "15,00"))

    assert rows == (
        VatBreakdown(rate=Decimal("10"), base=Decimal("100.00"), vat=Decimal("10.00")),
        VatBreakdown(rate=Decimal("0"), base=Decimal("15.00"), vat=Decimal("0.00")),
    )


def test_vat_rounded_per_line():
    rows = vat_rows(("706100", "10,05"), ("706100", "10,05"), ("445710", "4,02"))

    assert rows == (VatBreakdown(rate=Decimal("20"), base=Decimal("20.10"), vat=Decimal("4.02")),)


def test_vat_unknown_rate():
    rows = vat_rows(("706100", "4216,80"), ("445710", "86,72"))

    assert rows == (VatBreakdown(rate=None, base=Decimal("4216.80"), vat=Decimal("86.72")),)


def test_vat_small_base_takes_rate_of_document():
    rows = vat_rows(("701000", "17,40"), ("445712", "0,96"), ("708000", "0,31"), ("445712", "0,01"))

    assert rows == (VatBreakdown(rate=Decimal("5.5"), base=Decimal("17.71"), vat=Decimal("0.97")),)


def test_vat_split_by_piece_ref():
    analysis = analyse(
        *invoice("1", "FA1", "C001"),
        line("VE", "1", "411000", "110,00", aux="C002", piece="FA2"),
        line("VE", "1", "706100", credit="100,00", piece="FA2"),
        line("VE", "1", "445711", credit="10,00", piece="FA2"),
    )

    first, second = analysis.customer_lines
    assert first.vat_breakdown == (VatBreakdown(rate=Decimal("20"), base=Decimal("100.00"), vat=Decimal("20.00")),)
    assert second.vat_breakdown == (VatBreakdown(rate=Decimal("10"), base=Decimal("100.00"), vat=Decimal("10.00")),)
    assert analysis.warnings == []


def test_vat_missing_when_documents_share_piece_ref():
    analysis = analyse(
        line("VE", "1", "411000", "60,00", aux="C001", piece="FA1"),
        line("VE", "1", "411000", "60,00", aux="C001", piece="FA1"),
        line("VE", "1", "706100", credit="100,00", piece="FA1"),
        line("VE", "1", "445710", credit="20,00", piece="FA1"),
    )

    assert kinds(analysis) == [DocumentKind.INVOICE, DocumentKind.INVOICE]
    assert analysis.customer_lines[0].vat_breakdown == ()
    assert analysis.customer_lines[0].net_total is None
    assert analysis.customer_lines[0].total == Decimal("60.00")
    assert len(analysis.warnings) == 1
    assert "2 lignes de facture ou d’avoir n’ont pas de ventilation de TVA (lignes 2 et 3)" in analysis.warnings[0]


# Entries and balances


def test_entries_grouped_by_journal_and_number():
    analysis = analyse(*invoice("1"), *payment("1"))

    assert [entry.key for entry in analysis.entries] == [("VE", "1"), ("BQ", "1")]
    assert analysis.entries[0].line_numbers == (2, 3, 4)
    assert all(entry.is_reliable for entry in analysis.entries)


def test_entry_with_several_dates_and_pieces_stays_one():
    analysis = analyse(
        line("BQ", "1", "411000", credit="50,00", aux="C001", piece="FA1", day="20240110"),
        line("BQ", "1", "411000", credit="70,00", aux="C001", piece="FA2", day="20240111"),
        line("BQ", "1", "512000", "120,00", piece="REL12", day="20240112"),
    )

    assert len(analysis.entries) == 1
    assert analysis.entries[0].is_reliable
    assert kinds(analysis) == [DocumentKind.PAYMENT, DocumentKind.PAYMENT]
    assert analysis.warnings == []


def test_unbalanced_entry_names_entry_and_lines():
    lines = [*invoice("1"), *payment("1")]
    lines[2] = line("VE", "1", "445710", credit="19,00", piece="FA1")

    with pytest.raises(FecUnbalancedError) as error:
        analyse(*lines)

    assert error.value.entry_key == ("VE", "1")
    assert error.value.line_numbers == (2, 3, 4)
    assert error.value.line_number == 2
    assert (
        "l’écriture VE 1 n’est pas équilibrée\u00a0: débit 120,00\u00a0€, crédit 119,00\u00a0€ (écart 1,00\u00a0€), lignes 2, 3 et 4"
        in str(error.value)
    )


def test_unbalanced_file_gives_file_totals():
    lines = [*invoice("1"), *payment("1")]
    lines[4] = line("BQ", "1", "411000", credit="100,00", aux="C001", piece="VIR1", day="20240215")

    with pytest.raises(FecUnbalancedError) as error:
        analyse(*lines)

    assert error.value.entry_key == ("BQ", "1")
    assert "Le fichier n’est pas équilibré non plus\u00a0: débit 240,00\u00a0€, crédit 220,00\u00a0€." in str(error.value)


def test_reused_numbers_fall_back_to_journal():
    analysis = analyse(
        *payment("1", "120,00", "C001", day="20240215"),
        *payment("1", "50,00", "C002", day="20240220", piece="VIR2"),
        *invoice("1"),
    )

    assert [entry.is_reliable for entry in analysis.entries] == [False, True]
    assert kinds(analysis) == [DocumentKind.PAYMENT, DocumentKind.PAYMENT, DocumentKind.INVOICE]
    assert len(analysis.warnings) == 1
    assert "1 clé (JournalCode, EcritureNum) regroupe" in analysis.warnings[0]
    assert "BQ 1 (ligne 2)" in analysis.warnings[0]


def test_unbalanced_keys_in_balanced_journal_accepted():
    analysis = analyse(
        line("VE", "1", "411000", "120,00", aux="C001", piece="FA1"),
        line("VE", "1", "706100", credit="100,00", piece="FA1"),
        line("VE", "2", "445710", credit="20,00", piece="FA1"),
        line("VE", "2", "411000", credit="30,00", aux="C002", piece="AV1"),
        line("VE", "3", "706100", "30,00", piece="AV1"),
        line("OD", "1", "411000", "5,00", aux="C001"),
        line("OD", "2", "654000", credit="5,00"),
    )

    assert [entry.is_reliable for entry in analysis.entries] == [False, False, False, False, False]
    assert kinds(analysis) == [DocumentKind.INVOICE, DocumentKind.CREDIT_NOTE, DocumentKind.ADJUSTMENT]
    assert analysis.customer_lines[0].vat_breakdown == ()
    assert analysis.customer_lines[0].net_total is None
    assert analysis.customer_lines[0].total == Decimal("120.00")
    assert "5 clés (JournalCode, EcritureNum) regroupent" in analysis.warnings[0]


def test_offsetting_wrong_entries_rejected():
    lines = [*invoice("1", piece="FA1"), *invoice("2", piece="FA2", aux="C002")]
    lines[2] = line("VE", "1", "445710", credit="19,00", piece="FA1")
    lines[5] = line("VE", "2", "445710", credit="21,00", piece="FA2")

    with pytest.raises(FecUnbalancedError) as error:
        analyse(*lines)

    assert error.value.entry_key == ("VE", "1")
    assert error.value.line_numbers == (2, 3, 4)
    assert "l’écriture VE 1 n’est pas équilibrée\u00a0: débit 120,00\u00a0€, crédit 119,00\u00a0€ (écart 1,00\u00a0€), lignes 2, 3 et 4." in str(
        error.value
    )
    assert "d’autres écritures présentent l’écart inverse (VE 2)" in str(error.value)
    assert "la pièce (PieceRef) «\u00a0FA1\u00a0» ne figure dans aucune autre écriture" in str(error.value)


def test_warnings_start_with_reader_warnings():
    data = "\r\n".join((HEADER, *payment("1"), *payment("1", "50,00", "C002", day="20240220", piece="VIR2")))
    data = data.replace("Libellé", "Libellé é").encode("cp1252")

    analysis = analyse_fec(read_fec(data))

    assert len(analysis.warnings) == 2
    assert "cp1252" in analysis.warnings[0]
    assert "(JournalCode, EcritureNum)" in analysis.warnings[1]


# Customer lines without CompAuxNum


def test_line_without_customer_on_collective_account_warns():
    analysis = analyse(*invoice("1", "FA1"), *invoice("2", "FA2", aux=""), *payment("3"))

    assert analysis.warnings == [
        "test.txt\u00a0: la ligne 5 du compte 411000 n’a pas de compte client (CompAuxNum), alors que les autres"
        " lignes de ce compte en ont un\u202f; elle est rattachée à un compte client «\u00a0411000\u00a0»."
        " Vérifiez l’export du logiciel comptable."
    ]
    assert [customer_line.customer_account for customer_line in analysis.customer_lines] == ["C001", "411000", "C001"]


def test_accounts_without_customers_do_not_warn():
    lines = [
        line("VE", "1", "411DUPONT", "120,00", piece="FA1"),
        line("VE", "1", "706100", credit="100,00", piece="FA1"),
        line("VE", "1", "445710", credit="20,00", piece="FA1"),
    ]

    analysis = analyse(*lines, *invoice("2", "FA2"))

    assert analysis.warnings == []
    assert [customer_line.customer_account for customer_line in analysis.customer_lines] == ["411DUPONT", "C001"]


def test_several_lines_without_customer_listed():
    analysis = analyse(*invoice("1", "FA1"), *invoice("2", "FA2", aux=""), *invoice("3", "FA3", aux=""))

    assert analysis.warnings[0].startswith("test.txt\u00a0: les lignes 5 et 8 du compte 411000 n’ont pas de compte client")
    assert "elles sont rattachées" in analysis.warnings[0]
