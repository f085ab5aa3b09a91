"""Engines for a hall store's address, and the checks made before one is opened: the address
is PostgreSQL or a SQLite file, the file is not on a network filesystem and is a hall store
(or new), and no password reaches a log or a screen."""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from deskapp.store.engine import BUSY_TIMEOUT_MS, _on_begin
from deskapp.sync.hall_errors import HallStoreError
from deskapp.sync.hall_tables import hall_meta

# Filesystems on which SQLite's locking cannot be trusted (docs/architecture.md,
# Synchronization).
NETWORK_FILESYSTEMS = frozenset(
    {"nfs", "nfs4", "cifs", "smb", "smb3", "smbfs", "ncpfs", "afs", "9p", "ceph", "glusterfs",
     "fuse.sshfs", "fuse.glusterfs", "fuse.s3fs", "davfs", "fuse.davfs2", "gfs2", "ocfs2"}
)  # fmt: skip


def _mount_type(path: Path) -> str | None:
    """The filesystem type of the mount holding `path` (Linux), or None if unknown."""
    try:
        lines = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return None
    best, kind = "", None
    target = str(path)
    for line in lines:
        parts = line.split()
        if len(parts) < 3:
            continue
        mount = parts[1].replace("\\040", " ")
        inside = target == mount or target.startswith(mount.rstrip("/") + "/")
        if inside and len(mount) >= len(best):
            best, kind = mount, parts[2]
    return kind


# A PostgreSQL hall waits for a lock (a table another session holds, the advisory lock of a
# long push) as long as a SQLite hall waits for its file, then the run stops as "hall busy";
# a statement that runs past PG_STATEMENT_TIMEOUT_MS is stopped as well (never a hung sync).
PG_LOCK_TIMEOUT_MS = BUSY_TIMEOUT_MS * 6
PG_STATEMENT_TIMEOUT_MS = BUSY_TIMEOUT_MS * 30


def _on_pg_connect(dbapi_connection: Any, record: Any) -> None:
    # (SET on its own, outside a transaction: the URL's own options, e.g. search_path, stay)
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True
    with dbapi_connection.cursor() as cursor:
        cursor.execute(f"SET lock_timeout = {int(PG_LOCK_TIMEOUT_MS)}")
        cursor.execute(f"SET statement_timeout = {int(PG_STATEMENT_TIMEOUT_MS)}")
    dbapi_connection.autocommit = autocommit


def _on_hall_connect(dbapi_connection: Any, record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS * 6}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = FULL")
    cursor.close()


def hall_file(url: str) -> Path | None:
    """The file a SQLite hall store lives in (resolved), or None for PostgreSQL."""
    text = str(url).strip()
    if "://" in text and not text.startswith("sqlite:///"):
        return None
    return Path(text.removeprefix("sqlite:///")).expanduser().resolve()


def _refuse_foreign_file(path: Path) -> None:
    """A SQLite hall file is new, empty, or already a hall store. Anything else (a terminal's
    own store, an unrelated database, a folder) is refused before a table is created in it:
    turning it into a hall store would copy this terminal's records into somebody else's
    file, and that file would no longer be what it was (a terminal's store can no longer be
    backed up)."""
    if path.is_dir():
        raise HallStoreError("sync.error.hall_is_dir", path=str(path))
    if not path.exists() or path.stat().st_size == 0:
        return
    try:
        with contextlib.closing(sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)) as db:
            names = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as error:
        if "not a database" not in str(error):
            return  # busy, read-only, full, damaged: the run meets it and says which
        raise HallStoreError("sync.error.not_a_hall", path=str(path)) from error
    if names and hall_meta.name not in names:
        raise HallStoreError("sync.error.not_a_hall", path=str(path))


def hall_engine(url: str, create: bool = False) -> sa.Engine:
    """An engine for `url`: `postgresql://...` or a SQLite file path (`sqlite:///` optional).
    A SQLite file that is missing or empty is made only with `create` (a new hall is started
    on purpose, never by a mistyped path)."""
    text = str(url).strip()
    if not text:
        raise HallStoreError("sync.error.no_hall")
    if text.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        text = "postgresql+psycopg://" + text.split("://", 1)[1]
        pg = sa.create_engine(  # (hide_parameters: no row's values in a logged fault)
            text, pool_pre_ping=True, pool_size=2, max_overflow=2, hide_parameters=True
        )
        event.listen(pg, "connect", _on_pg_connect)
        return pg
    if "://" in text and not text.startswith("sqlite:///"):
        raise HallStoreError("sync.error.bad_url", url=redact(text))
    path = hall_file(text)
    assert path is not None
    kind = _mount_type(path.parent if not path.exists() else path)
    if kind in NETWORK_FILESYSTEMS:
        raise HallStoreError("sync.error.network_fs", path=str(path), fs=kind)
    _refuse_foreign_file(path)
    if not create and (not path.exists() or path.stat().st_size == 0):
        raise HallStoreError("sync.error.no_hall_store", path=str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))  # phone numbers inside
    elif path.stat().st_size == 0:  # an empty file made a hall: owner only, as a new one
        with contextlib.suppress(OSError):  # (not ours to change: the run says what fails)
            os.chmod(path, 0o600)
    # Pooled: closing a WAL database's last connection checkpoints it, once per run is enough.
    engine = sa.create_engine(
        f"sqlite:///{path}", pool_size=2, max_overflow=2, hide_parameters=True
    )
    event.listen(engine, "connect", _on_hall_connect)
    event.listen(engine, "begin", _on_begin)
    return engine


def redact(url: str) -> str:
    """The hall store's address without a password, for logs and screens."""
    try:
        parsed = sa.engine.make_url(url)
    except Exception:  # a plain path, or an address too malformed to parse: hide what
        # stands between "user:" and "@" all the same
        return re.sub(r"(://[^:/@\s]*:)[^@\s]*@", r"\1***@", str(url))[:200]
    return parsed.render_as_string(hide_password=True)[:200]
