"""Pause CPython's cycle collector while the reader and the analysis build their records.

The collector runs a young pass every 700 new container objects, and after
ten middle passes it may run a full pass over every object of the process.
Reading and analysing the 54,220-line benchmark file (bench/bench_fec_parse.py)
keeps about 100,000 new container objects: lines, entries, tuples and lists.
Without the pause they started about 180 young passes and one or two full
ones, and each full pass took 80 to 100 ms on a 2-core test machine, about
as long as reading the file. The records form no reference cycles, so the
collector has nothing to free from them. After the pause, its next young
pass examines all the new objects in one go.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def garbage_collection_paused() -> Iterator[None]:
    """Disable the cycle collector for the duration of the block, unless it is already disabled.

    NOTE: gc.disable() is process-wide. Another thread that creates reference
    cycles during the block keeps them until the block ends, and a thread that
    disables the collector during the block finds it enabled again afterwards.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
