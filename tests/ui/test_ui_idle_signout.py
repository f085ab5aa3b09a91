"""Idle sign-out: a counter left signed in signs out by itself, keeping the form as a draft."""

from __future__ import annotations

import asyncio

import pytest
from textual.widgets import Input, TextArea
from ui_helpers import build_app, drafts_in, focus_by_tab, settle, sign_in, type_text

from deskapp.i18n import t
from deskapp.screens.intake import DRAFT_DELAY, IntakeScreen
from deskapp.screens.signin import SignInScreen
from deskapp.screens.textual_private import notifications
from deskapp.screens.widgets.confirm import ConfirmScreen
from deskapp.services.desk import Desk

pytestmark = pytest.mark.ui
SIZE = (100, 30)
IDLE_MINUTES = 4 / 60  # 4 s: longer than any pause of the typing below, even on a busy CI


def _app(desk: Desk, minutes: float):
    app = build_app(desk)
    app._idle_minutes = minutes
    return app


async def test_idle_desk_signs_out_and_the_draft_comes_back(desk: Desk) -> None:
    app = _app(desk, IDLE_MINUTES)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await type_text(pilot, "赵敏")
        await focus_by_tab(pilot, "content")
        await type_text(pilot, "话费多扣")
        await settle(pilot, DRAFT_DELAY + 0.2)
        # Keys keep it signed in: each press restarts the count.
        for _ in range(3):
            await asyncio.sleep(1.5)
            await pilot.press("end")
        assert app.actor is not None and isinstance(app.screen, IntakeScreen)

        await asyncio.sleep(5.5)  # nobody at the counter
        await settle(pilot)
        assert app.actor is None
        assert isinstance(app.screen, SignInScreen)
        messages = [n.message for n in notifications(app)]
        assert t("signin.idle_signed_out", minutes=1) in messages
        assert len(drafts_in(desk)) == 1

        await sign_in(pilot)
        assert isinstance(app.screen, ConfirmScreen)  # the draft is offered back
        await pilot.press("y")
        await settle(pilot)
        assert app.screen.query_one("#customer_name", Input).value == "赵敏"
        assert app.screen.query_one("#content", TextArea).text == "话费多扣"


async def test_zero_means_never(desk: Desk) -> None:
    app = _app(desk, 0)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        assert app._idle_timer is None
        await asyncio.sleep(0.3)
        assert app.actor is not None
