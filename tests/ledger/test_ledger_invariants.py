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
        groups = await pool.fetch(
            """SELECT a.lettering,
                      sum(a.amount) FILTER (WHERE d.debit > 0) AS debit_side,
                      sum(a.amount) FILTER (WHERE c.credit > 0) AS credit_side
                 FROM allocations a
                 JOIN entries d ON d.id = a.debit_entry_id
                 JOIN entries c ON c.id = a.credit_entry_id
                WHERE a.creditor_id = $1 AND a.reversed_at IS NULL
                GROUP BY a.lettering""",
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
        for group in groups:
            assert group["debit_side"] == group["credit_side"]
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


MONEY_MODULES = [
    "services/ledger/allocation.py",
    "services/ledger/operations.py",
    "services/ledger/importer.py",
    "services/ledger/statement.py",
    "services/ledger/domain.py",
    "services/ledger/consumers.py",
    "services/ledger/events.py",
    *[str(path.relative_to(Path(__file__).resolve().parents[2])) for path in
      (Path(__file__).resolve().parents[2] / "services/ledger/fec").glob("*.py")],
]


def test_money_paths_never_use_float():
    root = Path(__file__).resolve().parents[2]
    offenders = []
    for relative in MONEY_MODULES:
        tree = ast.parse((root / relative).read_text(), filename=relative)
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id == "float":
                offenders.append(f"{relative}:{node.lineno} uses float")
            if isinstance(node, ast.Constant) and isinstance(node.value, float):
                offenders.append(f"{relative}:{node.lineno} has the float literal {node.value}")

    assert offenders == []
