"""Opening the local store: SQLite in WAL mode, foreign keys on, synchronous=FULL (a
committed complaint survives a power cut), migrations applied on open."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from deskapp.domain.text_search import bigrams
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


def _on_begin(connection: sa.Connection) -> None:
    # Writers take the write lock up front so two writers never deadlock on a lock upgrade.
    mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
    connection.exec_driver_sql(f"BEGIN {mode}")


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


def make_engine(db_path: Path) -> sa.Engine:
    db_path = db_path.expanduser()
    if on_read_only_filesystem(db_path):
        # SQLite cannot open a WAL store there (it must make its -shm file): said as what it
        # is, read-only, instead of "unable to open database file".
        from deskapp.store.failures import StoreUnavailable

        raise StoreUnavailable("error.store.readonly", f"read-only filesystem: {db_path}")
    if _no_room_for_shared_memory(db_path):
        # SQLite must make the -shm file to open a WAL store, and answers "disk I/O error"
        # when it cannot: said as what it is, a full disk.
        from deskapp.store.failures import StoreUnavailable

        raise StoreUnavailable("error.store.full", f"no room for {db_path}-shm")
    db_path.parent.mkdir(parents=True, exist_ok=True)
    if not db_path.exists():
        # The store holds customers' phone numbers: readable by its owner only.
        fd = os.open(db_path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)
    engine = sa.create_engine(f"sqlite:///{db_path}", poolclass=sa.pool.QueuePool, pool_size=4)
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)
    guard_engine(engine)
    return engine


def make_session_factory(engine: sa.Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def read_session(factory: sessionmaker[Session]) -> Iterator[Session]:
    with factory() as session:
        yield session
