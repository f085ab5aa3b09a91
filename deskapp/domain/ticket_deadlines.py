"""Which clocks a complaint is running against right now, from the facts of its history.

Pure: the service gathers the facts from the record and its events; this module applies
docs/domain.md "Time limits" to them. The follow-up queue orders tickets by the earliest
deadline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from deskapp.domain.deadlines import (
    ClockKind,
    Deadline,
    Pause,
    TimeLimits,
    care_follow_ups,
    due,
    paused_deadline,
)
from deskapp.domain.enums import Status
from deskapp.domain.status import ACTIVE
from deskapp.domain.worktime import DeadlineCalendar, WorkCalendar

# A promise is kept whatever the progress, and care dates are calendar dates agreed with the
# customer: pausing moves neither.
NOT_PAUSABLE = frozenset({ClockKind.PROMISE, ClockKind.CARE_FOLLOW_UP})


@dataclass(frozen=True)
class DispatchFacts:
    department: str
    at: datetime
    replies: tuple[datetime, ...] = ()
    final: bool = False  # the department has finished (办结): no further updates due


@dataclass(frozen=True)
class TicketFacts:
    status: Status
    registered_at: datetime
    solved_on_spot: bool = False
    face_to_face: bool = False  # taken at the counter: intake itself was the first contact
    external: bool = False  # reached an external body: care follow-ups after solving
    internal: bool = False  # about a staff member: internal-complaint clocks
    closed_at: datetime | None = None
    dispatches: tuple[DispatchFacts, ...] = ()
    reached_contacts: tuple[datetime, ...] = ()
    promise_due: datetime | None = None  # the latest promise not yet kept
    pauses: tuple[Pause, ...] = ()
    investigated: bool = False
    visited: bool = False
    care_done: int = 0


@dataclass(frozen=True, order=True)
class ActiveClock:
    deadline: Deadline
    kind: ClockKind = field(compare=False)
    detail: str = field(default="", compare=False)  # e.g. the department being waited on


def active_clocks(
    facts: TicketFacts, calendar: DeadlineCalendar, limits: TimeLimits
) -> list[ActiveClock]:
    """Every deadline the ticket is currently running against, earliest first."""
    running: list[tuple[ClockKind, datetime, str]] = []
    if facts.status in ACTIVE:
        if not facts.dispatches and not facts.solved_on_spot:
            running.append((ClockKind.DISPATCH, facts.registered_at, ""))
        if not facts.reached_contacts and not facts.face_to_face:
            running.append((ClockKind.FIRST_CONTACT, facts.registered_at, ""))
        last_contact = max(facts.reached_contacts, default=facts.registered_at)
        running.append((ClockKind.PROGRESS_CONTACT, last_contact, ""))
        for dispatch in facts.dispatches:
            if dispatch.final:
                continue
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
        if facts.promise_due is not None:
            running.append((ClockKind.PROMISE, facts.promise_due, ""))
    elif (
        facts.status is Status.CLOSED
        and facts.closed_at is not None
        and not (facts.solved_on_spot or facts.visited)
    ):
        running.append((ClockKind.RETURN_VISIT, facts.closed_at, ""))
    clocks = [
        ActiveClock(_deadline(kind, start, facts, calendar, limits), kind, detail)
        for kind, start, detail in running
    ]
    clocks.extend(_care(facts, calendar, limits))
    return sorted(clocks)


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
    if not facts.external or facts.closed_at is None:
        return []
    if facts.status not in (Status.CLOSED, Status.VISITED):
        return []
    dates: Sequence[Deadline] = care_follow_ups(facts.closed_at, calendar, limits)
    if facts.care_done >= len(dates):
        return []
    nth = facts.care_done
    return [ActiveClock(dates[nth], ClockKind.CARE_FOLLOW_UP, f"{nth + 1}/{len(dates)}")]


def next_clock(clocks: Sequence[ActiveClock]) -> ActiveClock | None:
    return clocks[0] if clocks else None
