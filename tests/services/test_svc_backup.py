"""deskapp backup / restore: consistent copies of the live store, checked restores."""

from __future__ import annotations

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
    ],
    ids=["gap", "unreadable_change", "counter_ahead"],
)
def test_a_backup_with_a_damaged_change_log_is_refused_in_words(
    desk: Desk, handler: Actor, db_path: Path, tmp_path: Path, damage: str
) -> None:
    _take(desk, handler, "王先生")
    copy = backup(db_path, tmp_path / "copy.db")
    with sqlite3.connect(copy) as conn:
        conn.execute(damage)
    desk.close()
    _refused(db_path, copy, tmp_path, "error.backup.changelog_damaged")


_PLAIN_CLIENT = """
import sqlite3, sys
from pathlib import Path
from deskapp.services.backup import backup, restore

db, dest, target = (Path(a) for a in sys.argv[1:4])
copy = backup(db, dest)
result = restore(target, copy)
assert "deskapp.store.engine" not in sys.modules, "the desk's engine was loaded"
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
    any other SQLite client fails on a write they see. Backup and restore run in a process
    that never loads the desk's engine (so no `bigrams`), and succeed, pending changes
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
