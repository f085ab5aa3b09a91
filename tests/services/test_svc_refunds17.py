"""退费 after intake (issue 17): recorded on an open ticket from the follow-up queue once the
verification came back, by the error type's rule (data/refund_errors.toml), approved beyond the
rule by a manager other than the one recording it (every attempt audited), paid within its
clock, the customer told; no ticket closed while a refund is approved but unpaid; the ceiling
bounds what is paid. Each refusal writes nothing but its audit entry.

The frozen clock is Tue 2026-11-24 10:00 in Shanghai; working periods 08:30–12:00 and
13:30–17:30 (data/hall.toml)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from svc_forms import staffed_desk, valid_form

from deskapp.clock import FrozenClock
from deskapp.domain.deadlines import ClockKind
from deskapp.domain.errors import RuleViolation
from deskapp.domain.refund import ApprovalOutcome, RefundState, refund_quote, refund_state
from deskapp.services import followup as fu
from deskapp.services.deadlines import clocks_for, events_of, ticket_facts
from deskapp.services.demo import closing_facts
from deskapp.services.desk import Actor, Desk
from deskapp.services.intake import RefundForm, take_complaint
from deskapp.store.models import (
    Complaint,
    ComplaintEvent,
    Refund,
    RefundApproval,
    SigninEvent,
)

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def desk(db_path: Path, clock: FrozenClock) -> Iterator[Desk]:
    desk = staffed_desk(db_path, clock)
    yield desk
    desk.close()


def take(desk: Desk, actor: Actor, **overrides: Any) -> str:
    return take_complaint(desk, actor, valid_form(desk, **overrides)).id


def form(**overrides: Any) -> RefundForm:
    values: dict[str, Any] = {
        "error_type": "call_record",
        "charged": "30.00",
        "should_have_charged": "20.00",
        "verified": True,
        "verification": "计费账务中心李工核实话单多计10分钟",
    }
    values.update(overrides)
    return RefundForm(**values)


def rows(desk: Desk, model: type) -> list[Any]:
    with desk.read() as s:
        return list(s.scalars(sa.select(model)))


def state(desk: Desk) -> tuple[Any, ...]:
    """What a refused refund must leave as it was: refunds, events, complaints."""
    with desk.read() as s:
        refunds = [tuple(r) for r in s.execute(sa.select(Refund.__table__).order_by(Refund.id))]
        events = s.scalar(sa.select(sa.func.count()).select_from(ComplaintEvent))
        complaints = [
            tuple(r) for r in s.execute(sa.select(Complaint.__table__).order_by(Complaint.id))
        ]
    return refunds, events, complaints


def refused(desk: Desk, call: Any, *args: Any, **kwargs: Any) -> dict[str, str]:
    before = state(desk)
    with pytest.raises(RuleViolation) as exc:
        call(desk, *args, **kwargs)
    assert state(desk) == before, "a refused refund wrote something"
    return {e.field: e.key for e in exc.value.errors}


def running(desk: Desk, cid: str) -> dict[ClockKind, datetime]:
    with desk.read() as s:
        c = s.get(Complaint, cid)
        assert c is not None
        clocks = clocks_for(desk, ticket_facts(c, events_of(s, c.id)))
    return {x.kind: x.deadline.at.astimezone(TZ) for x in clocks}


# ------------------------------------------------------------------------- the rule


def test_the_error_type_decides_the_rule() -> None:
    # a double kind: 2 × (30.00 − 20.00) = 20.00; any other: the difference, 10.00
    assert refund_quote(Decimal("30.00"), Decimal("20.00"), True).rule_amount == Decimal("20.00")
    assert refund_quote(Decimal("30.00"), Decimal("20.00"), False).rule_amount == Decimal("10.00")
    # nothing for a zero or negative difference, whatever the kind
    assert refund_quote(Decimal("20.00"), Decimal("30.00"), True).rule_amount == Decimal("0.00")


def test_the_six_double_kinds_are_data(desk: Desk) -> None:
    kinds = desk.refdata.refund_errors
    assert {code for code, e in kinds.items() if e.double} == {
        "call_record", "free_prompt_charged", "billing_inaccurate", "border_roaming",
        "beyond_order", "info_service_overcharged",
    }  # fmt: skip
    assert any(not e.double for e in kinds.values())


# ------------------------------------------------------------------ on an open ticket


def test_a_refund_recorded_from_the_queue_runs_its_pay_clock(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    me = actors["1001"]
    cid = take(desk, me)
    result = fu.record_refund(desk, me, cid, form())
    (refund,) = rows(desk, Refund)
    # call_record is a double kind: 2 × (30.00 − 20.00) = 20.00 yuan = 2000 fen
    assert (refund.amount_fen, refund.rule_amount_fen, refund.error_type) == (
        2000, 2000, "call_record")  # fmt: skip
    assert (refund.verified_by, refund.approved_by, refund.paid_at) == (me.id, None, None)
    assert refund.verification == "计费账务中心李工核实话单多计10分钟"
    assert result.event.kind == "refund"
    assert json.loads(result.event.data)["refund_id"] == refund.id
    # recorded Tue 10:00 + 3 working days (data/time_limits.toml) = Fri 2026-11-27 10:00
    assert running(desk, cid)[ClockKind.REFUND_PAYMENT] == datetime(2026, 11, 27, 10, 0,
                                                                     tzinfo=TZ)  # fmt: skip
    assert refund_state(refund.paid_at, refund.told_at) is RefundState.APPROVED


def test_any_other_error_type_refunds_the_difference_and_more_needs_approval(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    me = actors["1001"]
    cid = take(desk, me)
    # promotion_not_applied is not a double kind: the rule is 30.00 − 20.00 = 10.00, so 20.00
    # typed is beyond it and needs a manager and a reason
    errors = refused(desk, fu.record_refund, me, cid,
                     form(error_type="promotion_not_applied", amount="20.00"))  # fmt: skip
    assert errors == {
        "refund_approver": "error.refund.over_rule",
        "refund_approval_reason": "error.refund.reason_required",
    }
    fu.record_refund(desk, me, cid, form(error_type="promotion_not_applied"))
    assert [r.amount_fen for r in rows(desk, Refund)] == [1000]  # 10.00 yuan


def test_no_refund_without_the_verified_step_and_who_verified_it(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    me = actors["1001"]
    cid = take(desk, me)
    assert refused(desk, fu.record_refund, me, cid, form(verified=False)) == {
        "refund_verified": "error.refund.unverified"}  # fmt: skip
    assert refused(desk, fu.record_refund, me, cid, form(verification="  ")) == {
        "refund_verification": "error.required"}  # fmt: skip
    assert refused(desk, fu.record_refund, me, cid, form(error_type="nope")) == {
        "refund_error_type": "error.refund.error_type"}  # fmt: skip
    assert rows(desk, RefundApproval) == []


def test_no_refund_on_a_closed_ticket(desk: Desk, actors: dict[str, Actor]) -> None:
    me = actors["1001"]
    cid = take(desk, me)
    fu.close(desk, me, cid, outcome="已解决", facts=closing_facts(desk, cid))
    assert refused(desk, fu.record_refund, me, cid, form()) == {
        "status": "error.refund.closed_ticket"}  # fmt: skip


# ------------------------------------------------------------------------- four eyes


def over_rule(manager: str, pin: str) -> RefundForm:
    # rule: 2 × (30.00 − 20.00) = 20.00; 50.00 is beyond it
    return form(amount="50.00", approval_reason="客户多次往返,经理同意补偿",
                approver_work_no=manager, approver_pin=pin)  # fmt: skip


def attempts(desk: Desk) -> list[tuple[str, str, str, str, int, int]]:
    return [
        (a.outcome, a.asked_by, a.approver_work_no, a.approver_id, a.amount_fen,
         a.rule_amount_fen)
        for a in sorted(rows(desk, RefundApproval), key=lambda a: a.id)
    ]  # fmt: skip


def test_approval_by_another_manager_is_recorded_and_audited(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    me, duty = actors["1001"], actors["2001"]
    cid = take(desk, me)
    fu.record_refund(desk, me, cid, over_rule("2001", "8888"))
    (refund,) = rows(desk, Refund)
    approved = (refund.amount_fen, refund.rule_amount_fen, refund.approved_by)
    assert approved == (5000, 2000, duty.id)
    assert attempts(desk) == [("approved", me.id, "2001", duty.id, 5000, 2000)]
    assert rows(desk, RefundApproval)[0].refund_id == refund.id


def test_a_duty_manager_cannot_approve_their_own_refund(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    duty = actors["2001"]
    cid = take(desk, duty)
    assert refused(desk, fu.record_refund, duty, cid, over_rule("2001", "8888")) == {
        "refund_approver": "error.refund.self_approval"}  # fmt: skip
    # refused, and audited: who asked, who was to approve, the amount and the rule's amount
    assert attempts(desk) == [("self", duty.id, "2001", duty.id, 5000, 2000)]
    # another manager may
    fu.record_refund(desk, duty, cid, over_rule("3001", "9999"))
    assert [r.approved_by for r in rows(desk, Refund)] == [actors["3001"].id]


def test_a_wrong_approver_pin_counts_toward_the_approvers_lockout_and_is_audited(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    me, duty = actors["1001"], actors["2001"]
    cid = take(desk, me)
    errors = refused(desk, fu.record_refund, me, cid, over_rule("2001", "0000"))
    assert errors == {"refund_approver": "error.signin.wrong"}
    assert [(e.work_no, e.kind) for e in rows(desk, SigninEvent)] == [("2001", "failed")]
    assert attempts(desk) == [("wrong_pin", me.id, "2001", duty.id, 5000, 2000)]


def test_a_handler_cannot_approve_and_the_attempt_is_audited(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    me, colleague = actors["1001"], actors["1002"]
    cid = take(desk, me)
    errors = refused(desk, fu.record_refund, me, cid, over_rule("1002", "2222"))
    assert errors == {"refund_approver": "error.approval.not_manager"}
    assert attempts(desk) == [(ApprovalOutcome.NOT_MANAGER.value, me.id, "1002", colleague.id,
                               5000, 2000)]  # fmt: skip


def test_the_rule_holds_per_ticket_not_per_refund(desk: Desk, actors: dict[str, Actor]) -> None:
    me, duty = actors["1001"], actors["2001"]
    cid = take(desk, me)
    # "other" is the difference itself: 20.00 − 8.00 = 12.00 is the rule's amount
    same = form(error_type="other", charged="20", should_have_charged="8")
    fu.record_refund(desk, me, cid, same)
    # the same charge refunded again: 12.00 already + 12.00 = 24.00 > 12.00, beyond the rule
    assert refused(desk, fu.record_refund, me, cid, same) == {
        "refund_approver": "error.refund.over_rule_ticket",
        "refund_approval_reason": "error.refund.reason_required",
    }
    # split into small ones: 5.00 + 5.00 = 10.00 within 12.00; a third 5.00 makes 15.00, beyond
    other = actors["1001"]
    second = take(desk, other, contact_phone="13900001111")
    small = form(error_type="other", charged="20", should_have_charged="8", amount="5")
    fu.record_refund(desk, me, second, small)
    fu.record_refund(desk, me, second, small)
    assert refused(desk, fu.record_refund, me, second, small)["refund_approver"] == (
        "error.refund.over_rule_ticket")  # fmt: skip
    assert rows(desk, RefundApproval) == []
    # another error type has its own rule: call_record, 2 × (30.00 − 20.00) = 20.00, within it
    fu.record_refund(desk, me, cid, form())
    # a manager approves the repeat, audited with the amount and the one refund's rule amount
    fu.record_refund(desk, me, cid, form(error_type="other", charged="20", should_have_charged="8",
                                         approval_reason="同一话费二次补偿,经理同意",
                                         approver_work_no="2001", approver_pin="8888"))  # fmt: skip
    assert attempts(desk) == [("approved", me.id, "2001", duty.id, 1200, 1200)]
    # 12.00 + 20.00 + 12.00 on the first ticket, 5.00 + 5.00 on the second
    assert sorted(r.amount_fen for r in rows(desk, Refund)) == [500, 500, 1200, 1200, 2000]


def test_the_fifth_wrong_approver_pin_is_audited_as_a_wrong_pin(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    me, duty = actors["1001"], actors["2001"]
    cid = take(desk, me)
    for _ in range(5):  # max_failures = 5 (data/hall.toml): the 5th locks the work number
        refused(desk, fu.record_refund, me, cid, over_rule("2001", "0000"))
    # a 6th, right or wrong, finds it locked
    assert refused(desk, fu.record_refund, me, cid, over_rule("2001", "8888")) == {
        "refund_approver": "error.signin.locked"}  # fmt: skip
    assert [a[0] for a in attempts(desk)] == ["wrong_pin"] * 5 + ["locked"]
    assert {a[3] for a in attempts(desk)} == {duty.id}


def test_an_unknown_approver_is_audited_as_unknown(desk: Desk, actors: dict[str, Actor]) -> None:
    me = actors["1001"]
    cid = take(desk, me)
    errors = refused(desk, fu.record_refund, me, cid, over_rule("7777", "8888"))
    assert errors == {"refund_approver": "error.signin.wrong"}  # says no more than a wrong PIN
    assert attempts(desk) == [("unknown", me.id, "7777", "", 5000, 2000)]


@pytest.mark.parametrize("typed", ["1e3", "1E3", "5e-1", "1_000", "0x10"])
def test_an_amount_in_scientific_notation_is_refused_in_words(
    desk: Desk, actors: dict[str, Actor], typed: str
) -> None:
    me = actors["1001"]
    cid = take(desk, me)
    assert refused(desk, fu.record_refund, me, cid, form(amount=typed)) == {
        "refund_amount": "error.amount.not_number"}  # fmt: skip
    assert refused(desk, fu.record_refund, me, cid, form(charged=typed)) == {
        "refund_charged": "error.amount.not_number"}  # fmt: skip


# --------------------------------------------------------------- paid, told, closed


def test_no_close_while_a_refund_is_approved_but_unpaid(
    desk: Desk, actors: dict[str, Actor], clock: FrozenClock
) -> None:
    me = actors["1001"]
    cid = take(desk, me)
    fu.record_refund(desk, me, cid, form())
    (refund,) = rows(desk, Refund)
    assert refused(desk, fu.close, me, cid, outcome="已退费") == {
        "status": "error.refund.unpaid"}  # fmt: skip
    # told before paid: refused
    assert refused(desk, fu.tell_refund, me, cid, refund_id=refund.id, note="已电话告知") == {
        "refund": "error.refund.not_paid"}  # fmt: skip
    paid = fu.pay_refund(desk, me, cid, refund_id=refund.id, method="cash", reference="R-001")
    assert paid.event.kind == "refund_paid"
    (refund,) = rows(desk, Refund)
    assert (refund.method, refund.paid_ref, refund.paid_by) == ("cash", "R-001", me.id)
    assert ClockKind.REFUND_PAYMENT not in running(desk, cid)
    assert refused(desk, fu.pay_refund, me, cid, refund_id=refund.id, method="cash") == {
        "refund": "error.refund.already_paid"}  # fmt: skip
    fu.tell_refund(desk, me, cid, refund_id=refund.id, note="已电话告知客户退费20元")
    (refund,) = rows(desk, Refund)
    assert refund_state(refund.paid_at, refund.told_at) is RefundState.TOLD
    assert refused(desk, fu.tell_refund, me, cid, refund_id=refund.id, note="再次告知") == {
        "refund": "error.refund.already_told"}  # fmt: skip
    fu.close(desk, me, cid, outcome="已退费并告知客户", facts=closing_facts(desk, cid))


def test_a_refund_of_another_ticket_is_refused(desk: Desk, actors: dict[str, Actor]) -> None:
    me = actors["1001"]
    first, second = take(desk, me), take(desk, me, contact_phone="13900001111")
    fu.record_refund(desk, me, first, form())
    (refund,) = rows(desk, Refund)
    assert refused(desk, fu.pay_refund, me, second, refund_id=refund.id,
                   method="account_credit") == {"refund": "error.refund.unknown"}  # fmt: skip


# ------------------------------------------------------------------------- the ceiling


def test_the_ceiling_bounds_the_rules_amount_not_only_what_is_typed(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    me = actors["1001"]
    cid = take(desk, me)
    # 2 × (30,000.00 − 0.00) = 60,000.00 > the 50,000.00 ceiling (data/hall.toml), nothing typed
    errors = refused(desk, fu.record_refund, me, cid,
                     form(charged="30000", should_have_charged="0"))  # fmt: skip
    assert errors == {"refund_amount": "error.refund.ceiling"}


def test_the_ceiling_bounds_what_the_ticket_is_paid_together(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    me = actors["1001"]
    cid = take(desk, me)
    # "other" and promotion_not_applied are the difference itself: 30,000.00 each, each within
    # its own rule; 30,000 + 30,000 = 60,000 > 50,000
    big = form(error_type="other", charged="30000", should_have_charged="0")
    fu.record_refund(desk, me, cid, big)
    big = form(error_type="promotion_not_applied", charged="30000", should_have_charged="0")
    assert refused(desk, fu.record_refund, me, cid, big) == {
        "refund_amount": "error.refund.ceiling"}  # fmt: skip


# ------------------------------------------------------------------------- at intake


def test_a_refund_at_intake_solved_on_the_spot_is_paid_and_told_there(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    me = actors["1001"]
    refund = RefundForm(charged="30.00", should_have_charged="20.00", verified=True)
    cid = take(desk, me, solved_on_spot=True, outcome="当场核实并退费", satisfaction="satisfied",
               promised_reply_at="", refund=refund)  # fmt: skip
    (stored,) = rows(desk, Refund)
    assert stored.error_type == "billing_inaccurate"  # the intake section's kind: double
    assert stored.amount_fen == 2000
    assert refund_state(stored.paid_at, stored.told_at) is RefundState.TOLD
    assert ClockKind.REFUND_PAYMENT not in running(desk, cid)


def test_a_refund_at_intake_beyond_the_rule_needs_another_manager(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    duty = actors["2001"]
    refund = RefundForm(charged="30.00", should_have_charged="20.00", verified=True,
                        amount="50.00", approval_reason="经理同意", approver_work_no="2001",
                        approver_pin="8888")  # fmt: skip
    with pytest.raises(RuleViolation) as exc:
        take(desk, duty, refund=refund)
    assert exc.value.keys() == {"error.refund.self_approval"}
    assert rows(desk, Complaint) == [] and rows(desk, Refund) == []
    assert [a.outcome for a in rows(desk, RefundApproval)] == ["self"]


def test_a_refund_at_intake_follows_its_error_type(desk: Desk, actors: dict[str, Actor]) -> None:
    """Ctrl+R on the intake form chooses the error type too (issue 17): the same rule as the
    queue's refund. promotion_not_applied is not one of the six double kinds: the rule is the
    difference 30.00 − 20.00 = 10.00; more needs a manager; call_record doubles: 20.00."""
    me = actors["1001"]
    single = form(error_type="promotion_not_applied", verification="")
    errors = refused(desk, take_complaint, me, valid_form(desk, refund=form(
        error_type="promotion_not_applied", amount="20.00")))  # fmt: skip
    assert errors == {
        "refund_approver": "error.refund.over_rule",
        "refund_approval_reason": "error.refund.reason_required",
    }
    assert refused(desk, take_complaint, me, valid_form(desk, refund=form(error_type="nope"))) == {
        "refund_error_type": "error.refund.error_type"}  # fmt: skip
    take_complaint(desk, me, valid_form(desk, refund=single))
    take_complaint(desk, me, valid_form(desk, refund=form(), contact_phone="13900001111"))
    found = sorted((r.error_type, r.amount_fen, r.rule_amount_fen) for r in rows(desk, Refund))
    assert found == [("call_record", 2000, 2000), ("promotion_not_applied", 1000, 1000)]
