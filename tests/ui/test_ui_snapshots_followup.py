"""Snapshots of the follow-up and shift screens not pictured elsewhere, at the counter's window
(100×30) and the smallest terminal (80×24): the 本班交接 tab with its items after a refused
close (the error next to the item without a note, an overdue item marked in words), a filed and
annotated handover, a refused pause dialog (the error under its field) and the major-complaint
report form at 80 columns.

Frozen clock (Tue 2026-11-24 10:00, moved on explicitly), fixed names and times, no cursor
blink, workers finished before each picture (tests/ui/conftest.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from followup_helpers import open_queue, take
from textual.pilot import Pilot
from ui_helpers import NARROW, WIDE, build_app, settle, sign_in, type_text

from deskapp.clock import FrozenClock
from deskapp.services import followup, shifts
from deskapp.services.desk import Actor, Desk

pytestmark = pytest.mark.snapshot

SIZES = pytest.mark.parametrize("size", [WIDE, NARROW], ids=["100x30", "80x24"])


def two_open(desk: Desk, actors: dict[str, Actor], clock: FrozenClock) -> None:
    """张敏's tickets at 10:45: one 15 minutes past its dispatch deadline, one due at 11:10."""
    me = actors["1001"]
    take(desk, me, "王先生", "13912345678")
    clock.advance(timedelta(minutes=40))
    take(desk, me, "欧阳明远", "15011112222")
    clock.advance(timedelta(minutes=5))


async def refused_handover(pilot: Pilot) -> None:
    await sign_in(pilot)
    await pilot.press("f5")  # the cursor starts in the first item's note
    await settle(pilot)
    await type_text(pilot, "今天下班前派单给网络部")
    await pilot.press("tab", "tab")
    await type_text(pilot, "下午客流大,欧阳先生的工单未写说明")
    await pilot.press("ctrl+s")
    await settle(pilot)


def filed(desk: Desk, actors: dict[str, Actor], clock: FrozenClock) -> None:
    """张敏's handover of two tickets, taken over by 刘洋, filed by 王芳, then annotated."""
    me = actors["1001"]
    shift = shifts.open_shift(desk, me)
    first = take(desk, me, "王先生", "13912345678")
    second = take(desk, me, "欧阳明远", "15011112222", channel="media", severity="major")
    clock.advance(timedelta(hours=7))
    shifts.close_shift(desk, me, {
        first: "网络部已派单,明天10点前回复客户核查结果",
        second: "媒体投诉,已上报值班经理;客户要求书面答复,请跟进申报表审批",
    }, "今日客流较大,重大投诉请优先跟进")  # fmt: skip
    clock.advance(timedelta(minutes=10))
    shifts.acknowledge(desk, shift.id, "1002", "2222")
    clock.advance(timedelta(minutes=5))
    shifts.file_handover(desk, shift.id, "2001", "8888", "已核对移交工单")
    clock.advance(timedelta(hours=16))
    shifts.annotate(desk, actors["2001"], shift.id, "欧阳先生的申报表已于上午审批")


async def filed_detail(pilot: Pilot) -> None:
    await sign_in(pilot, "2001", "8888")
    await pilot.press("f5")
    await settle(pilot)
    await pilot.press("right", "right")  # 交接记录
    await pilot.press("tab", "tab", "tab", "tab")  # past the three filters, into the list
    await pilot.press("enter")
    await settle(pilot)


def unreachable(desk: Desk, actors: dict[str, Actor], clock: FrozenClock) -> None:
    take(desk, actors["1001"], "王先生", "13912345678")
    clock.advance(timedelta(minutes=10))


async def refused_pause(pilot: Pilot) -> None:
    await open_queue(pilot)
    await pilot.press("p")
    await settle(pilot)
    await type_text(pilot, "2026-11-26 10:00")
    await pilot.press("tab", "enter", "down", "down", "enter", "tab")  # 联系不上
    await type_text(pilot, "电话一直无人接听")
    await pilot.press("ctrl+s")
    await settle(pilot)


def major(desk: Desk, actors: dict[str, Actor], clock: FrozenClock) -> None:
    me = actors["1001"]
    cid = take(desk, me, "孙女士", "13600001111", channel="media", severity="major",
               content="客户称被开通视频彩铃业务,本人从未办理,已向电视台反映",
               demand="取消业务并退还费用", cause_code="NEWBIZ.SUBSCRIBE.UNCONSENTED")  # fmt: skip
    clock.advance(timedelta(minutes=5))
    followup.dispatch(desk, me, cid, department="new_business", note="核查业务订购记录")
    followup.log_contact(desk, me, cid, reached=True, note="已告知客户正在核查")
    clock.advance(timedelta(minutes=5))
    followup.escalate(desk, me, cid, note="媒体投诉,上报值班经理")
    clock.advance(timedelta(minutes=5))  # nothing due within 15 minutes: no reminder on top


async def report_form(pilot: Pilot) -> None:
    await open_queue(pilot)
    await pilot.press("m")
    await settle(pilot)


class TestShiftTabSnapshots:
    @SIZES
    def test_handover_refused_next_to_the_item(
        self, snap_compare, desk: Desk, actors: dict[str, Actor], clock: FrozenClock,
        size: tuple[int, int],
    ) -> None:  # fmt: skip
        two_open(desk, actors, clock)
        assert snap_compare(build_app(desk), terminal_size=size, run_before=refused_handover)

    @SIZES
    def test_filed_handover_with_annotation(
        self, snap_compare, desk: Desk, actors: dict[str, Actor], clock: FrozenClock,
        size: tuple[int, int],
    ) -> None:  # fmt: skip
        filed(desk, actors, clock)
        assert snap_compare(build_app(desk), terminal_size=size, run_before=filed_detail)


class TestFollowupDialogSnapshots:
    @SIZES
    def test_pause_refused_under_its_field(
        self, snap_compare, desk: Desk, actors: dict[str, Actor], clock: FrozenClock,
        size: tuple[int, int],
    ) -> None:  # fmt: skip
        unreachable(desk, actors, clock)
        assert snap_compare(build_app(desk), terminal_size=size, run_before=refused_pause)

    def test_report_form_at_80_columns(
        self, snap_compare, desk: Desk, actors: dict[str, Actor], clock: FrozenClock
    ) -> None:
        major(desk, actors, clock)
        assert snap_compare(build_app(desk), terminal_size=NARROW, run_before=report_form)
