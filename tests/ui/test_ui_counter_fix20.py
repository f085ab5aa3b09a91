"""Issue 20, the attack on it: what the previous handler was told is not left on screen for
the next; one clock mark in the handover dialogs; the F4 jump takes a burst and steps through
phone-tail matches; placeholders from today."""

from __future__ import annotations

from datetime import timedelta

import pytest
from faults import write_lock_held
from followup_helpers import make_app, take
from ui_helpers import WIDE, settle, sign_in, type_complaint

from deskapp.clock import FrozenClock
from deskapp.i18n import t
from deskapp.screens.app import DeskApp
from deskapp.screens.intake import IntakeScreen
from deskapp.screens.signin import SignInScreen
from deskapp.screens.textual_private import notifications
from deskapp.services import shifts
from deskapp.services.desk import Actor, Desk

pytestmark = pytest.mark.ui


def _handed_over(desk: Desk, actors: dict[str, Actor], clock: FrozenClock) -> list[str]:
    """张敏's shift with two open tickets, handed over with a note for each."""
    me = actors["1001"]
    shifts.open_shift(desk, me)
    first = take(desk, me, "王先生", "13912345678")
    second = take(desk, me, "李女士", "13600001111")
    clock.advance(timedelta(hours=7))
    notes = {first: "明天10点前回复核查结果", second: "等网络部回复后联系客户"}
    shifts.close_shift(desk, me, notes, "今日客流较大")
    return [first, second]


def _notices(app: DeskApp) -> str:
    return " ".join(str(n.message) for n in notifications(app))


async def test_the_previous_handlers_notices_go_with_them(
    desk: Desk, actors: dict[str, Actor], clock: FrozenClock
) -> None:
    _handed_over(desk, actors, clock)
    app = make_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot, "1002", "2222")
        assert "份交接等您接收" in _notices(app)
        await pilot.press("f8")
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
        assert "份交接等您接收" not in _notices(app)  # not left for whoever comes next
        await sign_in(pilot, "3001", "9999")
        assert "份交接等您接收" not in _notices(app)


async def test_a_failure_to_save_is_taken_back_once_the_retry_saved(desk: Desk) -> None:
    app = make_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        await type_complaint(pilot)
        busy = t("error.store.busy")
        with write_lock_held(desk):
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert busy in _notices(app)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, IntakeScreen)
        assert "已登记" in _notices(app) and busy not in _notices(app)
