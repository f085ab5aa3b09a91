"""Issue 16 on screen: the supervising roles sign in and their follow-up queue opens on what
they supervise (督办); the major-complaint report form shows each level's opinion and signature;
a refused closing is said in words in the close dialog; 严重 and 重大 carry their colour tags with
the word inside (snapshots at 100×30 and 80×24, and in the high-contrast theme)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import Static
from ui_helpers import NARROW, WIDE, build_app, focus_by_tab, settle, sign_in, type_text

from deskapp.clock import FrozenClock
from deskapp.domain.deadlines import ClockKind
from deskapp.domain.enums import Role
from deskapp.i18n import t
from deskapp.screens.major_report import MajorReportScreen
from deskapp.screens.queue import QueueScreen
from deskapp.screens.textual_private import notifications
from deskapp.screens.widgets.action_dialog import ActionDialog
from deskapp.services import followup
from deskapp.services.deadlines import clocks_for, events_of, ticket_facts
from deskapp.services.desk import Actor, Desk
from deskapp.services.intake import IntakeForm, take_complaint
from deskapp.services.queue import Scope
from deskapp.services.staff import actor_of, add_staff, list_staff
from deskapp.store.models import Complaint

pytestmark = pytest.mark.ui
SIZES = pytest.mark.parametrize("size", [WIDE, NARROW], ids=["100x30", "80x24"])


@pytest.fixture
def staff(desk: Desk) -> dict[str, Actor]:
    manager = next(actor_of(s) for s in list_staff(desk) if s.work_no == "3001")
    add_staff(desk, manager, "4001", "赵督办", Role.QA_MANAGER, "4444")
    add_staff(desk, manager, "4002", "钱主任", Role.SERVICE_HEAD, "5555")
    return {s.work_no: actor_of(s) for s in list_staff(desk)}


def _ticket(desk: Desk, actor: Actor, name: str, phone: str, **extra: object) -> str:
    form = IntakeForm(customer_name=name, contact_phone=phone, content="家里信号差,经常掉线",
                      demand="尽快解决", cause_code="NET.COVER.INDOOR", channel="walk_in",
                      promised_reply_at="2026-11-25 10:00")  # fmt: skip
    for key, value in extra.items():
        setattr(form, key, value)
    return take_complaint(desk, actor, form).id


def _hall(desk: Desk, staff: dict[str, Actor], clock: FrozenClock) -> dict[str, str]:
    """A general ticket the handler keeps, a 严重 one (the customer went to the head office),
    a 重大 one the regulator passed on, escalated to the duty manager."""
    me = staff["1001"]
    general = _ticket(desk, me, "王先生", "13912345678")
    serious = _ticket(desk, me, "周女士", "13700002222", severity="serious",
                      severity_reason="客户已向上级公司反映")  # fmt: skip
    major = _ticket(desk, me, "李女士", "13600001111", channel="regulator", severity="major")
    followup.escalate(desk, me, major, note="通管局转办,上报值班经理")
    clock.advance(timedelta(minutes=20))
    return {"general": general, "serious": serious, "major": major}


async def _queue_as(pilot: Pilot, work_no: str, pin: str) -> None:
    await sign_in(pilot, work_no, pin)
    await pilot.press("f4")
    await settle(pilot)


@pytest.mark.parametrize(
    ("work_no", "pin", "scope", "expected"),
    [
        ("4001", "4444", Scope.SUPERVISED, {"serious", "major"}),  # 严重 and above
        ("4002", "5555", Scope.SUPERVISED, {"major"}),  # 重大
        ("2001", "8888", Scope.SUPERVISED, {"major"}),  # escalated to the duty manager
        ("1001", "1111", Scope.MINE, {"general", "serious", "major"}),
    ],
)
async def test_each_role_opens_the_queue_on_its_own_tickets(
    desk: Desk,
    staff: dict[str, Actor],
    clock: FrozenClock,
    work_no: str,
    pin: str,
    scope: Scope,
    expected: set[str],
) -> None:
    tickets = _hall(desk, staff, clock)
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await _queue_as(pilot, work_no, pin)
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        assert screen.scope is scope
        assert {k for k, cid in tickets.items() if cid in {r.id for r in screen.rows}} == expected
        info = str(screen.query_one("#queue-info").render())
        assert t(f"queue.scope_{scope.value}") in info
        await pilot.press("ctrl+r")  # on to the next scope: all of the hall's at the end
        await settle(pilot)
        assert screen.scope is not scope


async def test_the_report_form_shows_each_levels_opinion_and_signature(
    desk: Desk, staff: dict[str, Actor], clock: FrozenClock
) -> None:
    tickets = _hall(desk, staff, clock)
    major = tickets["major"]
    followup.give_opinion(desk, staff["1001"], major, opinion="已安抚客户")
    followup.give_opinion(desk, staff["2001"], major, opinion="同意,请厅经理督办")
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await _queue_as(pilot, "2001", "8888")  # the duty manager's queue: the 重大 ticket
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, MajorReportScreen)
        report = app.screen.report
        assert report is not None
        assert [row[0] for row in report.opinions] == [
            "投诉处理员", "值班经理", "厅经理", "客服质量监控经理", "客户服务部负责人",
        ]  # fmt: skip
        assert report.opinions[0][1::2] == ("张敏", "已安抚客户")
        assert report.opinions[1][1:] == ("王芳", "2026-11-24 10:20", "同意,请厅经理督办")
        assert report.opinions[2][1:] == ("", "", "")  # the hall manager has not signed yet
        console = Console(width=100, record=True, file=io.StringIO())
        console.print(app.screen.query_one("#report-opinions", Static).content)
        shown = console.export_text()
        assert "同意,请厅经理督办" in shown and "(尚未填报)" in shown


async def test_m_on_a_general_ticket_says_the_form_is_for_major_complaints(
    desk: Desk, staff: dict[str, Actor], clock: FrozenClock
) -> None:
    """Attack on issue 16, 10: `m` printed a 《重大投诉处理申报表》 for a 一般 ticket. Said in
    words instead, and nothing opened."""
    _ticket(desk, staff["1001"], "王先生", "13912345678")
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await _queue_as(pilot, "1001", "1111")
        queue = app.screen
        await pilot.press("m")
        await settle(pilot)
        assert app.screen is queue and not isinstance(app.screen, MajorReportScreen)
        said = [n.message for n in notifications(app)]
        assert any("只有重大投诉" in m for m in said), said


async def test_closing_an_unescalated_major_complaint_is_refused_in_words_at_the_dialog(
    desk: Desk, staff: dict[str, Actor], clock: FrozenClock
) -> None:
    tickets = _hall(desk, staff, clock)
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await _queue_as(pilot, "1001", "1111")
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        rows = [r.id for r in screen.rows]
        await pilot.press(*["up"] * len(rows), *["down"] * rows.index(tickets["major"]))
        await pilot.press("x")
        await settle(pilot)
        await type_text(pilot, "已解决")
        await pilot.press("ctrl+s")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ActionDialog)  # still open, nothing lost
        said = str(dialog.query_one("#dialog-error").render())
        assert "重大投诉须逐级上报至“客户服务部负责人”后才能结案" in said
        assert dialog.values()["outcome"] == "已解决"


async def test_an_internal_complaint_is_taken_as_such_at_the_counter(
    desk: Desk, staff: dict[str, Actor]
) -> None:
    """内部投诉 ticked at intake: the ticket runs the internal limits and gets no care."""
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        await type_text(pilot, "营业员林")
        await pilot.press("tab")
        await type_text(pilot, "13812341234")
        await pilot.press("tab", "tab")
        await type_text(pilot, "后台支撑组多次不回复工单催办")
        await pilot.press("tab")
        await type_text(pilot, "说明原因并改进")
        await pilot.press("tab")
        await type_text(pilot, "信号")
        await settle(pilot)
        await pilot.press("down", "enter")
        await focus_by_tab(pilot, "internal")
        await pilot.press("space")
        await focus_by_tab(pilot, "promised_reply_at")
        await type_text(pilot, "2026-11-25 16:30")
        await pilot.press("ctrl+s")
        await settle(pilot)
    with desk.read() as session:
        (c,) = session.scalars(sa.select(Complaint))
        kinds = [x.kind for x in clocks_for(desk, ticket_facts(c, events_of(session, c.id)))]
    assert c.internal is True
    assert {ClockKind.INTERNAL_FIRST, ClockKind.INTERNAL_WHOLE} <= set(kinds)


async def _filter_by(pilot: Pilot, choices: dict[str, str]) -> None:
    """Ctrl+L, each choice made with the keys (Enter opens a select, the first letters of
    the choice jump to it, Enter takes it), Ctrl+S applies."""
    await pilot.press("ctrl+l")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ActionDialog)
    for field, typed in choices.items():
        await focus_by_tab(pilot, f"f-{field}")
        await pilot.press("enter")
        await type_text(pilot, typed)
        await pilot.press("enter")
        await settle(pilot)
    await pilot.press("ctrl+s")
    await settle(pilot)


async def test_f4_filters_by_severity_and_flag_with_the_keys_and_says_so(
    desk: Desk, staff: dict[str, Actor], clock: FrozenClock
) -> None:
    """The handler's queue narrowed to 重大 tickets, then to hidden risks among them (the
    media claim below); the information line says the filter; all "全部" again clears it."""
    tickets = _hall(desk, staff, clock)
    claim = _ticket(desk, staff["1001"], "吴先生", "13500005555", claimed_to="media",
                    severity="major")  # fmt: skip
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await _queue_as(pilot, "1001", "1111")
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        await _filter_by(pilot, {"severity": "重"})
        assert app.screen is screen
        assert {r.id for r in screen.rows} == {tickets["major"], claim}
        info = str(screen.query_one("#queue-info").render())
        assert "共 2 件" in info and "筛选:重大" in info
        await _filter_by(pilot, {"flag": "隐"})
        assert [r.id for r in screen.rows] == [claim]
        assert "筛选:重大 · 隐患投诉" in str(screen.query_one("#queue-info").render())
        await _filter_by(pilot, {"severity": "全", "flag": "全"})
        assert len(screen.rows) == 4 and "筛选" not in str(screen.query_one("#queue-info").render())


async def test_f3_filters_by_escalation_level_and_channel_with_the_keys(
    desk: Desk, staff: dict[str, Actor], clock: FrozenClock
) -> None:
    tickets = _hall(desk, staff, clock)
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        await pilot.press("f3")
        await settle(pilot)
        screen = app.screen
        await _filter_by(pilot, {"level": "值"})  # escalated to the duty manager
        assert screen._ids == [tickets["major"]]  # type: ignore[attr-defined]
        info = str(screen.query_one("#search-info").render())
        assert "筛选:已上报至值班经理" in info
        await _filter_by(pilot, {"level": "全", "channel": "现"})  # walk-in
        assert set(screen._ids) == {tickets["general"], tickets["serious"]}  # type: ignore[attr-defined]
        assert "筛选:现场" in str(screen.query_one("#search-info").render())


@pytest.mark.snapshot
class TestFilterSnapshots:
    @SIZES
    def test_f4_filtered_to_major_complaints(
        self,
        snap_compare,
        desk: Desk,
        staff: dict[str, Actor],
        clock: FrozenClock,
        size: tuple[int, int],
    ) -> None:
        _hall(desk, staff, clock)

        async def filtered(pilot: Pilot) -> None:
            await _queue_as(pilot, "1001", "1111")
            await _filter_by(pilot, {"severity": "重"})

        assert snap_compare(build_app(desk), terminal_size=size, run_before=filtered)

    @SIZES
    def test_the_filter_dialog(
        self,
        snap_compare,
        desk: Desk,
        staff: dict[str, Actor],
        clock: FrozenClock,
        size: tuple[int, int],
    ) -> None:
        _hall(desk, staff, clock)

        async def dialog(pilot: Pilot) -> None:
            await _queue_as(pilot, "1001", "1111")
            await pilot.press("ctrl+l")
            await settle(pilot)

        assert snap_compare(build_app(desk), terminal_size=size, run_before=dialog)


@pytest.mark.snapshot
class TestSeveritySnapshots:
    @SIZES
    def test_severity_tags_in_the_queue(
        self,
        snap_compare,
        desk: Desk,
        staff: dict[str, Actor],
        clock: FrozenClock,
        size: tuple[int, int],
    ) -> None:
        _hall(desk, staff, clock)

        async def queue(pilot: Pilot) -> None:
            await _queue_as(pilot, "4001", "4444")

        assert snap_compare(build_app(desk), terminal_size=size, run_before=queue)

    def test_severity_tags_in_high_contrast(
        self, snap_compare, desk: Desk, staff: dict[str, Actor], clock: FrozenClock
    ) -> None:
        _hall(desk, staff, clock)
        app = build_app(desk)

        async def queue(pilot: Pilot) -> None:
            app.theme = "desk-high-contrast"
            await _queue_as(pilot, "1001", "1111")

        assert snap_compare(app, terminal_size=WIDE, run_before=queue)
