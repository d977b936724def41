"""Measure warm render time of ledger documents as Factur-X PDF/A-3 files.

Renders each sample document a few times to warm caches (fonts on disk, XSD),
freezes the heap as services do after start-up, then times `render_document`
N times per document and prints p50, p95 and p99
in milliseconds, with the facts of the machine and library versions. The CPU
columns count this process's CPU time, which leaves out the time spent waiting
for a core while other processes load the machine. Shared caches still slow it
down then, so run the script on an otherwise idle machine for the numbers to keep.

Run from the repository root:

    .venv/bin/python bench/bench_pdf_render.py [--renders 200] [--warmup 10]
"""

import argparse
import gc
import importlib.metadata
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.stats import cpu_model, nearest_rank_percentile  # noqa: E402
from services.ledger.documents import render_document  # noqa: E402
from services.ledger.documents.samples import (  # noqa: E402
    sample_credit_note,
    sample_invoice,
    sample_long_invoice,
    sample_multi_rate_invoice,
    sample_partly_paid_invoice,
)

DOCUMENTS = {
    "invoice, 2 lines": sample_invoice,
    "credit note, 1 line": sample_credit_note,
    "invoice, 6 lines at 4 rates": sample_multi_rate_invoice,
    "partly paid invoice, 2 lines": sample_partly_paid_invoice,
    "invoice, 60 lines on 4 pages": sample_long_invoice,
}
PACKAGES = ("fpdf2", "factur-x", "pypdf", "fonttools", "lxml", "pydantic")






def print_machine_facts() -> None:
    print(f"CPU: {cpu_model()}, {os.cpu_count()} logical cores")
    if hasattr(os, "getloadavg"):
        print("load average before the run: " + ", ".join(f"{value:.2f}" for value in os.getloadavg()))
    print(f"Python {platform.python_version()} ({platform.python_implementation()}) on {platform.platform()}")
    versions = ", ".join(f"{name} {importlib.metadata.version(name)}" for name in PACKAGES)
    print(f"packages: {versions}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=200, help="timed renders per document (default 200)")
    parser.add_argument("--warmup", type=int, default=10, help="untimed renders per document first (default 10)")
    arguments = parser.parse_args()

    print_machine_facts()
    print(f"{arguments.renders} timed renders per document after {arguments.warmup} warm-up renders")
    print()
    print("Wall-clock time per render, then CPU time of this process per render, which")
    print("leaves out the time spent waiting for a core.")
    print()
    header = ("p50 ms", "p95 ms", "p99 ms", "max ms", "CPU p50", "CPU p95", "size kB")
    print(f"{'document':32s} " + " ".join(f"{column:>8s}" for column in header))
    for name, build in DOCUMENTS.items():
        document = build()
        for _ in range(arguments.warmup):
            pdf = render_document(document)
        # Services freeze their start-up heap (shared.service.freeze_startup_heap),
        # so full collections skip it. Do the same to time renders as a service runs them.
        gc.freeze()
        durations = []
        cpu_durations = []
        for _ in range(arguments.renders):
            start, cpu_start = time.perf_counter(), time.process_time()
            pdf = render_document(document)
            durations.append((time.perf_counter() - start) * 1000)
            cpu_durations.append((time.process_time() - cpu_start) * 1000)
        durations.sort()
        cpu_durations.sort()
        print(
            f"{name:32s} {statistics.median(durations):8.1f} {nearest_rank_percentile(durations, 0.95):8.1f} "
            f"{nearest_rank_percentile(durations, 0.99):8.1f} {durations[-1]:8.1f} "
            f"{statistics.median(cpu_durations):8.1f} {nearest_rank_percentile(cpu_durations, 0.95):8.1f} "
            f"{len(pdf) / 1000:8.1f}"
        )


if __name__ == "__main__":
    main()
