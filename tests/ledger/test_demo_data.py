"""Tests of the demo creditors, agencies and FEC generator."""

import random
import re
from collections import defaultdict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from schwifty import IBAN
from stdnum import iban as stdnum_iban
from stdnum.fr import siren, siret, tva

from services.ledger.demo_data import (
    DEMO_AGENCIES,
    DEMO_CREDITORS,
    demo_creditor,
    demo_fec_file_name,
    generate_demo_fec,
)
from services.ledger.fec import DocumentKind, analyse_fec, read_fec

END_DATE = date(2026, 7, 31)
STANDARD_HEADER = (
    "JournalCode\tJournalLib\tEcritureNum\tEcritureDate\tCompteNum\tCompteLib\tCompAuxNum\tCompAuxLib"
    "\tPieceRef\tPieceDate\tEcritureLib\tDebit\tCredit\tEcritureLet\tDateLet\tValidDate\tMontantdevise\tIdevise"
)
CREDITOR_SLUGS = [creditor.slug for creditor in DEMO_CREDITORS]


def analysed(slug: str, seed: int = 1, end_date: date = END_DATE):
    data = generate_demo_fec(demo_creditor(slug), end_date=end_date, seed=seed)
    fec = read_fec(data)
    return fec, analyse_fec(fec)


def due_date(issued: date) -> date:
    """Return the due date under "30 jours fin de mois": the last day of the month 30 days after issue."""
    later = issued + timedelta(days=30)
    next_month = date(later.year + later.month // 12, later.month % 12 + 1, 1)
    return next_month - timedelta(days=1)


# Creditors and agencies


def test_creditors_slugs_and_names():
    names = {creditor.slug: creditor.name for creditor in DEMO_CREDITORS}

    assert names == {"pressimmo": "PRESSIMMO ON LINE", "belles-demeures": "BELLES DEMEURES", "poliris": "POLIRIS"}


@pytest.mark.parametrize("identity", [item.identity for item in (*DEMO_CREDITORS, *DEMO_AGENCIES)])
def test_identity_numbers_valid(identity):
    assert siren.is_valid(identity.siren)
    assert siret.is_valid(identity.siret)
    assert identity.siret.startswith(identity.siren)
    assert tva.is_valid(identity.vat_number)
    assert identity.vat_number == "FR" + siren.to_tva(identity.siren)
    assert identity.country == "FR"
    assert re.fullmatch(r"\d{5}", identity.postal_code)
    assert identity.email.endswith(".example")


@pytest.mark.parametrize("creditor", DEMO_CREDITORS, ids=CREDITOR_SLUGS)
def test_creditor_bank_details_valid(creditor):
    iban = IBAN(creditor.identity.iban)

    assert stdnum_iban.is_valid(creditor.identity.iban)
    assert iban.country_code == "FR"
    assert iban.bic is not None
    assert str(iban.bic)[:8] == creditor.identity.bic[:8]


def test_agencies_accounts():
    first, *others = DEMO_AGENCIES

    assert len(DEMO_AGENCIES) == 5
    assert set(first.accounts) == set(CREDITOR_SLUGS)
    assert all(1 <= len(agency.accounts) <= 2 for agency in others)
    assert all(set(agency.accounts) <= set(CREDITOR_SLUGS) for agency in others)
    assert all(re.fullmatch(r"C\d{5}", number) for agency in DEMO_AGENCIES for number in agency.accounts.values())


def test_agency_accounts_unique_per_creditor():
    for slug in CREDITOR_SLUGS:
        numbers = [agency.accounts[slug] for agency in DEMO_AGENCIES if slug in agency.accounts]

        assert len(numbers) == len(set(numbers))
        assert len(numbers) >= 2


def test_demo_creditor_lookup():
    assert demo_creditor("poliris").name == "POLIRIS"

    with pytest.raises(KeyError, match="pressimmo, belles-demeures, poliris"):
        demo_creditor("unknown-portal")


def test_demo_fec_file_name():
    name = demo_fec_file_name(demo_creditor("pressimmo"), END_DATE)

    assert name == "812345676FEC20260731.txt"


# Generated FEC


@pytest.mark.parametrize("slug", CREDITOR_SLUGS)
def test_generate_same_inputs_same_bytes(slug):
    creditor = demo_creditor(slug)

    first = generate_demo_fec(creditor, end_date=END_DATE, seed=42)
    second = generate_demo_fec(creditor, end_date=END_DATE, seed=42)

    assert first == second


def test_generate_seed_changes_output():
    creditor = demo_creditor("pressimmo")

    assert generate_demo_fec(creditor, end_date=END_DATE, seed=1) != generate_demo_fec(creditor, end_date=END_DATE, seed=2)


def test_generate_leaves_global_random_alone():
    random.seed(1234)
    state = random.getstate()

    generate_demo_fec(demo_creditor("poliris"), end_date=END_DATE, seed=5)

    assert random.getstate() == state


@pytest.mark.parametrize("slug", CREDITOR_SLUGS)
def test_generate_file_format(slug):
    data = generate_demo_fec(demo_creditor(slug), end_date=END_DATE, seed=1)
    text = data.decode("utf-8")

    assert not data.startswith(b"\xef\xbb\xbf")
    assert text.split("\r\n", 1)[0] == STANDARD_HEADER
    assert text.endswith("\r\n")
    assert text.count("\n") == text.count("\r\n")
    assert all(line.count("\t") == 17 for line in text.split("\r\n")[:-1])
    assert re.search(r"\t\d+,\d{2}\t", text)


@pytest.mark.parametrize("slug", CREDITOR_SLUGS)
@pytest.mark.parametrize("seed", [1, 2, 3, 17])
def test_generate_parses_and_balances(slug, seed):
    fec, analysis = analysed(slug, seed)

    assert fec.warnings == []
    assert analysis.warnings == []
    assert analysis.total_debit == analysis.total_credit
    assert all(entry.is_reliable for entry in analysis.entries)
    assert all(sum(line.debit - line.credit for line in entry.lines) == 0 for entry in analysis.entries)
    assert {line.journal_code for line in fec.lines} == {"AN", "VE", "BQ"}


@pytest.mark.parametrize("end_date", [END_DATE, date(2025, 1, 15), date(2024, 2, 29)])
def test_generate_covers_18_months(end_date):
    fec, analysis = analysed("pressimmo", end_date=end_date)

    invoice_months = {line.document_date.replace(day=1) for line in analysis.customer_lines if line.kind == DocumentKind.INVOICE}
    assert len(invoice_months) == 18
    assert max(invoice_months) == end_date.replace(day=1)
    assert min(line.entry_date for line in fec.lines) == min(invoice_months)
    assert max(line.entry_date for line in fec.lines) <= end_date


@pytest.mark.parametrize("slug", CREDITOR_SLUGS)
def test_generate_monthly_invoice_per_customer(slug):
    _, analysis = analysed(slug)

    customers = {agency.accounts[slug] for agency in DEMO_AGENCIES if slug in agency.accounts}
    invoices = [line for line in analysis.customer_lines if line.kind == DocumentKind.INVOICE]
    assert {line.customer_account for line in analysis.customer_lines} == customers
    assert len(invoices) == 18 * len(customers)


@pytest.mark.parametrize("slug", CREDITOR_SLUGS)
def test_generate_all_kinds_present(slug):
    _, analysis = analysed(slug)

    kinds = {line.kind for line in analysis.customer_lines}
    assert {DocumentKind.INVOICE, DocumentKind.CREDIT_NOTE, DocumentKind.PAYMENT} <= kinds
    assert kinds <= {DocumentKind.INVOICE, DocumentKind.CREDIT_NOTE, DocumentKind.PAYMENT, DocumentKind.OPENING_BALANCE}


@pytest.mark.parametrize("slug", CREDITOR_SLUGS)
def test_generate_document_numbers(slug):
    _, analysis = analysed(slug)

    numbers_by_year = defaultdict(list)
    for line in analysis.customer_lines:
        if line.kind in (DocumentKind.INVOICE, DocumentKind.OPENING_BALANCE):
            match = re.fullmatch(r"FA(\d{4})-(\d{6})", line.document_number)
            assert match, line.document_number
            numbers_by_year[match[1]].append(int(match[2]))
        if line.kind == DocumentKind.CREDIT_NOTE:
            assert re.fullmatch(r"AV\d{4}-\d{6}", line.document_number)
    for year, numbers in numbers_by_year.items():
        assert sorted(numbers) == list(range(1, len(numbers) + 1)), year


@pytest.mark.parametrize("slug", CREDITOR_SLUGS)
def test_generate_vat_at_20_percent(slug):
    _, analysis = analysed(slug)

    documents = [line for line in analysis.customer_lines if line.kind in (DocumentKind.INVOICE, DocumentKind.CREDIT_NOTE)]
    for line in documents:
        expected_vat = (line.net_total * Decimal("0.20")).quantize(Decimal("0.01"), ROUND_HALF_UP)

        assert [row.rate for row in line.vat_breakdown] == [Decimal("20")]
        assert line.vat_total == expected_vat
        assert line.net_total + line.vat_total == line.total


@pytest.mark.parametrize("slug", CREDITOR_SLUGS)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generate_lettering_groups(slug, seed):
    _, analysis = analysed(slug, seed)

    groups = defaultdict(list)
    for line in analysis.customer_lines:
        if line.lettering:
            groups[(line.customer_account, line.lettering)].append(line)
    full = {key: lines for key, lines in groups.items() if key[1].isupper()}
    partial = {key: lines for key, lines in groups.items() if key[1].islower()}
    assert partial
    assert set(full) | set(partial) == set(groups)
    for lines in full.values():
        assert sum(line.balance for line in lines) == 0
    for lines in partial.values():
        assert sum(line.balance for line in lines) > 0
        assert [line.kind for line in lines][-1] == DocumentKind.PAYMENT
    for lines in groups.values():
        assert len({line.lettering_date for line in lines}) == 1
        assert all(line.lettering_date >= line.line.entry_date for line in lines)


@pytest.mark.parametrize("slug", CREDITOR_SLUGS)
def test_generate_lettering_codes_sequence(slug):
    _, analysis = analysed(slug)

    codes_by_account = defaultdict(set)
    for line in analysis.customer_lines:
        if line.lettering:
            codes_by_account[line.customer_account].add(line.lettering.upper())
    for codes in codes_by_account.values():
        expected = {a + b for a in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" for b in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
        assert codes <= expected
        assert "AA" in codes


@pytest.mark.parametrize("slug", CREDITOR_SLUGS)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generate_has_overdue_invoices(slug, seed):
    _, analysis = analysed(slug, seed)

    overdue = [
        line
        for line in analysis.customer_lines
        if line.kind == DocumentKind.INVOICE and line.lettering is None and due_date(line.document_date) < END_DATE
    ]
    assert len(overdue) >= 3
    assert any(balance > 0 for balance in analysis.customer_balances().values())


def test_generate_opening_balance_entry():
    _, analysis = analysed("pressimmo", seed=3)

    opening = [entry for entry in analysis.entries if entry.journal_code == "AN"]
    assert len(opening) == 1
    assert opening[0].lines[0].entry_date == date(2025, 2, 1)
    assert {line.account_number for line in opening[0].lines} >= {"512000", "101300", "110000"}


@pytest.mark.parametrize(
    "name", ["DEMO_AGENCIES", "DEMO_CREDITORS", "DemoAgency", "DemoCreditor", "LegalIdentity", "demo_creditor"]
)
def test_identities_importable_from_demo_data(name):
    import services.ledger.demo_data as demo_data
    import services.ledger.demo_identities as demo_identities

    assert getattr(demo_data, name) is getattr(demo_identities, name)
