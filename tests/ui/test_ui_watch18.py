"""Issue 18: F10's list hides an entry from the manager the customer's complaint accuses
(当事人回避, as intake does); its add dialog says what to type (a review date from today, not
a fixed one) and asks before Esc drops what was typed. The real app driven by keys; snapshots
at 100×30 and 80×24."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, TextArea
from ui_helpers import (
    NARROW,
    WIDE,
    build_app,
    error_of,
    focus_by_tab,
    open_watch_add,
    screen_text,
    settle,
    sign_in,
    type_text,
)

from deskapp.screens.watch_list import WatchListScreen
from deskapp.screens.widgets.action_dialog import ActionDialog
from deskapp.screens.widgets.confirm import ConfirmScreen
from deskapp.services.customer import WatchForm, save_watch_entry
from deskapp.services.desk import Actor, Desk
from deskapp.services.intake import IntakeForm, take_complaint
from deskapp.store.models import WatchEntry

pytestmark = pytest.mark.ui
SIZES = pytest.mark.parametrize("size", [WIDE, NARROW], ids=["100x30", "80x24"])


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


async def test_f10_follows_an_entry_another_desk_lists_on_the_same_store(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    """F10 on screen, another desk on the same store lists a customer: the list shows it
    without a key pressed (the store watch, DeskApp._watch_store), the cursor where it was
    (the attack on 18: the list was read again only when shown again)."""
    save_watch_entry(desk, actors["3001"], WatchForm(
        customer="13900002222", kind="sensitive", advice="请值班经理接待",
        review_on="2026-12-31"))  # fmt: skip
    other = Desk.open(Path(desk.path), clock=desk.clock)
    app = build_app(desk)
    try:
        async with app.run_test(size=WIDE) as pilot:
            await sign_in(pilot, "3001", "9999")
            await pilot.press("f10")
            await settle(pilot)
            table = app.screen.query_one("#watch-table", DataTable)
            assert table.row_count == 1
            save_watch_entry(other, actors["3001"], WatchForm(
                customer="13812345678", kind="difficult", advice="先听完再解释",
                review_on="2026-12-31"))  # fmt: skip
            for _ in range(50):  # the store is looked at every second
                if table.row_count == 2:
                    break
                await pilot.pause(0.1)
            await settle(pilot)
            assert table.row_count == 2
            assert isinstance(app.screen, WatchListScreen)
    finally:
        other.close()


# ------------------------------------------------------------- F10's add dialog


async def test_f10_add_dialog_says_what_to_type_with_a_review_date_from_today(
    desk: Desk,
) -> None:
    """The number's placeholder shows the forms a number takes; the review date's is an
    example a quarter from today, never a fixed date (which read as a value filled in, and
    became one the service refuses once it had passed)."""
    from datetime import timedelta

    from deskapp.domain.timefmt import local_day

    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await open_watch_add(pilot)
        assert isinstance(app.screen, ActionDialog)
        number = app.screen.query_one("#f-customer", Input)
        assert app.focused is number
        assert "13812345678" in number.placeholder and "0755-12345678" in number.placeholder
        review = app.screen.query_one("#f-review_on", Input).placeholder
        ahead = local_day(desk.clock.now(), desk.tz) + timedelta(days=90)
        assert ahead.isoformat() in review and "不早于今天" in review
        assert "2026-12-31" not in review


async def test_f10_review_date_9999_empty_or_misformed_is_said_at_the_field(desk: Desk) -> None:
    """batch18i B: 9999-12-31 was saved (never flagged for review); an empty date was told
    its format, with another example than the hint's. The latest date, 必填, and the hint's
    example, each at the field; nothing saved."""
    from deskapp.domain.timefmt import local_day
    from deskapp.domain.watch import review_example, review_latest

    today = local_day(desk.clock.now(), desk.tz)
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await open_watch_add(pilot)
        dialog = app.screen
        dialog.query_one("#f-customer", Input).value = "13812345678"
        dialog.query_one("#f-advice", TextArea).load_text("先听完再解释")
        box = dialog.query_one("#f-review_on", Input)
        assert f"不晚于 {review_latest(today).isoformat()}" in box.placeholder
        for typed, said in (
            ("9999-12-31", f"复核日期最晚为 {review_latest(today).isoformat()}"),
            ("", "必填"),
            ("2026/12/31", f"如 {review_example(today)}"),
        ):
            box.value = typed
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert app.screen is dialog
            assert said in error_of(app, "review_on"), error_of(app, "review_on")
        assert review_example(today) in box.placeholder
    with desk.read() as s:
        assert not list(s.scalars(sa.select(WatchEntry)))


async def test_f10_add_dialog_asks_before_esc_drops_what_was_typed(desk: Desk) -> None:
    """Esc with a number typed asks; Esc (or N) on the question goes back with it kept; Y
    drops it, nothing written. Esc on a dialog left as opened closes it at once."""
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await open_watch_add(pilot)
        await pilot.press("escape")  # nothing typed: closed, not asked
        await settle(pilot)
        assert isinstance(app.screen, WatchListScreen)
        await pilot.press("a")
        await settle(pilot)
        dialog = app.screen
        await type_text(pilot, "13812345678")
        await focus_by_tab(pilot, "f-advice")
        await type_text(pilot, "先听完再解释")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert "放弃填写" in screen_text(app)
        await pilot.press("escape")  # not the answer yes: back to the dialog as typed
        await settle(pilot)
        assert app.screen is dialog
        assert dialog.query_one("#f-customer", Input).value == "13812345678"
        assert dialog.query_one("#f-advice", TextArea).text == "先听完再解释"
        assert app.focused is dialog.query_one("#f-advice")
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert app.screen is dialog
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, WatchListScreen)
        assert app.screen.query_one("#watch-table", DataTable).row_count == 0
    with desk.read() as s:
        assert s.scalars(sa.select(WatchEntry)).first() is None


@SIZES
def test_snapshot_f10_add_dialog(snap_compare, desk: Desk, size: tuple[int, int]) -> None:
    assert snap_compare(build_app(desk), terminal_size=size, run_before=open_watch_add)


@SIZES
def test_snapshot_f10_add_dialog_asks_before_discarding(
    snap_compare, desk: Desk, size: tuple[int, int]
) -> None:
    async def asked(pilot: Pilot) -> None:
        await open_watch_add(pilot)
        await type_text(pilot, "13812345678")
        await pilot.press("escape")
        await settle(pilot)

    assert snap_compare(build_app(desk), terminal_size=size, run_before=asked)


@SIZES
async def test_f10_add_dialog_tab_follows_the_fields_then_the_buttons(
    desk: Desk, size: tuple[int, int]
) -> None:
    """fix18h: Textual orders focus by place on the screen, and the docked buttons came
    before the fields scrolled below them; Tab now goes field by field, then the buttons,
    and back to the first field; Shift+Tab the other way. Each field reached is in view,
    above the buttons."""
    order = ["f-customer", "f-kind", "f-customer_name", "f-designated_handler", "f-advice",
             "f-solved", "f-refused", "f-review_on", "f-active", "dialog-cancel",
             "dialog-submit", "f-customer"]  # fmt: skip
    app = build_app(desk)
    async with app.run_test(size=size) as pilot:
        await open_watch_add(pilot)
        buttons = app.screen.query_one("#dialog-buttons")
        seen = [app.focused.id if app.focused else None]
        for _ in order[1:]:
            await pilot.press("tab")
            await settle(pilot)
            focused = app.focused
            seen.append(focused.id if focused else None)
            if focused is not None and focused.id and focused.id.startswith("f-"):
                assert focused.region.bottom <= buttons.region.y, (focused.id, focused.region)
        assert seen == order
        await pilot.press("shift+tab")
        assert app.focused is not None and app.focused.id == "dialog-submit"


@SIZES
async def test_f10_add_dialog_shows_the_refused_fields_error_above_the_buttons(
    desk: Desk, size: tuple[int, int]
) -> None:
    """fix18h: Ctrl+S refused at the review date (the last field): its error line is
    scrolled into view, not left under the docked buttons."""
    app = build_app(desk)
    async with app.run_test(size=size) as pilot:
        await open_watch_add(pilot)
        dialog = app.screen
        dialog.query_one("#f-customer", Input).value = "13812345678"
        dialog.query_one("#f-advice", TextArea).load_text("先听完再解释")
        dialog.query_one("#f-review_on", Input).value = "2099-99-99"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ActionDialog)
        assert app.focused is dialog.query_one("#f-review_on")
        error = dialog.query_one("#field-review_on .field-error")
        buttons = dialog.query_one("#dialog-buttons")
        assert str(error.render()).strip(), "no error under the review date"
        shown = error.region
        assert shown.height > 0 and shown.bottom <= buttons.region.y, (shown, buttons.region)


# ------------------------------------------------ two managers changing one entry at once


async def test_f10_change_made_meanwhile_at_another_desk_refuses_in_words_keeping_the_text(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    """Desk B (3001) opens the entry and types in 处理建议; desk A (王芳 2001, another desk on
    the same store) changes 处理建议 and the customer's name and saves first. B's Ctrl+S is
    refused in words (who, when), A's advice shown at the field, B's text still in the box,
    A's name (a field B left alone) taken into the dialog; nothing of A's overwritten. B's
    next Ctrl+S, merged, saves (the attack on 18: B's save won silently)."""
    from datetime import timedelta

    from ui_helpers import error_of

    from deskapp.domain.timefmt import format_local
    from deskapp.services.customer import watch_list

    save_watch_entry(desk, actors["3001"], WatchForm(
        customer="13918302983", kind="difficult", customer_name="李女士",
        advice="先听完再解释", review_on="2026-12-31"))  # fmt: skip
    other = Desk.open(Path(desk.path), clock=desk.clock)
    app = build_app(desk)
    try:
        async with app.run_test(size=WIDE) as pilot:
            await sign_in(pilot, "3001", "9999")
            await pilot.press("f10")
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, ActionDialog)
            await focus_by_tab(pilot, "f-advice")
            await type_text(pilot, "B先")
            typed = dialog.query_one("#f-advice", TextArea).text
            assert "B先" in typed
            seen = watch_list(other, actors["2001"])[0]
            desk.clock.advance(timedelta(minutes=5))  # type: ignore[attr-defined]
            save_watch_entry(other, actors["2001"], WatchForm(
                customer="13918302983", kind="difficult", customer_name="李秀英",
                advice="王芳:先安抚,再约回访", review_on="2026-12-31"),
                seen.id, seen=seen)  # fmt: skip
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert app.screen is dialog, "B's save went through over A's"
            said = str(dialog.query_one("#dialog-error").render())
            at = format_local(desk.clock.now(), desk.tz)
            assert f"该条目在您打开后已由 王芳(2001) 于 {at} 修改" in said, said
            assert "王芳:先安抚,再约回访" in error_of(app, "advice")
            assert dialog.query_one("#f-advice", TextArea).text == typed
            assert dialog.query_one("#f-customer_name", Input).value == "李秀英"
            assert watch_list(desk, actors["3001"])[0].advice == "王芳:先安抚,再约回访"
            # B merges and saves again: the version the refusal brought, so it stands.
            dialog.query_one("#f-advice", TextArea).load_text("王芳:先安抚,再约回访;B先")
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, WatchListScreen)
            now = watch_list(desk, actors["3001"])[0]
            assert (now.advice, now.customer_name) == ("王芳:先安抚,再约回访;B先", "李秀英")
    finally:
        other.close()
