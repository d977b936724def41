"""The staff view of an IBAN: country and bank shown, account number hidden."""

from __future__ import annotations

import random

import pycountry
import pytest
from schwifty import IBAN, registry
from schwifty import exceptions as schwifty_errors

from services.accounts.iban_summary import MIN_HIDDEN_BBAN_CHARACTERS, compare_summaries, summarize_iban

BELGIAN_IBAN = "BE68 5390 0754 7034"
CREDIT_AGRICOLE_IBAN = "FR7630006000011234567890189"
POSTE_IBAN = "FR1420041010050500013M02606"
NORWEGIAN_IBAN = "NO9386011117947"


def iban_countries() -> list[str]:
    countries = []
    for country in pycountry.countries:
        try:
            spec = registry.get_iban_spec(country.alpha_2)
        except schwifty_errors.InvalidCountryCode:
            continue
        # Territories that use another country's IBANs (GP uses FR) have no IBANs of their own.
        if spec.country == country.alpha_2:
            countries.append(country.alpha_2)
    return countries


def test_belgian_iban_shows_country_and_bank_code():
    summary = summarize_iban(BELGIAN_IBAN)

    assert summary.to_json() == {
        "country_code": "BE",
        "country_name": "Belgique",
        "bank_code": "539",
        "bank_name": None,
        "bank_withheld": False,
        "last_four": "7034",
    }


def test_french_iban_shows_bank_name():
    summary = summarize_iban(CREDIT_AGRICOLE_IBAN)

    assert summary.bank_code == "30006"
    assert summary.bank_name == "CREDIT AGRICOLE SA"
    assert summary.last_four == "0189"
    assert "12345678901" not in str(summary.to_json())


def test_short_norwegian_bban_withholds_bank():
    summary = summarize_iban(NORWEGIAN_IBAN)

    assert summary.bank_withheld is True
    assert summary.bank_code is None
    assert summary.bank_name is None
    assert summary.country_name == "Norvège"
    assert summary.last_four == "7947"


def test_withheld_bank_is_still_compared():
    other_bank = str(IBAN.generate("NO", bank_code="1503", account_code="123456"))
    same_bank = str(IBAN.generate("NO", bank_code="8601", account_code="222222"))

    requested = summarize_iban(NORWEGIAN_IBAN)

    assert compare_summaries(requested, summarize_iban(other_bank), has_previous=True)["bank_changed"] is True
    assert compare_summaries(requested, summarize_iban(same_bank), has_previous=True)["bank_changed"] is False


@pytest.mark.parametrize("country_code", iban_countries())
def test_shown_bank_code_leaves_account_hidden(country_code):
    iban = IBAN.random(country_code, random=random.Random(country_code))

    summary = summarize_iban(str(iban))
    shown_characters = (summary.bank_code or "") + summary.last_four

    assert summary.country_code == country_code
    assert len(iban.bban) - len(shown_characters) >= MIN_HIDDEN_BBAN_CHARACTERS or summary.bank_code is None


@pytest.mark.parametrize(
    ("requested", "previous", "has_previous", "expected"),
    [
        (BELGIAN_IBAN, None, False, {"country_changed": True, "bank_changed": None}),
        (CREDIT_AGRICOLE_IBAN, None, False, {"country_changed": False, "bank_changed": None}),
        (BELGIAN_IBAN, CREDIT_AGRICOLE_IBAN, True, {"country_changed": True, "bank_changed": True}),
        (POSTE_IBAN, CREDIT_AGRICOLE_IBAN, True, {"country_changed": False, "bank_changed": True}),
        (CREDIT_AGRICOLE_IBAN, CREDIT_AGRICOLE_IBAN, True, {"country_changed": False, "bank_changed": False}),
    ],
)
def test_comparison_flags(requested, previous, has_previous, expected):
    previous_summary = summarize_iban(previous) if previous else None

    assert compare_summaries(summarize_iban(requested), previous_summary, has_previous=has_previous) == expected


def test_unreadable_previous_details_give_unknown():
    flags = compare_summaries(summarize_iban(BELGIAN_IBAN), None, has_previous=True)

    assert flags == {"country_changed": None, "bank_changed": None}
