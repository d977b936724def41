"""The ageing chart of the État de compte page: one horizontal bar per overdue bucket, drawn as inline SVG.

The page's Content-Security-Policy forbids inline styles, so bar lengths are
SVG ``width`` attributes computed here, and colours come from portal.css.
The page shows the same amounts in a table, which is the chart's text
alternative.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from gateway.format import format_amount, format_date, parse_amount

# Geometry in SVG user units (CSS pixels at 100 % zoom).
LABEL_WIDTH = 120
MAX_BAR_WIDTH = 230
AMOUNT_GAP = 8
ROW_HEIGHT = 26
BAR_HEIGHT = 16
CHART_WIDTH = LABEL_WIDTH + MAX_BAR_WIDTH + AMOUNT_GAP + 110
TEXT_BASELINE = 13  # from the top of a row, so 13 px text sits level with its bar


@dataclass(frozen=True)
class AgeingBar:
    """One bucket: its key and French label, its amount formatted and its bar geometry."""

    key: str
    label: str
    amount: str
    bar_y: int
    bar_width: float
    text_y: int
    amount_x: float


@dataclass(frozen=True)
class AgeingChart:
    """The five bars, the total and the date the ledger computed them for.

    ``unallocated_credits`` and ``balance`` are formatted amounts, or empty
    when no credit waits for allocation, because the total is then the balance.
    """

    as_of: str
    total: str
    bars: tuple[AgeingBar, ...]
    unallocated_credits: str = ""
    balance: str = ""
    width: int = CHART_WIDTH
    height: int = 0
    bar_x: int = LABEL_WIDTH
    bar_height: int = BAR_HEIGHT


def build_ageing_chart(ageing: dict[str, Any]) -> AgeingChart:
    """Lay out the ledger's ageing JSON as bars scaled to the largest bucket.

    Raises ValueError when an amount is not a decimal string or the date is not ISO.
    """
    buckets = ageing["buckets"]
    amounts = [parse_amount(bucket["amount"]) for bucket in buckets]
    largest = max(amounts, default=Decimal("0"))
    bars = []
    for index, (bucket, amount) in enumerate(zip(buckets, amounts, strict=True)):
        # An empty bucket gets no bar, and its amount sits at the start of the bar area.
        width = float(amount / largest * MAX_BAR_WIDTH) if largest > 0 else 0.0
        width = round(max(width, 0.0), 1)
        top = index * ROW_HEIGHT
        bars.append(
            AgeingBar(
                key=str(bucket["key"]),
                label=str(bucket["label"]),
                amount=format_amount(amount),
                bar_y=top + (ROW_HEIGHT - BAR_HEIGHT) // 2,
                bar_width=width,
                text_y=top + (ROW_HEIGHT - BAR_HEIGHT) // 2 + TEXT_BASELINE,
                amount_x=round(LABEL_WIDTH + width + AMOUNT_GAP, 1),
            )
        )
    unallocated = parse_amount(ageing.get("unallocated_credits") or "0")
    return AgeingChart(
        as_of=format_date(ageing["as_of"]),
        total=format_amount(ageing["total"]),
        bars=tuple(bars),
        height=len(bars) * ROW_HEIGHT,
        unallocated_credits=format_amount(-unallocated) if unallocated else "",
        balance=format_amount(ageing["balance"]) if unallocated else "",
    )
