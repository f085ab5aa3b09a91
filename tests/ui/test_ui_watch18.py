"""Issue 18: F10's list hides an entry from the manager the customer's complaint accuses
(当事人回避, as intake does), the real app driven by keys."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable
from ui_helpers import WIDE, build_app, settle, sign_in

from deskapp.screens.watch_list import WatchListScreen
from deskapp.services.customer import WatchForm, save_watch_entry
from deskapp.services.desk import Actor, Desk
from deskapp.services.intake import IntakeForm, take_complaint

pytestmark = pytest.mark.ui


async def test_f10_hides_the_entry_from_the_accused_manager(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    from datetime import timedelta

    from deskapp.domain.timefmt import format_local

    for number in ("13812345678", "13900002222"):
        save_watch_entry(desk, actors["3001"], WatchForm(
            customer=number, kind="sensitive", advice="请值班经理接待",
            review_on="2026-12-31"))  # fmt: skip
    take_complaint(desk, actors["1001"], IntakeForm(
        customer_name="李女士", contact_phone="13812345678", content="值班经理态度差",
        demand="道歉", cause_code="HALL.ATTITUDE.RUDE", accused_staff_id=actors["2001"].id,
        promised_reply_at=format_local(desk.clock.now() + timedelta(days=1), desk.tz),
    ))  # fmt: skip
    for work_no, pin, rows in (("2001", "8888", 1), ("3001", "9999", 2)):
        app = build_app(desk)
        async with app.run_test(size=WIDE) as pilot:
            await sign_in(pilot, work_no, pin)
            await pilot.press("f10")
            await settle(pilot)
            assert isinstance(app.screen, WatchListScreen)
            table = app.screen.query_one("#watch-table", DataTable)
            assert table.row_count == rows, work_no
            if work_no == "2001":
                assert table.get_row_at(0)[1] == "13900002222"
