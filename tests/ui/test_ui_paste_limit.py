"""A 10,000-character paste into the complaint's content (the TextArea has no length cap of
its own): the form refuses it at the field with the limit and the length in words, writes
nothing, and keeps every pasted character in the field so the handler can shorten it."""

from __future__ import annotations

import pytest
from textual import events
from textual.widgets import TextArea
from ui_helpers import (
    assert_error_next_to,
    count_complaints,
    focus_by_tab,
    settle,
    sign_in,
    type_complaint,
)

from deskapp.i18n import t
from deskapp.services.desk import Desk
from screens.app import DeskApp

pytestmark = pytest.mark.ui

PASTED = ("客户反映家中信号差\u202e=cmd|' /C calc'!A0\x00" * 400)[:10_000]


async def test_a_ten_thousand_character_paste_is_refused_at_the_field(
    app: DeskApp, desk: Desk
) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot)
        await type_complaint(pilot)
        area = await focus_by_tab(pilot, "content")
        assert isinstance(area, TextArea)
        area.select_all()
        app.post_message(events.Paste(PASTED))  # as the terminal driver delivers a paste
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        limit = desk.refdata.settings.intake.text_limits.content
        assert_error_next_to(
            app, "content", "content", t("error.text.too_long", max=limit, length=len(PASTED))
        )
        assert count_complaints(desk) == 0
        assert app.screen.query_one("#content", TextArea).text == PASTED  # nothing lost
