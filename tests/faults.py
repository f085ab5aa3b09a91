"""A store that cannot take a write, for the tests of what the desk does then: SQLite's own
limits give the same errors as a full disk and a read-only file (see test_store_failures)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event

from deskapp.services.desk import Desk


@contextmanager
def store_limited(desk: Desk, pragma: str) -> Iterator[None]:
    """Every connection of the desk opened with `pragma` (a callable of the page count)."""

    def limit(dbapi_connection, record) -> None:
        cursor = dbapi_connection.cursor()
        pages = cursor.execute("PRAGMA page_count").fetchone()[0]
        cursor.execute(pragma.format(pages=pages))
        cursor.close()

    desk.engine.dispose()
    event.listen(desk.engine, "connect", limit)
    try:
        yield
    finally:
        event.remove(desk.engine, "connect", limit)
        desk.engine.dispose()


DISK_FULL = "PRAGMA max_page_count = {pages}"
READ_ONLY = "PRAGMA query_only = ON"


@contextmanager
def write_lock_held(desk: Desk, busy_timeout_ms: int = 300) -> Iterator[Callable[[], None]]:
    """Another process holds the store's write lock (BEGIN IMMEDIATE) for longer than the
    desk waits: the desk gives up after `busy_timeout_ms` instead of its 10 s. Yields the
    release, for a test that lets go while the desk is still waiting."""
    import sqlite3

    import deskapp.store.engine as engine_module

    saved = engine_module.BUSY_TIMEOUT_MS
    engine_module.BUSY_TIMEOUT_MS = busy_timeout_ms
    desk.engine.dispose()
    holder = sqlite3.connect(str(desk.engine.url.database), timeout=0, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")

    def release() -> None:
        if holder.in_transaction:
            holder.execute("ROLLBACK")

    try:
        yield release
    finally:
        release()
        holder.close()
        engine_module.BUSY_TIMEOUT_MS = saved
        desk.engine.dispose()


@contextmanager
def write_lock_held_elsewhere(db: str | Path, mode: str = "IMMEDIATE") -> Iterator[None]:
    """Another process (tests/lock_holder.py) holds the store's write lock while the block runs;
    the desk's own busy timeout (10 s) is left as it is."""
    import subprocess
    import sys

    holder = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("lock_holder.py")), str(db), mode],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        yield
    finally:
        if holder.stdin is not None:
            holder.stdin.close()  # the end of its input: it lets go
        holder.wait(timeout=30)
