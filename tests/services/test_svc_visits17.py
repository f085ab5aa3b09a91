"""Return visits that can be trusted (issue 17): the attempts before the customer was reached
(unreachable × N with their times), the guidelines' questions (attitude, speed, result) and the
customer's suggestion; an unsatisfied result reported under one of the two exceptions only with
a manager's approval (wrong PINs counted); a reopening's cause from the list. Each refusal
writes nothing (but a wrong PIN's count).

The frozen clock is Tue 2026-11-24 10:00 in Shanghai."""

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
from deskapp.domain.errors import RuleViolation
from deskapp.services import followup as fu
from deskapp.services.deadlines import events_of
from deskapp.services.demo import closing_facts
from deskapp.services.desk import Actor, Desk
from deskapp.services.intake import take_complaint
from deskapp.store.models import ChangeLog, Complaint, SigninEvent, VisitApproval

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def desk(db_path: Path, clock: FrozenClock) -> Iterator[Desk]:
    desk = staffed_desk(db_path, clock)
    yield desk
    desk.close()


def closed(desk: Desk, clock: FrozenClock, actor: Actor) -> str:
    cid = take_complaint(desk, actor, valid_form(desk)).id
    fu.close(desk, actor, cid, outcome="已调整基站天线", facts=closing_facts(desk, cid))
    clock.advance(timedelta(hours=3))  # Tue 13:00
    return cid


def log(desk: Desk, *excluding: str) -> int:
    with desk.read() as s:
        q = sa.select(sa.func.count()).select_from(ChangeLog)
        return s.scalar(q.where(ChangeLog.entity.not_in(excluding))) or 0


def refused(desk: Desk, *args: Any, **kwargs: Any) -> dict[str, str]:
    audit = ("signin_event", "refusal", "visit_approval")  # a wrong PIN counted, the audit
    before = log(desk, *audit)
    with pytest.raises(RuleViolation) as exc:
        fu.record_visit(desk, *args, **kwargs)
    assert log(desk, *audit) == before, "a refused visit wrote something"
    return {e.field: e.key for e in exc.value.errors}


def kinds(desk: Desk, cid: str) -> list[tuple[str, dict[str, Any]]]:
    with desk.read() as s:
        return [(e.kind, json.loads(e.data)) for e in events_of(s, cid)]


def test_a_visit_records_its_attempts_questions_and_suggestion(
    desk: Desk, clock: FrozenClock, actors: dict[str, Actor]
) -> None:
    me = actors["1001"]
    cid = closed(desk, clock, me)
    result = fu.record_visit(
        desk, me, cid, satisfaction="satisfied", attempts="11-24 11:00, 11-24 12:30",
        attitude="satisfied", speed="basically_satisfied", result_answer="satisfied",
        suggestion="希望以后短信告知处理进度",
    )  # fmt: skip
    data = json.loads(result.event.data)
    assert data["unreachable"] == 2  # unreachable × 2 before this call reached the customer
    assert [datetime.fromisoformat(a).astimezone(TZ).strftime("%H:%M")
            for a in data["attempts"]] == ["11:00", "12:30"]  # fmt: skip
    assert data["answers"] == {"attitude": "satisfied", "speed": "basically_satisfied",
                               "result": "satisfied"}  # fmt: skip
    assert data["suggestion"] == "希望以后短信告知处理进度"


def test_an_attempt_in_the_future_or_a_wrong_answer_is_refused(
    desk: Desk, clock: FrozenClock, actors: dict[str, Actor]
) -> None:
    me = actors["1001"]
    cid = closed(desk, clock, me)
    assert refused(desk, me, cid, satisfaction="satisfied", attempts="11-24 18:00") == {
        "attempts": "error.visit.attempt_time"}  # fmt: skip
    assert refused(desk, me, cid, satisfaction="satisfied", attempts="昨天") == {
        "attempts": "error.time.format"}  # fmt: skip
    assert refused(desk, me, cid, satisfaction="satisfied", speed="great") == {
        "speed": "error.required"}  # fmt: skip


def test_an_unsatisfied_exception_needs_a_managers_approval(
    desk: Desk, clock: FrozenClock, actors: dict[str, Actor]
) -> None:
    me, duty = actors["1001"], actors["2001"]
    cid = closed(desk, clock, me)
    ask = {"satisfaction": "unsatisfied", "exception": "compensation_only",
           "note": "只对补偿金额有异议"}  # fmt: skip
    assert refused(desk, me, cid, **ask) == {"approver": "error.visit.exception_approval"}
    assert refused(desk, me, cid, approver_work_no="1002", approver_pin="2222", **ask) == {
        "approver": "error.approval.not_manager"}  # fmt: skip
    assert refused(desk, me, cid, approver_work_no="2001", approver_pin="0000", **ask) == {
        "approver": "error.signin.wrong"}  # fmt: skip
    with desk.read() as s:  # the wrong PIN counts toward the approver's lockout
        assert s.scalars(sa.select(SigninEvent.work_no)).all() == ["2001"]
    result = fu.record_visit(desk, me, cid, approver_work_no="2001", approver_pin="8888", **ask)
    assert json.loads(result.event.data)["approved_by"] == duty.id
    with desk.read() as s:
        c = s.get(Complaint, cid)
        assert c is not None and (c.status, c.reopen_count) == ("visited", 0)


def test_a_reopening_records_its_cause(
    desk: Desk, clock: FrozenClock, actors: dict[str, Actor]
) -> None:
    me = actors["1001"]
    cid = closed(desk, clock, me)
    assert refused(desk, me, cid, satisfaction="unsatisfied", reopen_cause="other") == {
        "note": "error.visit.reopen_other"}  # fmt: skip
    assert refused(desk, me, cid, satisfaction="unsatisfied", reopen_cause="weather") == {
        "reopen_cause": "error.visit.reopen_cause"}  # fmt: skip
    # no cause at all: a reopening is refused without one, nothing written
    assert refused(desk, me, cid, satisfaction="unsatisfied", note="客户不满意") == {
        "reopen_cause": "error.visit.reopen_cause"}  # fmt: skip
    assert refused(desk, me, cid, score=3) == {"reopen_cause": "error.visit.reopen_cause"}
    fu.record_visit(desk, me, cid, satisfaction="unsatisfied", reopen_cause="broken_promise",
                    note="承诺周一回电未回")  # fmt: skip
    reopened = [d for k, d in kinds(desk, cid) if k == "reopened"]
    assert [d["cause"] for d in reopened] == ["broken_promise"]


def test_a_duty_manager_cannot_approve_their_own_unsatisfied_exception(
    desk: Desk, clock: FrozenClock, actors: dict[str, Actor]
) -> None:
    duty, hall = actors["2001"], actors["3001"]
    cid = closed(desk, clock, duty)
    ask = {"satisfaction": "unsatisfied", "exception": "company_policy",
           "note": "处理符合公司规定"}  # fmt: skip
    # 四眼 (domain.refund.check_four_eyes): the visit's recorder is not their own approver
    assert refused(desk, duty, cid, approver_work_no="2001", approver_pin="8888", **ask) == {
        "approver": "error.visit.self_approval"}  # fmt: skip
    with desk.read() as s:
        c = s.get(Complaint, cid)
        assert c is not None and c.satisfaction != "unsatisfied"
    result = fu.record_visit(desk, duty, cid, approver_work_no="3001", approver_pin="9999", **ask)
    assert json.loads(result.event.data)["approved_by"] == hall.id


def attempts(desk: Desk) -> list[tuple[str, str, str, str, str]]:
    """The audit of the visit approvals: (asked by, work number typed, approver, outcome,
    exception), oldest first."""
    with desk.read() as s:
        rows = s.scalars(sa.select(VisitApproval).order_by(VisitApproval.at, VisitApproval.id))
        return [(r.asked_by, r.approver_work_no, r.approver_id, r.outcome, r.exception)
                for r in rows]  # fmt: skip


def test_every_approval_attempt_is_audited_allowed_or_refused(
    desk: Desk, clock: FrozenClock, actors: dict[str, Actor]
) -> None:
    """As a refund's: who asked, who was to approve, what became of it; the refused visit
    itself writes nothing (refused() checks), its audit row stays."""
    me, colleague, duty, hall = actors["1001"], actors["1002"], actors["2001"], actors["3001"]
    cid = closed(desk, clock, me)
    ask = {"satisfaction": "unsatisfied", "exception": "compensation_only",
           "note": "只对补偿金额有异议"}  # fmt: skip
    refused(desk, me, cid, **ask)  # no approver typed: no attempt, nothing audited
    assert attempts(desk) == []
    refused(desk, me, cid, approver_work_no="1002", approver_pin="2222", **ask)
    refused(desk, me, cid, approver_work_no="2001", approver_pin="0000", **ask)
    refused(desk, me, cid, approver_work_no="9999", approver_pin="0000", **ask)
    fu.record_visit(desk, me, cid, approver_work_no="2001", approver_pin="8888", **ask)
    assert attempts(desk) == [
        (me.id, "1002", colleague.id, "not_manager", "compensation_only"),
        (me.id, "2001", duty.id, "wrong_pin", "compensation_only"),
        (me.id, "9999", "", "unknown", "compensation_only"),
        (me.id, "2001", duty.id, "approved", "compensation_only"),
    ]
    # a duty manager approving their own: refused, audited as such
    other = closed(desk, clock, duty)
    policy = {**ask, "exception": "company_policy", "note": "处理符合公司规定"}
    refused(desk, duty, other, approver_work_no="2001", approver_pin="8888", **policy)
    fu.record_visit(desk, duty, other, approver_work_no="3001", approver_pin="9999", **policy)
    assert attempts(desk)[-2:] == [
        (duty.id, "2001", duty.id, "self", "company_policy"),
        (duty.id, "3001", hall.id, "approved", "company_policy"),
    ]


def test_an_approval_whose_visit_was_refused_is_not_one(
    desk: Desk, clock: FrozenClock, actors: dict[str, Actor]
) -> None:
    """The granted attempt is written with its visit: a visit the rules refuse after the
    approval (a ticket solved on the spot gets no visit) leaves no approved row."""
    me = actors["1001"]
    form = valid_form(desk, solved_on_spot=True, outcome="当场解释清楚", satisfaction="satisfied")
    on_spot = take_complaint(desk, me, form).id
    ask = {"satisfaction": "unsatisfied", "exception": "compensation_only", "note": "补偿异议"}
    assert refused(desk, me, on_spot, approver_work_no="2001", approver_pin="8888", **ask) == {
        "status": "error.visit.on_spot"}  # fmt: skip
    assert attempts(desk) == []
