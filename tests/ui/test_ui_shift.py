"""交接班 (F5) with keys only: the handover refused while an open item has no note (the words
next to that item, nothing written, nothing typed lost) and then written; taken over with the
incoming handler's PIN (a wrong PIN and the outgoing handler's own refused in words) and filed
with the duty manager's (a handler's refused); the items move to the incoming handler while the
first responder stays; the history searched by handler and by date; a handover annotated after
filing and exported as a printable file, read back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from followup_helpers import (
    dialog,
    error_under,
    errors_shown,
    last_logged_entity,
    log_count,
    make_app,
    take,
)
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static, TextArea
from ui_helpers import WIDE, screen_text, settle, sign_in, type_text

from deskapp.clock import FrozenClock
from deskapp.screens.handover import HandoverScreen
from deskapp.screens.shift import ShiftScreen
from deskapp.screens.textual_private import notifications
from deskapp.services import shifts
from deskapp.services.desk import Actor, Desk
from deskapp.store.models import Complaint, ComplaintEvent, HandoverItem, Shift, ShiftEvent

pytestmark = pytest.mark.ui


def shift_rows(desk: Desk) -> list[Shift]:
    with desk.read() as session:
        return list(session.scalars(sa.select(Shift).order_by(Shift.opened_at)))


def handed_over(desk: Desk, actors: dict[str, Actor], clock: FrozenClock) -> tuple[str, str]:
    """张敏's shift with two open tickets, handed over at 17:00 with a note for each."""
    me = actors["1001"]
    shifts.open_shift(desk, me)
    first = take(desk, me, "王先生", "13912345678")
    clock.advance(timedelta(minutes=5))
    second = take(desk, me, "李女士", "13600001111")
    clock.advance(timedelta(hours=7))
    notes = {first: "明天10点前回复核查结果", second: "等网络部回复后联系客户"}
    shifts.close_shift(desk, me, notes, "今日客流较大,重大投诉请优先跟进")
    return first, second


async def clear(pilot: Pilot, widget_id: str) -> None:
    """Focus an Input of the dialog with Shift+Tab and empty it (Ctrl+U deletes to the start)."""
    for _ in range(6):
        if pilot.app.focused is not None and pilot.app.focused.id == widget_id:
            break
        await pilot.press("shift+tab")
    await pilot.press("end", "ctrl+u")


async def test_the_handover_is_refused_while_an_item_lacks_its_note(
    desk: Desk, actors: dict[str, Actor], clock: FrozenClock
) -> None:
    me = actors["1001"]
    first = take(desk, me, "王先生", "13912345678")
    clock.advance(timedelta(minutes=5))
    second = take(desk, me, "李女士", "13600001111")
    app = make_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)  # a handler signing in opens their shift
        await pilot.press("f5")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ShiftScreen)
        assert [i.complaint_id for i in screen.items] == [first, second]
        # F5 opens with the cursor in the first note (issue 20): no Tab off the tab bar.
        assert app.focused is not None and app.focused.id == f"note-{first}"
        await type_text(pilot, "明天10点前回复核查结果")
        await pilot.press("tab", "tab")  # the second item's note stays empty
        assert isinstance(app.focused, TextArea)
        await type_text(pilot, "今日客流较大")
        written = log_count(desk)
        await pilot.press("ctrl+s")
        await settle(pilot)

        # Refused next to the item without a note, with its ticket number; nothing written.
        error = screen.query_one(f"#error-{second}", Static)
        ticket = screen.items[1].ticket_no
        assert error.has_class("-shown")
        assert str(error.render()) == f"✗ {ticket}:请写明接班人需要做什么"
        item = screen.query_one(f"#note-{second}", Input).parent
        assert item is not None and item is error.parent
        assert list(item.children).index(error) == 2  # the item's line, its note, its error
        assert not screen.query_one(f"#error-{first}", Static).has_class("-shown")
        assert app.focused is not None and app.focused.id == f"note-{second}"
        assert log_count(desk) == written
        assert [s.status for s in shift_rows(desk)] == ["open"]
        assert screen.query_one(f"#note-{first}", Input).value == "明天10点前回复核查结果"
        assert screen.query_one("#shift-note", TextArea).text == "今日客流较大"

        await type_text(pilot, "等网络部回复后联系客户")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not screen.query_one(f"#error-{second}", Static).has_class("-shown")
        assert any("已交班:移交 2 件" in str(n.message) for n in notifications(app))
    (shift,) = shift_rows(desk)
    assert (shift.status, shift.note) == ("handed_over", "今日客流较大")
    with desk.read() as session:
        notes = dict(
            session.execute(sa.select(HandoverItem.complaint_id, HandoverItem.note)).tuples().all()
        )
    assert notes == {first: "明天10点前回复核查结果", second: "等网络部回复后联系客户"}


async def test_taken_over_with_the_incoming_pin_and_filed_with_the_managers(
    desk: Desk, actors: dict[str, Actor], clock: FrozenClock
) -> None:
    me, liu, wang = actors["1001"], actors["1002"], actors["2001"]
    items = handed_over(desk, actors, clock)
    own = take(desk, liu, "周女士", "13700002222")  # 刘洋's own open ticket
    app = make_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot, "1002", "2222")
        await pilot.press("f5")  # opens on the waiting handover (signing in said it waits)
        await settle(pilot)
        await pilot.press("shift+f5")  # typing the note of 刘洋's own item when 张敏 comes over
        await settle(pilot)
        assert app.focused is not None and app.focused.id == f"note-{own}"
        await type_text(pilot, "明早回电")
        written = log_count(desk, excluding=("signin_event",))

        await pilot.press("ctrl+a")  # 接班确认, even from inside a note (Input binds Ctrl+A)
        await settle(pilot)
        assert dialog(app).values() == {"work_no": "", "pin": ""}
        await type_text(pilot, "1002")
        await pilot.press("tab")
        await type_text(pilot, "0000")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "工号或PIN不正确" in error_under(app, "pin")
        assert set(errors_shown(app)) == {"pin"}
        assert dialog(app).values() == {"work_no": "1002", "pin": "0000"}

        await clear(pilot, "f-pin")
        await clear(pilot, "f-work_no")
        await type_text(pilot, "1001")  # the outgoing handler cannot take their own over
        await pilot.press("tab")
        await type_text(pilot, "1111")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "不能接收自己的交接" in error_under(app, "work_no")
        # Nothing but the wrong PIN, counted toward the lock (a signin_event row).
        assert log_count(desk, excluding=("signin_event",)) == written
        assert shift_rows(desk)[0].status == "handed_over"

        await clear(pilot, "f-pin")
        await clear(pilot, "f-work_no")
        await type_text(pilot, "1002")
        await pilot.press("tab")
        await type_text(pilot, "2222")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ShiftScreen)
        assert shift_rows(desk)[0].status == "acknowledged"
        written = log_count(desk)

        await pilot.press("ctrl+b")  # 备案: a handler's PIN does not file
        await settle(pilot)
        await type_text(pilot, "1002")
        await pilot.press("tab")
        await type_text(pilot, "2222")
        await pilot.press("tab")
        await type_text(pilot, "已核对")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "值班经理" in error_under(app, "work_no")
        # Nothing filed; the only row written is the audit entry of the refusal.
        assert log_count(desk) == written + 1
        assert last_logged_entity(desk) == "refusal"
        assert dialog(app).values()["note"] == "已核对"

        await clear(pilot, "f-pin")
        await clear(pilot, "f-work_no")
        await type_text(pilot, "2001")
        await pilot.press("tab")
        await type_text(pilot, "8888")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ShiftScreen)
    shift = shift_rows(desk)[0]
    assert (shift.status, shift.incoming_staff_id, shift.filed_by) == ("filed", liu.id, wang.id)
    with desk.read() as session:
        owners = dict(session.execute(sa.select(Complaint.id, Complaint.owner_id).where(
            Complaint.id.in_(items))).tuples().all())  # fmt: skip
        responders = set(
            session.scalars(sa.select(Complaint.first_responder_id).where(Complaint.id.in_(items)))
        )
        moved = list(
            session.scalars(
                sa.select(ComplaintEvent.note)
                .where(ComplaintEvent.kind == "handed_over")
                .order_by(ComplaintEvent.note)
            )
        )
        kinds = session.execute(
            sa.select(ShiftEvent.kind, ShiftEvent.note, ShiftEvent.actor_id).order_by(
                ShiftEvent.at, ShiftEvent.id)).tuples().all()  # fmt: skip
    assert owners == dict.fromkeys(items, liu.id)  # the items are 刘洋's now
    assert responders == {me.id}  # 首问负责: 张敏 stays the first responder
    assert moved == ["明天10点前回复核查结果", "等网络部回复后联系客户"]
    assert kinds == [("acknowledged", "", liu.id), ("filed", "已核对", wang.id)]


async def test_history_by_handler_and_date_annotate_and_export(
    desk: Desk, actors: dict[str, Actor], clock: FrozenClock, tmp_path: Path
) -> None:
    liu = actors["1002"]
    clock.set(datetime(2026, 11, 23, 1, 0, tzinfo=UTC))  # Monday 09:00: 刘洋's quiet shift
    shifts.open_shift(desk, liu)
    clock.advance(timedelta(hours=8))
    shifts.close_shift(desk, liu, {}, "无遗留工单")
    clock.set(datetime(2026, 11, 24, 2, 0, tzinfo=UTC))  # Tuesday 10:00: 张敏's, two items
    first, second = handed_over(desk, actors, clock)
    tuesday = next(s.id for s in shift_rows(desk) if s.staff_id == actors["1001"].id)
    shifts.acknowledge(desk, tuesday, "1002", "2222")
    shifts.file_handover(desk, tuesday, "2001", "8888", "已核对")
    # 刘洋's filed too: a handover left to file would take the manager's F5 to 待接收/备案.
    monday = next(s.id for s in shift_rows(desk) if s.staff_id == liu.id)
    shifts.file_handover(desk, monday, "2001", "8888", "无遗留")
    clock.advance(timedelta(hours=1))
    app = make_app(desk, export_dir=tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot, "2001", "8888")  # the duty manager
        await pilot.press("f5")
        await settle(pilot)
        await pilot.press("right", "right")  # the tabs: 交接记录
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ShiftScreen)

        def handlers() -> list[str]:
            return [r.staff_name for r in screen.history]

        assert handlers() == ["张敏", "刘洋"]  # newest first
        await pilot.press("tab")
        assert app.focused is not None and app.focused.id == "h-staff"
        await type_text(pilot, "刘洋")
        await settle(pilot)
        assert handlers() == ["刘洋"]
        await pilot.press("ctrl+u")
        await type_text(pilot, "1001")  # by work number too
        await settle(pilot)
        assert handlers() == ["张敏"]
        await pilot.press("ctrl+u", "tab")
        await type_text(pilot, "2026-11-23")
        await pilot.press("tab")
        await type_text(pilot, "2026-11-23")
        await settle(pilot)
        assert handlers() == ["刘洋"]
        await pilot.press("ctrl+u")
        await type_text(pilot, "2026-13")  # not a date: said in words
        await settle(pilot)
        assert "时间格式" in str(screen.query_one("#history-error", Static).render())
        await pilot.press("ctrl+u", "shift+tab", "ctrl+u")
        await type_text(pilot, "2026-11-24")
        await settle(pilot)
        assert handlers() == ["张敏"]
        assert not screen.query_one("#history-error", Static).has_class("-shown")

        await pilot.press("tab", "tab")  # into the table, on 张敏's shift
        assert isinstance(app.focused, DataTable)
        await pilot.press("enter")  # the handover, filed: it is only annotated
        await settle(pilot)
        assert isinstance(app.screen, HandoverScreen)
        await pilot.press("n")
        await settle(pilot)
        await type_text(pilot, "李女士已于次日上午回复")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, HandoverScreen)
        shown = screen_text(app)  # the annotation, beside the filing
        assert "备案" in shown and "补充备注" in shown and "李女士已于次日上午回复" in shown
        await pilot.press("ctrl+e")
        await settle(pilot)
    with desk.read() as session:
        remarks = list(session.execute(sa.select(ShiftEvent.kind, ShiftEvent.note).where(
            ShiftEvent.shift_id == tuesday).order_by(ShiftEvent.at, ShiftEvent.id)))  # fmt: skip
    assert [tuple(r) for r in remarks][-1] == ("annotated", "李女士已于次日上午回复")
    (exported,) = tmp_path.glob("*.html")
    page = exported.read_text(encoding="utf-8")
    expected = [
        "营业厅投诉处理交接班记录", "张敏", "刘洋", "王芳", "今日客流较大,重大投诉请优先跟进",
        "明天10点前回复核查结果", "等网络部回复后联系客户", "李女士已于次日上午回复",
        "交班人签字", "接班人签字", "值班经理备案签字",
    ]  # fmt: skip
    for text in expected:
        assert text in page, text
    with desk.read() as session:
        tickets = list(session.scalars(sa.select(Complaint.ticket_no).where(
            Complaint.id.in_((first, second)))))  # fmt: skip
    assert all(ticket in page for ticket in tickets)
