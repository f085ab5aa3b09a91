"""The batch incidents screen (F11) driven by keys: the close runs in the background with the
count and time left on screen while the list answers; the new-batch dialog picks the cause by
its words (keyboard only), shows a today-relative start example and refuses a start in 2099
at the field with nothing written; the list fits 80 columns without a horizontal scroll bar,
the batch under the cursor shown in full below it. Snapshots at 100×30 and 80×24."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static, TextArea
from ui_helpers import NARROW, WIDE, build_app, error_of, pick_in_list, settle, sign_in, type_text

from deskapp.domain.timefmt import format_local
from deskapp.screens.textual_private import notifications
from deskapp.services.batches import BatchForm, closing_now, link_to_batch, open_batch
from deskapp.services.desk import Actor, Desk
from deskapp.services.intake import IntakeForm, take_complaint
from deskapp.store.models import BatchIncident, Complaint

pytestmark = pytest.mark.ui
SIZES = pytest.mark.parametrize("size", [WIDE, NARROW], ids=["100x30", "80x24"])


def _batches(desk: Desk, actors: dict[str, Actor]) -> BatchIncident:
    batch = open_batch(desk, actors["2001"], BatchForm(
        title="城东基站故障(光缆被挖断)", cause_code="NET.OUTAGE", area="城东片区三个小区",
        description="光缆被挖断,城东三个小区无信号", scripts="抢修中,预计今晚恢复"))  # fmt: skip
    plan = BatchForm(title="双十二流量包预案", cause_code="PROMO", campaign=True,
                     scripts="活动规则以公示为准")  # fmt: skip
    open_batch(desk, actors["2001"], plan)
    tomorrow = format_local(desk.clock.now() + timedelta(days=1), desk.tz)
    form = IntakeForm(customer_name="李女士", contact_phone="13812345678",
                      content="家里突然没有信号", demand="尽快恢复",
                      cause_code="NET.OUTAGE.AREA", promised_reply_at=tomorrow)  # fmt: skip
    ticket = take_complaint(desk, actors["1002"], form)
    link_to_batch(desk, actors["1002"], ticket.id, batch.id)
    return batch


async def _opened(pilot: Pilot) -> None:
    await sign_in(pilot, "2001", "8888")
    await pilot.press("f11")
    await settle(pilot)


def _text(app: Any, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def _fill_close(app: Any, pilot: Pilot, outcome: str | None) -> None:
    """The close dialog filled: the outcome (when asked) and a department responsible."""
    if outcome is not None:
        app.screen.query_one("#f-outcome", TextArea).load_text(outcome)
    app.screen.query_one("#f-responsible_kind").focus()
    await pick_in_list(pilot, "down")  # a department
    await pilot.press("tab", "enter", "down", "enter")  # the first department
    await pilot.press("ctrl+s")


async def test_the_close_shows_count_and_time_left_and_a_second_close_is_refused_desk_wide(
    desk: Desk, actors: dict[str, Actor], monkeypatch: pytest.MonkeyPatch
) -> None:
    """F11 → Enter → close → Esc → F11 → Enter: F11 is a mode, so the same list is back with
    the close's count still on it, and Enter says the batch is being closed (the guard is the
    desk's, not one screen's: closing_now); one close ran, with one outcome."""
    from deskapp.screens import batches as screen_module
    from deskapp.services import followup

    batch = _batches(desk, actors)
    release, reached = threading.Event(), threading.Event()
    calls: list[tuple[int, str]] = []

    def slow_close(desk: Desk, actor: Actor, ids: Any, *, outcome: str, progress: Any,
                   **_: Any) -> Any:  # fmt: skip
        calls.append((len(ids), outcome))
        progress("close", 0, 500)
        progress("close", 100, 500)
        reached.set()
        assert release.wait(30)
        progress("close", 500, 500)
        return {cid: None for cid in ids}

    monkeypatch.setattr(followup, "close_each", slow_close)
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        try:
            await _opened(pilot)
            screen = app.screen
            assert isinstance(screen, screen_module.BatchScreen)
            table = screen.query_one("#batch-table", DataTable)
            table.move_cursor(row=[v.batch.id for v in screen.views].index(batch.id))
            await pilot.press("enter")
            await settle(pilot)
            await _fill_close(app, pilot, "光缆已修复,信号恢复")
            # Not `settle`: it waits for every worker, and the close is held open on purpose.
            for _ in range(200):
                if reached.is_set() and screen.query_one("#batch-progress").display:
                    break
                await pilot.pause(0.05)
            await pilot.pause()
            line = _text(app, "#batch-progress")
            assert "正在结案 100/500 张" in line and "预计还需约" in line and "秒" in line
            # The screen answers meanwhile: the cursor moves.
            await pilot.press("down")
            await pilot.pause()
            assert table.cursor_row == 1
            # Away and back: F11's own screen again, the close going on; a second is said busy.
            await pilot.press("escape")
            await pilot.pause(0.2)
            await pilot.press("f11")
            for _ in range(100):
                again = app.screen
                if isinstance(again, screen_module.BatchScreen) and again.views:
                    break
                await pilot.pause(0.05)
            assert again is screen
            assert "正在结案" in _text(app, "#batch-progress")
            again.query_one("#batch-table", DataTable).move_cursor(
                row=[v.batch.id for v in again.views].index(batch.id)
            )
            await pilot.press("enter")
            await pilot.pause(0.2)
            assert app.screen is again  # no second dialog
            told = " ".join(str(n.message) for n in notifications(app))
            assert "正在为此事件的工单结案" in told
        finally:
            release.set()
        # The close goes on whichever screen is shown: the desk's claim says when it ended.
        for _ in range(200):
            if not closing_now(desk, batch.id):
                break
            await pilot.pause(0.05)
        await app.workers.wait_for_complete()
        await settle(pilot)
    assert calls == [(1, "光缆已修复,信号恢复")]
    with desk.read() as s:
        found = s.get(BatchIncident, batch.id)
    assert found is not None and found.status == "closed"


async def test_a_close_after_an_interrupted_one_shows_and_keeps_the_batch_outcome_and_party(
    desk: Desk, actors: dict[str, Actor], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The desk killed mid-close, after its first ticket (the batch keeps its outcome and
    party, still open): Enter again shows them in the dialog and asks for neither; the
    tickets get the first ones."""
    from deskapp.services import batches as service
    from deskapp.services import followup

    batch = _batches(desk, actors)
    second = take_complaint(desk, actors["1002"], IntakeForm(
        customer_name="王先生", contact_phone="13812345679", content="手机没有信号",
        demand="尽快恢复", cause_code="NET.OUTAGE.AREA",
        promised_reply_at=format_local(desk.clock.now() + timedelta(days=1), desk.tz)))  # fmt: skip
    link_to_batch(desk, actors["1002"], second.id, batch.id)
    real = followup.close_each

    def killed(desk: Desk, actor: Actor, cids: list[str], **kwargs: Any) -> Any:
        real(desk, actor, cids[:1], **kwargs)
        raise KeyboardInterrupt  # the desk stopped half-way, one ticket closed

    monkeypatch.setattr(followup, "close_each", killed)
    with pytest.raises(KeyboardInterrupt):
        service.close_batch(desk, actors["2001"], batch.id, "光缆已修复(第一次)",
                            followup.ClosingFacts("department", "network"))  # fmt: skip
    monkeypatch.setattr(followup, "close_each", real)
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await _opened(pilot)
        screen = app.screen
        table = screen.query_one("#batch-table", DataTable)
        table.move_cursor(row=[v.batch.id for v in screen.views].index(batch.id))
        await pilot.press("enter")
        await settle(pilot)
        assert not app.screen.query("#f-outcome")  # not asked again
        assert not app.screen.query("#f-responsible_kind")  # nor the party (rules18c)
        dialog_text = " ".join(str(w.render()) for w in app.screen.query(Static))
        assert "处理结果已定" in dialog_text and "光缆已修复(第一次)" in dialog_text
        assert "责任方已定" in dialog_text and "部门 网络部" in dialog_text
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await settle(pilot)
    with desk.read() as s:
        found = s.get(BatchIncident, batch.id)
        outcomes = set(s.scalars(sa.select(Complaint.outcome).where(
            Complaint.batch_id == batch.id)))  # fmt: skip
    assert found is not None and found.status == "closed"
    assert outcomes == {"光缆已修复(第一次)"}
    with desk.read() as s:
        parties = set(s.execute(sa.select(Complaint.responsible_kind, Complaint.responsible_ref)
                                .where(Complaint.batch_id == batch.id)))  # fmt: skip
    assert parties == {("department", "network")}


async def test_the_new_batch_picks_the_cause_by_words_and_refuses_2099_at_the_field(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    app = build_app(desk)
    async with app.run_test(size=NARROW) as pilot:
        await _opened(pilot)
        await pilot.press("a")
        await settle(pilot)
        # The start's example is of today (an hour ago), never a fixed date.
        hour_ago = (desk.clock.now() - timedelta(hours=1)).astimezone(desk.tz)
        started = app.screen.query_one("#f-started_at", Input)
        assert hour_ago.strftime("%Y-%m-%d %H:00") in started.placeholder
        await type_text(pilot, "城东基站故障")
        await pilot.press("tab")
        await type_text(pilot, "txzd")  # pinyin initials of 通信中断
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.focused is app.screen.query_one("#f-area", Input)  # on to the next
        await pilot.press("tab")
        await type_text(pilot, "2099-12-12 08:00")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "请检查年份" in error_of(app, "started_at")
        assert app.screen.focused is started  # straight to what needs correcting
        with desk.read() as s:
            assert s.scalars(sa.select(BatchIncident)).all() == []  # refused: nothing written
        assert app.screen.query_one("#f-title", Input).value == "城东基站故障"  # kept as typed
        started.value = ""
        await pilot.press("ctrl+s")
        await settle(pilot)
    with desk.read() as s:
        saved = s.scalars(sa.select(BatchIncident)).one()
    assert (saved.title, saved.cause_code) == ("城东基站故障", "NET.OUTAGE.AREA")


async def test_the_new_batch_asks_to_pick_the_cause_and_says_a_day_that_does_not_exist(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    """No cause picked (empty, or words not chosen from the list): "pick from the list", not
    "no such code"; 2026-02-30 is said as no such day, not as a format error. Nothing written."""
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await _opened(pilot)
        await pilot.press("a")
        await settle(pilot)
        await type_text(pilot, "城东基站故障")
        app.screen.query_one("#f-started_at", Input).value = "2026-02-30 10:00"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "请从列表中选择原因" in error_of(app, "cause_code")
        assert "原因代码不存在" not in error_of(app, "cause_code")
        assert "没有 2026-02-30 这一天" in error_of(app, "started_at")
        assert "时间格式" not in error_of(app, "started_at")
    with desk.read() as s:
        assert s.scalars(sa.select(BatchIncident)).all() == []


async def test_the_list_fits_80_columns_and_shows_the_batch_under_the_cursor(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    _batches(desk, actors)
    app = build_app(desk)
    async with app.run_test(size=NARROW) as pilot:
        await _opened(pilot)
        table = app.screen.query_one("#batch-table", DataTable)
        assert table.virtual_size.width <= table.scrollable_content_region.width
        assert not table.show_horizontal_scrollbar
        detail = _text(app, "#batch-detail")
        assert "区域 城东片区三个小区" in detail and "话术:抢修中,预计今晚恢复" in detail
        await pilot.press("down")
        await settle(pilot)
        assert "双十二流量包预案" in _text(app, "#batch-detail")


@SIZES
def test_snapshot_new_batch_dialog(
    snap_compare, desk: Desk, actors: dict[str, Actor], size: tuple[int, int]
) -> None:
    async def dialog(pilot: Pilot) -> None:
        await _opened(pilot)
        await pilot.press("a")
        await settle(pilot)
        await type_text(pilot, "城东基站故障")
        await pilot.press("tab")
        await type_text(pilot, "wlgz")
        await settle(pilot)

    assert snap_compare(build_app(desk), terminal_size=size, run_before=dialog)


async def test_open_batches_are_listed_first_then_by_opened_time(
    desk: Desk, actors: dict[str, Actor], clock: Any
) -> None:
    """An old batch still open above a newer one already closed (F11 is what is still
    being handled)."""
    from deskapp.screens.batches import BatchScreen
    from deskapp.services.batches import close_batch
    from deskapp.services.followup import ClosingFacts

    manager = actors["2001"]
    old = open_batch(desk, manager, BatchForm(title="旧的仍在处理", cause_code="NET.OUTAGE"))
    clock.advance(timedelta(hours=2))
    done = open_batch(desk, manager, BatchForm(title="新的已结束", cause_code="NET.OUTAGE"))
    close_batch(desk, manager, done.id, "已恢复", ClosingFacts("department", "network"))
    clock.advance(timedelta(hours=1))
    newer = open_batch(desk, manager, BatchForm(title="最新仍在处理", cause_code="NET.OUTAGE"))
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await _opened(pilot)
        screen = app.screen
        assert isinstance(screen, BatchScreen)
        assert [v.batch.id for v in screen.views] == [newer.id, old.id, done.id]


async def test_b_on_a_linked_ticket_undoes_the_link_with_a_reason(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    from deskapp.screens.detail import DetailScreen

    batch = _batches(desk, actors)
    with desk.read() as s:
        ticket = s.scalars(sa.select(Complaint).where(Complaint.batch_id == batch.id)).one()
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)  # the handler who linked it
        app.push_screen(DetailScreen(ticket.id))
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        reason = app.screen.query_one("#f-reason", Input)
        assert "城东基站故障" in " ".join(str(w.render()) for w in app.screen.query(Static))
        await pilot.press("ctrl+s")  # no reason: said at the field, the link kept
        await settle(pilot)
        assert error_of(app, "reason")
        with desk.read() as s:
            assert s.get(Complaint, ticket.id).batch_id == batch.id  # type: ignore[union-attr]
        reason.focus()
        await type_text(pilot, "误关联,客户是欠费停机")
        await pilot.press("ctrl+s")
        await settle(pilot)
    with desk.read() as s:
        row = s.get(Complaint, ticket.id)
    assert row is not None and row.batch_id is None and not row.is_batch


async def test_f11_shows_the_batch_closed_as_soon_as_its_close_ends(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    """F11 → Enter → close: the list says 已结束 and no ticket left open, without leaving F11."""
    from deskapp.screens.batches import BatchScreen

    batch = _batches(desk, actors)
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await _opened(pilot)
        screen = app.screen
        assert isinstance(screen, BatchScreen)
        table = screen.query_one("#batch-table", DataTable)
        row = [v.batch.id for v in screen.views].index(batch.id)
        table.move_cursor(row=row)
        await pilot.press("enter")
        await settle(pilot)
        await _fill_close(app, pilot, "光缆已修复,信号恢复")
        await app.workers.wait_for_complete()
        await settle(pilot)
        assert app.screen is screen
        shown = next(v for v in screen.views if v.batch.id == batch.id)
        assert shown.batch.status == "closed" and shown.open_tickets == 0
        cells = " ".join(str(c) for c in table.get_row_at([v.batch.id for v in screen.views]
                                                          .index(batch.id)))  # fmt: skip
        assert "已结束" in cells and "未结 0" in cells


async def test_f11_opened_again_while_a_close_runs_shows_it_closed_when_it_ends(
    desk: Desk, actors: dict[str, Actor], monkeypatch: pytest.MonkeyPatch
) -> None:
    """F11 → Enter → close → Esc → F11 while the close runs: the list (F11's mode, the same
    screen, read again on its return) says 已结束 when the close ends, without being left and
    opened again."""
    from deskapp.screens.batches import BatchScreen
    from deskapp.services import followup

    batch = _batches(desk, actors)
    release = threading.Event()
    real = followup.close_each

    def held(*args: Any, **kwargs: Any) -> Any:
        assert release.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(followup, "close_each", held)
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        try:
            await _opened(pilot)
            screen = app.screen
            assert isinstance(screen, BatchScreen)
            screen.query_one("#batch-table", DataTable).move_cursor(
                row=[v.batch.id for v in screen.views].index(batch.id)
            )
            await pilot.press("enter")
            await settle(pilot)
            await _fill_close(app, pilot, "光缆已修复,信号恢复")
            await pilot.pause(0.2)
            await pilot.press("escape")
            await pilot.pause(0.2)
            await pilot.press("f11")
            for _ in range(100):
                again = app.screen
                if isinstance(again, BatchScreen) and again.views:
                    break
                await pilot.pause(0.05)
            assert again is screen
            before = next(v for v in again.views if v.batch.id == batch.id)
            assert before.batch.status == "open"  # still being closed
        finally:
            release.set()
        for _ in range(200):
            if not closing_now(desk, batch.id):
                break
            await pilot.pause(0.05)

        def closed_shown() -> bool:
            shown = next((v for v in again.views if v.batch.id == batch.id), None)
            return shown is not None and shown.batch.status == "closed"

        # Not app.workers.wait_for_complete(): the close's end and the store watch may each
        # read the list, the later read cancelling the earlier (a cancelled read is normal
        # work, which wait_for_complete raises as WorkerCancelled under load).
        assert await _until(pilot, closed_shown)
        await settle(pilot)
        assert app.screen is again
        after = next(v for v in again.views if v.batch.id == batch.id)
        assert after.batch.status == "closed" and after.open_tickets == 0
        assert not again.query_one("#batch-progress").display


async def _close_dialog(pilot: Pilot) -> None:
    await _opened(pilot)
    await pilot.press("enter")  # the batch under the cursor: its close dialog
    await settle(pilot)


def test_snapshot_close_dialog_party_list_at_80x24(
    snap_compare, desk: Desk, actors: dict[str, Actor]
) -> None:
    """rules18c: the 责任方 list at 80×24 showed `客户(无  错)`, wrapped with a double space."""
    _batches(desk, actors)

    async def listed(pilot: Pilot) -> None:
        await _close_dialog(pilot)
        pilot.app.screen.query_one("#f-responsible_kind").focus()
        await pick_in_list(pilot, "down", "down", "down")  # 客户(无过错)
        await pilot.press("ctrl+s")  # refused elsewhere: the list's choice stays shown
        await settle(pilot)
        pilot.app.screen.query_one("#f-responsible_kind").focus()
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(build_app(desk), terminal_size=NARROW, run_before=listed)


def test_snapshot_close_dialog_refused_at_80x24_keeps_its_buttons(
    snap_compare, desk: Desk, actors: dict[str, Actor]
) -> None:
    """rules18c: after a refusal at 80×24 the close dialog's buttons had scrolled out of view;
    the body scrolls, the buttons stay."""
    _batches(desk, actors)

    async def refused(pilot: Pilot) -> None:
        await _close_dialog(pilot)
        await pilot.press("ctrl+s")  # nothing filled in: refused at the fields
        await settle(pilot)

    assert snap_compare(build_app(desk), terminal_size=NARROW, run_before=refused)


BATCH_CLOSER = Path(__file__).parents[1] / "services" / "batch_closer.py"


async def _until(pilot: Pilot, done: Any, seconds: float = 15) -> bool:
    """Real time passes (the store is watched every second): at most `seconds`."""
    for _ in range(int(seconds / 0.1)):
        if done():
            return True
        await pilot.pause(0.1)
    return bool(done())


async def test_f11_follows_a_batch_closed_by_another_desk_on_the_same_store(
    desk: Desk, actors: dict[str, Actor], clock: Any
) -> None:
    """Two desks on one store, in two processes: F11 open on this one, the other closes the
    batch (tests/services/batch_closer.py). The list here shows it closed, its ticket
    closed, without a key pressed, the cursor where it was (DeskApp._watch_store)."""
    batch = _batches(desk, actors)
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await _opened(pilot)
        screen = app.screen
        table = screen.query_one("#batch-table", DataTable)
        ours = [v.batch.id for v in screen.views].index(batch.id)
        table.move_cursor(row=ours)
        await settle(pilot)
        child = subprocess.Popen(
            [sys.executable, str(BATCH_CLOSER), str(desk.path), clock.now().isoformat(),
             batch.id, "光缆已修复"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            assert child.stdout is not None and child.stdin is not None
            assert child.stdout.readline().strip() == "closing"
            child.stdin.write("go\n")
            child.stdin.flush()
            assert child.stdout.readline().strip() == "closed 1"
            child.wait(timeout=60)
        finally:
            if child.poll() is None:
                child.kill()

        def closed_here() -> bool:
            view = next(v for v in screen.views if v.batch.id == batch.id)
            return view.batch.status == "closed" and view.open_tickets == 0

        assert await _until(pilot, closed_here), "F11 still shows the batch open"
        at = table.cursor_row  # on the same batch (closed ones are listed after the open)
        assert app.screen is screen and screen.views[at].batch.id == batch.id
        assert str(table.get_row_at(at)[0]).startswith("已结束")


async def test_the_tickets_b_and_r_dialogs_ask_before_esc_drops_what_was_typed(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    """On a ticket: B (undoing the batch link, its reason) and R (the repeat link, its
    reason) ask as every dialog does (ActionDialog); N goes back as typed, Y drops it."""
    from textual.widgets import TextArea

    from deskapp.screens.detail import DetailScreen
    from deskapp.screens.widgets.action_dialog import ActionDialog
    from deskapp.screens.widgets.confirm import ConfirmScreen

    batch = _batches(desk, actors)
    with desk.read() as s:
        ticket = s.scalars(sa.select(Complaint).where(Complaint.batch_id == batch.id)).one()
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        detail = DetailScreen(ticket.id)
        app.push_screen(detail)
        await settle(pilot)
        for key, field in (("b", "#f-reason"), ("r", "#f-repeat_unlink_reason")):
            await pilot.press(key)
            await settle(pilot)
            box = app.screen
            assert isinstance(box, ActionDialog), key
            box.query_one(field).focus()
            await type_text(pilot, "客户说是另一处")
            await pilot.press("escape")
            await settle(pilot)
            assert isinstance(app.screen, ConfirmScreen), key
            await pilot.press("n")
            await settle(pilot)
            typed = box.query_one(field)
            text = typed.text if isinstance(typed, TextArea) else typed.value  # type: ignore[attr-defined]
            assert app.screen is box and text == "客户说是另一处", key
            await pilot.press("escape")
            await settle(pilot)
            await pilot.press("y")
            await settle(pilot)
            assert app.screen is detail, key
    with desk.read() as s:
        assert s.get(Complaint, ticket.id).batch_id == batch.id  # type: ignore[union-attr]
