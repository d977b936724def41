"""Percentiles and machine facts that the benchmark scripts print."""

from __future__ import annotations

import platform
from pathlib import Path


def nearest_rank_percentile(values: list[float], fraction: float) -> float:
    """Return the nearest-rank percentile of ``values``: the smallest value with ``fraction`` of them at or below it."""
    ordered = sorted(values)
    rank = max(1, round(fraction * len(ordered)))
    return ordered[rank - 1]


def index_percentile(values: list[float], fraction: float) -> float:
    """Return the value at the rounded position ``fraction`` of the way from the smallest to the largest."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def cpu_model() -> str:
    """Return the CPU model name from /proc/cpuinfo, else the processor name that platform reports."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"
