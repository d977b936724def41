"""Time `read_fec` and `analyse_fec` alone, without the database.

Usage: .venv/bin/python -m bench.bench_fec_parse [--repeat N] [--scale K]

Each file is read and analysed once to warm the caches, then N more times.
The script prints the median of those N runs for each step, in milliseconds
and in lines per second. The files are the two real exports and the tab file
repeated K times with renamed keys (see `bench.bench_fec_import.scaled_file`).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from bench.bench_fec_import import scaled_file
from bench.engines import machine_description
from services.ledger.fec import analyse_fec, read_fec

FIXTURES = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures" / "fec"
TAB_FILE = "0000000001FEC20220831.txt"
PIPE_FILE = "111111111FEC20221231.TXT"


def median_seconds(step: Callable[[], object], repeat: int) -> float:
    """Run `step` once to warm up, then `repeat` times, and return the median duration in seconds."""
    step()
    durations = []
    for _ in range(repeat):
        started = time.perf_counter()
        step()
        durations.append(time.perf_counter() - started)
    return statistics.median(durations)


def measure(name: str, data: bytes, repeat: int) -> dict:
    """Time reading and analysing `data`, and return the medians with the line count."""
    fec = read_fec(data, source=name)
    read_median = median_seconds(lambda: read_fec(data, source=name), repeat)
    analyse_median = median_seconds(lambda: analyse_fec(fec), repeat)
    return {
        "file": name,
        "lines": len(fec.lines),
        "read_ms": read_median * 1000,
        "analyse_ms": analyse_median * 1000,
        "total_ms": (read_median + analyse_median) * 1000,
        "lines_per_s": len(fec.lines) / (read_median + analyse_median),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per file after one warm-up run")
    parser.add_argument("--scale", type=int, default=10, help="copies of the tab file in the large case")
    arguments = parser.parse_args()

    tab_data = (FIXTURES / TAB_FILE).read_bytes()
    files = [
        (TAB_FILE, tab_data),
        (PIPE_FILE, (FIXTURES / PIPE_FILE).read_bytes()),
        (f"{TAB_FILE} x{arguments.scale}", scaled_file(tab_data, arguments.scale)),
    ]
    results = [measure(name, data, arguments.repeat) for name, data in files]

    print(f"machine: {machine_description()}; median of {arguments.repeat} warm runs")
    print(f"{'file':<32} {'lines':>7} {'read ms':>9} {'analyse ms':>11} {'total ms':>9} {'lines/s':>10}")
    for result in results:
        print(
            f"{result['file']:<32} {result['lines']:>7} {result['read_ms']:>9.1f} {result['analyse_ms']:>11.1f}"
            f" {result['total_ms']:>9.1f} {result['lines_per_s']:>10,.0f}"
        )


if __name__ == "__main__":
    main()
