"""Issue 18, dialog findings (ui18d): keys arriving in one burst land in the field focused
when they arrive in every ActionDialog (Tab a priority binding, as at intake), and K's
lesson is not dropped by Esc without asking. The real app driven by keys."""

from __future__ import annotations

import pytest
from followup_helpers import closed_ticket
from textual.widgets import Input, TextArea
from ui_helpers import (
    WIDE,
    build_app,
    burst,
    open_watch_add,
    screen_text,
    settle,
    sign_in,
    type_text,
)

from deskapp.screens.detail import DetailScreen
from deskapp.screens.widgets.action_dialog import ActionDialog
from deskapp.screens.widgets.confirm import ConfirmScreen
from deskapp.services.desk import Actor, Desk

pytestmark = pytest.mark.ui


async def test_a_burst_with_tabs_fills_each_field_of_the_f10_dialog(desk: Desk) -> None:
    """`13812345678<Tab><Tab>text` in one write: the number, the kind passed over, the
    customer's name typed in its own field (was all in the number's field)."""
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await open_watch_add(pilot)
        dialog = app.screen
        assert isinstance(dialog, ActionDialog)
        await burst(pilot, "13812345678\t\tabc")
        assert dialog.query_one("#f-customer", Input).value == "13812345678"
        assert dialog.query_one("#f-customer_name", Input).value == "abc"
        await burst(pilot, "\t\t先听完\x19\x19")  # on to the advice, a text area
        assert dialog.query_one("#f-advice", TextArea).text == "先听完"
        assert dialog.query_one("#f-customer_name", Input).value == "abc"
        await burst(pilot, "\x19\x19")  # back to the number, as shift+tab twice
        assert app.focused is dialog.query_one("#f-customer")
        assert app.is_running


async def test_k_asks_before_esc_drops_the_lesson(desk: Desk, actors: dict[str, Actor]) -> None:
    """Esc with a lesson typed asks; N goes back with it kept; Y drops it. Left as opened,
    Esc closes at once."""
    ticket_id = closed_ticket(desk, actors["1001"])
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot, "2001", "8888")
        app.push_screen(DetailScreen(ticket_id))
        await settle(pilot)
        await pilot.press("k")
        await settle(pilot)
        assert isinstance(app.screen, ActionDialog)
        await pilot.press("escape")  # nothing typed: closed, not asked
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        await pilot.press("k")
        await settle(pilot)
        dialog = app.screen
        await type_text(pilot, "先复述客户诉求")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen) and "放弃填写" in screen_text(app)
        await pilot.press("n")
        await settle(pilot)
        assert app.screen is dialog
        # (the summary is K's first field since case18e)
        assert dialog.query_one("#f-summary", TextArea).text == "先复述客户诉求"
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        assert app.is_running


async def test_the_batch_open_dialog_asks_before_esc_drops_what_was_typed(desk: Desk) -> None:
    """F11's open dialog (a description and scripts to write) asks as K's does."""
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot, "2001", "8888")
        await pilot.press("f11")
        await settle(pilot)
        batches = app.screen
        await pilot.press("a")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ActionDialog)
        await type_text(pilot, "城东基站故障")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("escape")  # not yes: back with the title kept
        await settle(pilot)
        assert app.screen is dialog and dialog.values()["title"] == "城东基站故障"
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is batches
