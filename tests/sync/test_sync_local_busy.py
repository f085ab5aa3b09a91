"""A sync while the same terminal writes (issue 14): a save, an import or a second desk of
`deskapp serve` writing the local store at the same moment. Every local write of a sync takes
the write lock up front and waits its turn (busy timeout); a store still busy past the wait is
reported as a busy local store, not as an unreachable hall.

Measured with this test before the fix (deferred local transactions): beside a save every
10 ms, 61 of 72 and 48 of 69 syncs failed with "database is locked"; beside saves without
pause, 2 of 3 and 6 of 7. After: none."""

from __future__ import annotations

import json
import logging
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sync_kit import first_terminal, own_log, started, take

from deskapp.store import engine as store_engine
from deskapp.sync import SyncOutcome, SyncResult, sync

WRITER = Path(__file__).with_name("local_writer.py")


@pytest.mark.parametrize("pause_ms", [10, 0], ids=["save-every-10ms", "saves-without-pause"])
def test_sync_beside_a_concurrent_local_writer_never_fails(tmp_path: Path, pause_ms: int) -> None:
    hall = started(str(tmp_path / "hall.db"))
    term = first_terminal(tmp_path)
    try:
        take(term, contact_phone="13800001234")
        assert sync(term.desk, hall).ok
        db = term.desk.engine.url.database
        writer = subprocess.Popen(
            [sys.executable, str(WRITER), db, term.clock.now().isoformat(), str(pause_ms), "4"],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
            outcomes: list[SyncResult] = []
            end = time.monotonic() + 3.5
            while time.monotonic() < end:
                outcomes.append(sync(term.desk, hall, batch_size=50))
            report = json.loads(writer.stdout.readline())
        finally:
            writer.wait(timeout=60)
        failed = [r for r in outcomes if not r.ok]
        print(f"pause {pause_ms} ms: {len(failed)} of {len(outcomes)} syncs failed; "
              f"writer saved {report['saves']}, refused {report['refused']}")  # fmt: skip
        assert report["saves"] > 10  # the writer did write meanwhile
        assert not failed, failed[0].error
        # and then everything the writer saved reaches the hall
        assert sync(term.desk, hall).ok
        assert all(r.acked_at is not None for r in own_log(term.desk))
    finally:
        term.close()


def test_a_local_store_busy_past_the_wait_is_reported_as_busy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(store_engine, "BUSY_TIMEOUT_MS", 200)
    hall = started(str(tmp_path / "hall.db"))
    term = first_terminal(tmp_path)
    try:
        take(term, contact_phone="13800001234")
        blocker = sqlite3.connect(term.desk.engine.url.database, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")  # another process holding the write lock
        try:
            result = sync(term.desk, hall)
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        assert result.outcome is SyncOutcome.BUSY_LOCAL, result
        assert "本终端" in result.message and "营业厅数据库" not in result.message
        assert result.message.endswith("记录都在本机。")  # the whole sentence
        # expected, said in one line each: no ERROR, no traceback in the log
        sync_records = [r for r in caplog.records if r.name.startswith("deskapp.sync")]
        assert sync_records and all(r.levelno < logging.ERROR for r in sync_records)
        assert not any(r.exc_info for r in sync_records)
        assert sync(term.desk, hall).ok  # and once the writer is done, it goes through
    finally:
        term.close()


def test_deskapp_sync_says_busy_and_exits_5(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from click.testing import CliRunner

    from deskapp.cli import main

    monkeypatch.setattr(store_engine, "BUSY_TIMEOUT_MS", 200)
    term = first_terminal(tmp_path)
    take(term, contact_phone="13800001234")
    db = term.desk.engine.url.database
    term.close()
    blocker = sqlite3.connect(db, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        env = {"DESKAPP_HALL_URL": "", "DESKAPP_LANG": "zh"}
        hall = started(str(tmp_path / "h.db"))
        result = CliRunner().invoke(main, ["--db", db, "sync", "--hall", hall],
                                    env=env)  # fmt: skip
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert result.exit_code == 5, result.output
    assert "本终端的数据库正被另一项保存" in result.output
