"""Signing in with the keyboard, and the wrong-PIN lock as the handler sees it."""

from __future__ import annotations

import pytest
from textual.widgets import Input
from ui_helpers import assert_error_next_to, error_of, settle, sign_in, type_text

from deskapp.i18n import t
from deskapp.screens.app import DeskApp
from deskapp.screens.intake import IntakeScreen
from deskapp.screens.signin import SignInScreen

pytestmark = pytest.mark.ui

SIZE = (100, 30)


async def test_sign_in_opens_the_intake_form_with_who_and_where(app: DeskApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "1001", "1111")
        assert isinstance(app.screen, IntakeScreen)
        assert app.actor is not None and app.actor.name == "张敏"
        status = str(app.screen.query_one(".status-line").render())
        assert "GZ01-T01" in status and "1001 张敏" in status
        assert app.focused is not None and app.focused.id == "customer_name"

        await pilot.press("f8")  # sign out: back to an empty sign-in form
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen) and app.actor is None
        assert app.screen.query_one("#work_no", Input).value == ""
        assert app.screen.query_one("#pin", Input).value == ""


async def test_empty_work_number_is_refused_in_words(app: DeskApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("tab")
        await type_text(pilot, "1111")
        await pilot.press("enter")
        await settle(pilot)
        assert_error_next_to(app, "work_no", "work_no", t("error.required"))
        assert isinstance(app.screen, SignInScreen) and app.actor is None


async def test_five_wrong_pins_lock_the_work_number(app: DeskApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_text(pilot, "1001")
        await pilot.press("enter")
        for left in (4, 3, 2, 1):
            await type_text(pilot, "0000")
            await pilot.press("enter")
            await settle(pilot)
            assert_error_next_to(app, "pin", "pin", t("error.signin.wrong", left=left))
            # The PIN is cleared for the next try; the work number stays.
            assert app.screen.query_one("#pin", Input).value == ""
            assert app.screen.query_one("#work_no", Input).value == "1001"
            assert app.focused is not None and app.focused.id == "pin"

        await type_text(pilot, "0000")  # the fifth
        await pilot.press("enter")
        await settle(pilot)
        locked = t("error.signin.locked", minutes=5)
        assert_error_next_to(app, "pin", "pin", locked)

        await type_text(pilot, "1111")  # the right PIN, while locked: still refused
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen) and app.actor is None
        assert_error_next_to(app, "pin", "pin", locked)
        assert not error_of(app, "work_no")


async def test_lock_is_per_work_number(app: DeskApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_text(pilot, "1001")
        await pilot.press("enter")
        for _ in range(5):
            await type_text(pilot, "0000")
            await pilot.press("enter")
            await settle(pilot)
        # A colleague at the same terminal is not locked out.
        await pilot.press("shift+tab")
        work_no = app.screen.query_one("#work_no", Input)
        assert app.focused is work_no
        await pilot.press("ctrl+a", "ctrl+k")
        assert work_no.value == ""
        await type_text(pilot, "1002")
        await pilot.press("enter")
        await type_text(pilot, "2222")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, IntakeScreen)
        assert app.actor is not None and app.actor.work_no == "1002"


async def test_the_work_number_field_takes_only_what_a_work_number_can_be(app: DeskApp) -> None:
    """Letters and digits (full width too), at most 16: a space, a sign, a control character
    or a seventeenth character never reaches the field."""
    async with app.run_test() as pilot:
        await settle(pilot)
        await type_text(pilot, "10 01-\x01é#ａ１")
        field = app.screen.query_one("#work_no", Input)
        assert field.value == "1001ａ１"
        field.value = ""
        await type_text(pilot, "1" * 20)
        assert field.value == "1" * 16


def _burst(app: DeskApp, keys: list[str]) -> None:
    """Keys as a terminal delivers a fast burst (typed while the desk starts, or by a quick
    hand): all of them queued at the app before it handles the first."""
    from textual import events

    for key in keys:
        char = key if len(key) == 1 else {"tab": "\t", "enter": "\r", "ctrl+j": "\n"}.get(key)
        app.post_message(events.Key(key, char))


async def test_a_burst_of_keys_puts_the_pin_in_the_pin_field_never_in_sight(app: DeskApp) -> None:
    """Work number, Tab, PIN, Enter arriving at once: Textual forwarded every key to the field
    focused on arrival and moved focus only when the Tab came back up, so the PIN stood in the
    work-number field for all to read. Tab and Enter move focus as they arrive."""
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        _burst(app, [*"1001", "tab", *"1111", "enter"])
        await settle(pilot)
        assert isinstance(app.screen, IntakeScreen), app.screen
        assert app.actor is not None and app.actor.work_no == "1001"


async def test_a_burst_with_enter_between_work_number_and_pin(app: DeskApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        _burst(app, [*"1002", "enter", *"2222"])
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
        assert app.screen.query_one("#work_no", Input).value == "1002"
        assert app.screen.query_one("#pin", Input).value == "2222"


async def test_a_burst_typed_while_the_desk_starts_signs_in(app: DeskApp) -> None:
    """Typed before the desk set the terminal raw, the Enter arrives as a newline (ctrl+j)."""
    async with app.run_test(size=SIZE) as pilot:
        _burst(app, [*"1001", "tab", *"1111", "ctrl+j"])
        await settle(pilot, 0.5)
        assert isinstance(app.screen, IntakeScreen), app.screen
