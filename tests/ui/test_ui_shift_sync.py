"""交接班 with synchronization: a handover written on one terminal is synchronized, and a
concurrent edit made on two terminals shows on the shift screen for the duty manager to settle.
Snapshots of the handover tab and of the conflict review, at 100×30 and 80×24."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from textual.pilot import Pilot
from ui_helpers import NARROW, WIDE, build_app, pick_in_list, settle, sign_in, type_text

from deskapp.clock import FrozenClock
from deskapp.services import followup, shifts
from deskapp.services.desk import Actor, Desk
from deskapp.services.intake import IntakeForm, take_complaint
from deskapp.services.staff import actor_of, list_staff
from deskapp.services.terminal import init_terminal
from deskapp.store.changelog import migrating
from deskapp.store.models import Complaint, Shift, SyncConflict
from deskapp.sync import HallStore, sync

SIZES = pytest.mark.parametrize("size", [WIDE, NARROW], ids=["100x30", "80x24"])


def _take(desk: Desk, actor: Actor, name: str, phone: str) -> str:
    return take_complaint(desk, actor, IntakeForm(
        customer_name=name, contact_phone=phone, content="家里信号差,经常掉线",
        demand="尽快解决", cause_code="NET.COVER.INDOOR", channel="hotline",
        promised_reply_at="2026-11-24 16:00",
    )).id  # fmt: skip


@pytest.fixture
def hall(tmp_path: Path) -> str:
    """A hall store just started (as `deskapp sync --new-hall` starts one)."""
    path = str(tmp_path / "hall.db")
    store = HallStore.open(path, create=True)
    store.ensure_schema()
    store.close()
    return path


@pytest.fixture
def conflicted(
    desk: Desk, actors: dict[str, Actor], clock: FrozenClock, hall: str, tmp_path: Path
) -> str:
    """One complaint whose severity was changed on T01 and T02 at the same time."""
    cid = _take(desk, actors["1001"], "王先生", "13912345678")
    assert sync(desk, hall).ok
    other_clock = FrozenClock(clock.now())
    other = Desk.open(tmp_path / "t02.db", clock=other_clock)
    try:
        init_terminal(other, "GZ01", "T02", "Asia/Shanghai")
        assert sync(other, hall).ok  # a new terminal joins: staff and open tickets come down
        clock.advance(timedelta(minutes=1))
        other_clock.advance(timedelta(minutes=1, seconds=20))
        followup.change_severity(desk, actors["1001"], cid, severity="serious", reason="")
        liu = actor_of(next(s for s in list_staff(other) if s.work_no == "1002"))
        followup.change_severity(other, liu, cid, severity="major", reason="")
        assert sync(desk, hall).ok and sync(other, hall).ok and sync(desk, hall).ok
    finally:
        other.close()
    return cid


@pytest.fixture
def quarantined(
    desk: Desk, actors: dict[str, Actor], clock: FrozenClock, hall: str, tmp_path: Path
) -> str:
    """A complaint from T02 that this store refuses (its logged insert lost a required field):
    kept aside by the sync, with the store's reason. Returns its ticket number."""
    assert sync(desk, hall).ok
    other = Desk.open(tmp_path / "t02.db", clock=FrozenClock(clock.now()))
    try:
        init_terminal(other, "GZ01", "T02", "Asia/Shanghai")
        assert sync(other, hall).ok
        liu = actor_of(next(s for s in list_staff(other) if s.work_no == "1002"))
        cid = _take(other, liu, "赵女士", "13987654321")
        with other.engine.connect() as conn, migrating(conn), conn.begin():  # a faulty terminal
            conn.exec_driver_sql(
                "UPDATE change_log SET fields = json_set(fields, '$.content', json('null')) "
                "WHERE entity = 'complaint' AND entity_id = ? AND op = 'insert'",
                (cid,),
            )
            ticket = conn.exec_driver_sql(
                "SELECT ticket_no FROM complaint WHERE id = ?", (cid,)
            ).scalar_one()
        assert sync(other, hall).ok
    finally:
        other.close()
    result = sync(desk, hall)
    assert result.ok and result.refused > 0
    return ticket


@pytest.fixture
def work_no_clash(
    desk: Desk, actors: dict[str, Actor], clock: FrozenClock, hall: str, tmp_path: Path
) -> None:
    """Work number 1004 added on T01 (孙丽) and, a minute later, on T02 (周强), apart."""
    from deskapp.domain.enums import Role
    from deskapp.services.staff import add_staff

    assert sync(desk, hall).ok
    other_clock = FrozenClock(clock.now())
    other = Desk.open(tmp_path / "t02.db", clock=other_clock)
    try:
        init_terminal(other, "GZ01", "T02", "Asia/Shanghai")
        assert sync(other, hall).ok
        add_staff(desk, actors["3001"], "1004", "孙丽", Role.HANDLER, "482913")
        other_clock.advance(timedelta(minutes=1))
        chen = actor_of(next(s for s in list_staff(other) if s.work_no == "3001"))
        add_staff(other, chen, "1004", "周强", Role.HANDLER, "482913")
        assert sync(other, hall).ok and sync(desk, hall).ok
    finally:
        other.close()


@pytest.mark.ui
async def test_a_work_number_clash_shows_people_and_the_staff_screen_action(
    desk: Desk, work_no_clash: None
) -> None:
    """Names and work numbers, not record ids; staff names, not staff ids; local times; and
    what to do on the staff screen (F12), not a command that makes a second person."""
    import re

    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await _conflicts_tab(pilot)
        table = app.screen.query_one("#conflicts")
        assert table.row_count == 1
        cells = [str(c) for c in table.get_row_at(0)]
        detail = str(app.screen.query_one("#conflict-detail").render())
    uuid = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-")
    assert cells[0] == "周强 1004" and cells[1] == "工号"
    assert cells[4] == "1004(已让出)"
    assert not uuid.search(" ".join(cells) + detail), (cells, detail)
    assert "陈静" in cells[2] and "陈静" in cells[3]  # who added them: the hall manager
    assert "周强 1004 · 工号" in detail and "11-24" in detail  # the day, in local time
    assert "F12" in detail and "Ctrl+D" in detail and "staff add" not in detail


async def _conflicts_tab(pilot: Pilot) -> None:
    await sign_in(pilot, "2001", "8888")
    await pilot.press("f5")
    await settle(pilot)
    await pilot.press("ctrl+k")  # opens the conflicts tab and the settle dialog
    await settle(pilot)
    await pilot.press("escape")
    await settle(pilot)


@pytest.mark.ui
async def test_the_duty_manager_settles_a_concurrent_edit(desk: Desk, conflicted: str) -> None:
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await _conflicts_tab(pilot)
        table = app.screen.query_one("#conflicts")
        assert table.row_count == 1
        await pilot.press("ctrl+k")
        await settle(pilot)
        await pick_in_list(pilot, "down")  # open the select, take side a, close
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen.query_one("#conflicts").row_count == 0
    with desk.read() as session:
        settled = session.scalars(sa.select(SyncConflict)).one()
    assert settled.settled_at is not None


@pytest.mark.ui
async def test_a_quarantined_change_shows_its_reason_and_what_to_do(
    desk: Desk, quarantined: str, hall: str
) -> None:
    app = build_app(desk)
    app.hall = hall  # the top line shows the synchronization state
    async with app.run_test(size=WIDE) as pilot:
        await _conflicts_tab(pilot)  # Ctrl+K on a row kept aside: a word, no dialog
        screen = app.screen
        table = screen.query_one("#conflicts")
        assert table.row_count == 1
        cells = [str(c) for c in table.get_row_at(0)]
        assert cells[0] == quarantined and cells[1] == "暂存"
        assert cells[2].startswith("缺少必填内容")
        detail = str(screen.query_one("#conflict-detail").render())
        assert "原因:缺少必填内容(complaint.content)" in detail
        assert "处理办法:这条变更在本机无法写入" in detail
        # the top line says changes are kept aside (the 4 changes of the one transaction)
        assert "暂存 4" in str(screen.query_one("StatusLine").render())


@pytest.mark.ui
async def test_a_handler_cannot_settle_a_conflict(desk: Desk, conflicted: str) -> None:
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        await pilot.press("f5")
        await settle(pilot)
        await pilot.press("ctrl+k")
        await settle(pilot)
        await pick_in_list(pilot, "down")
        await pilot.press("ctrl+s")
        await settle(pilot)
        text = str(app.screen.query_one("#dialog-error").render())
        assert "值班经理" in text  # refused in words, and the dialog stays open
    with desk.read() as session:
        assert session.scalars(sa.select(SyncConflict)).one().settled_at is None


@pytest.mark.ui
async def test_closing_the_shift_synchronizes(
    desk: Desk, actors: dict[str, Actor], hall: str
) -> None:
    _take(desk, actors["1001"], "王先生", "13912345678")
    app = build_app(desk)
    app.hall = hall
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        await pilot.press("f5")
        await settle(pilot)
        focused = app.focused  # F5 opens in the first item's note
        assert focused is not None and (focused.id or "").startswith("note-")
        await type_text(pilot, "明天上午回复客户")
        await pilot.press("tab")
        await type_text(pilot, "今日无特殊情况")
        await pilot.press("ctrl+s")
        await settle(pilot, 0.3)
        assert "待上传 0 条" in app.sync_line
    with desk.read() as session:
        assert session.scalars(sa.select(Shift.status)).all() == ["handed_over"]
    hall_engine = sa.create_engine(f"sqlite:///{hall}")
    with hall_engine.connect() as conn:
        tables = sa.inspect(conn).get_table_names()
        assert tables  # the hall store was created and written by the close
    hall_engine.dispose()


def _handover(desk: Desk, actors: dict[str, Actor], clock: FrozenClock) -> None:
    _take(desk, actors["1001"], "王先生", "13912345678")
    _take(desk, actors["1001"], "李女士", "13600001111")
    shifts.open_shift(desk, actors["1001"])
    clock.advance(timedelta(hours=7))
    notes = {i.complaint_id: "按承诺时间回复客户" for i in shifts.open_items(desk, actors["1001"])}
    shifts.close_shift(desk, actors["1001"], notes, "今日客流较大,重大投诉请优先跟进")


@pytest.mark.snapshot
class TestShiftSnapshots:
    @SIZES
    def test_waiting_handover(
        self,
        snap_compare,
        desk: Desk,
        actors: dict[str, Actor],
        clock: FrozenClock,
        size: tuple[int, int],
    ) -> None:
        _handover(desk, actors, clock)

        async def waiting(pilot: Pilot) -> None:
            await sign_in(pilot, "1002", "2222")
            await pilot.press("f5")
            await settle(pilot)
            await pilot.press("ctrl+a", "escape")  # shows the waiting tab
            await settle(pilot)

        assert snap_compare(build_app(desk), terminal_size=size, run_before=waiting)

    @SIZES
    def test_handover_detail(
        self,
        snap_compare,
        desk: Desk,
        actors: dict[str, Actor],
        clock: FrozenClock,
        size: tuple[int, int],
    ) -> None:
        _handover(desk, actors, clock)

        async def detail(pilot: Pilot) -> None:
            await sign_in(pilot, "1002", "2222")
            await pilot.press("f5")
            await settle(pilot)
            await pilot.press("ctrl+a", "escape")
            await settle(pilot)
            await pilot.press("tab", "enter")
            await settle(pilot)

        assert snap_compare(build_app(desk), terminal_size=size, run_before=detail)

    @SIZES
    def test_conflict_review(
        self, snap_compare, desk: Desk, conflicted: str, size: tuple[int, int]
    ) -> None:
        assert snap_compare(build_app(desk), terminal_size=size, run_before=_conflicts_tab)

    @SIZES
    def test_quarantine_review(
        self, snap_compare, desk: Desk, quarantined: str, hall: str, size: tuple[int, int]
    ) -> None:
        app = build_app(desk)
        app.hall = hall

        async def review(pilot: Pilot) -> None:
            await sign_in(pilot, "2001", "8888")
            await pilot.press("f5")
            await settle(pilot)
            pilot.app.screen.query_one("#shift-tabs").active = "tab-conflicts"
            await settle(pilot)

        assert snap_compare(app, terminal_size=size, run_before=review)


@pytest.mark.ui
async def test_acknowledge_and_file_with_pins(
    desk: Desk, actors: dict[str, Actor], clock: FrozenClock
) -> None:
    _handover(desk, actors, clock)
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot, "1002", "2222")
        await pilot.press("f5")
        await settle(pilot)
        await pilot.press("ctrl+a")  # the outgoing handler's work number is refused
        await settle(pilot)
        await type_text(pilot, "1001")
        await pilot.press("tab")
        await type_text(pilot, "1111")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "交接" in str(app.screen.query_one("#dialog-error").render()) or any(
            "不能接收自己" in str(w.render()) for w in app.screen.query(".field-error")
        )
        app.screen.query_one("#f-work_no").value = "1002"
        app.screen.query_one("#f-pin").value = "2222"
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("ctrl+b")  # a handler cannot file
        await settle(pilot)
        await type_text(pilot, "1002")
        await pilot.press("tab")
        await type_text(pilot, "2222")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert any("值班经理" in str(w.render()) for w in app.screen.query(".field-error"))
        app.screen.query_one("#f-work_no").value = "2001"
        app.screen.query_one("#f-pin").value = "8888"
        await pilot.press("ctrl+s")
        await settle(pilot)
    with desk.read() as session:
        shift = session.scalars(sa.select(Shift).where(Shift.staff_id == actors["1001"].id)).one()
        owners = set(session.scalars(sa.select(Complaint.owner_id)))
        responders = set(session.scalars(sa.select(Complaint.first_responder_id)))
    assert shift.status == "filed"
    assert owners == {actors["1002"].id} and responders == {actors["1001"].id}


@pytest.fixture
def two_conflicts(
    desk: Desk, actors: dict[str, Actor], clock: FrozenClock, hall: str, tmp_path: Path
) -> list[str]:
    """Two complaints whose severity was changed on T01 and T02 at the same time."""
    ids = [_take(desk, actors["1001"], "王先生", "13912345678"),
           _take(desk, actors["1001"], "李女士", "13912345679")]  # fmt: skip
    assert sync(desk, hall).ok
    other_clock = FrozenClock(clock.now())
    other = Desk.open(tmp_path / "t02.db", clock=other_clock)
    try:
        init_terminal(other, "GZ01", "T02", "Asia/Shanghai")
        assert sync(other, hall).ok
        clock.advance(timedelta(minutes=1))
        other_clock.advance(timedelta(minutes=1, seconds=20))
        liu = actor_of(next(s for s in list_staff(other) if s.work_no == "1002"))
        for cid in ids:
            followup.change_severity(desk, actors["1001"], cid, severity="serious", reason="")
            followup.change_severity(other, liu, cid, severity="major", reason="")
        assert sync(desk, hall).ok and sync(other, hall).ok and sync(desk, hall).ok
    finally:
        other.close()
    return ids


@pytest.mark.ui
async def test_the_conflicts_cursor_stays_on_its_conflict_when_read_again(
    desk: Desk, two_conflicts: list[str]
) -> None:
    """fix18h: any desk's commit reads the tab again (DeskApp._brought_changes): the cursor
    stays on the conflict it was on, so Ctrl+K opens that one, not the first."""
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await _conflicts_tab(pilot)
        screen = app.screen
        table = screen.query_one("#conflicts")
        assert table.row_count == 2
        table.move_cursor(row=1)
        await settle(pilot)
        chosen = screen.conflicts[1].id
        screen.synchronized()  # as a commit by any desk on this store brings it
        await settle(pilot)
        assert table.row_count == 2 and table.cursor_row == 1
        assert screen.conflicts[table.cursor_row].id == chosen
