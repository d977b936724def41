"""Test data of the gateway tests, created through the real accounts and ledger services.

Creditors and users go through the accounts service's own commands. Ledger
entries go through the ledger's FEC import route, from small FEC files
built here.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import asyncpg

from services.accounts.commands import create_user, ensure_creditor, link_account
from tests.conftest import ServiceClient, unique_id

FEC_HEADER = (
    "JournalCode\tJournalLib\tEcritureNum\tEcritureDate\tCompteNum\tCompteLib\tCompAuxNum\tCompAuxLib\t"
    "PieceRef\tPieceDate\tEcritureLib\tDebit\tCredit\tEcritureLet\tDateLet\tValidDate\tMontantdevise\tIdevise"
)
VAT_RATE = Decimal("0.20")


def fec_day(day: date) -> str:
    return day.strftime("%Y%m%d")


def fec_amount(amount: Decimal | None) -> str:
    return "" if amount is None else f"{amount:.2f}".replace(".", ",")


def fec_line(
    journal: str,
    entry_number: str,
    day: date,
    account: str,
    customer: str,
    piece: str,
    label: str,
    debit: Decimal | None,
    credit: Decimal | None,
    lettering: str = "",
) -> str:
    return "\t".join(
        [
            journal, journal, entry_number, fec_day(day), account, "libellé", customer,
            "Agence" if customer else "", piece, fec_day(day), label,
            fec_amount(debit), fec_amount(credit), lettering, "", fec_day(day), "", "",
        ]
    )


@dataclass
class FecBuilder:
    """Lines of one FEC file; entry numbers are assigned in order."""

    lines: list[str] = field(default_factory=list)
    next_entry: int = 1

    def _entry_number(self) -> str:
        number = str(self.next_entry)
        self.next_entry += 1
        return number

    def invoice(self, customer: str, number: str, day: date, total: str, lettering: str = "") -> None:
        """Add a sales invoice of ``total`` euros including 20 % VAT."""
        amount = Decimal(total)
        net = (amount / (1 + VAT_RATE)).quantize(Decimal("0.01"))
        entry = self._entry_number()
        self.lines += [
            fec_line("VE", entry, day, "411000", customer, number, "Facture", amount, None, lettering),
            fec_line("VE", entry, day, "706000", "", number, "Facture", None, net),
            fec_line("VE", entry, day, "445710", "", number, "TVA", None, amount - net),
        ]

    def payment(self, customer: str, reference: str, day: date, total: str, lettering: str = "") -> None:
        """Add a bank transfer received from ``customer``."""
        amount = Decimal(total)
        entry = self._entry_number()
        self.lines += [
            fec_line("BQ", entry, day, "411000", customer, reference, "Virement", None, amount, lettering),
            fec_line("BQ", entry, day, "512000", "", reference, "Virement", amount, None),
        ]

    def to_bytes(self) -> bytes:
        return ("\r\n".join([FEC_HEADER, *self.lines]) + "\r\n").encode()


@dataclass(frozen=True)
class CreditorAccount:
    """A creditor and the agency's customer account there."""

    id: str
    name: str
    customer_account: str


@dataclass(frozen=True)
class AgencyLogin:
    """An agency user of one test and the accounts its agency holds."""

    login: str
    password: str
    display_name: str
    agency_name: str
    accounts: tuple[CreditorAccount, ...]


def new_password() -> str:
    return f"cheval correct {secrets.token_hex(6)}"


async def create_creditor(accounts_pool: asyncpg.Pool, ledger: ServiceClient, name: str) -> str:
    """Create a creditor in both accounts and the ledger; return its id."""
    creditor = unique_id("cred")
    await ensure_creditor(accounts_pool, creditor, name)
    response = await ledger.client.put(
        f"/creditors/{creditor}",
        json={"name": name, "payment_terms": "30 jours"},
        headers=ledger.system_headers(),
    )
    if response.status != 200:
        raise RuntimeError(f"creating creditor {creditor} in the ledger failed: {await response.text()}")
    return creditor


async def import_fec(ledger: ServiceClient, creditor: str, fec: FecBuilder) -> None:
    """Import ``fec`` into the ledger for ``creditor`` through its HTTP import route."""
    response = await ledger.client.post(
        f"/creditors/{creditor}/imports/fec",
        params={"file_name": f"{unique_id('fec')}.txt"},
        data=fec.to_bytes(),
        headers=ledger.system_headers(),
    )
    if response.status != 200:
        raise RuntimeError(f"FEC import for {creditor} failed: {await response.text()}")


async def create_agency_login(
    accounts_pool: asyncpg.Pool, accounts: list[CreditorAccount], *, role: str = "comptable"
) -> AgencyLogin:
    """Create an agency holding ``accounts`` and one user of it."""
    login = unique_id("agent")
    password = new_password()
    agency_name = f"Agence {unique_id('immo')}"
    display_name = "Camille Martin"
    first, *others = accounts
    await create_user(
        accounts_pool,
        login=login,
        password=password,
        creditor=first.id,
        customer_account=first.customer_account,
        role=role,
        agency_name=agency_name,
        display_name=display_name,
    )
    for account in others:
        await link_account(accounts_pool, login=login, creditor=account.id, customer_account=account.customer_account)
    return AgencyLogin(login, password, display_name, agency_name, tuple(accounts))


def days_ago(days: int) -> date:
    return date.today() - timedelta(days=days)


# The legal mentions the ledger prints on invoice PDFs. The ledger issues no PDF without them.
CREDITOR_IDENTITY = {
    "legal_name": "PRESSE IMMO TEST SAS",
    "legal_form": "SAS",
    "share_capital": "100000.00",
    "rcs_city": "Lyon",
    "siren": "812345676",
    "siret": "81234567600017",
    "vat_number": "FR19812345676",
    "address_lines": ["14 rue des Tanneurs"],
    "postal_code": "69002",
    "city": "Lyon",
    "email": "facturation@presse-immo.example",
    "iban": "FR7630002012340001234567846",
    "bic": "CRLYFRPP",
}


async def give_creditor_identity(ledger: ServiceClient, creditor: CreditorAccount) -> None:
    """Store the creditor's legal identity in the ledger, so that its invoices can be rendered as PDF."""
    response = await ledger.client.put(
        f"/creditors/{creditor.id}",
        json={"name": creditor.name, "payment_terms": "30 jours", "identity": CREDITOR_IDENTITY},
        headers=ledger.system_headers(),
    )
    if response.status != 200:
        raise RuntimeError(f"storing the identity of {creditor.id} in the ledger failed: {await response.text()}")
