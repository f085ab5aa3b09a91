"""Ctrl+Q while another program holds the store's write lock (issue 22, attack22: the quit
waited the store's whole busy timeout, 10 s, for each draft it wrote again). A real second
process holds the lock (tests/lock_holder.py) for as long as each test runs, and the desk's busy
timeout is made longer than any test: a quit that waits for the store never ends here (the
guard below fails it), one that does not ends while the lock is still held.

What is typed is never dropped unsaid: a draft the store holds as typed already is not
written again, and the desk quits; typing the store could not take is asked about; the
交接班 form's typing not yet written is written too. Nothing here is timed (the speeds: the
README, "Quitting", measured by bench/quit.py)."""

from __future__ import annotations

import asyncio

import pytest
from faults import write_lock_held_elsewhere
from textual.pilot import Pilot
from textual.widgets import Input, Static, TextArea
from ui_helpers import WIDE, build_app, drafts_in, settle, sign_in, type_text

import deskapp.store.engine as engine_module
from deskapp.i18n import t
from deskapp.screens.app import DeskApp
from deskapp.screens.shift import ShiftScreen
from deskapp.screens.widgets.confirm import ConfirmScreen
from deskapp.screens.widgets.draft_keeper import DRAFT_DELAY
from deskapp.services.desk import Desk

GUARD = 60.0  # seconds: a hang guard, not a measure (the busy timeout is an hour here)


@pytest.fixture(autouse=True)
def endless_busy_timeout(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 3_600_000)
    desk.engine.dispose()  # its connections are opened again with it


async def until(pilot: Pilot, done) -> None:
    """Let the app run until `done()`; fails if that never comes (the app waits for the
    store, which another process holds throughout)."""

    async def run() -> None:
        while not done():
            await pilot.pause(0.05)

    try:
        await asyncio.wait_for(run(), GUARD)
    except TimeoutError:
        pytest.fail("the desk waits for the store held by another process")


def asking(app: DeskApp) -> bool:
    return app.is_running and isinstance(app.screen, ConfirmScreen)


async def test_with_its_draft_kept_the_desk_quits_at_once_while_the_store_is_held(
    desk: Desk,
) -> None:
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        await type_text(pilot, "周红")
        await settle(pilot, DRAFT_DELAY + 0.3)  # the draft is written as the handler pauses
        assert [d.form for d in drafts_in(desk)] == ["intake"]
        with write_lock_held_elsewhere(desk.path):
            await pilot.press("ctrl+q")
            await until(pilot, lambda: not app.is_running)
        assert not isinstance(app.screen, ConfirmScreen)
    (draft,) = drafts_in(desk)
    assert "周红" in draft.data


async def test_typing_the_held_store_could_not_take_is_asked_about(desk: Desk) -> None:
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        with write_lock_held_elsewhere(desk.path, "EXCLUSIVE"):
            await type_text(pilot, "李四")
            await pilot.press("ctrl+q")  # before the pause in typing that writes the draft
            await until(pilot, lambda: asking(app))
            shown = [str(w.render()) for w in app.screen.query(Static)]
            assert t("app.quit_unsaved_title") in shown and t("app.quit_unsaved_body") in shown
            await pilot.press("n")  # stay: nothing typed is lost
            await settle(pilot)
            assert app.is_running
            assert app.screen.query_one("#customer_name", Input).value == "李四"
            assert drafts_in(desk) == []
        await pilot.press("ctrl+q")  # the store free again: written, no question
        await until(pilot, lambda: not app.is_running)
    (draft,) = drafts_in(desk)
    assert "李四" in draft.data


async def test_a_draft_write_still_waiting_does_not_hold_the_quit(desk: Desk) -> None:
    """The handler paused (the draft's write began and waits for the lock), then Ctrl+Q: asked
    within a second, not after that write's wait and then the quit's own."""
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        with write_lock_held_elsewhere(desk.path):
            await type_text(pilot, "王五")
            await pilot.pause(DRAFT_DELAY + 0.3)  # the write has begun, and waits
            await pilot.press("ctrl+q")
            await until(pilot, lambda: asking(app))
            await pilot.press("y")  # the handler, told, quits anyway
            await until(pilot, lambda: not app.is_running)


async def test_the_handover_note_typed_just_before_ctrl_q_is_kept(desk: Desk) -> None:
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)  # a handler: their shift opens
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, ShiftScreen)
        assert isinstance(app.focused, TextArea) and app.focused.id == "shift-note"
        await type_text(pilot, "今日客流较大")
        await pilot.press("ctrl+q")  # within the pause that would have written it
        await until(pilot, lambda: not app.is_running)
    notes = [d.data for d in drafts_in(desk) if d.form == "handover"]
    assert len(notes) == 1 and "今日客流较大" in notes[0], drafts_in(desk)
