"""跟进: every action on a complaint that was not solved on the spot. Each action is one
transaction that appends its event (who, when, what), moves the status along the state
machine, and brings the complaint's clocks up to date."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from pydantic import SecretStr
from sqlalchemy.orm import Session
from sqlmodel import col

from deskapp.domain.deadlines import ClockKind
from deskapp.domain.enums import Channel, ClaimedTo, RefundMethod, Satisfaction, Severity, Status
from deskapp.domain.errors import FieldError, RuleViolation
from deskapp.domain.extension import (
    Decision,
    ExtensionStatus,
    check_decidable,
    check_extendable,
    check_new_due,
)
from deskapp.domain.intake_rules import check_promised_at, check_text
from deskapp.domain.money import format_yuan, from_fen, negative_amount, to_fen
from deskapp.domain.permissions import (
    Permission,
    PermissionRefused,
    check_escalation_by,
    require,
)
from deskapp.domain.recusal import check_recusal
from deskapp.domain.refund import (
    ApprovalOutcome,
    check_ceiling,
    check_closable_with_refunds,
    check_payable,
    check_tellable,
)
from deskapp.domain.responsibility import (
    ResponsibleKind,
    check_finding,
    check_no_fault_change,
    check_responsible,
)
from deskapp.domain.severity import (
    chain_level,
    check_severity_change,
    claimed_floor,
    closing_blocked,
    highest,
    requires_major_report,
    severity_floor,
)
from deskapp.domain.status import ACTIVE, Move, needs_investigation, next_status
from deskapp.domain.ticket_deadlines import agreed_interval, explanation_waived
from deskapp.domain.timefmt import format_local, local_day, read_local, time_format_error
from deskapp.domain.visits import (
    ReopenException,
    check_answers,
    check_reopen_cause,
    exception_needs_approval,
    satisfaction_from_score,
    visit_move,
)
from deskapp.i18n import t
from deskapp.ids import uuid7
from deskapp.services.approvals import approve_by_manager, typed_work_no
from deskapp.services.audit import record_refusal
from deskapp.services.day_lock import LateApproval, approve_late, guard_complaint
from deskapp.services.deadlines import clock_values, events_of, refresh_clocks, ticket_facts
from deskapp.services.desk import Actor, Desk
from deskapp.services.events import complaint_event
from deskapp.services.extensions import extensions_of, running_clocks, split_key
from deskapp.services.progress import Progress, no_progress
from deskapp.services.refunds import (
    RefundForm,
    approve_beyond_rule,
    check_refund,
    earlier_of,
    life_of,
    refunds_of,
    same_kind_total,
    total_of,
)
from deskapp.store.models import (
    Complaint,
    ComplaintEvent,
    DeadlineExtension,
    ExtensionApproval,
    RecordTable,
    Refund,
    Staff,
    VisitApproval,
)

NOTE_LIMIT = 2000
# When many tickets are closed at once (close_each): at most this many per write transaction,
# and a transaction ends sooner once it has held the store's write lock CLOSE_HOLD_S, then
# the other writers have WRITERS_GAP_S (longer than SQLite's longest wait between two tries
# of the lock, 100 ms) to take it: a save on another terminal waits for one transaction, not
# for the whole close (docs/benchmarks.md: 1.2 s at most beside a close of 2,500 at load 7).
CLOSE_CHUNK = 250
CLOSE_HOLD_S = 0.4
WRITERS_GAP_S = 0.11


class PauseReason(StrEnum):
    CUSTOMER_REQUEST = "customer_request"  # the customer asked to be called after a date
    UNREACHABLE = "unreachable"  # not reached after the recorded attempts


@dataclass(frozen=True)
class ActionResult:
    complaint: Complaint
    event: ComplaintEvent


def _note(value: str, field: str = "note", *, required: bool = True) -> str:
    error = check_text(field, value, required=required, max_len=NOTE_LIMIT, multiline=True)
    if error:
        raise RuleViolation([error])
    return value.strip()


def _known_department(desk: Desk, department: str) -> None:
    """A cooperating department of data/departments.toml, said at the field otherwise."""
    if department not in desk.refdata.departments:
        raise RuleViolation.single("department", "error.department.unknown")


def check_outcome(desk: Desk, outcome: str, *, required: bool) -> None:
    """The outcome (处理结果) within the hall's limit (data/settings.toml), said at its field."""
    limit = desk.refdata.settings.intake.text_limits.outcome
    error = check_text("outcome", outcome, required=required, max_len=limit, multiline=True)
    if error:
        raise RuleViolation([error])


def satisfaction_of(text: str) -> Satisfaction:
    """The customer's reaction as chosen (or 客户未表态), said at its field when it is none."""
    try:
        return Satisfaction(text)
    except ValueError:
        raise RuleViolation.single("satisfaction", "error.required") from None


def _act(
    desk: Desk,
    actor: Actor,
    complaint_id: str,
    apply: Callable[[Session, Complaint, datetime], ComplaintEvent],
    late: LateApproval | None,
    *,
    rewrites_registered_day: bool = False,
) -> ActionResult:
    """Load, check recusal and the day lock, apply, refresh the clocks, commit: all or
    nothing. Every action goes through here, so every action meets the day lock (day_lock.py:
    the day it is made; for a severity, also the day the ticket was registered; for an action
    that changes a closed ticket's closing time, outcome or satisfaction, also the day it was
    closed)."""
    manager = approve_late(desk, late)
    with desk.write(actor.id) as session:
        return _act_in(session, desk, actor, complaint_id, apply, late, manager,
                       rewrites_registered_day=rewrites_registered_day)  # fmt: skip


def _act_in(
    session: Session,
    desk: Desk,
    actor: Actor,
    complaint_id: str,
    apply: Callable[[Session, Complaint, datetime], ComplaintEvent],
    late: LateApproval | None,
    manager: Actor | None,
    *,
    rewrites_registered_day: bool = False,
    reads: _ChunkReads | None = None,
) -> ActionResult:
    """`_act`'s work inside a write transaction it is given (close_each: many tickets in one,
    read for the chunk at once through `reads`, without an approval for a locked day)."""
    complaint = session.get(Complaint, complaint_id)
    if complaint is None:
        raise RuleViolation.single("complaint", "error.complaint.unknown")
    check_recusal(actor.id, complaint.accused_staff_id)
    rewrites = [local_day(complaint.registered_at, desk.tz)] if rewrites_registered_day else []
    closed = _closed_facts(complaint)
    now = desk.clock.now()
    event = apply(session, complaint, now)
    closed_at = closed[0]
    if closed_at is not None and _closed_facts(complaint) != closed:
        # A visit that reopens the ticket or records another satisfaction rewrites what
        # the day it was closed counted (its outcome and satisfaction).
        rewrites.append(local_day(closed_at, desk.tz))
    # Checked after `apply` (which only changed this transaction: a refusal rolls it back)
    # so that what the action changed decides the days it rewrites.
    guard_complaint(session, desk, actor, complaint, late, manager, rewrites=tuple(rewrites),
                    locked=None if reads is None else reads.locked)  # fmt: skip
    session.add(event)
    complaint.updated_at = now
    if reads is None:
        refresh_clocks(session, desk, complaint)
    else:  # no approval, so no late_change event besides this one (guard_complaint)
        assert late is None
        reads.clocks(session, desk, complaint, event)
    return ActionResult(complaint, event)


def _closed_facts(complaint: Complaint) -> tuple[datetime | None, str, str | None]:
    """What a closed ticket counts on the day it was closed (day_lock.py's docstring)."""
    return complaint.closed_at, complaint.outcome, complaint.satisfaction


def _event(
    complaint: Complaint, kind: str, actor: Actor, at: datetime, note: str = "", **data: object
) -> ComplaintEvent:
    return complaint_event(complaint.id, kind, actor, at, note, data)


def _move(complaint: Complaint, move: Move) -> None:
    complaint.status = next_status(Status(complaint.status), move).value


def _promise(desk: Desk, text: str, now: datetime, field: str) -> datetime | None:
    """The promised time typed in `field`; called before the write lock too (the field is
    said first, even while the store is busy) and again inside, at the transaction's time."""
    if not text.strip():
        return None
    due, time_error = read_local(field, text, desk.tz, now)
    if due is None:
        raise RuleViolation([time_error or time_format_error(field, desk.tz, now)])
    error = check_promised_at(due, now, desk.refdata.settings.intake.max_promise_ahead, field)
    if error:
        raise RuleViolation([error])
    return due


# --------------------------------------------------------------------------- actions


def log_contact(
    desk: Desk,
    actor: Actor,
    complaint_id: str,
    *,
    reached: bool,
    note: str,
    promise: str = "",
    late: LateApproval | None = None,
) -> ActionResult:
    """A contact with the customer: reached or not, what was said, the next promised time."""
    text = _note(note)
    _promise(desk, promise, desk.clock.now(), "promise")  # the field first, before the lock

    def apply(session: Session, c: Complaint, now: datetime) -> ComplaintEvent:
        if Status(c.status) in (Status.VISITED,):
            raise RuleViolation.single("status", "error.followup.finished")
        due = _promise(desk, promise, now, "promise")
        if due is not None:
            c.promised_reply_at = due
        return _event(
            c,
            "contact",
            actor,
            now,
            text,
            reached=reached,
            promise_due=due.isoformat() if due else None,
        )

    return _act(desk, actor, complaint_id, apply, late)


def dispatch(
    desk: Desk,
    actor: Actor,
    complaint_id: str,
    *,
    department: str,
    note: str,
    agreed_hours: str = "",
    late: LateApproval | None = None,
) -> ActionResult:
    """派单 to a cooperating department (data/departments.toml); its reply interval agreed for
    this dispatch (双方约定的时限, working hours) when typed, else the default."""
    text = _note(note)
    _known_department(desk, department)
    hours = agreed_interval(agreed_hours)
    agreed = {"agreed_hours": str(hours)} if hours is not None else {}

    def apply(session: Session, c: Complaint, now: datetime) -> ComplaintEvent:
        _move(c, Move.DISPATCH)
        return _event(c, "dispatch", actor, now, text, department=department, **agreed)

    return _act(desk, actor, complaint_id, apply, late)


def department_reply(
    desk: Desk,
    actor: Actor,
    complaint_id: str,
    *,
    department: str,
    content: str,
    final: bool,
    late: LateApproval | None = None,
) -> ActionResult:
    """A department's answer: a progress update, or final (办结) when it has finished."""
    text = _note(content, "content")

    def apply(session: Session, c: Complaint, now: datetime) -> ComplaintEvent:
        dispatched: set[str] = set()  # in this round: a reopening starts a new one
        for e in events_of(session, c.id):
            if e.kind == "dispatch":
                dispatched.add(json.loads(e.data).get("department"))
            elif e.kind == "reopened":
                dispatched.clear()
        if department not in dispatched:
            raise RuleViolation.single("department", "error.department.not_dispatched")
        _move(c, Move.DEPARTMENT_REPLY)
        return _event(c, "department_reply", actor, now, text, department=department, final=final)

    return _act(desk, actor, complaint_id, apply, late)


def escalate(
    desk: Desk, actor: Actor, complaint_id: str, *, note: str, late: LateApproval | None = None
) -> ActionResult:
    """逐级上报: one level up the chain of data/escalation.toml, never skipping a level."""
    text = _note(note)
    chain = desk.refdata.escalation

    def apply(session: Session, c: Complaint, now: datetime) -> ComplaintEvent:
        if Status(c.status) in (Status.CLOSED, Status.VISITED):
            raise RuleViolation.single("status", "error.escalate.closed")
        if c.escalation_level >= len(chain) - 1:
            raise RuleViolation.single("level", "error.escalate.top", level=chain[-1].name)
        check_escalation_by(actor, level_of(desk, actor), c.escalation_level, c.id)
        before = c.escalation_level
        c.escalation_level = before + 1
        return _event(
            c,
            "escalated",
            actor,
            now,
            text,
            from_level=chain[before].code,
            to_level=chain[before + 1].code,
            to_name=chain[before + 1].name,
            severity=c.severity,
        )

    return _act(desk, actor, complaint_id, apply, late)


def change_severity(
    desk: Desk,
    actor: Actor,
    complaint_id: str,
    *,
    severity: str,
    reason: str,
    late: LateApproval | None = None,
) -> ActionResult:
    """Raise freely; lower only with a written reason, never below the floor of the channel
    or the claim, and a 严重/重大 ticket only by the level supervising it
    (domain/severity.py:check_severity_change)."""
    try:
        target = Severity(severity)
    except ValueError:
        raise RuleViolation.single("severity", "error.required") from None
    reason_text = _note(reason, "reason", required=False)

    def apply(session: Session, c: Complaint, now: datetime) -> ComplaintEvent:
        current = Severity(c.severity)
        claimed = ClaimedTo(c.claimed_to) if c.claimed_to else None
        floor = highest(
            severity_floor(Channel(c.channel), desk.refdata.settings.severity_floor),
            claimed_floor(claimed, desk.refdata.escalation_rules.claim_floor),
        )
        needed = check_severity_change(current, target, reason_text, floor,
                                       level_of(desk, actor),
                                       desk.refdata.escalation_rules.required_level)  # fmt: skip
        if needed is not None:
            raise RuleViolation.single("severity", "error.severity.lower_needs_level",
                                       level=desk.refdata.escalation[needed].name,
                                       severity=t(f"severity.{current.value}"))  # fmt: skip
        c.severity = target.value
        if reason_text:
            c.severity_reason = reason_text
        return _event(
            c,
            "severity_changed",
            actor,
            now,
            reason_text,
            **{"from": current.value, "to": target.value},
        )

    return _act(desk, actor, complaint_id, apply, late, rewrites_registered_day=True)


@dataclass(frozen=True)
class ClosingFacts:
    """What a close finds besides its outcome: 责任界定, the responsible party (its kind, a
    ResponsibleKind value, with the department or staff member it names and a note), and the
    level-4 finding (定责: the cause after checking the facts). One value for `close`,
    `close_each` and a batch's close (services/batches.py: one party for every ticket)."""

    responsible: str = ""
    department: str = ""
    staff: str = ""
    note: str = ""
    finding: str = ""

    @classmethod
    def of_fields(cls, values: Mapping[str, Any]) -> ClosingFacts:
        """As the close dialogs' fields hold them (screens/queue_actions.responsible_fields,
        and the finding where one is asked); a field not shown is empty."""

        def text(name: str) -> str:
            return str(values.get(name) or "")

        return cls(
            text("responsible_kind"),
            text("responsible_department"),
            text("responsible_staff"),
            text("responsible_note"),
            text("finding"),
        )


NO_FACTS = ClosingFacts()


def close(
    desk: Desk,
    actor: Actor,
    complaint_id: str,
    *,
    outcome: str,
    facts: ClosingFacts = NO_FACTS,
    satisfaction: str = "",
    finding_required: bool = True,
    late: LateApproval | None = None,
) -> ActionResult:
    """结案 with the outcome and the customer's reaction when told (satisfaction, or 客户未表态);
    the level-4 finding (the cause after checking the facts) and the responsible party
    (责任界定: a department, a staff member, the customer, a third party), both required; a
    batch's close (`finding_required=False`) has one party for the incident and its tickets'
    causes differ, so it asks no finding. The day close asks for the reaction of every ticket
    closed that day."""
    check_outcome(desk, outcome, required=True)
    apply = _closing(desk, actor, outcome, facts, satisfaction=satisfaction,
                     finding_required=finding_required)  # fmt: skip
    return _act(desk, actor, complaint_id, apply, late)


def close_each(
    desk: Desk,
    actor: Actor,
    complaint_ids: Sequence[str],
    *,
    outcome: str,
    facts: ClosingFacts = NO_FACTS,
    finding_required: bool = True,
    chunk: int = CLOSE_CHUNK,
    hold: float = CLOSE_HOLD_S,
    progress: Progress = no_progress,
) -> dict[str, RuleViolation | None]:
    """结案 of many tickets with one outcome (a batch incident's close): each ticket exactly as
    `close` closes it (its recusal, day lock, severity chain, event and clocks, through the
    same `_closing`), but up to `chunk` tickets per write transaction (fewer once it has held
    the store `hold` seconds), with a pause between two for the other writers
    (`_let_others_write`). What a close reads of each ticket (the ticket, its events, refunds
    and extensions, the locked days) is read for the whole chunk at once (`_ChunkReads`), and
    the chunk's changes are flushed once, at its commit; a ticket the rules refuse has its
    changes undone alone (`_undo`) and the others close. What each ticket came to (None:
    closed), in order; `progress("close", done, total)` after each transaction."""
    check_outcome(desk, outcome, required=True)
    reads = _ChunkReads()
    apply = _closing(desk, actor, outcome, facts, finding_required=finding_required,
                     reads=reads)  # fmt: skip
    told: dict[str, RuleViolation | None] = {}
    progress("close", 0, len(complaint_ids))
    done = 0
    while done < len(complaint_ids):
        if done:
            _let_others_write()
        refused: list[PermissionRefused] = []
        ids = complaint_ids[done : done + chunk]
        with desk.write(actor.id) as session, session.no_autoflush:
            started = time.perf_counter()
            reads.load(session, ids, facts.staff)
            for complaint_id in ids:
                new = {id(o) for o in session.new}
                dirty = {id(o) for o in session.dirty}
                try:
                    _act_in(session, desk, actor, complaint_id, apply, None, None, reads=reads)
                except RuleViolation as refusal:
                    _undo(session, new, dirty)
                    told[complaint_id] = refusal
                    if isinstance(refusal, PermissionRefused):
                        refused.append(refusal)
                else:
                    told[complaint_id] = None
                done += 1
                if time.perf_counter() - started >= hold:
                    break  # short transactions: the rest in the next, after the others' turn
        # Audited like `close`'s own refusal, once what it refused is rolled back.
        for audited in refused:
            record_refusal(desk, audited)
        progress("close", done, len(complaint_ids))
    return told


def _let_others_write() -> None:
    """Between two of close_each's transactions, the other writers' turn: SQLite's busy
    handler (sqliteDefaultBusyCallback) polls the write lock at most 100 ms apart, so a save
    waiting on another terminal's connection takes the lock within this pause instead of
    timing out (store busy) behind a long batch close that would take it again at once."""
    time.sleep(WRITERS_GAP_S)


def _undo(session: Session, new: set[int], dirty: set[int]) -> None:
    """Undo what a refused ticket changed in close_each's unflushed transaction: the objects
    it added are dropped and those it changed are expired (read again as stored: nothing of
    this ticket was flushed), the other tickets' changes left as they are."""
    for obj in list(session.new):
        if id(obj) not in new:
            session.expunge(obj)
    for obj in list(session.dirty):
        if id(obj) not in dirty:
            session.expire(obj)


@dataclass
class _ChunkReads:
    """What closing a ticket reads besides the ticket, for a chunk of tickets at once
    (close_each): a few queries per chunk instead of a few per ticket. The tickets themselves
    are read into the session (its identity map answers `session.get`)."""

    events: dict[str, list[ComplaintEvent]] = field(default_factory=dict)
    refunds: dict[str, list[Refund]] = field(default_factory=dict)
    extensions: dict[str, list[DeadlineExtension]] = field(default_factory=dict)
    staff_known: bool = False  # whether the responsible staff member is one of the store's
    locked: dict[tuple[date, str], bool] = field(default_factory=dict)  # (day, terminal)

    complaints: list[Complaint] = field(default_factory=list)  # held: the identity map is weak

    def load(self, session: Session, ids: Sequence[str], staff_id: str) -> None:
        chosen = list(ids)
        self.complaints = list(
            session.scalars(sa.select(Complaint).where(col(Complaint.id).in_(chosen)))
        )
        self.events, self.refunds, self.extensions = {i: [] for i in chosen}, {}, {}
        for event in session.scalars(
            sa.select(ComplaintEvent)
            .where(col(ComplaintEvent.complaint_id).in_(chosen))
            .order_by(col(ComplaintEvent.at), col(ComplaintEvent.id))  # as events_of
        ):
            self.events[event.complaint_id].append(event)
        for refund in session.scalars(
            sa.select(Refund)
            .where(col(Refund.complaint_id).in_(chosen))
            .order_by(col(Refund.verified_at), col(Refund.id))  # as refunds_of
        ):
            self.refunds.setdefault(refund.complaint_id, []).append(refund)
        for extension in session.scalars(
            sa.select(DeadlineExtension)
            .where(col(DeadlineExtension.complaint_id).in_(chosen))
            .order_by(col(DeadlineExtension.requested_at), col(DeadlineExtension.id))
        ):
            self.extensions.setdefault(extension.complaint_id, []).append(extension)
        self.staff_known = bool(staff_id) and session.get(Staff, staff_id) is not None
        # No day is signed off inside this transaction (it holds the write lock).
        self.locked = {}

    def clocks(self, session: Session, desk: Desk, c: Complaint, event: ComplaintEvent) -> None:
        """refresh_clocks without its flush and its read: the events as read, and this one."""
        events = sorted([*self.events[c.id], event], key=lambda e: (e.at, e.id))
        values, _ = clock_values(session, desk, c, events)
        for name, value in values.items():
            if getattr(c, name) != value:
                setattr(c, name, value)


def _closing(
    desk: Desk,
    actor: Actor,
    outcome: str,
    facts: ClosingFacts,
    *,
    satisfaction: str = "",
    finding_required: bool = True,
    reads: _ChunkReads | None = None,
) -> Callable[[Session, Complaint, datetime], ComplaintEvent]:
    """What 结案 does to one ticket, inside `_act`'s transaction (or close_each's, reading
    through `reads`)."""
    reaction = satisfaction_of(satisfaction) if satisfaction else None
    finding = facts.finding

    note_text = _note(facts.note, "responsible_note", required=False)

    def apply(session: Session, c: Complaint, now: datetime) -> ComplaintEvent:
        if actor.id not in (c.owner_id, c.first_responder_id):
            require(actor, Permission.CLOSE_ANY, "status", subject=c.id)  # not theirs
        if reads is None:
            events, refunds = events_of(session, c.id), refunds_of(session, c.id)
            staff_known = session.get(Staff, facts.staff) is not None
        else:
            events, refunds = reads.events[c.id], reads.refunds.get(c.id, [])
            staff_known = reads.staff_known
        _check_closable(desk, c, events, refunds)
        _move(c, Move.CLOSE)  # a ticket that cannot be closed says so before what it lacks
        staff_ids = {facts.staff} if staff_known else set()
        # 责任界定 and the level-4 cause are asked of every ticket not solved on the spot;
        # a batch's close asks the party once for the whole incident (services/batches.py)
        findings = [p.code for p in desk.refdata.causes.children(c.cause_code)]
        responsible, found = None, ""
        errors: list[FieldError] = []  # both at their fields at once
        try:
            responsible = check_responsible(
                facts.responsible, facts.department or facts.staff, note_text,
                desk.refdata.departments, staff_ids)  # fmt: skip
        except RuleViolation as refused:
            errors += refused.errors
        try:
            if finding or finding_required:
                found = check_finding(finding, findings)
        except RuleViolation as refused:
            errors += refused.errors
        if errors or responsible is None:
            raise RuleViolation(errors)
        c.responsible_kind = responsible.value
        c.responsible_ref = {
            ResponsibleKind.DEPARTMENT: facts.department,
            ResponsibleKind.STAFF: facts.staff,
        }.get(responsible, "")
        c.responsible_note = note_text
        responsible_data = {"responsible": c.responsible_kind,
                            "responsible_ref": c.responsible_ref or None}  # fmt: skip
        if found:
            c.cause_code_l4 = found
        c.outcome = outcome.strip()
        c.closed_at = now
        if reaction is not None:
            c.satisfaction = reaction.value
        pending = extensions_of(session, c.id) if reads is None else reads.extensions.get(c.id, [])
        withdrawn = _withdraw_extensions(session, pending, actor, now)
        return _event(
            c,
            "closed",
            actor,
            now,
            c.outcome,
            on_spot=False,
            finding=finding or None,
            satisfaction=reaction.value if reaction else None,
            **responsible_data,
            **({"withdrawn_extensions": withdrawn} if withdrawn else {}),
        )

    return apply


def _withdraw_extensions(
    session: Session, extensions: list[DeadlineExtension], actor: Actor, now: datetime
) -> list[str]:
    """Closing withdraws the ticket's pending 延期申请 (its clocks stop: nothing is left to
    extend, and a request no one can decide would wait at every duty manager's sign-in);
    shown on the ticket as withdrawn, by whom and when. Their ids, for the closing event."""
    withdrawn = []
    for e in extensions:
        if e.status == ExtensionStatus.PENDING.value:
            e.status = ExtensionStatus.WITHDRAWN.value
            e.decided_by, e.decided_at = actor.id, now
            session.add(e)
            withdrawn.append(e.id)
    return withdrawn


def _check_closable(
    desk: Desk, c: Complaint, events: list[ComplaintEvent], refunds: list[Refund]
) -> None:
    """A 严重/重大 complaint is closed only once escalated to its level; 重大 only with its
    report form filed (DOMAIN.md, Escalation and supervision); no ticket while a refund is
    approved but not paid. Refused in words."""
    check_closable_with_refunds(life_of(r) for r in refunds)
    if needs_investigation(c.internal, any(e.kind == "investigation" for e in events)):
        raise RuleViolation.single("status", "error.close.needs_investigation")
    chain = desk.refdata.escalation
    filed = any(e.kind == "report_filed" for e in events)
    blocked = closing_blocked(
        Severity(c.severity),
        c.escalation_level,
        desk.refdata.escalation_rules.required_level,
        filed,
    )
    if blocked is None:
        return
    reason, needed = blocked
    if reason == "level":
        raise RuleViolation.single("status", "error.close.needs_level",
                                   level=chain[needed].name,
                                   severity=t(f"severity.{c.severity}"))  # fmt: skip
    raise RuleViolation.single("status", "error.close.needs_report")


def record_visit(
    desk: Desk,
    actor: Actor,
    complaint_id: str,
    *,
    satisfaction: str = "",
    score: int | None = None,
    exception: str = "",
    note: str = "",
    attempts: str = "",
    attitude: str = "",
    speed: str = "",
    result_answer: str = "",
    suggestion: str = "",
    reopen_cause: str = "",
    approver_work_no: str = "",
    approver_pin: SecretStr | str = "",
    late: LateApproval | None = None,
) -> ActionResult:
    """回访: satisfied / basically satisfied / unsatisfied, or a 10-point score, with the
    attempts before the customer was reached (unreachable × N, their times), the guidelines'
    questions (attitude, speed, result) and the customer's suggestion. Unsatisfied reopens the
    ticket (重启工单, counted, with its cause) unless one of the two exceptions applies, which a
    manager approves with their PIN (recorded)."""
    result = satisfaction_from_score(score) if score is not None else satisfaction_of(satisfaction)
    try:
        reason = ReopenException(exception) if exception else None
    except ValueError:
        raise RuleViolation.single("exception", "error.required") from None
    if reason is not None and result is not Satisfaction.UNSATISFIED:
        reason = None  # the exceptions only matter for an unsatisfied customer
    text = _note(note, required=reason is not None)
    answers = check_answers({"attitude": attitude, "speed": speed, "result": result_answer})
    advice = _note(suggestion, "suggestion", required=False)
    tried = _attempt_times(desk, attempts)
    move_now = visit_move(result, reason)
    cause = check_reopen_cause(move_now, reopen_cause, text)
    # What is typed as the approver is checked even where no approval is needed (never stored)
    if error := check_text("approver", approver_work_no, required=False, max_len=16):
        raise RuleViolation([error])
    approver, approval = None, None
    if exception_needs_approval(result, reason):
        if not (approver_work_no.strip() and approver_pin):
            raise RuleViolation.single("approver", "error.visit.exception_approval")
        assert reason is not None  # exception_needs_approval: only under an exception
        approver, approval = _approve_exception(
            desk, actor, complaint_id, approver_work_no, approver_pin, reason
        )

    # issue 17's particulars, only when there are some (older events read as before)
    extra: dict[str, object] = {}
    if tried:
        extra |= {"attempts": [a.isoformat() for a in tried], "unreachable": len(tried)}
    if any(answers.values()):
        extra["answers"] = answers
    if advice:
        extra["suggestion"] = advice
    if approver is not None:
        extra["approved_by"] = approver.id

    def apply(session: Session, c: Complaint, now: datetime) -> ComplaintEvent:
        if c.solved_on_spot:
            raise RuleViolation.single("status", "error.visit.on_spot")
        move = visit_move(result, reason)
        _move(c, move)
        c.satisfaction = result.value
        if approval is not None:  # the granted attempt, with the visit it approved
            session.add(approval)
        visit = _event(
            c,
            "visit",
            actor,
            now,
            text,
            satisfaction=result.value,
            score=score,
            exception=reason.value if reason else None,
            move=move.value,
            **extra,
        )
        if move is Move.REOPEN:
            c.reopen_count += 1
            c.closed_at = None
            c.outcome = ""
            session.add(visit)
            session.flush()
            # Same moment as the visit: events sort by (at, id) and the UUIDv7 ids are
            # monotonic, so it follows the visit, and an action stamped with the same instant
            # (a frozen or coarse clock) still follows the reopening into the new round.
            caused = {"cause": cause.value} if cause else {}
            return _event(c, "reopened", actor, now, text, round=c.reopen_count + 1, **caused)
        return visit

    return _act(desk, actor, complaint_id, apply, late)


def _approve_exception(
    desk: Desk,
    actor: Actor,
    complaint_id: str,
    work_no: str,
    pin: SecretStr | str,
    reason: ReopenException,
) -> tuple[Actor, RecordTable]:
    """四眼 on an unsatisfied visit's exception: a manager other than `actor` confirms with their
    own PIN (services/approvals.py). Every attempt is in the audit (visit_approval), as a
    refund's are; a granted one is returned to be written with the visit."""
    terminal = desk.terminal()

    def attempt(approver_id: str, outcome: ApprovalOutcome) -> VisitApproval:
        return VisitApproval(
            at=desk.clock.now(), complaint_id=complaint_id, asked_by=actor.id,
            approver_work_no=typed_work_no(work_no), approver_id=approver_id,
            outcome=outcome.value, exception=reason.value,
            hall_code=terminal.hall_code, terminal_code=terminal.terminal_code,
        )  # fmt: skip

    return approve_by_manager(
        desk, actor, actor.id, work_no, pin, attempt, field="approver",
        permission=Permission.APPROVE_REFUND_BEYOND_RULE, self_key="error.visit.self_approval",
    )  # fmt: skip


def _attempt_times(desk: Desk, text: str) -> list[datetime]:
    """The times the customer could not be reached before the visit, as typed (one per line
    or separated by commas or semicolons), each in the past."""
    now = desk.clock.now()
    times: list[datetime] = []
    for part in (
        text.replace("；", ";")
        .replace("，", ",")
        .replace(";", "\n")
        .replace(",", "\n")
        .splitlines()
    ):
        if not part.strip():
            continue
        moment, error = read_local("attempts", part.strip(), desk.tz, now)
        if moment is None or moment > now:
            raise RuleViolation([error or FieldError("attempts", "error.visit.attempt_time")])
        times.append(moment)
    return sorted(times)


def pause_clocks(
    desk: Desk,
    actor: Actor,
    complaint_id: str,
    *,
    until: str,
    reason: str,
    note: str,
    late: LateApproval | None = None,
) -> ActionResult:
    """Pause the clocks until a date (they resume by themselves): the customer asked to be
    called after it, or could not be reached after the recorded attempts."""
    text = _note(note)
    try:
        why = PauseReason(reason)
    except ValueError:
        raise RuleViolation.single("reason", "error.required") from None
    rules = desk.refdata.settings.followup

    def pause_end(now: datetime) -> datetime:
        end, time_error = read_local("until", until, desk.tz, now)
        if end is None:
            raise RuleViolation([time_error or time_format_error("until", desk.tz, now)])
        if end <= now:
            raise RuleViolation.single("until", "error.time.promise_past")
        if end > now + timedelta(days=rules.max_pause_days):
            raise RuleViolation.single("until", "error.pause.too_long", days=rules.max_pause_days)
        return end

    # The field first, before the write lock: a date that does not parse is said at its field
    # even while the store is busy (checked again below, at the transaction's own time).
    pause_end(desk.clock.now())

    def apply(session: Session, c: Complaint, now: datetime) -> ComplaintEvent:
        if Status(c.status) not in (Status.OPEN, Status.DISPATCHED, Status.REPLIED):
            raise RuleViolation.single("status", "error.pause.not_open")
        end = pause_end(now)
        if why is PauseReason.UNREACHABLE:
            attempts = 0
            for e in events_of(session, c.id):
                if e.kind == "contact":
                    attempts = 0 if json.loads(e.data).get("reached") else attempts + 1
                elif e.kind == "visit":
                    attempts = 0  # a return visit reached the customer
            if attempts < rules.unreachable_attempts:
                raise RuleViolation.single(
                    "reason",
                    "error.pause.attempts",
                    needed=rules.unreachable_attempts,
                    made=attempts,
                )
        return _event(c, "pause", actor, now, text, until=end.isoformat(), reason=why.value)

    return _act(desk, actor, complaint_id, apply, late)


def reassign(
    desk: Desk,
    actor: Actor,
    complaint_id: str,
    *,
    to_staff_id: str,
    note: str,
    late: LateApproval | None = None,
) -> ActionResult:
    """Hand the ticket to a colleague. 首问负责: the first responder stays on the record and
    stays responsible; only the current owner changes."""
    text = _note(note)

    def apply(session: Session, c: Complaint, now: datetime) -> ComplaintEvent:
        target = session.get(Staff, to_staff_id)
        if target is None or not target.active:
            raise RuleViolation.single("to_staff", "error.staff.unknown")
        if target.id == c.accused_staff_id:
            raise RuleViolation.single("to_staff", "error.recusal.other")
        if target.id == c.owner_id:
            raise RuleViolation.single("to_staff", "error.reassign.same")
        if actor.id not in (c.owner_id, c.first_responder_id):
            require(actor, Permission.REASSIGN_ANY, "to_staff", subject=c.id)  # not theirs
        before = c.owner_id
        c.owner_id = target.id
        return _event(c, "reassigned", actor, now, text, **{"from": before, "to": target.id})

    return _act(desk, actor, complaint_id, apply, late)


def record_care(
    desk: Desk, actor: Actor, complaint_id: str, *, note: str, late: LateApproval | None = None
) -> ActionResult:
    """后续服务: one of the monthly care follow-ups after an external (customer) complaint was
    solved (every one, or, as data/time_limits.toml [care] says, those not solved on the spot)."""
    text = _note(note)
    limits = desk.refdata.time_limits

    def apply(session: Session, c: Complaint, now: datetime) -> ComplaintEvent:
        on_spot_left_out = c.solved_on_spot and not limits.care_after_on_spot
        if c.internal or c.closed_at is None or on_spot_left_out:
            raise RuleViolation.single("status", "error.care.not_due")
        done = sum(1 for e in events_of(session, c.id) if e.kind == "care")
        times = desk.refdata.time_limits[ClockKind.CARE_FOLLOW_UP].times
        if done >= times:
            raise RuleViolation.single("status", "error.care.done")
        return _event(c, "care", actor, now, text, n=done + 1)

    return _act(desk, actor, complaint_id, apply, late)


INVESTIGATION_PARTS = ("facts", "responsible", "result", "improvement")


def record_investigation(
    desk: Desk,
    actor: Actor,
    complaint_id: str,
    *,
    facts: str,
    responsible: str,
    result: str,
    improvement: str,
    late: LateApproval | None = None,
) -> ActionResult:
    """The investigation record of an internal complaint, in its four parts: the facts as
    restored (还原事实), the person mainly responsible (主要责任人), the outcome for what was
    complained of (处理结果), the improvement or prevention (改进/预防措施)."""
    parts = {
        name: _note(value, name)
        for name, value in zip(
            INVESTIGATION_PARTS, (facts, responsible, result, improvement), strict=True
        )
    }

    def apply(session: Session, c: Complaint, now: datetime) -> ComplaintEvent:
        if not c.internal:
            raise RuleViolation.single("status", "error.investigation.not_internal")
        return _event(c, "investigation", actor, now, parts["facts"], **parts)

    return _act(desk, actor, complaint_id, apply, late)


def request_explanation(
    desk: Desk,
    actor: Actor,
    complaint_id: str,
    *,
    head: str,
    note: str = "",
    late: LateApproval | None = None,
) -> ActionResult:
    """内部投诉: ask the head of the department complained of to explain. Not answered within
    its limit (data/time_limits.toml, 1 working day), the right to explain is waived."""
    who = _note(head, "head")
    text = _note(note, required=False)

    def apply(session: Session, c: Complaint, now: datetime) -> ComplaintEvent:
        if not c.internal:
            raise RuleViolation.single("status", "error.investigation.not_internal")
        if any(e.kind == "explanation_requested" for e in events_of(session, c.id)):
            raise RuleViolation.single("head", "error.explanation.already_requested")
        return _event(c, "explanation_requested", actor, now, text, head=who)

    return _act(desk, actor, complaint_id, apply, late)


def _explanation_state(
    desk: Desk, session: Session, c: Complaint, now: datetime
) -> tuple[ComplaintEvent | None, bool, bool]:
    """(the request, answered or waived already, past its limit)."""
    request = None
    settled = False
    for e in events_of(session, c.id):
        if e.kind == "explanation_requested":
            request = e
        elif e.kind in ("explanation", "explanation_waived"):
            settled = True
    calendar = desk.refdata.work_calendar_for(desk.tz)
    past = explanation_waived(
        request.at if request else None, settled, now, calendar, desk.refdata.time_limits
    )
    return request, settled, past


def record_explanation(
    desk: Desk, actor: Actor, complaint_id: str, *, note: str, late: LateApproval | None = None
) -> ActionResult:
    """The department head's explanation, within its limit; after it the right is waived."""
    text = _note(note)

    def apply(session: Session, c: Complaint, now: datetime) -> ComplaintEvent:
        request, settled, past = _explanation_state(desk, session, c, now)
        if request is None:
            raise RuleViolation.single("note", "error.explanation.not_requested")
        if settled or past:
            raise RuleViolation.single("note", "error.explanation.waived")
        return _event(c, "explanation", actor, now, text)

    return _act(desk, actor, complaint_id, apply, late)


def record_waiver(
    desk: Desk, actor: Actor, complaint_id: str, *, note: str = "", late: LateApproval | None = None
) -> ActionResult:
    """Record that the department head, not having answered within the limit, has waived the
    right to explain (shown to the duty manager on the ticket's history)."""
    text = _note(note, required=False)

    def apply(session: Session, c: Complaint, now: datetime) -> ComplaintEvent:
        request, settled, past = _explanation_state(desk, session, c, now)
        if request is None or settled:
            raise RuleViolation.single("status", "error.explanation.not_requested")
        if not past:
            raise RuleViolation.single("status", "error.explanation.not_yet")
        head = json.loads(request.data or "{}").get("head", "")
        return _event(c, "explanation_waived", actor, now, text or head, head=head)

    return _act(desk, actor, complaint_id, apply, late)


# ------------------------------------------------------------ hand-offs and the escalation chain


def plan_dispatch(
    desk: Desk,
    actor: Actor,
    complaint_id: str,
    *,
    department: str,
    note: str = "",
    late: LateApproval | None = None,
) -> ActionResult:
    """The handler decides the ticket must go to a cooperating department: the 30-minute
    dispatch clock starts now and stops at the dispatch."""
    text = _note(note, required=False)
    _known_department(desk, department)

    def apply(session: Session, c: Complaint, now: datetime) -> ComplaintEvent:
        if Status(c.status) not in ACTIVE:
            raise RuleViolation.single("status", "error.escalate.closed")
        return _event(c, "dispatch_planned", actor, now, text, department=department)

    return _act(desk, actor, complaint_id, apply, late)


def flag_hidden_risk(
    desk: Desk,
    actor: Actor,
    complaint_id: str,
    *,
    note: str,
    claimed_to: str = "",
    late: LateApproval | None = None,
) -> ActionResult:
    """隐患投诉 (likely to escalate), or 声称升级 with where the customer says they will go:
    starts the hidden-risk clock until the duty manager has it; a claim raises the severity to
    the floor that body means (data/escalation.toml [claim_floor]), a media claim starts the
    media-report clock too."""
    text = _note(note)
    claimed: ClaimedTo | None = None
    if claimed_to:
        try:
            claimed = ClaimedTo(claimed_to)
        except ValueError:
            raise RuleViolation.single("claimed_to", "error.required") from None
    rules = desk.refdata.escalation_rules

    def apply(session: Session, c: Complaint, now: datetime) -> ComplaintEvent:
        if Status(c.status) not in ACTIVE:
            raise RuleViolation.single("status", "error.escalate.closed")
        if claimed is None and c.hidden_risk:
            raise RuleViolation.single("note", "error.hidden_risk.already")
        c.hidden_risk = True
        before = Severity(c.severity)
        if claimed is None:
            return _event(c, "flagged_hidden_risk", actor, now, text)
        if c.claimed_to != ClaimedTo.MEDIA.value:
            # A media claim stays on the record (and its report duty with it) whatever the
            # customer says next: the new claim is on this event; the severity never drops.
            c.claimed_to = claimed.value
        raised = highest(before, claimed_floor(claimed, rules.claim_floor))
        c.severity = raised.value
        return _event(c, "claimed_escalation", actor, now, text, to=claimed.value,
                      **{"from": before.value, "severity": raised.value})  # fmt: skip

    return _act(desk, actor, complaint_id, apply, late, rewrites_registered_day=True)


MEDIA_REPORTED_TO = ("company_office", "marketing")


def report_media(
    desk: Desk, actor: Actor, complaint_id: str, *, note: str, late: LateApproval | None = None
) -> ActionResult:
    """第一时间报备: a media complaint reported to the company office and the marketing
    department (besides the escalation chain); stops the media-report clock."""
    text = _note(note)

    def apply(session: Session, c: Complaint, now: datetime) -> ComplaintEvent:
        # Whenever the media clock started (the channel, a media claim at intake or later,
        # whatever was claimed after it), the report that stops it is allowed.
        if ticket_facts(c, events_of(session, c.id)).media_at is None:
            raise RuleViolation.single("note", "error.media.not_media")
        if any(e.kind == "media_reported" for e in events_of(session, c.id)):
            raise RuleViolation.single("note", "error.media.already")
        return _event(c, "media_reported", actor, now, text, to=list(MEDIA_REPORTED_TO))

    return _act(desk, actor, complaint_id, apply, late)


def level_of(desk: Desk, actor: Actor) -> int | None:
    """The index of the chain's level that the actor's role holds (None: no level)."""
    return chain_level([lv.role for lv in desk.refdata.escalation], actor.role.value)


def give_opinion(
    desk: Desk, actor: Actor, complaint_id: str, *, opinion: str, late: LateApproval | None = None
) -> ActionResult:
    """《重大投诉处理申报表》: the opinion of the actor's level of the chain, signed by them (who,
    when, what). A level gives it once the complaint has reached it."""
    text = _note(opinion, "opinion")
    level = level_of(desk, actor)
    chain = desk.refdata.escalation

    def apply(session: Session, c: Complaint, now: datetime) -> ComplaintEvent:
        if level is None:
            raise RuleViolation.single("opinion", "error.report.no_level")
        if c.escalation_level < level:
            raise RuleViolation.single("opinion", "error.report.not_reached",
                                       level=chain[level].name)  # fmt: skip
        _check_not_filed(desk, session, c)
        return _event(c, "report_opinion", actor, now, text, level=chain[level].code,
                      level_name=chain[level].name)  # fmt: skip

    return _act(desk, actor, complaint_id, apply, late)


def _check_not_filed(desk: Desk, session: Session, c: Complaint, field: str = "opinion") -> None:
    """A filed report form is final: its signed opinions stay and it is filed once."""
    filed = [e for e in events_of(session, c.id) if e.kind == "report_filed"]
    if filed:
        at = format_local(filed[0].at, desk.tz)
        raise RuleViolation.single(field, "error.report.filed", at=at)


def _report_opinions(session: Session, complaint_id: str) -> dict[str, ComplaintEvent]:
    """The latest opinion of each level on the report form, by level code."""
    found: dict[str, ComplaintEvent] = {}
    for e in events_of(session, complaint_id):
        if e.kind == "report_opinion":
            found[json.loads(e.data or "{}").get("level", "")] = e
    return found


def file_report(
    desk: Desk,
    actor: Actor,
    complaint_id: str,
    *,
    outcome: str,
    compensation: str = "",
    late: LateApproval | None = None,
) -> ActionResult:
    """File the 《重大投诉处理申报表》 with the outcome and any compensation, once every level up
    to the one its severity requires has given its opinion."""
    text = _note(outcome, "outcome")
    money = _note(compensation, "compensation", required=False)
    if negative_amount(money):
        raise RuleViolation.single("compensation", "error.report.negative_compensation")
    chain = desk.refdata.escalation
    required = desk.refdata.escalation_rules.required_level

    def apply(session: Session, c: Complaint, now: datetime) -> ComplaintEvent:
        if not requires_major_report(Severity(c.severity)):
            raise RuleViolation.single("outcome", "error.report.not_major")
        _check_not_filed(desk, session, c, "outcome")
        needed = required.get(Severity(c.severity), len(chain) - 1)
        if c.escalation_level < needed:
            raise RuleViolation.single("outcome", "error.close.needs_level",
                                       level=chain[needed].name,
                                       severity=t(f"severity.{c.severity}"))  # fmt: skip
        given = _report_opinions(session, c.id)
        missing = [lv.name for lv in chain[: needed + 1] if lv.code not in given]
        if missing:
            raise RuleViolation.single("outcome", "error.report.opinions_missing",
                                       levels="、".join(missing))  # fmt: skip
        return _event(c, "report_filed", actor, now, text, outcome=text, compensation=money)

    return _act(desk, actor, complaint_id, apply, late)


# --------------------------------------------------------------------------- refunds


def _open_for_refund(session: Session, complaint_id: str) -> Complaint:
    complaint = session.get(Complaint, complaint_id)
    if complaint is None:
        raise RuleViolation.single("complaint", "error.complaint.unknown")
    if Status(complaint.status) not in ACTIVE:
        raise RuleViolation.single("status", "error.refund.closed_ticket")
    return complaint


def record_refund(
    desk: Desk,
    actor: Actor,
    complaint_id: str,
    form: RefundForm,
    *,
    late: LateApproval | None = None,
) -> ActionResult:
    """退费 on an open ticket when the billing check comes back (先查证后退费: verified, and who
    verified it and how). The error type decides the rule; beyond it, a manager other than
    `actor` approves with their PIN (every attempt audited). The pay clock starts now."""
    with desk.read() as session:
        _open_for_refund(session, complaint_id)
        earlier = refunds_of(session, complaint_id)
    errors: list[FieldError] = []
    checked = check_refund(desk, form, errors, already=total_of(earlier),
                           earlier=earlier_of(earlier), verification_required=True)  # fmt: skip
    if errors:
        raise RuleViolation(errors)
    assert checked is not None
    refund_id = uuid7()
    approval = None
    if checked.needs_approval:
        approval = approve_beyond_rule(
            desk, actor, form, checked, complaint_id=complaint_id, refund_id=refund_id
        )
    reason_limit = desk.refdata.settings.intake.text_limits.approval_reason

    def apply(session: Session, c: Complaint, now: datetime) -> ComplaintEvent:
        _open_for_refund(session, c.id)
        seen = refunds_of(session, c.id)  # what this transaction sees
        check_ceiling(checked.amount, total_of(seen), desk.refdata.settings.refund.max_amount)
        same_kind = same_kind_total(earlier_of(seen), checked.error_type)
        if approval is None and checked.quote.exceeds_rule(checked.amount, same_kind):
            # another desk recorded a refund of this kind meanwhile: beyond the rule now
            raise RuleViolation.single("refund_approver", "error.refund.over_rule_ticket",
                                       rule=str(checked.quote.rule_amount),
                                       already=format_yuan(same_kind))  # fmt: skip
        refund = Refund(
            id=refund_id,
            complaint_id=c.id,
            charged_fen=to_fen(checked.quote.charged),
            should_have_charged_fen=to_fen(checked.quote.should_have_charged),
            rule_amount_fen=to_fen(checked.quote.rule_amount),
            amount_fen=to_fen(checked.amount),
            method=checked.method.value,
            verified_by=actor.id,
            verified_at=now,
            approved_by=approval.approver.id if approval else None,
            approval_reason=form.approval_reason.strip()[:reason_limit],
            created_by=actor.id,
            error_type=checked.error_type,
            verification=checked.verification,
        )
        session.add(refund)
        if approval is not None:
            approval.row.at = now
            session.add(approval.row)
        return _event(
            c, "refund", actor, now, checked.verification,
            refund_id=refund.id, amount_fen=refund.amount_fen,
            rule_amount_fen=refund.rule_amount_fen, method=refund.method,
            approved_by=refund.approved_by, error_type=refund.error_type,
        )  # fmt: skip

    return _act(desk, actor, complaint_id, apply, late)


def _refund_on(session: Session, complaint: Complaint, refund_id: str) -> Refund:
    refund = session.get(Refund, refund_id) if refund_id else None
    if refund is None or refund.complaint_id != complaint.id:
        raise RuleViolation.single("refund", "error.refund.unknown")
    return refund


def pay_refund(
    desk: Desk,
    actor: Actor,
    complaint_id: str,
    *,
    refund_id: str,
    method: str,
    reference: str = "",
    late: LateApproval | None = None,
) -> ActionResult:
    """The refund paid: account credit first (账户充值为主), cash second, with the credit's or
    receipt's number. Its pay clock stops; the ceiling bounds what the ticket has been paid."""
    try:
        how = RefundMethod(method)
    except ValueError:
        raise RuleViolation.single("method", "error.required") from None
    ref = _note(reference, "reference", required=False)[:80]

    def apply(session: Session, c: Complaint, now: datetime) -> ComplaintEvent:
        refund = _refund_on(session, c, refund_id)
        check_payable(life_of(refund))
        paid_before = from_fen(
            sum(r.amount_fen for r in refunds_of(session, c.id) if r.paid_at is not None)
        )
        check_ceiling(
            from_fen(refund.amount_fen), paid_before, desk.refdata.settings.refund.max_amount,
            "refund",
        )  # fmt: skip
        refund.paid_at, refund.paid_by = now, actor.id
        refund.method, refund.paid_ref = how.value, ref
        return _event(c, "refund_paid", actor, now, ref, refund_id=refund.id,
                      amount_fen=refund.amount_fen, method=how.value)  # fmt: skip

    return _act(desk, actor, complaint_id, apply, late)


def tell_refund(
    desk: Desk,
    actor: Actor,
    complaint_id: str,
    *,
    refund_id: str,
    note: str,
    late: LateApproval | None = None,
) -> ActionResult:
    """The customer told that the refund was paid (how much, how, when)."""
    text = _note(note)

    def apply(session: Session, c: Complaint, now: datetime) -> ComplaintEvent:
        refund = _refund_on(session, c, refund_id)
        check_tellable(life_of(refund))
        refund.told_at, refund.told_by = now, actor.id
        return _event(c, "refund_told", actor, now, text, refund_id=refund.id)

    return _act(desk, actor, complaint_id, apply, late)


# ------------------------------------------------------------------ responsibility


def set_no_fault(
    desk: Desk,
    actor: Actor,
    complaint_id: str,
    *,
    no_fault: bool,
    reason: str,
    late: LateApproval | None = None,
) -> ActionResult:
    """无责投诉 set or cleared after the facts are checked, with the reason, as an event."""
    text = _note(reason, "reason")

    def apply(session: Session, c: Complaint, now: datetime) -> ComplaintEvent:
        check_no_fault_change(c.no_fault, no_fault, text)
        c.no_fault = no_fault
        return _event(c, "no_fault_changed", actor, now, text, no_fault=no_fault)

    return _act(desk, actor, complaint_id, apply, late)


# ------------------------------------------------------------------ deadline extensions


def _new_due(desk: Desk, text: str, now: datetime) -> datetime:
    """The new time typed for an extension (said at its field when it does not read)."""
    moment, time_error = read_local("new_due", text, desk.tz, now)
    if moment is None:
        raise RuleViolation([time_error or time_format_error("new_due", desk.tz, now)])
    return moment


def _open_for_extension(c: Complaint) -> None:
    if Status(c.status) not in ACTIVE:
        raise RuleViolation.single("status", "error.extension.closed_ticket")


def request_extension(
    desk: Desk,
    actor: Actor,
    complaint_id: str,
    *,
    clock: str,
    new_due: str,
    reason: str,
    late: LateApproval | None = None,
) -> ActionResult:
    """延期申请: ask to move one of the ticket's running clocks (`clock`: its key, see
    services/extensions.py clock_key) to `new_due`, later than its deadline as it stands and
    within the hall's horizon, with a reason. A duty manager decides (decide_extension); until
    then nothing moves."""
    text = _note(reason, "reason")
    if not clock:
        raise RuleViolation.single("clock", "error.extension.clock_unknown")
    _new_due(desk, new_due, desk.clock.now())  # the field first, before the write lock
    kind_text, detail = split_key(clock)
    horizon = timedelta(days=desk.refdata.settings.followup.max_extension_days)

    def apply(session: Session, c: Complaint, now: datetime) -> ComplaintEvent:
        _open_for_extension(c)
        running = [
            k
            for k in running_clocks(session, desk, c)
            if k.kind.value == kind_text and k.detail == detail
        ]
        if not running or running[0].start is None:
            raise RuleViolation.single("clock", "error.extension.clock_unknown")
        current = running[0]
        check_extendable(current.kind)
        assert current.start is not None
        if any(
            e.status == ExtensionStatus.PENDING.value
            and (e.clock, e.detail, e.clock_start) == (kind_text, detail, current.start)
            for e in extensions_of(session, c.id)
        ):
            raise RuleViolation.single("clock", "error.extension.pending")
        due = _new_due(desk, new_due, now)
        check_new_due(due, current.deadline.at, now, horizon)
        row = DeadlineExtension(
            complaint_id=c.id, clock=kind_text, detail=detail, clock_start=current.start,
            original_due_at=current.deadline.at, new_due_at=due, reason=text,
            requested_by=actor.id, requested_at=now,
        )  # fmt: skip
        session.add(row)
        return _event(c, "extension_requested", actor, now, text, extension_id=row.id,
                      clock=kind_text, detail=detail or None,
                      original_due=current.deadline.at.isoformat(),
                      new_due=due.isoformat())  # fmt: skip

    return _act(desk, actor, complaint_id, apply, late)


def decide_extension(
    desk: Desk,
    actor: Actor,
    complaint_id: str,
    *,
    extension_id: str,
    decision: str,
    approver_work_no: str,
    approver_pin: SecretStr | str,
    note: str = "",
    late: LateApproval | None = None,
) -> ActionResult:
    """A duty manager (or above) approves or refuses a pending 延期申请 with their own work
    number and PIN: never a handler's PIN, never the person who asked (四眼), every attempt
    audited (services/approvals.py, the refunds' machinery). Approved, the clock's deadline is
    the new time; refused (with the reason), nothing moves but the ticket shows it."""
    try:
        verdict = Decision(decision)
    except ValueError:
        raise RuleViolation.single("decision", "error.required") from None
    text = _note(note, required=verdict is Decision.REFUSE)
    if error := check_text("approver", approver_work_no, required=True, max_len=16):
        raise RuleViolation([error])
    if not approver_pin:
        raise RuleViolation.single("approver_pin", "error.required")
    with desk.read() as session:  # the request first: no PIN is asked for nothing
        ext = session.get(DeadlineExtension, extension_id) if extension_id else None
        complaint = session.get(Complaint, complaint_id)
        if ext is None or complaint is None or ext.complaint_id != complaint_id:
            raise RuleViolation.single("extension", "error.extension.unknown")
        check_decidable(ext.status)
        _open_for_extension(complaint)
        asked_by = ext.requested_by
    terminal = desk.terminal()

    def audit(approver_id: str, outcome: ApprovalOutcome) -> ExtensionApproval:
        return ExtensionApproval(
            at=desk.clock.now(), complaint_id=complaint_id, extension_id=extension_id,
            asked_by=asked_by, decision=verdict.value,
            approver_work_no=typed_work_no(approver_work_no), approver_id=approver_id,
            outcome=outcome.value, hall_code=terminal.hall_code,
            terminal_code=terminal.terminal_code,
        )  # fmt: skip

    approver, row = approve_by_manager(
        desk, actor, asked_by, approver_work_no, approver_pin, audit, field="approver",
        permission=Permission.APPROVE_EXTENSION, self_key="error.extension.self_approval",
    )  # fmt: skip

    def apply(session: Session, c: Complaint, now: datetime) -> ComplaintEvent:
        _open_for_extension(c)
        e = session.get(DeadlineExtension, extension_id)
        assert e is not None
        check_decidable(e.status)  # another desk may have decided it meanwhile
        e.decided_by, e.decided_at, e.decision_note = approver.id, now, text
        row.at = now
        session.add(row)
        particulars = {"extension_id": e.id, "clock": e.clock, "detail": e.detail or None}
        if verdict is Decision.REFUSE:
            e.status = ExtensionStatus.REFUSED.value
            return _event(c, "extension_refused", actor, now, text, refused_by=approver.id,
                          **particulars)  # fmt: skip
        e.status = ExtensionStatus.APPROVED.value
        return _event(c, "extension_approved", actor, now, text or e.reason,
                      approved_by=approver.id, start=e.clock_start.isoformat(),
                      original_due=e.original_due_at.isoformat(),
                      new_due=e.new_due_at.isoformat(), **particulars)  # fmt: skip

    return _act(desk, actor, complaint_id, apply, late)
