"""Snapshots of what issue 20's attack changed (looked at before committing): the hand-off
dialog, the intake form with hand-offs waiting, and the acknowledge dialog of a long handover
opened at its top. Frozen clock, fixed data, at 100×30 and 80×24."""

from __future__ import annotations

from datetime import timedelta

import pytest
from followup_helpers import take
from textual.pilot import Pilot
from ui_helpers import NARROW, WIDE, build_app, settle, sign_in

from deskapp.clock import FrozenClock
from deskapp.services import shifts
from deskapp.services.desk import Actor, Desk
from deskapp.services.drafts import hand_off
from deskapp.services.intake import IntakeForm

pytestmark = pytest.mark.snapshot
SIZES = pytest.mark.parametrize("size", [WIDE, NARROW], ids=["100x30", "80x24"])


def two_hand_offs(desk: Desk, actors: dict[str, Actor], clock: FrozenClock) -> None:
    zhang = actors["1001"]
    for name in ("周红", "李建国"):
        form = IntakeForm(customer_name=name, contact_phone="13912345678",
                          content="营业员张敏态度差,办理业务时不耐烦", demand="道歉",
                          accused_staff_id=zhang.id)  # fmt: skip
        hand_off(desk, "intake", form.to_json(), zhang)
        clock.advance(timedelta(minutes=3))


async def hand_off_offered(pilot: Pilot) -> None:
    await sign_in(pilot, "1002", "2222")


async def hand_offs_waiting(pilot: Pilot) -> None:
    await sign_in(pilot, "1002", "2222")
    await pilot.press("escape")  # later: said above the form
    await settle(pilot)


async def long_acknowledge(pilot: Pilot) -> None:
    await sign_in(pilot, "1002", "2222")
    await pilot.press("f5")
    await settle(pilot)
    await pilot.press("ctrl+a")
    await settle(pilot)


class TestHandOffSnapshots:
    @SIZES
    def test_the_hand_off_dialog(
        self, snap_compare, desk: Desk, actors: dict[str, Actor], clock: FrozenClock,
        size: tuple[int, int],
    ) -> None:  # fmt: skip
        two_hand_offs(desk, actors, clock)
        assert snap_compare(build_app(desk), terminal_size=size, run_before=hand_off_offered)

    @SIZES
    def test_hand_offs_said_above_the_form(
        self, snap_compare, desk: Desk, actors: dict[str, Actor], clock: FrozenClock,
        size: tuple[int, int],
    ) -> None:  # fmt: skip
        two_hand_offs(desk, actors, clock)
        assert snap_compare(build_app(desk), terminal_size=size, run_before=hand_offs_waiting)


class TestAcknowledgeSnapshots:
    @SIZES
    def test_a_long_handover_opens_at_its_top(
        self, snap_compare, desk: Desk, actors: dict[str, Actor], clock: FrozenClock,
        size: tuple[int, int],
    ) -> None:  # fmt: skip
        me = actors["1001"]
        shifts.open_shift(desk, me)
        tickets = [take(desk, me, f"客户{n}", f"1360000{n:04d}") for n in range(40)]
        clock.advance(timedelta(hours=7))
        shifts.close_shift(desk, me, {c: "按时回访" for c in tickets}, "今日客流较大")
        assert snap_compare(build_app(desk), terminal_size=size, run_before=long_acknowledge)
