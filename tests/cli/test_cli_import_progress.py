"""`deskapp import` shows its progress on stderr (issue 22): rows checked, then rows written,
each with a bar, the count, the time used and the time left; read back here from the real
command's stderr (a pipe: rich writes each bar's last state). `--quiet` shows none."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from deskapp.i18n import t

TZ = ZoneInfo("Asia/Shanghai")
HEADER = "受理时间,渠道,客户姓名,联系电话,投诉内容,客户诉求,投诉类别,状态,结案时间,处理结果\n"


def _deskapp(tmp_path: Path, *args: str, input: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "DESKAPP_DB": str(tmp_path / "t01.db"),
           "DESKAPP_LOG_DIR": str(tmp_path / "log"), "DESKAPP_IMPORT_PIN": "1111",
           "COLUMNS": "120"}  # fmt: skip
    return subprocess.run([sys.executable, "-m", "deskapp", *args], input=input, text=True,
                          capture_output=True, env=env, cwd=tmp_path, timeout=120)  # fmt: skip


def _file(tmp_path: Path, good: int, bad: int) -> Path:
    now = datetime.now(TZ)
    lines = [HEADER]
    for i in range(good):
        received = now - timedelta(days=40, minutes=i)
        closed = received + timedelta(hours=3)
        lines.append(f"{received:%Y-%m-%d %H:%M},10086,客户{i},1380000{i:04d},没有信号,修好,"
                     f"NET.COVER.INDOOR,已结案,{closed:%Y-%m-%d %H:%M},已处理\n")  # fmt: skip
    for i in range(bad):
        lines.append(f"not a time,10086,客户,13900000{i:03d},没有信号,修好,NET.COVER.INDOOR,,,\n")
    path = tmp_path / "in.csv"
    path.write_text("".join(lines), encoding="utf-8")
    return path


def _store(tmp_path: Path) -> None:
    assert _deskapp(tmp_path, "init", "--hall", "GZ01", "--terminal", "T01").returncode == 0
    added = _deskapp(tmp_path, "staff", "add", "--work-no", "1001", "--name", "张敏",
                     "--role", "hall_manager", input="1111\n1111\n")  # fmt: skip
    assert added.returncode == 0, added.stderr


def _bars(stderr: str) -> dict[str, str]:
    found = {}
    for phase in ("check", "write"):
        label = t(f"import.progress_{phase}")
        lines = [line for line in stderr.splitlines() if line.startswith(label)]
        if lines:
            found[phase] = lines[-1]
    return found


def test_the_import_shows_rows_checked_then_written_with_the_time_left(tmp_path: Path) -> None:
    _store(tmp_path)
    done = _deskapp(tmp_path, "import", str(_file(tmp_path, 1200, 3)), "--as", "1001")
    assert done.returncode == 1, done.stderr  # three rows refused
    bars = _bars(done.stderr)
    assert set(bars) == {"check", "write"}, done.stderr
    assert re.search(r"\b1203/1203\b", bars["check"]), bars  # every data row read
    assert re.search(r"\b1200/1200\b", bars["write"]), bars  # the good ones written
    for line in bars.values():
        assert t("import.progress_elapsed") in line and t("import.progress_eta") in line
        assert re.search(r"\d+:\d\d:\d\d", line)
    assert t("import.summary", imported=1200, skipped=0, errors=3, rows=1203) in done.stdout


def test_a_dry_run_shows_only_the_checking_and_quiet_shows_nothing(tmp_path: Path) -> None:
    _store(tmp_path)
    path = _file(tmp_path, 20, 0)
    dry = _deskapp(tmp_path, "import", str(path), "--as", "1001", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert set(_bars(dry.stderr)) == {"check"}
    quiet = _deskapp(tmp_path, "import", str(path), "--as", "1001", "--quiet")
    assert quiet.returncode == 0 and _bars(quiet.stderr) == {}, quiet.stderr


def test_the_service_reports_progress_in_order_up_to_the_totals(tmp_path: Path) -> None:
    from deskapp.services.desk import Desk
    from deskapp.services.importer import import_file, importing_actor

    _store(tmp_path)
    desk = Desk.open(tmp_path / "t01.db")
    try:
        calls: list[tuple[str, int, int]] = []
        actor = importing_actor(desk, "1001", "1111")
        result = import_file(desk, actor, _file(tmp_path, 1700, 1), batch=500,
                             progress=lambda *call: calls.append(call))  # fmt: skip
    finally:
        desk.close()
    assert len(result.imported) == 1700
    phases = [phase for phase, _, _ in calls]
    assert phases == sorted(phases)  # "check" before "write"
    for phase, last in (("check", 1701), ("write", 1700)):
        done = [d for p, d, _ in calls if p == phase]
        assert done == sorted(done) and done[-1] == last
        assert [total for p, _, total in calls if p == phase][-1] == last
    assert [d for p, d, _ in calls if p == "write"] == [0, 500, 1000, 1500, 1700]
