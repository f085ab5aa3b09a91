"""待跟进 (F4) driven with keys: each action writes its event and moves the ticket; each refusal
is shown in words under its field with nothing written and nothing typed lost. Snapshots of
the queue with overdue, due-soon and paused rows, of a refused dialog and of the report form."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from followup_helpers import CLOSE_FACTS_KEYS
from textual.pilot import Pilot
from ui_helpers import NARROW, WIDE, build_app, settle, sign_in, type_text

from deskapp.clock import FrozenClock
from deskapp.screens.major_report import MajorReportScreen
from deskapp.screens.textual_private import notifications
from deskapp.screens.widgets.action_dialog import ActionDialog
from deskapp.services import followup
from deskapp.services.demo import closing_facts
from deskapp.services.desk import Actor, Desk
from deskapp.services.intake import IntakeForm, take_complaint
from deskapp.store.models import ChangeLog, Complaint, ComplaintEvent

SIZES = pytest.mark.parametrize("size", [WIDE, NARROW], ids=["100x30", "80x24"])


def _ticket(desk: Desk, actor: Actor, name: str, phone: str, **extra: object) -> str:
    form = IntakeForm(customer_name=name, contact_phone=phone, content="家里信号差,经常掉线",
                      demand="尽快解决", cause_code="NET.COVER.INDOOR", channel="hotline",
                      promised_reply_at="2026-11-24 16:00")  # fmt: skip
    for key, value in extra.items():
        setattr(form, key, value)
    return take_complaint(desk, actor, form).id


def _log_count(desk: Desk) -> int:
    with desk.read() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(ChangeLog)) or 0


def _events(desk: Desk, cid: str) -> list[str]:
    with desk.read() as session:
        return list(
            session.scalars(
                sa.select(ComplaintEvent.kind)
                .where(ComplaintEvent.complaint_id == cid)
                .order_by(ComplaintEvent.at, ComplaintEvent.id)
            )
        )


async def _queue(pilot: Pilot) -> None:
    await sign_in(pilot)
    await pilot.press("f4")
    await settle(pilot)


def _dialog_error(app) -> str:
    dialog = app.screen
    assert isinstance(dialog, ActionDialog)
    return " ".join(str(w.render()) for w in dialog.query(".field-error")) + str(
        dialog.query_one("#dialog-error").render()
    )


@pytest.mark.ui
async def test_contact_dispatch_reply_close_and_visit_with_keys(desk: Desk, handler: Actor) -> None:
    cid = _ticket(desk, handler, "王先生", "13912345678")
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await _queue(pilot)
        await pilot.press("c")  # contact: reached (checked), what was said, next promise
        await settle(pilot)
        await pilot.press("tab")
        await type_text(pilot, "已告知正在核查")
        await pilot.press("tab")
        await type_text(pilot, "2026-11-25 10:00")
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("d", "enter", "down", "enter", "tab")  # dispatch: first department
        await type_text(pilot, "请网络部核查覆盖")
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("r", "enter", "down", "enter", "tab")
        await type_text(pilot, "已调整天线")
        await pilot.press("tab", "space", "ctrl+s")  # final reply
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        await type_text(pilot, "基站已调整,信号恢复")
        await pilot.press(*CLOSE_FACTS_KEYS, "ctrl+s")
        await settle(pilot)
    with desk.read() as session:
        complaint = session.get(Complaint, cid)
    assert complaint.status == "closed" and complaint.outcome == "基站已调整,信号恢复"
    assert complaint.next_clock == "return_visit"
    assert _events(desk, cid)[-4:] == ["contact", "dispatch", "department_reply", "closed"]


@pytest.mark.ui
@pytest.mark.parametrize(
    ("key", "typed", "expected"),
    [
        ("c", [], "必填"),  # contact without what was said
        ("x", [], "必填"),  # close without the outcome
        ("v", ["enter", "down", "enter"], "降低级别须写明理由"),  # lower without a reason
        (
            "p",
            ["2026-11-30 10:00", "tab", "enter", "down", "down", "enter", "tab", "x"],
            "未接通",
        ),  # unreachable without recorded attempts
    ],
)
async def test_refusals_show_words_under_the_field_and_write_nothing(
    desk: Desk, handler: Actor, key: str, typed: list[str], expected: str
) -> None:
    _ticket(desk, handler, "王先生", "13912345678", severity="serious")
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await _queue(pilot)
        before = _log_count(desk)
        await pilot.press(key)
        await settle(pilot)
        for item in typed:
            if len(item) > 1 and item not in ("enter", "home", "down", "tab", "space"):
                await type_text(pilot, item)
            else:
                await pilot.press(item)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert expected in _dialog_error(app)
        assert _log_count(desk) == before
        values = app.screen.values()  # what was typed is still there
        if key == "p":
            assert values["until"] == "2026-11-30 10:00"


@pytest.mark.ui
async def test_escalating_a_major_complaint_opens_the_report_form_and_exports_it(
    desk: Desk, handler: Actor, tmp_path: Path
) -> None:
    cid = _ticket(desk, handler, "孙女士", "13600001111", channel="media", severity="major")
    app = build_app(desk)
    app.export_dir = tmp_path
    async with app.run_test(size=WIDE) as pilot:
        await _queue(pilot)
        await pilot.press("e")
        await settle(pilot)
        await type_text(pilot, "媒体投诉,上报值班经理")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, MajorReportScreen)
        await pilot.press("ctrl+e")
        await settle(pilot)
    (exported,) = tmp_path.glob("*.html")
    page = exported.read_text(encoding="utf-8")
    assert "重大投诉处理申报表" in page and "孙女士" in page and "逐级上报" in page
    # Escalated, then the form printed (issue 16: printing leaves an event).
    assert _events(desk, cid)[-2:] == ["escalated", "report_printed"]


@pytest.mark.ui
async def test_an_unsatisfied_visit_reopens_and_scope_toggles(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    mine = _ticket(desk, actors["1001"], "王先生", "13912345678")
    _ticket(desk, actors["1002"], "李女士", "13600001111")
    followup.close(desk, actors["1001"], mine, outcome="已处理", facts=closing_facts(desk, mine))
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await _queue(pilot)
        assert [r.id for r in app.screen.rows] == [mine]
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert len(app.screen.rows) == 2
        await pilot.press("ctrl+r")
        await settle(pilot)
        await pilot.press("b", "tab")  # visit: skip the select, score 5 = unsatisfied
        await type_text(pilot, "5")
        await pilot.press("tab", "tab")
        await type_text(pilot, "客户仍不满意")
        # attempts, the three questions, the suggestion, then 重启原因 (required to reopen)
        await pilot.press(*["tab"] * 6, "enter", "down", "enter")
        await pilot.press("ctrl+s")
        await settle(pilot)
    with desk.read() as session:
        complaint = session.get(Complaint, mine)
    assert complaint.status == "open" and complaint.reopen_count == 1


@pytest.mark.ui
async def test_a_deadline_within_fifteen_minutes_raises_one_notification(
    desk: Desk, handler: Actor, clock: FrozenClock
) -> None:
    _ticket(desk, handler, "王先生", "13912345678")
    clock.advance(timedelta(minutes=20))  # the dispatch clock (30 min) is 10 minutes away
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        await settle(pilot)
        app.watch_deadlines()
        await settle(pilot)
    coming = [n for n in notifications(app) if "将于" in str(n.message)]
    assert len(coming) == 1


def _varied(desk: Desk, actors: dict[str, Actor], clock: FrozenClock) -> None:
    """Overdue, due soon, paused, and comfortably ahead, as the clock has moved on."""
    h = actors["1001"]
    _ticket(desk, h, "王先生", "13912345678")  # dispatch due 10:30: overdue at 11:35
    paused = _ticket(desk, h, "周女士", "13700002222")
    followup.dispatch(desk, h, paused, department="network", note="请核查")
    followup.log_contact(desk, h, paused, reached=True, note="客户出差")
    followup.pause_clocks(
        desk,
        h,
        paused,
        until="2026-11-26 10:00",
        reason="customer_request",
        note="客户要求周四再联系",
    )
    clock.advance(timedelta(minutes=50))
    soon = _ticket(
        desk, h, "李女士", "13600001111", channel="walk_in", promised_reply_at="2026-11-24 12:00"
    )  # due 25 minutes after "now"
    followup.dispatch(desk, h, soon, department="billing", note="核查话费")
    ahead = _ticket(desk, h, "赵先生", "13500003333", channel="walk_in")
    followup.dispatch(desk, h, ahead, department="marketing", note="核查套餐")
    clock.advance(timedelta(minutes=35))


@pytest.mark.snapshot
class TestQueueSnapshots:
    @SIZES
    def test_queue_marks(
        self,
        snap_compare,
        desk: Desk,
        actors: dict[str, Actor],
        clock: FrozenClock,
        size: tuple[int, int],
    ) -> None:
        _varied(desk, actors, clock)
        assert snap_compare(build_app(desk), terminal_size=size, run_before=_queue)

    def test_queue_marks_in_high_contrast(
        self, snap_compare, desk: Desk, actors: dict[str, Actor], clock: FrozenClock
    ) -> None:
        """Overdue, due soon and paused keep their symbols and words in the high-contrast
        theme: nothing is told by colour alone."""
        _varied(desk, actors, clock)
        app = build_app(desk)
        app.theme = "desk-high-contrast"
        assert snap_compare(app, terminal_size=WIDE, run_before=_queue)

    def test_refused_dialog(
        self, snap_compare, desk: Desk, actors: dict[str, Actor], clock: FrozenClock
    ) -> None:
        _varied(desk, actors, clock)

        async def refused(pilot: Pilot) -> None:
            await _queue(pilot)
            await pilot.press("x", "ctrl+s")
            await settle(pilot)

        assert snap_compare(build_app(desk), terminal_size=WIDE, run_before=refused)

    def test_report_form(self, snap_compare, desk: Desk, handler: Actor) -> None:
        cid = _ticket(desk, handler, "孙女士", "13600001111", channel="media", severity="major")
        followup.escalate(desk, handler, cid, note="媒体投诉,上报值班经理")

        async def form(pilot: Pilot) -> None:
            await _queue(pilot)
            await pilot.press("m")
            await settle(pilot)

        assert snap_compare(build_app(desk), terminal_size=WIDE, run_before=form)
