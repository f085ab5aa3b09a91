"""Long work says how far it has got (issue 20): building the demo and importing a file tell
their progress to the CLI, which draws a bar with done/total and the time left on a terminal
(and nothing in a pipe, where a script reads the command's output)."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from deskapp.cli_progress import progress_bar
from deskapp.services.demo import build_demo

Told = list[tuple[str, int, "int | None"]]
HEADER = "受理时间,渠道,客户姓名,联系电话,投诉内容,客户诉求,投诉类别,外部工单号"


def _collector() -> tuple[Told, object]:
    told: Told = []
    return told, lambda step, done, total: told.append((step, done, total))


def test_building_the_demo_tells_each_complaint(tmp_path: Path) -> None:
    told, progress = _collector()
    build_demo(tmp_path / "demo.db", count=4, progress=progress)  # type: ignore[arg-type]
    assert told[0] == ("demo", 0, 7)  # four complaints and the three closing steps
    assert told[-1] == ("demo", 7, 7)
    assert [done for _, done, _ in told] == sorted(done for _, done, _ in told)


def test_the_cli_draws_a_bar_with_counts_and_time_left_on_a_terminal() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=100, color_system=None)
    with progress_bar(console) as progress:
        progress("import_check", 250, 250)
        progress("import_write", 100, 250)
    drawn = out.getvalue()
    assert "检查各行" in drawn and "250/250" in drawn
    assert "写入投诉" in drawn and "100/250" in drawn
    assert "剩余" in drawn and "已用" in drawn


def test_in_a_pipe_the_cli_draws_nothing() -> None:
    out = io.StringIO()
    with progress_bar(Console(file=out, force_terminal=False)) as progress:
        progress("demo", 1, 3)
    assert out.getvalue() == ""
