"""When the local store cannot take a write: a full disk, a read-only file, a failing disk.

SQLite reports these as OperationalError with a message; the desk turns them into one error
the screens can show in words (error.store.*), keeping everything the handler typed: the form
stays on screen, the draft stays where it was, and the save can be tried again."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

# SQLite's own messages for its result codes (sqlite3_errstr), lower-cased.
_KINDS = (
    ("database or disk is full", "error.store.full"),  # SQLITE_FULL
    ("readonly database", "error.store.readonly"),  # SQLITE_READONLY
    ("unable to open database file", "error.store.cannot_open"),  # SQLITE_CANTOPEN
    ("disk i/o error", "error.store.io"),  # SQLITE_IOERR
    ("database is locked", "error.store.busy"),  # SQLITE_BUSY past the busy timeout
)


class StoreUnavailable(Exception):
    """The store refused a write for a reason outside the desk (nothing was written)."""

    def __init__(self, key: str, detail: str) -> None:
        super().__init__(f"{key}: {detail}")
        self.key = key
        self.detail = detail


def failure_key(error: BaseException) -> str | None:
    text = str(getattr(error, "orig", None) or error).lower()
    key = next((key for needle, key in _KINDS if needle in text), None)
    if key is None and "no such savepoint" in text:
        # A full disk or an I/O error rolls SQLite's whole transaction back by itself; the
        # savepoint's own rollback then fails, and that is the error raised last: the cause
        # is the one it was raised while handling.
        cause = error.__cause__ or error.__context__
        return failure_key(cause) if cause is not None and cause is not error else None
    return key


@contextmanager
def store_failures() -> Iterator[None]:
    """Raise StoreUnavailable for a write the store itself refused; anything else as it is."""
    try:
        yield
    except sa.exc.OperationalError as error:
        key = failure_key(error)
        if key is None:
            raise
        raise StoreUnavailable(key, str(error.orig)[:200]) from error
