"""The handover travels by itself (issue 14): acknowledging and filing synchronize at once, the
desk synchronizes in the background while the hall answers and retries with backoff after any
failed sync, the top line's count of changes waiting follows every write, and a terminal that
never synchronized says so at sign-in (snapshots at 100×30 and 80×24) without counting the
attempt toward the lock."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from textual.pilot import Pilot
from ui_helpers import NARROW, WIDE, build_app, settle, sign_in, type_text

from deskapp.clock import FrozenClock
from deskapp.i18n import t
from deskapp.screens import app as app_module
from deskapp.services import followup, shifts
from deskapp.services.desk import Actor, Desk
from deskapp.services.intake import IntakeForm, take_complaint
from deskapp.services.terminal import init_terminal
from deskapp.store.models import Complaint, SigninEvent, SyncRun
from deskapp.sync import HallStore, sync, sync_status
from deskapp.sync.hall import hall_change

SIZES = pytest.mark.parametrize("size", [WIDE, NARROW], ids=["100x30", "80x24"])


def _take(desk: Desk, actor: Actor, phone: str) -> str:
    return take_complaint(desk, actor, IntakeForm(
        customer_name="王先生", contact_phone=phone, content="家里信号差,经常掉线",
        demand="尽快解决", cause_code="NET.COVER.INDOOR", channel="hotline",
        promised_reply_at="2026-11-24 16:00",
    )).id  # fmt: skip


def _hall_shift_statuses(hall: str) -> list[str]:
    store = HallStore.open(hall)
    try:
        with store.read() as conn:
            fields = conn.execute(
                sa.select(hall_change.c.fields).where(hall_change.c.entity == "shift")
            ).scalars()
            return [f for f in fields if '"status"' in f]
    finally:
        store.close()


@pytest.mark.ui
async def test_acknowledging_and_filing_synchronize_at_once(
    desk: Desk, actors: dict[str, Actor], clock: FrozenClock, tmp_path: Path
) -> None:
    hall = str(tmp_path / "hall.db")
    _take(desk, actors["1001"], "13912345678")
    shifts.open_shift(desk, actors["1001"])
    clock.advance(timedelta(hours=7))
    notes = {i.complaint_id: "按承诺时间回复客户" for i in shifts.open_items(desk, actors["1001"])}
    shifts.close_shift(desk, actors["1001"], notes, "今日无特殊情况")
    assert sync(desk, hall, new_hall=True).ok
    app = build_app(desk)
    app.hall = hall
    app._sync_minutes = 0  # no background sync: only the moments themselves
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot, "1002", "2222")
        await pilot.press("f5")
        await settle(pilot)
        await pilot.press("ctrl+a")
        await settle(pilot)
        await type_text(pilot, "1002")
        await pilot.press("tab")
        await type_text(pilot, "2222")
        await pilot.press("ctrl+s")
        await settle(pilot, 0.3)
        assert any('"acknowledged"' in f for f in _hall_shift_statuses(hall))
        await pilot.press("ctrl+b")
        await settle(pilot)
        await type_text(pilot, "2001")
        await pilot.press("tab")
        await type_text(pilot, "8888")
        await pilot.press("ctrl+s")
        await settle(pilot, 0.3)
        assert any('"filed"' in f for f in _hall_shift_statuses(hall))
        assert "待上传 0 条" in app.sync_line


@pytest.mark.ui
async def test_the_desk_synchronizes_in_the_background(
    desk: Desk, actors: dict[str, Actor], clock: FrozenClock, tmp_path: Path
) -> None:
    """A ticket taken on T02 shows on T01 without anyone choosing 立即同步."""
    hall = str(tmp_path / "hall.db")
    assert sync(desk, hall, new_hall=True).ok
    other = Desk.open(tmp_path / "t02.db", clock=FrozenClock(clock.now()))
    try:
        init_terminal(other, "GZ01", "T02", "Asia/Shanghai")
        assert sync(other, hall).ok
        app = build_app(desk)
        app.hall = hall
        app._sync_minutes = 0.5 / 60  # every half second
        async with app.run_test(size=WIDE) as pilot:
            await sign_in(pilot)
            cid = _take(other, actors["1002"], "13600001111")
            assert sync(other, hall).ok
            for _ in range(40):
                await asyncio.sleep(0.1)
                await settle(pilot)
                with desk.read() as s:
                    if s.get(Complaint, cid) is not None:
                        break
            with desk.read() as s:
                assert s.get(Complaint, cid) is not None
    finally:
        other.close()


@pytest.mark.ui
async def test_the_waiting_count_follows_every_write(
    desk: Desk, actors: dict[str, Actor], tmp_path: Path
) -> None:
    app = build_app(desk)
    app.hall = str(tmp_path / "hall.db")
    app._sync_minutes = 0
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        shown = [app.sync_line]
        cid = _take(desk, actors["1001"], "13912345678")
        await settle(pilot)
        shown.append(app.sync_line)
        followup.log_contact(desk, actors["1001"], cid, reached=True, note="已联系客户")
        await settle(pilot)  # no screen change in between
        shown.append(app.sync_line)
        assert f"待上传 {sync_status(desk).waiting} 条" in shown[-1]
        assert len(set(shown)) == 3  # it moved after each write


@pytest.mark.ui
async def test_a_failed_sync_is_retried_with_backoff(
    desk: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app_module, "SYNC_RETRY_SECONDS", (0.2, 0.5))
    app = build_app(desk)
    app.hall = "postgresql://nobody@127.0.0.1:1/none"  # refused at once: unreachable
    app._sync_minutes = 0
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        app.sync_now()
        await settle(pilot)
        for _ in range(20):
            await asyncio.sleep(0.1)
            await settle(pilot)
        with desk.read() as s:
            runs = list(s.scalars(sa.select(SyncRun).order_by(SyncRun.started_at)))
        assert len(runs) >= 3 and all(r.outcome == "unreachable" for r in runs)
        assert app._sync_failures >= 3  # each retry waited the next step of the backoff
        hall = str(tmp_path / "hall.db")
        HallStore.open(hall, create=True).ensure_schema()
        app.hall = hall  # the hall is back
        for _ in range(10):
            await asyncio.sleep(0.1)
            await settle(pilot)
        assert app._sync_failures == 0 and app._sync_retry is None
        assert "待上传 0 条" in app.sync_line


def _never_synced(desk: Desk) -> Desk:
    init_terminal(desk, "GZ01", "T02", "Asia/Shanghai")
    return desk


@pytest.mark.ui
async def test_a_terminal_without_staff_says_how_to_join(bare_desk: Desk) -> None:
    desk = _never_synced(bare_desk)
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        notice = app.screen.query_one("#no-staff")
        shown = " ".join(str(notice.render()).split())
        # the command as printed works: it names this store (attack 6)
        assert notice.display and f"deskapp --db {desk.path} sync --hall" in shown, shown
        await sign_in(pilot, "1001", "1111")
        for attempt in range(6):  # more than the five wrong tries that would lock 1001 out
            if attempt:
                await type_text(pilot, "1111")  # the PIN again (the work number stays)
                await pilot.press("enter")
                await settle(pilot)
            error = str(app.screen.query_one("#error-work_no").render())
            assert t("error.signin.no_staff", command=desk.join_command()) in error
            assert f"--db {desk.path}" in " ".join(error.split())
            assert "不正确" not in error
    with desk.read() as s:
        assert s.scalars(sa.select(SigninEvent)).all() == []  # not counted toward the lock


@pytest.mark.snapshot
class TestNoStaffSnapshots:
    @SIZES
    def test_sign_in_of_a_terminal_that_never_synchronized(
        self, snap_compare, bare_desk: Desk, size: tuple[int, int], monkeypatch
    ) -> None:
        import deskapp.screens.signin

        fixed = "deskapp --db /home/demo/t02.db sync --hall <HALL>"  # not the test's tmp path
        monkeypatch.setattr(deskapp.screens.signin, "join_command", lambda desk: fixed)

        async def shown(pilot: Pilot) -> None:
            await settle(pilot)

        app = build_app(_never_synced(bare_desk))
        assert snap_compare(app, terminal_size=size, run_before=shown)
