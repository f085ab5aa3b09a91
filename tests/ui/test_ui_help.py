"""F1 lists every key of the current screen: each binding the screen and the app declare
(with a description, and not switched off by check_action) appears in the help."""

from __future__ import annotations

import pytest
from textual.binding import Binding
from ui_helpers import WIDE, build_app, settle, sign_in

from deskapp.screens.app import MODE_PERMISSIONS, SIGNED_IN_MODES, DeskApp
from deskapp.screens.help import HelpScreen
from deskapp.screens.textual_private import action_state
from deskapp.services.desk import Desk

# Every mode's key, from the app's own bindings (a new mode is checked without editing this).
SWITCHES = {
    b.action.split("'")[1]: b.key
    for b in DeskApp.BINDINGS
    if isinstance(b, Binding) and b.action.startswith("switch_mode(")
}
MODES = sorted(SWITCHES.values())


def test_every_signed_in_mode_has_a_key() -> None:
    assert set(SWITCHES) == set(SIGNED_IN_MODES)


def _declared(screen: object, app: object) -> set[str]:
    bindings = [*getattr(type(screen), "BINDINGS", []), *getattr(type(app), "BINDINGS", [])]
    # An app key the screen binds too does what the screen says (F5 on F5 moves through its
    # tabs): the help lists that key once, with the screen's words.
    screen_keys = {
        key.strip()
        for b in getattr(type(screen), "BINDINGS", [])
        if isinstance(b, Binding)
        for key in b.key.split(",")
    }
    described = set()
    for b in bindings:
        shadowed = b not in type(screen).BINDINGS and not b.priority and b.key in screen_keys
        if isinstance(b, Binding) and b.description and not shadowed:
            if action_state(app, b.action, screen if b in type(screen).BINDINGS else app) \
                    is False:  # fmt: skip
                continue
            described.add(b.description)
    return described


@pytest.mark.ui
@pytest.mark.parametrize("key", MODES)
async def test_the_help_lists_every_key_of_the_screen(desk: Desk, key: str) -> None:
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        mode = next(m for m, k in SWITCHES.items() if k == key)
        if mode in MODE_PERMISSIONS:  # a mode of some roles only (员工管理: the hall manager's)
            await sign_in(pilot, "3001", "9999")
        else:
            await sign_in(pilot, "2001", "8888")
        await pilot.press(key)
        await settle(pilot)
        screen = app.screen
        declared = _declared(screen, app)
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        shown = {description for _key, description in app.screen.keys}
        missing = declared - shown
        assert not missing, f"{type(screen).__name__}: {missing}"
        assert "帮助" in shown and "受理" in shown
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen


@pytest.mark.snapshot
def test_help_snapshot(snap_compare, desk: Desk) -> None:
    async def help_on_intake(pilot) -> None:
        await sign_in(pilot)
        await pilot.press("f1")
        await settle(pilot)

    assert snap_compare(build_app(desk), terminal_size=WIDE, run_before=help_on_intake)
