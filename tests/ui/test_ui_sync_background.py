"""The background synchronization (issue 14): it runs from when the desk starts, the sign-in
screen included, so a new terminal receives its staff by itself; and what a background pull
brings shows on the screen in front (the F5 handovers waiting) without touching what is being
typed. Real stores, a real SQLite hall file, the real app driven by the Pilot."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input
from ui_helpers import WIDE, build_app, error_of, settle, sign_in, type_text

from deskapp.clock import FrozenClock
from deskapp.domain.enums import Role
from deskapp.screens.textual_private import notifications
from deskapp.services import shifts
from deskapp.services.desk import Actor, Desk
from deskapp.services.intake import IntakeForm, take_complaint
from deskapp.services.staff import actor_of, list_staff, seed_staff
from deskapp.services.terminal import init_terminal
from deskapp.sync import sync


def _take(desk: Desk, actor: Actor, phone: str) -> str:
    return take_complaint(desk, actor, IntakeForm(
        customer_name="王先生", contact_phone=phone, content="家里信号差,经常掉线",
        demand="尽快解决", cause_code="NET.COVER.INDOOR", channel="hotline",
        promised_reply_at="2026-11-24 16:00",
    )).id  # fmt: skip


async def _until(pilot: Pilot, done: Callable[[], bool], seconds: float = 6.0) -> bool:
    for _ in range(int(seconds / 0.1)):
        if done():
            return True
        await asyncio.sleep(0.1)
        await settle(pilot)
    return done()


@pytest.mark.ui
async def test_a_new_terminal_receives_its_staff_on_the_sign_in_screen(
    bare_desk: Desk, clock: FrozenClock, tmp_path: Path
) -> None:
    """Nobody signs in and nobody asks: the desk's first background sync runs as it starts,
    the "never synchronized, how to join" notice goes by itself, and then 1001 signs in.
    Before sign-in the sync says nothing on the screen (no notification)."""
    hall = str(tmp_path / "hall.db")
    first = Desk.open(tmp_path / "t01.db", clock=FrozenClock(clock.now()))
    try:
        init_terminal(first, "GZ01", "T01", "Asia/Shanghai")
        seed_staff(first, "system:test", [("1001", "张敏", Role.HANDLER, "1111")])
        assert sync(first, hall, new_hall=True).ok
    finally:
        first.close()
    init_terminal(bare_desk, "GZ01", "T02", "Asia/Shanghai")
    app = build_app(bare_desk)
    app.hall = hall
    app._sync_minutes = 60  # the interval plays no part: the run at start does it
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        notice = app.screen.query_one("#no-staff")
        assert await _until(pilot, lambda: not notice.display), "the notice stayed"
        assert len(notifications(app)) == 0  # nothing said before sign-in
        await sign_in(pilot, "1001", "1111")
        assert app.actor is not None and app.actor.work_no == "1001"


@pytest.mark.ui
async def test_the_no_staff_answer_goes_when_the_staff_arrive(
    bare_desk: Desk, clock: FrozenClock, tmp_path: Path
) -> None:
    """Signing in before any staff came says so under 工号; once a sync brings the staff,
    that answer goes with the notice (it no longer holds), and then 1001 signs in."""
    hall = str(tmp_path / "hall.db")  # no hall store yet: the run at start fails
    init_terminal(bare_desk, "GZ01", "T02", "Asia/Shanghai")
    app = build_app(bare_desk)
    app.hall = hall
    app._sync_minutes = 60
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await sign_in(pilot, "1001", "1111")
        assert app.actor is None
        assert "还没有员工名单" in error_of(app, "work_no")
        first = Desk.open(tmp_path / "t01.db", clock=FrozenClock(clock.now()))
        try:
            init_terminal(first, "GZ01", "T01", "Asia/Shanghai")
            seed_staff(first, "system:test", [("1001", "张敏", Role.HANDLER, "1111")])
            assert sync(first, hall, new_hall=True).ok
        finally:
            first.close()
        app.sync_now(True)  # the retry after the failed start, without waiting for it
        notice = app.screen.query_one("#no-staff")
        assert await _until(pilot, lambda: not notice.display), "the notice stayed"
        assert error_of(app, "work_no") == ""
        assert app.focused is not None and app.focused.id == "pin"  # 1001 is still there
        await type_text(pilot, "1111")
        await pilot.press("enter")
        assert await _until(pilot, lambda: app.actor is not None)
        assert app.actor is not None and app.actor.work_no == "1001"


@pytest.mark.ui
async def test_a_handover_pulled_in_the_background_shows_and_the_note_typed_stays(
    desk: Desk, actors: dict[str, Actor], clock: FrozenClock, tmp_path: Path
) -> None:
    """1001 types a handover note on F5 while a background pull brings 1002's handover from
    T02: it appears under 待接收/备案, and the note (and the cursor in it) is as it was."""
    hall = str(tmp_path / "hall.db")
    _take(desk, actors["1001"], "13912345678")  # an open item of 1001's shift to write about
    assert sync(desk, hall, new_hall=True).ok
    other_clock = FrozenClock(clock.now())
    other = Desk.open(tmp_path / "t02.db", clock=other_clock)
    try:
        init_terminal(other, "GZ01", "T02", "Asia/Shanghai")
        assert sync(other, hall).ok
        theirs = {s.work_no: actor_of(s) for s in list_staff(other)}
        app = build_app(desk)
        app.hall = hall
        app._sync_minutes = 0.5 / 60  # every half second
        async with app.run_test(size=WIDE) as pilot:
            await sign_in(pilot, "1001", "1111")
            await pilot.press("f5")
            await settle(pilot)
            waiting = app.screen.query_one("#waiting", DataTable)
            before = waiting.row_count
            note = app.screen.query_one(".item Input", Input)
            note.focus()
            await type_text(pilot, "已电话联系客户")
            # meanwhile on T02: 1002's shift, handed over, and synchronized
            _take(other, theirs["1002"], "13600002222")
            shifts.open_shift(other, theirs["1002"])
            for c in (clock, other_clock):
                c.advance(timedelta(hours=7))
            items = shifts.open_items(other, theirs["1002"])
            shifts.close_shift(
                other, theirs["1002"], {i.complaint_id: "明天回访" for i in items}, "无"
            )
            assert sync(other, hall).ok
            assert await _until(pilot, lambda: waiting.row_count > before), "not refreshed"
            rows = [" ".join(map(str, waiting.get_row_at(n))) for n in range(waiting.row_count)]
            assert any("1002" in row for row in rows), rows
            assert note.value == "已电话联系客户"
            assert app.focused is note
            await type_text(pilot, ",明早回访")  # and the typing goes on where it was
            assert note.value == "已电话联系客户,明早回访"
    finally:
        other.close()


@pytest.mark.ui
async def test_the_changes_waiting_stay_in_sight_on_an_80_column_line(app, tmp_path: Path) -> None:
    """At 80×24 the top line gives way on its left (role, name) so that "待上传 N 条" stays."""
    from rich.cells import cell_len
    from ui_helpers import NARROW

    app.hall = str(tmp_path / "hall.db")
    assert sync(app.desk, app.hall, new_hall=True).ok  # the line then names a time
    app._sync_minutes = 0  # no background run
    async with app.run_test(size=NARROW) as pilot:
        await sign_in(pilot, "1001", "1111")
        line = app.screen.query_one(".status-line")
        assert await _until(pilot, lambda: "待上传" in str(line.render()))
        text = str(line.render())
        assert "GZ01-T01" in text and text.rstrip().endswith("条"), text
        assert cell_len(text) <= line.size.width, text  # all of it within the line


async def test_a_commit_seen_while_the_desk_closes_reads_nothing_again(desk: Desk) -> None:
    """CI: the store watch's tick came while the desk was closing, after the intake form's
    fields had gone; the form read them and the desk ended with an incident. A screen that
    is no longer attached reads nothing again (DeskApp._brought_changes)."""
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        await settle(pilot)
        screen = app.screen
        asked: list[str] = []
        screen.synchronized = lambda: asked.append("read again")  # type: ignore[attr-defined]
        app._brought_changes()
        assert asked == ["read again"]  # attached: it reads again
        app.exit()
        app._brought_changes()
        assert asked == ["read again"], "read again while the desk was closing"
