"""Which clocks a complaint is running against right now, from the facts of its history.

Pure: the service gathers the facts from the record and its events; this module applies
docs/domain.md "Time limits" to them. The follow-up queue orders tickets by the earliest
deadline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from deskapp.domain.deadlines import (
    ClockKind,
    Deadline,
    Limit,
    Pause,
    TimeLimits,
    TimeUnit,
    due,
    nth_deadline,
    paused_deadline,
)
from deskapp.domain.enums import Severity, Status
from deskapp.domain.errors import RuleViolation
from deskapp.domain.status import ACTIVE
from deskapp.domain.worktime import DeadlineCalendar, WorkCalendar

# 处理完结时限: the whole-resolution clock of each severity (data/time_limits.toml).
RESOLUTION = {
    Severity.GENERAL: ClockKind.RESOLUTION_GENERAL,
    Severity.SERIOUS: ClockKind.RESOLUTION_SERIOUS,
    Severity.MAJOR: ClockKind.RESOLUTION_MAJOR,
}

# A promise is kept whatever the progress, and care dates are calendar dates agreed with the
# customer: pausing moves neither.
# An approved refund is paid whether or not the customer can be reached (account credit first).
NOT_PAUSABLE = frozenset({ClockKind.PROMISE, ClockKind.CARE_FOLLOW_UP, ClockKind.REFUND_PAYMENT})


@dataclass(frozen=True)
class DispatchFacts:
    department: str
    at: datetime
    replies: tuple[datetime, ...] = ()
    final: bool = False  # the department has finished (办结): no further updates due
    # 双方约定的时限: the reply interval agreed with the department for this dispatch, in
    # working hours, instead of data/time_limits.toml's (first response and updates alike)
    agreed_hours: Fraction | None = None


MAX_AGREED_HOURS = 80  # ten working days of eight hours: beyond that it is not a reply interval


def agreed_interval(text: str, field: str = "agreed_hours") -> Fraction | None:
    """The reply interval typed for a dispatch (working hours, halves allowed), or None for
    the default of data/time_limits.toml."""
    raw = text.strip()
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise RuleViolation.single(field, "error.amount.not_number") from None
    if not value.is_finite() or value <= 0 or value > MAX_AGREED_HOURS:
        raise RuleViolation.single(field, "error.dispatch.agreed_range", max=MAX_AGREED_HOURS)
    hours = Fraction(value)
    if (hours * 2).denominator != 1:
        raise RuleViolation.single(field, "error.dispatch.agreed_range", max=MAX_AGREED_HOURS)
    return hours


@dataclass(frozen=True)
class ExtensionFacts:
    """An approved 延期申请: the clock `kind` (of `detail`'s department) that started at `start`
    is due at `new_due` instead (never earlier than its own deadline)."""

    kind: ClockKind
    detail: str
    start: datetime
    new_due: datetime


@dataclass(frozen=True)
class TicketFacts:
    status: Status
    registered_at: datetime
    solved_on_spot: bool = False
    face_to_face: bool = False  # taken at the counter: intake itself was the first contact
    # 外部投诉: a complaint from an outside customer (whatever its channel, and also when it is
    # about a staff member): care follow-ups once solved.
    external: bool = False
    internal: bool = False  # 内部投诉: staff about staff or a department: its own limits
    # The 30-minute dispatch clock runs only for a ticket that must go to someone else:
    # dispatched from the hotline and not yet taken up (`hotline` and not `assigned`), or one
    # the handler decided to send to a cooperating department (`dispatch_planned_at`).
    hotline: bool = False
    assigned: bool = False
    dispatch_planned_at: datetime | None = None
    received_at: datetime | None = None  # the whole-resolution clock counts from receipt
    severity: Severity | None = None  # None: no whole-resolution clock (facts of old tests)
    hidden_risk_at: datetime | None = None  # 隐患 flagged or escalation claimed
    hidden_risk_reported: bool = False  # the duty manager has it
    media_at: datetime | None = None  # a media complaint (by channel or by claim) since then
    media_reported: bool = False
    explanation_requested_at: datetime | None = None  # internal: the department head asked
    explanation_answered: bool = False
    closed_at: datetime | None = None
    dispatches: tuple[DispatchFacts, ...] = ()
    reached_contacts: tuple[datetime, ...] = ()
    promise_due: datetime | None = None  # the latest promise not yet kept
    pauses: tuple[Pause, ...] = ()
    investigated: bool = False
    visited: bool = False
    care_done: int = 0
    # 退费支付: when each refund approved but not yet paid was recorded (its pay clock's start)
    refunds_unpaid: tuple[datetime, ...] = ()
    extensions: tuple[ExtensionFacts, ...] = ()  # 延期申请 approved


@dataclass(frozen=True, order=True)
class ActiveClock:
    deadline: Deadline
    kind: ClockKind = field(compare=False)
    detail: str = field(default="", compare=False)  # e.g. the department being waited on
    # When this clock (this run of it) started: an extension names the run it moves.
    start: datetime | None = field(default=None, compare=False)
    # The deadline before an approved extension moved it (None: not extended).
    extended_from: Deadline | None = field(default=None, compare=False)


def active_clocks(
    facts: TicketFacts, calendar: DeadlineCalendar, limits: TimeLimits
) -> list[ActiveClock]:
    """Every deadline the ticket is currently running against, earliest first."""
    running: list[tuple[ClockKind, datetime, str]] = []
    agreed: dict[tuple[ClockKind, str], Fraction] = {}  # (clock, department): agreed hours
    if facts.status in ACTIVE:
        if not facts.dispatches and not facts.solved_on_spot:
            if facts.dispatch_planned_at is not None:
                running.append((ClockKind.DISPATCH, facts.dispatch_planned_at, ""))
            elif facts.hotline and not facts.assigned:
                running.append((ClockKind.DISPATCH, facts.received_at or facts.registered_at, ""))
        if not facts.reached_contacts and not facts.face_to_face:
            running.append((ClockKind.FIRST_CONTACT, facts.registered_at, ""))
        last_contact = max(facts.reached_contacts, default=facts.registered_at)
        running.append((ClockKind.PROGRESS_CONTACT, last_contact, ""))
        for dispatch in facts.dispatches:
            if dispatch.final:
                continue
            if dispatch.agreed_hours is not None:
                for kind in (ClockKind.DEPARTMENT_UPDATE, ClockKind.DEPARTMENT_FIRST_RESPONSE):
                    agreed[(kind, dispatch.department)] = dispatch.agreed_hours
            if dispatch.replies:
                running.append(
                    (ClockKind.DEPARTMENT_UPDATE, max(dispatch.replies), dispatch.department)
                )
            else:
                running.append(
                    (ClockKind.DEPARTMENT_FIRST_RESPONSE, dispatch.at, dispatch.department)
                )
        if facts.internal:
            if not facts.investigated:
                running.append((ClockKind.INTERNAL_FIRST, facts.registered_at, ""))
            running.append((ClockKind.INTERNAL_WHOLE, facts.registered_at, ""))
            if facts.explanation_requested_at is not None and not facts.explanation_answered:
                running.append((ClockKind.EXPLANATION, facts.explanation_requested_at, ""))
        if facts.hidden_risk_at is not None and not facts.hidden_risk_reported:
            running.append((ClockKind.HIDDEN_RISK, facts.hidden_risk_at, ""))
        if facts.media_at is not None and not facts.media_reported:
            running.append((ClockKind.MEDIA_REPORT, facts.media_at, ""))
        if facts.severity is not None:
            running.append(
                (RESOLUTION[facts.severity], facts.received_at or facts.registered_at, "")
            )
        if facts.promise_due is not None:
            running.append((ClockKind.PROMISE, facts.promise_due, ""))
        # A closed ticket has no unpaid refund (closing is refused while there is one), but
        # one recorded before refunds had a life (migration 0012) runs no clock once closed.
        for start in facts.refunds_unpaid:
            running.append((ClockKind.REFUND_PAYMENT, start, ""))
    elif (
        facts.status is Status.CLOSED
        and facts.closed_at is not None
        and not (facts.solved_on_spot or facts.visited)
    ):
        running.append((ClockKind.RETURN_VISIT, facts.closed_at, ""))
    extended = {(e.kind, e.detail, e.start): e.new_due for e in facts.extensions}
    clocks = [
        _extended(ActiveClock(_deadline(kind, start, facts, calendar,
                                        _agreed(limits, kind, agreed.get((kind, detail)))),
                              kind, detail, start),
                  extended.get((kind, detail, start)))
        for kind, start, detail in running
    ]  # fmt: skip
    clocks.extend(_care(facts, calendar, limits))
    return sorted(clocks)


def _extended(clock: ActiveClock, new_due: datetime | None) -> ActiveClock:
    """The clock with its approved extension: due at the new time, or at its own deadline if a
    pause has since carried that later still."""
    if new_due is None or new_due <= clock.deadline.at:
        return clock
    return replace(clock, deadline=Deadline(new_due, provisional=False),
                   extended_from=clock.deadline)  # fmt: skip


def _agreed(limits: TimeLimits, kind: ClockKind, hours: Fraction | None) -> TimeLimits:
    """The limits with a department's agreed reply interval in place of the default."""
    if hours is None:
        return limits
    return replace(limits, clocks={**limits.clocks, kind: Limit(hours, TimeUnit.WORKING_HOURS)})


def _deadline(
    kind: ClockKind,
    start: datetime,
    facts: TicketFacts,
    calendar: DeadlineCalendar,
    limits: TimeLimits,
) -> Deadline:
    deadline = due(kind, start, calendar, limits)
    if facts.pauses and kind not in NOT_PAUSABLE:
        # a pause is shifted in working time: only the real calendar can (replay's cheap
        # lower-bound pass is never given a ticket with pauses)
        assert isinstance(calendar, WorkCalendar), "a paused ticket needs the working calendar"
        deadline = paused_deadline(kind, deadline, facts.pauses, calendar, limits, since=start)
    return deadline


def _care(facts: TicketFacts, calendar: DeadlineCalendar, limits: TimeLimits) -> list[ActiveClock]:
    if not care_due(facts, limits) or facts.closed_at is None:
        return []
    if facts.status not in (Status.CLOSED, Status.VISITED):
        return []
    # Only the follow-up waited on is computed (the same as care_follow_ups(...)[nth]).
    times = limits[ClockKind.CARE_FOLLOW_UP].times
    nth = facts.care_done
    if nth >= times:
        return []
    deadline = nth_deadline(ClockKind.CARE_FOLLOW_UP, facts.closed_at, nth, calendar, limits)
    return [ActiveClock(deadline, ClockKind.CARE_FOLLOW_UP, f"{nth + 1}/{times}")]


def care_due(facts: TicketFacts, limits: TimeLimits) -> bool:
    """连续3个月跟踪: every external (customer) complaint once solved; a hall may leave out the
    ones solved on the spot (`care_after_on_spot`)."""
    if not facts.external or facts.internal:
        return False
    return limits.care_after_on_spot or not facts.solved_on_spot


def explanation_waived(
    requested_at: datetime | None,
    answered: bool,
    now: datetime,
    calendar: WorkCalendar,
    limits: TimeLimits,
) -> bool:
    """内部投诉: a department head who has not answered within the limit (1 working day) is
    taken to have waived the right to explain."""
    if requested_at is None or answered:
        return False
    return due(ClockKind.EXPLANATION, requested_at, calendar, limits).at < now


def next_clock(clocks: Sequence[ActiveClock]) -> ActiveClock | None:
    return clocks[0] if clocks else None
