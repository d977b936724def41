"""A creditor's legal identity in the accounts service: every mention its invoices print.

The ledger checks the identity again when the event that carries it arrives.
These tests show that an identity accepted here always passes there.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from decimal import Decimal

import pytest

from services.accounts.contacts import ADDRESS_FIELDS, identity_event, save_identity, validate_identity
from services.accounts.crypto import DataCipher
from services.accounts.validation import (
    ValidationError,
    validate_bic,
    validate_billing_details,
    validate_iban,
    validate_siren,
    validate_vat_number,
)
from services.accounts.validation.creditor import validate_share_capital
from services.accounts.validation.text import clean_text
from services.ledger.creditors import CreditorIdentity, InvalidIdentityEvent, identity_of_event
from shared.principal import Principal, Role
from tests.accounts.test_contacts import IDENTITY, staff_headers

STAFF = Principal(user_id="00000000-0000-0000-0000-00000000beef", role=Role.STAFF, expires_at=0)

FULL_IDENTITY = {
    **IDENTITY,
    "legal_form": "SAS",
    "share_capital": "100 000,50",
    "rcs_city": "Paris",
    "siret": "732 829 320 00074",
    "email": "facturation@presse-immo.example",
    "penalty_rate": "taux de la BCE majoré de 10 points",
}


def error_codes(body: dict) -> dict[str, str]:
    with pytest.raises(ValidationError) as raised:
        validate_identity(body)
    return {error.field: error.code for error in raised.value.errors}


def ledger_identity(values: dict) -> CreditorIdentity:
    """Pass validated values through the event, as the ledger receives them, and return the ledger's identity."""
    event = identity_event("Presse Immo", values, STAFF)
    _name, identity = identity_of_event(event.model_dump(mode="json"), uuid.uuid4())
    return identity


def test_identity_keeps_every_printed_field():
    values = validate_identity(FULL_IDENTITY)

    assert values["legal_form"] == "SAS"
    assert values["share_capital"] == Decimal("100000.50")
    assert values["rcs_city"] == "Paris"
    assert values["siret"] == "73282932000074"
    assert values["email"] == "facturation@presse-immo.example"
    assert values["iban"] == "FR7630006000011234567890189"
    assert values["penalty_rate"] == "taux de la BCE majoré de 10 points"


def test_identity_default_penalty_rate():
    values = validate_identity(IDENTITY)

    assert values["penalty_rate"] == "trois fois le taux d’intérêt légal"
    assert values["share_capital"] is None
    assert values["siret"] is None


@pytest.mark.parametrize(("field", "code"), [("vat_number", "vat.required"), ("iban", "iban.required"), ("bic", "bic.required")])
def test_identity_requires_invoice_fields(field, code):
    codes = error_codes({**IDENTITY, field: ""})

    assert codes == {field: code}


def test_identity_rejects_monaco_vat_number():
    # A Monaco company's number (SIREN part 000…) is valid for an agency, but
    # a creditor's VAT number must contain its SIREN.
    codes = error_codes({**IDENTITY, "vat_number": "FR34000123456"})

    assert codes == {"vat_number": "vat.siren_mismatch"}


def test_identity_rejects_bic_with_digit_bank_code():
    codes = error_codes({**IDENTITY, "iban": "DE89370400440532013000", "bic": "1BNKDEFF"})

    assert codes == {"bic": "bic.unsupported"}


def test_identity_rejects_iban_ledger_cannot_print():
    # schwifty accepts the Belgian bank code 539, but python-stdnum, which the
    # ledger uses to check IBANs, rejects it.
    codes = error_codes({**IDENTITY, "iban": "BE68 5390 0754 7034", "bic": "GKCCBEBB"})

    assert codes == {"iban": "iban.unsupported"}


def test_identity_rejects_siret_of_other_siren():
    codes = error_codes({**IDENTITY, "siret": "81234567600017"})

    assert codes == {"siret": "siret.siren_mismatch"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("10000", Decimal("10000.00")),
        ("10 000,5", Decimal("10000.50")),
        ("10\u202f000,50", Decimal("10000.50")),
        (10000, Decimal("10000.00")),
        (Decimal("0.10"), Decimal("0.10")),
        ("9999999999999.99", Decimal("9999999999999.99")),
        ("", None),
        (None, None),
    ],
)
def test_share_capital_accepted(value, expected):
    assert validate_share_capital(value) == expected


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (100000.5, "share_capital.format"),
        (True, "share_capital.format"),
        ("dix mille", "share_capital.format"),
        ("-5", "share_capital.format"),
        ("1e3", "share_capital.format"),
        (Decimal("NaN"), "share_capital.format"),
        ("10,005", "share_capital.precision"),
        (Decimal("-1"), "share_capital.range"),
        ("10000000000000", "share_capital.range"),
    ],
)
def test_share_capital_rejected(value, code):
    with pytest.raises(ValidationError) as raised:
        validate_share_capital(value)

    assert raised.value.codes == [code]
    assert raised.value.errors[0].message.startswith("Le capital social")


# Identities that accounts accepts, with the hard cases of each field.
ACCEPTED = [
    IDENTITY,
    FULL_IDENTITY,
    {**IDENTITY, "address_line2": "Bâtiment B", "address_line3": "CS 10001", "share_capital": Decimal("0")},
    {**IDENTITY, "legal_name": "  Presse\u00a0\u00a0Immobilière  ", "city": "Saint-Étienne", "postal_code": "42000"},
    {**IDENTITY, "legal_name": "Cafe\u0301 Presse", "rcs_city": "Besançon"},
    {**IDENTITY, "iban": "DE89 3704 0044 0532 0130 00", "bic": "COBADEFFXXX"},
    {**IDENTITY, "iban": "BE71 0961 2345 6769", "bic": "GKCCBEBB"},
    {**IDENTITY, "iban": "MC58 1122 2000 0101 2345 6789 030", "bic": "CMCIMCM1"},
    {**IDENTITY, "email": "compta.facturation@presse-immobiliere.example"},
    {**IDENTITY, "country": "BE", "postal_code": "1000", "city": "Bruxelles"},
    {**IDENTITY, "share_capital": "9 999 999 999 999,99"},
    {**IDENTITY, "legal_name": "x" * 120, "penalty_rate": "p" * 200},
]


@pytest.mark.parametrize("body", ACCEPTED, ids=range(len(ACCEPTED)))
def test_accepted_identity_passes_ledger(body):
    values = validate_identity(body)

    identity = ledger_identity(values)

    assert identity.iban == values["iban"]
    assert identity.siren == values["siren"]
    assert identity.vat_number == values["vat_number"]
    assert identity.share_capital == values["share_capital"]
    assert identity.legal_name == values["legal_name"]
    assert identity.address_lines == [
        line for line in (values["address_line1"], values["address_line2"], values["address_line3"]) if line
    ]


# Values that the ledger rejects. Accounts must reject each of them too.
LEDGER_REJECTS = [
    ("iban", "BE68539007547034"),
    ("vat_number", "FR34000123456"),
    ("bic", "1BNKFRPP"),
    ("siret", "81234567600017"),
    ("email", "facturation@localhost"),
    ("legal_name", "Presse\x85Immo"),
    ("share_capital", "10,005"),
    ("share_capital", "10000000000000"),
    ("iban", ""),
    ("bic", ""),
    ("vat_number", ""),
]


@pytest.mark.parametrize(("field", "value"), LEDGER_REJECTS)
def test_value_ledger_rejects_is_rejected(field, value):
    ledger_fields = {
        "legal_name": "Presse Immo", "siren": "732829320", "vat_number": "FR44732829320",
        "address_lines": ["8 avenue de l’Opéra"], "postal_code": "75001", "city": "Paris",
        "iban": "FR7630006000011234567890189", "bic": "AGRIFRPP",
    }
    ledger_value = None if value == "" else value
    with pytest.raises(Exception):
        CreditorIdentity.model_validate({**ledger_fields, field: ledger_value})

    codes = error_codes({**IDENTITY, field: value})

    assert field in codes


def test_ledger_error_hides_iban():
    event = identity_event("Presse Immo", validate_identity(IDENTITY), STAFF).model_dump(mode="json")
    event["iban"] = "FR7630006000011234567890188"

    with pytest.raises(InvalidIdentityEvent) as raised:
        identity_of_event(event, "event-1")

    assert "iban (iban_invalid)" in str(raised.value)
    assert "3000600001123456789018" not in str(raised.value)


async def test_put_identity_stores_new_fields(accounts, agency_admin):
    response = await accounts.client.put(
        f"/staff/creditors/{agency_admin.creditor}/identity",
        data=(
            '{"legal_name": "Presse Immobilière SAS", "siren": "732829320", "vat_number": "FR44732829320",'
            ' "address_line1": "8 avenue de l’Opéra", "postal_code": "75001", "city": "Paris", "country": "FR",'
            ' "iban": "FR76 3000 6000 0112 3456 7890 189", "bic": "AGRIFRPP", "legal_form": "SAS",'
            ' "share_capital": 100000.10, "rcs_city": "Paris", "siret": "73282932000074",'
            ' "email": "facturation@presse-immo.example"}'
        ).encode(),
        headers={**staff_headers(accounts, agency_admin.creditor), "Content-Type": "application/json"},
    )
    stored = await response.json()

    assert response.status == 200, stored
    assert stored["share_capital"] == "100000.10"
    assert stored["legal_form"] == "SAS"
    assert stored["siret"] == "73282932000074"
    assert stored["email"] == "facturation@presse-immo.example"
    assert stored["penalty_rate"] == "trois fois le taux d’intérêt légal"
    assert "iban" not in stored


async def test_put_identity_publishes_full_identity(accounts, agency_admin, accounts_pool):
    headers = staff_headers(accounts, agency_admin.creditor)
    path = f"/staff/creditors/{agency_admin.creditor}/identity"

    first = await accounts.client.put(path, json=FULL_IDENTITY, headers=headers)
    second = await accounts.client.put(path, json={**FULL_IDENTITY, "iban": "FR7630002012340001234567846", "bic": "CRLYFRPP"}, headers=headers)
    envelopes = await accounts_pool.fetch(
        """SELECT payload FROM outbox WHERE subject = 'accounts.creditor_identity.updated'
            AND payload ->> 'creditor_id' = $1 ORDER BY position""",
        agency_admin.creditor,
    )
    updated_at = await accounts_pool.fetchval(
        "SELECT updated_at FROM creditor_identities WHERE creditor_id = $1", agency_admin.creditor
    )

    assert (first.status, second.status) == (200, 200)
    assert len(envelopes) == 2
    older, newer = (row["payload"] for row in envelopes)
    assert older["data"]["iban"] == "FR7630006000011234567890189"
    assert newer["data"]["iban"] == "FR7630002012340001234567846"
    assert newer["data"]["share_capital"] == "100000.50"
    assert newer["data"]["address_lines"] == ["8 avenue de l’Opéra"]
    assert newer["data"]["name"]
    assert datetime.fromisoformat(older["occurred_at"]) < datetime.fromisoformat(newer["occurred_at"])
    assert datetime.fromisoformat(newer["occurred_at"]) == updated_at


async def test_rejected_identity_publishes_nothing(accounts, agency_admin, accounts_pool):
    response = await accounts.client.put(
        f"/staff/creditors/{agency_admin.creditor}/identity",
        json={**IDENTITY, "bic": "1BNKFRPP"},
        headers=staff_headers(accounts, agency_admin.creditor),
    )
    published = await accounts_pool.fetchval(
        """SELECT count(*) FROM outbox WHERE subject = 'accounts.creditor_identity.updated'
            AND payload ->> 'creditor_id' = $1""",
        agency_admin.creditor,
    )

    assert response.status == 422
    assert published == 0


def demo_bodies() -> list[dict]:
    """The demo creditors' identities as the staff route receives them: real values that pass every check."""
    from services.ledger.demo_data import DEMO_CREDITORS
    from services.runtime.demo import ledger_identity
    from services.runtime.identity_file import identity_body

    bodies = []
    for creditor in DEMO_CREDITORS:
        body, _problem = identity_body(ledger_identity(creditor.identity).model_dump(mode="json"))
        bodies.append(body)
    return bodies


@pytest.mark.parametrize("body", [*ACCEPTED, *demo_bodies()])
def test_identity_fields_match_former_checks(body):
    # The fields that validate_identity returned before the ledger's fields
    # were added still come from the same validators, with the same values.
    values = validate_identity(body)
    address = validate_billing_details({field: body.get(field) for field in ADDRESS_FIELDS})

    assert values["legal_name"] == clean_text(
        body["legal_name"], field="legal_name", label="Raison sociale", max_length=120, required=True
    )
    assert values["siren"] == validate_siren(body["siren"])
    assert values["vat_number"] == validate_vat_number(body["vat_number"])
    assert values["iban"] == validate_iban(body["iban"]).iban
    assert values["bic"] == validate_bic(body["bic"])
    for field in ADDRESS_FIELDS:
        assert values[field] == getattr(address, field), field
    terms = clean_text(
        body.get("payment_terms"), field="payment_terms", label="Conditions de paiement", max_length=200, required=False
    )
    assert values["payment_terms"] == (terms or "")


async def test_concurrent_saves_latest_event_matches_stored(agency_admin, accounts_pool, data_key):
    # Whatever order the saves commit in, the event with the latest
    # occurred_at carries the identity that accounts ends up storing, so the
    # ledger, which keeps the latest event, prints the same IBAN.
    cipher = DataCipher(data_key)
    ibans = ["FR7630006000011234567890189", "FR7630004000010001234567830"] * 4
    bics = {"FR7630006000011234567890189": "AGRIFRPP", "FR7630004000010001234567830": "BNPAFRPP"}

    await asyncio.gather(
        *(
            save_identity(
                accounts_pool, cipher, STAFF, agency_admin.creditor, validate_identity({**IDENTITY, "iban": iban, "bic": bics[iban]})
            )
            for iban in ibans
        )
    )
    stored_mask = await accounts_pool.fetchval(
        "SELECT iban_masked FROM creditor_identities WHERE creditor_id = $1", agency_admin.creditor
    )
    envelopes = [
        row["payload"]
        for row in await accounts_pool.fetch(
            """SELECT payload FROM outbox WHERE subject = 'accounts.creditor_identity.updated'
                AND payload ->> 'creditor_id' = $1""",
            agency_admin.creditor,
        )
    ]
    latest = max(envelopes, key=lambda envelope: datetime.fromisoformat(envelope["occurred_at"]))
    times = {envelope["occurred_at"] for envelope in envelopes}

    assert len(envelopes) == len(ibans)
    assert len(times) == len(ibans)
    assert stored_mask.endswith(latest["data"]["iban"][-4:])
