"""The footer rebuilds its keys only when what it shows changes, and always then: focus moving
between the intake form's fields leaves it alone, a key changed in the keymap shows at once,
and a screen shown again after another shows its own keys. Every screen's footer shows its
keys whole at 100x30 and 80x24 (the screen's own keys and F1 first, short words)."""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

import pytest
from followup_helpers import take
from rich.cells import cell_len
from textual.screen import Screen
from ui_helpers import (
    NARROW,
    WIDE,
    build_app,
    choose,
    screen_text,
    settle,
    sign_in,
    type_complaint,
)

import deskapp.screens
from deskapp.i18n import t
from deskapp.screens.app import DeskApp
from deskapp.screens.queue import QueueScreen
from deskapp.screens.textual_private import FooterKey
from deskapp.screens.widgets.desk_footer import DeskFooter
from deskapp.services import shifts
from deskapp.services.desk import Actor, Desk

DAY = t("footer.app.switch_mode_day_close")  # F9 结束营业, in the footer's short words


def _keys(app) -> list[tuple[str, str]]:
    footer = app.screen.query_one(DeskFooter)
    return [(key.key, key.description) for key in footer.query(FooterKey)]


def _widget_ids(app) -> set[int]:
    return {id(key) for key in app.screen.query_one(DeskFooter).query(FooterKey)}


@pytest.mark.ui
async def test_focus_moving_inside_a_screen_does_not_rebuild_the_footer(desk: Desk) -> None:
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        shown, widgets = _keys(app), _widget_ids(app)
        assert ("ctrl+s", t("key.save")) in shown
        await pilot.press("tab", "tab")  # name → phone → service number: the same keys
        await settle(pilot)
        assert app.focused is not None and app.focused.id == "service_number"
        assert _keys(app) == shown
        assert _widget_ids(app) == widgets  # the same key widgets: nothing rebuilt


@pytest.mark.ui
async def test_a_changed_key_and_another_screen_show_in_the_footer(desk: Desk) -> None:
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        intake_keys = _keys(app)
        app.update_keymap({"app.switch_mode_day_close": "f12"})
        await settle(pilot)
        assert ("f12", DAY) in _keys(app)
        assert ("f9", DAY) not in _keys(app)

        await pilot.press("f4")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        queue_keys = _keys(app)
        # The queue's own keys, Enter among them although the focused table has an Enter too.
        assert ("enter", t("key.detail")) in queue_keys
        assert ("ctrl+s", t("key.save")) not in queue_keys

        await pilot.press("f2")
        await settle(pilot)
        back = _keys(app)
        assert set(back) == set(intake_keys) - {("f9", DAY)} | {("f12", DAY)}


@pytest.mark.ui
async def test_f6_and_f7_switch_screens_from_the_content_field(desk: Desk) -> None:
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        app.screen.query_one("#content").focus()
        await settle(pilot)
        # The footer keeps both keys while the cursor is in the text (a TextArea hid them).
        assert {
            ("f6", t("footer.app.switch_mode_reports")),
            ("f7", t("footer.app.switch_mode_opinion")),
        } <= set(_keys(app))
        await pilot.press("f7")
        await settle(pilot)
        assert type(app.screen).__name__ == "OpinionBookScreen"


# ------------------------------------------------------------ every footer fits 80 and 100 columns

SIZES = [pytest.param(WIDE, id="100x30"), pytest.param(NARROW, id="80x24")]


def _screens_with_a_footer() -> set[str]:
    """Every screen class of deskapp/screens that shows the desk's footer (found in the source,
    so a new one is caught: a mode is driven by its key, any other needs a recipe below)."""
    found: set[str] = set()
    for path in (Path(deskapp.screens.__file__).parent).rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and "DeskFooter()" in ast.unparse(node):
                found.add(node.name)
    return found


def _mode_screens() -> dict[str, str]:
    """The app's own list of screens (its modes, sign-in included): class name → mode."""
    names: dict[str, str] = {}
    for mode, make in DeskApp.MODES.items():
        names[getattr(make, "__name__", "")] = mode
    return names


def _handover(desk: Desk, actors: dict[str, Actor]) -> Screen[None]:
    from deskapp.screens.handover import HandoverScreen

    shift = shifts.open_shift(desk, actors["1001"])
    shifts.close_shift(desk, actors["1001"], {}, "无")
    return HandoverScreen(shift.id)


def _major_report(desk: Desk, actors: dict[str, Actor]) -> Screen[None]:
    from deskapp.screens.major_report import MajorReportScreen

    return MajorReportScreen(take(desk, actors["1001"], "王先生", "13912345678"))


def _detail(desk: Desk, actors: dict[str, Actor]) -> Screen[None]:
    from deskapp.screens.detail import DetailScreen

    return DetailScreen(take(desk, actors["1001"], "王先生", "13912345678"))


def _customer_history(desk: Desk, actors: dict[str, Actor]) -> Screen[None]:
    from deskapp.screens.customer import CustomerHistoryScreen

    take(desk, actors["1001"], "王先生", "13912345678")
    return CustomerHistoryScreen("13912345678")


# Screens opened over a mode (not a mode of their own): how each is opened for the test.
PUSHED: dict[str, Callable[[Desk, dict[str, Actor]], Screen[None]]] = {
    "CustomerHistoryScreen": _customer_history,
    "DetailScreen": _detail,
    "HandoverScreen": _handover,
    "MajorReportScreen": _major_report,
}


def test_every_screen_with_a_footer_is_checked_below() -> None:
    unknown = _screens_with_a_footer() - set(_mode_screens()) - set(PUSHED)
    assert unknown == set(), f"add a recipe to PUSHED for {sorted(unknown)}"


def _assert_footer_fits(app: DeskApp, width: int) -> None:
    """Every key the footer shows is whole on the line, F1 (which lists the rest) among them,
    and so is every key the screen itself marks for the footer."""
    screen = app.screen
    footer = screen.query_one(DeskFooter)
    assert footer.region.width == width
    shown = list(footer.query(FooterKey))
    for key in shown:
        words = f"{key.key_display} {key.description}"
        assert key.region.width >= cell_len(words), (key.key, key.description, key.region)
        assert key.region.right <= footer.region.right, (key.key, key.description, width)
    # What the terminal shows: the footer's line holds each key with its words, whole.
    whole = [f"{key.key_display} {key.description}" for key in shown]
    line = next((row for row in screen_text(app).splitlines() if whole[0] in row), "")
    for words in whole:
        assert words in line, (words, line)
    assert "f1" in {key.key for key in shown}, [k.key for k in shown]
    # The screen's own keys (one per action: Esc and q both close a detail) are all shown.
    own = {
        b.action
        for (node, b, _, _) in screen.active_bindings.values()
        if b.show and node is not app
    }
    actions = {key.action for key in shown}
    assert own <= actions, (sorted(own - actions), type(screen).__name__, width)


@pytest.mark.ui
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("screen_name", sorted(_mode_screens()))
async def test_every_mode_shows_its_keys_whole(
    desk: Desk, size: tuple[int, int], screen_name: str
) -> None:
    mode = _mode_screens()[screen_name]
    app = build_app(desk)
    async with app.run_test(size=size) as pilot:
        if mode != "signin":
            await sign_in(pilot, "3001", "9999")  # the hall manager: every mode opens
            app.switch_mode(mode)
            await settle(pilot)
        assert type(app.screen).__name__ == screen_name
        _assert_footer_fits(app, size[0])


@pytest.mark.ui
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("screen_name", sorted(PUSHED))
async def test_every_screen_opened_over_a_mode_shows_its_keys_whole(
    desk: Desk, actors: dict[str, Actor], size: tuple[int, int], screen_name: str
) -> None:
    screen = PUSHED[screen_name](desk, actors)
    app = build_app(desk)
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot, "2001", "8888")
        app.push_screen(screen)
        await settle(pilot)
        assert type(app.screen).__name__ == screen_name
        _assert_footer_fits(app, size[0])


@pytest.mark.ui
async def test_the_intake_footer_keeps_the_hand_off_at_80_columns(desk: Desk) -> None:
    """Ctrl+T appears once the handler is recused (the complaint is about her): it is the
    screen's own, so it is shown whole at 80 columns, the other screens' keys giving way; F1
    lists them all."""
    app = build_app(desk)
    async with app.run_test(size=NARROW) as pilot:
        await sign_in(pilot)
        await type_complaint(pilot, name="周红", content="张敏态度差", demand="道歉")
        await choose(pilot, "accused_staff", "1001")  # 张敏 herself
        assert "ctrl+t" in dict(_keys(app)), _keys(app)
        _assert_footer_fits(app, NARROW[0])
        await pilot.press("f1")
        await settle(pilot)
        help_text = " ".join(words for _, words in getattr(app.screen, "keys", []))
        for words in ("结束营业", "退出登录", "转交同事", "统计报表"):
            assert words in help_text, words


@pytest.mark.ui
async def test_a_narrower_terminal_refits_the_footer(desk: Desk) -> None:
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot, "3001", "9999")
        await pilot.press("f4")
        await settle(pilot)
        wide = _keys(app)
        await pilot.resize_terminal(*NARROW)
        await settle(pilot)
        assert len(_keys(app)) < len(wide)
        _assert_footer_fits(app, NARROW[0])
        await pilot.resize_terminal(*WIDE)
        await settle(pilot)
        assert _keys(app) == wide


@pytest.mark.ui
async def test_the_demo_sign_in_keeps_its_footer_whole_at_80x24(desk: Desk) -> None:
    """The demo's logins make the sign-in box taller than 24 rows: it scrolls above the
    footer instead of being drawn over its keys (Ctrl+Q's words were cut after two cells)."""
    from deskapp.domain.enums import Role
    from deskapp.screens.app import DemoLogin

    app = build_app(desk)
    app.demo_logins = [DemoLogin(f"100{n}", "张敏", Role.HANDLER.value, "1111") for n in range(6)]
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        assert app.screen.query_one("#demo-logins")  # the box is taller than the screen
        _assert_footer_fits(app, NARROW[0])
