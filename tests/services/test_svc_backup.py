"""deskapp backup / restore: consistent copies of the live store, checked restores."""

from __future__ import annotations

import re
import sqlite3
import stat
from pathlib import Path

import pytest

from deskapp.services.backup import BackupError, backup, check, restore
from deskapp.services.desk import Actor, Desk
from deskapp.services.intake import IntakeForm, take_complaint


def _take(desk: Desk, actor: Actor, name: str) -> str:
    form = IntakeForm(
        customer_name=name,
        contact_phone="13912345678",
        content="宽带经常断线",
        demand="尽快修复",
        cause_code=desk.refdata.causes.intake_paths()[0].code,
        promised_reply_at="2026-11-25 10:00",
    )
    return take_complaint(desk, actor, form).ticket_no


def _count(path: Path, table: str = "complaint") -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def test_backup_of_a_live_store_is_complete_checked_and_owner_only(
    desk: Desk, handler: Actor, db_path: Path, tmp_path: Path
) -> None:
    _take(desk, handler, "王先生")
    # A reader holds a transaction open while the copy is taken: the desk is "in use".
    (tmp_path / "backups").mkdir()
    with desk.read() as session:
        session.connection().exec_driver_sql("SELECT COUNT(*) FROM complaint").fetchone()
        copy = backup(db_path, tmp_path / "backups")
    assert copy.parent == tmp_path / "backups"
    assert check(copy)
    assert _count(copy) == 1
    assert _count(copy, "change_log") == _count(db_path, "change_log")
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600


def test_a_corrupt_backup_is_refused_and_nothing_is_replaced(
    desk: Desk, handler: Actor, db_path: Path, tmp_path: Path
) -> None:
    _take(desk, handler, "王先生")
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100 + b"garbage" * 500)
    before = _count(db_path)
    with pytest.raises(BackupError) as refused:
        restore(db_path, bad)
    assert refused.value.key in {"error.backup.unreadable", "error.backup.corrupt"}
    assert _count(db_path) == before
    assert not list(tmp_path.glob("*.replaced-*"))


def test_a_backup_from_a_newer_desk_is_refused(db_path: Path, desk: Desk, tmp_path: Path) -> None:
    copy = backup(db_path, tmp_path / "copy.db")
    with sqlite3.connect(copy) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    with pytest.raises(BackupError) as refused:
        restore(db_path, copy)
    assert refused.value.key == "error.backup.newer"


def test_restore_keeps_the_replaced_store_and_takes_a_new_identity(
    desk: Desk, handler: Actor, db_path: Path, tmp_path: Path
) -> None:
    first = _take(desk, handler, "王先生")
    copy = backup(db_path, tmp_path / "copy.db")
    _take(desk, handler, "李女士")  # made after the backup
    old_node = desk.terminal().node_id
    desk.close()

    result = restore(db_path, copy)

    assert result.kept_as is not None and _count(result.kept_as) == 2
    assert result.old_node_id == old_node and result.new_node_id != old_node
    assert _count(db_path) == 1
    reopened = Desk.open(db_path, clock=desk.clock)
    try:
        terminal = reopened.terminal()
        assert terminal.node_id == result.new_node_id
        # nothing was synchronized: every change in the backup moves to the new identity
        with reopened.read() as session:
            old_left = (
                session.connection()
                .exec_driver_sql("SELECT COUNT(*) FROM change_log WHERE node_id = ?", (old_node,))
                .scalar()
            )
        assert old_left == 0 and terminal.last_seq > 0
        # A new complaint never reuses a number of a ticket in the store (tickets made after
        # the backup come back with the next sync, and then count too); and the gap-free
        # sequence of the new identity starts at 1.
        third = _take(reopened, handler, "赵先生")
        assert int(third.rsplit("-", 1)[1]) > int(first.rsplit("-", 1)[1])
        with reopened.read() as session:
            seqs = (
                session.connection()
                .exec_driver_sql(
                    "SELECT seq FROM change_log WHERE node_id = ? ORDER BY seq",
                    (terminal.node_id,),
                )
                .fetchall()
            )
        assert [s for (s,) in seqs] == list(range(1, len(seqs) + 1))
    finally:
        reopened.close()


# ------------------------------------------- a restore that would harm the hall is refused


def _snapshot(tmp_path: Path) -> list[str]:
    return sorted(p.name for p in tmp_path.iterdir())


def _refused(db_path: Path, copy: Path, tmp_path: Path, key: str) -> BackupError:
    """Restoring `copy` is refused with `key`; the store is untouched, nothing left behind."""
    before_files = _snapshot(tmp_path)
    before = db_path.read_bytes()
    with pytest.raises(BackupError) as refused:
        restore(db_path, copy)
    assert refused.value.key == key, refused.value.params
    assert db_path.read_bytes() == before
    assert _snapshot(tmp_path) == before_files  # no .restoring, no .replaced-* file
    return refused.value


def _other_terminal(tmp_path: Path, clock) -> Path:
    from deskapp.services.terminal import init_terminal

    other = Desk.open(tmp_path / "elsewhere" / "t02.db", clock=clock)
    try:
        init_terminal(other, "GZ01", "T02", "Asia/Shanghai")
    finally:
        other.close()
    return backup(tmp_path / "elsewhere" / "t02.db", tmp_path / "elsewhere" / "t02-copy.db")


def test_another_terminals_backup_is_refused_with_the_safe_way(
    desk: Desk, handler: Actor, db_path: Path, tmp_path: Path
) -> None:
    _take(desk, handler, "王先生")
    copy = _other_terminal(tmp_path, desk.clock)
    desk.close()
    error = _refused(db_path, copy, tmp_path, "error.backup.other_terminal")
    assert error.params == {"theirs": "GZ01-T02", "ours": "GZ01-T01"}
    from deskapp.i18n import t

    text = t(error.key, **error.params)
    assert "deskapp sync" in text and "restore" in text  # says how to do it safely
    # The safe way it names: a new machine's empty place takes the backup (it becomes T02).
    fresh = tmp_path / "new-machine" / "desk.db"
    result = restore(fresh, copy)
    assert result.kept_as is None and fresh.exists()


@pytest.mark.parametrize(
    "alteration",
    [
        "CREATE TRIGGER sneak AFTER INSERT ON complaint BEGIN DELETE FROM draft; END",
        "CREATE VIEW everyone AS SELECT * FROM staff",
        "ALTER TABLE complaint ADD COLUMN extra TEXT",
        "DROP INDEX ix_complaint_due",
        "CREATE TABLE notes (x TEXT)",
    ],
    ids=["trigger", "view", "altered_table", "dropped_index", "extra_table"],
)
def test_a_backup_whose_schema_differs_from_the_migrations_is_refused(
    desk: Desk, handler: Actor, db_path: Path, tmp_path: Path, alteration: str
) -> None:
    _take(desk, handler, "王先生")
    copy = backup(db_path, tmp_path / "copy.db")
    with sqlite3.connect(copy) as conn:
        conn.execute(alteration)  # the revision label is still the right one
    desk.close()
    error = _refused(db_path, copy, tmp_path, "error.backup.schema_differs")
    assert error.params["detail"]


def test_an_untouched_backup_has_exactly_the_migrations_schema(
    desk: Desk, db_path: Path, tmp_path: Path
) -> None:
    copy = backup(db_path, tmp_path / "copy.db")
    assert check(copy, db_path)  # the comparison passes for what the desk itself made


@pytest.mark.parametrize(
    "damage",
    [
        "DELETE FROM change_log WHERE seq = 2",
        "UPDATE change_log SET fields = 'not json' WHERE seq = 1",
        "UPDATE terminal SET last_seq = last_seq + 5",
        """UPDATE change_log SET fields = '{"id": 5}' WHERE seq = 1""",
        """UPDATE change_log SET fields = '{"no_such_column": 1}' WHERE seq = 2""",
        "UPDATE change_log SET entity = 'ticket_counter' WHERE seq = 1",
    ],
    ids=[
        "gap",
        "unreadable_change",
        "counter_ahead",
        "id_nonsense",
        "unknown_column",
        "not_a_record_table",
    ],
)
def test_a_backup_with_a_damaged_change_log_is_refused_in_words(
    desk: Desk, handler: Actor, db_path: Path, tmp_path: Path, damage: str
) -> None:
    _take(desk, handler, "王先生")
    copy = backup(db_path, tmp_path / "copy.db")
    with sqlite3.connect(copy) as conn:
        conn.execute(damage)
    desk.close()
    error = _refused(db_path, copy, tmp_path, "error.backup.changelog_damaged")
    from deskapp.i18n import t

    said = t(error.key, **error.params)
    assert not re.search("[A-Za-z]{3,}", said), said  # all in Chinese, no English mixed in


# ------------------------------------------- what is checked is what is installed (its -wal)


def _with_wal(copy: Path, name: str, tmp_path: Path, *statements: str) -> Path:
    """`copy` put in WAL mode, `statements` committed into its -wal (not checkpointed), and the
    pair (file and -wal) copied to `name`, as a backup with its -wal beside it arrives."""
    import shutil

    conn = sqlite3.connect(copy, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA wal_autocheckpoint = 0")
        for statement in statements:
            conn.execute(statement)
        target = tmp_path / name
        shutil.copyfile(copy, target)
        shutil.copyfile(f"{copy}-wal", f"{target}-wal")
    finally:
        conn.close()
    return target


def test_a_wal_beside_the_backup_cannot_hide_a_trigger_from_the_check(
    desk: Desk, handler: Actor, db_path: Path, tmp_path: Path
) -> None:
    _take(desk, handler, "王先生")
    copy = backup(db_path, tmp_path / "copy.db")
    with sqlite3.connect(copy) as conn:  # in the main file ...
        conn.execute("CREATE TRIGGER sneak AFTER INSERT ON complaint BEGIN DELETE FROM draft; END")
    # ... and dropped again in the -wal only: the check reads the pair, the main file has it.
    hostile = _with_wal(copy, "hostile.db", tmp_path, "DROP TRIGGER sneak")
    desk.close()
    restore(db_path, hostile)
    with sqlite3.connect(db_path) as conn:
        triggers = conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall()
    assert ("sneak",) not in triggers
    assert not list(tmp_path.glob("*.restoring*"))


def test_the_data_in_a_wal_beside_the_backup_is_restored(
    desk: Desk, handler: Actor, db_path: Path, tmp_path: Path
) -> None:
    _take(desk, handler, "王先生")
    copy = backup(db_path, tmp_path / "copy.db")
    with sqlite3.connect(copy) as conn:
        (before,) = conn.execute("SELECT COUNT(*) FROM staff").fetchone()
    # A row the -wal alone holds (a staff row: no change-log bookkeeping to keep whole).
    innocent = _with_wal(
        copy, "innocent.db", tmp_path, "UPDATE staff SET name = '改过的名字' WHERE rowid = 1"
    )
    desk.close()
    restore(db_path, innocent)
    with sqlite3.connect(db_path) as conn:
        names = [n for (n,) in conn.execute("SELECT name FROM staff")]
    assert "改过的名字" in names and len(names) == before


# ------------------------------------------- the place refuses: full disk, read-only folder


def _store_on(folder: Path, clock) -> Path:
    from deskapp.services.terminal import init_terminal

    store = folder / "desk.db"
    opened = Desk.open(store, clock=clock)
    try:
        init_terminal(opened, "GZ01", "T01", "Asia/Shanghai")
    finally:
        opened.close()
    return store


def test_a_restore_onto_a_full_disk_is_refused_in_words_and_leaves_nothing(
    desk: Desk, db_path: Path, tmp_path: Path
) -> None:
    from mounts import fill, tmpfs

    from deskapp.store.failures import StoreUnavailable

    with tmpfs(tmp_path / "small") as small:
        store = _store_on(small, desk.clock)
        copy = backup(store, tmp_path / "copy.db")
        filler = fill(small)
        before, files = store.read_bytes(), sorted(small.iterdir())
        with pytest.raises(StoreUnavailable) as refused:
            restore(store, copy)
        assert refused.value.key == "error.store.full"
        assert sorted(small.iterdir()) == files  # no X.db.restoring taking the last space
        assert store.read_bytes() == before
        filler.unlink()
        reopened = Desk.open(store, clock=desk.clock)  # the store still opens
        try:
            assert reopened.terminal().terminal_code == "T01"
        finally:
            reopened.close()


def test_a_restore_into_a_read_only_folder_is_refused_in_words(
    desk: Desk, db_path: Path, tmp_path: Path
) -> None:
    from mounts import read_only, tmpfs

    from deskapp.store.failures import StoreUnavailable

    with tmpfs(tmp_path / "ro") as folder:
        store = _store_on(folder, desk.clock)
        copy = backup(store, tmp_path / "copy.db")
        read_only(folder)
        before = store.read_bytes()
        with pytest.raises(StoreUnavailable) as refused:
            restore(store, copy)
        assert refused.value.key == "error.store.readonly"
        assert store.read_bytes() == before


# ------------------------------------------- not while a desk is open on the store


def test_a_restore_is_refused_while_a_desk_holds_the_store(
    desk: Desk, handler: Actor, db_path: Path, tmp_path: Path
) -> None:
    _take(desk, handler, "王先生")
    copy = backup(db_path, tmp_path / "copy.db")
    desk.hold_in_use()  # as the desk's window does when it opens the store
    error = _refused(db_path, copy, tmp_path, "error.backup.in_use")
    from deskapp.i18n import t

    assert "关闭服务台" in t(error.key, **error.params)
    desk.close()
    assert restore(db_path, copy).kept_as is not None  # closed: the restore goes through


def test_the_desk_window_holds_its_store_while_open(
    desk: Desk, db_path: Path, tmp_path: Path
) -> None:
    from app_kit import settings_for

    from deskapp.screens.app import make_app

    copy = backup(db_path, tmp_path / "copy.db")
    desk.close()
    app = make_app(settings_for(db_path), clock=desk.clock)
    assert app.desk is not None  # the window opened the store
    try:
        _refused(db_path, copy, tmp_path, "error.backup.in_use")
    finally:
        app.desk.close()
    assert restore(db_path, copy).kept_as is not None


# ------------------------------------------- a restored terminal never re-issues a number


def test_after_restoring_its_own_backup_the_terminal_never_reissues_a_ticket_number(
    desk: Desk, handler: Actor, db_path: Path, tmp_path: Path
) -> None:
    """Tickets issued after the backup was taken (told to customers, maybe synchronized)
    are not in the backup; intake right after the restore, before any sync, still goes on
    above them."""
    _take(desk, handler, "王先生")
    copy = backup(db_path, tmp_path / "copy.db")
    issued_after = [_take(desk, handler, name) for name in ("李女士", "赵先生")]
    desk.close()
    assert restore(db_path, copy).numbers_carried  # the CLI then says no sync is needed first
    reopened = Desk.open(db_path, clock=desk.clock)
    try:
        fresh = _take(reopened, handler, "钱女士")
    finally:
        reopened.close()
    assert fresh not in issued_after
    assert int(fresh.rsplit("-", 1)[1]) == int(max(issued_after).rsplit("-", 1)[1]) + 1


_PLAIN_CLIENT = """
import sqlite3, sys
from pathlib import Path
import deskapp.store.engine as desk_engine
from deskapp.services.backup import backup, restore

db, dest, target = (Path(a) for a in sys.argv[1:4])
opened = []  # the stores the desk's engine (and so `bigrams`) was opened on
make_engine = desk_engine.make_engine
desk_engine.make_engine = lambda path, *a, **k: opened.append(Path(path)) or make_engine(
    path, *a, **k)
copy = backup(db, dest)
result = restore(target, copy)
# Only the scratch store the schema is compared against, never the backup or the target.
assert all(p.name == "fresh.db" for p in opened), opened
# Control: this process has no `bigrams` function, so a write the search triggers see fails.
conn = sqlite3.connect(target)
try:
    conn.execute("UPDATE complaint SET content = content || ''")
except sqlite3.OperationalError as exc:
    print("trigger:", exc)
else:
    print("trigger: ran")
conn.rollback()
print("pending:", conn.execute(
    "SELECT COUNT(*) FROM change_log WHERE node_id = ?", (result.new_node_id,)).fetchone()[0])
"""


def test_backup_and_restore_need_nothing_the_desk_registers(
    desk: Desk, handler: Actor, db_path: Path, tmp_path: Path
) -> None:
    """The search index's triggers call `bigrams`, which only the desk's engine registers:
    any other SQLite client fails on a write they see. Backup and restore open the backup and
    the target with plain sqlite3 connections (no `bigrams`: the desk's engine is opened only
    on the scratch store the schema is compared against) and succeed, pending changes
    renumbered onto the new identity."""
    import subprocess
    import sys

    _take(desk, handler, "王先生")
    pending = _count(db_path, "change_log")  # never synchronized: all still pending
    desk.close()
    target = tmp_path / "restored" / "desk.db"
    ran = subprocess.run(
        [sys.executable, "-c", _PLAIN_CLIENT, str(db_path), str(tmp_path / "copy.db"),
         str(target)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    assert "trigger: no such function: bigrams" in ran.stdout
    assert f"pending: {pending}" in ran.stdout
    assert _count(target) == 1
