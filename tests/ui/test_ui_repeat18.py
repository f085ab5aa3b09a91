"""Issue 18: a repeat changed after intake from a ticket's detail (R), the real app driven by
keys: the rule's candidate, unlinked at intake, confirmed; then undone with a reason typed;
the link said on both tickets. The dialog's snapshots at 100×30 and 80×24."""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual.pilot import Pilot
from ui_helpers import (
    NARROW,
    WIDE,
    build_app,
    pick_in_list,
    screen_text,
    settle,
    sign_in,
    type_text,
)

from deskapp.clock import FrozenClock
from deskapp.domain.timefmt import format_local
from deskapp.screens.detail import DetailScreen
from deskapp.screens.widgets.action_dialog import ActionDialog
from deskapp.services.desk import Actor, Desk
from deskapp.services.intake import IntakeForm, take_complaint
from deskapp.store.models import Complaint

pytestmark = pytest.mark.ui
SIZES = pytest.mark.parametrize("size", [WIDE, NARROW], ids=["100x30", "80x24"])


def _take(desk: Desk, actor: Actor, **extra: object) -> Complaint:
    form = IntakeForm(customer_name="李女士", contact_phone="13812345678", content="家里信号差",
                      demand="尽快解决", cause_code="NET.COVER.INDOOR",
                      promised_reply_at=format_local(desk.clock.now() + timedelta(days=1),
                                                     desk.tz))  # fmt: skip
    for key, value in extra.items():
        setattr(form, key, value)
    return take_complaint(desk, actor, form)


def _pair(desk: Desk, clock: FrozenClock, actors: dict[str, Actor]) -> tuple[Complaint, Complaint]:
    first = _take(desk, actors["1001"])
    clock.advance(timedelta(days=1))
    again = _take(desk, actors["1001"], link_repeat=False, repeat_unlink_reason="以为是另一件事")
    return first, again


def _stored(desk: Desk, complaint_id: str) -> Complaint:
    with desk.read() as s:
        row = s.get(Complaint, complaint_id)
        assert row is not None
        return row


async def test_r_confirms_the_candidate_then_undoes_it_with_a_reason(
    desk: Desk, clock: FrozenClock, actors: dict[str, Actor]
) -> None:
    first, again = _pair(desk, clock, actors)
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        app.push_screen(DetailScreen(again.id))
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, ActionDialog)
        await pilot.press("ctrl+s")  # the rule's candidate, chosen already
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        assert _stored(desk, again.id).repeat_of_id == first.id
        assert f"重复投诉,关联 {first.ticket_no}" in screen_text(app)
        # Undone: 不是重复投诉 (the first choice), and the reason.
        await pilot.press("r")
        await settle(pilot)
        await pick_in_list(pilot, "up")
        await pilot.press("ctrl+s")  # no reason yet: refused at the field, nothing written
        await settle(pilot)
        assert isinstance(app.screen, ActionDialog)
        assert "不关联为重复投诉须写理由" in screen_text(app)
        assert _stored(desk, again.id).repeat_of_id == first.id
        assert app.focused is not None and app.focused.id == "f-repeat_unlink_reason"
        await type_text(pilot, "客户说是另一处")  # the cursor is at the field refused
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        assert _stored(desk, again.id).repeat_of_id is None
        assert "客户说是另一处" in screen_text(app)  # in the ticket's history


@SIZES
def test_snapshot_repeat_dialog(
    snap_compare, desk: Desk, clock: FrozenClock, actors: dict[str, Actor], size: tuple[int, int]
) -> None:
    _first, again = _pair(desk, clock, actors)

    async def opened(pilot: Pilot) -> None:
        await sign_in(pilot)
        pilot.app.push_screen(DetailScreen(again.id))
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)

    assert snap_compare(build_app(desk), terminal_size=size, run_before=opened)
