"""Issue 18 (case18g): Ctrl+S typed in the same burst as the text before it (a fast typist,
an input method's commit followed at once by Ctrl+S) saves the whole text. Ctrl+S is a
priority binding, handled as the app receives it; the save reads the fields only after
the keys that came before it have reached their field (they were dropped: the last 1–4
characters of K's summary were missing). K, a follow-up dialog (F10's watch entry) and
intake."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from followup_helpers import closed_ticket
from ui_helpers import (
    WIDE,
    all_complaints,
    build_app,
    burst,
    focus_by_tab,
    open_watch_add,
    screen_text,
    settle,
    shown_errors,
    sign_in,
    type_complaint,
)

from deskapp.screens.detail import DetailScreen
from deskapp.screens.intake import IntakeScreen
from deskapp.screens.widgets.action_dialog import ActionDialog
from deskapp.services.desk import Actor, Desk
from deskapp.store.models import TeachingCase, WatchEntry

pytestmark = pytest.mark.ui

SUMMARY = "营业员说明了当时的情况后，先道歉再解释"


async def test_k_saves_the_whole_text_typed_in_the_burst_with_ctrl_s(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    ticket_id = closed_ticket(desk, actors["1001"])
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot, "2001", "8888")
        app.push_screen(DetailScreen(ticket_id))
        await settle(pilot)
        await pilot.press("k")
        await settle(pilot)
        assert isinstance(app.screen, ActionDialog)
        await burst(pilot, f"{SUMMARY}\t先道歉再解释\x13")
        dialog = app.screen
        assert isinstance(dialog, DetailScreen), dialog.values()  # type: ignore[attr-defined]
    with desk.read() as s:
        case = s.scalars(sa.select(TeachingCase)).one()
    assert case.summary == SUMMARY
    assert case.lesson == "先道歉再解释"


async def test_f10_saves_the_whole_advice_typed_in_the_burst_with_ctrl_s(desk: Desk) -> None:
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await open_watch_add(pilot)
        dialog = app.screen
        assert isinstance(dialog, ActionDialog)
        await burst(pilot, "13812345678")
        await focus_by_tab(pilot, "f-review_on")
        await burst(pilot, "2026-12-31")
        await focus_by_tab(pilot, "f-advice")
        await burst(pilot, "先听完再解释，请值班经理接待\x13")
        assert app.screen is not dialog, (dialog.values(), shown_errors(app))
    with desk.read() as s:
        entry = s.scalars(sa.select(WatchEntry)).one()
    assert entry.advice == "先听完再解释，请值班经理接待"


async def test_intake_saves_the_whole_text_typed_in_the_burst_with_ctrl_s(desk: Desk) -> None:
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        assert isinstance(app.screen, IntakeScreen)
        await type_complaint(pilot)
        await focus_by_tab(pilot, "content")
        await burst(pilot, "，客厅信号格一直是空的\x13")
        await settle(pilot)
    (saved,) = all_complaints(desk)
    assert saved.content == "没信号，客厅信号格一直是空的"


async def test_the_handover_saves_the_whole_note_typed_in_the_burst_with_ctrl_s(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    from followup_helpers import take

    from deskapp.screens.shift import ShiftScreen
    from deskapp.store.models import HandoverItem, Shift

    first = take(desk, actors["1001"], "王先生", "13912345678")
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)  # a handler signing in opens their shift
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, ShiftScreen)
        await focus_by_tab(pilot, f"note-{first}")  # (the first focus waits on a read)
        await burst(pilot, "明天10点前回复核查结果")
        await focus_by_tab(pilot, "shift-note")
        await burst(pilot, "今日客流较大\x13")
        assert "✗" not in screen_text(app)
    with desk.read() as s:
        item = s.scalars(sa.select(HandoverItem)).one()
        shift = s.scalars(sa.select(Shift)).one()
    assert item.note == "明天10点前回复核查结果"
    assert shift.note == "今日客流较大"
