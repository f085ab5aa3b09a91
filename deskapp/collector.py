"""Python's cycle collector while the desk or a command starts (issue 22, bench/startup.py and
bench/cli.py).

A command that reads the store imports SQLAlchemy, pydantic and the store's 31 table classes;
the desk imports about 450 modules before its first frame and the store's libraries and the
intake form behind it. All of it lives until the process ends, yet each full collection walks
every one of those objects while holding the interpreter: 35 ms before the desk's first frame
and over 100 ms while the work number is typed (a pseudo-terminal at a load of 6 on 2 cores,
where the minimal Textual app had none), and 70-200 ms of `deskapp staff list`. So, only in the
process's own program (the `deskapp` command as started, the desk's `DeskApp.run`; tests call
the command and build apps in pytest's process, and their collector is left as it is):

* imports of what lives as long as the process run with the collector paused, and what they
  built is then frozen (`gc.freeze`): the collector no longer walks it, and it is freed by its
  reference counts as before;
* the desk freezes what exists when it starts running.

Only imports and the building of long-lived objects are covered, never a command's own work
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
