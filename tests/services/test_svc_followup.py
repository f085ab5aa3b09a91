"""跟进: every follow-up action (deskapp.services.followup) end to end on a real store.

Each action writes exactly one event (kind, who, when), moves the status, and stores the next
deadline the domain gives; each refusal leaves the database exactly as it was. Expected times
are worked out by hand (working periods 08:30–12:00 and 13:30–17:30, data/hall.toml)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from svc_forms import staffed_desk, valid_form

from deskapp.clock import FrozenClock
from deskapp.domain.deadlines import ClockKind
from deskapp.domain.enums import Channel, Satisfaction, Severity, Status
from deskapp.domain.errors import RuleViolation
from deskapp.i18n import error_text
from deskapp.services import followup as fu
from deskapp.services.deadlines import clocks_for, events_of, recompute_all, ticket_facts
from deskapp.services.demo import closing_facts
from deskapp.services.desk import Actor, Desk
from deskapp.services.intake import take_complaint
from deskapp.services.queue import Scope, queue_counts, queue_page
from deskapp.store.models import ChangeLog, Complaint, ComplaintEvent

TZ = ZoneInfo("Asia/Shanghai")


def local(mo: int, d: int, h: int, mi: int = 0, y: int = 2026) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=TZ)


@pytest.fixture
def desk(db_path: Path, clock: FrozenClock) -> Iterator[Desk]:
    """As tests/conftest.py's `desk` (same calls, same state), copied from a template."""
    desk = staffed_desk(db_path, clock)
    yield desk
    desk.close()


# ---------------------------------------------------------------- helpers


def take(desk: Desk, actor: Actor, **overrides: Any) -> Complaint:
    """A complaint not solved on the spot (promised reply tomorrow 10:00 unless given)."""
    return take_complaint(desk, actor, valid_form(desk, **overrides))


def take_media(desk: Desk, actor: Actor, **overrides: Any) -> Complaint:
    return take(
        desk, actor, channel=Channel.MEDIA.value, severity=Severity.MAJOR.value, **overrides
    )


def stored(desk: Desk, complaint_id: str) -> Complaint:
    with desk.read() as s:
        found = s.get(Complaint, complaint_id)
    assert found is not None
    return found


def history(desk: Desk, complaint_id: str) -> list[ComplaintEvent]:
    with desk.read() as s:
        return events_of(s, complaint_id)


def running(desk: Desk, complaint_id: str) -> list[ClockKind]:
    """Every clock the complaint runs against now, earliest first."""
    with desk.read() as s:
        c = s.get(Complaint, complaint_id)
        assert c is not None
        return [x.kind for x in clocks_for(desk, ticket_facts(c, events_of(s, c.id)))]


def snapshot(desk: Desk) -> tuple[Any, ...]:
    """Everything a refusal must leave untouched: the change log, the events, the complaints."""
    with desk.read() as s:
        log = s.scalar(sa.select(sa.func.count()).select_from(ChangeLog))
        events = s.scalar(sa.select(sa.func.count()).select_from(ComplaintEvent))
        rows = [tuple(r) for r in s.execute(sa.select(Complaint.__table__).order_by(Complaint.id))]
    return log, events, rows


def refused(desk: Desk, action: Callable[..., Any], *args: Any, **kwargs: Any) -> set[str]:
    """The keys `action` is refused with; asserts that nothing at all was written."""
    before = snapshot(desk)
    with pytest.raises(RuleViolation) as exc:
        action(desk, *args, **kwargs)
    assert snapshot(desk) == before, "a refused action wrote something"
    return exc.value.keys()


def once(
    desk: Desk, action: Callable[..., fu.ActionResult], actor: Actor, cid: str, **kwargs: Any
) -> ComplaintEvent:
    """Run one action; check it appended exactly one event, by `actor`, now. Returns it."""
    before = history(desk, cid)
    result = action(desk, actor, cid, **kwargs)
    after = history(desk, cid)
    assert [e.id for e in after[: len(before)]] == [e.id for e in before]  # append-only
    (new,) = after[len(before) :]
    assert (new.actor_id, new.at) == (actor.id, desk.clock.now())
    assert result.event.id == new.id
    return new


def due(desk: Desk, cid: str) -> tuple[str, datetime | None]:
    c = stored(desk, cid)
    return c.next_clock, c.next_due_at


def data(event: ComplaintEvent) -> dict[str, Any]:
    return json.loads(event.data)


# ---------------------------------------------------------------- the whole life of a ticket


def test_a_ticket_followed_from_intake_to_return_visit(
    desk: Desk, clock: FrozenClock, actors: dict[str, Actor]
) -> None:
    me, colleague = actors["1001"], actors["1002"]
    cid = take(desk, me, channel=Channel.HOTLINE.value).id
    c = stored(desk, cid)
    assert c.status == Status.OPEN
    assert c.promised_reply_at == local(11, 25, 10, 0)
    assert due(desk, cid) == ("dispatch", local(11, 24, 10, 30))
    assert running(desk, cid) == [
        ClockKind.DISPATCH,  # dispatched from the hotline, not yet taken up
        ClockKind.FIRST_CONTACT,
        ClockKind.PROGRESS_CONTACT,
        ClockKind.PROMISE,
        ClockKind.RESOLUTION_GENERAL,  # 处理完结: 3 working days from receipt
    ]

    clock.advance(timedelta(minutes=5))  # 10:05
    e = once(desk, fu.dispatch, me, cid, department="billing", note="核查话费")
    assert (e.kind, data(e), e.note) == ("dispatch", {"department": "billing"}, "核查话费")
    assert stored(desk, cid).status == Status.DISPATCHED
    # Dispatched: the dispatch clock stops; the customer still needs a first call by 11:00.
    assert due(desk, cid) == ("first_contact", local(11, 24, 11, 0))

    clock.advance(timedelta(minutes=10))  # 10:15
    e = once(
        desk, fu.log_contact, me, cid, reached=True, note="已告知进度", promise="2026-11-24 16:30"
    )
    assert e.kind == "contact"
    assert data(e)["reached"] is True
    assert datetime.fromisoformat(data(e)["promise_due"]) == local(11, 24, 16, 30)
    assert stored(desk, cid).promised_reply_at == local(11, 24, 16, 30)
    assert stored(desk, cid).status == Status.DISPATCHED  # a contact moves no status
    # First contact done; billing owes a first response 2 working hours after 10:05:
    # 1h55 until 12:00, the lunch break, 5 minutes from 13:30.
    assert due(desk, cid) == ("department_first_response", local(11, 24, 13, 35))

    clock.advance(timedelta(minutes=45))  # 11:00
    e = once(
        desk,
        fu.department_reply,
        colleague,
        cid,
        department="billing",
        content="正在核查",
        final=False,
    )
    assert (e.kind, data(e)) == ("department_reply", {"department": "billing", "final": False})
    assert stored(desk, cid).status == Status.REPLIED
    # Next update 2 working hours after the reply, across the lunch break.
    assert due(desk, cid) == ("department_update", local(11, 24, 14, 30))

    clock.advance(timedelta(hours=3))  # 14:00
    once(desk, fu.department_reply, me, cid, department="billing", content="多收已退", final=True)
    assert stored(desk, cid).status == Status.REPLIED
    # No department clock any more: the progress contact, 0.5 working day after 10:15.
    assert due(desk, cid) == ("progress_contact", local(11, 24, 15, 30))

    clock.advance(timedelta(hours=1))  # 15:00
    e = once(
        desk,
        fu.close,
        me,
        cid,
        outcome="已退还多收费用",
        facts=fu.ClosingFacts("department", "network", finding="NET.COVER.INDOOR.BTS_FAULT"),
    )
    assert (e.kind, e.note) == ("closed", "已退还多收费用")
    assert data(e) == {
        "on_spot": False,
        "finding": "NET.COVER.INDOOR.BTS_FAULT",
        "satisfaction": None,
        "responsible": "department",
        "responsible_ref": "network",
    }
    c = stored(desk, cid)
    assert (c.status, c.outcome, c.closed_at) == (Status.CLOSED, "已退还多收费用", clock.now())
    assert c.cause_code_l4 == "NET.COVER.INDOOR.BTS_FAULT"
    # Return visit by the close of the 7th working day; the promise no longer runs.
    assert due(desk, cid) == ("return_visit", local(12, 3, 17, 30))

    clock.advance(timedelta(days=2))  # Thu 26 15:00
    e = once(desk, fu.record_visit, me, cid, score=9)
    assert e.kind == "visit"
    assert data(e) == {"satisfaction": "satisfied", "score": 9, "exception": None, "move": "visit"}
    c = stored(desk, cid)
    assert (c.status, c.satisfaction, c.reopen_count) == (Status.VISITED, "satisfied", 0)
    # Visited: what remains are the three monthly care follow-ups of a customer complaint,
    # the first a month after the closing (Tue 24 15:00).
    assert due(desk, cid) == ("care_follow_up", local(12, 24, 15, 0))
    assert refused(desk, fu.log_contact, me, cid, reached=True, note="再联系") == {
        "error.followup.finished"
    }


# ---------------------------------------------------------------- refusals that apply everywhere


ANY_ACTION: list[tuple[Callable[..., Any], dict[str, Any]]] = [
    (fu.log_contact, {"reached": True, "note": "联系"}),
    (fu.dispatch, {"department": "network", "note": "派单"}),
    (fu.escalate, {"note": "上报"}),
    (fu.change_severity, {"severity": "serious", "reason": ""}),
    (
        fu.close,
        {
            "outcome": "处理完毕",
            "facts": fu.ClosingFacts("customer", finding="NET.COVER.INDOOR.BTS_FAULT"),
        },
    ),
    (fu.pause_clocks, {"until": "2026-11-25 10:00", "reason": "customer_request", "note": "x"}),
    (fu.reassign, {"to_staff_id": "", "note": "转派"}),
    (
        fu.record_investigation,
        {"facts": "事实", "responsible": "责任人", "result": "结果", "improvement": "改进"},
    ),
]


@pytest.mark.parametrize(("action", "kwargs"), ANY_ACTION, ids=lambda v: getattr(v, "__name__", ""))
def test_the_accused_staff_member_cannot_act_on_the_complaint(
    desk: Desk, actors: dict[str, Actor], action: Callable[..., Any], kwargs: dict[str, Any]
) -> None:
    accused = actors["1002"]
    internal = action is fu.record_investigation  # only an internal complaint is investigated
    cid = take(desk, actors["1001"], accused_staff_id=accused.id, internal=internal).id
    if action is fu.reassign:
        kwargs = {**kwargs, "to_staff_id": actors["2001"].id}
    assert refused(desk, action, accused, cid, **kwargs) == {"error.recusal.self"}
    action(desk, actors["1001"], cid, **kwargs)  # …while a colleague may


@pytest.mark.parametrize("note", ["", "   \n"])
@pytest.mark.parametrize(
    ("action", "kwargs"),
    [
        (fu.log_contact, {"reached": False}),
        (fu.dispatch, {"department": "network"}),
        (fu.escalate, {}),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_a_note_is_required(
    desk: Desk, actors: dict[str, Actor], action: Callable[..., Any], kwargs: dict, note: str
) -> None:
    me = actors["1001"]
    cid = take(desk, me, accused_staff_id=actors["1002"].id).id
    assert refused(desk, action, me, cid, note=note, **kwargs) == {"error.required"}


def test_a_note_that_is_too_long_is_refused(desk: Desk, handler: Actor) -> None:
    cid = take(desk, handler).id
    keys = refused(desk, fu.log_contact, handler, cid, reached=True, note="字" * 2001)
    assert keys == {"error.text.too_long"}


def test_an_unknown_complaint_is_refused(desk: Desk, handler: Actor) -> None:
    assert refused(desk, fu.log_contact, handler, "no-such-id", reached=True, note="x") == {
        "error.complaint.unknown"
    }


# ---------------------------------------------------------------- departments


def test_dispatch_to_an_unknown_department_is_refused(desk: Desk, handler: Actor) -> None:
    cid = take(desk, handler).id
    assert refused(desk, fu.dispatch, handler, cid, department="kitchen", note="派单") == {
        "error.department.unknown"
    }


def test_a_reply_from_a_department_never_dispatched_is_refused(desk: Desk, handler: Actor):
    cid = take(desk, handler).id
    reply = {"content": "已处理", "final": False}
    assert refused(desk, fu.department_reply, handler, cid, department="billing", **reply) == {
        "error.department.not_dispatched"
    }
    fu.dispatch(desk, handler, cid, department="network", note="派单")
    assert refused(desk, fu.department_reply, handler, cid, department="billing", **reply) == {
        "error.department.not_dispatched"
    }
    fu.department_reply(desk, handler, cid, department="network", **reply)
    assert stored(desk, cid).status == Status.REPLIED


def test_a_second_department_returns_the_ticket_to_dispatched(
    desk: Desk, clock: FrozenClock, handler: Actor
) -> None:
    cid = take(desk, handler).id
    fu.dispatch(desk, handler, cid, department="network", note="派单")
    fu.department_reply(desk, handler, cid, department="network", content="好", final=True)
    clock.set(local(11, 24, 16, 30))
    e = once(desk, fu.dispatch, handler, cid, department="billing", note="再派")
    assert data(e) == {"department": "billing"}
    assert stored(desk, cid).status == Status.DISPATCHED
    # billing: 1 hour to 17:30, then 1 hour from 08:30 on Wednesday. Before that: the
    # progress contact of this walk-in ticket (0.5 working day after 10:00 = 15:15) is overdue.
    assert due(desk, cid) == ("progress_contact", local(11, 24, 15, 15))
    assert ClockKind.DEPARTMENT_FIRST_RESPONSE in running(desk, cid)


def test_dispatching_a_closed_ticket_is_impossible(desk: Desk, handler: Actor) -> None:
    cid = take(desk, handler).id
    fu.close(desk, handler, cid, outcome="已解决", facts=closing_facts(desk, cid))
    assert refused(desk, fu.dispatch, handler, cid, department="network", note="派单") == {
        "error.status.impossible"
    }


# ---------------------------------------------------------------- escalation


def test_escalation_goes_one_level_at_a_time_to_the_top(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    from deskapp.domain.enums import Role
    from deskapp.services.staff import actor_of, add_staff

    me = actors["1001"]
    cid = take(desk, me).id
    # each level reports it up from its own level (the hall manager to the branch's QA
    # manager, who reports it to the head: test_svc_permissions.py, escalate)
    qa = actor_of(add_staff(desk, actors["3001"], "4001", "赵督办", Role.QA_MANAGER, "4444"))
    steps = [
        (me, "handler", "duty_manager", "值班经理"),
        (actors["2001"], "duty_manager", "hall_manager", "厅经理"),
        (actors["3001"], "hall_manager", "qa_manager", "客服质量监控经理"),
        (qa, "qa_manager", "service_head", "客户服务部负责人"),
    ]
    for level, (actor, low, high, name) in enumerate(steps, start=1):
        e = once(desk, fu.escalate, actor, cid, note=f"上报{level}")
        assert e.kind == "escalated"
        assert data(e) == {
            "from_level": low,
            "to_level": high,
            "to_name": name,
            "severity": "general",
        }
        assert stored(desk, cid).escalation_level == level
    assert refused(desk, fu.escalate, actors["3001"], cid, note="再上报") == {"error.escalate.top"}
    with pytest.raises(RuleViolation) as exc:
        fu.escalate(desk, me, cid, note="再上报")
    assert exc.value.errors[0].params == {"level": "客户服务部负责人"}
    assert stored(desk, cid).status == Status.OPEN  # escalation moves no status


def test_a_closed_ticket_is_not_escalated(desk: Desk, handler: Actor) -> None:
    cid = take(desk, handler).id
    fu.close(desk, handler, cid, outcome="已解决", facts=closing_facts(desk, cid))
    assert refused(desk, fu.escalate, handler, cid, note="上报") == {"error.escalate.closed"}
    assert stored(desk, cid).escalation_level == 0


# ---------------------------------------------------------------- severity


def test_severity_goes_up_freely_and_down_only_with_a_reason(
    desk: Desk, handler: Actor, actors: dict[str, Actor]
) -> None:
    """Raised freely; lowering a 重大 ticket needs a reason and the level that supervises it
    (the customer-service head, data/escalation.toml [required_level]): the handler alone is
    refused in words (attack on issue 16, 1)."""
    from deskapp.domain.enums import Role
    from deskapp.services.staff import actor_of, add_staff

    head = actor_of(add_staff(desk, actors["3001"], "4002", "钱主任", Role.SERVICE_HEAD, "5555"))
    cid = take(desk, handler).id
    e = once(desk, fu.change_severity, handler, cid, severity="major", reason="")
    assert (e.kind, data(e)) == ("severity_changed", {"from": "general", "to": "major"})
    assert stored(desk, cid).severity == Severity.MAJOR

    for blank in ("", "  "):
        assert refused(desk, fu.change_severity, head, cid, severity="serious", reason=blank) == {
            "error.severity.lower_needs_reason"
        }
    for who in (handler, actors["2001"], actors["3001"]):
        assert refused(
            desk, fu.change_severity, who, cid, severity="serious", reason="客户撤回媒体投诉"
        ) == {"error.severity.lower_needs_level"}
    with pytest.raises(RuleViolation) as exc:
        fu.change_severity(desk, handler, cid, severity="general", reason="客户已撤诉")
    assert "客户服务部负责人" in error_text(exc.value.errors[0])
    assert stored(desk, cid).severity == Severity.MAJOR

    e = once(desk, fu.change_severity, head, cid, severity="serious", reason=" 客户撤回媒体投诉 ")
    assert (e.note, data(e)) == ("客户撤回媒体投诉", {"from": "major", "to": "serious"})
    c = stored(desk, cid)
    assert (c.severity, c.severity_reason) == (Severity.SERIOUS, "客户撤回媒体投诉")


def test_severity_never_goes_below_the_channels_or_the_claims_floor(
    desk: Desk, handler: Actor, actors: dict[str, Actor]
) -> None:
    """Attack on issue 16, 1: a 通管局 ticket (重大 by its channel) lowered to 一般 and closed
    without its report form. The floor holds whoever asks and whatever the reason."""
    from deskapp.domain.enums import Role
    from deskapp.services.staff import actor_of, add_staff

    head = actor_of(add_staff(desk, actors["3001"], "4002", "钱主任", Role.SERVICE_HEAD, "5555"))
    cid = take(desk, handler, channel="regulator", severity="major").id
    for who in (handler, head):
        assert refused(
            desk, fu.change_severity, who, cid, severity="general", reason="客户已撤诉"
        ) == {"error.severity.below_floor"}
    walk_in = take(desk, handler, contact_phone="13900000009").id
    fu.flag_hidden_risk(desk, handler, walk_in, note="客户称要找媒体", claimed_to="media")
    assert stored(desk, walk_in).severity == Severity.MAJOR
    assert refused(
        desk, fu.change_severity, head, walk_in, severity="serious", reason="客户已平静"
    ) == {"error.severity.below_floor"}
    with pytest.raises(RuleViolation) as exc:
        fu.change_severity(desk, head, walk_in, severity="serious", reason="客户已平静")
    assert "重大" in error_text(exc.value.errors[0])


def test_severity_unchanged_or_unknown_is_refused(desk: Desk, handler: Actor) -> None:
    cid = take(desk, handler).id
    assert refused(desk, fu.change_severity, handler, cid, severity="general", reason="x") == {
        "error.severity.unchanged"
    }
    assert refused(desk, fu.change_severity, handler, cid, severity="huge", reason="x") == {
        "error.required"
    }


# ---------------------------------------------------------------- closing


@pytest.mark.parametrize("outcome", ["", "   "])
def test_closing_needs_an_outcome(desk: Desk, handler: Actor, outcome: str) -> None:
    cid = take(desk, handler).id
    assert refused(desk, fu.close, handler, cid, outcome=outcome) == {"error.required"}


@pytest.mark.parametrize(
    "finding",
    [
        "NET.COVER.INDOOR",  # the level-3 cause itself
        "NET.COVER",
        "NET.COVER.INDOOR.NO_SUCH",
    ],
)
def test_the_finding_must_be_a_level_4_child_of_the_cause(
    desk: Desk, handler: Actor, finding: str
) -> None:
    cid = take(desk, handler).id
    assert refused(
        desk,
        fu.close,
        handler,
        cid,
        outcome="已解决",
        facts=fu.ClosingFacts("customer", finding=finding),
    ) == {"error.cause.unknown"}


def test_a_level_4_cause_under_another_parent_is_not_a_finding(desk: Desk, handler: Actor):
    cid = take(desk, handler).id  # cause NET.COVER.INDOOR
    finding = "NET.COVER.OUTDOOR.RURAL"
    assert desk.refdata.causes.path(finding).level == 4
    assert refused(
        desk,
        fu.close,
        handler,
        cid,
        outcome="已解决",
        facts=fu.ClosingFacts("customer", finding=finding),
    ) == {"error.cause.unknown"}


def test_closing_a_closed_ticket_is_impossible(desk: Desk, handler: Actor) -> None:
    cid = take(desk, handler).id
    fu.close(desk, handler, cid, outcome="已解决", facts=closing_facts(desk, cid))
    assert refused(desk, fu.close, handler, cid, outcome="再结案") == {"error.status.impossible"}


# ---------------------------------------------------------------- return visits


def closed_ticket(desk: Desk, actor: Actor, **overrides: Any) -> str:
    cid = take(desk, actor, **overrides).id
    fu.close(desk, actor, cid, outcome="已解决", facts=closing_facts(desk, cid))
    return cid


def test_a_ticket_solved_on_the_spot_gets_no_return_visit(desk: Desk, handler: Actor) -> None:
    c = take(
        desk,
        handler,
        solved_on_spot=True,
        outcome="当场重置网络设置",
        satisfaction=Satisfaction.SATISFIED.value,
        promised_reply_at="",
    )
    # No return visit; the care follow-ups of every customer complaint (issue 16): a month on.
    assert (c.status, c.next_clock, c.next_due_at) == (
        Status.CLOSED,
        "care_follow_up",
        local(12, 24, 10, 0),
    )
    assert refused(desk, fu.record_visit, handler, c.id, satisfaction="satisfied") == {
        "error.visit.on_spot"
    }


def test_an_open_ticket_cannot_be_visited(desk: Desk, handler: Actor) -> None:
    cid = take(desk, handler).id
    assert refused(desk, fu.record_visit, handler, cid, satisfaction="satisfied") == {
        "error.status.impossible"
    }


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"score": 0}, "error.visit.score_range"),
        ({"score": 11}, "error.visit.score_range"),
        ({"satisfaction": "happy"}, "error.required"),
        ({}, "error.required"),
        ({"satisfaction": "unsatisfied", "exception": "other"}, "error.required"),
        # An exception must be explained.
        ({"satisfaction": "unsatisfied", "exception": "compensation_only"}, "error.required"),
    ],
)
def test_visit_refusals(desk: Desk, handler: Actor, kwargs: dict[str, Any], key: str) -> None:
    cid = closed_ticket(desk, handler)
    assert refused(desk, fu.record_visit, handler, cid, **kwargs) == {key}


def test_an_unsatisfied_visit_reopens_the_ticket_and_restarts_its_clocks(
    desk: Desk, clock: FrozenClock, handler: Actor
) -> None:
    cid = take(desk, handler, channel=Channel.HOTLINE.value).id
    fu.dispatch(desk, handler, cid, department="network", note="派单")
    fu.log_contact(desk, handler, cid, reached=True, note="已联系")
    fu.close(desk, handler, cid, outcome="已优化基站", facts=closing_facts(desk, cid))
    clock.set(local(11, 26, 15, 0))  # Thursday
    before = history(desk, cid)

    fu.record_visit(desk, handler, cid, score=5, note="信号依旧差", reopen_cause="overdue")

    new = history(desk, cid)[len(before) :]
    assert [e.kind for e in new] == ["visit", "reopened"]
    visit, reopened = new
    assert data(visit)["satisfaction"] == "unsatisfied"
    assert data(visit)["move"] == "reopen"
    assert data(reopened) == {"round": 2, "cause": "overdue"}
    assert {e.actor_id for e in new} == {handler.id}
    assert visit.at == reopened.at == clock.now()
    c = stored(desk, cid)
    assert (c.status, c.reopen_count, c.closed_at, c.outcome) == (Status.OPEN, 1, None, "")
    # A new round: the first round's dispatch and contact do not count; the ticket was taken
    # up in the first round, so no dispatch clock (the handler keeps it unless he decides to
    # send it to a department again).
    assert due(desk, cid) == ("first_contact", local(11, 26, 16, 0))
    assert running(desk, cid) == [
        ClockKind.FIRST_CONTACT,
        ClockKind.PROGRESS_CONTACT,
        ClockKind.RESOLUTION_GENERAL,
    ]

    # The second round ends with a satisfied customer.
    fu.close(desk, handler, cid, outcome="新建室分系统", facts=closing_facts(desk, cid))
    assert due(desk, cid) == ("return_visit", local(12, 7, 17, 30))
    fu.record_visit(desk, handler, cid, satisfaction="satisfied")
    c = stored(desk, cid)
    # Only the care follow-ups remain, a month after the second closing (Thu 26 15:00).
    assert (c.status, c.reopen_count, c.next_due_at) == (Status.VISITED, 1, local(12, 26, 15, 0))


@pytest.mark.parametrize("exception", ["compensation_only", "company_policy"])
def test_an_unsatisfied_visit_under_an_exception_does_not_reopen(
    desk: Desk, handler: Actor, exception: str
) -> None:
    cid = closed_ticket(desk, handler)
    e = once(
        desk,
        fu.record_visit,
        handler,
        cid,
        satisfaction="unsatisfied",
        exception=exception,
        note="只对补偿金额有异议",
        approver_work_no="2001",  # issue 17: a manager approves reporting it so
        approver_pin="8888",
    )
    assert data(e)["exception"] == exception
    assert data(e)["move"] == "visit"
    c = stored(desk, cid)
    assert (c.status, c.reopen_count, c.satisfaction) == (Status.VISITED, 0, "unsatisfied")


def test_an_exception_does_not_matter_for_a_satisfied_customer(desk: Desk, handler: Actor):
    cid = closed_ticket(desk, handler)
    e = once(desk, fu.record_visit, handler, cid, score=8, exception="company_policy")
    assert data(e)["exception"] is None
    assert stored(desk, cid).satisfaction == "basically_satisfied"


# ---------------------------------------------------------------- pauses


def test_a_pause_must_end_in_the_future_and_within_the_maximum(desk: Desk, handler: Actor) -> None:
    cid = take(desk, handler).id
    ask = {"reason": "customer_request", "note": "客户出差"}
    assert refused(desk, fu.pause_clocks, handler, cid, until="09:00", **ask) == {
        "error.time.promise_past"
    }
    assert refused(desk, fu.pause_clocks, handler, cid, until="10:00", **ask) == {
        "error.time.promise_past"
    }
    assert refused(desk, fu.pause_clocks, handler, cid, until="2026-12-24 10:01", **ask) == {
        "error.pause.too_long"
    }
    assert refused(desk, fu.pause_clocks, handler, cid, until="下周", **ask) == {
        "error.time.format"
    }
    assert refused(desk, fu.pause_clocks, handler, cid, until="", **ask) == {"error.time.format"}
    assert refused(
        desk, fu.pause_clocks, handler, cid, until="12-01 10:00", reason="bored", note="x"
    ) == {"error.required"}
    # exactly 30 days is allowed
    e = once(desk, fu.pause_clocks, handler, cid, until="2026-12-24 10:00", **ask)
    assert data(e)["reason"] == "customer_request"
    assert datetime.fromisoformat(data(e)["until"]) == local(12, 24, 10, 0)


def test_a_closed_ticket_cannot_be_paused(desk: Desk, handler: Actor) -> None:
    cid = closed_ticket(desk, handler)
    assert refused(
        desk,
        fu.pause_clocks,
        handler,
        cid,
        until="12-01 10:00",
        reason="customer_request",
        note="x",
    ) == {"error.pause.not_open"}


def test_unreachable_needs_two_unreached_attempts_since_the_last_reached_contact(
    desk: Desk, clock: FrozenClock, handler: Actor
) -> None:
    cid = take(desk, handler).id
    pause = {"until": "2026-11-26 10:00", "reason": "unreachable", "note": "无人接听"}

    def attempts_made() -> int:
        with pytest.raises(RuleViolation) as exc:
            fu.pause_clocks(desk, handler, cid, **pause)
        (error,) = exc.value.errors
        assert (error.key, error.params["needed"]) == ("error.pause.attempts", 2)
        return error.params["made"]

    assert refused(desk, fu.pause_clocks, handler, cid, **pause) == {"error.pause.attempts"}
    assert attempts_made() == 0
    fu.log_contact(desk, handler, cid, reached=False, note="未接")
    assert attempts_made() == 1
    fu.log_contact(desk, handler, cid, reached=False, note="关机")
    fu.log_contact(desk, handler, cid, reached=True, note="接通了")
    fu.log_contact(desk, handler, cid, reached=False, note="未接")
    assert attempts_made() == 1  # the count starts again after a reached contact
    clock.advance(timedelta(minutes=5))
    fu.log_contact(desk, handler, cid, reached=False, note="未接")
    e = once(desk, fu.pause_clocks, handler, cid, **pause)
    assert (e.kind, data(e)["reason"]) == ("pause", "unreachable")


def test_paused_clocks_resume_by_themselves(
    desk: Desk, clock: FrozenClock, actors: dict[str, Actor]
) -> None:
    me = actors["1001"]
    cid = take(desk, me, channel=Channel.HOTLINE.value, promised_reply_at="2026-11-30 10:00").id
    assert due(desk, cid) == ("dispatch", local(11, 24, 10, 30))

    e = once(
        desk,
        fu.pause_clocks,
        me,
        cid,
        until="2026-11-26 10:00",
        reason="customer_request",
        note="客户周四前在外地",
    )
    assert e.kind == "pause"
    c = stored(desk, cid)
    assert c.paused_until == local(11, 26, 10, 0)
    assert c.status == Status.OPEN  # a pause moves no status
    # Two days stood still: the 30-minute dispatch clock is due 48 hours later.
    assert due(desk, cid) == ("dispatch", local(11, 26, 10, 30))

    clock.set(local(11, 26, 10, 20))  # past the pause's end, before the shifted deadline
    assert recompute_all(desk, "system:test") == 0
    assert due(desk, cid) == ("dispatch", local(11, 26, 10, 30))
    assert queue_counts(desk, me, Scope.MINE, clock.now()) == (1, 0)
    clock.set(local(11, 26, 10, 31))  # the clock runs again and goes overdue by itself
    assert queue_counts(desk, me, Scope.MINE, clock.now()) == (1, 1)
    assert queue_page(desk, me).rows[0].paused_until == local(11, 26, 10, 0)


# ---------------------------------------------------------------- reassigning


def test_reassigning_keeps_the_first_responder(desk: Desk, actors: dict[str, Actor]) -> None:
    me, colleague = actors["1001"], actors["1002"]
    cid = take(desk, me).id
    e = once(desk, fu.reassign, me, cid, to_staff_id=colleague.id, note="我下班了")
    assert (e.kind, data(e)) == ("reassigned", {"from": me.id, "to": colleague.id})
    c = stored(desk, cid)
    assert (c.first_responder_id, c.owner_id) == (me.id, colleague.id)
    # 首问负责: still in my queue, and now in my colleague's too.
    assert [r.id for r in queue_page(desk, me).rows] == [cid]
    assert [r.id for r in queue_page(desk, colleague).rows] == [cid]


def test_reassign_refusals(desk: Desk, actors: dict[str, Actor]) -> None:
    me, accused = actors["1001"], actors["1002"]
    cid = take(desk, me, accused_staff_id=accused.id).id
    assert refused(desk, fu.reassign, me, cid, to_staff_id=accused.id, note="x") == {
        "error.recusal.other"
    }
    assert refused(desk, fu.reassign, me, cid, to_staff_id=me.id, note="x") == {
        "error.reassign.same"
    }
    assert refused(desk, fu.reassign, me, cid, to_staff_id="nobody", note="x") == {
        "error.staff.unknown"
    }
    assert refused(desk, fu.reassign, me, cid, to_staff_id=actors["2001"].id, note="") == {
        "error.required"
    }


# ---------------------------------------------------------------- care follow-ups


def test_care_follow_ups_only_for_external_complaints(desk: Desk, handler: Actor) -> None:
    cid = take(desk, handler, internal=True).id  # staff about staff
    fu.record_investigation(desk, handler, cid, facts="还原的事实", responsible="刘洋",
                            result="致歉", improvement="培训")  # fmt: skip
    fu.close(desk, handler, cid, outcome="已解决", facts=closing_facts(desk, cid))
    assert refused(desk, fu.record_care, handler, cid, note="关怀") == {"error.care.not_due"}
    walk_in = closed_ticket(desk, handler)  # a customer's: external, whatever the channel
    assert once(desk, fu.record_care, handler, walk_in, note="关怀").kind == "care"


def test_care_follow_ups_wait_for_the_complaint_to_be_solved(desk: Desk, handler: Actor):
    cid = take_media(desk, handler).id
    assert refused(desk, fu.record_care, handler, cid, note="关怀") == {"error.care.not_due"}


def test_three_care_follow_ups_then_no_more(desk: Desk, clock: FrozenClock, handler: Actor) -> None:
    cid = take(desk, handler).id  # a walk-in customer's complaint
    fu.close(
        desk, handler, cid, outcome="已赔礼道歉并解决", facts=closing_facts(desk, cid)
    )  # Tue 10:00
    assert due(desk, cid) == ("return_visit", local(12, 3, 17, 30))
    clock.set(local(11, 27, 11, 0))
    fu.record_visit(desk, handler, cid, satisfaction="satisfied")
    assert due(desk, cid) == ("care_follow_up", local(12, 24, 10, 0))

    for n, when, then in [
        (1, local(12, 24, 9, 0), local(1, 24, 10, 0, y=2027)),
        (2, local(1, 25, 9, 0, y=2027), local(2, 24, 10, 0, y=2027)),
        (3, local(2, 24, 9, 0, y=2027), None),
    ]:
        clock.set(when)
        e = once(desk, fu.record_care, handler, cid, note=f"第{n}次关怀")
        assert (e.kind, data(e)) == ("care", {"n": n})
        assert stored(desk, cid).next_due_at == then
    assert stored(desk, cid).next_clock == ""
    assert refused(desk, fu.record_care, handler, cid, note="第4次") == {"error.care.done"}


# ---------------------------------------------------------------- internal complaints


def test_investigation_only_for_internal_complaints(
    desk: Desk, handler: Actor, actors: dict[str, Actor]
) -> None:
    # A customer's complaint about a staff member is external: no internal investigation.
    cid = take(desk, handler, accused_staff_id=actors["1002"].id).id
    parts = {"facts": "事实", "responsible": "责任人", "result": "结果", "improvement": "改进"}
    assert refused(desk, fu.record_investigation, handler, cid, **parts) == {
        "error.investigation.not_internal"
    }


def test_the_first_investigation_stops_the_first_internal_clock(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    me, accused = actors["1001"], actors["1002"]
    cid = take(desk, me, accused_staff_id=accused.id, internal=True).id
    assert ClockKind.INTERNAL_FIRST in running(desk, cid)
    assert ClockKind.INTERNAL_WHOLE in running(desk, cid)
    e = once(
        desk, fu.record_investigation, actors["2001"], cid,
        facts="调看监控:态度生硬属实", responsible="刘洋", result="当面致歉",
        improvement="晨会案例分析",
    )  # fmt: skip
    assert (e.kind, e.note) == ("investigation", "调看监控:态度生硬属实")
    assert data(e) == {
        "facts": "调看监控:态度生硬属实",
        "responsible": "刘洋",
        "result": "当面致歉",
        "improvement": "晨会案例分析",
    }
    assert ClockKind.INTERNAL_FIRST not in running(desk, cid)
    assert ClockKind.INTERNAL_WHOLE in running(desk, cid)


def test_an_action_in_the_same_instant_as_a_reopening_belongs_to_the_new_round(
    desk: Desk, clock: FrozenClock, handler: Actor
) -> None:
    # A frozen clock (tests, demo, snapshots) or a coarse system clock gives the next action
    # the very timestamp of the reopening: it must still count in the new round.
    cid = closed_ticket(desk, handler, channel=Channel.HOTLINE.value)
    fu.record_visit(desk, handler, cid, satisfaction="unsatisfied", reopen_cause="overdue")
    assert due(desk, cid)[0] == "dispatch"
    fu.dispatch(desk, handler, cid, department="network", note="重新派单")
    assert stored(desk, cid).status == Status.DISPATCHED
    assert ClockKind.DISPATCH not in running(desk, cid)
    assert [e.kind for e in history(desk, cid)][-3:] == ["visit", "reopened", "dispatch"]


def test_reaching_the_customer_answers_the_promise(desk: Desk, handler: Actor) -> None:
    cid = take(desk, handler, channel=Channel.HOTLINE.value)  # promised: tomorrow 10:00
    assert ClockKind.PROMISE in running(desk, cid.id)
    fu.log_contact(desk, handler, cid.id, reached=False, note="未接通", promise="12:00")
    assert due(desk, cid.id) == ("dispatch", local(11, 24, 10, 30))
    with desk.read() as s:
        c = s.get(Complaint, cid.id)
        assert c is not None
        assert ticket_facts(c, events_of(s, c.id)).promise_due == local(11, 24, 12, 0)
    fu.log_contact(desk, handler, cid.id, reached=True, note="已接通,已答复")
    assert ClockKind.PROMISE not in running(desk, cid.id)


def test_a_reopened_round_only_hears_from_departments_dispatched_in_it(
    desk: Desk, handler: Actor
) -> None:
    cid = take(desk, handler).id
    fu.dispatch(desk, handler, cid, department="billing", note="派单")
    fu.department_reply(desk, handler, cid, department="billing", content="已退费", final=True)
    fu.close(desk, handler, cid, outcome="已退费", facts=closing_facts(desk, cid))
    fu.record_visit(desk, handler, cid, satisfaction="unsatisfied", reopen_cause="overdue")
    fu.dispatch(desk, handler, cid, department="network", note="这次是信号问题")
    reply = {"content": "迟到的回复", "final": False}
    # billing was dispatched in the first round only: it owes nothing in this one.
    assert refused(desk, fu.department_reply, handler, cid, department="billing", **reply) == {
        "error.department.not_dispatched"
    }
    fu.department_reply(desk, handler, cid, department="network", **reply)
    assert stored(desk, cid).status == Status.REPLIED


def test_a_return_visit_reached_the_customer_so_unreached_attempts_count_afresh(
    desk: Desk, clock: FrozenClock, handler: Actor
) -> None:
    cid = take(desk, handler).id
    fu.log_contact(desk, handler, cid, reached=False, note="未接")
    fu.log_contact(desk, handler, cid, reached=False, note="未接")
    fu.close(desk, handler, cid, outcome="已解决", facts=closing_facts(desk, cid))
    fu.record_visit(desk, handler, cid, satisfaction="unsatisfied", note="客户电话里表示不满",
                    reopen_cause="broken_promise")  # fmt: skip
    pause = {"until": "2026-11-26 10:00", "reason": "unreachable", "note": "无人接听"}
    assert refused(desk, fu.pause_clocks, handler, cid, **pause) == {"error.pause.attempts"}
    fu.log_contact(desk, handler, cid, reached=False, note="未接")
    fu.log_contact(desk, handler, cid, reached=False, note="未接")
    assert once(desk, fu.pause_clocks, handler, cid, **pause).kind == "pause"


def test_under_a_held_write_lock_a_bad_time_is_refused_at_its_field_first(
    desk: Desk, handler: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another program holds the store's write lock: a promise or pause end that does not
    parse is said at its field (the store is not even asked); valid input meets the store's
    fault (busy), as before."""
    import sqlite3

    import deskapp.store.engine as engine_module
    from deskapp.store.failures import StoreUnavailable

    cid = take(desk, handler).id
    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 200)
    desk.engine.dispose()
    holder = sqlite3.connect(str(desk.engine.url.database), timeout=0, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        for action, kwargs in [
            (fu.log_contact, {"reached": True, "note": "已联系", "promise": "下周"}),
            (fu.pause_clocks, {"until": "下周", "reason": "customer_request", "note": "出差"}),
            (fu.pause_clocks, {"until": "0001-01-01 00:00", "reason": "customer_request",
                               "note": "出差"}),
        ]:  # fmt: skip
            with pytest.raises(RuleViolation) as refusal:
                action(desk, handler, cid, **kwargs)
            assert {e.field for e in refusal.value.errors} <= {"promise", "until"}, kwargs
        with pytest.raises(StoreUnavailable) as busy:  # the same, valid: the store's fault
            fu.pause_clocks(desk, handler, cid, until="11-25 10:00", reason="customer_request",
                            note="出差")  # fmt: skip
        assert busy.value.key == "error.store.busy"
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        desk.engine.dispose()
