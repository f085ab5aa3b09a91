"""The hall's figures (docs/domain.md, "What the hall is measured on") as plain formulas.

Pure: periods are local dates, turned into UTC bounds with the hall's time zone passed in;
nothing here reads the clock, a file or the store. The service (deskapp/services/reports)
gathers the complaints and their events; these functions do the arithmetic, so every figure
can be checked by hand.

Definitions used throughout:

* A **period** is a run of whole local days `[first, last]` in the hall's time zone, as the
  half-open UTC interval `[start, end)`: a day, an ISO week (Monday–Sunday), a calendar month,
  or any range of days.
* **Control figures are monthly** (`data/customer_base.toml`). For any other period they are
  prorated day by day: each day of the period carries `monthly / days in its month`, so a whole
  month carries exactly the monthly figure, a week in November 7/30 of it, and a range across
  two months the right share of each.
* A **rate** is a `Ratio` that keeps its numerator and denominator (shown beside the
  percentage, so a reader sees which tickets it counts); an empty denominator has no value.
* **Overdue** (压单): a ticket is overdue while one of its running deadlines has passed
  (strictly after the deadline, as in deskapp/domain/deadlines.py `state`). A ticket's history is
  cut into `Stretch`es between its events; in each, the earliest running deadline decides.
"""

from __future__ import annotations

import calendar as _calendar
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from deskapp.domain.enums import Severity

TOP_CAUSES = 10
DAILY_TREND_MAX_DAYS = 62  # a longer period is drawn month by month
DAY = timedelta(days=1)


class PeriodKind(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    RANGE = "range"


@dataclass(frozen=True)
class Period:
    kind: PeriodKind
    first: date  # local date, inclusive
    last: date  # local date, inclusive

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError("a period cannot end before it starts")

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """`[start, end)` in UTC: local midnight of `first` to local midnight after `last`."""
        start = datetime.combine(self.first, time(), tzinfo=tz)
        end = datetime.combine(self.last + DAY, time(), tzinfo=tz)
        return start.astimezone(UTC), end.astimezone(UTC)

    def shifted(self, steps: int) -> Period:
        """The period `steps` periods later (earlier when negative), of the same kind."""
        if self.kind is PeriodKind.MONTH:
            index = self.first.year * 12 + self.first.month - 1 + steps
            return month_of(date(index // 12, index % 12 + 1, 1))
        length = self.days
        return Period(
            self.kind,
            self.first + timedelta(days=length * steps),
            self.last + timedelta(days=length * steps),
        )

    @property
    def report_due(self) -> date | None:
        """A month's closed-complaint table is due by the 5th of the next month."""
        if self.kind is not PeriodKind.MONTH:
            return None
        nxt = self.shifted(1).first
        return nxt.replace(day=5)


def day_of(day: date) -> Period:
    return Period(PeriodKind.DAY, day, day)


def week_of(day: date) -> Period:
    monday = day - timedelta(days=day.weekday())
    return Period(PeriodKind.WEEK, monday, monday + timedelta(days=6))


def month_of(day: date) -> Period:
    last = _calendar.monthrange(day.year, day.month)[1]
    return Period(PeriodKind.MONTH, day.replace(day=1), day.replace(day=last))


def period_of(kind: PeriodKind, first: date, last: date | None = None) -> Period:
    """The period of `kind` containing `first` (a range runs from `first` to `last`)."""
    if kind is PeriodKind.DAY:
        return day_of(first)
    if kind is PeriodKind.WEEK:
        return week_of(first)
    if kind is PeriodKind.MONTH:
        return month_of(first)
    if last is None:
        raise ValueError("a range needs its last day")
    return Period(PeriodKind.RANGE, first, last)


# ------------------------------------------------------------------------------- arithmetic


@dataclass(frozen=True)
class Ratio:
    """`num / den`, kept as both numbers; no value when nothing was counted."""

    num: float
    den: float

    @property
    def value(self) -> float | None:
        return self.num / self.den if self.den else None

    @property
    def over(self) -> bool:
        """Past 100% (for a control figure: over the limit)."""
        value = self.value
        return value is not None and value > 1


@dataclass(frozen=True)
class TimelinessSplit:
    """及时率, three ways (issue 17): of the closed tickets that can be judged, those closed
    within every limit with no deadline extended, those within every limit as extended
    (延期申请 approved), and those late; `unknown` could not be judged (imported closed)."""

    on_time: int
    on_time_extended: int
    late: int
    unknown: int

    @property
    def judged(self) -> int:
        return self.on_time + self.on_time_extended + self.late

    def rate(self, count: int) -> Ratio:
        return Ratio(count, self.judged)


def timeliness_split(tickets: Iterable[tuple[bool | None, bool]]) -> TimelinessSplit:
    """From each closed ticket's (timely, extended): timely None is not judged; a late ticket
    is late whether or not it had an extension (it missed even the extended deadline)."""
    on_time = extended = late = unknown = 0
    for timely, had_extension in tickets:
        if timely is None:
            unknown += 1
        elif not timely:
            late += 1
        elif had_extension:
            extended += 1
        else:
            on_time += 1
    return TimelinessSplit(on_time, extended, late, unknown)


def percent(value: float) -> str:
    """A rate as the branch's meeting papers print it: two decimals (176.28%, not 176.3%)."""
    return f"{value * 100:.2f}%"


def escalated_by_customer(
    severity: str,
    claimed_to: str,
    channel: str = "",
    channel_floors: Mapping[str, Severity] | None = None,
) -> bool:
    """升级投诉, the indicator: the **customer** took the complaint higher or outside (严重 or
    重大 by its channel, whatever level the ticket carries now, or as the handler set it) or
    says they will (声称升级). The hall reporting a ticket up its own chain is not this: see
    `reported_up`, counted apart, so that diligent reporting never raises the penalised
    figure. `channel_floors`: each channel's severity floor (data/hall.toml)."""
    by_channel = (channel_floors or {}).get(channel, Severity.GENERAL)
    return (
        Severity(severity).rank >= Severity.SERIOUS.rank
        or by_channel.rank >= Severity.SERIOUS.rank
        or bool(claimed_to)
    )


def reported_up(escalation_level: int) -> bool:
    """逐级上报 by the hall: the ticket went above the handler's level."""
    return escalation_level > 0


def per_10k(count: int, customers: int | None) -> float | None:
    """每万客户投诉量: complaints per 10,000 customers."""
    if not customers:
        return None
    return count * 10_000 / customers


def prorated(monthly: float | None, period: Period) -> float | None:
    """A monthly figure's share for the period, day by day (see the module's docstring)."""
    if monthly is None:
        return None
    total = 0.0
    day = period.first
    while day <= period.last:
        in_month = _calendar.monthrange(day.year, day.month)[1]
        last = min(period.last, day.replace(day=in_month))
        total += monthly * ((last - day).days + 1) / in_month
        day = last + DAY
    return total


def top(counts: dict[str, int], n: int = TOP_CAUSES) -> list[tuple[str, int]]:
    """The `n` largest counts, ties broken by code so the order never wobbles."""
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:n]


# ---------------------------------------------------------------------------------- overdue


@dataclass(frozen=True, slots=True)  # (thousands a report: one object each, issue 22)
class Stretch:
    """A ticket between two of its events, from `start` to `end`, while it was being handled;
    `deadline` is the earliest deadline running in it (None when no clock ran)."""

    start: datetime
    end: datetime
    deadline: datetime | None

    @property
    def missed(self) -> bool:
        """A deadline passed before the next event (or the close)."""
        return self.deadline is not None and self.deadline < self.end

    def overdue_within(self, start: datetime, end: datetime) -> timedelta:
        """The part of this stretch after its deadline, inside `[start, end)`."""
        if self.deadline is None:
            return timedelta()
        lo = max(self.start, self.deadline, start)
        hi = min(self.end, end)
        return hi - lo if hi > lo else timedelta()


def kept_every_limit(stretches: Iterable[Stretch], registered_in_time: bool) -> bool:
    """及时: registered within its limit and no deadline missed in any stretch up to the close."""
    return registered_in_time and not any(s.missed for s in stretches)


def overdue_within(stretches: Iterable[Stretch], start: datetime, end: datetime) -> timedelta:
    total = timedelta()
    for stretch in stretches:
        total += stretch.overdue_within(start, end)
    return total


def ticket_days(spans: Iterable[timedelta]) -> float:
    """超时工单·天: overdue time summed over tickets, in days of 24 hours."""
    return sum((s for s in spans), timedelta()) / DAY


# ------------------------------------------------------------------------------------ trend


class Grain(StrEnum):
    HOUR = "hour"
    DAY = "day"
    MONTH = "month"


@dataclass(frozen=True)
class Bucket:
    label: str
    start: datetime  # UTC
    end: datetime  # UTC, exclusive


def grain_of(period: Period) -> Grain:
    if period.days == 1:
        return Grain.HOUR
    if period.days <= DAILY_TREND_MAX_DAYS:
        return Grain.DAY
    return Grain.MONTH


def buckets(period: Period, tz: ZoneInfo) -> list[Bucket]:
    """The trend's buckets: hours of a day, days of up to two months, months beyond."""
    grain = grain_of(period)
    out: list[Bucket] = []
    if grain is Grain.HOUR:
        midnight = datetime.combine(period.first, time(), tzinfo=tz)
        for hour in range(24):
            # Wall-clock hours (China has no daylight saving; elsewhere a DST day just has a
            # short or long bucket).
            a = midnight.replace(hour=hour)
            b = midnight.replace(hour=hour + 1) if hour < 23 else midnight + DAY
            out.append(Bucket(f"{hour:02d}", a.astimezone(UTC), b.astimezone(UTC)))
        return out
    day = period.first
    while day <= period.last:
        if grain is Grain.DAY:
            nxt, label = day + DAY, f"{day:%m-%d}"
        else:
            nxt = month_of(day).last + DAY
            label = f"{day:%Y-%m}"
        nxt = min(nxt, period.last + DAY)
        out.append(
            Bucket(
                label,
                datetime.combine(day, time(), tzinfo=tz).astimezone(UTC),
                datetime.combine(nxt, time(), tzinfo=tz).astimezone(UTC),
            )
        )
        day = nxt
    return out


def count_into(moments: Iterable[datetime], into: Sequence[Bucket]) -> list[int]:
    """How many moments fall in each bucket (moments outside every bucket are ignored)."""
    counts = [0] * len(into)
    starts = [b.start for b in into]
    for moment in moments:
        i = bisect_right(starts, moment) - 1
        if 0 <= i < len(into) and moment < into[i].end:
            counts[i] += 1
    return counts
