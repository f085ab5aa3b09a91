"""延期申请 (issue 17): a handler asks to move one of an open ticket's clocks to a later time
with a reason; a duty manager (or above) approves or refuses it with their own PIN. A handler's
PIN never approves, the requester never approves their own request (even a manager), a wrong
PIN counts toward that approver's lockout, and every attempt is audited
(`extension_approval`). An approved extension moves that clock's deadline (and the queue's
order); a refused one moves nothing but stays on the ticket. Each refusal writes nothing but
its audit entry.

The frozen clock is Tue 2026-11-24 10:00 in Shanghai; working periods 08:30–12:00 and
13:30–17:30 (data/hall.toml). A walk-in ticket taken then runs on its progress contact
(0.5 working day: Tue 15:15) and its whole resolution (3 working days: Fri 11-27 10:00)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from svc_forms import staffed_desk, valid_form

from deskapp.clock import FrozenClock
from deskapp.domain.deadlines import ClockKind
from deskapp.domain.errors import RuleViolation
from deskapp.services import followup as fu
from deskapp.services.deadlines import clocks_for, events_of, ticket_facts
from deskapp.services.demo import closing_facts
from deskapp.services.desk import Actor, Desk
from deskapp.services.extensions import (
    extension_choices,
    extension_marks,
    pending_extensions,
    ticket_extensions,
)
from deskapp.services.intake import take_complaint
from deskapp.store.models import (
    Complaint,
    ComplaintEvent,
    DeadlineExtension,
    ExtensionApproval,
    SigninEvent,
)

TZ = ZoneInfo("Asia/Shanghai")
RESOLUTION = ClockKind.RESOLUTION_GENERAL.value


@pytest.fixture
def desk(db_path: Path, clock: FrozenClock) -> Iterator[Desk]:
    desk = staffed_desk(db_path, clock)
    yield desk
    desk.close()


def take(desk: Desk, actor: Actor, **overrides: Any) -> str:
    return take_complaint(desk, actor, valid_form(desk, **overrides)).id


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)  # type: ignore[misc]


def rows(desk: Desk, model: type) -> list[Any]:
    with desk.read() as s:
        return list(s.scalars(sa.select(model)))


def state(desk: Desk) -> tuple[Any, ...]:
    """What a refused request or decision must leave as it was."""
    with desk.read() as s:
        ext = [tuple(r) for r in s.execute(sa.select(DeadlineExtension.__table__).order_by(
            DeadlineExtension.id))]  # fmt: skip
        events = s.scalar(sa.select(sa.func.count()).select_from(ComplaintEvent))
        complaints = [
            tuple(r) for r in s.execute(sa.select(Complaint.__table__).order_by(Complaint.id))
        ]
    return ext, events, complaints


def refused(desk: Desk, call: Any, *args: Any, **kwargs: Any) -> dict[str, str]:
    before = state(desk)
    with pytest.raises(RuleViolation) as exc:
        call(desk, *args, **kwargs)
    assert state(desk) == before, "a refusal wrote something"
    return {e.field: e.key for e in exc.value.errors}


def running(desk: Desk, cid: str) -> dict[ClockKind, datetime]:
    with desk.read() as s:
        c = s.get(Complaint, cid)
        assert c is not None
        clocks = clocks_for(desk, ticket_facts(c, events_of(s, c.id)))
    return {x.kind: x.deadline.at.astimezone(TZ) for x in clocks}


def ask(desk: Desk, actor: Actor, cid: str, clock: str = RESOLUTION,
        new_due: str = "2026-11-30 17:00", reason: str = "等待核查话单") -> str:  # fmt: skip
    fu.request_extension(desk, actor, cid, clock=clock, new_due=new_due, reason=reason)
    return rows(desk, DeadlineExtension)[-1].id


def decide(desk: Desk, actor: Actor, cid: str, ext: str, work_no: str, pin: str,
           decision: str = "approve", note: str = "") -> Any:  # fmt: skip
    return fu.decide_extension(desk, actor, cid, extension_id=ext, decision=decision,
                               approver_work_no=work_no, approver_pin=pin, note=note)  # fmt: skip


def attempts(desk: Desk) -> list[tuple[str, str, str, str, str]]:
    return [(a.outcome, a.decision, a.asked_by, a.approver_work_no, a.approver_id)
            for a in sorted(rows(desk, ExtensionApproval), key=lambda a: a.id)]  # fmt: skip


# ------------------------------------------------------------------------ the request


def test_the_request_offers_the_running_clocks_but_not_the_promise(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    cid = take(desk, actors["1001"])
    keys = [c.key for c in extension_choices(desk, cid)]
    # promise (tomorrow 10:00) runs too, but a promise is the customer's: not offered
    assert keys == ["progress_contact", RESOLUTION]
    assert ClockKind.PROMISE in running(desk, cid)
    assert refused(desk, fu.request_extension, actors["1001"], cid, clock="promise",
                   new_due="2026-11-26 10:00", reason="客户出差") == {
        "clock": "error.extension.not_extendable"}  # fmt: skip


def test_a_request_moves_nothing_until_it_is_approved(desk: Desk, actors: dict[str, Actor]) -> None:
    me, duty = actors["1001"], actors["2001"]
    cid = take(desk, me)
    ext = ask(desk, me, cid)
    (row,) = rows(desk, DeadlineExtension)
    assert (row.status, row.clock, row.requested_by) == ("pending", RESOLUTION, me.id)
    # the clock's deadline as it stood: Tue 10:00 + 3 working days = Fri 11-27 10:00
    assert row.original_due_at == local(2026, 11, 27, 10, 0)
    assert running(desk, cid)[ClockKind.RESOLUTION_GENERAL] == local(2026, 11, 27, 10, 0)
    assert [p.ticket_no for p in pending_extensions(desk)] != []
    assert extension_marks(desk, [cid])[cid].pending
    # approved by the duty manager with their PIN: the deadline is the new time
    result = decide(desk, me, cid, ext, "2001", "8888")
    assert running(desk, cid)[ClockKind.RESOLUTION_GENERAL] == local(2026, 11, 30, 17, 0)
    (row,) = rows(desk, DeadlineExtension)
    assert (row.status, row.decided_by) == ("approved", duty.id)
    assert result.event.kind == "extension_approved"
    assert json.loads(result.event.data)["approved_by"] == duty.id
    assert attempts(desk) == [("approved", "approve", me.id, "2001", duty.id)]
    assert pending_extensions(desk) == []
    # the ticket shows the original deadline, the extension and who approved
    (view,) = ticket_extensions(desk, cid)
    assert (view.original_due, view.new_due, view.decided_by, view.status) == (
        "2026-11-27 10:00", "2026-11-30 17:00", "王芳", "approved")  # fmt: skip


def test_the_queue_sorts_by_the_extended_deadline(
    desk: Desk, actors: dict[str, Actor], clock: FrozenClock
) -> None:
    me = actors["1001"]
    cid = take(desk, me)
    with desk.read() as s:
        before = s.get(Complaint, cid)
        assert before is not None and before.next_clock == "progress_contact"
    # progress contact due Tue 15:15; extended to Wed 11:00, the promise (Wed 10:00) comes first
    ext = ask(desk, me, cid, clock="progress_contact", new_due="2026-11-25 11:00")
    decide(desk, me, cid, ext, "2001", "8888")
    with desk.read() as s:
        after = s.get(Complaint, cid)
        assert after is not None
        assert (after.next_clock, after.next_due_at) == ("promise", local(2026, 11, 25, 10, 0))
    assert running(desk, cid)[ClockKind.PROGRESS_CONTACT] == local(2026, 11, 25, 11, 0)
    # a contact at 11:00 restarts the progress clock: the extension was for the run it named;
    # 11:00 + 3.75 working hours = 1 h to 12:00, 2.75 h from 13:30 = 16:15
    clock.advance(timedelta(hours=1))
    fu.log_contact(desk, me, cid, reached=True, note="已告知客户进展")
    assert running(desk, cid)[ClockKind.PROGRESS_CONTACT] == local(2026, 11, 24, 16, 15)


@pytest.mark.parametrize(
    ("new_due", "key"),
    [
        ("2026-11-27 10:00", "error.extension.not_later"),  # the deadline itself
        ("2026-11-26 09:00", "error.extension.not_later"),  # earlier
        ("2027-01-30 10:00", "error.extension.too_far"),  # beyond 30 days from now
        ("下周一", "error.time.format"),
        ("", "error.time.format"),
    ],
)
def test_the_new_time_is_later_and_not_absurd_said_at_its_field(
    desk: Desk, actors: dict[str, Actor], new_due: str, key: str
) -> None:
    me = actors["1001"]
    cid = take(desk, me)
    assert refused(desk, fu.request_extension, me, cid, clock=RESOLUTION, new_due=new_due,
                   reason="等待核查") == {"new_due": key}  # fmt: skip


def test_the_reason_is_required(desk: Desk, actors: dict[str, Actor]) -> None:
    me = actors["1001"]
    cid = take(desk, me)
    errors = refused(desk, fu.request_extension, me, cid, clock=RESOLUTION,
                     new_due="2026-11-30 17:00", reason="  ")  # fmt: skip
    assert errors == {"reason": "error.required"}


def test_no_extension_on_a_closed_ticket(desk: Desk, actors: dict[str, Actor]) -> None:
    me = actors["1001"]
    cid = take(desk, me)
    ext = ask(desk, me, cid)
    fu.close(desk, me, cid, outcome="已恢复信号", satisfaction="satisfied",
             facts=closing_facts(desk, cid))  # fmt: skip
    assert refused(desk, fu.request_extension, me, cid, clock=RESOLUTION,
                   new_due="2026-11-30 17:00", reason="等待") == {
        "status": "error.extension.closed_ticket"}  # fmt: skip
    # the closing withdrew the request still pending: shown on the ticket, no longer waiting
    # for a duty manager (no sign-in notice), never decided afterwards (no PIN is asked)
    (view,) = ticket_extensions(desk, cid)
    assert (view.status, view.decided_by, view.pending) == ("withdrawn", "张敏", False)
    assert pending_extensions(desk) == [] and extension_marks(desk, [cid]) == {}
    with desk.read() as s:
        closed = [e for e in events_of(s, cid) if e.kind == "closed"]
    assert json.loads(closed[-1].data)["withdrawn_extensions"] == [ext]
    assert refused(desk, decide, me, cid, ext, "2001", "8888") == {
        "extension": "error.extension.decided"}  # fmt: skip
    assert attempts(desk) == [] and rows(desk, SigninEvent) == []


def test_one_pending_request_per_clock(desk: Desk, actors: dict[str, Actor]) -> None:
    me = actors["1001"]
    cid = take(desk, me)
    ask(desk, me, cid)
    assert refused(desk, fu.request_extension, me, cid, clock=RESOLUTION,
                   new_due="2026-12-01 17:00", reason="再等等") == {
        "clock": "error.extension.pending"}  # fmt: skip


# ----------------------------------------------------------------------- the decision


def test_a_handlers_own_pin_never_approves(desk: Desk, actors: dict[str, Actor]) -> None:
    me, colleague = actors["1001"], actors["1002"]
    cid = take(desk, me)
    ext = ask(desk, me, cid)
    # the requester's own PIN, and a colleague handler's: refused, audited, nothing moved
    assert refused(desk, decide, me, cid, ext, "1001", "1111") == {
        "approver": "error.approval.not_manager"}  # fmt: skip
    assert refused(desk, decide, me, cid, ext, "1002", "2222") == {
        "approver": "error.approval.not_manager"}  # fmt: skip
    assert attempts(desk) == [("not_manager", "approve", me.id, "1001", me.id),
                              ("not_manager", "approve", me.id, "1002", colleague.id)]  # fmt: skip
    assert rows(desk, DeadlineExtension)[0].status == "pending"
    assert running(desk, cid)[ClockKind.RESOLUTION_GENERAL] == local(2026, 11, 27, 10, 0)


def test_the_requester_never_approves_their_own_even_a_manager(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    duty, hall = actors["2001"], actors["3001"]
    cid = take(desk, duty)
    ext = ask(desk, duty, cid)
    assert refused(desk, decide, duty, cid, ext, "2001", "8888") == {
        "approver": "error.extension.self_approval"}  # fmt: skip
    # nor refuses it: the decision either way is another manager's
    assert refused(desk, decide, duty, cid, ext, "2001", "8888", "refuse", "不需要") == {
        "approver": "error.extension.self_approval"}  # fmt: skip
    assert [a[0] for a in attempts(desk)] == ["self", "self"]
    decide(desk, duty, cid, ext, "3001", "9999")  # the hall manager may
    assert rows(desk, DeadlineExtension)[0].decided_by == hall.id


def test_a_wrong_pin_counts_toward_the_approvers_lockout_and_is_audited(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    me, duty = actors["1001"], actors["2001"]
    cid = take(desk, me)
    ext = ask(desk, me, cid)
    assert refused(desk, decide, me, cid, ext, "2001", "0000") == {
        "approver": "error.signin.wrong"}  # fmt: skip
    assert [(e.work_no, e.kind) for e in rows(desk, SigninEvent)] == [("2001", "failed")]
    assert attempts(desk) == [("wrong_pin", "approve", me.id, "2001", duty.id)]
    for _ in range(4):  # max_failures = 5 (data/hall.toml): the 5th locks the work number
        refused(desk, decide, me, cid, ext, "2001", "0000")
    assert refused(desk, decide, me, cid, ext, "2001", "8888") == {
        "approver": "error.signin.locked"}  # fmt: skip
    assert [a[0] for a in attempts(desk)] == ["wrong_pin"] * 5 + ["locked"]


def test_a_refused_extension_moves_nothing_but_is_shown(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    me, duty = actors["1001"], actors["2001"]
    cid = take(desk, me)
    ext = ask(desk, me, cid)
    # refusing needs the manager's reason
    assert refused(desk, decide, me, cid, ext, "2001", "8888", "refuse") == {
        "note": "error.required"}  # fmt: skip
    result = decide(desk, me, cid, ext, "2001", "8888", "refuse", "时限内可以办结")
    assert result.event.kind == "extension_refused"
    assert running(desk, cid)[ClockKind.RESOLUTION_GENERAL] == local(2026, 11, 27, 10, 0)
    (view,) = ticket_extensions(desk, cid)
    assert (view.status, view.decided_by, view.note) == ("refused", "王芳", "时限内可以办结")
    assert attempts(desk) == [("approved", "refuse", me.id, "2001", duty.id)]
    # decided once: neither approved nor refused again
    assert refused(desk, decide, me, cid, ext, "3001", "9999") == {
        "extension": "error.extension.decided"}  # fmt: skip
    # and a new request for the same clock may be made
    ask(desk, me, cid, new_due="2026-11-30 12:00")
    assert [r.status for r in rows(desk, DeadlineExtension)].count("pending") == 1


def test_an_unknown_request_is_refused_before_any_pin(desk: Desk, actors: dict[str, Actor]) -> None:
    me = actors["1001"]
    cid = take(desk, me)
    assert refused(desk, decide, me, cid, "no-such", "2001", "8888") == {
        "extension": "error.extension.unknown"}  # fmt: skip
    assert attempts(desk) == [] and rows(desk, SigninEvent) == []
