"""Issue 20, the attack on it: what the previous handler was told is not left on screen for
the next; one clock mark in the handover dialogs; the F4 jump takes a burst and steps through
phone-tail matches; placeholders from today."""

from __future__ import annotations

from datetime import timedelta

import pytest
from faults import write_lock_held
from followup_helpers import make_app, take
from textual import events
from textual.containers import VerticalScroll
from textual.widgets import Input, Static, TabbedContent
from ui_helpers import (
    WIDE,
    choose,
    error_of,
    screen_text,
    settle,
    sign_in,
    type_complaint,
    type_text,
)

from deskapp.clock import FrozenClock
from deskapp.i18n import t
from deskapp.screens.app import DeskApp
from deskapp.screens.handover import HandoverScreen
from deskapp.screens.help import HelpScreen
from deskapp.screens.intake import IntakeScreen
from deskapp.screens.signin import SignInScreen
from deskapp.screens.textual_private import notifications
from deskapp.services import followup, shifts
from deskapp.services.desk import Actor, Desk

pytestmark = pytest.mark.ui


def _handed_over(desk: Desk, actors: dict[str, Actor], clock: FrozenClock) -> list[str]:
    """张敏's shift with two open tickets, handed over with a note for each."""
    me = actors["1001"]
    shifts.open_shift(desk, me)
    first = take(desk, me, "王先生", "13912345678")
    second = take(desk, me, "李女士", "13600001111")
    clock.advance(timedelta(hours=7))
    notes = {first: "明天10点前回复核查结果", second: "等网络部回复后联系客户"}
    shifts.close_shift(desk, me, notes, "今日客流较大")
    return [first, second]


def _notices(app: DeskApp) -> str:
    return " ".join(str(n.message) for n in notifications(app))


async def test_the_previous_handlers_notices_go_with_them(
    desk: Desk, actors: dict[str, Actor], clock: FrozenClock
) -> None:
    _handed_over(desk, actors, clock)
    app = make_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot, "1002", "2222")
        assert "份交接等您接收" in _notices(app)
        await pilot.press("f8")
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
        assert "份交接等您接收" not in _notices(app)  # not left for whoever comes next
        await sign_in(pilot, "3001", "9999")
        assert "份交接等您接收" not in _notices(app)


async def test_a_failure_to_save_is_taken_back_once_the_retry_saved(desk: Desk) -> None:
    app = make_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        await type_complaint(pilot)
        busy = t("error.store.busy")
        with write_lock_held(desk):
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert busy in _notices(app)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, IntakeScreen)
        assert "已登记" in _notices(app) and busy not in _notices(app)


def _paused_and_handed_over(
    desk: Desk, actors: dict[str, Actor], clock: FrozenClock, extra: int = 0
) -> None:
    """张敏's shift: 周女士's ticket left overdue 9 days, then paused for two at her request
    (F4 shows it "‖ 暂停至 …"), and `extra` more tickets; handed over with a note for each."""
    me = actors["1001"]
    shifts.open_shift(desk, me)
    cid = take(desk, me, "周女士", "13700002222")
    others = [take(desk, me, f"客户{n}", f"1360000{n:04d}") for n in range(extra)]
    followup.dispatch(desk, me, cid, department="network", note="请核查")
    clock.advance(timedelta(days=9))
    followup.log_contact(desk, me, cid, reached=True, note="客户出差")
    until = (desk.clock.now() + timedelta(days=2)).astimezone(desk.tz)
    followup.pause_clocks(desk, me, cid, until=until.strftime("%Y-%m-%d %H:%M"),
                          reason="customer_request", note="客户要求后天再联系")  # fmt: skip
    notes = {cid: "后天再联系周女士", **{o: "按时回访" for o in others}}
    shifts.close_shift(desk, me, notes, "今日客流较大")


def _dialog_text(app: DeskApp) -> str:
    return str(app.screen.query_one("#dialog-intro").render())


async def test_the_handover_detail_and_its_dialogs_mark_the_clock_as_f4_does(
    desk: Desk, actors: dict[str, Actor], clock: FrozenClock
) -> None:
    _paused_and_handed_over(desk, actors, clock)
    year = str(desk.clock.now().astimezone(desk.tz).year)
    app = make_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot, "1002", "2222")
        await pilot.press("f5")
        await settle(pilot)
        assert app.screen.query_one(TabbedContent).active == "tab-waiting"
        await pilot.press("enter")  # the waiting handover, in full
        await settle(pilot)
        assert isinstance(app.screen, HandoverScreen)
        shown = screen_text(app)
        assert "‖ 暂停至" in shown and "⚠" not in shown and f"{year}-" in shown, shown
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("ctrl+a")
        await settle(pilot)
        intro = _dialog_text(app)
        assert "‖ 暂停至" in intro and "超时" not in intro and f"{year}-" in intro, intro
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("f8")
        await sign_in(pilot, "2001", "8888")
        # Not acknowledged yet, and a manager may file it: told at sign-in.
        assert "1 份交接待您备案:张敏(1001)" in _notices(app)
        await pilot.press("f5")
        await settle(pilot)
        await pilot.press("ctrl+b")  # filing: what is filed is read before the PIN
        await settle(pilot)
        intro = _dialog_text(app)
        for words in ("今日客流较大", "后天再联系周女士", "‖ 暂停至", f"{year}-"):
            assert words in intro, (words, intro)


@pytest.mark.parametrize("size", [(100, 30), (80, 24)])
async def test_the_acknowledge_dialog_of_a_long_handover_opens_at_its_top(
    desk: Desk, actors: dict[str, Actor], clock: FrozenClock, size: tuple[int, int]
) -> None:
    _paused_and_handed_over(desk, actors, clock, extra=39)
    app = make_app(desk)
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot, "1002", "2222")
        assert "份交接等您接收" in _notices(app)
        await pilot.press("f5")
        await settle(pilot)
        assert "份交接等您接收" not in _notices(app)  # there now: not over the dialog's buttons
        await pilot.press("ctrl+a")
        await settle(pilot)
        dialog = app.screen
        assert all(box.scroll_y == 0 for box in dialog.query(VerticalScroll))
        title = dialog.query_one("#dialog-title")
        assert title.region.y >= 0 and title.region in dialog.region  # the title in view
        assert app.focused is not None and app.focused.id == "f-work_no"
        assert app.focused.region.height > 0 and app.focused.region in dialog.region
        box = dialog.query_one("#dialog-intro-box", VerticalScroll)
        await pilot.press("pagedown")  # the rest of the 40 read with the keys, the cursor kept
        await settle(pilot)
        assert box.scroll_y > 0 and app.focused.id == "f-work_no"
        await pilot.press("pageup")
        await settle(pilot)
        assert box.scroll_y == 0


async def test_f4_jump_keeps_a_burst_and_steps_through_phone_tail_matches(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    h = actors["1001"]
    first = take(desk, h, "王先生", "13800000001")
    zhou = take(desk, h, "周红", "13900002026")  # every ticket number holds 2026 too
    ma = take(desk, h, "马女士", "13700002026")
    app = make_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        await pilot.press("f4")
        await settle(pilot)
        screen = app.screen

        def current() -> str:
            return screen._current().id  # type: ignore[attr-defined]

        def box() -> str:
            return screen.query_one("#queue-jump").value  # type: ignore[attr-defined]

        assert current() == first
        # An input method commits 马女士 at once: three keys before the box has the focus.
        for char in "马女士":
            app.post_message(events.Key(char, char))
        await settle(pilot)
        assert box() == "马女士" and current() == ma
        await pilot.press("escape")
        await settle(pilot)
        for char in "0003":  # a paste of a number tail, the same
            app.post_message(events.Key(char, char))
        await settle(pilot)
        assert box() == "0003" and current() == ma
        await pilot.press("escape")
        await settle(pilot)

        await pilot.press("2", "0", "2", "6")  # a phone's last four: phones first
        await settle(pilot)
        assert current() in (zhou, ma)
        met = {current()}
        await pilot.press("down")  # the next ticket with the same tail
        await settle(pilot)
        met.add(current())
        assert met == {zhou, ma}
        await pilot.press("up")
        await settle(pilot)
        assert current() in (zhou, ma) and box() == "2026"


@pytest.mark.parametrize("size", [(100, 30), (80, 24)])
async def test_the_recusal_refusal_is_one_line_and_says_its_point_once(
    desk: Desk, size: tuple[int, int]
) -> None:
    app = make_app(desk)
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot)
        await type_complaint(pilot, name="周红", content="张敏态度差", demand="道歉")
        await choose(pilot, "accused_staff", "1001")
        said = error_of(app, "accused_staff")
        assert "当事人回避" in said and "转交" not in said
        error = app.screen.query_one("#error-accused_staff", Static)
        assert error.size.height == 1, said  # not split mid-word over two lines
        notice = str(app.screen.query_one("#recusal-notice", Static).render())
        assert "Ctrl+T" in notice and "当事人回避" not in notice


async def test_date_examples_are_from_the_desks_today(desk: Desk, clock: FrozenClock) -> None:
    """Three weeks after the day the desk was set up: every example is of this month."""
    clock.advance(timedelta(days=20))  # 2026-12-14
    app = make_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        screen = app.screen
        assert isinstance(screen, IntakeScreen)
        promised = screen.query_one("#promised_reply_at", Input)
        promised.value = "明天"  # a time the desk cannot read: the error lists the forms
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        said = error_of(app, "promised_reply_at")
        assert "2026-12-14 09:30" in said and "12-14 09:30" in said, said

        await pilot.press("f5")
        await settle(pilot)
        shown = [app.screen.query_one(f"#{i}", Input).placeholder for i in ("h-from", "h-to")]
        assert "2026-12-07" in shown[0] and "2026-12-14" in shown[1], shown  # a week back, today
        await pilot.press("f7")
        await settle(pilot)
        shown = [app.screen.query_one(f"#{i}", Input).placeholder for i in ("f-from", "f-to")]
        assert "2026-12-01" in shown[0] and "2026-12-14" in shown[1], shown
        assert "2026-11" not in " ".join(shown)


async def test_tab_out_of_the_cause_closes_its_matches(desk: Desk) -> None:
    app = make_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        app.screen.query_one("#cause-query").focus()
        await type_text(pilot, "xh")
        await settle(pilot)
        picker = app.screen.query_one("#cause")
        assert picker.has_class("-open")
        await pilot.press("tab")
        await settle(pilot)
        assert app.focused is not None and app.focused.id == "channel"
        assert not picker.has_class("-open")  # not eight rows left over the next fields
        await pilot.press("shift+tab")
        await settle(pilot)
        assert picker.has_class("-open")  # back in it: the matches again


async def test_f3_again_or_back_to_f3_puts_the_cursor_in_the_search_box(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    take(desk, actors["1001"], "王先生", "13800000001")
    app = make_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await type_text(pilot, "王")
        await pilot.press("enter")
        await settle(pilot)
        assert app.focused is not None and app.focused.id == "results"
        await pilot.press("f3")  # F3 again: the box, what was typed selected
        await settle(pilot)
        assert app.focused is not None and app.focused.id == "query"
        await pilot.press("enter")
        await settle(pilot)
        assert app.focused is not None and app.focused.id == "results"
        await pilot.press("f2")
        await settle(pilot)
        await pilot.press("f3")  # back to F3 from another screen: the box
        await settle(pilot)
        assert app.focused is not None and app.focused.id == "query"


async def test_f1_lists_ctrl_t_on_f2_and_f5_once_on_f5(desk: Desk) -> None:
    app = make_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        said = [what for _, what in app.screen.keys]
        assert t("intake.hand_off") in said and t("intake.key_hand_offs") in said, said
        await pilot.press("escape")
        await pilot.press("f5")
        await settle(pilot)
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        keys = [key for key, _ in app.screen.keys]
        said = [what for _, what in app.screen.keys]
        assert t("shift.next_tab") in said and t("shift.title") not in said, app.screen.keys
        assert len(keys) == len(set(keys)), keys
