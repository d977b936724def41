"""Test data of the gateway tests, created through the real accounts and ledger services.

Creditors and users go through the accounts service's own commands. Ledger
entries go through the ledger's FEC import route, from small FEC files
built here.
"""

from __future__ import annotations

import asyncio
import html
import re
import secrets
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import asyncpg
import pyotp
from aiohttp.test_utils import TestClient, TestServer

from services.accounts.app import DEFINITION as ACCOUNTS_DEFINITION
from services.accounts.commands import create_staff_user, create_user, ensure_creditor, link_account
from services.accounts.mail_sink import MailSink, StoredMessage, list_messages
from services.accounts.settings import AccountsSettings
from services.ledger.creditors import CreditorIdentity, set_creditor_identity
from services.ledger.domain import paris_today
from shared.principal import PrincipalSigner
from shared.service import create_service_app
from shared.web import POOL
from tests.conftest import Engines, ServiceClient, unique_id

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


async def create_creditor(accounts_pool: asyncpg.Pool, ledger: ServiceClient, name: str, *, identity: bool = True) -> str:
    """Create a creditor in both accounts and the ledger; return its id.

    The creditor gets a complete legal identity, without which the ledger
    issues no PDF and the statement shows no PDF link, unless ``identity`` is false.
    """
    creditor = unique_id("cred")
    await ensure_creditor(accounts_pool, creditor, name)
    body = {"name": name, "payment_terms": "30 jours"}
    response = await ledger.client.put(f"/creditors/{creditor}", json=body, headers=ledger.system_headers())
    if response.status != 200:
        raise RuntimeError(f"creating creditor {creditor} in the ledger failed: {await response.text()}")
    if identity:
        await store_ledger_identity(ledger, creditor)
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
    """Return the date `days` days before today in Europe/Paris, the calendar of the ledger's due dates and ageing.

    For one or two hours around midnight, the machine's UTC date is a day behind it.
    """
    return paris_today() - timedelta(days=days)


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


async def store_ledger_identity(ledger: ServiceClient, creditor_id: str) -> None:
    """Write CREDITOR_IDENTITY into the ledger's row of the creditor, as its identity event would.

    The accounts service owns the identity and sends it in an event. These
    tests do not run its relay, so they write the ledger's copy directly.
    """
    await set_creditor_identity(ledger.app[POOL], creditor_id, CreditorIdentity.model_validate(CREDITOR_IDENTITY))


async def give_creditor_identity(ledger: ServiceClient, creditor: CreditorAccount) -> None:
    """Store the creditor's legal identity in the ledger, so that its invoices can be rendered as PDF."""
    await store_ledger_identity(ledger, creditor.id)


@asynccontextmanager
async def accounts_with_mail(
    engines: Engines, signer: PrincipalSigner, mail_dir: Path, *, public_url: str = "http://127.0.0.1"
) -> AsyncIterator[ServiceClient]:
    """Run the accounts service as the embedded runtime does: mail to a local SMTP sink, IBANs encrypted.

    The sink listens on a free loopback port and stores each message in ``mail_dir``.
    Links in the e-mails start with ``public_url``.
    """
    sink = MailSink(mail_dir, port=0)
    await sink.start()
    settings = AccountsSettings(
        database_url=engines.service_dsn("accounts"),
        **engines.nats_settings("accounts"),
        principal_public_key=engines.secrets.principal_public_key,
        outbox_poll_seconds=0.2,
        smtp_host="127.0.0.1",
        smtp_port=sink.port,
        public_url=public_url,
        data_encryption_key=engines.secrets.data_encryption_key,
    )
    client = TestClient(TestServer(create_service_app(ACCOUNTS_DEFINITION, settings)))
    try:
        await client.start_server()
        yield ServiceClient(client, signer, "accounts")
    finally:
        await client.close()
        await sink.stop()


async def create_agency_member(
    accounts_pool: asyncpg.Pool, accounts: list[CreditorAccount], *, role: str, email: str | None = None
) -> AgencyLogin:
    """Create an agency holding ``accounts`` and one user with ``role`` and an e-mail address."""
    login = unique_id("member")
    password = new_password()
    agency_name = f"Agence {unique_id('immo')}"
    first, *others = accounts
    await create_user(
        accounts_pool,
        login=login,
        password=password,
        creditor=first.id,
        customer_account=first.customer_account,
        role=role,
        agency_name=agency_name,
        display_name="Claire Dubois",
        email=email or f"{login}@agence.example",
    )
    for account in others:
        await link_account(accounts_pool, login=login, creditor=account.id, customer_account=account.customer_account)
    return AgencyLogin(login, password, "Claire Dubois", agency_name, tuple(accounts))


async def add_agency_member(
    accounts_pool: asyncpg.Pool, colleague: AgencyLogin, *, role: str, email: str | None = None
) -> AgencyLogin:
    """Create another user with ``role`` in the agency of ``colleague``."""
    login = unique_id("member")
    password = new_password()
    first = colleague.accounts[0]
    await create_user(
        accounts_pool,
        login=login,
        password=password,
        creditor=first.id,
        customer_account=first.customer_account,
        role=role,
        display_name="Louis Bernard",
        email=email or f"{login}@agence.example",
    )
    return AgencyLogin(login, password, "Louis Bernard", colleague.agency_name, colleague.accounts)


async def create_staff_login(accounts_pool: asyncpg.Pool, creditors: list[str]) -> tuple[str, str]:
    """Create a staff user who works for ``creditors`` and return its login and password."""
    login = unique_id("staff")
    password = new_password()
    await create_staff_user(
        accounts_pool, login=login, password=password, creditors=creditors, email=f"{login}@creancier.example"
    )
    return login, password


async def fill_contact_sheets(accounts: ServiceClient, creditor: CreditorAccount, *, with_manager: bool = True) -> None:
    """Give ``creditor`` a billing and a collections service and, optionally, an account manager."""
    sheets = {
        "facturation": {"label": "Service facturation", "phone": "+33 1 42 68 53 00", "email": "facturation@creancier.example"},
        "recouvrement": {"label": "Service recouvrement", "phone": "+33 4 78 42 10 00", "email": "recouvrement@creancier.example"},
    }
    address = {"address_line1": "12 rue de la Paix", "postal_code": "75002", "city": "Paris", "country": "FR"}
    for service, sheet in sheets.items():
        response = await accounts.client.put(
            f"/staff/creditors/{creditor.id}/contact-sheets/{service}",
            json={**address, **sheet, "fax": "+33 1 42 68 53 01"},
            headers=accounts.system_headers(),
        )
        if response.status != 200:
            raise RuntimeError(f"storing the {service} sheet of {creditor.id} failed: {await response.text()}")
    if with_manager:
        response = await accounts.client.put(
            f"/staff/creditors/{creditor.id}/accounts/{creditor.customer_account}/manager",
            json={"name": "Sophie Laurent", "phone": "06 12 34 56 78", "email": "sophie.laurent@creancier.example"},
            headers=accounts.system_headers(),
        )
        if response.status != 200:
            raise RuntimeError(f"storing the manager of {creditor.id} failed: {await response.text()}")


async def wait_for_caught_mail(
    mail_dir: Path, predicate: Callable[[StoredMessage], bool], *, count: int = 1, timeout: float = 10.0
) -> list[StoredMessage]:
    """Return the sink's messages that match ``predicate`` once there are ``count`` of them.

    The accounts service sends mail after its transaction commits, so the
    message arrives a moment after the HTTP response. The wait is bounded and
    a timeout fails with the subjects that did arrive.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        matching = [message for message in list_messages(mail_dir) if predicate(message)]
        if len(matching) >= count:
            return matching
        if loop.time() > deadline:
            subjects = [message.subject for message in list_messages(mail_dir)]
            raise AssertionError(f"expected {count} matching messages, found {len(matching)}; the sink holds {subjects}")
        await asyncio.sleep(0.05)


def link_token_in(text: str, path: str) -> str:
    """Return the token of the first ``/{path}/{token}`` link in an e-mail body."""
    match = re.search(rf"/{path}/([A-Za-z0-9_-]+)", text)
    if match is None:
        raise AssertionError(f"no /{path}/ link in: {text}")
    return match.group(1)


async def enrol_totp_through_portal(gateway: TestClient, password: str) -> tuple[pyotp.TOTP, list[str]]:
    """Enrol the logged-in user, whose password is ``password``, in TOTP through the Sécurité page.

    Returns the app's generator and the recovery codes.

    The confirmation uses the code of the current 30-second step, so the next
    code the user may give is that of the following step (``next_totp_code``).
    """
    page = await (await gateway.get("/securite")).text()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    enrolment = await (
        await gateway.post("/securite/double-authentification", data={"csrf_token": token, "password": password})
    ).text()
    uri = html.unescape(re.search(r'name="otpauth_uri" value="([^"]+)"', enrolment).group(1))
    totp = pyotp.parse_uri(uri)
    confirmation = await gateway.post(
        "/securite/double-authentification/confirmation",
        data={"csrf_token": token, "otpauth_uri": uri, "code": totp.now()},
    )
    if confirmation.status != 200:
        raise AssertionError(f"TOTP confirmation failed with {confirmation.status}: {await confirmation.text()}")
    return totp, re.findall(r"<li><code>([a-z0-9-]+)</code></li>", await confirmation.text())


def next_totp_code(totp: pyotp.TOTP) -> str:
    """Return the code of the next 30-second step, which accounts accepts after the current one was used."""
    return totp.at(time.time() + 30)
