"""Cyclic garbage collection paused around a burst of short-lived objects (a sync run, a
report).

Such a burst makes tens of thousands of rows, dicts, tuples and stamps that reference counting
frees at once; the collector, counting them as they are made, walks the whole heap of the desk
again and again in the middle of it (the pauses are measured in docs/benchmarks.md: a sync
pull, the month report). What a burst leaves in cycles does not grow with its size, so it is
collected at the next ordinary pass. Textual pauses the collector the same way while it
scrolls (App.PAUSE_GC_ON_SCROLL): whoever finds it already paused leaves it to the one who
paused it, and at worst it runs again early."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
