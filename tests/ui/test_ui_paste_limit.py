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
from deskapp.screens.app import DeskApp
from deskapp.screens.textual_private import notifications
from deskapp.services.desk import Desk

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


async def test_a_paste_longer_than_a_field_keeps_what_fits_and_says_so(
    app: DeskApp, desk: Desk
) -> None:
    """Every one-line input of the intake form with a maximum (found on the form): a paste
    longer than it keeps what fits, and the field says how much was pasted and kept (Textual
    alone drops the whole paste without a word). The search box, outside a labelled field,
    says it in a notification; a paste of several lines into one line says only the first
    was taken."""
    from textual.widgets import Input, Static

    from deskapp.screens.widgets.field import Field

    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot)
        await pilot.press("f2")
        await settle(pilot)
        inputs = [w for w in app.screen.query(Input) if w.max_length and w.id and not w.restrict]
        assert len(inputs) >= 5
        for widget in inputs:
            widget.focus()
            widget.value = ""
            await pilot.pause()
            pasted = "字" * (widget.max_length + 7)
            app.post_message(events.Paste(pasted))
            await settle(pilot)
            assert widget.value == pasted[: widget.max_length], widget.id
            field = next(a for a in widget.ancestors if isinstance(a, Field))
            note = field.query_one(".field-note", Static)
            words = t("paste.cut", pasted=len(pasted), kept=widget.max_length,
                      max=widget.max_length)  # fmt: skip
            assert note.display and words in str(note.render()), widget.id
        await pilot.press("f3")
        await settle(pilot)
        query = app.screen.query_one("#query", Input)
        query.focus()
        app.post_message(events.Paste("信号" * 80))
        await settle(pilot)
        assert query.value == ("信号" * 80)[: query.max_length]
        notes = [n.message for n in notifications(app)]
        assert t("paste.cut", pasted=160, kept=query.max_length, max=query.max_length) in notes
        query.value = ""
        app.post_message(events.Paste("第一行\n第二行"))
        await settle(pilot)
        assert query.value == "第一行"
        assert t("paste.first_line", lines=2) in [n.message for n in notifications(app)]
