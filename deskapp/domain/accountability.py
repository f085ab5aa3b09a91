"""问责数据: the hall's accountability figures (docs/domain.md, "Refunds, responsibility and
accountability"). Figures for the hall's own review: the desk counts, people decide.

Definitions (the one place they are made; the reports only apply them):

* **Overdue (压单)**: a ticket is overdue at a moment when it is being handled (open,
  dispatched or replied) and one of its running deadlines has passed, strictly after the
  deadline, as the follow-up queue shows it (deskapp/domain/indicators.py `Stretch`, replayed
  by deskapp/domain/replay.py with the clocks of deskapp/domain/ticket_deadlines.py). A ticket
  is an **overdue ticket** of a period when it was overdue at some moment inside the period.
  The return visit and the care follow-ups after closing are not handling and never count.
* **Overdue days**: the working days (the hall's calendar, as the clocks count them: national
  holidays off, make-up days on, data/holidays.toml) on which the ticket was overdue at some
  moment inside the period; at least 1 for an overdue ticket (one overdue only over a weekend
  is still one overdue ticket). **Further days** are the overdue days after the first.
* **Amount**: `per_ticket + per_further_day × further days` for each overdue ticket
  (data/accountability.toml; the rulebook's default 50 yuan + 50 yuan a further day).
* **Repeat grading (同一问题被投诉三次以上)**: a ticket's place in its repeat chain, following
  the repeat links (deskapp/domain/repeat.py decides "same matter"; the handler may confirm or
  unlink) back to the first complaint: the first is the 1st time, the one repeating it the
  2nd, and so on. A chain is graded once it reaches `repeat_times` (default 3).
* **Overdue return visit**: a ticket closed (not solved on the spot) whose return visit came
  after its deadline, or has not come and the deadline has passed.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Protocol
from zoneinfo import ZoneInfo

from deskapp.domain.indicators import Stretch

DAY = timedelta(days=1)
_TICK = timedelta(microseconds=1)  # a span's end is outside it


@dataclass(frozen=True)
class Penalties:
    """The rulebook's amounts (data/accountability.toml), in yuan."""

    per_ticket: Decimal = Decimal("50")
    per_further_day: Decimal = Decimal("50")
    repeat_times: int = 3


class _DayInfo(Protocol):
    @property
    def working(self) -> bool: ...


class DayCalendar(Protocol):
    """What the count of overdue days needs of the working-time calendar."""

    @property
    def tz(self) -> ZoneInfo: ...

    def day(self, day: date) -> _DayInfo: ...


def overdue_spans(
    stretches: Iterable[Stretch], start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """The moments inside `[start, end)` at which the ticket was overdue, as `[lo, hi)` spans
    (the same parts `Stretch.overdue_within` measures)."""
    spans = []
    for s in stretches:
        if s.deadline is None:
            continue
        lo, hi = max(s.start, s.deadline, start), min(s.end, end)
        if hi > lo:
            spans.append((lo, hi))
    return spans


class WorkingDays:
    """The working days of the calendar from `first` to `last` (local dates), counted by
    bisection: a month's report asks for thousands of tickets over the same days."""

    def __init__(self, calendar: DayCalendar, first: date, last: date) -> None:
        self.calendar, self.first, self.last = calendar, first, last
        self.ordinals: list[int] = []
        day = first
        while day <= last:
            if calendar.day(day).working:
                self.ordinals.append(day.toordinal())
            day += DAY

    def count(self, first: date, last: date) -> int:
        """How many working days from `first` to `last`, both included."""
        if first < self.first or last > self.last:  # outside the index: day by day
            return WorkingDays(self.calendar, first, last).count(first, last)
        return bisect_right(self.ordinals, last.toordinal()) - bisect_left(
            self.ordinals, first.toordinal()
        )


def overdue_days(
    spans: Iterable[tuple[datetime, datetime]],
    calendar: DayCalendar,
    index: WorkingDays | None = None,
) -> int:
    """The working days on which the ticket was overdue at some moment; at least 1 when it
    was overdue at all, 0 when never. `index`: the working days of the period, if known."""
    runs: list[tuple[date, date]] = []
    for lo, hi in sorted(spans):
        first = lo.astimezone(calendar.tz).date()
        last = (hi - _TICK).astimezone(calendar.tz).date()
        if runs and first <= runs[-1][1] + DAY:  # the same or the next day: one run of days
            runs[-1] = (runs[-1][0], max(runs[-1][1], last))
        else:
            runs.append((first, last))
    if not runs:
        return 0
    days = index or WorkingDays(calendar, runs[0][0], max(r[1] for r in runs))
    return max(sum(days.count(a, b) for a, b in runs), 1)


def further_days(days: int) -> int:
    return max(days - 1, 0)


def amount(days: int, penalties: Penalties) -> Decimal:
    """The rulebook's amount for one ticket overdue on `days` days (0: not overdue)."""
    if days <= 0:
        return Decimal("0.00")
    total = penalties.per_ticket + penalties.per_further_day * further_days(days)
    return total.quantize(Decimal("0.01"))


def repeat_times(ticket_id: str, repeat_of: Mapping[str, str | None]) -> tuple[str, int]:
    """The first complaint of the ticket's repeat chain and the ticket's place in it (1 = the
    first time), following `repeat_of` (ticket id → the ticket it repeats); a link to a ticket
    outside `repeat_of` ends the chain there (counted), a loop is cut where it closes."""
    seen = {ticket_id}
    current, times = ticket_id, 1
    while (parent := repeat_of.get(current)) is not None and parent not in seen:
        seen.add(parent)
        current, times = parent, times + 1
    return current, times


def graded(times: int, penalties: Penalties) -> bool:
    """同一问题被投诉三次以上: the chain reached the rulebook's count."""
    return times >= penalties.repeat_times


def visit_overdue(visited_at: datetime | None, deadline: datetime, now: datetime) -> bool:
    """The return visit came after its deadline, or has not come and the deadline passed
    (strictly after, as every clock)."""
    return (visited_at if visited_at is not None else now) > deadline
