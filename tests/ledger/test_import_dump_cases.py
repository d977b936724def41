"""Import cases that `test_import_dump` does not cover, compared with dumps of the code before the planning rework.

Each scenario imports files for a new creditor. The cases are a later file
that repeats entries under new numbers, card receipts, pushed documents,
opening balances, files rejected at several steps, accounts that exist
without entries, pending allocations, and concurrent imports of the same
bytes. The summaries or errors of the imports and `normalised_dump` of the
creditor are hashed and compared with `snapshots/import_dump_cases.json`.
The snapshots were recorded with the code of commit cabaedb ("Drop derived
match flags and share the duplicated-key message"), which rebuilt the
per-day totals of each account at the end of an import. Every scenario also
checks the per-day totals against a fresh aggregate of the entries.

To record new snapshots after a change of behaviour, run this file with
UPDATE_IMPORT_DUMPS=1 and explain the change in the commit.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from services.ledger.fec import FecError
from services.ledger.importer import import_fec
from services.ledger.operations import record_payment
from tests.ledger.test_feed import creditor_with_terms, invoice_body, post
from tests.ledger.test_feed_and_fec import booked_invoice, transfer
from tests.ledger.test_import import fec_bytes, new_creditor, row
from tests.ledger.test_import_card_receipts import pay_by_card, receipt
from tests.ledger.test_import_dump import assert_matches_snapshot, normalised_dump, snapshot_day  # noqa: F401 (fixture)
from tests.ledger.test_import_planning import stored_totals, totals_from_entries
from tests.ledger.test_operations import seeded_account
from tests.ledger.test_statement import invoice_rows, payment_rows

# Some scenarios date their lines from today, so they run on the day their snapshots were recorded.
pytestmark = pytest.mark.usefixtures("snapshot_day")

SNAPSHOTS = Path(__file__).parent / "snapshots" / "import_dump_cases.json"
# An earlier import as messages name it, "import 26 du 05/12/2026".
IMPORT_REFERENCE = re.compile(r"import (\d+) du \d{2}/\d{2}/\d{4}")


def invoice(number: str, piece: str = "FA1", amount: str = "120,00", lettering: str = "", account: str = "C001"):
    return [
        row("VE", number, "20260110", "411000", account, piece, "Facture", amount, "", lettering),
        row("VE", number, "20260110", "706000", "", piece, "Facture", "", amount),
    ]


def bank_receipt(number: str, piece: str = "CHQ", amount: str = "120,00", lettering: str = ""):
    return [
        row("BQ", number, "20260120", "411000", "C001", piece, "Chèque", "", amount, lettering),
        row("BQ", number, "20260120", "512000", "", piece, "Chèque", amount, ""),
    ]


def opening_balance(number: str, when: str, amount: str, lettering: str = "", entry: str = "1", account: str = "C001"):
    return [
        row("AN", entry, when, "411000", account, number, f"A nouveau {number}", amount, "", lettering),
        row("AN", entry, when, "890000", "", "AN", "A nouveau", "", amount),
    ]


class Scenario:
    """The outcome of each import of one scenario, in order."""

    def __init__(self, pool) -> None:
        self.pool = pool
        self.outcomes: list[dict] = []

    async def run(self, creditor: str, data: bytes, file_name: str) -> None:
        """Import `data` and record its summary, or its error and what the rejected import left behind."""
        digest = hashlib.sha256(data).hexdigest()
        try:
            summary = await import_fec(self.pool, creditor, data, file_name=file_name)
        except FecError as error:
            self.outcomes.append({
                "file": file_name,
                "error": type(error).__name__,
                "message": await self.with_import_ranks(creditor, str(error)),
                # Other tests may have imported the same bytes, so only a file that no import references counts.
                "unreferenced_stored_files": await self.pool.fetchval(
                    """SELECT count(*) FROM received_files
                        WHERE sha256 = $1 AND NOT EXISTS (SELECT FROM imports WHERE file_sha256 = $1)""",
                    digest,
                ),
                "imports": await self.pool.fetchval(
                    "SELECT count(*) FROM imports WHERE creditor_id = $1 AND file_sha256 = $2", creditor, digest
                ),
            })
            return
        result = summary.as_json()
        del result["creditor"], result["import_id"]
        result["warnings"] = [await self.with_import_ranks(creditor, warning) for warning in result["warnings"]]
        self.outcomes.append({"file": file_name, "summary": result})

    async def with_import_ranks(self, creditor: str, text: str) -> str:
        """Replace "import <id> du <date>" in a message with the import's rank, because ids and dates vary."""
        rows = await self.pool.fetch("SELECT id FROM imports WHERE creditor_id = $1 ORDER BY id", creditor)
        ranks = {row["id"]: rank for rank, row in enumerate(rows)}
        return IMPORT_REFERENCE.sub(lambda match: f"import #{ranks[int(match[1])]} du <date>", text)


async def renumbered(pool) -> tuple[str, list[dict]]:
    creditor = await new_creditor(pool)
    scenario = Scenario(pool)
    await scenario.run(creditor, fec_bytes(*invoice("12"), *bank_receipt("13", piece="VIR1", amount="20,00")), "a.txt")
    await scenario.run(
        creditor,
        fec_bytes(*invoice("345", lettering="AA"), *bank_receipt("346", lettering="AA"),
                  *bank_receipt("347", piece="VIR1", amount="20,00")),
        "b.txt",
    )
    await scenario.run(
        creditor,
        fec_bytes(*invoice("345", lettering="AA"), *bank_receipt("346", lettering="AA"),
                  *bank_receipt("350", piece="VIR9", amount="5,00"), *invoice("351", piece="FA2", account="C002")),
        "c.txt",
    )
    # The invoice again under another number with another amount: a changed document, so rejected.
    await scenario.run(creditor, fec_bytes(*invoice("400", amount="130,00")), "d.txt")
    return creditor, scenario.outcomes


async def card_receipts(pool) -> tuple[str, list[dict]]:
    creditor = await seeded_account(pool, ("FA1", "2000,00"))
    await pay_by_card(pool, creditor)
    await pay_by_card(pool, creditor, "300.00", "pay_second")
    scenario = Scenario(pool)
    first_receipt = receipt("VIR0042", "CB pay_01j9zk4t Agence du Parc", "500,00")
    await scenario.run(creditor, fec_bytes(*first_receipt), "bank.txt")
    lettered = [
        *receipt("VIR0042", "CB pay_01j9zk4t Agence du Parc", "500,00", lettering="Q"),
        *receipt("pay_second", "Carte", "300,00", number="R2", lettering="Q"),
    ]
    await scenario.run(creditor, fec_bytes(*lettered), "bank2.txt")
    # Every line repeats a stored one but the last, which repeats the line before it.
    await scenario.run(creditor, fec_bytes(*lettered, *receipt("pay_second", "Carte", "300,00", number="R2", lettering="Q")),
                       "bank3.txt")
    return creditor, scenario.outcomes


async def pushed_documents(pool, service) -> tuple[str, list[dict]]:
    creditor = await creditor_with_terms(pool)
    await post(service, creditor, invoice_body(number="FA-F1"))
    await post(service, creditor, invoice_body(number="FA-F2", account="C002"))
    scenario = Scenario(pool)
    await scenario.run(creditor, fec_bytes(*booked_invoice("FA-F1", "332,90", "280,00", "52,90")), "booked.txt")
    renumbered_booking = [
        line.replace("VE\tVE\t7\t", "VE\tVE\t70\t") for line in booked_invoice("FA-F1", "332,90", "280,00", "52,90", "K")
    ]
    await scenario.run(creditor, fec_bytes(*renumbered_booking, *transfer("VIRX", "332,90", "K")), "final.txt")
    # The booking of FA-F2 with another amount than the pushed document's: rejected.
    other_amount = [line.replace("C001", "C002") for line in booked_invoice("FA-F2", "100,00", "80,00", "20,00")]
    await scenario.run(creditor, fec_bytes(*other_amount), "other.txt")
    return creditor, scenario.outcomes


async def opening_balances(pool) -> tuple[str, list[dict]]:
    creditor = await new_creditor(pool)
    scenario = Scenario(pool)
    await scenario.run(
        creditor,
        fec_bytes(*invoice_rows("FA1", "1", "20241103", "C001", "100,00"),
                  *invoice_rows("FA2", "2", "20241203", "C001", "40,00", "M")),
        "2024.txt",
    )
    # A carry-forward whose total differs from the account's balance: rejected.
    await scenario.run(creditor, fec_bytes(*opening_balance("FA1", "20250101", "90,00")), "2025-wrong.txt")
    await scenario.run(
        creditor,
        fec_bytes(*opening_balance("FA1", "20250101", "100,00"), *opening_balance("FA2", "20250101", "40,00", "M", "2"),
                  *payment_rows("VIR1", "3", "20250110", "C001", "40,00", "M")),
        "2025.txt",
    )
    # Opening balances of an account without earlier entries are stored.
    await scenario.run(creditor, fec_bytes(*opening_balance("FA7", "20250101", "70,00", account="C007")), "c007.txt")
    return creditor, scenario.outcomes


async def rejected_files(pool) -> tuple[str, list[dict]]:
    creditor = await new_creditor(pool)
    scenario = Scenario(pool)
    await scenario.run(creditor, fec_bytes(*invoice_rows("FA1", "1", "20250103", "C001", "100,00")), "a.txt")
    # The first file of C002 gives it FA1 of C001: a moved document, found while every line of C002 is new.
    await scenario.run(creditor, fec_bytes(*invoice_rows("FA1", "7", "20250104", "C002", "100,00")), "moved.txt")
    await scenario.run(creditor, fec_bytes(*invoice_rows("FA1", "1", "20250103", "C001", "110,00")), "changed.txt")
    await scenario.run(creditor, fec_bytes(*invoice_rows("FA1", "1", "20250105", "C001", "100,00")), "redated.txt")
    await scenario.run(creditor, b"not a FEC file\n", "unreadable.txt")
    await scenario.run(
        creditor,
        fec_bytes(*invoice_rows("FA1", "1", "20250103", "C001", "100,00"),
                  *invoice_rows("FA2", "2", "20250106", "C003", "70,00")),
        "accepted.txt",
    )
    return creditor, scenario.outcomes


async def accounts_without_entries(pool) -> tuple[str, list[dict]]:
    creditor = await new_creditor(pool)
    # As a billing address update creates an account before any document.
    await pool.execute(
        "INSERT INTO customer_accounts (creditor_id, account_number, label) VALUES ($1, 'C005', 'Client C005')", creditor
    )
    scenario = Scenario(pool)
    await scenario.run(
        creditor,
        fec_bytes(*invoice_rows("FA5", "1", "20250103", "C005", "100,00", "L"),
                  *payment_rows("VIR5", "2", "20250110", "C005", "100,00", "L")),
        "a.txt",
    )
    return creditor, scenario.outcomes


async def pending_allocations(pool) -> tuple[str, list[dict]]:
    creditor = await new_creditor(pool)
    scenario = Scenario(pool)
    await scenario.run(creditor, fec_bytes(*invoice_rows("FA1", "1", "20250103", "C001", "100,00")), "a.txt")
    async with pool.acquire() as connection, connection.transaction():
        # Card payments of invoices that the ledger does not have yet: C004 has no entry but its payment.
        await record_payment(
            connection, creditor=creditor, account="C004", payment_id="pay-early",
            amount=Decimal("45.00"), invoices=[("FA9", Decimal("45.00"))], paid_on=date(2025, 2, 1),
        )
        await record_payment(
            connection, creditor=creditor, account="C001", payment_id="pay-early-2",
            amount=Decimal("25.00"), invoices=[("FA8", Decimal("25.00"))], paid_on=date(2025, 2, 1),
        )
    await scenario.run(
        creditor,
        fec_bytes(*invoice_rows("FA9", "9", "20250130", "C004", "45,00"),
                  *invoice_rows("FA8", "8", "20250130", "C001", "60,00", "Z"),
                  *payment_rows("VIR8", "10", "20250131", "C001", "20,00", "Z")),
        "b.txt",
    )
    return creditor, scenario.outcomes


async def concurrent_same_bytes(pool) -> tuple[str, list[dict]]:
    creditor = await new_creditor(pool)
    data = fec_bytes(*invoice_rows("FA1", "1", "20250103", "C001", "100,00"),
                     *payment_rows("VIR1", "2", "20250110", "C001", "40,00"))
    summaries = await asyncio.gather(*(import_fec(pool, creditor, data, file_name="same.txt") for _ in range(3)))
    outcomes = [
        {"already_imported": summary.already_imported, "entries_created": summary.entries_created,
         "warnings": summary.warnings}
        for summary in summaries
    ]
    assert len({summary.import_id for summary in summaries}) == 1
    return creditor, sorted(outcomes, key=lambda outcome: outcome["already_imported"])


SCENARIOS = {
    "renumbered": renumbered,
    "card-receipts": card_receipts,
    "opening-balances": opening_balances,
    "rejected-files": rejected_files,
    "accounts-without-entries": accounts_without_entries,
    "pending-allocations": pending_allocations,
    "concurrent-same-bytes": concurrent_same_bytes,
}


async def assert_dump_unchanged(pool, scenario: str, creditor: str, outcomes: list[dict], tmp_path) -> None:
    """Compare the outcomes and dump of `scenario` with its snapshot, or record it with UPDATE_IMPORT_DUMPS=1."""
    dump = await normalised_dump(pool, creditor)
    for event in dump["outbox"]:
        # The ledger service gives the events of each pushed document a random correlation id.
        event["payload"]["correlation_id"] = event["payload"]["correlation_id"] is not None
    text = json.dumps({"outcomes": outcomes, "dump": dump}, ensure_ascii=False, sort_keys=True, indent=1)
    assert_matches_snapshot(SNAPSHOTS, scenario, text, tmp_path)


@pytest.mark.parametrize("scenario", list(SCENARIOS))
async def test_import_case_dump_unchanged(ledger_pool, scenario, tmp_path):
    creditor, outcomes = await SCENARIOS[scenario](ledger_pool)

    await assert_dump_unchanged(ledger_pool, scenario, creditor, outcomes, tmp_path)
    assert await stored_totals(ledger_pool, creditor) == await totals_from_entries(ledger_pool, creditor)


async def test_pushed_documents_dump_unchanged(ledger_pool, ledger_service, tmp_path):
    creditor, outcomes = await pushed_documents(ledger_pool, ledger_service)

    await assert_dump_unchanged(ledger_pool, "pushed-documents", creditor, outcomes, tmp_path)
    assert await stored_totals(ledger_pool, creditor) == await totals_from_entries(ledger_pool, creditor)


async def test_concurrent_files_of_one_creditor(ledger_pool):
    creditor = await new_creditor(ledger_pool)
    first = fec_bytes(*invoice_rows("FA1", "1", "20250103", "C001", "100,00", "A"),
                      *payment_rows("VIR1", "2", "20250110", "C001", "100,00", "A"))
    second = fec_bytes(*invoice_rows("FA2", "3", "20250104", "C001", "50,00"),
                       *invoice_rows("FA3", "4", "20250105", "C002", "30,00"))

    summaries = await asyncio.gather(
        import_fec(ledger_pool, creditor, first, file_name="first.txt"),
        import_fec(ledger_pool, creditor, second, file_name="second.txt"),
    )

    entries = await ledger_pool.fetch(
        "SELECT document_number, open_amount FROM entries WHERE creditor_id = $1 ORDER BY document_number", creditor
    )
    assert [summary.entries_created for summary in summaries] == [2, 2]
    assert [(entry["document_number"], entry["open_amount"]) for entry in entries] == [
        ("FA1", Decimal("0.00")), ("FA2", Decimal("50.00")), ("FA3", Decimal("30.00")), ("VIR1", Decimal("0.00")),
    ]
    assert await stored_totals(ledger_pool, creditor) == await totals_from_entries(ledger_pool, creditor)
