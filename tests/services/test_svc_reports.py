"""统计报表: every indicator on a hand-built data set, the answers worked out by hand below.

The data set (hall GZ01 of area GZTH, terminal T01; times are Asia/Shanghai; the report is
made at the frozen 2026-11-24 10:00, a Tuesday). Working time: 08:30–12:00 and 13:30–17:30
(7.5 h) on working days; November 2026 has no holidays.

  T0  10-28 10:00 hotline, 刘洋, open, never touched              (received before November)
  T1  11-02 09:00 walk-in, 张敏, on the spot, 满意                  phone P1, NET.COVER.INDOOR
  T2  11-03 10:00 walk-in, 张敏, on the spot, 基本满意              phone P1 again → 重复投诉
  T3  11-04 10:00 walk-in, 刘洋, 严重, taken with a promise        received 09:30: registered late;
                  escalated 10:05 值班经理 (王芳), 10:10 厅经理 (陈静), 10:15 客服质量监控经理
                  (孙质检, its required level), closed 10:20 by 刘洋, 客户未表态
  T4  11-05 10:00 walk-in, 张敏, dispatched 10:20, final reply 11:00, closed 11:30, visit 满意
  T5  11-09 10:00 hotline, 刘洋, closed 15:00 undispatched, visit 不满意 11-10 10:00 → reopened,
                  escalated 11-11 10:00; open since
  T6  11-17 10:00 walk-in, 张敏, dispatched 10:10, no reply, closed 16:00,
                  visit 不满意 (only the compensation disputed: not reopened) 11-18
  T7  11-23 09:00 walk-in, 刘洋, on the spot, 满意, PROMO
  I1  imported: received 11-10 14:00 (10086), GZ01, 已结案 11-11 09:00, 满意, 批量投诉
  I2  imported: received 11-12 09:00, hall GZ02 (same area), 已结案 11-12 12:00, 不满意
  I3  imported: received 11-20 09:00 (10086), GZ01, 处理中 (arrives on the desk at 11-24 10:00)

Customer base (this test's data/customer_base.toml): GZ01 48,000 customers, control 110 a
month; GZ02 36,000, control 85; 25 per 10,000 a month; teams 一班 = 张敏, 二班 = 刘洋.
Managers (in no team): 王芳 值班经理 2001, 陈静 厅经理 3001, 孙质检 客服质量监控经理 5001."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from svc_forms import staffed_desk

from deskapp.clock import FrozenClock
from deskapp.domain.enums import Role
from deskapp.domain.errors import RuleViolation
from deskapp.domain.indicators import PeriodKind, month_of, period_of, week_of
from deskapp.refdata import default_data_dir
from deskapp.services import followup
from deskapp.services.demo import closing_facts
from deskapp.services.desk import Actor, Desk
from deskapp.services.importer import import_file
from deskapp.services.intake import IntakeForm, take_complaint
from deskapp.services.reports import (
    OVER_MARK,
    Report,
    ReportRequest,
    ScopeKind,
    build_report,
    lower_bound_calendar,
    period_from_args,
    ticket_history,
)
from deskapp.services.staff import actor_of, add_staff, list_staff, seed_staff
from deskapp.services.terminal import init_terminal
from deskapp.store.models import Complaint, ComplaintEvent
from deskapp.sync.run import sync

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
HOUR = 1 / 24
MICRO_DAY = 1 / 86_400_000_000

CUSTOMER_BASE = """
[control]
per_10k = 25

[[area]]
code = "GZTH"
name = "天河片区"

[[hall]]
code = "GZ01"
name = "天河北营业厅"
area = "GZTH"
customers = 48000
control = 110

[[hall]]
code = "GZ02"
name = "体育西营业厅"
area = "GZTH"
customers = 36000
control = 85

[[team]]
name = "一班"
members = ["1001"]

[[team]]
name = "二班"
members = ["1002"]
"""

IMPORT_CSV = """受理时间,渠道,客户姓名,联系电话,投诉内容,投诉类别,营业厅,状态,结案时间,处理结果,满意度,批量投诉,外部工单号,来源系统
2026-11-10 14:00,10086下单,钱一,13900000011,被开通彩铃,新业务›订购›未经同意开通业务,GZ01,已结案,2026-11-11 09:00,已退订并退费,满意,是,HL-1,10086
2026-11-12 09:00,现场,钱二,13900000012,室内没信号,NET.COVER.INDOOR,GZ02,已结案,2026-11-12 12:00,已派人测试,不满意,,HL-2,10086
2026-11-20 09:00,10086下单,钱三,13900000013,信号差,网络质量›覆盖›室内无信号,,,,,,,HL-3,10086
"""  # noqa: E501


def local(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=TZ).astimezone(UTC)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(default_data_dir(), target)
    (target / "customer_base.toml").write_text(CUSTOMER_BASE, encoding="utf-8")
    return target


@pytest.fixture
def desk(db_path: Path, clock: FrozenClock, data_dir: Path) -> Iterator[Desk]:
    staffed = staffed_desk(db_path, clock)
    # T3's third level: the branch's 客服质量监控经理.
    hall_manager = actor_of(next(m for m in list_staff(staffed) if m.work_no == "3001"))
    add_staff(staffed, hall_manager, "5001", "孙质检", Role.QA_MANAGER, "5555")
    staffed.close()
    desk = Desk.open(db_path, clock=clock, data_dir=data_dir)
    yield desk
    desk.close()


def take(desk: Desk, clock: FrozenClock, actor: Actor, when: str, **fields) -> Complaint:
    clock.set(local(when))
    values = {
        "customer_name": "客户",
        "contact_phone": "13800000000",
        "content": "投诉内容",
        "demand": "诉求",
        "cause_code": "NET.COVER.INDOOR",
        "channel": "walk_in",
    }
    values.update(fields)
    if values.get("solved_on_spot"):
        values.setdefault("outcome", "当场解决")
    else:
        values.setdefault(
            "promised_reply_at",
            f"{(local(when) + timedelta(days=1)).astimezone(TZ):%Y-%m-%d %H:%M}",
        )
    return take_complaint(desk, actor, IntakeForm(**values))


def at(clock: FrozenClock, when: str) -> None:
    clock.set(local(when))


@pytest.fixture
def dataset(desk: Desk, clock: FrozenClock, actors: dict[str, Actor], tmp_path: Path) -> dict:
    zhang, liu = actors["1001"], actors["1002"]
    ids: dict[str, str] = {}
    ids["T0"] = take(
        desk, clock, liu, "2026-10-28 10:00", channel="hotline", contact_phone="13800000010"
    ).id
    ids["T1"] = take(
        desk,
        clock,
        zhang,
        "2026-11-02 09:00",
        solved_on_spot=True,
        satisfaction="satisfied",
        contact_phone="13800000001",
    ).id
    ids["T2"] = take(
        desk,
        clock,
        zhang,
        "2026-11-03 10:00",
        solved_on_spot=True,
        satisfaction="basically_satisfied",
        contact_phone="13800000001",
    ).id
    # T3 is 严重: it closes only once escalated level by level to its required level
    # (data/escalation.toml: 客服质量监控经理), each level taken up by the one who holds it.
    t3 = ids["T3"] = take(
        desk,
        clock,
        liu,
        "2026-11-04 10:00",
        contact_phone="13800000003",
        received_at="2026-11-04 09:30",
        severity="serious",
        cause_code="BILLINFO.ACCURACY.CALL_TIME",
    ).id
    for when, holder in (("10:05", "2001"), ("10:10", "3001"), ("10:15", "5001")):
        at(clock, f"2026-11-04 {when}")
        followup.escalate(desk, actors[holder], t3, note="严重投诉逐级上报")
    at(clock, "2026-11-04 10:20")
    followup.close(
        desk,
        liu,
        t3,
        outcome="已核实通话时长并解释",
        satisfaction="declined",
        facts=closing_facts(desk, t3),
    )
    t4 = ids["T4"] = take(desk, clock, zhang, "2026-11-05 10:00", contact_phone="13800000004").id
    at(clock, "2026-11-05 10:20")
    followup.dispatch(desk, zhang, t4, department="network", note="请测试")
    at(clock, "2026-11-05 11:00")
    followup.department_reply(desk, zhang, t4, department="network", content="已修复", final=True)
    at(clock, "2026-11-05 11:30")
    followup.close(desk, zhang, t4, outcome="基站已修复", facts=closing_facts(desk, t4))
    at(clock, "2026-11-06 10:00")
    followup.record_visit(desk, zhang, t4, satisfaction="satisfied")
    t5 = ids["T5"] = take(
        desk,
        clock,
        liu,
        "2026-11-09 10:00",
        channel="hotline",
        contact_phone="13800000005",
        cause_code="TARIFF.PLAN.UNCLEAR",
    ).id
    at(clock, "2026-11-09 15:00")
    followup.close(desk, liu, t5, outcome="已解释", facts=closing_facts(desk, t5))
    at(clock, "2026-11-10 10:00")
    followup.record_visit(desk, liu, t5, satisfaction="unsatisfied", reopen_cause="overdue")
    at(clock, "2026-11-11 10:00")
    followup.escalate(desk, liu, t5, note="客户坚持")
    t6 = ids["T6"] = take(
        desk,
        clock,
        zhang,
        "2026-11-17 10:00",
        contact_phone="13800000006",
        cause_code="NET.VOICE.DROP",
    ).id
    at(clock, "2026-11-17 10:10")
    followup.dispatch(desk, zhang, t6, department="network", note="请查")
    at(clock, "2026-11-17 16:00")
    followup.close(desk, zhang, t6, outcome="已优化", facts=closing_facts(desk, t6))
    at(clock, "2026-11-18 10:00")
    followup.record_visit(
        desk,
        zhang,
        t6,
        satisfaction="unsatisfied",
        exception="compensation_only",
        note="只对补偿金额有异议",
        approver_work_no="2001",  # issue 17: a manager approves reporting it so
        approver_pin="8888",
    )
    ids["T7"] = take(
        desk,
        clock,
        liu,
        "2026-11-23 09:00",
        solved_on_spot=True,
        satisfaction="satisfied",
        contact_phone="13800000007",
        cause_code="PROMO.RULES.UNCLEAR",
    ).id
    clock.set(NOW)
    header, *rows = IMPORT_CSV.splitlines(keepends=True)
    path = tmp_path / "hotline.csv"
    path.write_text(header + rows[0] + rows[2], encoding="utf-8")
    result = import_file(desk, zhang, path)
    assert not result.problems and len(result.imported) == 2
    numbers = dict(zip(("I1", "I3"), (no for _, no in sorted(result.imported)), strict=True))
    # I2 is GZ02's: that hall's terminal imports it (a terminal books only its own hall's
    # rows), and it reaches this store as a district's records do, by synchronization.
    gz02 = Desk.open(tmp_path / "gz02.db", clock=clock, data_dir=desk.refdata.data_dir)
    try:
        init_terminal(gz02, "GZ02", "T01", "Asia/Shanghai")
        (zhao,) = seed_staff(gz02, "system:test", [("4001", "赵六", Role.HANDLER, "4444")])
        theirs = tmp_path / "gz02.csv"
        theirs.write_text(header + rows[1], encoding="utf-8")
        imported = import_file(gz02, actor_of(zhao), theirs)
        assert not imported.problems and len(imported.imported) == 1
        numbers["I2"] = imported.imported[0][1]
        hall = f"sqlite:///{tmp_path / 'district.db'}"
        assert sync(gz02, hall, new_hall=True).ok and sync(desk, hall).ok
    finally:
        gz02.close()
    with desk.read() as session:
        for name, ticket in numbers.items():
            ids[name] = session.scalar(sa.select(Complaint.id).where(Complaint.ticket_no == ticket))
    assert all(ids.values())
    return ids


def month(desk: Desk, **kw) -> Report:
    return build_report(desk, ReportRequest(month_of(date(2026, 11, 1)), **kw))


def rows_by_first(report: Report, key: str) -> dict:
    return {row[0]: row for row in report.table(key).rows}


# ---------------------------------------------------------------------------- the month


def test_counts_per_10k_and_control_for_the_month(desk: Desk, dataset: dict) -> None:
    r = month(desk)
    f = r.figures
    # Received in November at GZ01: T1–T7 and the imported I1, I3 (T0 was received in
    # October, I2 belongs to GZ02) = 9.
    assert f.received == 9
    assert f.customers == 48_000
    # 9 × 10,000 / 48,000 = 1.875 per 10,000 customers; a whole month's control is 25.
    assert f.per_10k == pytest.approx(1.875)
    assert f.per_10k_control == pytest.approx(25)
    assert not f.per_10k_over
    # Control 110 a month: 9 / 110 = 8.18%, within the limit.
    assert f.control == pytest.approx(110)
    assert f.control_reached.value == pytest.approx(9 / 110)
    assert not f.control_reached.over
    # Each figure says what it counts.
    indicators = rows_by_first(r, "indicators")
    assert "受理时间在统计期内" in indicators["投诉量(受理)"][-1]
    assert indicators["投诉控制量完成率"][5] == "未超"


def test_rates_for_the_month(desk: Desk, dataset: dict) -> None:
    f = month(desk).figures
    # On the spot: T1, T2, T7 of the 9 received (T3, 严重, had to go up the chain first).
    assert (f.on_spot.num, f.on_spot.den) == (3, 9)
    # Closed in November and still closed: T1, T2, T3, T4 (visited), T6 (visited), T7, I1
    # = 7. T5 was closed on 11-09 but reopened on 11-10 and is open: not counted.
    assert f.closed == 7
    # Timely: T1, T2, T7 (on the spot, registered at once) and T4 (dispatched 10:20 within
    # 30 min; first response 11:00 within 2 working hours of 10:20, i.e. before 13:50;
    # closed 11:30 before the progress contact due 15:15) = 4.
    # Not timely: T3 (received 09:30, registered 10:00: past the 10-minute limit; its
    # other clocks were kept: closed 10:20, before its first contact due 11:00) and T6
    # (department's first response due 13:40 — 10:10 + 1:50 to 12:00 + 0:10 from 13:30 —
    # still missing at the close at 16:00). I1 arrived closed: cannot be judged, left out.
    assert (f.timely.num, f.timely.den) == (4, 6)
    assert f.timeliness_unknown == 1
    # Satisfaction among the 7 closed: 满意 T1 T4 T7 I1, 基本满意 T2, 不满意 T6, 客户未表态 T3.
    # (4 + 1) / (4 + 1 + 1) = 5/6; T3 is left out.
    assert (f.satisfaction.num, f.satisfaction.den) == (5, 6)
    assert f.satisfaction_counts == {
        "satisfied": 4, "basically_satisfied": 1, "unsatisfied": 1, "declined": 1, "none": 0,
    }  # fmt: skip


def test_flag_counts_for_the_month(desk: Desk, dataset: dict) -> None:
    f = month(desk).figures
    assert f.repeat == 1  # T2: the same contact phone as T1, one day later
    # 升级投诉 counts the customer's escalations: T3 (严重); the hall reporting up its own
    # chain is counted apart (issue 16; before it, escalated was T5): T3 (to 客服质量监控经理,
    # level 3) and T5 (to 值班经理, level 1) were received in November and reported up = 2.
    assert (f.escalated, f.reported_up) == (1, 2)  # T3; T3 T5
    assert f.batch == 1  # I1, imported with 批量投诉 = 是
    assert (f.reopened, f.reopen_times) == (1, 1)  # T5, once


def test_overdue_ticket_days_for_the_month(desk: Desk, dataset: dict) -> None:
    f = month(desk).figures
    # The window is 11-01 00:00 to the report time 11-24 10:00.
    # T0: its 30-minute dispatch clock ran out on 10-28 10:30: overdue all of the window,
    #     23 days 10 hours.
    # T5: dispatch due 10:30 on 11-09, closed 15:00: 4.5 h; reopened 11-10 10:00 (+1 µs),
    #     a new round whose dispatch clock ran out at 10:30 (+1 µs): 13 days 23.5 h − 1 µs.
    # T6: department first response due 13:40, closed 16:00: 2 h 20 min.
    # T4 kept every deadline; so did T3 (open 10:00–10:20, first contact due 11:00; a ticket
    # the handler keeps has no dispatch clock); on-the-spot and imported-closed tickets have
    # no handling time.
    t0 = 23 + 10 * HOUR
    t5 = 4.5 * HOUR + 13 + 23.5 * HOUR - MICRO_DAY
    t6 = (2 + 20 / 60) * HOUR
    assert f.overdue_tickets == 3
    assert f.overdue_days == pytest.approx(t0 + t5 + t6, abs=1e-9)
    assert f.overdue_days == pytest.approx(37.680556, abs=1e-6)


def test_top_causes_and_service_process(desk: Desk, dataset: dict) -> None:
    r = month(desk)
    causes = r.table("causes").rows
    # NET.COVER.INDOOR: T1, T2, T4, I3 = 4 of 9; the rest once each, in code order.
    assert [(row[2], row[3]) for row in causes] == [
        ("NET.COVER.INDOOR", 4),
        ("BILLINFO.ACCURACY.CALL_TIME", 1),
        ("NET.VOICE.DROP", 1),
        ("NEWBIZ.SUBSCRIBE.UNCONSENTED", 1),
        ("PROMO.RULES.UNCLEAR", 1),
        ("TARIFF.PLAN.UNCLEAR", 1),
    ]
    assert causes[0][0] == 1 and causes[0][4] == pytest.approx(4 / 9)
    assert causes[0][1] == "网络质量 › 覆盖 › 室内无信号"
    process = {row[1]: row[2] for row in r.table("process").rows}
    # 网络质量: T1 T2 T4 T6 I3 = 5; 话费信息 T3, 资费 T5, 优惠促销 T7, 新业务 I1.
    assert process == {
        "NET": 5, "NEWBIZ": 1, "TARIFF": 1, "PROMO": 1, "PUBLICITY": 0, "BILLINFO": 1,
        "PAYMENT": 0, "HANDLING": 0, "HALL": 0, "": 9,
    }  # fmt: skip
    assert r.table("process").rows[-1][0] == "合计"


def test_trend_counts_received_and_closed_per_day(desk: Desk, dataset: dict) -> None:
    trend = month(desk).trend
    assert len(trend.labels) == 30 and trend.labels[0] == "11-01"
    received = {label: n for label, n in zip(trend.labels, trend.received, strict=True) if n}
    closed = {label: n for label, n in zip(trend.labels, trend.closed, strict=True) if n}
    assert received == {"11-02": 1, "11-03": 1, "11-04": 1, "11-05": 1, "11-09": 1,
                        "11-10": 1, "11-17": 1, "11-20": 1, "11-23": 1}  # fmt: skip
    # T3 was received at 09:30 but counts by its receiving day; closing days of the 7 in C.
    assert closed == {"11-02": 1, "11-03": 1, "11-04": 1, "11-05": 1, "11-11": 1,
                      "11-17": 1, "11-23": 1}  # fmt: skip


def test_closed_complaints_by_severity_level(desk: Desk, dataset: dict) -> None:
    report = month(desk)
    table = report.table("levels")
    rows = rows_by_first(report, "levels")
    # 一般: T1 T2 T4 T6 T7 I1 = 6 of 7; on the spot T1 T2 T7; timely T1 T2 T4 T7 of the 5
    # that can be judged (I1 cannot); rated 6 (all but none), satisfied 5 (T6 not); repeat T2.
    assert rows["一般"][1:] == (6, pytest.approx(6 / 7), 3, 4, 5, pytest.approx(4 / 5), 6, 5,
                               pytest.approx(5 / 6), 1, 0, 0)  # fmt: skip
    # 严重: T3 alone: not on the spot, registered late (0 timely of 1 judged), 客户未表态
    # (not rated); 严重 is a complaint the customer escalated (over the first level): 升级投诉
    # 1 (issue 16).
    assert rows["严重"][1:] == (1, pytest.approx(1 / 7), 0, 0, 1, 0.0, 0, 0, None, 0, 1, 0)
    assert rows["重大"][1:] == (0, 0.0, 0, 0, 0, None, 0, 0, None, 0, 0, 0)
    # 合计: on the spot 3 + 0 = 3; timely 4 of 5 + 1 = 6 judged; rated 6, satisfied 5.
    assert rows["合计"][1:] == (7, 1.0, 3, 4, 6, pytest.approx(4 / 6), 6, 5,
                               pytest.approx(5 / 6), 1, 1, 0)  # fmt: skip
    assert "报送期限 2026-12-05" in table.basis


def test_weekly_closed_list_per_team(desk: Desk, dataset: dict) -> None:
    # The week of 11-16 (Mon) to 11-22 (Sun): only T6 was closed in it.
    week = build_report(desk, ReportRequest(week_of(date(2026, 11, 18))))
    listing = week.table("closed_list").rows
    assert len(listing) == 1
    team, owner, _ticket, received, closed, *_, satisfaction, timely = listing[0]
    assert (team, owner, received, closed) == ("一班", "张敏", "2026-11-17 10:00",
                                               "2026-11-17 16:00")  # fmt: skip
    assert (satisfaction, timely) == ("不满意", "否")
    # For the month: 一班 (张敏) closed T1 T2 T4 T6 and the import I1 (imported by 张敏);
    # 二班 (刘洋) closed T3 T7.
    teams = rows_by_first(month(desk), "teams")
    # 一班: timely T1 T2 T4 of the 4 judged (I1 not); rated 5, satisfied 4 (T6 not).
    assert teams["一班"][1:] == (5, 3, 4, pytest.approx(3 / 4), 5, pytest.approx(4 / 5))
    # 二班: T7 timely, T3 not; only T7 rated (T3 declined).
    assert teams["二班"][1:] == (2, 1, 2, pytest.approx(1 / 2), 1, 1.0)
    names = [row[0] for row in month(desk).table("closed_list").rows]
    assert names == ["一班"] * 5 + ["二班"] * 2


def test_week_prorates_the_control_and_cuts_overdue_time(desk: Desk, dataset: dict) -> None:
    f = build_report(desk, ReportRequest(week_of(date(2026, 11, 18)))).figures
    # Received in the week: T6 (11-17) and I3 (11-20).
    assert f.received == 2
    # The week is 7 of November's 30 days: control 110 × 7/30, per-10k control 25 × 7/30.
    assert f.control == pytest.approx(110 * 7 / 30)
    assert f.per_10k_control == pytest.approx(25 * 7 / 30)
    assert f.control_reached.value == pytest.approx(2 / (110 * 7 / 30))
    # Overdue inside the week: T0 and T5 the whole 7 days, T6 2 h 20 min.
    assert f.overdue_tickets == 3
    assert f.overdue_days == pytest.approx(14 + (2 + 20 / 60) * HOUR, abs=1e-9)


def test_area_scope_has_a_line_per_hall_and_a_total(desk: Desk, dataset: dict) -> None:
    r = month(desk, scope=ScopeKind.AREA)
    # The area adds I2 of GZ02: 10 received; customers 48,000 + 36,000; control 110 + 85.
    assert r.figures.received == 10
    assert r.figures.customers == 84_000
    assert r.figures.per_10k == pytest.approx(10 * 10_000 / 84_000)
    lines = r.table("control").rows
    assert [line[0] for line in lines] == ["GZ01 天河北营业厅", "GZ02 体育西营业厅",
                                           "合计 GZTH 天河片区"]  # fmt: skip
    assert lines[0][1:7] == (48_000, 9, pytest.approx(1.875), pytest.approx(25),
                             pytest.approx(110), pytest.approx(9 / 110))  # fmt: skip
    assert lines[1][2:7] == (1, pytest.approx(10_000 / 36_000), pytest.approx(25),
                             pytest.approx(85), pytest.approx(1 / 85))  # fmt: skip
    assert lines[2][1:3] == (84_000, 10) and lines[2][6] == pytest.approx(10 / 195)
    # I2 was closed (imported): its satisfaction counts, its timeliness cannot be judged.
    assert r.figures.timeliness_unknown == 2
    assert (r.figures.satisfaction.num, r.figures.satisfaction.den) == (5, 7)


def test_terminal_scope_leaves_other_halls_out(desk: Desk, dataset: dict) -> None:
    r = month(desk, scope=ScopeKind.TERMINAL)
    assert r.scope.code == "GZ01-T01" and r.figures.received == 9
    assert r.scope.label.startswith("本终端 GZ01-T01")


def test_over_the_control_is_marked(desk: Desk, dataset: dict) -> None:
    # Given on the command line: 3,000 customers and a control of 5 for the month.
    r = month(desk, customers=3_000, control=5)
    f = r.figures
    # 9 × 10,000 / 3,000 = 30 > 25; 9 / 5 = 180% > 100%.
    assert f.per_10k == pytest.approx(30) and f.per_10k_over
    assert f.control_reached.value == pytest.approx(1.8) and f.control_reached.over
    indicators = rows_by_first(r, "indicators")
    assert indicators["每万客户投诉量"][5].startswith(OVER_MARK)
    assert indicators["投诉控制量完成率"][5] == f"{OVER_MARK}超控制"
    assert "命令行参数" in indicators["客户基数"][-1]
    assert r.table("control").rows[0][-1].startswith(OVER_MARK)


def test_unknown_area_is_refused_in_words(desk: Desk, dataset: dict) -> None:
    with pytest.raises(RuleViolation) as refused:
        month(desk, scope=ScopeKind.AREA, area="NOPE")
    assert refused.value.keys() == {"error.report.area_unknown"}


def test_period_arguments() -> None:
    today = date(2026, 11, 24)
    assert period_from_args("month", None, None, today) == month_of(today)
    assert period_from_args("month", "2026-10", None, today).first == date(2026, 10, 1)
    assert period_from_args("week", "2026-11-18", None, today).first == date(2026, 11, 16)
    ranged = period_from_args("range", "2026/10/26", "20261108", today)
    assert (ranged.first, ranged.last, ranged.kind) == (date(2026, 10, 26), date(2026, 11, 8),
                                                        PeriodKind.RANGE)  # fmt: skip
    for args, key in ((("range", "2026-11-01", None), "error.report.range_needs_to"),
                      (("range", "2026-11-08", "2026-11-01"), "error.report.range_order"),
                      (("day", "2026-02-30", None), "error.report.date")):  # fmt: skip
        with pytest.raises(RuleViolation) as refused:
            period_from_args(*args, today)
        assert refused.value.keys() == {key}


def test_a_range_over_two_months(desk: Desk, dataset: dict) -> None:
    r = build_report(desk, ReportRequest(period_of(PeriodKind.RANGE, date(2026, 10, 26),
                                                   date(2026, 11, 8))))  # fmt: skip
    # Received: T0 (10-28), T1–T4: 5. Control: 110 × 6/31 (Oct 26–31) + 110 × 8/30.
    assert r.figures.received == 5
    assert r.figures.control == pytest.approx(110 * 6 / 31 + 110 * 8 / 30)
    assert len(r.trend.labels) == 14


def test_the_fast_earliest_deadline_agrees_with_the_clocks(desk: Desk, dataset: dict) -> None:
    """The cheap first pass (working-time deadlines as lower bounds) gives exactly what the
    full computation gives, for every ticket of the data set at every moment of its history."""
    rough = lower_bound_calendar(desk)
    with desk.read() as session:
        complaints = list(session.scalars(sa.select(Complaint)))
        for complaint in complaints:
            events = list(session.scalars(
                sa.select(ComplaintEvent).where(ComplaintEvent.complaint_id == complaint.id)
                .order_by(ComplaintEvent.at, ComplaintEvent.id)
            ))  # fmt: skip
            fast = ticket_history(desk, complaint, events, NOW, rough)
            full = ticket_history(desk, complaint, events, NOW, None)
            assert fast == full, complaint.ticket_no
