"""备份与恢复: a consistent copy of the live local store, and a checked restore.

The copy uses SQLite's online backup API, so it can be taken while the desk is in use. A
restore first copies the backup the same way into `X.db.restoring` beside the store (a -wal
beside the backup is read into it), and every check then runs on that staged copy, which is
what is installed: its integrity; its schema, object by object, against what the desk's own
migrations make at its revision (an added trigger or view, an altered table is refused, not
only a wrong revision label); that it is this terminal's (the same hall and terminal code as
the store it replaces: another terminal's backup would make two terminals issue the same
ticket numbers; when the store's identity cannot be read, the user must name the terminal);
and that its change log is whole. It is refused while a desk holds the store open
(store/in_use.py). It keeps the replaced file, carries that file's highest ticket number of
each day into the restored counter (no number issued after the backup is issued again), and
gives the terminal a new sync identity (node id): changes made after the backup was taken
come back from the hall store on the next sync as another node's, new changes can never reuse
a sequence number the hall already holds for the old identity, and changes in the backup that
had not reached the hall yet are carried over to the new identity and pushed. A refused
restore replaces nothing and leaves nothing behind; a full disk or a read-only folder is said
as the store's own failures are (StoreUnavailable).

Both use plain sqlite3 connections and never write a table the search index's triggers watch,
so they need nothing the desk registers on its connections (the `bigrams` function): the
store is the desk's alone, and any other SQLite client fails on such a write."""

from __future__ import annotations

import errno
import functools
import json
import os
import re
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from deskapp.ids import uuid7
from deskapp.store import in_use
from deskapp.store.engine import connect_plain
from deskapp.store.failures import StoreUnavailable, failure_key
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
    terminal: str = ""  # the restored store's terminal (hall-terminal), to name it to the user
    # the replaced store could be read, so its ticket numbers were carried into the counter;
    # False: the numbers issued after the backup are known only after a sync
    numbers_carried: bool = False


def _owner_only(path: Path) -> None:
    os.chmod(path, 0o600)


def backup(db_path: Path, dest: Path, folder: bool = False) -> Path:
    """Copy the live store to `dest` (a file, or a directory to put a dated file in; `folder`:
    `dest` was written as a directory, with a trailing slash, and is made if missing)."""
    if not db_path.exists():
        raise BackupError("error.backup.no_store", path=str(db_path))
    made = _missing_folders(dest if folder else dest.parent)
    try:
        return _copy(db_path, dest, folder)
    except BaseException:
        for path in made:  # the folders this backup made, deepest first: none left empty
            try:
                path.rmdir()
            except OSError:
                break  # not empty after all (someone else's file), or gone: left as it is
        raise


def _missing_folders(path: Path) -> list[Path]:
    """The folders of `path` that do not exist yet, deepest first."""
    missing: list[Path] = []
    while not path.exists() and path != path.parent:
        missing.append(path)
        path = path.parent
    return missing


def _copy(db_path: Path, dest: Path, folder: bool) -> Path:
    if folder:
        dest.mkdir(parents=True, exist_ok=True)
    if dest.is_dir():
        dest = dest / f"{db_path.stem}-{datetime.now():%Y%m%d-%H%M%S}.db"
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".part")
    fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    os.close(fd)
    try:
        source = connect_plain(db_path)  # (a store on a read-only mount is copied too)
        try:
            target = sqlite3.connect(tmp)
            try:
                source.backup(target)
                target.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
            finally:
                target.close()
        finally:
            source.close()
        try:
            check(tmp)
        except BackupError as error:  # the copy is as damaged as the store it was taken of
            detail = error.params.get("detail", "")
            raise BackupError(
                "error.backup.store_damaged", path=str(db_path), detail=detail
            ) from error
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)  # never a half-written copy beside the good ones
        raise
    _owner_only(dest)
    return dest


def _known_revisions() -> set[str]:
    return {p.stem for p in (MIGRATIONS_DIR / "versions").glob("*.py")}


def _schema(conn: sqlite3.Connection) -> set[tuple[str, str, str, str]]:
    """Every object of a store as (type, name, table, SQL with its spacing folded), without
    SQLite's own (sqlite_sequence, statistics, automatic indexes) and Alembic's label."""
    return {
        (kind, name, table, re.sub(r"\s+", " ", sql or "").strip())
        for kind, name, table, sql in conn.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master"
        )
        if not name.startswith("sqlite_")
    }


@functools.lru_cache(maxsize=4)
def expected_schema(revision: str) -> frozenset[tuple[str, str, str, str]]:
    """What the desk's migrations make at `revision`, from a fresh store built here."""
    from deskapp.store.engine import make_engine
    from deskapp.store.migrate import upgrade

    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(Path(folder) / "fresh.db")
        try:
            upgrade(engine, revision)
        finally:
            engine.dispose()
        conn = sqlite3.connect(Path(folder) / "fresh.db")
        try:
            return frozenset(_schema(conn))
        finally:
            conn.close()


def _differences(
    found: set[tuple[str, str, str, str]], expected: frozenset[tuple[str, str, str, str]]
) -> str:
    extra = sorted(f"+{kind} {name}" for kind, name, _, _ in found - expected)
    missing = sorted(f"-{kind} {name}" for kind, name, _, _ in expected - found)
    return ", ".join((extra + missing)[:6])


class _Unreadable:
    """The store is there but its identity cannot be read (damaged, not a desk store)."""


UNREADABLE = _Unreadable()
# What SQLite says opening a store on a full disk (its -shm file cannot be sized).
_NO_ROOM = frozenset({"SQLITE_FULL", "SQLITE_IOERR_SHMSIZE"})


def _identity(path: Path) -> tuple[str, str] | _Unreadable | None:
    """(hall code, terminal code) of the store at `path`; None for an empty place (no file, an
    empty file, a store never given an identity); UNREADABLE when it cannot be read."""
    if not path.exists() or path.stat().st_size == 0:
        return None
    sidecars = [Path(f"{path}{end}") for end in ("-wal", "-shm")]
    made = [side for side in sidecars if not side.exists()]
    try:
        # Read-write (it only reads): a read-only connection, last to close, would leave the
        # live store's -wal and -shm files behind.
        conn = sqlite3.connect(path, timeout=30)
        try:
            row = conn.execute("SELECT hall_code, terminal_code FROM terminal").fetchone()
            return None if row is None else (row[0], row[1])
        finally:
            conn.close()
    except sqlite3.Error as error:
        if error.sqlite_errorname in _NO_ROOM:  # not damaged: no room for its -shm file
            for side in made:  # (what the failed opening began: nothing is left behind)
                side.unlink(missing_ok=True)
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path)) from error
        return UNREADABLE


def _named(terminal: str, theirs: tuple[str, str]) -> bool:
    """`terminal` as the user typed it (T01 or GZ01-T01) names the backup's terminal."""
    typed = terminal.strip().upper()
    return typed in (theirs[1], "-".join(theirs))


def check(path: Path, db_path: Path | None = None, terminal: str | None = None) -> str:
    """Integrity, schema and identity of a backup file, before anything is replaced; returns
    its schema revision. With `db_path`, the backup must be of the terminal whose store is
    there (when there is one). When that store's identity cannot be read (it is damaged), the
    backup is taken only if the user names its terminal (`terminal`, e.g. T01): the desk
    cannot tell otherwise whether it belongs here."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BackupError("error.backup.unreadable", path=str(path), detail=str(exc)) from exc
    try:
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
        if result != "ok":
            raise BackupError("error.backup.corrupt", path=str(path), detail=result)
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        identity = conn.execute("SELECT node_id, hall_code, terminal_code FROM terminal").fetchone()
        schema = _schema(conn)
    except sqlite3.DatabaseError as exc:
        raise BackupError("error.backup.unreadable", path=str(path), detail=str(exc)) from exc
    finally:
        conn.close()
    revision = row[0] if row else ""
    if revision not in _known_revisions():
        # Made by a newer desk: opening it here could not be undone by that desk's migrations.
        raise BackupError("error.backup.newer", revision=revision, head=HEAD_REVISION)
    if identity is None:
        raise BackupError("error.backup.no_terminal", path=str(path))
    expected = expected_schema(revision)
    if schema != expected:
        raise BackupError("error.backup.schema_differs", detail=_differences(schema, expected))
    theirs = (identity[1], identity[2])
    if terminal is not None and not _named(terminal, theirs):
        raise BackupError("error.backup.terminal_mismatch", named=terminal, theirs="-".join(theirs))
    if db_path is not None:
        ours = _identity(db_path)
        if ours is UNREADABLE and terminal is None:
            raise BackupError(
                "error.backup.identity_unknown", theirs="-".join(theirs), code=theirs[1]
            )
        if isinstance(ours, tuple) and ours != theirs:
            raise BackupError(
                "error.backup.other_terminal", theirs="-".join(theirs), ours="-".join(ours)
            )
    return revision


def _damaged(detail_key: str, **params: object) -> BackupError:
    from deskapp.i18n import t

    return BackupError("error.backup.changelog_damaged", detail=t(detail_key, **params))


def _check_change_log(conn: sqlite3.Connection, node_id: str) -> None:
    """The terminal's own changes run 1..last_seq without a gap, and every change is a JSON
    object of its record table's columns (an insert carrying the record's own id): what the
    renumbering below and the next push rely on."""
    from deskapp.store.models import RECORD_TABLES

    (last_seq,) = conn.execute("SELECT last_seq FROM terminal").fetchone()
    count, low, high = conn.execute(
        "SELECT COUNT(*), MIN(seq), MAX(seq) FROM change_log WHERE node_id = ?", (node_id,)
    ).fetchone()
    if count and (low != 1 or high != count):
        raise _damaged("backup.detail_gap", count=count, low=low, high=high)
    if (high or 0) != last_seq:
        raise _damaged("backup.detail_counter", high=high or 0, last_seq=last_seq)
    (bad,) = conn.execute(
        "SELECT COUNT(*) FROM change_log WHERE json_valid(fields) = 0 "
        "OR json_type(fields) != 'object'"
    ).fetchone()
    if bad:
        raise _damaged("backup.detail_unreadable", count=bad)
    columns = {
        entity: {name for (_, name, *_) in conn.execute(f'PRAGMA table_info("{entity}")')}
        for entity in RECORD_TABLES
    }
    nonsense = 0
    for entity, entity_id, op, fields in conn.execute(
        "SELECT entity, entity_id, op, fields FROM change_log"
    ):
        values = json.loads(fields)
        known = columns.get(entity)
        if (
            not known
            or op not in ("insert", "update")
            or not set(values) <= known
            or ("id" in values and values["id"] != entity_id)
            or (op == "insert" and values.get("id") != entity_id)
        ):
            nonsense += 1
    if nonsense:
        raise _damaged("backup.detail_fields", count=nonsense)


def _stage(backup_file: Path, staged: Path) -> None:
    """A self-contained copy of what SQLite reads as `backup_file` (its -wal included), made
    with the backup API: every check then runs on this copy, and this copy is what is
    installed, so a -wal file beside the backup can neither hide anything from the checks
    nor be dropped silently."""
    fd = os.open(staged, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    os.close(fd)
    try:
        source = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BackupError(
            "error.backup.unreadable", path=str(backup_file), detail=str(exc)
        ) from exc
    try:
        target = sqlite3.connect(staged)
        try:
            try:
                source.backup(target)
            except sqlite3.DatabaseError as exc:
                if failure_key(exc) is not None:
                    raise  # the place it is copied to refused (full disk, read-only)
                raise BackupError(
                    "error.backup.unreadable", path=str(backup_file), detail=str(exc)
                ) from exc
            target.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        finally:
            target.close()
    finally:
        source.close()


def restore(db_path: Path, backup_file: Path, terminal: str | None = None) -> RestoreResult:
    """Replace the store at `db_path` by a checked copy of `backup_file`. Refused (BackupError,
    nothing replaced, nothing left behind) unless every check passes. `terminal`: the user
    names this terminal (see `check`), needed only when the store's identity is unreadable."""
    staged = db_path.with_name(db_path.name + ".restoring")
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        with in_use.alone(db_path) as alone:
            if not alone:
                raise BackupError("error.backup.in_use", path=str(db_path))
            _stage(backup_file, staged)
            check(staged, db_path, terminal)
            old, new = _new_identity(staged)
            named = _identity(staged)
            carried = _carry_ticket_counters(db_path, staged)
            kept = _install(db_path, staged)
    except BaseException as error:
        _remove_staged(staged)  # never a partial copy taking the disk's last space
        refused = _place_refused(error)
        if refused is not None:
            raise refused from error
        raise
    code = "-".join(named) if isinstance(named, tuple) else ""
    return RestoreResult(backup_file, kept, old, new, code, numbers_carried=carried)


def _highest_tickets(previous: Path, hall: str, terminal: str) -> dict[str, int] | None:
    """Per day (YYYYMMDD), the highest ticket sequence the store at `previous` had issued or
    seen under this terminal's prefix; None when it cannot be read."""
    highest: dict[str, int] = {}
    if not isinstance(_identity(previous), tuple):
        return None
    prefix = f"{hall}-{terminal}-"
    try:
        conn = sqlite3.connect(previous, timeout=30)
        try:
            for day, seq in conn.execute("SELECT day, last_seq FROM ticket_counter"):
                highest[day] = max(highest.get(day, 0), int(seq))
            tickets = conn.execute(
                "SELECT ticket_no FROM complaint WHERE substr(ticket_no, 1, ?) = ?",
                (len(prefix), prefix),
            ).fetchall()
        finally:
            conn.close()
    except sqlite3.Error:
        return None
    for (ticket,) in tickets:
        # NUMBER or NUMBER~id (a number that lost a collision, sync/unique.py)
        day, _, seq = ticket.split("~", 1)[0].removeprefix(prefix).partition("-")
        if seq.isdigit():
            highest[day] = max(highest.get(day, 0), int(seq))
    return highest


def _carry_ticket_counters(previous: Path, staged: Path) -> bool:
    """The restored store never issues a ticket number the replaced store had issued: the
    backup's counters are older than the tickets issued after it (and maybe already given
    to customers and synchronized), so each day's counter takes the replaced store's highest
    number. The next intake then goes on above it, with no need to synchronize first. False
    when the replaced store cannot be read: nothing carried, a sync must come first."""
    conn = sqlite3.connect(staged)
    try:
        hall, terminal = conn.execute("SELECT hall_code, terminal_code FROM terminal").fetchone()
        highest = _highest_tickets(previous, hall, terminal)
        if highest is None:
            return False
        with conn:
            conn.executemany(
                "INSERT INTO ticket_counter (day, last_seq) VALUES (?, ?) ON CONFLICT (day) "
                "DO UPDATE SET last_seq = MAX(last_seq, excluded.last_seq)",
                sorted(highest.items()),
            )
        return True
    finally:
        conn.close()


def _install(db_path: Path, staged: Path) -> Path | None:
    kept = None
    if db_path.exists():
        kept = db_path.with_name(f"{db_path.name}.replaced-{datetime.now():%Y%m%d-%H%M%S}")
        os.replace(db_path, kept)
        for suffix in ("-wal", "-shm"):
            side = Path(f"{db_path}{suffix}")
            if side.exists():
                os.replace(side, Path(f"{kept}{suffix}"))
    os.replace(staged, db_path)
    return kept


_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_READONLY = {errno.EROFS, errno.EACCES, errno.EPERM}


def _place_refused(error: BaseException) -> StoreUnavailable | None:
    """A restore the store's place refused (full disk, read-only folder), as the store's own
    failures are said (error.store.*, the CLI's exit codes 6 and 7)."""
    if isinstance(error, OSError):
        if error.errno in _FULL:
            return StoreUnavailable("error.store.full", str(error))
        if error.errno in _READONLY:
            return StoreUnavailable("error.store.readonly", str(error))
    if isinstance(error, sqlite3.Error):
        key = failure_key(error)
        if key in ("error.store.full", "error.store.readonly"):
            return StoreUnavailable(key, str(error))
        if key == "error.store.cannot_open":  # the copy could not even be created there
            return StoreUnavailable("error.store.readonly", str(error))
    return None


def _remove_staged(staged: Path) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        part = Path(f"{staged}{suffix}")
        if part.exists():  # (a read-only folder answers EROFS even for a missing file)
            part.unlink()


def _new_identity(staged: Path) -> tuple[str, str]:
    conn = sqlite3.connect(staged)
    try:
        old = conn.execute("SELECT node_id FROM terminal").fetchone()[0]
        _check_change_log(conn, old)
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
    except sqlite3.Error as exc:
        if failure_key(exc) is not None:
            raise  # the disk or the folder refused the write, not the change log
        raise _damaged("backup.detail_sql") from exc
    finally:
        conn.close()
    return old, new
