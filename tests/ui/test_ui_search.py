"""F3: finding a complaint by the last four digits of the phone, and opening it."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable
from ui_helpers import screen_text, settle, sign_in, type_text

from deskapp.screens.app import DeskApp
from deskapp.screens.detail import DetailScreen
from deskapp.screens.search import SearchScreen
from deskapp.services.desk import Actor, Desk
from deskapp.services.intake import IntakeForm, take_complaint

pytestmark = pytest.mark.ui

SIZE = (100, 30)


def take(desk: Desk, actor: Actor, name: str, phone: str, content: str) -> str:
    form = IntakeForm(
        customer_name=name,
        contact_phone=phone,
        content=content,
        demand="尽快处理",
        cause_code="NET.COVER.INDOOR",
        promised_reply_at="2026-11-25 10:00",
    )
    return take_complaint(desk, actor, form).ticket_no


async def test_f3_finds_by_last_four_digits_and_opens_the_full_record(
    app: DeskApp, desk: Desk, handler: Actor
) -> None:
    wanted = take(desk, handler, "孙强", "13812341234", "宽带每晚断线")
    take(desk, handler, "赵丽", "13900005678", "账单多扣费")
    take(desk, handler, "钱进", "0755-23451234", "营业厅排队太久")  # same last four

    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await pilot.press("f3")
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen)
        await type_text(pilot, "1234")
        await pilot.press("enter")  # search now and go down into the results
        await settle(pilot)

        table = app.screen.query_one("#results", DataTable)
        assert app.focused is table
        rows = [table.get_row_at(i) for i in range(table.row_count)]
        assert sorted(r[0] for r in rows) == sorted([wanted, "GZ01-T01-20261124-0003"])
        phones = {r[0]: r[3] for r in rows}
        assert phones[wanted] == "138****1234"  # masked in the list
        assert phones["GZ01-T01-20261124-0003"] == "0755-****1234"
        shown = screen_text(app)
        assert "138****1234" in shown and "按电话后四位或工单号末尾 · 2 条" in shown
        assert "13812341234" not in shown

        # The newest first: move to 孙强's row and open it.
        while table.get_row_at(table.cursor_row)[0] != wanted:
            await pilot.press("down")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        shown = screen_text(app)
        assert "13812341234" in shown  # the full number, here only
        assert wanted in shown and "孙强" in shown and "宽带每晚断线" in shown

        await pilot.press("escape")  # back to the list, where it was
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen)


async def test_search_by_name_and_no_result_message(
    app: DeskApp, desk: Desk, handler: Actor
) -> None:
    take(desk, handler, "孙强", "13812341234", "宽带每晚断线")
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await type_text(pilot, "孙强")
        await settle(pilot, 0.4)  # typed search runs after a short pause, without Enter
        assert app.screen.query_one("#results", DataTable).row_count == 1
        await pilot.press("ctrl+a", "ctrl+k")
        await type_text(pilot, "5555")
        await settle(pilot, 0.4)
        assert app.screen.query_one("#results", DataTable).row_count == 0
        assert "没有找到匹配的投诉" in screen_text(app)
