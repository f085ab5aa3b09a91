"""Issue 18, the watch-list alert in time (alert18e): drawn with the phone's last digit, checked
before the next frame rather than in a worker (bench/customer.py measures the time), and an
answer shown only for what is typed now."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Static
from ui_helpers import WIDE, build_app, settle, sign_in, type_text

from deskapp.screens.intake import IntakeScreen
from deskapp.services.customer import WatchForm, save_watch_entry
from deskapp.services.desk import Actor, Desk

pytestmark = pytest.mark.ui
PHONE = "13812345678"


def _watch(desk: Desk, actors: dict[str, Actor]) -> None:
    form = WatchForm(customer=PHONE, kind="difficult", advice="先听完再解释",
                     review_on="2026-12-31")  # fmt: skip
    save_watch_entry(desk, actors["2001"], form)


async def test_the_alert_comes_with_the_last_digit_not_from_a_worker(
    desk: Desk, actors: dict[str, Actor], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker's check made a no-op: the alert is there all the same, with the key that
    completed the number (from a worker it came a frame or more later, 40-60 ms)."""
    _watch(desk, actors)
    monkeypatch.setattr(IntakeScreen, "check_repeat", lambda self, *asked: None)
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        await pilot.press("tab")  # the customer's name → the contact phone
        notice = app.screen.query_one("#watch-notice", Static)
        await type_text(pilot, PHONE[:-1])
        assert not notice.display
        await pilot.press(PHONE[-1])
        assert notice.display and "先听完再解释" in str(notice.content)


async def test_an_answer_for_what_is_no_longer_typed_is_never_shown(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    """A check asked for the same phone with another service number (an older worker still
    running in its thread) arrives after the current one: it is dropped, not shown over it."""
    _watch(desk, actors)
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        await pilot.press("tab")
        await type_text(pilot, PHONE)
        screen = app.screen
        assert isinstance(screen, IntakeScreen)
        screen.query_one("#service_number", Input).value = "02012345678"
        await settle(pilot)
        notice = screen.query_one("#watch-notice", Static)
        assert notice.display
        screen._customer_found((PHONE, "", "", ""), [], None)  # the answer before the service no.
        assert notice.display and "先听完再解释" in str(notice.content)
