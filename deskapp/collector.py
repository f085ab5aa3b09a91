"""Python's cycle collector, kept out of the way of two kinds of work (issue 22).

**Bursts** (`collector_paused`): a sync run or a report makes tens of thousands of short-lived
rows, dicts, tuples and stamps that reference counting frees at once; the collector, counting
them as they are made, walks the whole heap of the desk again and again in the middle of it
(the pauses are measured in docs/benchmarks.md: a sync pull, the month report). What a burst
leaves in cycles does not grow with its size, so it is collected at the next ordinary pass.
Textual pauses the collector the same way while it scrolls (App.PAUSE_GC_ON_SCROLL): whoever
finds it already paused leaves it to the one who paused it, and at worst it runs again early.

**Start-up** (`start_program`, `long_lived_imports`; bench/startup.py and bench/cli.py): a
command that reads the store imports SQLAlchemy, pydantic and the store's table classes; the
desk imports about 450 modules before its first frame. All of it lives until the process ends,
yet each full collection walks every one of those objects while holding the interpreter
(docs/benchmarks.md). So, only in the process's own program (the `deskapp` command as started,
the desk's `DeskApp.run`; tests call the command and build apps in pytest's process, and their
collector is left as it is):

* imports of what lives as long as the process run with the collector paused, and what they
  built is then frozen (`gc.freeze`): the collector no longer walks it, and it is freed by its
  reference counts as before;
* the desk freezes what exists when it starts running.

Only imports and the building of long-lived objects are frozen, never a command's own work
(an import of 100,000 rows makes cycles the collector must find)."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_pausing = 0
_was_enabled = True
_program = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic collection during a burst of short-lived objects (nothing is frozen)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def start_program(*, freeze: bool = False) -> None:
    """This process runs the desk or a command as its program (not tests calling it):
    `freeze`, what exists now is frozen (the desk, as it starts running)."""
    global _program
    _program = True
    if freeze:
        gc.freeze()


@contextmanager
def long_lived_imports() -> Iterator[None]:
    """Imports or building of what lives as long as the process: no collection while it runs,
    then what it built is frozen (once no other such block is still running, in any thread).
    Nothing changes outside the program."""
    global _pausing, _was_enabled
    if not _program:
        yield
        return
    with _lock:
        if _pausing == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pausing += 1
    try:
        yield
    finally:
        with _lock:
            _pausing -= 1
            if _pausing == 0:
                gc.freeze()
                if _was_enabled:
                    gc.enable()


@contextmanager
def as_the_program() -> Iterator[None]:
    """For benchmarks that drive the desk under `run_test` in their own process: while in the
    block, the collector is as the `deskapp` program has it (`start_program(freeze=True)`, as
    DeskApp.run does, and imports frozen as they load); after it, as before (nothing frozen,
    not the program), for whatever the process measures next."""
    global _program
    was = _program
    start_program(freeze=True)
    try:
        yield
    finally:
        _program = was
        gc.unfreeze()
