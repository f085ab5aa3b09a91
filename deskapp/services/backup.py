"""备份与恢复: a consistent copy of the live local store, and a checked restore.

The copy uses SQLite's online backup API, so it can be taken while the desk is in use. A
restore checks the file's integrity and schema before replacing anything, keeps the replaced
file, and gives the terminal a new sync identity (node id): changes made after the backup was
taken come back from the hall store on the next sync as another node's, new changes can never
reuse a sequence number the hall already holds for the old identity, and changes in the backup
that had not reached the hall yet are carried over to the new identity and pushed.

Both use plain sqlite3 connections and never write a table the search index's triggers watch,
so they need nothing the desk registers on its connections (the `bigrams` function): the
store is the desk's alone, and any other SQLite client fails on such a write."""

from __future__ import annotations

import os
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from deskapp.ids import uuid7
from deskapp.store.migrate import HEAD_REVISION, MIGRATIONS_DIR


class BackupError(Exception):
    """The backup or restore was refused; nothing was replaced. `key` names the catalogue text."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass(frozen=True)
class RestoreResult:
    restored_from: Path
    kept_as: Path | None  # the replaced store, renamed beside it
    old_node_id: str | None
    new_node_id: str


def _owner_only(path: Path) -> None:
    os.chmod(path, 0o600)


def backup(db_path: Path, dest: Path) -> Path:
    """Copy the live store to `dest` (a file, or a directory to put a dated file in)."""
    if not db_path.exists():
        raise BackupError("error.backup.no_store", path=str(db_path))
    if dest.is_dir():
        dest = dest / f"{db_path.stem}-{datetime.now():%Y%m%d-%H%M%S}.db"
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".part")
    fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    os.close(fd)
    source = sqlite3.connect(db_path, timeout=30)
    target = sqlite3.connect(tmp)
    try:
        source.backup(target)
        target.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
    finally:
        target.close()
        source.close()
    check(tmp)
    os.replace(tmp, dest)
    _owner_only(dest)
    return dest


def _known_revisions() -> set[str]:
    return {p.stem for p in (MIGRATIONS_DIR / "versions").glob("*.py")}


def check(path: Path) -> str:
    """Integrity and schema of a backup file; returns its schema revision."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BackupError("error.backup.unreadable", path=str(path), detail=str(exc)) from exc
    try:
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
        if result != "ok":
            raise BackupError("error.backup.corrupt", path=str(path), detail=result)
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        terminal = conn.execute("SELECT node_id FROM terminal").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError("error.backup.unreadable", path=str(path), detail=str(exc)) from exc
    finally:
        conn.close()
    revision = row[0] if row else ""
    if revision not in _known_revisions():
        # Made by a newer desk: opening it here could not be undone by that desk's migrations.
        raise BackupError("error.backup.newer", revision=revision, head=HEAD_REVISION)
    if terminal is None:
        raise BackupError("error.backup.no_terminal", path=str(path))
    return revision


def restore(db_path: Path, backup_file: Path) -> RestoreResult:
    """Replace the store at `db_path` by a checked copy of `backup_file`."""
    check(backup_file)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    staged = db_path.with_name(db_path.name + ".restoring")
    shutil.copyfile(backup_file, staged)
    _owner_only(staged)
    conn = sqlite3.connect(staged)
    try:
        old = conn.execute("SELECT node_id FROM terminal").fetchone()[0]
        new = uuid7()
        with conn:
            # A new identity with its own gap-free sequence. Changes the hall acknowledged stay
            # under the old identity; those not yet acknowledged are renumbered onto the new one
            # so the next sync pushes them (a copy the hall already received after the backup
            # merges to the same content: nothing is lost, at worst logged twice in the hall).
            pending = [
                seq
                for (seq,) in conn.execute(
                    "SELECT seq FROM change_log WHERE node_id = ? AND acked_at IS NULL "
                    "ORDER BY seq",
                    (old,),
                )
            ]
            for number, seq in enumerate(pending, start=1):
                conn.execute(
                    "UPDATE change_log SET node_id = ?, seq = ? WHERE node_id = ? AND seq = ?",
                    (new, number, old, seq),
                )
            conn.execute("UPDATE terminal SET node_id = ?, last_seq = ?", (new, len(pending)))
    finally:
        conn.close()
    kept = None
    if db_path.exists():
        kept = db_path.with_name(f"{db_path.name}.replaced-{datetime.now():%Y%m%d-%H%M%S}")
        os.replace(db_path, kept)
        for suffix in ("-wal", "-shm"):
            side = Path(f"{db_path}{suffix}")
            if side.exists():
                os.replace(side, Path(f"{kept}{suffix}"))
    os.replace(staged, db_path)
    return RestoreResult(backup_file, kept, old, new)
