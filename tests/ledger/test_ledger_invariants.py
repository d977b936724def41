"""Property-based checks of the ledger invariants over random operation sequences."""

from __future__ import annotations

import ast
import asyncio
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.ledger.creditors import upsert_creditor
from services.ledger.domain import EntryKind, paris_today
from services.ledger.operations import (
    AlreadyReversed,
    ensure_account,
    impute_credit_note,
    insert_entry,
    record_payment,
    reverse_payment,
)
from shared.db import create_pool
from tests.conftest import unique_id

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000.00"), places=2)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("invoice"), amounts),
        st.tuples(st.just("credit_note"), amounts, st.integers(0, 5)),
        st.tuples(st.just("payment"), amounts, st.lists(st.tuples(st.integers(0, 7), amounts), max_size=3)),
        st.tuples(st.just("reverse"), st.integers(0, 5)),
    ),
    min_size=1,
    max_size=14,
)


async def apply_operations(dsn: str, steps: list[tuple]) -> tuple[str, object]:
    pool = await create_pool(dsn, max_size=2)
    creditor = unique_id("prop")
    account = "C001"
    await upsert_creditor(pool, creditor, "Propriétés")
    invoices: list[str] = []
    notes: list[str] = []
    payments: list[str] = []
    async with pool.acquire() as connection:
        await ensure_account(connection, creditor, account)
        for index, step in enumerate(steps):
            async with connection.transaction():
                kind = step[0]
                if kind == "invoice":
                    number = f"FA{index}"
                    await insert_entry(connection, creditor=creditor, account=account, kind=EntryKind.INVOICE,
                                       number=number, document_date=paris_today(), amount=step[1],
                                       label="", source="test", source_key=number)
                    invoices.append(number)
                elif kind == "credit_note":
                    number = f"AV{index}"
                    await insert_entry(connection, creditor=creditor, account=account, kind=EntryKind.CREDIT_NOTE,
                                       number=number, document_date=paris_today(), amount=step[1],
                                       label="", source="test", source_key=number)
                    notes.append(number)
                    if invoices:
                        await impute_credit_note(connection, creditor=creditor, account=account,
                                                 credit_note_number=number,
                                                 invoice_number=invoices[step[2] % len(invoices)])
                elif kind == "payment":
                    number = f"PAY{index}"
                    targets = [(f"FA{target}", amount) for target, amount in step[2]]
                    await record_payment(connection, creditor=creditor, account=account, payment_id=number,
                                         amount=step[1], invoices=targets)
                    payments.append(number)
                elif kind == "reverse" and payments:
                    try:
                        await reverse_payment(connection, creditor=creditor, account=account,
                                              payment_number=payments[step[1] % len(payments)], reason="rejet")
                    except AlreadyReversed:
                        pass
    return creditor, pool


async def check_invariants(dsn: str, steps: list[tuple]) -> None:
    creditor, pool = await apply_operations(dsn, steps)
    try:
        entries = await pool.fetch(
            """SELECT e.id, e.debit, e.credit, e.open_amount,
                      coalesce((SELECT sum(a.amount) FROM allocations a WHERE a.reversed_at IS NULL
                                 AND (a.debit_entry_id = e.id OR a.credit_entry_id = e.id)), 0) AS allocated
                 FROM entries e WHERE e.creditor_id = $1""",
            creditor,
        )
        # An allocation moves money from one credit to one debit of the same account.
        misdirected = await pool.fetch(
            """SELECT a.id
                 FROM allocations a
                 JOIN entries d ON d.id = a.debit_entry_id
                 JOIN entries c ON c.id = a.credit_entry_id
                WHERE a.creditor_id = $1 AND a.reversed_at IS NULL
                  AND NOT (d.debit > 0 AND c.credit > 0 AND a.amount > 0
                           AND d.customer_account = a.customer_account
                           AND c.customer_account = a.customer_account)""",
            creditor,
        )
        # Each allocation's code is on both of its entries, unless they already had another.
        uncoded = await pool.fetchval(
            """SELECT count(*)
                 FROM allocations a
                 JOIN entries d ON d.id = a.debit_entry_id
                 JOIN entries c ON c.id = a.credit_entry_id
                WHERE a.creditor_id = $1 AND a.reversed_at IS NULL
                  AND (d.lettering IS NULL OR c.lettering IS NULL)""",
            creditor,
        )
        kept_totals = await pool.fetchrow(
            """SELECT coalesce(sum(entry_count), 0) AS rows, coalesce(sum(debit), 0) AS debit,
                      coalesce(sum(credit), 0) AS credit, coalesce(sum(open_signed), 0) AS open_signed,
                      coalesce(sum(open_debit_amount), 0) AS open_debits
                 FROM account_daily_totals WHERE creditor_id = $1""",
            creditor,
        )
        balance = sum((r["debit"] - r["credit"] for r in entries), Decimal("0"))
        still_due = sum((r["open_amount"] for r in entries if r["debit"] > 0), Decimal("0"))
        unallocated = sum((r["open_amount"] for r in entries if r["credit"] > 0), Decimal("0"))

        for record in entries:
            assert type(record["open_amount"]) is Decimal
            assert 0 <= record["allocated"] <= record["debit"] + record["credit"]
            assert record["allocated"] == record["debit"] + record["credit"] - record["open_amount"]
        assert misdirected == []
        assert uncoded == 0
        assert balance == still_due - unallocated
        assert kept_totals["rows"] == len(entries)
        assert kept_totals["debit"] - kept_totals["credit"] == balance
        assert kept_totals["open_signed"] == still_due - unallocated
        assert kept_totals["open_debits"] == still_due
    finally:
        await pool.close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=operations)
def test_random_operations_keep_ledger_invariants(engines, steps):
    asyncio.run(check_invariants(engines.service_dsn("ledger"), steps))


LEDGER_ROOT = Path(__file__).resolve().parents[2] / "services" / "ledger"
# Modules whose floats are not money: PDF layout in points, the demo
# generator's random draws (its amounts are built from integers), and the
# field check that rejects a float.
FLOAT_ALLOWED = {
    "demo_data.py",
    "statement_pdf.py",
    "documents/pdf.py",
    "documents/pdf_sections.py",
    "documents/pdf_style.py",
    "documents/pdf_text.py",
    "documents/fields.py",
}


def test_money_paths_never_use_float():
    offenders = []
    for path in sorted(LEDGER_ROOT.rglob("*.py")):
        relative = path.relative_to(LEDGER_ROOT).as_posix()
        if relative in FLOAT_ALLOWED:
            continue
        tree = ast.parse(path.read_text(), filename=relative)
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id == "float":
                offenders.append(f"{relative}:{node.lineno} uses float")
            if isinstance(node, ast.Constant) and isinstance(node.value, float):
                offenders.append(f"{relative}:{node.lineno} has the float literal {node.value}")

    assert offenders == []
