"""Opening-balance entries on the statement: an invoice of an earlier year still due is selectable."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from services.ledger.domain import paris_today
from services.ledger.importer import import_fec
from tests.ledger.test_feed import invoice_body, post
from tests.ledger.test_import import fec_bytes, row
from tests.ledger.test_rendering import creditor_with_identity
from tests.ledger.test_statement import day, get_statement, invoice_rows, payment_rows


def opening_balance_rows(number: str, when: str, amount: str, lettering: str = "") -> list[str]:
    """Return an opening-balance entry that carries forward `number`, due by C001, to `when`."""
    return [
        row("AN", "1", when, "411000", "C001", number, f"A nouveau {number}", amount, "", lettering),
        row("AN", "1", when, "890000", "", "AN", "A nouveau", "", amount),
    ]


async def seed(ledger_pool) -> str:
    """C001 opens with FA-OLD1 still due and FA-OLD2 paid since, then gets FA-NEW1 this month."""
    creditor = await creditor_with_identity(ledger_pool)
    lines = [
        *opening_balance_rows("FA-OLD1", day(-400), "418,80"),
        *opening_balance_rows("FA-OLD2", day(-400), "120,00", "AA"),
        *payment_rows("VIR1", "2", day(-380), "C001", "120,00", "AA"),
        *invoice_rows("FA-NEW1", "3", day(-5), "C001", "477,60"),
    ]
    await import_fec(ledger_pool, creditor, fec_bytes(*lines), file_name="FEC.txt")
    return creditor


async def test_due_opening_balance_is_selectable(ledger_service, ledger_pool):
    creditor = await seed(ledger_pool)

    _status, body = await get_statement(ledger_service, creditor, "C001")
    by_number = {statement_row["document_number"]: statement_row for statement_row in body["rows"]}
    selected = sum(Decimal(r["amount_due"]) for r in body["rows"] if r["selectable"])

    assert sorted(by_number) == ["FA-NEW1", "FA-OLD1"]
    assert by_number["FA-OLD1"]["kind"] == "opening_balance"
    assert by_number["FA-OLD1"]["state"] == "overdue"
    assert by_number["FA-OLD1"]["selectable"] is True
    assert selected == Decimal(body["totals"]["amount_due"]) == Decimal("896.40")


async def test_paid_opening_balance_not_selectable(ledger_service, ledger_pool):
    creditor = await seed(ledger_pool)

    _status, body = await get_statement(ledger_service, creditor, "C001", view="all", date_from="2000-01-01")
    by_number = {statement_row["document_number"]: statement_row for statement_row in body["rows"]}

    assert by_number["FA-OLD2"]["state"] == "paid"
    assert by_number["FA-OLD2"]["selectable"] is False
    assert by_number["VIR1"]["selectable"] is False


async def test_opening_balance_without_document_has_no_pdf(ledger_service, ledger_pool):
    creditor = await seed(ledger_pool)
    headers = ledger_service.headers_for(accounts=((creditor, "C001"),))

    _status, body = await get_statement(ledger_service, creditor, "C001")
    opening = next(r for r in body["rows"] if r["document_number"] == "FA-OLD1")
    response = await ledger_service.client.get(
        f"/creditors/{creditor}/documents/FA-OLD1/pdf", params={"entry": str(opening["id"])}, headers=headers
    )

    assert opening["has_pdf"] is False
    assert response.status == 404


async def carried_forward(ledger_pool, amount: str) -> str:
    """Return a creditor whose first file carries FA-OLD9 of C001 forward for `amount`."""
    creditor = await creditor_with_identity(ledger_pool)
    await import_fec(
        ledger_pool, creditor, fec_bytes(*opening_balance_rows("FA-OLD9", day(-400), amount)), file_name="AN.txt"
    )
    return creditor


def issued_before_opening() -> str:
    """Return the ISO date of an invoice of the year before the opening balances of `carried_forward`."""
    return (paris_today() - timedelta(days=430)).isoformat()


async def account_balance(ledger_pool, creditor: str) -> Decimal:
    return await ledger_pool.fetchval(
        "SELECT sum(debit) - sum(credit) FROM entries WHERE creditor_id = $1 AND customer_account = 'C001'", creditor
    )


@pytest.mark.parametrize("carried", ["332,90", "200,00"])
async def test_push_of_carried_forward_invoice_adds_nothing(ledger_service, ledger_pool, carried):
    creditor = await carried_forward(ledger_pool, carried)

    status, pushed = await post(ledger_service, creditor, invoice_body(number="fa-old9", issue_date=issued_before_opening()))
    _status, body = await get_statement(ledger_service, creditor, "C001")

    assert status == 200
    assert pushed["created"] is False
    assert await account_balance(ledger_pool, creditor) == Decimal(carried.replace(",", "."))
    assert [(r["kind"], r["document_number"], r["has_pdf"]) for r in body["rows"]] == [
        ("opening_balance", "FA-OLD9", False)
    ]


async def test_push_below_carried_forward_amount_conflicts(ledger_service, ledger_pool):
    creditor = await carried_forward(ledger_pool, "418,80")

    status, body = await post(ledger_service, creditor, invoice_body(number="FA-OLD9", issue_date=issued_before_opening()))

    assert status == 409
    assert "déjà repris dans les à-nouveaux de la comptabilité importée pour 418,80\u00a0€" in body["error"]["message"]
    assert await account_balance(ledger_pool, creditor) == Decimal("418.80")


async def test_paid_opening_balance_rows_have_no_pdf(ledger_service, ledger_pool):
    creditor = await seed(ledger_pool)

    _status, body = await get_statement(ledger_service, creditor, "C001", view="all", date_from="2000-01-01")
    opening = next(r for r in body["rows"] if r["document_number"] == "FA-OLD2")

    assert opening["has_pdf"] is False


async def opening_date(ledger_pool, creditor: str) -> str:
    value = await ledger_pool.fetchval(
        "SELECT document_date FROM entries WHERE creditor_id = $1 AND document_number = 'FA-OLD1'", creditor
    )
    return value.isoformat()
