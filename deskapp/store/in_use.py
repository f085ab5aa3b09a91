"""A desk open on a store says so, for a restore to see: the desk holds a shared lock (flock)
on the store file while it is open; a restore needs the exclusive lock and is refused while
any desk holds it (a desk left open would keep writing into the file the restore replaced).

flock locks are separate from the byte-range locks SQLite takes, so they do not disturb it.
Where flock does not exist (Windows) there is no such check."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Linux/macOS
    fcntl = None  # type: ignore[assignment]


def hold(db_path: Path) -> int | None:
    """Mark the store at `db_path` in use until `release`; returns the handle."""
    if fcntl is None or not db_path.exists():
        return None
    fd = os.open(db_path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
    except OSError:
        os.close(fd)
        return None
    return fd


def release(handle: int | None) -> None:
    if handle is not None:
        os.close(handle)  # closing the descriptor drops its flock


@contextmanager
def alone(db_path: Path, wait_seconds: float = 1.0) -> Iterator[bool]:
    """Hold the store exclusively while the block runs; yields False (holding nothing) when a
    desk still has it open after `wait_seconds`."""
    if fcntl is None or not db_path.exists():
        yield True
        return
    fd = os.open(db_path, os.O_RDONLY)
    try:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    yield False
                    return
                time.sleep(0.05)
        yield True
    finally:
        os.close(fd)
