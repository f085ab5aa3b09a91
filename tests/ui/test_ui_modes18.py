"""Every mode key shows its own screen, whatever was pressed before (the attack on issue 18:
F3 → F10 → F2 → F3 showed the watch list, Ctrl+\\ → F11 → F2 → Ctrl+\\ the batches, and what
was typed meanwhile landed there). F10 and F11 are modes like the others (SIGNED_IN_MODES);
Esc on them goes back to the screen they were opened from, as it was left; a key of a mode the
signed-in role may not open says whose it is. The keys and modes are read from the app's own
lists (DeskApp.BINDINGS, SIGNED_IN_MODES, MODE_PERMISSIONS): a new mode is checked without
editing this file."""

from __future__ import annotations

import itertools

import pytest
from textual.binding import Binding
from textual.pilot import Pilot
from textual.widgets import Input
from ui_helpers import WIDE, build_app, settle, sign_in, type_text

from deskapp.screens.app import ERRAND_MODES, MODE_PERMISSIONS, SIGNED_IN_MODES, DeskApp
from deskapp.screens.textual_private import notifications
from deskapp.screens.widgets.action_dialog import ActionDialog
from deskapp.services.desk import Desk

pytestmark = pytest.mark.ui

# Each mode's key, from the app's own bindings.
KEYS = {
    b.action.split("'")[1]: b.key
    for b in DeskApp.BINDINGS
    if isinstance(b, Binding) and b.action.startswith("switch_mode(")
}
# The screen class each mode shows (SIGNED_IN_MODES' makers are named after it).
SCREENS = {mode: make.__name__ for mode, make in SIGNED_IN_MODES.items()}
HALL_MANAGER = ("3001", "9999")  # may open every mode


def test_every_mode_has_a_key_and_f10_f11_are_modes() -> None:
    assert set(KEYS) == set(SIGNED_IN_MODES)
    assert KEYS["watch"] == "f10" and KEYS["batches"] == "f11"
    assert ERRAND_MODES.issubset(SIGNED_IN_MODES)


async def _press(pilot: Pilot, key: str) -> None:
    await pilot.press(key)
    await settle(pilot)


def _shows(app: DeskApp, mode: str) -> bool:
    return app.current_mode == mode and type(app.screen).__name__ == SCREENS[mode]


async def test_f3_f10_f2_f3_shows_the_search_and_typing_goes_there(desk: Desk) -> None:
    """The attack's sequence as a hall manager: F3 again shows 查询投诉; the letters typed
    then are the query's, not the watch list's keys (A opened an entry dialog)."""
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot, *HALL_MANAGER)
        for key, mode in (("f3", "search"), ("f10", "watch"), ("f2", "intake"), ("f3", "search")):
            await _press(pilot, key)
            assert _shows(app, mode), (key, app.current_mode, type(app.screen).__name__)
        await type_text(pilot, "ae")
        await settle(pilot)
        assert not isinstance(app.screen, ActionDialog)
        assert app.screen.query_one("#query", Input).value == "ae"


async def test_ctrl_backslash_f11_f2_ctrl_backslash_shows_the_cases(desk: Desk) -> None:
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot, *HALL_MANAGER)
        for key, mode in (("ctrl+backslash", "cases"), ("f11", "batches"), ("f2", "intake"),
                          ("ctrl+backslash", "cases")):  # fmt: skip
            await _press(pilot, key)
            assert _shows(app, mode), (key, app.current_mode, type(app.screen).__name__)


def every_ordered_pair(nodes: list[str]) -> list[str]:
    """A walk through `nodes` in which every ordered pair of two different ones follows each
    other once (an Eulerian circuit of the complete directed graph, Hierholzer's algorithm):
    n·(n−1) steps where pressing A, B, F2, A for each pair took 4·n²."""
    left = {node: [other for other in reversed(nodes) if other != node] for node in nodes}
    stack, walk = [nodes[0]], []
    while stack:
        if left[stack[-1]]:
            stack.append(left[stack[-1]].pop())
        else:
            walk.append(stack.pop())
    return walk[::-1]


def test_the_walk_holds_every_ordered_pair_once() -> None:
    walk = every_ordered_pair(sorted(KEYS))
    pairs = list(itertools.pairwise(walk))
    expected = {(a, b) for a in KEYS for b in KEYS if a != b}
    assert len(pairs) == len(expected) and set(pairs) == expected


async def test_each_key_shows_its_own_screen_after_every_other_key(desk: Desk) -> None:
    """Every ordered pair of mode keys, each key pressed after every other: its own screen
    each time (the attack's sequences through F2: the two tests above)."""
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot, *HALL_MANAGER)
        walk = every_ordered_pair(sorted(KEYS))
        for before, mode in zip(["intake", *walk], walk, strict=False):
            await _press(pilot, KEYS[mode])
            assert _shows(app, mode), (before, mode, type(app.screen).__name__)


async def test_what_was_typed_under_f10_and_f11_is_where_it_was_left(desk: Desk) -> None:
    """Typed in the form (F2) and the search (F3): F10, F11, Esc, Esc and the keys bring each
    back as it was; Esc on F11 opened from F10 goes back to where F10 was opened from."""
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot, *HALL_MANAGER)
        intake = app.screen
        await type_text(pilot, "王女士")
        await _press(pilot, "f3")
        await type_text(pilot, "宽带")
        await _press(pilot, "f10")
        assert _shows(app, "watch")
        await _press(pilot, "escape")
        assert _shows(app, "search")
        assert app.screen.query_one("#query", Input).value == "宽带"
        await _press(pilot, "f2")
        await _press(pilot, "f10")
        await _press(pilot, "f11")
        assert _shows(app, "batches")
        await _press(pilot, "escape")  # back to the form F10 was opened from
        assert app.screen is intake
        assert intake.query_one("#customer_name", Input).value == "王女士"
        await _press(pilot, "f3")
        assert app.screen.query_one("#query", Input).value == "宽带"


async def test_a_dialog_typed_into_on_f10_is_there_after_other_keys(desk: Desk) -> None:
    """The watch list's add dialog, typed into, closed with nothing saved by no other key:
    F2 waits under the dialog (as in every dialog); the dialog is F10's, whatever came
    before it."""
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot, *HALL_MANAGER)
        await _press(pilot, "f3")
        await _press(pilot, "f10")
        await _press(pilot, "a")
        dialog = app.screen
        assert isinstance(dialog, ActionDialog)
        await type_text(pilot, "13812345678")
        await _press(pilot, "f3")  # the screen keys wait inside a dialog
        assert app.screen is dialog and app.current_mode == "watch"
        assert dialog.query_one("#f-customer", Input).value == "13812345678"


@pytest.mark.parametrize("mode", sorted(MODE_PERMISSIONS))
async def test_a_handler_pressing_a_managers_key_is_told_whose_it_is(desk: Desk, mode: str) -> None:
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)  # 1001, a handler
        await _press(pilot, "f3")
        await _press(pilot, KEYS[mode])
        assert _shows(app, "search")
        told = " ".join(str(n.message) for n in notifications(app))
        assert "只有" in told and "投诉处理员" in told, told
        assert ("厅经理" in told) and (mode == "staff" or "值班经理" in told), told
