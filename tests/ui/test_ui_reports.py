"""统计报表 (F6) driven with the Pilot, and its snapshots (frozen clock, fixed data)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, TabbedContent
from ui_helpers import NARROW, WIDE, screen_text, settle, sign_in

from deskapp.clock import FrozenClock
from deskapp.screens.app import DeskApp
from deskapp.screens.reports import ReportsScreen
from deskapp.screens.textual_private import notifications
from deskapp.services import followup
from deskapp.services.demo import closing_facts
from deskapp.services.desk import Actor, Desk
from deskapp.services.intake import IntakeForm, take_complaint

TZ = ZoneInfo("Asia/Shanghai")
FROZEN = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)

# (local time, channel, cause, on the spot, closed after hours) — taken by 刘洋.
STORIES = (
    ("2026-11-02 09:10", "walk_in", "NET.COVER.INDOOR", True, None),
    ("2026-11-04 10:30", "hotline", "TARIFF.PLAN.UNCLEAR", False, 5),
    ("2026-11-09 14:00", "walk_in", "NET.COVER.INDOOR", True, None),
    ("2026-11-12 11:00", "walk_in", "BILLINFO.ACCURACY.CALL_TIME", False, 28),
    ("2026-11-17 09:40", "consumer_association", "NEWBIZ.SUBSCRIBE.UNCONSENTED", False, None),
    ("2026-11-19 15:20", "walk_in", "NET.COVER.INDOOR", True, None),
    ("2026-11-23 10:05", "walk_in", "HALL.ATTITUDE.RUDE", False, None),
)


@pytest.fixture
def month_data(desk: Desk, clock: FrozenClock, actors: dict[str, Actor]) -> None:
    liu = actors["1002"]
    for n, (when, channel, cause, on_spot, closed_after) in enumerate(STORIES):
        at = datetime.strptime(when, "%Y-%m-%d %H:%M").replace(tzinfo=TZ).astimezone(UTC)
        clock.set(at)
        form = IntakeForm(
            customer_name=f"客户{n}", contact_phone=f"1380000{n:04d}", content="内容",
            demand="诉求", cause_code=cause, channel=channel, solved_on_spot=on_spot,
            severity="major" if channel == "consumer_association" else "general",
        )  # fmt: skip
        if on_spot:
            form.outcome, form.satisfaction = "当场解决", "satisfied"
        else:
            form.promised_reply_at = f"{(at + timedelta(days=1)).astimezone(TZ):%Y-%m-%d %H:%M}"
        complaint = take_complaint(desk, liu, form)
        if closed_after:
            clock.set(at + timedelta(hours=closed_after))
            followup.close(
                desk, liu, complaint.id, outcome="已处理", facts=closing_facts(desk, complaint.id)
            )
    clock.set(FROZEN)


async def open_reports(pilot: Pilot) -> None:
    await sign_in(pilot)
    await pilot.press("f6")
    await settle(pilot)


async def open_trend(pilot: Pilot) -> None:
    await open_reports(pilot)
    await pilot.press("5")
    await settle(pilot)


@pytest.mark.ui
async def test_f6_opens_the_month_and_keys_move_around(
    app: DeskApp, month_data: None, tmp_path: Path
) -> None:
    app.export_dir = tmp_path
    async with app.run_test(size=WIDE) as pilot:
        await open_reports(pilot)
        screen = app.screen
        assert isinstance(screen, ReportsScreen)
        assert screen.report is not None
        text = screen_text(app)
        assert "月报 2026年11月 · 营业厅 GZ01 天河北营业厅" in text
        assert "投诉量(受理) 7" in text and "结案量 5" in text
        indicators = app.screen.query_one("#table-indicators", DataTable)
        assert indicators.row_count == 17  # (issue 16: "reported up"; issue 17: the visits)
        assert "统计口径(投诉量(受理)):受理时间在统计期内" in text
        await pilot.press("down", "down")
        await settle(pilot)
        assert "统计口径(每万客户投诉量):受理量 ÷ 客户基数" in screen_text(app)

        await pilot.press("w")  # the week of 11-24
        await settle(pilot)
        assert "周报 2026-11-23 至 2026-11-29(第48周)" in screen_text(app)
        await pilot.press("left_square_bracket")  # the week before
        await settle(pilot)
        assert screen.report.period.first.isoformat() == "2026-11-16"
        assert screen.report.figures.received == 2

        await pilot.press("s")  # hall → area
        await settle(pilot)
        assert "片区 GZTH 天河片区" in screen_text(app)
        await pilot.press("2")
        await settle(pilot)
        assert app.screen.query_one(TabbedContent).active == "tab-control"
        control = app.screen.query_one("#table-control", DataTable)
        assert control.row_count == 4  # three halls of 天河片区 and the total

        await pilot.press("m", "e")  # back to the month, try to export to Excel
        await settle(pilot)
        # A handler may read the figures but not take them out of the desk (docs/permissions.md).
        assert not list(tmp_path.glob("*.xlsx"))
        assert any("无权" in str(n.message) for n in notifications(app))


@pytest.mark.ui
async def test_a_duty_manager_exports_the_month(
    app: DeskApp, month_data: None, tmp_path: Path
) -> None:
    app.export_dir = tmp_path
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot, "2001", "8888")
        await pilot.press("f6")
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        exported = list(tmp_path.glob("*.xlsx"))
        assert len(exported) == 1 and "GZ01-month-20261101" in exported[0].name


@pytest.mark.ui
async def test_a_range_is_typed_in_a_dialog(app: DeskApp, month_data: None) -> None:
    async with app.run_test(size=WIDE) as pilot:
        await open_reports(pilot)
        await pilot.press("r")
        await settle(pilot)
        field = app.screen.query_one("#f-from")
        field.value = ""  # type: ignore[attr-defined]
        await pilot.press(*"2026-11-09")
        await pilot.press("tab")
        app.screen.query_one("#f-to").value = ""  # type: ignore[attr-defined]
        await pilot.press(*"2026-11-01", "ctrl+s")
        await settle(pilot)
        assert "截止日期不能早于起始日期" in screen_text(app)  # the dialog stays open
        app.screen.query_one("#f-to").value = "2026-11-19"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReportsScreen) and screen.report is not None
        assert screen.report.period.days == 11
        assert screen.report.figures.received == 4  # 11-09, 11-12, 11-17, 11-19


SIZES = pytest.mark.parametrize("size", [WIDE, NARROW], ids=["100x30", "80x24"])


@pytest.mark.snapshot
class TestReportsSnapshots:
    @SIZES
    def test_month(self, snap_compare, app: DeskApp, month_data: None,
                   size: tuple[int, int]) -> None:  # fmt: skip
        assert snap_compare(app, terminal_size=size, run_before=open_reports)

    def test_trend_chart(self, snap_compare, app: DeskApp, month_data: None) -> None:
        assert snap_compare(app, terminal_size=WIDE, run_before=open_trend)
