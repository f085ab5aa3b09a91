"""Replaying a ticket's events: the facts its clocks depend on (`ticket_facts`), and, moment by
moment, which deadline came first and whether the ticket kept every limit until it closed
(`ticket_history`, the timeliness of docs/domain.md "What the hall is measured on").

Pure: the services read the complaint and its events from the store and pass them in with the
working-time calendar and the time limits; nothing here reads the clock, a file or the store.
The follow-up queue (services/deadlines.py) and the reports (services/reports) both replay through
this module, so a report judges a ticket as the queue did at the time."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Any

from deskapp.domain.deadlines import ClockKind, TimeLimits, due
from deskapp.domain.enums import Status
from deskapp.domain.indicators import Stretch, kept_every_limit
from deskapp.domain.status import ACTIVE
from deskapp.domain.ticket_deadlines import TicketFacts, active_clocks
from deskapp.domain.ticket_facts import EventLike, ticket_facts
from deskapp.domain.worktime import OpeningHours, WorkCalendar, WorkInstant, hours_delta

CLOSED_STATES = (Status.CLOSED.value, Status.VISITED.value)


# --------------------------------------------------------------- the earliest deadline, fast


_SLACK = timedelta(seconds=1)  # rounding of the bounds: always on the early side


class LowerBoundCalendar:
    """Stands in for the working-time calendar in a first, cheap pass over a ticket's clocks:
    every working-time deadline becomes a lower bound of itself (working time never runs faster
    than the clock, and N working days hold at least N of the shortest working day), while
    clock-time deadlines and promises stay exact. When an exact deadline comes no later than
    every bound, it is the earliest deadline, and the real calendar is not needed: this is what
    keeps a month's report over a large store within its second (most open tickets have a
    30-minute dispatch clock running). Pauses always take the real calendar."""

    def __init__(self, calendar: WorkCalendar, shortest_day: timedelta) -> None:
        self.tz = calendar.tz
        self.hours_per_day = Fraction(int(shortest_day.total_seconds()), 3600)

    @classmethod
    def of(cls, calendar: WorkCalendar) -> LowerBoundCalendar:
        return cls(calendar, shortest_working_day(calendar.hours))

    def add_working_hours(self, start: datetime, hours: Any) -> WorkInstant:
        return WorkInstant(start + hours_delta(hours) - _SLACK, False)

    def add_working_days(self, start: datetime, days: Any) -> WorkInstant:
        return WorkInstant(start + hours_delta(Fraction(days) * self.hours_per_day) - _SLACK,
                           False)  # fmt: skip

    def end_of_working_day(self, start: datetime, n: int) -> WorkInstant:
        return WorkInstant(start, False)


def shortest_working_day(hours: OpeningHours) -> timedelta:
    """The shortest opening of the ordinary weekdays (Monday to Friday) that have hours."""
    lengths = [
        sum((datetime.combine(date.min, p.end) - datetime.combine(date.min, p.start)
             for p in day), timedelta())
        for day in hours.week[:5]
        if day
    ]  # fmt: skip
    return min(lengths)


def _uses_calendar(kind: ClockKind, limits: TimeLimits) -> bool:
    return kind is not ClockKind.PROMISE and limits[kind].unit.uses_calendar


def earliest_deadline(
    facts: TicketFacts,
    calendar: WorkCalendar,
    limits: TimeLimits,
    rough: LowerBoundCalendar | None = None,
) -> datetime | None:
    """The earliest deadline of the clocks running on `facts` (the first of `active_clocks`);
    `rough` tries the cheap pass first."""
    if rough is not None and not facts.pauses:
        clocks = active_clocks(facts, rough, limits)
        if not clocks:
            return None
        exact = [c for c in clocks if not _uses_calendar(c.kind, limits)]
        bounds = [c for c in clocks if _uses_calendar(c.kind, limits)]
        if exact and (not bounds or exact[0].deadline.at <= bounds[0].deadline.at):
            return exact[0].deadline.at
    clocks = active_clocks(facts, calendar, limits)
    return clocks[0].deadline.at if clocks else None


# ------------------------------------------------------------------------------- the replay


@dataclass(frozen=True, slots=True)
class History:
    """What the events say about one ticket: its handling stretches and its timeliness."""

    stretches: tuple[Stretch, ...]
    timely: bool | None  # None: cannot be judged (imported already closed) or not closed


@dataclass
class _AsOf:
    """The fields of a complaint that `ticket_facts` reads, as they stood at one moment."""

    status: str
    registered_at: datetime
    solved_on_spot: bool
    channel: str
    accused_staff_id: str | None
    closed_at: datetime | None
    received_at: datetime
    severity: str
    internal: bool
    hidden_risk: bool
    claimed_to: str


_STATUS_AFTER = {
    "registered": Status.OPEN,
    "dispatch": Status.DISPATCHED,
    "department_reply": Status.REPLIED,
    "closed": Status.CLOSED,
    "reopened": Status.OPEN,
}


def ticket_history(
    row: Any,
    events: Sequence[EventLike],
    now: datetime,
    calendar: WorkCalendar,
    limits: TimeLimits,
    rough: LowerBoundCalendar | None = None,
) -> History:
    """Replay a ticket's events: after each moment at which something happened, which clocks
    ran and which deadline came first, until the next moment (or `now`).

    `row` needs received_at, registered_at, solved_on_spot, channel, accused_staff_id,
    status, closed_at, severity, internal, hidden_risk and claimed_to; `events` kind, at,
    data and id, in order."""
    imported: dict[str, Any] = {}
    for event in events:
        if event.kind == "registered":
            imported = json.loads(event.data or "{}")
            break
    arrived_at: datetime | None = None
    if imported.get("imported"):
        arrived_at = datetime.fromisoformat(imported["imported_at"])
    state = _AsOf(Status.OPEN.value, row.registered_at, row.solved_on_spot, row.channel,
                  row.accused_staff_id, None, row.received_at, row.severity, row.internal,
                  row.hidden_risk, row.claimed_to)  # fmt: skip
    stretches: list[Stretch] = []
    first = True  # the first moment the ticket is handled
    i, n = 0, len(events)
    while i < n:
        at = events[i].at
        while i < n and events[i].at == at:
            event = events[i]
            after = _STATUS_AFTER.get(event.kind)
            if event.kind == "visit":
                move = json.loads(event.data or "{}").get("move")
                after = Status.VISITED if move == "visit" else None
            if after is not None:
                state.status = after.value
                if after is Status.CLOSED:
                    state.closed_at = event.at
                elif after is Status.OPEN:
                    state.closed_at = None
            i += 1
        until = events[i].at if i < n else now
        if Status(state.status) not in ACTIVE:
            continue
        if arrived_at is not None:
            start = max(at, arrived_at)
        elif first:
            # Handled since the customer complained (受理时间), not since the form was saved:
            # a ticket typed in later with a past intake time is overdue from its deadline,
            # as the follow-up queue (F4) shows it.
            start = min(at, row.received_at)
        else:
            start = at
        first = False
        if start < until:
            facts = ticket_facts(state, events[:i])
            stretches.append(Stretch(start, until, earliest_deadline(facts, calendar, limits,
                                                                     rough)))  # fmt: skip
    timely: bool | None = None
    if row.status in CLOSED_STATES and row.closed_at is not None:
        if arrived_at is not None and imported.get("imported_status") in CLOSED_STATES:
            timely = None
        else:
            in_time = True
            if arrived_at is None:
                limit = due(ClockKind.REGISTER, row.received_at, calendar, limits)
                in_time = row.registered_at <= limit.at
            timely = kept_every_limit(stretches, in_time)
    return History(tuple(stretches), timely)
