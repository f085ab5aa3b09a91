"""The signed-off day is locked for every change (services/day_lock.py).

The services that write are found in their own source (every public function of deskapp's
service modules that opens a write or goes through followup's `_act`): each either takes a
late approval (`late`) and is walked here on a locked day, or is listed in EXEMPT with the
reason it changes no day's record. A new write function fails `test_every_write_is_locked_or_
exempt` until it is one or the other."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from svc_forms import CAUSE, PINS, staffed_desk, valid_form

import deskapp.services
from deskapp.clock import FrozenClock
from deskapp.domain.enums import Channel, Severity
from deskapp.domain.errors import RuleViolation
from deskapp.domain.permissions import PermissionRefused
from deskapp.domain.timefmt import format_local, local_day
from deskapp.services import day_close, followup, opinion_book
from deskapp.services.batches import BatchForm, link_to_batch, open_batch, unlink_from_batch
from deskapp.services.day_lock import LateApproval, locked_for
from deskapp.services.demo import closing_facts
from deskapp.services.desk import Actor, Desk
from deskapp.services.extensions import pending_of
from deskapp.services.intake import RefundForm, take_complaint
from deskapp.services.refunds import ticket_refunds
from deskapp.services.staff import actor_of, list_staff
from deskapp.store.models import ChangeLog, Complaint, ComplaintEvent, DayClose, LateChange

# Writes that change no day's work record, with the reason. Anything else that writes must
# take a late approval.
EXEMPT = {
    "audit.record_refusal": "the audit of a refusal: never a change to a day's record",
    "approvals.approve_by_manager": "writes only the audit of a refused approval attempt "
    "(refund_approval, extension_approval), never a change to a day's record; an approved one "
    "is written with the action approved, which takes the late approval",
    "deadlines.recompute_all": "recomputes derived deadlines only (next_due_at), no fact of a day",
    "day_close.sign_off": "makes the lock itself",
    "major_report.export_major_report": "records that the report form was printed, no fact "
    "a day's work record counts (printing is never refused)",
    "importer.import_file": "refuses a row received or closed on a signed-off day (a row "
    "error): test_an_import_never_books_a_row_on_a_signed_off_day",
    "shifts.open_shift": "a shift is not counted on the day's work record",
    "shifts.close_shift": "a shift is not counted on the day's work record",
    "shifts.acknowledge": "a shift is not counted on the day's work record",
    "shifts.file_handover": "a shift is not counted on the day's work record",
    "shifts.annotate": "a shift is not counted on the day's work record",
    "staff.add_staff": "staff, not a day's record",
    "staff.seed_staff": "staff, not a day's record",
    "staff.change_role": "staff, not a day's record",
    "staff.set_active": "staff, not a day's record",
    "staff.reset_pin": "staff, not a day's record",
    "staff.unlock": "sign-in events, not a day's record",
    "staff.sign_in": "sign-in events, not a day's record",
    "conflicts.settle_conflict": "keeps one of two values both terminals already recorded "
    "(a manager's choice, itself audited by the conflict row)",
    "customer.save_watch_entry": "the hall's watch list of customers, not a day's record "
    "(each change audited by its watch_event)",
    "cases.mark_case": "a teaching case for the morning meeting, not a day's record",
    "cases.retire_case": "retiring a teaching case, not a day's record",
    "cases.edit_case": "rewriting a teaching case's summary and lesson, not a day's record",
    "batches.open_batch": "the incident itself, not a ticket: a day's record counts tickets",
    "batches.close_batch": "closes each linked ticket through followup.close_each, which meets "
    "the day lock (a ticket refused by it is left open and said: error.day.locked); the batch "
    "row itself is not a day's record",
    "followup.close_each": "each ticket through close's own _act_in, whose guard_complaint meets "
    "the day lock with no late approval: a ticket of a locked day is refused alone, kept open",
}


def _writers() -> dict[str, Callable[..., Any]]:
    """Every public function of the service modules whose own source opens a write
    transaction or goes through `_act`."""
    modules = [
        importlib.import_module(f"deskapp.services.{m.name}")
        for m in pkgutil.iter_modules(deskapp.services.__path__)
    ]
    found = {}
    for module in modules:
        short = module.__name__.rsplit(".", 1)[1]
        # A package (services/importer, services/reports): its modules' functions, by the
        # package's name, as the callers know them.
        parts = [module] + [
            importlib.import_module(m.name)
            for m in pkgutil.walk_packages(getattr(module, "__path__", []), module.__name__ + ".")
        ]
        own = {name: fn for part in parts
               for name, fn in inspect.getmembers(part, inspect.isfunction)
               if fn.__module__ == part.__name__}  # fmt: skip
        # A private helper that writes (the importer's `_write_rows`) makes its callers
        # writers too.
        helpers = [name for name, fn in own.items() if name.startswith("_")
                   and ".write(" in inspect.getsource(fn)]  # fmt: skip
        for name, fn in own.items():
            if name.startswith("_"):
                continue
            source = inspect.getsource(fn)
            if (".write(" in source or "_act(" in source
                    or any(f"{helper}(" in source for helper in helpers)):  # fmt: skip
                found[f"{short}.{name}"] = fn
    return found


WRITERS = _writers()
LOCKED = sorted(n for n, fn in WRITERS.items() if "late" in inspect.signature(fn).parameters)


def test_every_write_is_locked_or_exempt() -> None:
    assert len(WRITERS) > 20  # the scan found the services (a broken scan would pass empty)
    assert "followup.change_severity" in LOCKED and "day_close.complete_record" in LOCKED
    unclassified = set(WRITERS) - set(LOCKED) - set(EXEMPT)
    assert not unclassified, f"writes with neither a late approval nor a reason: {unclassified}"
    assert not set(EXEMPT) & set(LOCKED)
    assert set(EXEMPT) <= set(WRITERS), "an exemption for a function that no longer writes"


# ------------------------------------------------------------ each locked write, walked


@pytest.fixture
def desk(db_path: Path, clock: FrozenClock) -> Iterator[Desk]:
    desk = staffed_desk(db_path, clock)
    yield desk
    desk.close()


@pytest.fixture
def actors(desk: Desk) -> dict[str, Actor]:
    return {s.work_no: actor_of(s) for s in list_staff(desk)}


def _take(desk: Desk, actor: Actor, **overrides: Any) -> str:
    return take_complaint(desk, actor, valid_form(desk, **overrides)).id


def _closed(desk: Desk, actor: Actor, **overrides: Any) -> str:
    cid = _take(desk, actor, **overrides)
    followup.close(
        desk, actor, cid, outcome="已解决", satisfaction="satisfied", facts=closing_facts(desk, cid)
    )
    return cid


# name -> setup(desk, actors) run before the day is signed off, returning the call to make
# on the locked day (given the late approval or None).
Call = Callable[[LateApproval | None], Any]


def _on_ticket(action: Callable[..., Any], setup: Callable[..., str] = _take, **kw: Any):
    def prepare(desk: Desk, actors: dict[str, Actor]) -> Call:
        cid = setup(desk, actors["1001"])
        return lambda late: action(desk, actors["1001"], cid, late=late, **kw)

    return prepare


def _replied_setup(desk: Desk, actor: Actor) -> str:
    cid = _take(desk, actor)
    followup.dispatch(desk, actor, cid, department=_department(desk), note="派单")
    return cid


def _department(desk: Desk) -> str:
    return next(iter(desk.refdata.departments))


def _pause(desk: Desk, actors: dict[str, Actor]) -> Call:
    cid = _take(desk, actors["1001"])
    until = format_local(desk.clock.now() + timedelta(days=2), desk.tz)
    return lambda late: followup.pause_clocks(
        desk, actors["1001"], cid, until=until, reason="customer_request", note="客户要求",
        late=late)  # fmt: skip


def _reassign(desk: Desk, actors: dict[str, Actor]) -> Call:
    cid = _take(desk, actors["1001"])
    return lambda late: followup.reassign(
        desk, actors["1001"], cid, to_staff_id=actors["1002"].id, note="下午请假", late=late
    )


def _dispatch(desk: Desk, actors: dict[str, Actor]) -> Call:
    cid = _take(desk, actors["1001"])
    return lambda late: followup.dispatch(
        desk, actors["1001"], cid, department=_department(desk), note="派单", late=late
    )


def _reply(desk: Desk, actors: dict[str, Actor]) -> Call:
    cid = _replied_setup(desk, actors["1001"])
    return lambda late: followup.department_reply(
        desk, actors["1001"], cid, department=_department(desk), content="已处理", final=True,
        late=late)  # fmt: skip


def _investigation(desk: Desk, actors: dict[str, Actor]) -> Call:
    cid = _take(desk, actors["1001"], accused_staff_id=actors["1002"].id, internal=True)
    parts = {"facts": "调查", "responsible": "刘洋", "result": "致歉", "improvement": "培训"}
    return lambda late: followup.record_investigation(desk, actors["1001"], cid, late=late, **parts)


def _care(desk: Desk, actors: dict[str, Actor]) -> Call:
    cid = _closed(desk, actors["1001"])  # every customer complaint gets its care (issue 16)
    return lambda late: followup.record_care(desk, actors["1001"], cid, note="关怀", late=late)


def _media(desk: Desk, actors: dict[str, Actor]) -> Call:
    cid = _take(desk, actors["1001"], channel=Channel.MEDIA.value, severity=Severity.MAJOR.value)
    return lambda late: followup.report_media(desk, actors["1001"], cid, note="已报备", late=late)


def _internal_asked(desk: Desk, actors: dict[str, Actor]) -> str:
    cid = _take(desk, actors["1001"], internal=True)
    followup.request_explanation(desk, actors["2001"], cid, head="网络部 孙经理")
    return cid


def _waiver(desk: Desk, actors: dict[str, Actor]) -> Call:
    """Asked four days ago (Fri 11-20): the right to explain has lapsed."""
    now = desk.clock.now()
    desk.clock.set(now - timedelta(days=4))  # type: ignore[attr-defined]
    cid = _internal_asked(desk, actors)
    desk.clock.set(now)  # type: ignore[attr-defined]
    return lambda late: followup.record_waiver(desk, actors["1001"], cid, late=late)


def _explanation(desk: Desk, actors: dict[str, Actor]) -> Call:
    cid = _internal_asked(desk, actors)
    return lambda late: followup.record_explanation(
        desk, actors["1001"], cid, note="当日人手不足", late=late
    )


def _file_report(desk: Desk, actors: dict[str, Actor]) -> Call:
    """A 重大 complaint escalated to the customer-service head, every level's opinion given."""
    from deskapp.domain.enums import Role
    from deskapp.services.staff import add_staff

    for work_no, name, role in (("4001", "赵督办", Role.QA_MANAGER),
                                ("4002", "钱主任", Role.SERVICE_HEAD)):  # fmt: skip
        add_staff(desk, actors["3001"], work_no, name, role, "4444")
    chain = {s.work_no: actor_of(s) for s in list_staff(desk)}
    cid = _take(desk, actors["1001"], channel=Channel.MEDIA.value, severity=Severity.MAJOR.value)
    for work_no in ("1001", "2001", "3001", "4001"):  # each level reports it up from its own
        followup.escalate(desk, chain[work_no], cid, note="逐级上报")
    for work_no in ("1001", "2001", "3001", "4001", "4002"):
        followup.give_opinion(desk, chain[work_no], cid, opinion="同意")
    return lambda late: followup.file_report(
        desk, actors["1001"], cid, outcome="已道歉并补偿", late=late
    )


def _complete(desk: Desk, actors: dict[str, Actor]) -> Call:
    cid = _take(desk, actors["1001"])
    followup.close(
        desk, actors["1001"], cid, outcome="已解决", facts=closing_facts(desk, cid)
    )  # satisfaction left out
    return lambda late: day_close.complete_record(
        desk, actors["1001"], cid, satisfaction="satisfied", late=late
    )


def _process_entry(desk: Desk, actors: dict[str, Actor]) -> Call:
    entry = opinion_book.add_entry(
        desk, actors["1001"], opinion_book.EntryForm(page="1", line="1", content="排队太久")
    )
    return lambda late: opinion_book.process_entry(
        desk, actors["1001"], entry.id, "已答复", late=late
    )


def _add_entry(desk: Desk, actors: dict[str, Actor]) -> Call:
    form = opinion_book.EntryForm(page="1", line="2", content="建议多开窗口")
    return lambda late: opinion_book.add_entry(desk, actors["1001"], form, late=late)


BILLING = "BILLINFO.ACCURACY.SP"


def _billing(desk: Desk, actor: Actor) -> str:
    return _take(desk, actor, cause_code=BILLING)


def _refund_form() -> RefundForm:
    return RefundForm(error_type="call_record", charged="26.00", should_have_charged="20.00",
                      verified=True, verification="计费账务中心核实话单")  # fmt: skip


def _with_refund(desk: Desk, actors: dict[str, Actor]) -> tuple[str, str]:
    cid = _billing(desk, actors["1001"])
    followup.record_refund(desk, actors["1001"], cid, _refund_form())
    (refund,) = ticket_refunds(desk, cid)
    return cid, refund.id


def _pay_refund(desk: Desk, actors: dict[str, Actor]) -> Call:
    cid, refund_id = _with_refund(desk, actors)
    return lambda late: followup.pay_refund(
        desk, actors["1001"], cid, refund_id=refund_id, method="account_credit",
        reference="CR-1", late=late,
    )  # fmt: skip


def _tell_refund(desk: Desk, actors: dict[str, Actor]) -> Call:
    cid, refund_id = _with_refund(desk, actors)
    followup.pay_refund(desk, actors["1001"], cid, refund_id=refund_id, method="account_credit",
                        reference="CR-1")  # fmt: skip
    return lambda late: followup.tell_refund(
        desk, actors["1001"], cid, refund_id=refund_id, note="已电话告知", late=late
    )


def _link_to_batch(desk: Desk, actors: dict[str, Actor]) -> Call:
    cid = _take(desk, actors["1001"])
    batch = open_batch(desk, actors["2001"], BatchForm(title="区域断网", cause_code="NET"))
    return lambda late: link_to_batch(desk, actors["1001"], cid, batch.id, late=late)


def _unlink_from_batch(desk: Desk, actors: dict[str, Actor]) -> Call:
    cid = _take(desk, actors["1001"])
    batch = open_batch(desk, actors["2001"], BatchForm(title="区域断网", cause_code="NET"))
    link_to_batch(desk, actors["1001"], cid, batch.id)
    return lambda late: unlink_from_batch(desk, actors["1001"], cid, "误关联", late=late)


def _request_extension(desk: Desk, actors: dict[str, Actor]) -> Call:
    cid = _take(desk, actors["1001"])
    return lambda late: followup.request_extension(
        desk, actors["1001"], cid, clock="resolution_general", new_due="2026-12-01 17:00",
        reason="等待计费中心核查", late=late,
    )  # fmt: skip


def _decide_extension(desk: Desk, actors: dict[str, Actor]) -> Call:
    cid = _take(desk, actors["1001"])
    followup.request_extension(desk, actors["1001"], cid, clock="resolution_general",
                               new_due="2026-12-01 17:00", reason="等待计费中心核查")  # fmt: skip
    (ext,) = pending_of(desk, cid)
    return lambda late: followup.decide_extension(
        desk, actors["1001"], cid, extension_id=ext.id, decision="approve",
        approver_work_no="3001", approver_pin=PINS["3001"], late=late,
    )  # fmt: skip


def _intake(desk: Desk, actors: dict[str, Actor]) -> Call:
    return lambda late: take_complaint(desk, actors["1001"], valid_form(desk), late=late)


def _set_repeat(desk: Desk, actors: dict[str, Actor]) -> Call:
    from deskapp.services.repeats import set_repeat

    first = _take(desk, actors["1001"])
    again = _take(desk, actors["1001"], link_repeat=False, repeat_unlink_reason="另一件事")
    return lambda late: set_repeat(desk, actors["1001"], again, first, late=late)


def _unlink_repeat(desk: Desk, actors: dict[str, Actor]) -> Call:
    from deskapp.services.repeats import unlink_repeat

    _take(desk, actors["1001"])
    again = _take(desk, actors["1001"])  # the same customer and matter: linked by the rule
    return lambda late: unlink_repeat(desk, actors["1001"], again, "客户说是另一件事", late=late)


RECIPES: dict[str, Callable[[Desk, dict[str, Actor]], Call]] = {
    "followup.log_contact": _on_ticket(followup.log_contact, reached=True, note="已联系"),
    "followup.dispatch": _dispatch,
    "followup.department_reply": _reply,
    "followup.escalate": _on_ticket(followup.escalate, note="上报"),
    "followup.change_severity": _on_ticket(followup.change_severity, severity="serious", reason=""),
    "followup.close": _on_ticket(
        followup.close,
        outcome="已解决",
        satisfaction="satisfied",
        facts=followup.ClosingFacts("customer", finding=f"{CAUSE}.BTS_FAULT"),
    ),
    "followup.record_visit": _on_ticket(followup.record_visit, _closed, satisfaction="satisfied"),
    "followup.pause_clocks": _pause,
    "followup.reassign": _reassign,
    "followup.record_care": _care,
    "followup.record_investigation": _investigation,
    "followup.plan_dispatch": _on_ticket(followup.plan_dispatch, department="network"),
    "followup.flag_hidden_risk": _on_ticket(followup.flag_hidden_risk, note="客户情绪激动"),
    "followup.report_media": _media,
    "followup.give_opinion": _on_ticket(followup.give_opinion, opinion="已安抚客户"),
    "followup.file_report": _file_report,
    "followup.request_explanation": _on_ticket(
        followup.request_explanation,
        lambda desk, actor: _take(desk, actor, internal=True),
        head="网络部 孙经理",
    ),
    "followup.record_explanation": _explanation,
    "followup.record_waiver": _waiver,
    "day_close.complete_record": _complete,
    "opinion_book.process_entry": _process_entry,
    "opinion_book.add_entry": _add_entry,
    "intake.take_complaint": _intake,
    "followup.record_refund": _on_ticket(followup.record_refund, _billing, form=_refund_form()),
    "followup.pay_refund": _pay_refund,
    "followup.tell_refund": _tell_refund,
    "followup.set_no_fault": _on_ticket(
        followup.set_no_fault, no_fault=True, reason="核实为客户误解资费规则"
    ),
    "batches.link_to_batch": _link_to_batch,
    "batches.unlink_from_batch": _unlink_from_batch,  # undone while the batch is open
    "repeats.set_repeat": _set_repeat,  # issue 18: the repeat changed after intake
    "repeats.unlink_repeat": _unlink_repeat,
    "followup.request_extension": _request_extension,
    "followup.decide_extension": _decide_extension,
}


def test_every_locked_write_has_a_walk() -> None:
    assert set(RECIPES) == set(LOCKED)


def sign_off_today(desk: Desk, manager: Actor) -> str:
    """The day's sign-off row as `day_close.sign_off` writes it (its checklist is tested in
    test_svc_day_close.py; here only the lock matters)."""
    day = local_day(desk.clock.now(), desk.tz).isoformat()
    terminal = desk.terminal()
    with desk.write(manager.id) as session:
        session.add(DayClose(
            day=day, hall_code=terminal.hall_code, terminal_code=terminal.terminal_code,
            signed_off_by=manager.id, signed_off_at=desk.clock.now(),
        ))  # fmt: skip
    return day


def _log_size(desk: Desk) -> int:
    with desk.read() as s:
        return s.scalar(sa.select(sa.func.count()).select_from(ChangeLog))


def _late_changes(desk: Desk) -> list[LateChange]:
    with desk.read() as s:
        return list(s.scalars(sa.select(LateChange)))


@pytest.mark.parametrize("name", LOCKED)
def test_a_write_on_a_signed_off_day_needs_a_duty_managers_pin_and_a_reason(
    desk: Desk, actors: dict[str, Actor], clock: FrozenClock, name: str
) -> None:
    call = RECIPES[name](desk, actors)
    clock.advance(timedelta(minutes=5))
    day = sign_off_today(desk, actors["2001"])
    clock.advance(timedelta(minutes=5))
    before = _log_size(desk)

    with pytest.raises(RuleViolation) as locked:  # no approval: refused, nothing written
        call(None)
    assert locked.value.keys() == {"error.day.locked"}
    assert locked.value.errors[0].params == {"day": day}
    assert _log_size(desk) == before

    with pytest.raises(RuleViolation) as no_reason:
        call(LateApproval("2001", PINS["2001"], "  "))
    assert {e.field for e in no_reason.value.errors} == {"late_reason"}
    with pytest.raises(PermissionRefused):  # a handler cannot approve (audited elsewhere)
        call(LateApproval("1002", PINS["1002"], "补录"))
    with pytest.raises(RuleViolation) as wrong_pin:
        call(LateApproval("2001", "0000", "补录"))
    assert wrong_pin.value.keys() == {"error.signin.wrong"}
    assert not _late_changes(desk)

    result = call(LateApproval("2001", PINS["2001"], "客户来电补充"))
    [late] = _late_changes(desk)
    assert (late.day, late.reason, late.approved_by) == (day, "客户来电补充", actors["2001"].id)
    assert late.actor_id == actors["1001"].id
    if late.entity == "complaint":  # the ticket's history says so too
        with desk.read() as s:
            kinds = s.scalars(
                sa.select(ComplaintEvent.kind).where(ComplaintEvent.complaint_id == late.entity_id)
            ).all()
        assert "late_change" in kinds
    else:
        assert late.entity == "opinion_entry" and late.entity_id == result.id


# ------------------------------------------------------ which day a change belongs to


def test_following_up_a_ticket_of_an_earlier_signed_off_day_needs_no_approval(
    desk: Desk, actors: dict[str, Actor], clock: FrozenClock
) -> None:
    """Tickets carry over days: a contact today rewrites nothing of the day it was taken."""
    cid = _take(desk, actors["1001"])
    sign_off_today(desk, actors["2001"])
    clock.advance(timedelta(days=1))
    followup.log_contact(desk, actors["1001"], cid, reached=True, note="已联系")
    followup.close(
        desk,
        actors["1001"],
        cid,
        outcome="已解决",
        satisfaction="satisfied",
        facts=closing_facts(desk, cid),
    )
    assert not _late_changes(desk)


def test_a_severity_rewrites_the_day_the_ticket_was_registered(
    desk: Desk, actors: dict[str, Actor], clock: FrozenClock
) -> None:
    cid = _take(desk, actors["1001"])
    day = sign_off_today(desk, actors["2001"])
    clock.advance(timedelta(days=1))  # today is open, the registration day is not
    with pytest.raises(RuleViolation) as locked:
        followup.change_severity(desk, actors["1001"], cid, severity="serious", reason="")
    assert locked.value.errors[0].params == {"day": day}
    followup.change_severity(
        desk, actors["1001"], cid, severity="serious", reason="",
        late=LateApproval("2001", PINS["2001"], "客户补充情况"),
    )  # fmt: skip
    assert [lc.day for lc in _late_changes(desk)] == [day]


def test_another_terminals_sign_off_does_not_lock_this_terminals_tickets(
    desk: Desk, actors: dict[str, Actor]
) -> None:
    cid = _take(desk, actors["1001"])
    with desk.write(actors["2001"].id) as session:
        session.add(DayClose(
            day=local_day(desk.clock.now(), desk.tz).isoformat(), hall_code="GZ01",
            terminal_code="T09", signed_off_by=actors["2001"].id, signed_off_at=desk.clock.now(),
        ))  # fmt: skip
    followup.log_contact(desk, actors["1001"], cid, reached=True, note="已联系")
    assert not _late_changes(desk)


@pytest.mark.parametrize("satisfaction", ["unsatisfied", "basically_satisfied"])
def test_a_return_visit_the_next_day_rewrites_the_signed_off_closing_day(
    desk: Desk, actors: dict[str, Actor], clock: FrozenClock, satisfaction: str
) -> None:
    """A visit that reopens a ticket closed on a signed-off day (outcome and closing time
    cleared) or records another satisfaction changes what that day counted: its lock applies."""
    cid = _closed(desk, actors["1001"])  # closed today, satisfied
    day = sign_off_today(desk, actors["2001"])
    clock.advance(timedelta(days=1))  # today is open, the closing day is not
    cause = "overdue" if satisfaction == "unsatisfied" else ""  # a reopening says why
    before = _log_size(desk)
    with pytest.raises(RuleViolation) as locked:
        followup.record_visit(desk, actors["1001"], cid, satisfaction=satisfaction,
                              reopen_cause=cause)  # fmt: skip
    assert locked.value.keys() == {"error.day.locked"}
    assert locked.value.errors[0].params == {"day": day}
    assert _log_size(desk) == before
    with desk.read() as s:
        kept = s.get(Complaint, cid)
        assert (kept.outcome, kept.satisfaction, kept.closed_at is not None) == (
            "已解决", "satisfied", True)  # fmt: skip
    assert locked_for(desk, cid, rewrites_closed_day=True)
    assert not locked_for(desk, cid)
    followup.record_visit(
        desk, actors["1001"], cid, satisfaction=satisfaction, reopen_cause=cause,
        late=LateApproval("2001", PINS["2001"], "客户回访不满意"),
    )  # fmt: skip
    assert [(lc.day, lc.entity_id) for lc in _late_changes(desk)] == [(day, cid)]


def test_a_visit_that_changes_nothing_of_the_closing_day_needs_no_approval(
    desk: Desk, actors: dict[str, Actor], clock: FrozenClock
) -> None:
    cid = _closed(desk, actors["1001"])  # satisfied at closing
    sign_off_today(desk, actors["2001"])
    clock.advance(timedelta(days=1))
    followup.record_visit(desk, actors["1001"], cid, satisfaction="satisfied")
    assert not _late_changes(desk)


def test_a_complaint_received_on_a_signed_off_day_needs_that_days_approval(
    desk: Desk, actors: dict[str, Actor], clock: FrozenClock
) -> None:
    """Reports count 受理 by the receive time: taking a complaint today with a receive time
    back on a signed-off day changes that day's record."""
    received = format_local(clock.now() - timedelta(minutes=1), desk.tz)
    day = sign_off_today(desk, actors["2001"])
    clock.advance(timedelta(days=1))  # today is open, the receive day is not
    before = _log_size(desk)
    with pytest.raises(RuleViolation) as locked:
        take_complaint(desk, actors["1001"], valid_form(desk, received_at=received))
    assert locked.value.keys() == {"error.day.locked"}
    assert locked.value.errors[0].params == {"day": day}
    assert _log_size(desk) == before
    taken = take_complaint(
        desk, actors["1001"], valid_form(desk, received_at=received),
        late=LateApproval("2001", PINS["2001"], "昨日来电漏登"),
    )  # fmt: skip
    assert [(lc.day, lc.entity_id) for lc in _late_changes(desk)] == [(day, taken.id)]
    take_complaint(desk, actors["1001"], valid_form(desk))  # received today: no approval
    assert len(_late_changes(desk)) == 1


def test_an_import_never_books_a_row_on_a_signed_off_day(
    desk: Desk, actors: dict[str, Actor], tmp_path: Path
) -> None:
    """A file carries no duty manager's approval: a row received or closed on a day signed
    off here is refused in words (its line and day), the rest of the file imports."""
    from deskapp.services.importer import import_file

    manager = actors["2001"]
    day = sign_off_today(desk, manager)
    header = (
        "受理时间,渠道,客户姓名,联系电话,投诉内容,投诉类别,状态,结案时间,处理结果,满意度,外部工单号"
    )
    yesterday = (date.fromisoformat(day) - timedelta(days=1)).isoformat()
    rows = [
        f"{day} 08:00,10086下单,甲,13800000001,没信号,NET.COVER.INDOOR,处理中,,,,HL-L1",
        f"{yesterday} 08:00,10086下单,乙,13800000002,没信号,NET.COVER.INDOOR,已结案,"
        f"{day} 08:30,已修好,满意,HL-L2",
        f"{yesterday} 08:00,10086下单,丙,13800000003,没信号,NET.COVER.INDOOR,处理中,,,,HL-L3",
    ]
    path = tmp_path / "late.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    before = _log_size(desk)
    result = import_file(desk, actors["1001"], path)
    refused = {(p.line, p.column) for p in result.problems}
    assert refused == {(2, "受理时间"), (3, "结案时间")}, result.problems
    assert all(day in p.message for p in result.problems)
    assert [line for line, _ in result.imported] == [4]  # the other day's row is booked
    with desk.read() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(LateChange)) == 0
    assert _log_size(desk) > before
