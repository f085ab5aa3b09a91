"""F6 with the accountability figures (issue 17) and the batch complaints (issue 18): a hall
manager sees the 压单 amounts, the overdue list and the own-staff complaints besides the
refunds, reopens, repeat grading and batches; a handler sees the latter, never the former."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from test_ui_reports import FROZEN, TZ, month_data  # noqa: F401  (the month's fixture)
from textual.pilot import Pilot
from textual.widgets import DataTable, TabbedContent
from ui_helpers import NARROW, WIDE, screen_text, settle, sign_in

from deskapp.clock import FrozenClock
from deskapp.screens.app import DeskApp
from deskapp.screens.reports import RESTRICTED_TABS, ReportsScreen
from deskapp.services.desk import Actor, Desk
from deskapp.services.intake import IntakeForm, take_complaint


@pytest.fixture
def own_staff(desk: Desk, clock: FrozenClock, actors: dict[str, Actor],
              month_data: None) -> None:  # noqa: F811  # fmt: skip
    """One complaint about 刘洋 (1002), taken by 张敏 and solved on the spot on 11-20."""
    clock.set(datetime(2026, 11, 20, 10, 0, tzinfo=TZ).astimezone(UTC))
    form = IntakeForm(
        customer_name="周先生", contact_phone="13900001111", content="营业员态度差",
        demand="道歉", cause_code="HALL.ATTITUDE.RUDE", solved_on_spot=True, outcome="已致歉",
        satisfaction="satisfied", accused_staff_id=actors["1002"].id,
    )  # fmt: skip
    take_complaint(desk, actors["1001"], form)
    clock.set(FROZEN)


async def hall_manager_accountability(pilot: Pilot) -> None:
    await sign_in(pilot, "3001", "9999")
    await pilot.press("f6")
    await settle(pilot)
    await pilot.press("a")
    await settle(pilot)


@pytest.mark.ui
async def test_a_hall_manager_sees_every_new_table(app: DeskApp, own_staff: None) -> None:
    async with app.run_test(size=WIDE) as pilot:
        await hall_manager_accountability(pilot)
        screen = app.screen
        assert isinstance(screen, ReportsScreen) and screen.report is not None
        tabs = screen.query_one("#report-tabs", TabbedContent)
        assert tabs.active == "tab-accountability"
        text = screen_text(app)
        assert "供本厅内部考核参考" in text and "按处理人" in text and "刘洋" in text
        summary = screen.query_one("#table-accountability", DataTable)
        assert summary.row_count >= 4  # a handler, a department, the hall and the total
        for key, tab in (("l", "overdue_list"), ("o", "own_staff"), ("9", "refunds"),
                         ("0", "reopens"), ("g", "repeat_grade"), ("b", "batches")):  # fmt: skip
            await pilot.press(key)
            await settle(pilot)
            assert tabs.active == f"tab-{tab}"
        await pilot.press("o")
        await settle(pilot)
        own = screen.query_one("#table-own_staff", DataTable)
        assert own.row_count == 3  # the hall, 刘洋, the total
        assert "1002 刘洋" in screen_text(app)


@pytest.mark.ui
async def test_a_handler_never_sees_the_own_staff_figures(app: DeskApp, own_staff: None) -> None:
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)  # 张敏, a handler
        await pilot.press("f6")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReportsScreen) and screen.report is not None
        assert set(screen.report.withheld) == set(RESTRICTED_TABS)
        tabs = screen.query_one("#report-tabs", TabbedContent)
        for key in RESTRICTED_TABS:
            assert not tabs.get_tab(f"tab-{key}").display  # no tab to reach
        for key in ("a", "l", "o"):
            await pilot.press(key)
            await settle(pilot)
            assert tabs.active == "tab-indicators"  # the keys do nothing
        assert screen.query_one("#table-own_staff", DataTable).row_count == 0
        await pilot.press("b")  # the batches and the repeat grading are everyone's
        await settle(pilot)
        assert tabs.active == "tab-batches"
        assert "本厅员工被投诉" not in screen_text(app)


SIZES = pytest.mark.parametrize("size", [WIDE, NARROW], ids=["100x30", "80x24"])


@pytest.mark.snapshot
class TestAccountabilitySnapshots:
    @SIZES
    def test_accountability(self, snap_compare, app: DeskApp, own_staff: None,
                            size: tuple[int, int]) -> None:  # fmt: skip
        assert snap_compare(app, terminal_size=size, run_before=hall_manager_accountability)
