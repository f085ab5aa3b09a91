"""The accountability figures (issue 17) and the batch complaints (issue 18) in the report, on a
hand-built month, with the arithmetic beside every figure; the exports read back from the real
files; who sees what (see_accountability).

November 2026 at GZ01 (no holidays in it; weekends 11-21/22 are not working days). Built at the
frozen now, Tue 2026-11-24 10:00. A ticket taken with a promise (the form promises a reply a
day later) runs the promise and the progress-contact clock (half a working day: the hall opens
09:00–12:00 and 13:30–18:00, so 10:00 + 3 h 45 of working time = 15:15 the same day) from its
taking: past the earlier deadline the ticket is overdue (压单) until something happens or it is
closed. Phones differ unless said (a repeat is the same phone about the same matter).

  A  Mon 11-16 10:00 张敏 (1001), dispatched 10:30 to 网络部, linked to the batch 城东基站故障,
     never contacted since, still open: overdue from Monday (the department's first answer
     due 2 working hours after 10:30, the progress contact at 15:15) until now, on the working
     days 16, 17, 18, 19, 20, 23, 24 = 7 days → 50 + 50 × 6 = 350 yuan
  B  Fri 11-20 10:00 刘洋 (1002), contacted and closed 16:00, responsibility 计费账务中心:
     overdue 15:15–16:00 on Friday = 1 day → 50 yuan; owes a visit, due by the close of the
     7th working day after (Tue 12-01): not yet due
  C  Sat 11-21 10:00 张敏, contacted and closed Sun 11-22 12:00, no department: the promise
     was due Sun 10:00 (Saturday has no working time for the progress clock): overdue Sun
     10:00–12:00, on no working day: still 1 day (an overdue ticket) → 50 yuan; owes a visit,
     not yet due
  E, F, G  Mon 11-02 10:00 张敏, contacted and closed 10:30 (before 15:15: never overdue);
     their visit is due by the close of Wed 11-11 (7 working days: 3 4 5 6 9 10 11):
     E visited Thu 11-12 (late), F never (past due now), G visited Wed 11-04 (on time)
  R1, R2, R3  13900000009 about 网络质量 on 11-03, 11-05, 11-09, solved on the spot: R2
     repeats R1, R3 repeats R2: R3 is the 3rd time → graded (同一问题被投诉三次以上)
  Q1, Q2  13900000008 about 网络质量 on 11-10, 11-11, solved on the spot: only 2 times
  O1, O2, O3  solved on the spot, complaints about staff: O1 and O3 about 刘洋, O2 about 张敏
  K1, K2  solved on the spot, linked to the batch 城东基站故障 (with A: 3 batch complaints)

  压单: tickets A, B, C = 3; days 7 + 1 + 1 = 9; further days 6 + 0 + 0 = 6;
        amount 350 + 50 + 50 = 450 yuan.
        By handler: 张敏 A, C = 2 tickets, 8 days, 6 further, 400; 刘洋 B = 1, 1, 0, 50.
        By department: 网络部 A (last dispatched to) 350; 计费账务中心 B (responsible at
        closing) 50; the hall's own C 50.
  Visits owed: closed in November, not on the spot: B, C, E, F, G = 5; visited E, G = 2
        → 2 / 5 = 40.00%; overdue E (late), F (past due, none) = 2.
  Batch: received 3 (A, K1, K2), closed 2 (K1, K2), overdue 1 (A).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from svc_forms import staffed_desk, valid_form

from deskapp.clock import FrozenClock
from deskapp.domain.errors import RuleViolation
from deskapp.domain.indicators import month_of
from deskapp.services import exports
from deskapp.services import followup as fu
from deskapp.services.batches import BatchForm, open_batch
from deskapp.services.demo import closing_facts
from deskapp.services.desk import Actor, Desk
from deskapp.services.intake import take_complaint
from deskapp.services.reports import (
    RESTRICTED_TABLES,
    Report,
    ReportRequest,
    accountability_report,
    add_accountability,
    build_report,
)
from deskapp.store.models import Refusal

TZ = ZoneInfo("Asia/Shanghai")
NOVEMBER = month_of(date(2026, 11, 1))


@pytest.fixture
def desk(db_path: Path, clock: FrozenClock) -> Iterator[Desk]:
    desk = staffed_desk(db_path, clock)
    yield desk
    desk.close()


def at(clock: FrozenClock, day: int, hour: int = 10, minute: int = 0) -> None:
    clock.set(datetime(2026, 11, day, hour, minute, tzinfo=TZ))


def staff_id(desk: Desk, work_no: str) -> str:
    from deskapp.services.staff import list_staff

    return next(s.id for s in list_staff(desk) if s.work_no == work_no)


@pytest.fixture
def month(desk: Desk, clock: FrozenClock, actors: dict[str, Actor]) -> dict[str, str]:
    zhang, liu = actors["1001"], actors["1002"]
    now = clock.now()
    ids: dict[str, str] = {}
    phones = iter(f"1370000{n:04d}" for n in range(100))

    def taken(name: str, who: Actor, day: int, hour: int = 10, **form: Any) -> str:
        at(clock, day, hour)
        form.setdefault("contact_phone", next(phones))
        ids[name] = take_complaint(desk, who, valid_form(desk, **form)).id
        return ids[name]

    def on_spot(name: str, who: Actor, day: int, **form: Any) -> str:
        return taken(name, who, day, solved_on_spot=True, outcome="当场解决",
                     satisfaction="satisfied", promised_reply_at="", **form)  # fmt: skip

    def contacted_and_closed(cid: str, who: Actor, **party: str) -> None:
        fu.log_contact(desk, who, cid, reached=True, note="已联系客户")
        # 责任界定 (the customer unless said), required at closing
        facts = replace(closing_facts(desk, cid), responsible="customer", department="")
        fu.close(desk, who, cid, outcome="已解决", facts=replace(facts, **party))

    at(clock, 1)
    batch = open_batch(
        desk, actors["2001"], BatchForm(title="城东基站故障", cause_code="NET.COVER")
    )
    # A: still open since Mon 11-16, dispatched to the network department, in the batch
    a = taken("A", zhang, 16, batch_id=batch.id)
    at(clock, 16, 10, 30)
    fu.dispatch(desk, zhang, a, department="network", note="请网络部核查")
    # B: Fri 11-20, one hour late, closed on the billing centre
    b = taken("B", liu, 20)
    at(clock, 20, 16)
    contacted_and_closed(b, liu, responsible="department", department="billing")
    # C: over the weekend
    c = taken("C", zhang, 21)
    at(clock, 22, 12)
    contacted_and_closed(c, zhang)
    # E, F, G: closed in time on Mon 11-02, visited late, never, on time
    for name in ("E", "F", "G"):
        cid = taken(name, zhang, 2)
        at(clock, 2, 10, 30)
        contacted_and_closed(cid, zhang)
    at(clock, 12)
    fu.record_visit(desk, zhang, ids["E"], satisfaction="satisfied", note="回访满意")
    at(clock, 4)
    fu.record_visit(desk, zhang, ids["G"], satisfaction="satisfied", note="回访满意")
    # the repeat chains
    for name, day in (("R1", 3), ("R2", 5), ("R3", 9)):
        on_spot(name, zhang, day, contact_phone="13900000009")
    for name, day in (("Q1", 10), ("Q2", 11)):
        on_spot(name, liu, day, contact_phone="13900000008")
    # complaints about the hall's own staff
    on_spot("O1", zhang, 12, accused_staff_id=staff_id(desk, "1002"))
    on_spot("O2", liu, 13, accused_staff_id=staff_id(desk, "1001"))
    on_spot("O3", zhang, 13, accused_staff_id=staff_id(desk, "1002"))
    # two more batch complaints
    on_spot("K1", zhang, 17, batch_id=batch.id)
    on_spot("K2", liu, 18, batch_id=batch.id)
    clock.set(now)
    return ids


def full(desk: Desk) -> Report:
    """November as the machine's administrator sees it: with the accountability tables."""
    return add_accountability(desk, None, build_report(desk, ReportRequest(NOVEMBER)))


def rows(report: Report, key: str) -> dict[tuple[Any, Any], tuple[Any, ...]]:
    return {(row[0], row[1]): row[2:] for row in report.table(key).rows}


def test_overdue_tickets_days_and_amounts_per_handler_department_and_hall(
    desk: Desk, month: dict[str, str]
) -> None:
    got = rows(full(desk), "accountability")
    # (tickets, working days overdue, further days, amount)
    assert got[("按处理人", "1001 张敏")] == (2, 8, 6, Decimal("400.00"))  # A 7 + C 1; 350 + 50
    assert got[("按处理人", "1002 刘洋")] == (1, 1, 0, Decimal("50.00"))  # B
    assert got[("按部门", "网络部(网络优化/基站维护)")] == (1, 7, 6, Decimal("350.00"))  # A
    assert got[("按部门", "计费账务中心")] == (1, 1, 0, Decimal("50.00"))  # B
    assert got[("按部门", "本厅自行处理")] == (1, 1, 0, Decimal("50.00"))  # C
    assert got[("按营业厅", "GZ01")] == (3, 9, 6, Decimal("450.00"))
    assert got[("合计", "")] == (3, 9, 6, Decimal("450.00"))
    report = full(desk)
    assert "供本厅内部考核参考" in report.table("accountability").basis  # people decide
    assert "每件50元" in report.table("accountability").basis
    listing = {row[0]: row for row in report.table("overdue_list").rows}
    assert len(listing) == 3
    first = report.table("overdue_list").rows[0]  # most days first: A
    assert first[1:4] == ("张敏", "网络部(网络优化/基站维护)", "GZ01")
    assert first[5:] == ("是", 7, Decimal("350.00"))  # A is a batch complaint


def test_the_amounts_are_read_from_data(desk: Desk, month: dict[str, str], tmp_path: Path) -> None:
    """data/accountability.toml sets the amounts: 80 a ticket, 20 a further day →
    A 80 + 20 × 6 = 200, B 80, C 80: 360."""
    import shutil

    data = tmp_path / "data"
    shutil.copytree(desk.refdata.data_dir, data)
    (data / "accountability.toml").write_text(
        '[overdue]\nper_ticket = "80"\nper_further_day = "20"\n', encoding="utf-8"
    )
    from deskapp.refdata import RefData

    desk.refdata = RefData(data)
    got = rows(full(desk), "accountability")
    assert got[("合计", "")] == (3, 9, 6, Decimal("360.00"))


def test_repeat_grading_lists_the_third_time_about_the_same_matter(
    desk: Desk, month: dict[str, str]
) -> None:
    table = build_report(desk, ReportRequest(NOVEMBER)).table("repeat_grade")
    # R3 is the 3rd time (R3 → R2 → R1); Q2 only the 2nd: one chain graded
    [chain, total] = table.rows
    assert chain[2:] == ("139****0009", "网络质量", 3, 2)  # 2 repeats received in November
    assert total[0] == "合计" and total[4] == 1


def test_own_staff_complaints_per_hall_and_staff_member(desk: Desk, month: dict[str, str]) -> None:
    got = rows(full(desk), "own_staff")
    assert got[("按营业厅", "GZ01")] == (3,)  # O1, O2, O3
    assert got[("按员工", "1001 张敏")] == (1,)  # O2
    assert got[("按员工", "1002 刘洋")] == (2,)  # O1, O3
    assert got[("合计", "")] == (3,)


def test_return_visit_rate_and_overdue_visits(desk: Desk, month: dict[str, str]) -> None:
    report = build_report(desk, ReportRequest(NOVEMBER))
    f = report.figures
    assert (f.visited, f.visits_due) == (2, 5)  # E, G of B, C, E, F, G
    assert f.visit_rate.value == pytest.approx(0.4)
    assert f.visits_overdue == 2  # E late (11-12 after 11-11), F none and past due
    indicators = {row[0]: row for row in report.table("indicators").rows}
    assert indicators["回访率"][1:4] == (pytest.approx(0.4), 2, 5)
    assert indicators["回访超时"][1] == 2


def test_batch_complaints_by_incident_and_in_every_indicator(
    desk: Desk, month: dict[str, str]
) -> None:
    report = build_report(desk, ReportRequest(NOVEMBER))
    got = rows(report, "batches")
    assert got[("城东基站故障", "NET.COVER")] == ("进行中", 3, 1)  # A, K1, K2; A still open
    assert got[("合计", "")] == ("", 3, 1)
    f = report.figures
    assert (f.batch, f.batch_closed, f.batch_overdue) == (3, 2, 1)
    indicators = {row[0]: row for row in report.table("indicators").rows}
    assert indicators["投诉量(受理)"][6] == "含批量投诉 3 件"  # A, K1, K2
    assert indicators["及时率"][6] == "含批量投诉 2 件"  # K1, K2 closed
    assert indicators["超时工单"][6] == "含批量投诉 1 件"  # A
    assert indicators["客户基数"][6] == "不涉及"
    assert all(row[6] for row in report.table("indicators").rows)  # every indicator says


def test_a_handler_report_leaves_the_accountability_tables_out(
    desk: Desk, month: dict[str, str], actors: dict[str, Actor]
) -> None:
    handler = build_report(desk, ReportRequest(NOVEMBER, viewer=actors["1001"]))
    keys = {tb.key for tb in handler.tables}
    assert not keys & set(RESTRICTED_TABLES)
    assert handler.withheld == RESTRICTED_TABLES
    assert {"repeat_grade", "batches", "refunds", "reopens"} <= keys
    with pytest.raises(RuleViolation):  # nor can they be added for the handler
        add_accountability(desk, actors["1001"], handler)
    for manager in ("2001", "3001"):
        seen = accountability_report(desk, actors[manager], ReportRequest(NOVEMBER))
        assert set(RESTRICTED_TABLES) <= {tb.key for tb in seen.tables}


def test_a_handler_asking_for_the_accountability_report_is_refused_and_nothing_else_written(
    desk: Desk, month: dict[str, str], actors: dict[str, Actor]
) -> None:
    from deskapp.store.models import Complaint, ReportMemo

    def counts() -> tuple[int, int]:
        with desk.read() as s:
            return (s.scalar(sa.select(sa.func.count()).select_from(Complaint)) or 0,
                    s.scalar(sa.select(sa.func.count()).select_from(ReportMemo)) or 0)  # fmt: skip

    before = counts()
    with pytest.raises(RuleViolation):
        accountability_report(desk, actors["1001"], ReportRequest(NOVEMBER))
    assert counts() == before  # nothing read, nothing kept
    with desk.read() as s:
        [refusal] = s.scalars(sa.select(Refusal)).all()
    assert refusal.permission == "see_accountability"


def test_accountability_read_back_from_the_xlsx_csv_and_json_files(
    desk: Desk, month: dict[str, str], actors: dict[str, Actor], tmp_path: Path
) -> None:
    report = accountability_report(desk, actors["3001"], ReportRequest(NOVEMBER))
    path = exports.export_as(desk, actors["3001"], report, "xlsx", tmp_path)
    book = load_workbook(path)
    sheet = book["压单问责"]
    assert "供本厅内部考核参考" in sheet["A2"].value
    assert [c.value for c in sheet[3]] == ["分组", "对象", "压单件数", "超时工作日", "续超天数",
                                           "金额(元)"]  # fmt: skip
    body = {(r[0], r[1]): r[2:] for r in sheet.iter_rows(min_row=4, values_only=True)}
    assert body[("合计", None)][:3] == (3, 9, 6)
    assert float(body[("合计", None)][3]) == pytest.approx(450.0)
    assert {"压单清单", "重复投诉分级", "本厅员工被投诉", "批量投诉"} <= set(book.sheetnames)
    csv_path = exports.write_csv(report, tmp_path / "r.csv")
    with csv_path.open(encoding="utf-8-sig", newline="") as fh:
        lines = list(csv.reader(fh))
    start = next(i for i, row in enumerate(lines) if row and row[0] == "【压单问责】")
    total = next(row for row in lines[start:] if row[:1] == ["合计"])
    assert total[2:] == ["3", "9", "6", "450.00"]
    data = json.loads(exports.write_json(report, tmp_path / "r.json").read_text("utf-8"))
    assert data["figures"]["visits_due"] == 5 and data["figures"]["visits_overdue"] == 2
    own = next(tb for tb in data["tables"] if tb["key"] == "own_staff")
    assert own["rows"][-1] == {"group": "合计", "unit": "", "count": 3}


def test_the_demo_has_a_graded_repeat_and_an_own_staff_complaint(tmp_path: Path) -> None:
    from deskapp.domain.indicators import PeriodKind, period_of
    from deskapp.services.demo import build_demo

    build_demo(tmp_path / "demo.db", count=20)
    desk = Desk.open(tmp_path / "demo.db")
    try:
        today = desk.clock.now().astimezone(desk.tz).date()
        from datetime import timedelta

        period = period_of(PeriodKind.RANGE, today - timedelta(days=14), today)
        report = add_accountability(desk, None, build_report(desk, ReportRequest(period)))
        grade = report.table("repeat_grade").rows
        assert any(row[2] == "135****3001" and row[4] == 3 for row in grade)  # 卫先生, 3rd time
        own = rows(report, "own_staff")
        assert own[("按员工", "1002 刘洋")] == (1,)  # 褚女士's complaint
        assert rows(report, "accountability")[("合计", "")][0] >= 0
    finally:
        desk.close()


def test_a_ticket_typed_in_late_is_overdue_from_its_intake_time(
    desk: Desk, clock: FrozenClock, actors: dict[str, Actor]
) -> None:
    """A complaint received Wed 11-25 09:30 but typed in only on Sun 12-06 10:00 (受理时间 in
    the past): its resolution clock (a normal complaint: 3 working days from the intake time,
    as F4 counts it) was due Mon 11-30 09:30, so it was overdue from then, not from its saving.
      November: 11-30 (working) → 1 day → 50 yuan.
      December, reported Sun 12-06 11:00: 12-01, 12-02, 12-03, 12-04 (Tue–Fri) working; 12-05,
      12-06 weekend → 4 days → 50 + 50 × 3 = 200 yuan.
    (Before the fix the replay started at the saving: nothing in November, 1 day / 50 in
    December.)"""
    clock.set(datetime(2026, 12, 6, 10, 0, tzinfo=TZ))
    form = valid_form(desk, received_at="2026-11-25 09:30", promised_reply_at="2026-12-07 10:00")
    take_complaint(desk, actors["1001"], form)
    clock.set(datetime(2026, 12, 6, 11, 0, tzinfo=TZ))
    for month, days, further, yuan in (
        (NOVEMBER, 1, 0, Decimal("50.00")),
        (month_of(date(2026, 12, 1)), 4, 3, Decimal("200.00")),
    ):
        got = rows(add_accountability(desk, None, build_report(desk, ReportRequest(month))),
                   "accountability")  # fmt: skip
        assert got[("合计", "")] == (1, days, further, yuan), month


def test_a_third_party_held_responsible_is_not_the_halls_own(
    desk: Desk, clock: FrozenClock, actors: dict[str, Actor]
) -> None:
    """Taken Fri 11-20 10:00, contacted and closed 16:00 on a third party (a bank): overdue
    15:15–16:00 (the progress contact, as B above) = 1 day → 50 yuan, under 第三方, not under
    本厅自行处理."""
    liu = actors["1002"]
    at(clock, 20)
    cid = take_complaint(desk, liu, valid_form(desk)).id
    at(clock, 20, 16)
    fu.log_contact(desk, liu, cid, reached=True, note="已联系客户")
    fu.close(desk, liu, cid, outcome="已解决", facts=replace(
        closing_facts(desk, cid), responsible="third_party", department="",
        note="银行代扣重复扣款"))  # fmt: skip
    clock.set(datetime(2026, 11, 24, 10, 0, tzinfo=TZ))
    report = full(desk)
    got = rows(report, "accountability")
    assert got[("按部门", "第三方")] == (1, 1, 0, Decimal("50.00"))
    assert ("按部门", "本厅自行处理") not in got
    assert report.table("overdue_list").rows[0][2] == "第三方"
