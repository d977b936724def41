"""Tests that the fast builders and the VAT summary cache of the analysis give what the plain code gives."""

from dataclasses import FrozenInstanceError, fields, replace
from decimal import Decimal

import pytest

from services.ledger.fec import CustomerLine, FecEntry, analyse_fec, read_fec
from services.ledger.fec.accounts import AccountFamilies
from services.ledger.fec.classify import build_customer_line
from services.ledger.fec.vat import VatSummaryCache, summarise_vat

HEADER = (
    "JournalCode\tJournalLib\tEcritureNum\tEcritureDate\tCompteNum\tCompteLib\tCompAuxNum\tCompAuxLib"
    "\tPieceRef\tPieceDate\tEcritureLib\tDebit\tCredit\tEcritureLet\tDateLet\tValidDate\tMontantdevise\tIdevise"
)


def invoice_lines(number: int, net: str, vat: str, total: str) -> list[str]:
    return [
        f"VE\tVentes\t{number}\t20240131\t411000\tClients\tC1\tAgence\tFA{number}\t20240131\tx\t{total}\t0,00\t\t\t\t\t",
        f"VE\tVentes\t{number}\t20240131\t706000\tVentes\t\t\tFA{number}\t20240131\tx\t0,00\t{net}\t\t\t\t\t",
        f"VE\tVentes\t{number}\t20240131\t445710\tTVA\t\t\tFA{number}\t20240131\tx\t0,00\t{vat}\t\t\t\t\t",
    ]


SALES = "\n".join(
    (
        HEADER,
        *invoice_lines(1, "100,00", "20,00", "120,00"),
        *invoice_lines(2, "100,00", "20,00", "120,00"),
        *invoice_lines(3, "50,00", "2,75", "52,75"),
        "",
    )
).encode()


def test_entries_are_frozen_fec_entries():
    entry = analyse_fec(read_fec(SALES)).entries[0]

    assert type(entry) is FecEntry
    assert entry == FecEntry(entry.key, entry.lines, entry.is_reliable)
    with pytest.raises(FrozenInstanceError):
        entry.is_reliable = False


def test_build_customer_line_equals_constructor():
    customer_line = analyse_fec(read_fec(SALES)).customer_lines[0]
    values = [getattr(customer_line, field.name) for field in fields(CustomerLine)]

    built = build_customer_line(*values)

    assert type(built) is CustomerLine
    assert built == CustomerLine(*values)
    assert repr(built) == repr(CustomerLine(*values))


def test_vat_cache_shares_summary_of_same_amounts():
    entries = analyse_fec(read_fec(SALES)).entries
    cache = VatSummaryCache(AccountFamilies())

    first = cache.summarise(entries[0].lines, 1)
    second = cache.summarise(entries[1].lines, 1)
    third = cache.summarise(entries[2].lines, 1)

    assert second is first
    assert first == summarise_vat(entries[0].lines, 1)
    assert third == summarise_vat(entries[2].lines, 1)
    assert [row.rate for row in third.rows] == [Decimal("5.5")]


def test_vat_cache_keys_on_sign():
    entry = analyse_fec(read_fec(SALES)).entries[0]
    cache = VatSummaryCache(AccountFamilies())

    invoice = cache.summarise(entry.lines, 1)
    credit_note = cache.summarise(entry.lines, -1)

    assert credit_note == summarise_vat(entry.lines, -1)
    assert credit_note != invoice


def test_vat_cache_separates_decimal_places():
    entry = analyse_fec(read_fec(SALES)).entries[0]
    tenth = Decimal("0.1")
    one_decimal_lines = [
        replace(line, debit=line.debit.quantize(tenth), credit=line.credit.quantize(tenth)) for line in entry.lines
    ]
    cache = VatSummaryCache(AccountFamilies())

    two_decimals = cache.summarise(entry.lines, 1)
    one_decimal = cache.summarise(one_decimal_lines, 1)

    assert repr(one_decimal) == repr(summarise_vat(one_decimal_lines, 1))
    assert repr(one_decimal) != repr(two_decimals)
