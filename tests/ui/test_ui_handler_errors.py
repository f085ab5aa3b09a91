"""An error in an event handler or a key's action (not in a worker) is reported in words with an
incident number, and the desk goes on: the form keeps what was typed and answers the next key.
Textual itself would end the app (and its message loop for the failed widget) with a traceback
that prints local variables."""

from __future__ import annotations

import re
from typing import Any

import pytest
from textual.widgets import Input
from ui_helpers import WIDE, build_app, settle, sign_in, type_text

from deskapp.i18n import t
from deskapp.screens.app import DeskApp
from deskapp.screens.intake import IntakeScreen
from deskapp.screens.textual_private import notifications
from deskapp.services.desk import Desk

PIN_LIKE = "1111"


def _incident_lines(app: DeskApp) -> list[str]:
    before, _, _ = t("fault.unexpected", incident="\0").partition("\0")
    return [n.message for n in notifications(app) if n.message.startswith(before)]


def _raising(where: str) -> Any:
    def boom(self: object, *args: object) -> None:
        approver_pin = PIN_LIKE  # a local a traceback would print
        raise RuntimeError(f"{where} failed ({len(approver_pin)})")

    return boom


async def test_an_action_that_fails_is_reported_and_the_form_stays(
    desk: Desk, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    app = build_app(desk)
    app.raise_incidents = False  # the desk as a handler has it
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        assert isinstance(app.screen, IntakeScreen)
        name = app.screen.query_one("#customer_name", Input)
        name.focus()
        await type_text(pilot, "周红")
        monkeypatch.setattr(IntakeScreen, "action_on_spot", _raising("on_spot"))
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert app.is_running
        assert len(_incident_lines(app)) == 1
        assert [f.kind for f in app.faults] == ["unexpected"]
        await type_text(pilot, "红")  # the desk still answers keys, the form kept its text
        await settle(pilot)
        assert name.value == "周红红"
    out, err = capfd.readouterr()
    assert PIN_LIKE not in out + err
    assert "Traceback" not in out + err


async def test_a_screen_handler_that_fails_does_not_stop_the_screen(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Textual stops the message loop of a widget whose handler raised; the desk's screen keeps
    answering (its next message is handled) after the error was reported."""
    calls: list[str] = []

    def changed_once_fails(self: IntakeScreen, event: Input.Changed) -> None:
        calls.append(event.value)
        if len(calls) == 1:
            raise RuntimeError("the first change failed")

    monkeypatch.setattr(IntakeScreen, "on_input_changed", changed_once_fails, raising=False)
    app = build_app(desk)
    app.raise_incidents = False
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        app.screen.query_one("#customer_name", Input).focus()
        await type_text(pilot, "张三")
        await settle(pilot)
        assert app.is_running
        assert len(_incident_lines(app)) == 1
        assert calls[-1] == "张三"  # the second change reached the screen after the failure


async def test_in_tests_an_unexpected_handler_error_still_fails_loudly(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tests' app (raise_incidents) ends on such an error, so a bug cannot hide as a
    notification nobody reads."""
    app = build_app(desk)
    monkeypatch.setattr(IntakeScreen, "action_on_spot", _raising("on_spot"))
    with pytest.raises(RuntimeError, match=re.escape("on_spot failed")):
        async with app.run_test(size=WIDE) as pilot:
            await sign_in(pilot)
            await pilot.press("ctrl+o")
            await settle(pilot)
