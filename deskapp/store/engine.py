"""Opening the local store: SQLite in WAL mode, foreign keys on, synchronous=FULL (a
committed complaint survives a power cut), migrations applied on open."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from deskapp.domain.text_search import bigrams
from deskapp.paths import refuse_unplaced
from deskapp.store.changelog import guard_engine

BUSY_TIMEOUT_MS = 10_000
WRITE = {"sqlite_begin": "IMMEDIATE"}


def _on_connect(dbapi_connection: sqlite3.Connection, record: Any) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own is unreliable).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA synchronous = FULL")
    cursor.close()
    dbapi_connection.create_function("bigrams", 1, bigrams, deterministic=True)


def _on_connect_read_only(dbapi_connection: sqlite3.Connection, record: Any) -> None:
    # A store that cannot be written: no journal mode or sync setting to change (each would
    # be a write), only what a reader needs.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()
    dbapi_connection.create_function("bigrams", 1, bigrams, deterministic=True)


# A writer waits for the write lock in slices of this length, so that a desk that is closing
# (or a write that may wait only briefly: the drafts written as the desk quits) stops waiting
# between two slices instead of at the end of the connection's whole busy timeout.
WAIT_SLICE_MS = 100
_STOPPED: weakref.WeakKeyDictionary[sa.Engine, float] = weakref.WeakKeyDictionary()


def stop_waiting(engine: sa.Engine) -> None:
    """The writes of `engine` waiting now for another process's lock give up (each its
    StoreUnavailable "busy", nothing written): the desk is closing, and a wait of up to
    BUSY_TIMEOUT_MS in a worker would hold the process open after Ctrl+Q (issue 22). A write
    begun later waits as usual (a test's store is used again after its desk closed)."""
    _STOPPED[engine] = time.monotonic()


def _on_begin(connection: sa.Connection) -> None:
    # Writers take the write lock up front so two writers never deadlock on a lock upgrade.
    options = connection.get_execution_options()
    mode = options.get("sqlite_begin", "DEFERRED")
    if mode == "DEFERRED":
        connection.exec_driver_sql("BEGIN DEFERRED")
    else:
        _begin_writing(connection, mode, options.get("sqlite_wait_ms"))


def _begin_writing(connection: sa.Connection, mode: str, wait_ms: int | None) -> None:
    """BEGIN IMMEDIATE (or EXCLUSIVE), waiting for another process's write lock as SQLite's
    busy timeout would, up to the connection's own timeout or `wait_ms` (execution option
    `sqlite_wait_ms`) if shorter, in slices between which a desk that is closing stops. When
    the wait is over, the last try fails as it always did ("database is locked", through
    SQLAlchemy: StoreUnavailable "busy" for the caller)."""
    raw: Any = connection.connection.dbapi_connection
    own = int(raw.execute("PRAGMA busy_timeout").fetchone()[0])
    wait = own if wait_ms is None else min(own, int(wait_ms))
    started = time.monotonic()
    deadline = started + wait / 1000
    try:
        raw.execute(f"PRAGMA busy_timeout = {min(WAIT_SLICE_MS, wait)}")
        while _STOPPED.get(connection.engine, started - 1) < started:
            try:
                raw.execute(f"BEGIN {mode}")
                return
            except sqlite3.OperationalError as error:
                if not _busy(error) or time.monotonic() >= deadline:
                    break
        raw.execute("PRAGMA busy_timeout = 0")  # the last try, at once
        connection.exec_driver_sql(f"BEGIN {mode}")
    finally:
        raw.execute(f"PRAGMA busy_timeout = {own}")


def _busy(error: sqlite3.Error) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    return (code & 0xFF) == sqlite3.SQLITE_BUSY if code is not None else "locked" in str(error)


def on_read_only_filesystem(path: Path) -> bool:
    """Whether the folder of `path` is on a filesystem mounted read-only (a remounted disk)."""
    folder = path if path.is_dir() else path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False


SHM_ROOM = 64 * 1024  # what SQLite's -shm file of a small store takes at first open


def _no_room_for_shared_memory(path: Path) -> bool:
    """An existing store without its -shm file, on a disk with less room than that file."""
    if not path.is_file() or Path(f"{path}-shm").exists():
        return False
    try:
        stats = os.statvfs(path.parent)
    except OSError:
        return False
    return stats.f_bavail * stats.f_frsize < SHM_ROOM


def cannot_be_written(path: Path) -> bool:
    """Whether an existing store file, or its folder, refuses writes: a read-only mount (of the
    folder, or of the file alone), a file without write permission, an immutable file. (Root
    passes a permission check but not a read-only mount or an immutable flag, and access()
    says so.) SQLite must also make its -wal and -shm files beside the store to write."""
    return path.is_file() and (
        on_read_only_filesystem(path)
        or not os.access(path, os.W_OK)
        or not os.access(path.parent, os.W_OK)
    )


def read_only_uri(db_path: Path) -> str:
    """A URI opening the store for reading only. `immutable` when no write-ahead log is left
    beside it (SQLite could not make its -shm file in a read-only folder; with no log there
    is nothing it would miss); `mode=ro` alone when one is, so that its pages are read."""
    from urllib.parse import quote

    uri = f"file:{quote(str(db_path.resolve()))}?mode=ro"
    wal = Path(f"{db_path}-wal")
    if not (wal.exists() and wal.stat().st_size):
        uri += "&immutable=1"
    return uri


def connect_plain(db_path: Path, timeout: float = 30) -> sqlite3.Connection:
    """A plain sqlite3 connection to the store (backups): for reading only when the store
    cannot be written, as make_engine opens it."""
    if cannot_be_written(db_path):
        return sqlite3.connect(read_only_uri(db_path), uri=True, timeout=timeout)
    return sqlite3.connect(db_path, timeout=timeout)


class DataVersion:
    """`PRAGMA data_version` on a connection of its own: a number that changes whenever
    another connection commits to the store, another process's (a second desk on the same
    file, a one-off script) or this process's own (its sessions, a sync). Read in
    microseconds from the shared memory of the write-ahead log, without waiting for any
    lock (timeout 0); None when it cannot be read now (the next read tries again)."""

    def __init__(self, db_path: Path) -> None:
        self._path = db_path
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def read(self) -> int | None:
        with self._lock:
            try:
                if self._conn is None:
                    uri = read_only_uri(self._path) if cannot_be_written(self._path) else None
                    self._conn = sqlite3.connect(uri or self._path, uri=uri is not None,
                                                 timeout=0, check_same_thread=False)  # fmt: skip
                row = self._conn.execute("PRAGMA data_version").fetchone()
            except sqlite3.Error:
                return None
            return int(row[0])

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


def make_engine(db_path: Path) -> sa.Engine:
    db_path = db_path.expanduser()
    if cannot_be_written(db_path):
        # Read commands (a report, the staff list, a backup, a search) still work; a write
        # is refused by SQLite as SQLITE_READONLY, said in words as every read-only store.
        uri = read_only_uri(db_path)
        engine = sa.create_engine(  # (the URL stays the file's: `desk.path`, backups)
            f"sqlite:///{db_path}", poolclass=sa.pool.QueuePool, pool_size=4, hide_parameters=True,
            creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False),
        )  # fmt: skip
        engine.info_read_only = True  # type: ignore[attr-defined]
        event.listen(engine, "connect", _on_connect_read_only)
        event.listen(engine, "begin", _on_begin)
        guard_engine(engine)
        return engine
    if on_read_only_filesystem(db_path):
        # No store to read there, and SQLite cannot make one: said as what it is, read-only,
        # instead of "unable to open database file".
        from deskapp.store.failures import StoreUnavailable

        raise StoreUnavailable("error.store.readonly", f"read-only filesystem: {db_path}")
    if _no_room_for_shared_memory(db_path):
        # SQLite must make the -shm file to open a WAL store, and answers "disk I/O error"
        # when it cannot: said as what it is, a full disk.
        from deskapp.store.failures import StoreUnavailable

        raise StoreUnavailable("error.store.full", f"no room for {db_path}-shm")
    refuse_unplaced(db_path)  # no home folder and no DESKAPP_DB: said, nothing made under /
    db_path.parent.mkdir(parents=True, exist_ok=True)
    if not db_path.exists():
        # The store holds customers' phone numbers: readable by its owner only.
        fd = os.open(db_path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)
    # hide_parameters: a fault's message and traceback (the log) never carry a row's values
    # (phone numbers, names); the statement alone says where it failed.
    engine = sa.create_engine(
        f"sqlite:///{db_path}", poolclass=sa.pool.QueuePool, pool_size=4, hide_parameters=True
    )
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)
    guard_engine(engine)
    return engine


def is_read_only(engine: sa.Engine) -> bool:
    """Whether `engine` was opened for reading only (make_engine, a store that cannot be
    written)."""
    return bool(getattr(engine, "info_read_only", False))


def make_session_factory(engine: sa.Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def read_session(factory: sessionmaker[Session]) -> Iterator[Session]:
    with factory() as session:
        yield session
