"""fix18h, what the attack on the alert / F11 / Esc found: intake follows another desk's
changes on the same store (the watch alert comes and goes, a batch closed elsewhere is no
longer offered), the typed text untouched."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Select, Static, TextArea
from ui_helpers import WIDE, build_app, focus_by_tab, pick_in_list, settle, sign_in, type_text

from deskapp.screens.intake import IntakeScreen
from deskapp.screens.textual_private import notifications
from deskapp.screens.widgets.cause_picker import CausePicker
from deskapp.screens.widgets.confirm import ConfirmScreen
from deskapp.services.batches import BatchForm, close_batch, open_batch
from deskapp.services.customer import WatchForm, save_watch_entry
from deskapp.services.desk import Actor, Desk
from deskapp.services.followup import ClosingFacts
from deskapp.services.staff import actor_of, list_staff
from deskapp.store.models import BatchIncident

pytestmark = pytest.mark.ui
PHONE = "13812345678"


async def _until(pilot: Pilot, done: Any, seconds: float = 15) -> bool:
    """Real time passes (the store is watched every second): at most `seconds`."""
    for _ in range(int(seconds / 0.1)):
        if done():
            return True
        await pilot.pause(0.1)
    return bool(done())


def _other_desk(desk: Desk, clock: Any) -> tuple[Desk, dict[str, Actor]]:
    """A second desk on the same store file (another terminal window): its commits change
    the store's data version, which this app's watch reads."""
    other = Desk.open(Path(desk.path), clock=clock)
    return other, {s.work_no: actor_of(s) for s in list_staff(other)}


async def test_intake_follows_a_watch_entry_added_and_retired_on_another_desk(
    desk: Desk, clock: Any
) -> None:
    app = build_app(desk)
    other, actors = _other_desk(desk, clock)
    try:
        async with app.run_test(size=WIDE) as pilot:
            await sign_in(pilot)
            await type_text(pilot, "李女士")
            await pilot.press("tab")
            await type_text(pilot, PHONE)
            await settle(pilot)
            screen = app.screen
            notice = screen.query_one("#watch-notice", Static)
            assert not notice.display
            form = WatchForm(customer=PHONE, kind="difficult", advice="先听完再解释",
                             review_on="2026-12-31")  # fmt: skip
            entry = save_watch_entry(other, actors["2001"], form)
            assert await _until(pilot, lambda: notice.display), "no alert from the other desk"
            assert "先听完再解释" in str(notice.content)
            save_watch_entry(other, actors["2001"], replace(form, active=False), entry.id)
            assert await _until(pilot, lambda: not notice.display), "the retired entry stays"
            assert screen.query_one("#contact_phone", Input).value == PHONE
            assert screen.query_one("#customer_name", Input).value == "李女士"
    finally:
        other.close()


async def test_a_batch_closed_on_another_desk_is_no_longer_offered_nor_linked(
    desk: Desk, clock: Any
) -> None:
    other, actors = _other_desk(desk, clock)
    batch = open_batch(other, actors["2001"], BatchForm(
        title="城东基站故障", cause_code="NET.OUTAGE", area="城东", description="光缆被挖断",
        scripts="抢修中"))  # fmt: skip
    app = build_app(desk)
    try:
        async with app.run_test(size=WIDE) as pilot:
            await sign_in(pilot)
            screen = app.screen
            screen.query_one("#cause", CausePicker).set_code("NET.OUTAGE.AREA")
            screen.check_batches("NET.OUTAGE.AREA")
            await settle(pilot)
            await pilot.press("ctrl+b")
            await settle(pilot)
            select = screen.query_one("#batch", Select)
            assert select.value == batch.id
            close_batch(other, actors["2001"], batch.id, "光缆已修复",
                        ClosingFacts("department", "network"))  # fmt: skip
            notice = screen.query_one("#batch-notice", Static)
            assert await _until(pilot, lambda: select.value is Select.NULL), "still linked"
            assert not notice.display
    finally:
        other.close()


async def test_a_close_after_another_desk_closed_the_batch_says_so(desk: Desk, clock: Any) -> None:
    """F11 → Enter → the outcome typed; meanwhile another desk closes the same batch; Ctrl+S:
    the desk says the batch was closed elsewhere and the words typed here were not applied
    (it said only "已结案 0 张;0 张按规则保持未结"); the stored outcome is the other desk's."""
    other, actors = _other_desk(desk, clock)
    batch = open_batch(other, actors["2001"], BatchForm(
        title="城东基站故障", cause_code="NET.OUTAGE", area="城东", description="光缆被挖断",
        scripts="抢修中"))  # fmt: skip
    app = build_app(desk)
    try:
        async with app.run_test(size=WIDE) as pilot:
            await sign_in(pilot, "2001", "8888")
            await pilot.press("f11")
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            app.screen.query_one("#f-outcome", TextArea).load_text("这里写的结果")
            app.screen.query_one("#f-responsible_kind").focus()
            await pick_in_list(pilot, "down")  # a department
            await pilot.press("tab", "enter", "down", "enter")  # the first department
            close_batch(other, actors["2001"], batch.id, "另一终端写的结果",
                        ClosingFacts("department", "network"))  # fmt: skip
            await pilot.press("ctrl+s")
            await settle(pilot)

            def said() -> str:
                return " ".join(str(n.message) for n in notifications(app))

            assert await _until(pilot, lambda: "已结案 0 张" in said()), said()
            assert "已在其他终端结案" in said() and "另一终端写的结果" in said()
            assert "未采用" in said()
        with desk.read() as session:
            assert session.get(BatchIncident, batch.id).outcome == "另一终端写的结果"
    finally:
        other.close()


async def test_esc_asks_when_only_a_choice_was_changed(desk: Desk) -> None:
    """fix18h: the channel (or the severity) chosen and nothing typed: Esc asks before
    clearing it, as for typed text (it cleared the form without a word); N keeps it."""
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        screen = app.screen
        assert isinstance(screen, IntakeScreen)
        await focus_by_tab(pilot, "channel")
        channel = screen.query_one("#channel", Select)
        first = channel.value
        await pick_in_list(pilot, "down")
        await settle(pilot)
        assert channel.value != first
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await settle(pilot)
        assert app.screen is screen and channel.value != first
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is screen and channel.value == first
        await pilot.press("escape")  # blank again: no question
        await settle(pilot)
        assert app.screen is screen
