"""Every path that makes a ticket takes its number from one issuer
(deskapp/services/ticket_numbers.py), which never goes below a number already in the store
(issue 21): driven through the real `deskapp` command, as the README tells a hall to work."""

from __future__ import annotations

import contextlib
import gc
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from cli_kit import run

from deskapp.i18n import t

TZ = ZoneInfo("Asia/Shanghai")
HEADER = "受理时间,渠道,客户姓名,联系电话,投诉内容,客户诉求,投诉类别\n"


def _rows(path: Path, name: str, phone: str) -> Path:
    """One open hotline row received an hour ago: it is registered, and numbered, today."""
    received = (datetime.now(TZ) - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M")
    path.write_text(HEADER + f"{received},10086,{name},{phone},家里没信号,修好,NET.COVER.INDOOR\n",
                    encoding="utf-8")  # fmt: skip
    return path


def _tickets(db: Path) -> list[str]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return [n for (n,) in conn.execute("SELECT ticket_no FROM complaint ORDER BY ticket_no")]


def test_an_import_after_a_restore_and_a_sync_goes_on_above_the_numbers_the_sync_brought_back(
    tmp_path: Path,
) -> None:
    """The README: after a restore, synchronize soon (the records made after the backup come
    back from the hall store). The store replaced was damaged, so the restore could not carry
    its counters: only the sync brings the day's tickets back. An import the same day then
    numbers above them, as intake does, instead of failing on the unique ticket number."""
    db, hall, copy = tmp_path / "t01.db", tmp_path / "hall.db", tmp_path / "copy.db"
    pins = {"DESKAPP_IMPORT_PIN": "1111"}
    assert run("--db", str(db), "init", "--hall", "GZ01", "--terminal", "T01").exit_code == 0
    run("--db", str(db), "staff", "add", "--work-no", "3001", "--name", "陈静",
        "--role", "hall_manager", input="9999\n9999\n")  # fmt: skip
    added = run("--db", str(db), "staff", "add", "--work-no", "1001", "--name", "张敏",
                "--as", "3001", input="1111\n1111\n9999\n")  # fmt: skip
    assert added.exit_code == 0, added.output
    assert run("--db", str(db), "sync", "--hall", str(hall), "--new-hall").exit_code == 0
    assert run("--db", str(db), "backup", str(copy)).exit_code == 0

    first = run("--db", str(db), "import", str(_rows(tmp_path / "a.csv", "李建国", "13812340001")),
                "--as", "1001", env=pins)  # fmt: skip
    assert first.exit_code == 0, first.output
    issued_after_backup = _tickets(db)
    assert len(issued_after_backup) == 1
    assert run("--db", str(db), "sync", "--hall", str(hall)).exit_code == 0

    gc.collect()  # the in-process commands' engines closed, as a finished process's are
    with open(db, "r+b") as store:
        store.write(b"garbage garbage!")  # the terminal's store is damaged: restore it
    restored = run("--db", str(db), "restore", str(copy), "--yes", "--terminal", "T01")
    assert restored.exit_code == 0, restored.output
    assert t("backup.sync_first") in restored.output  # the replaced store was unreadable
    assert t("backup.sync_next") not in restored.output
    assert _tickets(db) == []
    assert run("--db", str(db), "sync", "--hall", str(hall)).exit_code == 0
    assert _tickets(db) == issued_after_backup  # back from the hall store

    second = run("--db", str(db), "import", str(_rows(tmp_path / "b.csv", "王芳", "13812340002")),
                 "--as", "1001", env=pins)  # fmt: skip
    assert second.exit_code == 0, second.output
    tickets = _tickets(db)
    assert len(tickets) == 2 and len(set(tickets)) == 2
    (new,) = set(tickets) - set(issued_after_backup)
    assert int(new.rsplit("-", 1)[1]) == int(issued_after_backup[0].rsplit("-", 1)[1]) + 1
    again = run("--db", str(db), "import", str(tmp_path / "b.csv"), "--as", "1001", env=pins)
    assert again.exit_code == 0 and _tickets(db) == tickets  # and a second try adds nothing


def test_the_restore_says_to_synchronize_before_intake() -> None:
    """A store restored in place of an unreadable one does not know the numbers issued after
    its backup until a sync brings them back (an import right after such a restore issued
    …-0001 again): the restore says to synchronize first, and promises nothing it cannot keep
    (the promise of sync_next holds only when the replaced store's numbers were carried)."""
    said = t("backup.sync_first")
    assert "先同步再受理" in said and "deskapp sync" in said
    assert "可能再次发出" in said
    assert "不会重复" not in said
