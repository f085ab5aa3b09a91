"""Issue 18 (the customer at the counter): Backspace typed in one burst with the characters
around it (a fast typist, tmux's send-keys, one terminal write) is applied where it was
typed. Textual handles a field's characters in the field, but its bindings (Backspace, the
arrows…) only once the key has bubbled back up to the app, behind every key of the burst:
"abc", two Backspaces and "d" gave "ab" instead of "ad". At intake (a one-line field and the
complaint's text area), and in a dialog (F10's watch entry)."""

from __future__ import annotations

import pytest
from textual import events
from textual.widgets import Input, TextArea
from ui_helpers import WIDE, build_app, burst, focus_by_tab, open_watch_add, settle, sign_in

from deskapp.screens.widgets.action_dialog import ActionDialog
from deskapp.services.desk import Desk

pytestmark = pytest.mark.ui
BS = "\x7f"


async def test_backspace_in_a_burst_at_intake(desk: Desk) -> None:
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        await burst(pilot, f"abc{BS}{BS}d\t13812345679{BS}8")
        screen = app.screen
        assert screen.query_one("#customer_name", Input).value == "ad"
        assert screen.query_one("#contact_phone", Input).value == "13812345678"
        await focus_by_tab(pilot, "content")
        await burst(pilot, f"家里信号茶{BS}差好{BS}{BS}很差")
        assert screen.query_one("#content", TextArea).text == "家里信号很差"


async def test_arrows_in_a_burst_at_intake(desk: Desk) -> None:
    """The cursor keys too: "ac", Left, "b" is "abc"."""
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        keys = [("a", "a"), ("c", "c"), ("left", None), ("b", "b"), ("end", None), ("d", "d")]
        for key, char in keys:
            app.post_message(events.Key(key, char))
        await settle(pilot)
        assert app.screen.query_one("#customer_name", Input).value == "abcd"


async def test_backspace_in_a_burst_in_a_dialog(desk: Desk) -> None:
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await open_watch_add(pilot)
        assert isinstance(app.screen, ActionDialog)
        focused = app.focused
        assert isinstance(focused, Input)
        await burst(pilot, f"13812345699{BS}{BS}78")
        assert focused.value == "13812345678"
