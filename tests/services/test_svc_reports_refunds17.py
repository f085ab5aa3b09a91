"""The refund figures of the report (issue 17): count, total, by error type, by payment method,
paid late, on a hand-built month, and the exports read back from the real files.

The month is November 2026 (no holidays); every refund is recorded at 10:00 on a Monday, so its
pay clock (3 working days, data/time_limits.toml) ends at 10:00 on that Thursday. The report is
built at the frozen now, Tue 2026-11-24 10:00.

  A  Mon 11-02  call_record (double)      2 × (30 − 20) = 20.00  paid 11-03 account credit  on time
  B  Mon 11-09  other (the difference)        100 − 40  = 60.00  paid Fri 11-13 cash         late
  C  Mon 11-16  border_roaming (double)   2 × (15 − 10) = 10.00  unpaid; due Thu 11-19 < now late
  D  Fri 11-20  at intake, solved on the spot, billing_inaccurate (double)
                                          2 × (5 − 3)   =  4.00  paid there (account credit) on time

  all: 4 refunds, 20 + 60 + 10 + 4 = 94.00 yuan, 2 late (B, C)
  paid by account credit: A, D = 2, 24.00, 0 late; cash: B = 1, 60.00, 1 late;
  unpaid: C = 1, 10.00, 1 late"""

from __future__ import annotations

import csv
from collections.abc import Iterator
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
from deskapp.domain.indicators import month_of
from deskapp.services import exports
from deskapp.services import followup as fu
from deskapp.services.demo import closing_facts
from deskapp.services.desk import Actor, Desk
from deskapp.services.intake import RefundForm, take_complaint
from deskapp.services.reports import Report, ReportRequest, build_report
from deskapp.store.models import Refund

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def desk(db_path: Path, clock: FrozenClock) -> Iterator[Desk]:
    desk = staffed_desk(db_path, clock)
    yield desk
    desk.close()


def at(clock: FrozenClock, day: int, hour: int = 10) -> None:
    clock.set(datetime(2026, 11, day, hour, 0, tzinfo=TZ))


def refund(**overrides: Any) -> RefundForm:
    values: dict[str, Any] = {"verified": True, "verification": "计费中心核实"}
    values.update(overrides)
    return RefundForm(**values)


def only_refund(desk: Desk, cid: str) -> str:
    with desk.read() as s:
        return s.scalars(sa.select(Refund.id).where(Refund.complaint_id == cid)).one()


@pytest.fixture
def report(desk: Desk, clock: FrozenClock, actors: dict[str, Actor]) -> Report:
    me = actors["1001"]
    now = clock.now()

    def taken(day: int, phone: str) -> str:
        at(clock, day)
        return take_complaint(desk, me, valid_form(desk, contact_phone=phone)).id

    a = taken(2, "13800000001")
    fu.record_refund(desk, me, a, refund(error_type="call_record", charged="30",
                                         should_have_charged="20"))  # fmt: skip
    at(clock, 3)
    fu.pay_refund(desk, me, a, refund_id=only_refund(desk, a), method="account_credit")
    b = taken(9, "13800000002")
    fu.record_refund(desk, me, b, refund(error_type="other", charged="100",
                                         should_have_charged="40"))  # fmt: skip
    at(clock, 13)
    fu.pay_refund(desk, me, b, refund_id=only_refund(desk, b), method="cash", reference="S-9")
    c = taken(16, "13800000003")
    fu.record_refund(desk, me, c, refund(error_type="border_roaming", charged="15",
                                         should_have_charged="10"))  # fmt: skip
    at(clock, 20)
    take_complaint(desk, me, valid_form(
        desk, contact_phone="13800000004", solved_on_spot=True, outcome="当场退费",
        satisfaction="satisfied", promised_reply_at="",
        refund=RefundForm(charged="5", should_have_charged="3", verified=True)))  # fmt: skip
    clock.set(now)
    return build_report(desk, ReportRequest(month_of(date(2026, 11, 1))))


def lines(report: Report) -> dict[tuple[str, str], tuple[Any, ...]]:
    return {(row[0], row[1]): row[2:] for row in report.table("refunds").rows}


def test_refund_figures_count_total_type_method_and_late(report: Report) -> None:
    got = lines(report)
    assert got[("全部退费", "合计")] == (4, Decimal("94.00"), 2)  # 20 + 60 + 10 + 4; B, C late
    assert got[("按差错类型", "话单错误(通话记录时长多计或少计)")] == (1, Decimal("20.00"), 0)
    assert got[("按差错类型", "其他(按差额退)")] == (1, Decimal("60.00"), 1)  # 100 − 40
    assert got[("按差错类型", "边界漫游误收费")] == (1, Decimal("10.00"), 1)  # 2 × (15 − 10)
    assert got[("按差错类型", "计费不准确")] == (1, Decimal("4.00"), 0)  # 2 × (5 − 3)
    assert got[("按差错类型", "信息服务费多收")] == (0, Decimal("0.00"), 0)
    assert got[("按支付方式", "账户充值")] == (2, Decimal("24.00"), 0)  # A 20 + D 4
    assert got[("按支付方式", "现金")] == (1, Decimal("60.00"), 1)  # B, after Thu 11-12 10:00
    assert got[("按支付方式", "未支付")] == (1, Decimal("10.00"), 1)  # C, due Thu 11-19 10:00


def test_refund_figures_read_back_from_the_xlsx_and_csv_files(
    report: Report, tmp_path: Path
) -> None:
    book = load_workbook(exports.write_xlsx(report, tmp_path / "r.xlsx"))
    sheet = book["退费"]
    assert [c.value for c in sheet[3]] == ["分组", "项目", "笔数", "金额(元)", "逾期支付"]
    first = [c.value for c in sheet[4]]
    assert first[:3] == ["全部退费", "合计", 4] and first[4] == 2
    assert float(first[3]) == pytest.approx(94.0)
    path = exports.write_csv(report, tmp_path / "r.csv")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    start = next(i for i, row in enumerate(rows) if row and row[0] == "【退费】")
    assert rows[start + 2] == ["分组", "项目", "笔数", "金额(元)", "逾期支付"]
    assert rows[start + 3] == ["全部退费", "合计", "4", "94.00", "2"]
    cash = next(row for row in rows[start:] if row[:2] == ["按支付方式", "现金"])
    assert cash[2:] == ["1", "60.00", "1"]


def test_reopens_are_counted_by_cause(
    desk: Desk, clock: FrozenClock, actors: dict[str, Actor]
) -> None:
    """Three reopenings in November: overdue handling twice (one ticket reopened twice), one
    visit that gave no cause: overdue 2 + unrecorded 1 = 3."""
    me = actors["1001"]
    now = clock.now()
    at(clock, 10)
    first = take_complaint(desk, me, valid_form(desk, contact_phone="13800000011")).id
    second = take_complaint(desk, me, valid_form(desk, contact_phone="13800000012")).id
    for round_no, cause in enumerate(["overdue", "overdue"]):
        fu.close(desk, me, first, outcome="已处理", facts=closing_facts(desk, first))
        at(clock, 11 + round_no)
        fu.record_visit(desk, me, first, satisfaction="unsatisfied", reopen_cause=cause,
                        note="超时未处理")  # fmt: skip
    fu.close(desk, me, second, outcome="已处理", facts=closing_facts(desk, second))
    fu.record_visit(desk, me, second, satisfaction="unsatisfied", note="不满意",
                    reopen_cause="passing_buck")  # fmt: skip
    clock.set(now)
    report = build_report(desk, ReportRequest(month_of(date(2026, 11, 1))))
    got = {row[0]: row[1] for row in report.table("reopens").rows}
    assert got["超时处理"] == 2 and got["未兑现承诺"] == 0 and got["推诿"] == 1
    assert got["合计"] == 3  # 2 + 1 (a reopening always has its cause now)
