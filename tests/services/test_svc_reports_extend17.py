"""Timeliness three ways (issue 17): closed on time, closed on time after an approved deadline
extension (延期申请), late; on a hand-built month, in the report's table, the indicators'
rate, and the exports read back from the real files.

November 2026 has no holidays; working periods 08:30–12:00 and 13:30–17:30. Each ticket is a
walk-in taken at 10:00, so its first deadline is the progress contact, 0.5 working day later:
10:00 + 3.75 working hours = 2 h to 12:00 + 1.75 h from 13:30 = 15:15 (the promise is the next
day, the whole resolution 3 working days). The report is built at the frozen now, Tue 11-24.

  A  Mon 11-02  closed 11:00                                         on time
  B  Mon 11-09  closed 16:00 (15:15 passed)                          late
  C  Mon 11-16  progress contact extended to 17:00, approved; closed 16:00
                (after 15:15, before 17:00)                          on time after an extension
  D  Thu 11-19  extended to 16:00, approved; closed 17:00 (past it)  late
  E  Fri 11-20  extension to 17:00 refused; closed 16:00             late (nothing moved)

  on time 1, on time after an extension 1, late 3: judged 5, shares 20.00% / 20.00% / 60.00%;
  the indicators' 及时率 counts A and C: 2 / 5 = 40.00%"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from svc_forms import staffed_desk, valid_form

from deskapp.clock import FrozenClock
from deskapp.domain.indicators import month_of, timeliness_split
from deskapp.services import exports
from deskapp.services import followup as fu
from deskapp.services.demo import closing_facts
from deskapp.services.desk import Actor, Desk
from deskapp.services.extensions import pending_of
from deskapp.services.intake import take_complaint
from deskapp.services.reports import Report, ReportRequest, build_report

TZ = ZoneInfo("Asia/Shanghai")
HEADER = ["类别", "件数", "占比"]


@pytest.fixture
def desk(db_path: Path, clock: FrozenClock) -> Iterator[Desk]:
    desk = staffed_desk(db_path, clock)
    yield desk
    desk.close()


def at(clock: FrozenClock, day: int, hour: int = 10, minute: int = 0) -> None:
    clock.set(datetime(2026, 11, day, hour, minute, tzinfo=TZ))


@pytest.fixture
def report(desk: Desk, clock: FrozenClock, actors: dict[str, Actor]) -> Report:
    me = actors["1001"]
    now = clock.now()

    def taken(day: int, phone: str) -> str:
        at(clock, day)
        return take_complaint(desk, me, valid_form(desk, contact_phone=phone)).id

    def close(cid: str, day: int, hour: int) -> None:
        at(clock, day, hour)
        fu.close(desk, me, cid, outcome="已处理", satisfaction="satisfied",
                 facts=closing_facts(desk, cid))  # fmt: skip

    def extend(cid: str, day: int, until: str, decision: str = "approve") -> None:
        at(clock, day, 10, 30)
        fu.request_extension(desk, me, cid, clock="progress_contact",
                             new_due=f"2026-11-{day:02d} {until}", reason="等待结果")  # fmt: skip
        at(clock, day, 10, 40)
        (pending,) = pending_of(desk, cid)
        fu.decide_extension(desk, me, cid, extension_id=pending.id, decision=decision,
                            approver_work_no="2001", approver_pin="8888",
                            note="时限内可办结" if decision == "refuse" else "")  # fmt: skip

    a = taken(2, "13800000001")
    close(a, 2, 11)
    b = taken(9, "13800000002")
    close(b, 9, 16)
    c = taken(16, "13800000003")
    extend(c, 16, "17:00")
    close(c, 16, 16)
    d = taken(19, "13800000004")
    extend(d, 19, "16:00")
    close(d, 19, 17)
    e = taken(20, "13800000005")
    extend(e, 20, "17:00", "refuse")
    close(e, 20, 16)
    clock.set(now)
    return build_report(desk, ReportRequest(month_of(date(2026, 11, 1))))


def lines(report: Report) -> dict[str, tuple[Any, ...]]:
    return {row[0]: row[1:] for row in report.table("timeliness").rows}


def test_the_split_counts_each_closed_ticket_once() -> None:
    # (timely, extended): on time; on time as extended; late with and without an extension
    split = timeliness_split([(True, False), (True, True), (False, True), (False, False),
                              (None, False)])  # fmt: skip
    assert (split.on_time, split.on_time_extended, split.late, split.unknown) == (1, 1, 2, 1)
    assert split.judged == 4  # 1 + 1 + 2; the unknown one is apart
    assert split.rate(split.late).value == 0.5  # 2 / 4


def test_timeliness_three_ways_on_a_hand_built_month(report: Report) -> None:
    got = lines(report)
    assert got["及时结案"] == (1, pytest.approx(0.2))  # A: 1 / 5
    assert got["延期后及时结案"] == (1, pytest.approx(0.2))  # C: 1 / 5
    assert got["超时结案"] == (3, pytest.approx(0.6))  # B, D, E: 3 / 5
    assert got["可判定合计"] == (5, None) and got["无法判定(导入时已结案)"] == (0, None)
    # the indicators' rate holds the extended deadlines too: A and C, 2 / 5
    assert report.figures.timely.num == 2 and report.figures.timely.den == 5


def test_timeliness_read_back_from_the_xlsx_csv_and_json(report: Report, tmp_path: Path) -> None:
    book = load_workbook(exports.write_xlsx(report, tmp_path / "r.xlsx"))
    sheet = book["及时率"]
    assert [c.value for c in sheet[3]] == HEADER
    body = {row[0].value: (row[1].value, row[2].value) for row in sheet.iter_rows(min_row=4)}
    assert body["延期后及时结案"][0] == 1 and body["延期后及时结案"][1] == pytest.approx(0.2)
    assert body["超时结案"][0] == 3
    path = exports.write_csv(report, tmp_path / "r.csv")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    start = next(i for i, row in enumerate(rows) if row and row[0] == "【及时率】")
    assert rows[start + 2] == HEADER
    assert rows[start + 3] == ["及时结案", "1", "20.00%"]
    assert rows[start + 4] == ["延期后及时结案", "1", "20.00%"]
    assert rows[start + 5] == ["超时结案", "3", "60.00%"]
    out = exports.write(report, "json", tmp_path / "r.json", "timeliness")
    data = json.loads(out.read_text(encoding="utf-8"))
    assert "延期后及时结案" in json.dumps(data, ensure_ascii=False)


def test_deskapp_report_prints_the_table(report: Report, desk: Desk, db_path: Path) -> None:
    """(Built at the real now: the tickets are closed, so their timeliness does not change.)"""
    from deskapp.cli import main

    desk.close()
    result = CliRunner().invoke(main, ["--db", str(db_path), "report", "--period", "month",
                                       "--from", "2026-11", "--table", "timeliness"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "延期后及时结案" in result.output and "20.00%" in result.output
