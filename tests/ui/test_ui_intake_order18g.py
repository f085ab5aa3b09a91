"""Issue 18's customer at the counter: the rows a look-up shows at intake while the handler
types (the customer's earlier complaints once the phone is typed, the open batches once the
cause is chosen) are out of the Tab order. A handler who types the phone and goes on with
Tab, Tab and the complaint (at their speed, or in one burst of keys) finds the text in the
complaint, never in the repeat choice that appeared meanwhile (it went there, and was lost);
the choice has its own key (Ctrl+L), and Tab moves within its row once there."""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Select, TextArea
from ui_helpers import WIDE, build_app, burst, pick_in_list, settle, sign_in, type_text

from deskapp.clock import FrozenClock
from deskapp.domain.timefmt import format_local
from deskapp.screens.widgets.cause_picker import CausePicker
from deskapp.services.batches import BatchForm, open_batch
from deskapp.services.desk import Actor, Desk
from deskapp.services.intake import IntakeForm, take_complaint

pytestmark = pytest.mark.ui
PHONE = "13812345678"


def _earlier(desk: Desk, actor: Actor, clock: FrozenClock) -> None:
    """An earlier complaint of the customer (same phone), two days ago."""
    take_complaint(desk, actor, IntakeForm(
        customer_name="李女士", contact_phone=PHONE, content="家里信号差", demand="尽快解决",
        cause_code="NET.COVER.INDOOR",
        promised_reply_at=format_local(desk.clock.now() + timedelta(days=1), desk.tz)))  # fmt: skip
    clock.advance(timedelta(days=2))


def _focused_id(pilot: Pilot) -> str:
    return str(getattr(pilot.app.focused, "id", None))


async def _tab_order(pilot: Pilot, start: str, count: int) -> list[str]:
    """The fields Tab reaches from `start`, in order."""
    pilot.app.screen.query_one(f"#{start}").focus()
    await settle(pilot)
    order = []
    for _ in range(count):
        await pilot.press("tab")
        order.append(_focused_id(pilot))
    return order


async def test_text_typed_after_the_phone_lands_in_the_complaint(
    desk: Desk, clock: FrozenClock, actors: dict[str, Actor]
) -> None:
    _earlier(desk, actors["1002"], clock)
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        await type_text(pilot, "李女士")
        await pilot.press("tab")
        await type_text(pilot, PHONE)
        await settle(pilot)
        assert app.screen.query_one("#repeat-row").display  # the earlier complaint offered
        await burst(pilot, "\t\tabc")  # the service number left as it is, on to the complaint
        assert _focused_id(pilot) == "content"
        assert app.screen.query_one("#content", TextArea).text == "abc"
        assert app.screen.query_one("#service_number", Input).value == ""


async def test_one_burst_from_the_phone_to_the_demand(
    desk: Desk, clock: FrozenClock, actors: dict[str, Actor]
) -> None:
    """One burst from the name to the demand: every key is handled before the look-up's row
    is shown, and none of them lands in it (a guard: this held before the fix too)."""
    _earlier(desk, actors["1002"], clock)
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        await burst(pilot, f"李女士\t{PHONE}\t\t没信号\t修好")
        screen = app.screen
        assert screen.query_one("#repeat-row").display
        assert screen.query_one("#contact_phone", Input).value == PHONE
        assert screen.query_one("#content", TextArea).text == "没信号"
        assert screen.query_one("#demand", Input).value == "修好"
        assert screen.query_one("#repeat_unlink_reason", Input).value == ""


async def test_the_tab_order_is_the_same_with_or_without_the_repeat_row(
    desk: Desk, clock: FrozenClock, actors: dict[str, Actor]
) -> None:
    _earlier(desk, actors["1002"], clock)
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        before = await _tab_order(pilot, "customer_name", 6)
        backward_before = [*before]
        app.screen.query_one("#contact_phone", Input).focus()
        await type_text(pilot, PHONE)
        await settle(pilot)
        assert app.screen.query_one("#repeat-row").display
        assert await _tab_order(pilot, "customer_name", 6) == before
        assert "repeat_of" not in before
        app.screen.query_one("#content").focus()
        await pilot.press("shift+tab")
        assert _focused_id(pilot) == "service_number" == backward_before[1]


async def test_ctrl_l_reaches_the_choice_and_tab_its_reason(
    desk: Desk, clock: FrozenClock, actors: dict[str, Actor]
) -> None:
    _earlier(desk, actors["1002"], clock)
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        await pilot.press("ctrl+l")  # nothing offered yet: said, the cursor stays
        await settle(pilot)
        assert _focused_id(pilot) == "customer_name"
        await burst(pilot, f"李女士\t{PHONE}")
        screen = app.screen
        screen.query_one("#cause", CausePicker).set_code("NET.COVER.INDOOR")  # same matter
        screen.check_repeat(*screen._asked_now())
        await settle(pilot)
        select = screen.query_one("#repeat_of", Select)
        assert select.value is not Select.NULL  # the rule's candidate, linked
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert app.focused is select
        await pick_in_list(pilot, "home")  # 不关联
        await settle(pilot)
        assert select.value is Select.NULL
        await burst(pilot, "\t另一件事\t")  # the reason beside it, then on to the complaint
        assert screen.query_one("#repeat_unlink_reason", Input).value == "另一件事"
        assert _focused_id(pilot) == "content"


async def test_the_batch_row_is_out_of_the_tab_order_and_ctrl_b_reaches_it(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    batch = open_batch(desk, actors["2001"], BatchForm(
        title="城东基站故障", cause_code="NET.OUTAGE", area="城东", description="光缆被挖断",
        scripts="抢修中"))  # fmt: skip
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        screen = app.screen
        before = await _tab_order(pilot, "claimed_to", 2)
        screen.query_one("#cause", CausePicker).set_code("NET.OUTAGE.AREA")
        screen.check_batches("NET.OUTAGE.AREA")
        await settle(pilot)
        assert screen.query_one("#batch-row").display
        assert await _tab_order(pilot, "claimed_to", 2) == before
        await pilot.press("ctrl+b")
        await settle(pilot)
        select = screen.query_one("#batch", Select)
        assert select.value == batch.id and app.focused is select
