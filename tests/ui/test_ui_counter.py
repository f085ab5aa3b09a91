"""Issue 20, the handler's minute at the counter: one decision of how a ticket's clock is
shown (paused on F5 as in F4), focus where the handler expects it, the handover and the
recusal hand-off visible when it matters. The hand-off itself is in test_ui_intake.py."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from followup_helpers import complaint, make_app, take
from textual.widgets import Input, TabbedContent
from ui_helpers import WIDE, screen_text, settle, sign_in, type_text

from deskapp.clock import FrozenClock
from deskapp.screens.app import DeskApp
from deskapp.screens.detail import DetailScreen
from deskapp.screens.shift import ShiftScreen
from deskapp.screens.textual_private import FooterKey, notifications
from deskapp.screens.widgets.desk_footer import DeskFooter
from deskapp.services import followup, shifts
from deskapp.services.desk import Actor, Desk
from deskapp.store.models import Shift

pytestmark = pytest.mark.ui


def _paused_ticket(desk: Desk, handler: Actor, clock: FrozenClock) -> str:
    """A ticket left overdue for 9 days, then paused at the customer's request for two: the
    pause holds its clocks, yet the deadline it holds back is still behind "now" (F4 has
    always shown it as paused; F5 said "⚠ 超时 9天")."""
    cid = take(desk, handler, "周女士", "13700002222")
    followup.dispatch(desk, handler, cid, department="network", note="请核查")
    clock.advance(timedelta(days=9))
    followup.log_contact(desk, handler, cid, reached=True, note="客户出差")
    until = (desk.clock.now() + timedelta(days=2)).astimezone(desk.tz)
    followup.pause_clocks(desk, handler, cid, until=until.strftime("%Y-%m-%d %H:%M"),
                          reason="customer_request", note="客户要求后天再联系")  # fmt: skip
    stored = complaint(desk, cid)
    assert stored.paused_until is not None and stored.paused_until > desk.clock.now()
    assert stored.next_due_at is not None and stored.next_due_at < desk.clock.now()
    return cid


async def test_a_paused_ticket_shows_as_paused_on_f5_and_in_its_detail(
    desk: Desk, actors: dict[str, Actor], clock: FrozenClock
) -> None:
    cid = _paused_ticket(desk, actors["1001"], clock)
    app = make_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, ShiftScreen)
        items = " ".join(str(s.render()) for s in app.screen.query(".item-line"))
        assert "‖ 暂停至" in items and "超时" not in items, items
        app.screen.app.push_screen(DetailScreen(cid))
        await settle(pilot)
        shown = screen_text(app)
        assert "‖ 暂停至" in shown and "⚠" not in shown


async def test_f5_opens_with_the_first_keys_in_the_first_note(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    first = take(desk, actors["1001"], "王先生", "13912345678")
    app = make_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        await pilot.press("f5")
        await settle(pilot)
        await type_text(pilot, "明早回电")
        assert app.screen.query_one(f"#note-{first}", Input).value == "明早回电"


async def test_f5_again_moves_through_the_tabs_and_says_so_in_footer_and_help(
    desk: Desk,
) -> None:
    app = make_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        await pilot.press("f5")
        await settle(pilot)
        tabs = app.screen.query_one(TabbedContent)
        assert tabs.active == "tab-current"
        footer = [k.description for k in app.screen.query_one(DeskFooter).query(FooterKey)]
        assert "换页签" in footer, footer
        await pilot.press("f5")
        await settle(pilot)
        assert tabs.active == "tab-waiting" and app.focused is not None
        assert app.focused.id == "waiting"
        await pilot.press("f5", "f5")
        await settle(pilot)
        assert tabs.active == "tab-conflicts"
        await pilot.press("shift+f5")
        await settle(pilot)
        assert tabs.active == "tab-history" and app.focused.id == "h-staff"
        await pilot.press("f1")
        await settle(pilot)
        help_text = screen_text(app)
        assert "换页签" in help_text and "上一页签" in help_text


async def test_ctrl_s_on_f5_without_a_shift_in_progress_opens_none(desk: Desk) -> None:
    """A duty manager has no shift of their own: Ctrl+S says so and writes nothing."""
    app = make_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot, "2001", "8888")
        await pilot.press("f5")
        await settle(pilot)
        await type_text(pilot, "无")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "没有进行中的班次" in str(app.screen.query_one("#shift-note-error").render())
    with desk.read() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Shift)) == 0


async def test_the_palette_opens_a_ticket_by_the_tail_of_its_number(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    from textual.command import CommandPalette

    take(desk, actors["1001"], "甲", "13800000001")
    second = take(desk, actors["1001"], "周红", "13912345678")
    ticket = complaint(desk, second).ticket_no
    app = make_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        for query in ("0002", ticket.split("-", 2)[2]):  # "0002", "20261124-0002"
            await pilot.press("ctrl+p")
            await settle(pilot)
            assert isinstance(app.screen, CommandPalette)
            await type_text(pilot, query)
            await settle(pilot, 0.5)  # the providers search in the background
            await pilot.press("down", "enter")
            await settle(pilot)
            assert isinstance(app.screen, DetailScreen), query
            assert app.screen.complaint_id == second
            await pilot.press("escape")
            await settle(pilot)


async def test_f3_finds_a_ticket_by_its_tail_and_stays_in_the_box_when_nothing_is_found(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    from textual.widgets import DataTable

    take(desk, actors["1001"], "甲", "13800000001")
    second = take(desk, actors["1001"], "周红", "13912345678")
    ticket = complaint(desk, second).ticket_no
    app = make_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await type_text(pilot, "5555")
        await pilot.press("enter")
        await settle(pilot)
        assert app.focused is not None and app.focused.id == "query"  # to correct the query
        await pilot.press("ctrl+a", "ctrl+k")
        await type_text(pilot, "0002")
        await pilot.press("enter")
        await settle(pilot)
        table = app.screen.query_one("#results", DataTable)
        assert app.focused is table
        assert [table.get_row_at(i)[0] for i in range(table.row_count)] == [ticket]


async def test_f4_jumps_to_a_ticket_by_number_phone_tail_or_name(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    h = actors["1001"]
    first = take(desk, h, "王先生", "13800000001")
    second = take(desk, h, "周红", "13912345678")
    third = take(desk, h, "李四", "13700002222")
    app = make_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        await pilot.press("f4")
        await settle(pilot)
        screen = app.screen

        def current() -> str:
            return screen._current().id  # type: ignore[attr-defined]

        assert current() == first
        await type_text(pilot, "0003")  # the tail of the third ticket's number
        assert current() == third
        await pilot.press("enter")  # stay there: the box closes, the table has the cursor
        await settle(pilot)
        assert app.focused is not None and app.focused.id == "queue" and current() == third
        await type_text(pilot, "5678")  # the last four digits of 周红's phone
        assert current() == second, (screen.query_one("#queue-jump").value, app.focused)
        await pilot.press("escape")
        await type_text(pilot, "王")  # a name
        assert current() == first
        await pilot.press("backspace")
        await type_text(pilot, "赵")  # nobody: said in words, the cursor stays
        assert current() == first
        assert "没有与“赵”相符" in str(screen.query_one("#queue-row").render())
        await pilot.press("escape", "enter")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen) and app.screen.complaint_id == first


def _handed_over(desk: Desk, actors: dict[str, Actor], clock: FrozenClock) -> None:
    """张敏's shift with two open tickets, handed over with a note for each."""
    me = actors["1001"]
    shifts.open_shift(desk, me)
    first = take(desk, me, "王先生", "13912345678")
    second = take(desk, me, "李女士", "13600001111")
    clock.advance(timedelta(hours=7))
    notes = {first: "明天10点前回复核查结果", second: "等网络部回复后联系客户"}
    shifts.close_shift(desk, me, notes, "今日客流较大")


def _notices(app: DeskApp) -> str:
    return " ".join(str(n.message) for n in notifications(app))


async def test_signing_in_says_a_handover_waits_and_f5_goes_there_showing_it_before_the_pin(
    desk: Desk, actors: dict[str, Actor], clock: FrozenClock
) -> None:
    _handed_over(desk, actors, clock)
    app = make_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot, "1002", "2222")
        said = _notices(app)
        assert "1 份交接等您接收" in said and "张敏(1001)" in said and "2 件" in said, said
        await pilot.press("f5")  # the one key: the waiting handover, under the cursor
        await settle(pilot)
        assert app.screen.query_one(TabbedContent).active == "tab-waiting"
        assert app.focused is not None and app.focused.id == "waiting"
        # Its job done, the notice leaves: at 80x24 it lay over the acknowledge dialog's PIN.
        assert "份交接等您接收" not in _notices(app)
        await pilot.press("ctrl+a")
        await settle(pilot)
        intro = str(app.screen.query_one("#dialog-intro").render())
        for words in ("今日客流较大", "明天10点前回复核查结果", "等网络部回复后联系客户", "王先生"):
            assert words in intro, (words, intro)
        assert app.focused is not None and app.focused.id == "f-work_no"  # the PIN after


async def test_the_duty_manager_is_told_of_handovers_to_file(
    desk: Desk, actors: dict[str, Actor], clock: FrozenClock
) -> None:
    _handed_over(desk, actors, clock)
    shifts.acknowledge(desk, shifts.list_shifts(desk)[0][0].id, "1002", "2222")
    app = make_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot, "2001", "8888")
        assert "1 份交接待您备案:张敏(1001)" in _notices(app)
        await pilot.press("f5")
        await settle(pilot)
        assert app.screen.query_one(TabbedContent).active == "tab-waiting"


async def test_f9_names_each_open_shift_and_shows_the_gaps_before_any_pin(
    desk: Desk, actors: dict[str, Actor], clock: FrozenClock
) -> None:
    from deskapp.screens.widgets.action_dialog import ActionDialog

    shifts.open_shift(desk, actors["1001"])
    clock.advance(timedelta(hours=1))
    shifts.open_shift(desk, actors["1002"])
    app = make_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot, "2001", "8888")
        await pilot.press("f9")
        await settle(pilot)
        shown = screen_text(app)
        assert "张敏(1001) 10:00 开班" in shown and "刘洋(2222)" not in shown
        assert "刘洋(1002) 11:00 开班" in shown
        await pilot.press("ctrl+b")
        await settle(pilot)
        assert not isinstance(app.screen, ActionDialog)  # no PIN asked while gaps remain
        assert "处未完成" in _notices(app)


async def test_f9_reads_its_list_again_after_a_sync_started_from_it(
    desk: Desk, tmp_path: Path
) -> None:
    from textual.widgets import DataTable

    from deskapp.sync.hall import HallStore

    hall = HallStore.open(str(tmp_path / "hall.db"), create=True)  # a hall started on purpose
    hall.ensure_schema()
    hall.close()
    app = make_app(desk)
    app.hall = str(tmp_path / "hall.db")
    app._sync_minutes = 0  # no background sync: the one from F9 is the one looked at
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot, "2001", "8888")  # the sign-in itself is a change to send
        await pilot.press("f9")
        await settle(pilot)
        screen = app.screen
        rules = [g.rule for g in screen.listing.gaps]  # type: ignore[attr-defined]
        assert "sync" in rules
        screen.query_one("#gaps", DataTable).move_cursor(row=rules.index("sync"))
        await pilot.press("enter")
        await settle(pilot)
        await settle(pilot)
        assert "sync" not in [g.rule for g in screen.listing.gaps]  # type: ignore[attr-defined]
        assert "未同步" not in screen_text(app)


async def test_tab_from_the_cause_goes_on_to_the_next_field_even_with_matches_open(
    desk: Desk,
) -> None:
    app = make_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        app.screen.query_one("#cause-query").focus()
        await type_text(pilot, "xh")
        await settle(pilot)
        assert app.screen.query_one("#cause").has_class("-open")  # matches on show
        await pilot.press("tab")
        assert app.focused is not None and app.focused.id == "channel"
        await pilot.press("shift+tab")
        assert app.focused is not None and app.focused.id == "cause-query"
        await pilot.press("down", "enter")  # ↓ into the matches, Enter picks and moves on
        await settle(pilot)
        assert app.focused is not None and app.focused.id == "channel"
        assert app.screen.query_one("#cause").code  # type: ignore[attr-defined]


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light", "desk-high-contrast"])
async def test_the_focused_field_is_marked_by_more_than_the_cursor(desk: Desk, theme: str) -> None:
    from textual.widgets import Label

    app = make_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        app.theme = theme
        await sign_in(pilot)
        assert app.focused is not None and app.focused.id == "customer_name"
        screen = app.screen

        def label(field: str) -> Label:
            return screen.query_one(f"#field-{field}").query_one(Label)

        focused, other = label("customer_name"), label("contact_phone")
        assert focused.styles.background != other.styles.background
        assert focused.styles.background.a == 1  # a solid bar, not a tint of the page
        box = screen.query_one("#customer_name").styles.background
        assert box != screen.query_one("#contact_phone").styles.background
        await pilot.press("tab")  # the mark follows the cursor
        assert label("contact_phone").styles.background != label("customer_name").styles.background


async def test_the_save_message_says_the_ticket_a_repeat_is_linked_to(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    from ui_helpers import type_complaint

    earlier = complaint(desk, take(desk, actors["1001"], "孙强", "13812341234")).ticket_no
    app = make_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        await type_complaint(pilot, name="孙强", phone="13812341234", cause="xh")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert f"已关联为 {earlier} 的重复投诉" in _notices(app)


async def test_ctrl_o_and_ctrl_r_go_straight_to_the_outcome_and_the_refund(desk: Desk) -> None:
    app = make_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert app.screen.query_one("#solved_on_spot").value  # type: ignore[attr-defined]
        assert app.focused is not None and app.focused.id == "outcome"
        await pilot.press("ctrl+r")  # on the error type: it decides the rule
        await settle(pilot)
        assert app.focused is not None and app.focused.id == "refund-error_type"
        await pilot.press("ctrl+o")  # not solved after all: the promised reply time
        await settle(pilot)
        assert app.focused is not None and app.focused.id == "promised_reply_at"


async def test_time_fields_take_every_promised_form_and_the_error_lists_them(
    desk: Desk, clock: FrozenClock
) -> None:
    from datetime import UTC, datetime

    from ui_helpers import error_of, focus_by_tab

    clock.set(datetime(2026, 12, 6, 2, 0, tzinfo=UTC))  # a Sunday, 10:00 in the hall
    app = make_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        box = app.screen.query_one("#promised_reply_at", Input)
        assert "2026-12-07 10:00" in str(box.placeholder)  # tomorrow, from the desk's clock
        await focus_by_tab(pilot, "promised_reply_at")
        for typed in ("2026-12-07 10:00", "12-07 10:00", "16:30"):  # the README's three forms
            await pilot.press("ctrl+a", "ctrl+k")
            await type_text(pilot, typed)
            await settle(pilot)
            assert not error_of(app, "promised_reply_at"), typed
        await pilot.press("ctrl+a", "ctrl+k")
        await type_text(pilot, "明天")
        await settle(pilot)
        said = error_of(app, "promised_reply_at")
        # Each form named as such, the month-day one too (not only inside a full example).
        assert "年-月-日 时:分" in said and "月-日 时:分(今年" in said and "时:分(今天" in said


async def test_textuals_own_words_are_in_the_desks_language(desk: Desk) -> None:
    from textual.command import CommandPalette

    from deskapp.screens.textual_private import SelectOverlay

    app = make_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        assert isinstance(app.screen, CommandPalette)
        assert "查找操作或工单" in screen_text(app)
        await type_text(pilot, "zzzz")
        await settle(pilot, 1.2)  # Textual waits a moment before saying nothing matched
        shown = screen_text(app)
        assert "没有找到匹配项" in shown and "No matches" not in shown
        await pilot.press("escape")
        await settle(pilot)
        from ui_helpers import focus_by_tab

        await focus_by_tab(pilot, "channel")
        await pilot.press("enter")  # the Select's list opens: its Esc in the footer
        await settle(pilot)
        assert isinstance(app.focused, SelectOverlay)
        footer = [k.description for k in app.screen.query_one(DeskFooter).query(FooterKey)]
        assert "收起列表" in footer and "Dismiss menu" not in footer


async def test_the_reports_show_a_loading_indicator_while_they_are_read(desk: Desk) -> None:
    app = make_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot, "2001", "8888")
        await pilot.press("f6")
        await settle(pilot)
        tabs = app.screen.query_one("#report-tabs")
        assert not tabs.loading
        app.screen.reload()  # type: ignore[attr-defined]
        assert tabs.loading  # until the worker's figures arrive
        await settle(pilot)
        assert not tabs.loading


@pytest.mark.parametrize("size", [(100, 30), (80, 24)], ids=["100x30", "80x24"])
async def test_the_queue_keeps_the_masked_phone_at_both_sizes(
    desk: Desk, actors: dict[str, Actor], size: tuple[int, int]
) -> None:
    from textual.widgets import DataTable

    cid = take(desk, actors["1001"], "王先生", "13912345678")
    app = make_app(desk)
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot)
        await pilot.press("f4")
        await settle(pilot)
        table = app.screen.query_one("#queue", DataTable)
        assert str(table.get_cell(cid, "col_phone")) == "139****5678"
        assert table.virtual_size.width <= table.scrollable_content_region.width


@pytest.mark.parametrize("size", [(100, 30), (80, 24)], ids=["100x30", "80x24"])
async def test_f7_keeps_the_reply_column_in_view_beside_a_long_entry(
    desk: Desk, actors: dict[str, Actor], size: tuple[int, int]
) -> None:
    from textual.widgets import DataTable

    from deskapp.services import opinion_book
    from deskapp.services.opinion_book import EntryForm

    me = actors["1001"]
    long = "希望营业厅周末多开两个窗口,排队的人太多了,老人等不起"
    done = opinion_book.add_entry(
        desk, me, EntryForm(page="12", line="4", kind="suggestion", content=long)
    )
    opinion_book.process_entry(desk, me, done.id, "已报厅经理,下周起周六加开窗口")
    app = make_app(desk)
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot)
        await pilot.press("f7")
        await settle(pilot)
        table = app.screen.query_one("#entries", DataTable)
        assert table.virtual_size.width <= table.scrollable_content_region.width
        assert "已报厅经理" in screen_text(app)


async def test_date_examples_in_placeholders_are_relative_to_today(
    desk: Desk, clock: FrozenClock
) -> None:
    """Every date a placeholder offers as an example is near today's (a fixed 2026-11-01 once
    read as F7's filter in December), on every mode and in the dialogs that ask for a date."""
    import re
    from datetime import UTC, date, datetime

    clock.set(datetime(2027, 3, 10, 2, 0, tzinfo=UTC))  # months after any date in the source
    today = date(2027, 3, 10)
    app = make_app(desk)
    seen: dict[str, list[str]] = {}

    def collect(where: str) -> None:
        for box in app.screen.query(Input):
            for found in re.findall(r"\d{4}-\d{2}-\d{2}", str(box.placeholder)):
                seen.setdefault(found, []).append(f"{where} #{box.id}")

    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot, "3001", "9999")
        for mode in ("intake", "search", "queue", "shift", "reports", "opinion", "day_close"):
            app.switch_mode(mode)
            await settle(pilot)
            collect(mode)
        app.switch_mode("opinion")
        await pilot.press("n")  # a new entry: the date it was written
        await settle(pilot)
        collect("opinion entry")
        await pilot.press("escape")
        app.switch_mode("reports")
        await settle(pilot)
        await pilot.press("r")  # a range of dates
        await settle(pilot)
        collect("report range")
    assert seen, "no date example found"  # F7's filter, F5's history, the two dialogs
    far = {d: where for d, where in seen.items()
           if abs((date.fromisoformat(d) - today).days) > 31}  # fmt: skip
    assert far == {}, far


async def test_high_contrast_shows_every_box_and_marks_the_focused_one_strongly(desk: Desk) -> None:
    """In the high-contrast theme an empty field stands out from the black page, and the focused
    field (an input, a choice box) is marked far brighter than the others: more than the faint
    tint the other themes use (before: the boxes were the page's black, the focused one a shade
    away from it)."""
    from textual.widgets import Select

    app = make_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        app.theme = "desk-high-contrast"
        await sign_in(pilot)
        screen = app.screen
        page = screen.styles.background.brightness

        def brightness(selector: str) -> float:
            return screen.query_one(selector).styles.background.brightness

        assert brightness("#contact_phone") - page >= 0.1
        assert brightness("#customer_name") - brightness("#contact_phone") >= 0.15
        channel = screen.query_one("#channel", Select)
        channel.focus()
        await settle(pilot)
        current = channel.query_one("SelectCurrent").styles.background.brightness
        assert current - brightness("#contact_phone") >= 0.15
