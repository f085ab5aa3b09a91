"""待跟进 (F4), the actions tests/ui/test_ui_queue.py leaves out, with keys only: change the
severity (v), pause the clocks (p), reassign (a), the internal investigation (i), the care
follow-up (f), close then an unsatisfied return visit that reopens the ticket; and every
refusal, each shown in words under the field it concerns (or on the dialog's own error line
when it concerns no field), with nothing written and everything typed still in the dialog.

Tickets are set up through the services at the frozen clock (Tue 2026-11-24 10:00)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from followup_helpers import (
    CLOSE_FACTS_KEYS,
    complaint,
    cursor_to,
    dialog,
    drop_dialog,
    error_under,
    errors_shown,
    events,
    general_error,
    last_event,
    log_count,
    make_app,
    open_queue,
    queue_row,
    take,
)
from textual.pilot import Pilot
from textual.widgets import DataTable, Static
from ui_helpers import NARROW, WIDE, pick_in_list, settle, type_text

from deskapp.clock import FrozenClock
from deskapp.screens.app import DeskApp
from deskapp.screens.queue import QueueScreen
from deskapp.services import followup
from deskapp.services.demo import closing_facts
from deskapp.services.desk import Actor, Desk

pytestmark = pytest.mark.ui


def mark_of(app: DeskApp, cid: str) -> str:
    """The time-left cell of a ticket's row, as shown."""
    table = app.screen.query_one("#queue", DataTable)
    return str(table.get_cell(cid, "col_mark"))


async def submit(pilot: Pilot) -> None:
    await pilot.press("ctrl+s")
    await settle(pilot)


async def test_severity_pause_and_reassign(desk: Desk, actors: dict[str, Actor]) -> None:
    me, liu = actors["1001"], actors["1002"]
    cid = take(desk, me, "王先生", "13912345678")
    app = make_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await open_queue(pilot)
        assert queue_row(app, cid).next_clock == "dispatch"

        await pilot.press("v")  # raise the severity: no reason needed
        await settle(pilot)
        await pick_in_list(pilot, "down", "down")  # (无) → 一般 → 严重
        await submit(pilot)
        assert isinstance(app.screen, QueueScreen), "the dialog stayed open"
        assert complaint(desk, cid).severity == "serious"
        assert last_event(desk, cid)[0::2] == (
            "severity_changed", {"from": "general", "to": "serious"})  # fmt: skip
        assert queue_row(app, cid).severity == "serious"

        await pilot.press("p")  # pause: the customer asked to be called on Thursday
        await settle(pilot)
        await type_text(pilot, "2026-11-26 10:00")
        await pilot.press("tab", "enter", "down", "enter", "tab")  # 客户要求
        await type_text(pilot, "客户出差,周四再联系")
        await submit(pilot)
        kind, note, data = last_event(desk, cid)
        assert (kind, note, data["reason"]) == ("pause", "客户出差,周四再联系", "customer_request")
        assert queue_row(app, cid).paused_until is not None
        assert mark_of(app, cid) == "‖ 暂停至 11-26 10:00"

        await pilot.press("a")  # reassign to 刘洋: the first responder stays 张敏
        await settle(pilot)
        await pick_in_list(pilot, "down")
        await pilot.press("tab")  # the first colleague: 1002 刘洋
        await type_text(pilot, "刘洋熟悉该小区,转交跟进")
        await submit(pilot)
        c = complaint(desk, cid)
        assert (c.owner_id, c.first_responder_id) == (liu.id, me.id)
        assert last_event(desk, cid)[0::2] == ("reassigned", {"from": me.id, "to": liu.id})
        # Still in 张敏's queue (首问负责), and the line under the table names both.
        row = queue_row(app, cid)
        assert row is not None and row.owner_id == liu.id
        line = str(app.screen.query_one("#queue-row", Static).render())
        assert "首问责任人 张敏" in line and "当前处理人 刘洋" in line


async def test_close_then_an_unsatisfied_visit_reopens_the_ticket(
    desk: Desk, actors: dict[str, Actor], clock: FrozenClock
) -> None:
    cid = take(desk, actors["1001"], "李女士", "13600001111")
    app = make_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await open_queue(pilot)
        await pilot.press("x")
        await settle(pilot)
        await type_text(pilot, "已调整基站天线,信号恢复")
        await pilot.press(*CLOSE_FACTS_KEYS)
        await submit(pilot)
        assert complaint(desk, cid).status == "closed"
        row = queue_row(app, cid)  # closed, not done: the return visit is due
        assert row is not None and row.next_clock == "return_visit"
        assert "回访" in str(app.screen.query_one("#queue", DataTable).get_cell(cid, "col_clock"))

        await pilot.press("b")
        await settle(pilot)
        await pick_in_list(pilot, "down", "down", "down")  # 不满意
        await pilot.press("tab", "tab", "tab")  # no score, no exception, to the note
        await type_text(pilot, "客户表示信号仍然不稳定")
        written = log_count(desk)
        await submit(pilot)  # a reopening without its cause: refused at the field
        dialog(app)  # still open, the note kept
        assert "重启原因" in error_under(app, "reopen_cause"), errors_shown(app)
        assert set(errors_shown(app)) == {"reopen_cause"}
        assert dialog(app).values()["note"] == "客户表示信号仍然不稳定"
        assert log_count(desk) == written and complaint(desk, cid).status == "closed"
        assert app.focused is not None and app.focused.id == "f-reopen_cause"  # on the error
        await pick_in_list(pilot, "down")  # 超时处理
        await submit(pilot)
        c = complaint(desk, cid)
        assert (c.status, c.reopen_count, c.closed_at) == ("open", 1, None)
        assert [e.kind for e in events(desk, cid)][-3:] == ["closed", "visit", "reopened"]
        row = queue_row(app, cid)  # back in the queue, on a new round's clocks
        assert row is not None and row.next_clock != "return_visit"


async def test_investigation_and_care(
    desk: Desk, actors: dict[str, Actor], clock: FrozenClock
) -> None:
    me, liu = actors["1001"], actors["1002"]
    # Staff about staff: an internal complaint (issue 16); care follows every customer's.
    internal = take(desk, me, "赵先生", "13500003333", cause_code="HALL.ATTITUDE.RUDE",
                    accused_staff_id=liu.id, channel="walk_in", internal=True)  # fmt: skip
    external = take(desk, me, "孙女士", "13700002222", channel="walk_in")
    followup.close(
        desk, me, external, outcome="已退还费用并道歉", facts=closing_facts(desk, external)
    )
    followup.record_visit(desk, me, external, satisfaction="satisfied")
    clock.advance(timedelta(days=31))  # the first monthly care follow-up has come round
    assert complaint(desk, external).next_clock == "care_follow_up"
    care_due = complaint(desk, external).next_due_at
    app = make_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await open_queue(pilot)
        await cursor_to(pilot, internal)
        await pilot.press("i")  # the four parts of the investigation record
        await settle(pilot)
        for part in ("已约谈当事员工,核实态度问题", "刘洋", "当面致歉", "晨会案例分析"):
            await type_text(pilot, part)
            await pilot.press("tab")
        await submit(pilot)
        assert last_event(desk, internal)[:2] == ("investigation", "已约谈当事员工,核实态度问题")
        assert last_event(desk, internal)[2] == {
            "facts": "已约谈当事员工,核实态度问题",
            "responsible": "刘洋",
            "result": "当面致歉",
            "improvement": "晨会案例分析",
        }

        await cursor_to(pilot, external)
        await pilot.press("f")
        await settle(pilot)
        await type_text(pilot, "第一次关怀回访,客户满意")
        await submit(pilot)
        assert last_event(desk, external)[0::2] == ("care", {"n": 1})
        after = complaint(desk, external).next_due_at  # the second one, a month later
        assert after is not None and care_due is not None and after > care_due
        assert queue_row(app, external).next_due_at == after


async def test_refusals_in_words_under_their_field_nothing_written_nothing_lost(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    me, liu = actors["1001"], actors["1002"]
    serious = take(desk, me, "王先生", "13912345678", severity="serious")
    internal = take(desk, me, "赵先生", "13500003333", cause_code="HALL.ATTITUDE.RUDE",
                    accused_staff_id=liu.id, channel="walk_in")  # fmt: skip
    top = take(desk, me, "孙女士", "13700002222", channel="media", severity="major")
    # each level reports it up from its own (docs/permissions.md, escalate)
    from deskapp.domain.enums import Role
    from deskapp.services.staff import actor_of, add_staff

    qa = actor_of(add_staff(desk, actors["3001"], "4001", "赵督办", Role.QA_MANAGER, "4444"))
    steps = ((me, "上报值班经理"), (actors["2001"], "上报厅经理"), (actors["3001"], "上报质量监控"),
             (qa, "上报客户服务部"))  # fmt: skip
    for by, note in steps:
        followup.escalate(desk, by, top, note=note)
    app = make_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await open_queue(pilot)
        written = log_count(desk)

        async def refused(field: str, words: str) -> None:
            await submit(pilot)
            dialog(app)  # still open
            if field:
                assert words in error_under(app, field), errors_shown(app)
                assert set(errors_shown(app)) == {field}, errors_shown(app)
            else:
                assert words in general_error(app) and not errors_shown(app)
            assert log_count(desk) == written, "a refused action wrote something"

        await cursor_to(pilot, serious)
        await pilot.press("c")  # a contact without what was said
        await settle(pilot)
        await pilot.press("tab", "tab")  # past the note, to the promise
        await type_text(pilot, "2026-11-25 09:00")
        await refused("note", "必填")
        assert dialog(app).values()["promise"] == "2026-11-25 09:00"
        await drop_dialog(pilot)  # typed: Esc asks, Y drops it

        await pilot.press("x")  # closing without the outcome
        await settle(pilot)
        await pilot.press("tab", "tab", "enter", "down", "enter")  # satisfaction: 满意
        await refused("outcome", "必填")
        assert dialog(app).values()["satisfaction"] == "satisfied"
        await drop_dialog(pilot)  # typed: Esc asks, Y drops it

        await pilot.press("v")  # lowering 严重 → 一般 without a reason
        await settle(pilot)
        await pick_in_list(pilot, "down")
        await refused("reason", "降低级别须写明理由")
        assert dialog(app).values()["severity"] == "general"
        await drop_dialog(pilot)  # typed: Esc asks, Y drops it

        await pilot.press("p")  # "unreachable" before any unanswered call is recorded
        await settle(pilot)
        await type_text(pilot, "2026-11-26 10:00")
        await pilot.press("tab", "enter", "down", "down", "enter", "tab")  # 联系不上
        await type_text(pilot, "电话一直无人接听")
        await refused("reason", "须先记录 2 次未接通(目前 0 次)")
        assert dialog(app).values() == {
            "until": "2026-11-26 10:00",
            "reason": "unreachable",
            "note": "电话一直无人接听",
        }
        await drop_dialog(pilot)  # typed: Esc asks, Y drops it

        await cursor_to(pilot, internal)
        await pilot.press("a")  # reassigning a complaint about 刘洋 to 刘洋
        await settle(pilot)
        await pick_in_list(pilot, "down")
        await pilot.press("tab")
        await type_text(pilot, "请刘洋处理")
        await refused("to_staff", "当事人回避")
        assert dialog(app).values()["note"] == "请刘洋处理"
        await drop_dialog(pilot)  # typed: Esc asks, Y drops it

        await cursor_to(pilot, top)
        await pilot.press("e")  # escalating past the branch, the top of the chain
        await settle(pilot)
        await type_text(pilot, "再次上报")
        await refused("", "已上报至最高层级“客户服务部负责人”")
        assert dialog(app).values()["note"] == "再次上报"
        await drop_dialog(pilot)  # typed: Esc asks, Y drops it
        assert isinstance(app.screen, QueueScreen)
    assert complaint(desk, serious).severity == "serious"
    assert complaint(desk, internal).owner_id == me.id
    assert complaint(desk, top).escalation_level == 4


async def test_at_80_columns_nothing_is_cut_and_the_cursor_follows_its_ticket(
    desk: Desk, actors: dict[str, Actor], clock: FrozenClock
) -> None:
    me = actors["1001"]
    first = take(desk, me, "王先生", "13912345678")  # dispatch due 10:30
    clock.advance(timedelta(minutes=5))
    second = take(desk, me, "欧阳明远", "15011112222")  # dispatch due 10:35
    app = make_app(desk)
    async with app.run_test(size=NARROW) as pilot:
        await open_queue(pilot)
        table = app.screen.query_one("#queue", DataTable)
        assert [r.id for r in app.screen.rows] == [first, second]
        # Every column shown in full, none scrolled off to the side, the masked phone kept
        # (issue 20); what does not fit (the next clock, the cause) is on the line under it.
        assert [str(c.key.value) for c in table.columns.values()] == [
            "col_mark",
            "col_ticket",
            "col_customer",
            "col_severity",
            "col_phone",
        ]
        assert str(table.get_cell(second, "col_phone")) == "150****2222"
        assert table.virtual_size.width <= table.scrollable_content_region.width
        assert str(table.get_cell(second, "col_customer")) == "欧阳明远"
        line = str(app.screen.query_one("#queue-row", Static).render())
        assert "139****5678" in line and "室内无信号" in line

        await pilot.press("d", "enter", "down", "enter", "tab")  # dispatch the first ticket
        await type_text(pilot, "请网络部核查覆盖")
        await submit(pilot)
        assert last_event(desk, first)[0] == "dispatch"
        # Its next deadline (first contact, 11:00) now comes after the other ticket's: the
        # cursor went with it, so the next key acts on the ticket the handler was on.
        assert [r.id for r in app.screen.rows] == [second, first]
        assert app.screen._current().id == first
