"""时限: the clocks a complaint runs against (docs/domain.md, "Time limits").

Each clock has its own kind of time, read with its number from `data/time_limits.toml`:
clock time runs through nights, weekends and holidays; working time only inside the hall's
working periods on national working days (deskapp.domain.worktime); calendar months count the
follow-ups after an external complaint. A deadline computed over a year whose holiday schedule is
not known is `provisional`, and the screens say so. A ticket past any deadline is overdue (压单).

Pure: the start moment, the calendar and the limits are passed in; "now" too."""

from __future__ import annotations

import calendar as _calendar
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from fractions import Fraction

from deskapp.domain.worktime import DeadlineCalendar, WorkCalendar, hours_delta


class ClockKind(StrEnum):
    REGISTER = "register"  # 登记: after receiving
    DISPATCH = "dispatch"  # 派单: a ticket that must go to someone else (hotline, department)
    FIRST_CONTACT = "first_contact"  # first contact with the customer after taking the ticket
    DEPARTMENT_FIRST_RESPONSE = "department_first_response"  # 协查部门 first response
    DEPARTMENT_UPDATE = "department_update"  # then every N working hours, from the last reply
    PROGRESS_CONTACT = "progress_contact"  # contact the customer while open, from the last one
    INTERNAL_FIRST = "internal_first"  # internal complaint: first investigation
    INTERNAL_WHOLE = "internal_whole"  # internal complaint: whole process
    RETURN_VISIT = "return_visit"  # 回访 after closing a ticket not solved on the spot
    CARE_FOLLOW_UP = "care_follow_up"  # 后续服务 after an external complaint is solved
    EXPLANATION = "explanation"  # internal: the department head's answer, or the right waived
    HIDDEN_RISK = "hidden_risk"  # 隐患投诉 / 声称升级: reported to the duty manager
    MEDIA_REPORT = "media_report"  # 媒体投诉: reported to the company office and marketing
    RESOLUTION_GENERAL = "resolution_general"  # 处理完结时限, receipt to closing: 一般
    RESOLUTION_SERIOUS = "resolution_serious"  # 严重
    RESOLUTION_MAJOR = "resolution_major"  # 重大
    REFUND_PAYMENT = "refund_payment"  # 退费支付: an approved refund paid within its limit
    PROMISE = "promise"  # a time promised to the customer: the deadline is that time


class TimeUnit(StrEnum):
    MINUTES = "minutes"  # clock time
    HOURS = "hours"  # clock time
    WORKING_HOURS = "working_hours"  # working time
    WORKING_DAYS = "working_days"  # working time, the same position N working days later
    WHOLE_WORKING_DAYS = "whole_working_days"  # by the close of the N-th working day after
    MONTHS = "months"  # calendar months, same local time, clamped to the month's end

    @property
    def uses_calendar(self) -> bool:
        """Counted on the working-time calendar (and so possibly provisional)."""
        return self in _WORKING_UNITS

    @property
    def integral(self) -> bool:
        """Only whole amounts make sense (a day is whole or not; months are whole)."""
        return self in (TimeUnit.WHOLE_WORKING_DAYS, TimeUnit.MONTHS)


_WORKING_UNITS = frozenset(
    {TimeUnit.WORKING_HOURS, TimeUnit.WORKING_DAYS, TimeUnit.WHOLE_WORKING_DAYS}
)


@dataclass(frozen=True)
class Limit:
    """`amount` of `unit`, `times` in a row from the same start (care follow-ups: 1 month × 3)."""

    amount: Fraction
    unit: TimeUnit
    times: int = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", Fraction(self.amount))
        if self.amount <= 0:
            raise ValueError(f"a time limit must be positive, not {self.amount}")
        if self.unit.integral and self.amount.denominator != 1:
            raise ValueError(f"{self.unit} needs a whole number, not {float(self.amount)}")
        if self.times < 1:
            raise ValueError("a clock runs at least once")

    def __str__(self) -> str:
        amount = self.amount.numerator if self.amount.denominator == 1 else float(self.amount)
        return f"{amount} {self.unit}" + (f" ×{self.times}" if self.times > 1 else "")


@dataclass(frozen=True)
class TimeLimits:
    """Every clock's limit (all kinds but PROMISE, whose deadline is the promised time itself),
    and how early a coming deadline is flagged."""

    clocks: Mapping[ClockKind, Limit]
    due_soon: timedelta = timedelta(minutes=15)  # one notification while the desk is open
    highlight: timedelta = timedelta(hours=1)  # amber in the follow-up queue
    # 后续服务: every external (customer) complaint once solved, as the rulebook says; a hall
    # may narrow it to complaints not solved on the spot (data/time_limits.toml [care]).
    care_after_on_spot: bool = True

    def __post_init__(self) -> None:
        missing = [
            k.value for k in ClockKind if k is not ClockKind.PROMISE and k not in self.clocks
        ]
        if missing:
            raise ValueError(f"time limits missing for: {', '.join(missing)}")
        if ClockKind.PROMISE in self.clocks:
            raise ValueError("a promise has no limit: its deadline is the promised time")

    def __getitem__(self, kind: ClockKind) -> Limit:
        return self.clocks[kind]


# The defaults of docs/domain.md, the same numbers as the shipped data/time_limits.toml.
DEFAULT_LIMITS = TimeLimits(
    clocks={
        ClockKind.REGISTER: Limit(Fraction(10), TimeUnit.MINUTES),
        ClockKind.DISPATCH: Limit(Fraction(30), TimeUnit.MINUTES),
        ClockKind.FIRST_CONTACT: Limit(Fraction(1), TimeUnit.HOURS),
        ClockKind.DEPARTMENT_FIRST_RESPONSE: Limit(Fraction(2), TimeUnit.WORKING_HOURS),
        ClockKind.DEPARTMENT_UPDATE: Limit(Fraction(2), TimeUnit.WORKING_HOURS),
        ClockKind.PROGRESS_CONTACT: Limit(Fraction(1, 2), TimeUnit.WORKING_DAYS),
        ClockKind.INTERNAL_FIRST: Limit(Fraction(1), TimeUnit.WORKING_DAYS),
        ClockKind.INTERNAL_WHOLE: Limit(Fraction(2), TimeUnit.WORKING_DAYS),
        ClockKind.RETURN_VISIT: Limit(Fraction(7), TimeUnit.WHOLE_WORKING_DAYS),
        ClockKind.CARE_FOLLOW_UP: Limit(Fraction(1), TimeUnit.MONTHS, times=3),
        ClockKind.EXPLANATION: Limit(Fraction(1), TimeUnit.WORKING_DAYS),
        ClockKind.HIDDEN_RISK: Limit(Fraction(30), TimeUnit.MINUTES),
        ClockKind.MEDIA_REPORT: Limit(Fraction(1), TimeUnit.HOURS),
        ClockKind.RESOLUTION_GENERAL: Limit(Fraction(3), TimeUnit.WORKING_DAYS),
        ClockKind.RESOLUTION_SERIOUS: Limit(Fraction(2), TimeUnit.WORKING_DAYS),
        ClockKind.RESOLUTION_MAJOR: Limit(Fraction(1), TimeUnit.WORKING_DAYS),
        ClockKind.REFUND_PAYMENT: Limit(Fraction(3), TimeUnit.WORKING_DAYS),
    }
)


@dataclass(frozen=True, order=True)
class Deadline:
    at: datetime
    provisional: bool = False  # computed over a day whose holiday schedule is not known


def _aware_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("deadlines need timezone-aware datetimes")
    return moment.astimezone(UTC)


def add_months(moment: datetime, months: int, calendar: DeadlineCalendar) -> datetime:
    """The same local wall-clock time `months` calendar months later, in the hall's time
    zone; a day the target month lacks is clamped to its last day (Jan 31 + 1 → Feb 28/29)."""
    local = _aware_utc(moment).astimezone(calendar.tz)
    index = local.month - 1 + months
    year, month = local.year + index // 12, index % 12 + 1
    day = min(local.day, _calendar.monthrange(year, month)[1])
    landed = local.replace(tzinfo=None).replace(year=year, month=month, day=day)
    return landed.replace(tzinfo=calendar.tz).astimezone(UTC)


def _after(
    start: datetime, amount: Fraction, unit: TimeUnit, calendar: DeadlineCalendar
) -> Deadline:
    if unit is TimeUnit.MINUTES:
        return Deadline(start + hours_delta(amount / 60))
    if unit is TimeUnit.HOURS:
        return Deadline(start + hours_delta(amount))
    if unit is TimeUnit.WORKING_HOURS:
        found = calendar.add_working_hours(start, amount)
    elif unit is TimeUnit.WORKING_DAYS:
        found = calendar.add_working_days(start, amount)
    elif unit is TimeUnit.WHOLE_WORKING_DAYS:
        found = calendar.end_of_working_day(start, int(amount))
    else:
        return Deadline(add_months(start, int(amount), calendar))
    return Deadline(found.at, found.provisional)


def schedule(
    kind: ClockKind, start: datetime, calendar: DeadlineCalendar, limits: TimeLimits
) -> tuple[Deadline, ...]:
    """Every deadline of a clock started at `start`: one for most clocks, `times` for a
    repeating one (care follow-ups: 1, 2 and 3 months after, each counted from `start` so that
    a clamped month end does not drift). For PROMISE, `start` is the promised time."""
    start = _aware_utc(start)
    if kind is ClockKind.PROMISE:
        return (Deadline(start),)
    limit = limits[kind]
    return tuple(
        _after(start, limit.amount * i, limit.unit, calendar) for i in range(1, limit.times + 1)
    )


def nth_deadline(
    kind: ClockKind, start: datetime, nth: int, calendar: DeadlineCalendar, limits: TimeLimits
) -> Deadline:
    """`schedule(kind, start, ...)[nth]` without computing the others: a ticket waits on one
    care follow-up at a time, and a large import asks for the first of each closed ticket."""
    if kind is ClockKind.PROMISE or not 0 <= nth < limits[kind].times:
        raise IndexError(f"{kind} has no deadline number {nth}")
    limit = limits[kind]
    return _after(_aware_utc(start), limit.amount * (nth + 1), limit.unit, calendar)


def due(
    kind: ClockKind, start: datetime, calendar: DeadlineCalendar, limits: TimeLimits
) -> Deadline:
    """The (first) deadline of a clock started at `start`. Repeating clocks (department update,
    progress contact) restart from their last event: pass that as `start`."""
    return schedule(kind, start, calendar, limits)[0]


def care_follow_ups(
    solved_at: datetime, calendar: DeadlineCalendar, limits: TimeLimits
) -> tuple[Deadline, ...]:
    """The monthly care follow-ups after an external complaint was solved."""
    return schedule(ClockKind.CARE_FOLLOW_UP, solved_at, calendar, limits)


# ---------------------------------------------------------------- state


class ClockStatus(StrEnum):
    OVERDUE = "overdue"  # 压单: past the deadline
    DUE_SOON = "due_soon"
    OK = "ok"
    PAUSED = "paused"  # a ticket's clocks stand still (the customer asked to be called later)
    NONE = "none"  # a ticket with no clock running


@dataclass(frozen=True)
class ClockState:
    status: ClockStatus
    left: timedelta  # clock time until the deadline; negative once overdue

    @property
    def overdue_by(self) -> timedelta:
        return max(-self.left, timedelta())


def state(deadline: Deadline, now: datetime, due_soon: timedelta) -> ClockState:
    """Overdue strictly after the deadline (at the deadline itself it is still kept); due soon
    when no more than `due_soon` of clock time is left. Time left is clock time: it is what a
    person waiting on the phone experiences, whatever kind of time set the deadline."""
    left = deadline.at - _aware_utc(now)
    if left < timedelta():
        return ClockState(ClockStatus.OVERDUE, left)
    if left <= due_soon:
        return ClockState(ClockStatus.DUE_SOON, left)
    return ClockState(ClockStatus.OK, left)


@dataclass(frozen=True)
class TicketClockView:
    """How a ticket's clock state is shown, the same on every screen (queue, handover, detail,
    search): a pause still running wins over the deadline it holds back; `provisional` marks a
    deadline in a year whose holiday schedule is not known yet."""

    status: ClockStatus
    left: timedelta | None  # until the next deadline; negative once overdue; None when none
    paused_until: datetime | None
    provisional: bool


def ticket_clock_view(
    next_due_at: datetime | None,
    paused_until: datetime | None,
    provisional: bool,
    now: datetime,
    highlight: timedelta,
) -> TicketClockView:
    now = _aware_utc(now)
    if paused_until is not None and _aware_utc(paused_until) > now:
        return TicketClockView(ClockStatus.PAUSED, None, paused_until, provisional)
    if next_due_at is None:
        return TicketClockView(ClockStatus.NONE, None, None, False)
    shown = state(Deadline(_aware_utc(next_due_at)), now, highlight)
    return TicketClockView(shown.status, shown.left, None, provisional)


# ---------------------------------------------------------------- pauses


@dataclass(frozen=True)
class Pause:
    """A clock stood still from `start` to `end` (the customer asked to be called after a date;
    unreachable after recorded attempts). For a pause still running, pass its planned end or
    "now" as `end`."""

    start: datetime
    end: datetime
    reason: str = ""

    def __post_init__(self) -> None:
        if _aware_utc(self.end) < _aware_utc(self.start):
            raise ValueError("a pause cannot end before it starts")


def _merged(pauses: Iterable[Pause], since: datetime | None) -> list[tuple[datetime, datetime]]:
    spans = sorted((_aware_utc(p.start), _aware_utc(p.end)) for p in pauses)
    if since is not None:
        since = _aware_utc(since)
        spans = [(max(s, since), e) for s, e in spans if e > since]
    merged: list[tuple[datetime, datetime]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        elif e > s:
            merged.append((s, e))
    return merged


def _shift(
    at: datetime, start: datetime, end: datetime, unit: TimeUnit, calendar: WorkCalendar
) -> Deadline:
    """`at` pushed back by the pause `[start, end]` measured in `unit`'s kind of time."""
    if unit is TimeUnit.WORKING_HOURS:
        span = calendar.working_time_between(start, end)
        found = calendar.add_working_time(at, span.duration)
        return Deadline(found.at, found.provisional or span.provisional)
    if unit in (TimeUnit.WORKING_DAYS, TimeUnit.WHOLE_WORKING_DAYS):
        days = calendar.working_days_between(start, end)
        if unit is TimeUnit.WORKING_DAYS:
            found = calendar.add_working_days(at, days.days)
        elif (whole := math.ceil(days.days)) > 0:
            found = calendar.end_of_working_day(at, whole)
        else:
            return Deadline(at, days.provisional)
        return Deadline(found.at, found.provisional or days.provisional)
    # Clock time and calendar months: the pause's real duration.
    return Deadline(at + (end - start))


def paused_deadline(
    kind: ClockKind,
    deadline: Deadline,
    pauses: Iterable[Pause],
    calendar: WorkCalendar,
    limits: TimeLimits,
    since: datetime | None = None,
) -> Deadline:
    """The deadline pushed back by the time the clock stood still, measured in the clock's own
    kind of time: a pause over a night costs a working-hours clock nothing, a clock-time clock
    the whole night.

    Only pauses that begin before the (already shifted) deadline count: pausing an overdue
    clock does not make it on time again. Overlapping pauses count once; with `since` (the
    clock's start) the part of a pause before the clock started is ignored. A promise is never
    shifted: a promise must be kept whatever happens (make a new promise instead).
    A whole-working-day clock loses one whole working day per started working day paused."""
    if kind is ClockKind.PROMISE:
        return deadline
    unit = limits[kind].unit
    at, provisional = _aware_utc(deadline.at), deadline.provisional
    for start, end in _merged(pauses, since):
        if start >= at:
            break
        moved = _shift(at, start, end, unit, calendar)
        at, provisional = moved.at, provisional or moved.provisional
    return Deadline(at, provisional)
