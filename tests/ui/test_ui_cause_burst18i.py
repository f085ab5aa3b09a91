"""Issue 18 (the customer at the counter): the cause picker's keys typed in one burst with
the keys around them. "xh", ↓ (into the matches), Enter (pick) and Tab: the ↓ is bound on
the picker, not on its query field, and Textual found it only once it had bubbled back up to
the app, behind the Enter and the Tab: the cause was picked, then the late ↓ opened the 渠道
list and the keys after the Tab went nowhere. Each key acts in its turn: the cause is picked,
Tab goes on from 渠道 to 紧急程度."""

from __future__ import annotations

import pytest
from textual import events
from textual.widgets import Select
from ui_helpers import WIDE, build_app, focus_by_tab, settle, sign_in

from deskapp.screens.widgets.cause_picker import CausePicker
from deskapp.services.desk import Desk

pytestmark = pytest.mark.ui


def _post(pilot, keys: list[str]) -> None:  # type: ignore[no-untyped-def]
    for key in keys:
        char = key if len(key) == 1 else None
        pilot.app.post_message(events.Key(key, char))


@pytest.mark.parametrize("moves", [["down", "enter"], ["enter"]], ids=["down-enter", "enter"])
async def test_cause_picked_in_a_burst_then_tab(desk: Desk, moves: list[str]) -> None:
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        await focus_by_tab(pilot, "cause-query")
        _post(pilot, ["x", "h", *moves, "tab"])
        await settle(pilot)
        screen = app.screen
        assert screen.query_one("#cause", CausePicker).code != ""
        channel = screen.query_one("#channel", Select)
        assert not channel.expanded
        assert app.focused is screen.query_one("#severity", Select)
