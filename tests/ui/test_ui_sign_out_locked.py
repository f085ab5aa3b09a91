"""F8 (sign-out) while another program holds the store's write lock (issue 22, fix22e): the
typing is written as drafts the way Ctrl+Q writes it (tests/ui/test_ui_quit_locked.py), and
what the held store could not take is asked about, never dropped or turned into 「出现意外错误」.
The idle sign-out, which cannot ask, keeps the handler signed in with the typing on screen."""

from __future__ import annotations

import pytest
from faults import write_lock_held_elsewhere
from test_ui_quit_locked import asking, until
from textual.widgets import Input, Static, TextArea
from ui_helpers import WIDE, build_app, drafts_in, settle, sign_in, type_text

import deskapp.store.engine as engine_module
from deskapp.i18n import t
from deskapp.screens.shift import ShiftScreen
from deskapp.services.desk import Desk


@pytest.fixture(autouse=True)
def endless_busy_timeout(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 3_600_000)
    desk.engine.dispose()


async def test_f8_on_the_intake_form_asks_about_typing_the_held_store_could_not_take(
    desk: Desk,
) -> None:
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        with write_lock_held_elsewhere(desk.path, "EXCLUSIVE"):
            await type_text(pilot, "李四")
            await pilot.press("f8")
            await until(pilot, lambda: asking(app))
            shown = [str(w.render()) for w in app.screen.query(Static)]
            assert t("app.sign_out_unsaved_body") in shown
            await pilot.press("n")  # stay signed in: nothing typed is lost
            await settle(pilot)
            assert app.actor is not None
            assert app.screen.query_one("#customer_name", Input).value == "李四"
        await pilot.press("f8")  # the store free again: written, signed out, no question
        await until(pilot, lambda: app.actor is None)
    (draft,) = drafts_in(desk)
    assert "李四" in draft.data


async def test_f8_on_the_handover_form_keeps_the_typing_done_while_the_store_was_held(
    desk: Desk,
) -> None:
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, ShiftScreen)
        assert isinstance(app.focused, TextArea) and app.focused.id == "shift-note"
        with write_lock_held_elsewhere(desk.path, "EXCLUSIVE"):
            await type_text(pilot, "今日客流较大")
            await pilot.press("f8")
            await until(pilot, lambda: asking(app))
            await pilot.press("n")
            await settle(pilot)
            assert app.actor is not None
        await pilot.press("f8")
        await until(pilot, lambda: app.actor is None)
    notes = [d.data for d in drafts_in(desk) if d.form == "handover"]
    assert len(notes) == 1 and "今日客流较大" in notes[0], drafts_in(desk)


async def test_the_idle_sign_out_waits_while_the_typing_cannot_be_kept(desk: Desk) -> None:
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        with write_lock_held_elsewhere(desk.path, "EXCLUSIVE"):
            await type_text(pilot, "王五")
            assert not await app.idle_sign_out()
            await settle(pilot)
            assert app.actor is not None
            assert app.screen.query_one("#customer_name", Input).value == "王五"
        assert await app.idle_sign_out()  # the store free again: kept, and signed out
        await settle(pilot)
        assert app.actor is None
    (draft,) = drafts_in(desk)
    assert "王五" in draft.data
