"""Issue 18 on screen, the real app driven by keys: the watch-list alert at intake as soon as
the phone is typed (and not for the staff member the customer accuses), the repeat
confirmation (the rule's candidate chosen, unlinked only with a reason), the customer's history
one key away from intake (Ctrl+Y) and from a ticket (H), paged, and the repeat link shown on
both tickets. Snapshots at 100×30 and 80×24."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa
from followup_helpers import error_under
from textual.pilot import Pilot
from textual.widgets import Checkbox, Select, Static
from ui_helpers import (
    NARROW,
    WIDE,
    build_app,
    error_of,
    focus_by_tab,
    pick_in_list,
    screen_text,
    settle,
    sign_in,
    type_text,
)

from deskapp.clock import FrozenClock
from deskapp.domain.timefmt import format_local
from deskapp.i18n import t
from deskapp.screens.customer import CustomerHistoryScreen
from deskapp.screens.detail import DetailScreen
from deskapp.screens.textual_private import notifications
from deskapp.services.customer import WatchForm, save_watch_entry
from deskapp.services.desk import Actor, Desk
from deskapp.services.intake import IntakeForm, take_complaint
from deskapp.store.models import Complaint, ComplaintEvent

pytestmark = pytest.mark.ui
SIZES = pytest.mark.parametrize("size", [WIDE, NARROW], ids=["100x30", "80x24"])
PHONE = "13812345678"


def _take(desk: Desk, actor: Actor, cause: str = "NET.COVER.INDOOR", **extra: object) -> Complaint:
    form = IntakeForm(customer_name="李女士", contact_phone=PHONE, content="家里信号差",
                      demand="尽快解决", cause_code=cause,
                      promised_reply_at=format_local(desk.clock.now() + timedelta(days=1),
                                                     desk.tz))  # fmt: skip
    for key, value in extra.items():
        setattr(form, key, value)
    return take_complaint(desk, actor, form)


def _watch(desk: Desk, actors: dict[str, Actor]) -> None:
    save_watch_entry(desk, actors["2001"], WatchForm(
        customer=PHONE, kind="difficult", advice="先听完再解释,赔偿诉求请值班经理出面",
        solved="室内信号已建微站", refused="要求每月免费话费,已拒绝", review_on="2026-12-31",
        designated_handler_id=actors["2001"].id))  # fmt: skip


async def _phone_typed(pilot: Pilot) -> None:
    await sign_in(pilot)
    await type_text(pilot, "李女士")
    await pilot.press("tab")  # the customer's name → the contact phone
    await type_text(pilot, PHONE)
    await settle(pilot)


def _text(app, widget_id: str) -> str:
    return str(app.screen.query_one(widget_id, Static).content)


async def test_the_watch_alert_shows_as_soon_as_the_phone_is_typed(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    _watch(desk, actors)
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await _phone_typed(pilot)
        notice = app.screen.query_one("#watch-notice", Static)
        assert notice.display
        assert "疑难客户" in _text(app, "#watch-notice")
        assert "先听完再解释" in _text(app, "#watch-notice")
        assert "2001 王芳" in _text(app, "#watch-notice")


async def test_a_difficult_customer_s_complaint_is_ticked_b_class_or_difficult(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    """Recheck of 18i: the alert showed, the B类/疑难客户 box stayed empty, and the ticket was
    missed by the 疑难 filter. The box follows the list until the handler touches it."""
    _watch(desk, actors)
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await _phone_typed(pilot)
        box = app.screen.query_one("#difficult_customer", Checkbox)
        assert box.value  # ticked from the entry (疑难客户)
        await pilot.press("backspace")  # another number: not listed, unticked again
        await settle(pilot)
        assert not box.value
        await type_text(pilot, PHONE[-1])
        await settle(pilot)
        assert box.value
        box.value = False  # the handler unticks it: theirs from now on
        await settle(pilot)
        await pilot.press("backspace")
        await type_text(pilot, PHONE[-1])
        await settle(pilot)
        assert not box.value


async def test_the_accused_staff_member_sees_no_watch_alert(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    _watch(desk, actors)
    _take(desk, actors["1002"], accused_staff_id=actors["1001"].id)  # about 1001
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await _phone_typed(pilot)  # 1001 signs in
        assert not app.screen.query_one("#watch-notice", Static).display
        assert app.screen.query_one("#repeat-row").display  # the repeat is still offered


async def test_the_repeat_is_confirmed_or_unlinked_with_a_reason(
    desk: Desk, clock: FrozenClock, actors: dict[str, Actor]
) -> None:
    first = _take(desk, actors["1002"])
    clock.advance(timedelta(days=2))
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await _phone_typed(pilot)
        screen = app.screen
        select = screen.query_one("#repeat_of", Select)
        assert first.ticket_no in _text(app, "#repeat-notice")
        assert select.value is Select.NULL  # no cause yet: not known to be the same matter
        await focus_by_tab(pilot, "content")
        await type_text(pilot, "公司里也没有信号")
        await pilot.press("tab")
        await type_text(pilot, "尽快解决")
        await pilot.press("tab")
        await type_text(pilot, "xh")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert select.value == first.id  # the same matter: the rule's candidate, chosen
        assert not screen.query_one("#field-repeat_unlink_reason").display
        # The handler unlinks: the reason is asked for, and saving without one is refused.
        await pilot.press("ctrl+l")  # (out of the Tab order: its own key)
        assert app.focused is select
        await pick_in_list(pilot, "home")  # the first choice: 不关联
        await settle(pilot)
        assert select.value is Select.NULL
        assert screen.query_one("#field-repeat_unlink_reason").display
        await focus_by_tab(pilot, "promised_reply_at")
        await type_text(pilot, "16:00")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert t("error.repeat.reason_required") in error_of(app, "repeat_unlink_reason")
        await pilot.press("ctrl+l", "tab")  # the choice, then the reason beside it
        assert app.focused is not None and app.focused.id == "repeat_unlink_reason"
        await type_text(pilot, "上次是家里,这次是公司")
        await pilot.press("ctrl+s")
        await settle(pilot)
    with desk.read() as s:
        second = s.scalars(sa.select(Complaint).where(Complaint.id != first.id)).one()
        unlinked = s.scalars(sa.select(ComplaintEvent).where(
            ComplaintEvent.complaint_id == second.id,
            ComplaintEvent.kind == "repeat_unlinked")).one()  # fmt: skip
    assert not second.is_repeat
    assert unlinked.note == "上次是家里,这次是公司"
    assert json.loads(unlinked.data)["candidate"] == first.id


async def test_ctrl_y_opens_the_history_and_it_pages(
    desk: Desk, clock: FrozenClock, actors: dict[str, Actor], monkeypatch: pytest.MonkeyPatch
) -> None:
    import deskapp.screens.customer as customer_screen

    monkeypatch.setattr(customer_screen, "HISTORY_PAGE", 2)
    _watch(desk, actors)
    tickets = []
    for _ in range(3):
        tickets.append(_take(desk, actors["1002"], link_repeat=False, repeat_unlink_reason="另案"))
        clock.advance(timedelta(hours=1))
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await _phone_typed(pilot)
        await pilot.press("ctrl+y")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CustomerHistoryScreen)
        assert "共 3 张投诉" in _text(app, "#history-head")
        assert "两不理(已拒绝)" in _text(app, "#history-watch")
        table = screen.query_one("#history-table")
        assert table.row_count == 2 and screen.current.items[0].ticket_no == tickets[2].ticket_no
        await pilot.press("n")
        await settle(pilot)
        assert [i.ticket_no for i in screen.current.items] == [tickets[0].ticket_no]
        await pilot.press("p", "enter")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen) and app.screen.complaint_id == tickets[2].id
        await pilot.press("escape", "escape")
        await settle(pilot)
        assert app.screen.query_one("#contact_phone").value == PHONE  # the form kept


async def test_the_link_shows_on_both_tickets_and_h_opens_the_history(
    desk: Desk, clock: FrozenClock, actors: dict[str, Actor]
) -> None:
    first = _take(desk, actors["1002"])
    clock.advance(timedelta(days=1))
    second = _take(desk, actors["1002"])
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        app.push_screen(DetailScreen(first.id))
        await settle(pilot)
        assert t("detail.repeated_by", tickets=second.ticket_no) in screen_text(app)
        await pilot.press("escape")
        app.push_screen(DetailScreen(second.id))
        await settle(pilot)
        assert t("detail.repeat_of", ticket=first.ticket_no) in screen_text(app)
        await pilot.press("h")
        await settle(pilot)
        assert isinstance(app.screen, CustomerHistoryScreen)
        assert "共 2 张投诉,其中重复投诉 1 张" in _text(app, "#history-head")


# ------------------------------------------------------------------------ snapshots


@pytest.fixture
def history_app(desk: Desk, clock: FrozenClock, actors: dict[str, Actor]):
    _watch(desk, actors)
    _take(desk, actors["1002"])
    clock.advance(timedelta(days=1))
    _take(desk, actors["1002"], cause="HALL.WAITING.LONG")
    return build_app(desk)


@SIZES
def test_snapshot_intake_with_watch_alert_and_repeat(
    snap_compare, history_app, size: tuple[int, int]
) -> None:
    assert snap_compare(history_app, terminal_size=size, run_before=_phone_typed)


@SIZES
def test_snapshot_customer_history(snap_compare, history_app, size: tuple[int, int]) -> None:
    async def opened(pilot: Pilot) -> None:
        await _phone_typed(pilot)
        await pilot.press("ctrl+y")
        await settle(pilot)

    assert snap_compare(history_app, terminal_size=size, run_before=opened)


# --------------------------------------------------------------------- the watch list (F10)


async def test_f10_is_the_managers_watch_list_add_flagged_and_exported(
    desk: Desk, clock: FrozenClock, actors: dict[str, Actor], tmp_path
) -> None:
    from deskapp.screens.watch_list import WatchListScreen
    from deskapp.store.models import WatchEntry, WatchEvent

    app = build_app(desk)
    app.export_dir = tmp_path / "exports"
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)  # a handler: F10 does nothing
        await pilot.press("f10")
        await settle(pilot)
        assert not isinstance(app.screen, WatchListScreen)
    app = build_app(desk)
    app.export_dir = tmp_path / "exports"
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot, "2001", "8888")
        await pilot.press("f10")
        await settle(pilot)
        assert isinstance(app.screen, WatchListScreen)
        await pilot.press("a")
        await settle(pilot)
        await type_text(pilot, "13812345678")  # the first field: the number
        await focus_by_tab(pilot, "f-advice")
        await type_text(pilot, "先听完再解释")
        await focus_by_tab(pilot, "f-review_on")
        await type_text(pilot, "2026-11-24")  # today: due for review at once
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, WatchListScreen)
        assert "⚠ 待复核" in screen_text(app)
        await pilot.press("e")
        await settle(pilot)
        assert [p.suffix for p in (tmp_path / "exports").iterdir()] == [".csv"]
    with desk.read() as s:
        entry = s.scalars(sa.select(WatchEntry)).one()
        assert (entry.customer_key, entry.advice) == (PHONE, "先听完再解释")
        assert s.scalars(sa.select(WatchEvent.kind)).all() == ["added"]


# ----------------------------------------------------------------- batch incidents


async def test_intake_suggests_the_open_batch_and_ctrl_b_links_it(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    from deskapp.services.batches import BatchForm, open_batch

    form = BatchForm(title="城东基站故障", cause_code="NET.OUTAGE", scripts="光缆抢修中,今晚恢复")
    batch = open_batch(desk, actors["2001"], form)
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await _phone_typed(pilot)
        await focus_by_tab(pilot, "content")
        await type_text(pilot, "家里突然没有信号")
        await pilot.press("tab")
        await type_text(pilot, "尽快恢复")
        await pilot.press("tab")
        await type_text(pilot, "通信中断")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert "城东基站故障" in _text(app, "#batch-notice")
        await pilot.press("ctrl+b")
        await settle(pilot)
        assert app.screen.query_one("#batch", Select).value == batch.id
        assert "光缆抢修中" in _text(app, "#batch-notice")  # the script to use
        await focus_by_tab(pilot, "promised_reply_at")
        await type_text(pilot, "16:00")
        await pilot.press("ctrl+s")
        await settle(pilot)
    with desk.read() as s:
        saved = s.scalars(sa.select(Complaint)).one()
    assert saved.batch_id == batch.id and saved.is_batch


async def test_the_script_shows_with_the_cause_and_is_offered_for_no_fault(desk: Desk) -> None:
    from textual.widgets import Checkbox

    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await _phone_typed(pilot)
        await focus_by_tab(pilot, "cause-query")
        await type_text(pilot, "通信中断")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert "标准话术:该区域目前有网络故障" in _text(app, "#script-notice")
        await focus_by_tab(pilot, "no_fault")
        await pilot.press("space")
        await settle(pilot)
        assert app.screen.query_one("#no_fault", Checkbox).value
        assert _text(app, "#script-notice").startswith("无责投诉,请按标准话术")


async def test_f11_opens_and_closes_a_batch_and_the_detail_links_and_marks(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    from textual.widgets import DataTable, TextArea

    from deskapp.screens.batches import BatchScreen
    from deskapp.store.models import BatchIncident, TeachingCase

    ticket = _take(desk, actors["1002"], cause="NET.OUTAGE.AREA")
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot, "2001", "8888")
        await pilot.press("f11")
        await settle(pilot)
        assert isinstance(app.screen, BatchScreen)
        await pilot.press("a")
        await settle(pilot)
        await type_text(pilot, "城东基站故障")
        await pilot.press("tab")
        await type_text(pilot, "通信中断")  # the cause by its words, as at intake
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, BatchScreen) and len(app.screen.views) == 1
        assert app.screen.views[0].batch.cause_code == "NET.OUTAGE.AREA"
        # Later, from the ticket: B links it to the open batch.
        app.push_screen(DetailScreen(ticket.id))
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        batch_screen = app.screen
        assert isinstance(batch_screen, BatchScreen)
        batch_screen.load()
        await settle(pilot)
        batch_screen.query_one("#batch-table", DataTable).focus()
        await pilot.press("enter")  # close it
        await settle(pilot)
        app.screen.query_one("#f-outcome", TextArea).load_text("光缆已修复,信号恢复")
        await pilot.press("ctrl+s")  # no responsible party: refused at its field, none closed
        await settle(pilot)
        assert "结案须界定责任方" in error_under(app, "responsible_kind")
        assert s_status(desk, ticket.id) == "open"
        await pick_in_list(pilot, "down")  # the field said: focused; a department
        await pilot.press("tab", "enter", "down", "enter")  # the first department
        await pilot.press("ctrl+s")
        await settle(pilot)
        await app.workers.wait_for_complete()  # the close runs in the background
        await settle(pilot)
        assert "已结案 1 张" in " ".join(n.message for n in notifications(app))
        # The closed ticket becomes a teaching case (K on its detail).
        app.push_screen(DetailScreen(ticket.id))
        await settle(pilot)
        await pilot.press("k")
        await settle(pilot)
        app.screen.query_one("#f-lesson", TextArea).load_text("故障时先说明抢修进度")
        app.screen.query_one("#f-summary", TextArea).load_text("基站故障,多位客户来厅")
        await pilot.press("ctrl+s")
        await settle(pilot)
    with desk.read() as s:
        batch = s.scalars(sa.select(BatchIncident)).one()
        closed = s.get(Complaint, ticket.id)
        case = s.scalars(sa.select(TeachingCase)).one()
    assert batch.status == "closed" and closed.status == "closed" and closed.batch_id == batch.id
    assert closed.outcome == "光缆已修复,信号恢复" and case.category == "NET"
    assert (closed.responsible_kind, closed.responsible_ref) == ("department", "network")


def s_status(desk: Desk, cid: str) -> str:
    with desk.read() as s:
        found = s.get(Complaint, cid)
    assert found is not None
    return found.status


@SIZES
def test_snapshot_batch_close_dialog_asks_the_responsible_party(
    snap_compare, desk: Desk, actors: dict[str, Actor], size: tuple[int, int]
) -> None:
    """The batch's close dialog with one responsible party for all its tickets, refused
    without it (the error in words under the field)."""
    from deskapp.services.batches import BatchForm, link_to_batch, open_batch

    batch = open_batch(desk, actors["2001"], BatchForm(
        title="城东基站故障", cause_code="NET.OUTAGE", area="城东片区"))  # fmt: skip
    link_to_batch(desk, actors["1002"], _take(desk, actors["1002"], cause="NET.OUTAGE.AREA").id,
                  batch.id)  # fmt: skip

    async def refused(pilot: Pilot) -> None:
        from textual.widgets import DataTable, TextArea

        await sign_in(pilot, "2001", "8888")
        await pilot.press("f11")
        await settle(pilot)
        pilot.app.screen.query_one("#batch-table", DataTable).focus()
        await pilot.press("enter")
        await settle(pilot)
        pilot.app.screen.query_one("#f-outcome", TextArea).load_text("光缆已修复,信号恢复")
        await pilot.press("ctrl+s")
        await settle(pilot)

    assert snap_compare(build_app(desk), terminal_size=size, run_before=refused)


@SIZES
def test_snapshot_batch_incidents(
    snap_compare, desk: Desk, actors: dict[str, Actor], size: tuple[int, int]
) -> None:
    from deskapp.services.batches import BatchForm, link_to_batch, open_batch

    batch = open_batch(desk, actors["2001"], BatchForm(
        title="城东基站故障", cause_code="NET.OUTAGE", area="城东片区"))  # fmt: skip
    plan = BatchForm(title="双十二流量包预案", cause_code="PROMO", campaign=True,
                     scripts="活动规则以公示为准")  # fmt: skip
    open_batch(desk, actors["2001"], plan)
    link_to_batch(desk, actors["1002"], _take(desk, actors["1002"], cause="NET.OUTAGE.AREA").id,
                  batch.id)  # fmt: skip

    async def opened(pilot: Pilot) -> None:
        await sign_in(pilot, "2001", "8888")
        await pilot.press("f11")
        await settle(pilot)

    assert snap_compare(build_app(desk), terminal_size=size, run_before=opened)


async def test_the_handler_accused_on_the_form_sees_no_alert_nor_history_entry(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    """fix18h: 当事人回避 counts the form's own accused staff member, chosen after the phone
    (the alert goes) or before it (it never comes), and Ctrl+Y's history hides it too."""
    _watch(desk, actors)
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await _phone_typed(pilot)  # 1001 signs in
        screen = app.screen
        notice = screen.query_one("#watch-notice", Static)
        assert notice.display
        accused = screen.query_one("#accused_staff", Select)
        accused.value = actors["1001"].id  # the handler themselves
        await settle(pilot)
        assert not notice.display
        await pilot.press("ctrl+y")
        await settle(pilot)
        assert isinstance(app.screen, CustomerHistoryScreen)
        assert not app.screen.query_one("#history-watch").display
        assert "先听完" not in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        accused.value = actors["1002"].id  # someone else: the alert is back
        await settle(pilot)
        assert notice.display
        # Chosen first, then the phone typed: never drawn.
        accused.value = actors["1001"].id
        phone = screen.query_one("#contact_phone")
        phone.value = ""
        await settle(pilot)
        phone.focus()
        await type_text(pilot, PHONE)
        await settle(pilot)
        assert not notice.display


async def test_a_listed_service_number_alerts_without_the_phone(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    """fix18h: the service number on the watch list alerts alone, the phone empty."""
    save_watch_entry(desk, actors["2001"], WatchForm(
        customer="02012345678", kind="difficult", advice="先听完再解释",
        review_on="2026-12-31"))  # fmt: skip
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        await focus_by_tab(pilot, "service_number")
        await type_text(pilot, "02012345678")
        await settle(pilot)
        notice = app.screen.query_one("#watch-notice", Static)
        assert notice.display and "先听完" in str(notice.content)
