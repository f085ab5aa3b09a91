"""Python's cycle collector while the desk starts (issue 22, bench/startup.py).

The desk imports about 450 modules before its first frame and SQLAlchemy, pydantic and the
intake form behind it, all of which live until the process ends. Each full collection walks
every one of those objects while holding the interpreter: 35 ms before the first frame and over
100 ms while the work number is typed, measured in a pseudo-terminal at a load of 6 on 2 cores,
where the minimal Textual app has none. So, only in the desk as a program (`DeskApp.run`; the
tests build many apps in one process and keep the collector as it is):

* what exists when the app starts running is frozen (`gc.freeze`): the collector no longer
  walks it, and it is freed by its reference counts as before;
* the sign-in screen's workers that import the store's libraries and the form run with the
  collector paused, and what they built is frozen when the last of them ends."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_pausing = 0
_was_enabled = True
_program = False


def start_program() -> None:
    """The desk runs as the process's program: freeze what its start-up imported and built."""
    global _program
    _program = True
    gc.freeze()


@contextmanager
def long_lived_imports() -> Iterator[None]:
    """Work that imports or builds what lives as long as the desk: no collection while it
    runs, then what it built is frozen (when no other such work is still running). Nothing
    changes outside the program (tests, benchmarks run in-process)."""
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
