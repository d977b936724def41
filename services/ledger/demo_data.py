"""Deterministic FEC generator for demos and tests, for the creditors and agencies of `demo_identities`.

`generate_demo_fec` writes 18 months of a creditor's bookkeeping as a FEC file:
UTF-8 without BOM, tab separated, CRLF line ends, decimal comma. Journals are
AN (opening balances), VE (sales) and BQ (bank). Every agency with an account
at the creditor gets one subscription invoice on the first day of each month,
sometimes with an option line, and VAT at 20 %. Some invoices get a credit
note, most are paid by transfer, some are paid in part, and one agency per
creditor stops paying for the last months, so its invoices become overdue.

Lettering codes are AA, AB, ... per customer account, in the order of the
payments. A fully paid invoice shares an upper-case code with its credit notes
and its payment. A partly paid invoice shares the lower-case form of a code
(e.g. ``ab``) with the partial payment, the convention some accounting
software uses for partial lettering. Unpaid invoices are not lettered.

The identities are defined in `demo_identities` and importable from here too.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from services.ledger.demo_identities import (
    DEMO_AGENCIES,
    DEMO_CREDITORS,
    DemoAgency,
    DemoCreditor,
    LegalIdentity,
    demo_creditor,
)
from services.ledger.fec.records import FecLine
from services.ledger.fec.writer import format_fec

__all__ = [
    "DEMO_AGENCIES",
    "DEMO_CREDITORS",
    "DEMO_MONTHS",
    "VAT_RATE",
    "DemoAgency",
    "DemoCreditor",
    "LegalIdentity",
    "demo_creditor",
    "demo_fec_file_name",
    "generate_demo_fec",
]

DEMO_MONTHS = 18
VAT_RATE = Decimal("0.20")
_CENT = Decimal("0.01")
_MONTH_NAMES = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)
_JOURNALS = {"AN": "A nouveaux", "VE": "Ventes", "BQ": "Banque"}
_ACCOUNT_LABELS = {
    "101300": "Capital souscrit - appelé, versé",
    "110000": "Report à nouveau (solde créditeur)",
    "411000": "Clients",
    "445710": "TVA collectée 20 %",
    "512000": "Banque",
    "706100": "Prestations de services - abonnements",
    "706200": "Prestations de services - options",
}


def demo_fec_file_name(creditor: DemoCreditor, end_date: date) -> str:
    """Return the statutory FEC file name: SIREN, "FEC", then the closing date as YYYYMMDD."""
    return f"{creditor.identity.siren}FEC{end_date:%Y%m%d}.txt"


def generate_demo_fec(creditor: DemoCreditor, *, end_date: date, seed: int) -> bytes:
    """Generate the FEC of `creditor` for the 18 months ending at `end_date`.

    The same creditor, end date and seed always give the same bytes. The
    random draws come from a `random.Random` seeded with the creditor slug and
    `seed`, never from the global generator, so creditors differ for one seed.
    """
    book = _DemoBook(creditor, end_date, random.Random(f"{creditor.slug}:{seed}"))
    book.write_opening_balance()
    book.write_sales()
    book.write_payments()
    return format_fec(book.fec_lines())


@dataclass(slots=True)
class _Posting:
    """Draft of one FEC line, lettered after all entries exist."""

    account: str
    label: str
    debit: Decimal = Decimal("0.00")
    credit: Decimal = Decimal("0.00")
    customer: tuple[str, str] | None = None
    """(CompAuxNum, CompAuxLib) on customer lines."""
    piece_ref: str | None = None
    """PieceRef when it differs from the entry's, e.g. the invoice number in the opening balance."""
    piece_date: date | None = None
    lettering: str | None = None
    lettering_date: date | None = None


@dataclass(slots=True)
class _Entry:
    journal: str
    entry_date: date
    piece_ref: str
    postings: list[_Posting]


@dataclass(slots=True)
class _Receivable:
    """Amount a customer owes for one invoice net of its credit notes, with the customer lines to letter."""

    number: str
    issued: date
    amount: Decimal
    postings: list[_Posting]
    last_movement: date
    """Date of the invoice or of its latest credit note. The payment comes later."""


@dataclass(slots=True)
class _Settlement:
    paid_on: date
    postings: list[_Posting]
    partial: bool


class _DemoBook:
    """Entries of one creditor's demo FEC, built in chronological passes."""

    def __init__(self, creditor: DemoCreditor, end_date: date, rng: random.Random) -> None:
        self.creditor = creditor
        self.end_date = end_date
        self.rng = rng
        self.months = _month_starts(end_date, DEMO_MONTHS)
        self.customers = sorted(
            (agency.accounts[creditor.slug], agency.name)
            for agency in DEMO_AGENCIES
            if creditor.slug in agency.accounts
        )
        self.plans = {account: rng.choice(creditor.plan_prices) for account, _ in self.customers}
        self.late_payer = rng.choice(self.customers)[0]
        # Batch payers sometimes settle two invoices with one transfer.
        self.batch_payers = {
            account for account, _ in self.customers if account != self.late_payer and rng.random() < 0.5
        }
        self.entries: list[_Entry] = []
        self.receivables: defaultdict[str, list[_Receivable]] = defaultdict(list)
        self.invoice_counters: defaultdict[int, int] = defaultdict(int)
        self.credit_notes: list[tuple[_Entry, str]] = []
        """Credit-note entries and the invoice number each one reduces, numbered after all are written."""

    def write_opening_balance(self) -> None:
        """Write the AN entry: open invoices of the month before, bank balance, capital, retained earnings."""
        opened = self.months[0]
        previous_month = _month_starts(opened - timedelta(days=1), 1)[0]
        postings: list[_Posting] = []
        for account, name in self.customers:
            if self.rng.random() < 0.3:
                continue
            number = self._next_invoice_number(previous_month)
            amount = _with_vat(self.plans[account])
            posting = _Posting(
                "411000", f"A nouveau {number}", debit=amount, customer=(account, name),
                piece_ref=number, piece_date=previous_month,
            )
            postings.append(posting)
            self.receivables[account].append(
                _Receivable(number, previous_month, amount, [posting], last_movement=opened)
            )

        capital = self.creditor.identity.share_capital or Decimal("0.00")
        bank = capital + Decimal(self.rng.randint(8_000, 30_000))
        postings.append(_Posting("512000", "A nouveau banque", debit=bank))
        postings.append(_Posting("101300", "A nouveau capital", credit=capital))
        retained = sum((posting.debit - posting.credit for posting in postings), Decimal("0.00"))
        postings.append(_Posting("110000", "A nouveau report", credit=retained))
        self.entries.append(_Entry("AN", opened, "AN", postings))

    def write_sales(self) -> None:
        """Write one invoice per customer and month and some credit notes, then number the credit notes."""
        accounts = [account for account, _ in self.customers]
        forced_credit_note = (self.rng.choice(accounts), self.rng.randrange(1, len(self.months) - 2))
        for month_index, month in enumerate(self.months):
            for account, name in self.customers:
                receivable = self._write_invoice(month, account, name)
                if (account, month_index) == forced_credit_note or self.rng.random() < 0.05:
                    self._write_credit_note(receivable, account, name)

        self.credit_notes.sort(key=lambda item: item[0].entry_date)
        counters: defaultdict[int, int] = defaultdict(int)
        for entry, invoice_number in self.credit_notes:
            year = entry.entry_date.year
            counters[year] += 1
            number = f"AV{year}-{counters[year]:06d}"
            customer_posting, revenue_posting, vat_posting = entry.postings
            entry.piece_ref = number
            customer_posting.label = f"Avoir {number} sur {invoice_number}"
            revenue_posting.label = f"Geste commercial sur {invoice_number}"
            vat_posting.label = f"TVA collectée {number}"

    def write_payments(self) -> None:
        """Write the transfers of every customer and letter them with what they settle."""
        for account, name in self.customers:
            settlements = self._pay_customer(account, name)
            settlements.sort(key=lambda settlement: settlement.paid_on)
            for index, settlement in enumerate(settlements):
                code = _lettering_code(index)
                for posting in settlement.postings:
                    posting.lettering = code.lower() if settlement.partial else code
                    posting.lettering_date = settlement.paid_on

    def fec_lines(self) -> list[FecLine]:
        """Return the entries as FEC lines, in date order, numbered per journal."""
        journal_order = {journal: index for index, journal in enumerate(_JOURNALS)}
        # sorted() is stable, so entries of one day and journal keep their creation order.
        entries = sorted(self.entries, key=lambda entry: (entry.entry_date, journal_order[entry.journal]))
        counters: defaultdict[str, int] = defaultdict(int)
        lines: list[FecLine] = []
        for entry in entries:
            counters[entry.journal] += 1
            for posting in entry.postings:
                lines.append(_fec_line(entry, str(counters[entry.journal]), posting))
        return lines

    def _write_invoice(self, month: date, account: str, name: str) -> _Receivable:
        number = self._next_invoice_number(month)
        period = f"{_MONTH_NAMES[month.month - 1]} {month.year}"
        plan = self.plans[account]
        revenue = [_Posting("706100", f"Abonnement {period}", credit=plan)]
        if self.rng.random() < 0.2:
            option = self.rng.choice(self.creditor.option_prices)
            revenue.append(_Posting("706200", f"Option mise en avant {period}", credit=option))
        net = sum((posting.credit for posting in revenue), Decimal("0.00"))
        vat = _vat_of(net)

        customer_posting = _Posting(
            "411000", f"Facture {number} {name}", debit=net + vat, customer=(account, name)
        )
        vat_posting = _Posting("445710", f"TVA collectée {number}", credit=vat)
        self.entries.append(_Entry("VE", month, number, [customer_posting, *revenue, vat_posting]))
        receivable = _Receivable(number, month, net + vat, [customer_posting], last_movement=month)
        self.receivables[account].append(receivable)
        return receivable

    def _write_credit_note(self, receivable: _Receivable, account: str, name: str) -> None:
        issued = receivable.issued + timedelta(days=self.rng.randint(3, 12))
        if issued > self.end_date:
            return
        net = (self.plans[account] / 2).quantize(_CENT, ROUND_HALF_UP)
        vat = _vat_of(net)
        # Labels and PieceRef are written when `write_sales` numbers the credit notes.
        customer_posting = _Posting("411000", "", credit=net + vat, customer=(account, name))
        postings = [customer_posting, _Posting("706100", "", debit=net), _Posting("445710", "", debit=vat)]
        entry = _Entry("VE", issued, "", postings)
        self.entries.append(entry)
        self.credit_notes.append((entry, receivable.number))
        receivable.amount -= net + vat
        receivable.postings.append(customer_posting)
        receivable.last_movement = issued

    def _pay_customer(self, account: str, name: str) -> list[_Settlement]:
        """Write the transfers of one customer and return what each one settles."""
        receivables = self.receivables[account]
        unpaid_from = self.months[-5]
        partly_paid_month = self.months[-6]
        settlements: list[_Settlement] = []
        index = 0
        while index < len(receivables):
            batch = [receivables[index]]
            index += 1
            partial = False
            if account == self.late_payer:
                if batch[0].issued >= unpaid_from:
                    continue
                partial = batch[0].issued == partly_paid_month
                delay = self.rng.randint(20, 45)
            else:
                draw = self.rng.random()
                if draw < 0.03:
                    continue
                partial = draw > 0.95
                delay = self.rng.randint(5, 30)
                pays_next_too = account in self.batch_payers and self.rng.random() < 0.5
                if not partial and pays_next_too and index < len(receivables):
                    batch.append(receivables[index])
                    index += 1
                    delay = self.rng.randint(15, 40)

            paid_on = max(receivable.last_movement for receivable in batch) + timedelta(days=delay)
            if paid_on > self.end_date:
                continue
            due = sum((receivable.amount for receivable in batch), Decimal("0.00"))
            amount = _partial_amount(due, self.rng) if partial else due
            settled_postings = [posting for receivable in batch for posting in receivable.postings]
            settled_postings.append(self._write_transfer(paid_on, amount, account, name, batch))
            settlements.append(_Settlement(paid_on, settled_postings, partial))
        return settlements

    def _write_transfer(
        self, paid_on: date, amount: Decimal, account: str, name: str, batch: list[_Receivable]
    ) -> _Posting:
        numbers = " ".join(receivable.number for receivable in batch)
        piece_ref = f"VIR{paid_on:%y%m%d}{account[-3:]}"
        customer_posting = _Posting(
            "411000", f"Virement {name} {numbers}", credit=amount, customer=(account, name)
        )
        bank_posting = _Posting("512000", f"Virement {name}", debit=amount)
        self.entries.append(_Entry("BQ", paid_on, piece_ref, [bank_posting, customer_posting]))
        return customer_posting

    def _next_invoice_number(self, issued: date) -> str:
        self.invoice_counters[issued.year] += 1
        return f"FA{issued.year}-{self.invoice_counters[issued.year]:06d}"


def _month_starts(end_date: date, count: int) -> list[date]:
    """Return the first days of the `count` months that end with the month of `end_date`."""
    starts = []
    year, month = end_date.year, end_date.month
    for _ in range(count):
        starts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts[::-1]


def _vat_of(net: Decimal) -> Decimal:
    return (net * VAT_RATE).quantize(_CENT, ROUND_HALF_UP)


def _with_vat(net: Decimal) -> Decimal:
    return net + _vat_of(net)


def _partial_amount(due: Decimal, rng: random.Random) -> Decimal:
    """Return a whole number of euros between 30 % and 70 % of `due`, and always less than `due`."""
    amount = (due * rng.randint(30, 70) / 100).quantize(Decimal("1"), ROUND_HALF_UP)
    return min(max(amount, Decimal(1)), due - _CENT).quantize(_CENT)


def _lettering_code(index: int) -> str:
    """Return the lettering code number `index`: AA to ZZ, then AAA onwards."""
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    length = 2 if index < 26 * 26 else 3
    if length == 3:
        index -= 26 * 26
    code = ""
    for _ in range(length):
        index, remainder = divmod(index, 26)
        code = letters[remainder] + code
    return code


def _fec_line(entry: _Entry, entry_number: str, posting: _Posting) -> FecLine:
    aux_account, aux_label = posting.customer if posting.customer else (None, None)
    return FecLine(
        line_number=0,
        journal_code=entry.journal,
        journal_label=_JOURNALS[entry.journal],
        entry_number=entry_number,
        entry_date=entry.entry_date,
        account_number=posting.account,
        account_label=_ACCOUNT_LABELS[posting.account],
        aux_account=aux_account,
        aux_label=aux_label,
        piece_ref=posting.piece_ref or entry.piece_ref,
        piece_date=posting.piece_date or entry.entry_date,
        label=posting.label,
        debit=posting.debit,
        credit=posting.credit,
        lettering=posting.lettering,
        lettering_date=posting.lettering_date,
        validation_date=entry.entry_date,
        currency_amount=None,
        currency=None,
    )
