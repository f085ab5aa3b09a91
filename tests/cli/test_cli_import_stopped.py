"""An import stopped part way (Ctrl+C, a store held by another program, a full disk) after some
of its transactions were committed says how many rows are stored and that the same command
run again completes it, never "nothing changed" (issue 22, fix22e); run again, it completes."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from cli_kit import run, staffed_store

import deskapp.services.importer.writing as writing
from deskapp.i18n import t
from deskapp.services.desk import Desk
from deskapp.services.records import StoreUnavailable

TZ = ZoneInfo("Asia/Shanghai")
HEADER = "受理时间,渠道,客户姓名,联系电话,投诉内容,客户诉求,投诉类别,状态,结案时间,处理结果\n"
ROWS = 1500  # a transaction of 1000 rows (pipeline.BATCH) committed, then the stop


def _file(tmp_path: Path) -> Path:
    now = datetime.now(TZ)
    lines = [HEADER]
    for i in range(ROWS):
        received = now - timedelta(days=40, minutes=i)
        closed = received + timedelta(hours=3)
        lines.append(f"{received:%Y-%m-%d %H:%M},10086,客户{i},1380000{i:04d},没有信号,修好,"
                     f"NET.COVER.INDOOR,已结案,{closed:%Y-%m-%d %H:%M},已处理\n")  # fmt: skip
    path = tmp_path / "in.csv"
    path.write_text("".join(lines), encoding="utf-8")
    return path


def _stored(db: str) -> int:
    from sqlalchemy import text

    desk = Desk.open(Path(db))
    try:
        with desk.read() as session:
            return int(session.execute(text("select count(*) from complaint")).scalar_one())
    finally:
        desk.close()


@pytest.mark.parametrize(
    ("stop", "code", "why"),
    [
        (KeyboardInterrupt(), 1, "import.stopped_cancelled"),
        (StoreUnavailable("error.store.busy", "held"), 5, "import.stopped_store_busy"),
        (StoreUnavailable("error.store.full", "full"), 7, "import.stopped_disk_full"),
    ],
)
def test_an_import_stopped_after_a_commit_says_what_is_stored_and_how_to_finish(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stop: BaseException, code: int, why: str
) -> None:
    db = staffed_store(tmp_path / "t01.db")
    path = _file(tmp_path)
    write_chunk, calls = writing._write_chunk, []

    def stopping(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise stop
        return write_chunk(*args, **kwargs)

    monkeypatch.setattr(writing, "_write_chunk", stopping)
    env = {"DESKAPP_IMPORT_PIN": "9999"}
    stopped = run("--db", db, "import", str(path), "--as", "3001", "-q", env=env)
    assert stopped.exit_code == code, stopped.output
    assert t("import.stopped", why=t(why), rows=1000) in stopped.output
    assert "未做任何更改" not in stopped.output and t("cli.aborted") not in stopped.output
    assert _stored(db) == 1000
    monkeypatch.setattr(writing, "_write_chunk", write_chunk)
    again = run("--db", db, "import", str(path), "--as", "3001", "-q", env=env)
    assert again.exit_code == 0, again.output
    assert _stored(db) == ROWS


def test_an_import_stopped_before_any_commit_still_says_nothing_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = staffed_store(tmp_path / "t01.db")

    def stopping(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(writing, "_write_chunk", stopping)
    stopped = run("--db", db, "import", str(_file(tmp_path)), "--as", "3001", "-q",
                  env={"DESKAPP_IMPORT_PIN": "9999"})  # fmt: skip
    assert stopped.exit_code == 1
    assert t("cli.aborted") in stopped.output
    assert _stored(db) == 0
