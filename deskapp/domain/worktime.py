"""The hall's working time: which local days are working days, their working periods, and
arithmetic on working time (add N working hours or days, measure what elapsed between two moments).

Definitions (every clock counted "in working time" relies on them):

* **Working day.** A local date (hall time zone) that the national calendar makes a working day:
  the hall's own `data/holidays.toml` entry for that date first, then the holiday library, then,
  for a year neither knows, the ordinary Monday–Friday week less the fixed statutory holidays
  (deskapp/domain/statutory.py). An answer from the ordinary week for
  a year whose schedule nobody published to us is *provisional*, and every result that crossed
  such a day says so (`provisional=True`): it is never guessed silently.
* **Working periods.** On a working day, the hall's opening periods for that weekday (a make-up
  working day, 调休上班, on a Saturday or Sunday uses the hours named by the opening hours'
  `makeup_workday`). A non-working day has none, even if the hall opens its doors that day:
  working time follows the national calendar because the cooperating departments do.
  Periods are half-open `[start, end)` for "is it working time now", but a deadline may land
  exactly on a period's `end` (see below).
* **Working day length.** The sum of that day's working periods (08:30–12:00 + 13:30–17:30 is
  7.5 hours). A working day without periods has no working time and is skipped when counting.
* **N working hours** from a moment: the earliest moment at which exactly N hours of working time
  have elapsed since it. When the last needed second is the last second of a period, the deadline
  is that period's end (12:00), not the start of the next one (13:30).
* **N working days** from a moment: the same *position* in working time N working days later,
  where a moment's position in its working day is the fraction of the day's working time elapsed
  (Tuesday 10:00 + 1 working day = Wednesday 10:00; + 0.5 = Tuesday 15:15 with the hours above).
  Fractions are allowed. A moment outside working time has the position of the end of the
  working time before it (equally: the start of the next), and a landing on a whole day is the
  end of that day (Tuesday 07:00 + 1 working day = Tuesday 17:30). When days differ in length
  the fraction, not the hour count, is kept.
* **N whole working days** (`end_of_working_day`): by the close of the N-th working day after
  the day of the start moment, whatever the time of day ("回访 within 7 working days").

All datetimes are timezone-aware; results are in UTC. Nothing here reads files or the clock:
the holiday sources are passed in."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from itertools import pairwise
from typing import Protocol
from zoneinfo import ZoneInfo

from deskapp.domain.statutory import statutory_holiday

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# Far more than any real stretch of rest days (the longest, Spring Festival, is about 9 days):
# hitting it means the opening hours have no working time at all, a data error to report.
_MAX_DAYS_SCANNED = 800
_MICRO = 1_000_000

Number = int | float | Decimal | Fraction
"""Amounts of hours or days. Decimal and Fraction are converted exactly."""


class DaySource(StrEnum):
    """Who decided whether a date is a working day; `ORDINARY_WEEK` alone is provisional."""

    OVERRIDE = "override"  # data/holidays.toml names this date
    LIBRARY = "library"  # the holiday library knows this year
    DECLARED_YEAR = "declared_year"  # data/holidays.toml has the year; date not listed
    ORDINARY_WEEK = "ordinary_week"  # nobody knows the year: Mon–Fri, provisional


class HolidaySource(Protocol):
    def is_workday(self, day: date) -> bool | None:
        """True / False when the national schedule for `day` is known; None when not."""
        ...

    def holiday_name(self, day: date) -> str | None:
        """The holiday (or make-up working day) this date belongs to, for display."""
        ...


# ---------------------------------------------------------------- opening hours


_PERIOD = re.compile(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*")


@dataclass(frozen=True, order=True)
class Period:
    """One opening period of a day, local wall-clock time, start < end, within one day."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if not self.start < self.end:
            raise ValueError(f"period {self} must end after it starts")

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


def parse_period(text: str) -> Period:
    """ "08:30-12:00" → Period. A period never crosses midnight (halls close at night)."""
    m = _PERIOD.fullmatch(text)
    if m is None:
        raise ValueError(f"{text!r} is not a period like 08:30-12:00")
    h1, m1, h2, m2 = map(int, m.groups())
    try:
        return Period(time(h1, m1), time(h2, m2))
    except ValueError as exc:
        raise ValueError(f"{text!r}: {exc}") from None


def _check_day(periods: tuple[Period, ...], label: str) -> None:
    for before, after in pairwise(periods):
        if after.start < before.end:
            raise ValueError(f"{label}: periods {before} and {after} overlap or are out of order")


@dataclass(frozen=True)
class OpeningHours:
    """The hall's hours per weekday (Monday first) and the weekday whose hours apply on a
    make-up working day. Saturday and Sunday hours are when the doors are open; they count as
    working time only on a Saturday or Sunday that the national calendar makes a working day,
    and then the `makeup_workday` hours apply (a make-up day is worked as an ordinary weekday)."""

    week: tuple[tuple[Period, ...], ...]
    makeup_workday: int = 0  # 0 = Monday

    def __post_init__(self) -> None:
        if len(self.week) != 7:
            raise ValueError("opening hours need seven days, Monday first")
        for name, periods in zip(WEEKDAYS, self.week, strict=True):
            _check_day(periods, name)
        if not 0 <= self.makeup_workday <= 4:
            raise ValueError("a make-up working day uses the hours of a weekday (Monday–Friday)")
        if not any(self.week[:5]):
            # Without weekday hours no working-time deadline could ever be reached.
            raise ValueError("opening hours have no periods on any weekday (Monday–Friday)")

    @classmethod
    def from_texts(
        cls, days: Mapping[str, list[str]], makeup_workday: str = "monday"
    ) -> OpeningHours:
        """{"monday": ["08:30-12:00", ...], ...}; a weekday left out has no hours."""
        unknown = set(days) - set(WEEKDAYS)
        if unknown:
            raise ValueError(f"unknown weekday(s): {', '.join(sorted(unknown))}")
        week = tuple(tuple(parse_period(p) for p in days.get(name, ())) for name in WEEKDAYS)
        if makeup_workday not in WEEKDAYS:
            raise ValueError(f"unknown weekday {makeup_workday!r}")
        return cls(week=week, makeup_workday=WEEKDAYS.index(makeup_workday))


# ---------------------------------------------------------------- holiday sources


@dataclass(frozen=True)
class YearSchedule:
    """One year's published schedule (国务院办公厅关于{year}年部分节假日安排的通知): the days off
    and the make-up working days (调休上班). Every other day follows the ordinary week."""

    year: int
    holidays: frozenset[date] = frozenset()
    makeup_workdays: frozenset[date] = frozenset()
    source: str = ""

    def __post_init__(self) -> None:
        stray = sorted(d for d in self.holidays | self.makeup_workdays if d.year != self.year)
        if stray:
            raise ValueError(f"{self.year}: dates from another year: {', '.join(map(str, stray))}")
        both = sorted(self.holidays & self.makeup_workdays)
        if both:
            listed = ", ".join(map(str, both))
            raise ValueError(f"{self.year}: both a holiday and a make-up working day: {listed}")
        weekday = sorted(d for d in self.makeup_workdays if d.weekday() < 5)
        if weekday:
            # A Monday–Friday is a working day anyway: such an entry is a typing mistake.
            raise ValueError(
                f"{self.year}: make-up working days must be Saturdays or Sundays: "
                + ", ".join(f"{d} ({WEEKDAYS[d.weekday()]})" for d in weekday)
            )


@dataclass(frozen=True)
class HolidayOverrides:
    """The hall's own schedules (data/holidays.toml). A listed date wins over the library; a
    year present here is known even where the library does not know it (its unlisted dates
    follow the library if it knows the year, else the ordinary week)."""

    years: Mapping[int, YearSchedule] = field(default_factory=dict)

    def is_workday(self, day: date) -> bool | None:
        schedule = self.years.get(day.year)
        if schedule is None:
            return None
        if day in schedule.makeup_workdays:
            return True
        if day in schedule.holidays:
            return False
        return None

    def holiday_name(self, day: date) -> str | None:
        return None

    def declares(self, year: int) -> bool:
        return year in self.years


class ChineseCalendarLibrary:
    """China's holidays and make-up working days from the `chinesecalendar` package, which
    raises NotImplementedError for a year it has no data for: that becomes "unknown" (None)."""

    def is_workday(self, day: date) -> bool | None:
        import chinese_calendar  # when a calendar is first asked (every command loads this)

        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            return None

    def holiday_name(self, day: date) -> str | None:
        import chinese_calendar

        try:
            _, name = chinese_calendar.get_holiday_detail(day)
        except NotImplementedError:
            return None
        if name is None:
            return None
        try:
            holiday: str = chinese_calendar.Holiday(name).chinese
            return holiday
        except ValueError:
            return str(name)


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class DayInfo:
    day: date
    working: bool  # a national working day (it may still have no opening periods)
    source: DaySource
    name: str | None = None  # 国庆节, ... when the source knows it

    @property
    def known(self) -> bool:
        return self.source is not DaySource.ORDINARY_WEEK


@dataclass(frozen=True)
class WorkInstant:
    """A moment computed in working time; provisional when a day crossed had no known schedule."""

    at: datetime
    provisional: bool


class DeadlineCalendar(Protocol):
    """What a deadline without pauses needs of a calendar: the hall's time zone and the
    working-time steps. WorkCalendar is one; replay.LowerBoundCalendar (a cheap first pass
    of lower bounds) is another."""

    @property
    def tz(self) -> ZoneInfo: ...

    def add_working_hours(self, start: datetime, hours: Fraction) -> WorkInstant: ...

    def add_working_days(self, start: datetime, days: Fraction) -> WorkInstant: ...

    def end_of_working_day(self, start: datetime, n: int) -> WorkInstant: ...


@dataclass(frozen=True)
class WorkSpan:
    """Working time between two moments (negative when the second is earlier)."""

    duration: timedelta
    provisional: bool

    @property
    def hours(self) -> Fraction:
        return Fraction(_micros(self.duration), 3600 * _MICRO)


@dataclass(frozen=True)
class WorkDaySpan:
    """Working days between two moments, as positions (see the module docstring)."""

    days: Fraction
    provisional: bool


def _micros(delta: timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * _MICRO + delta.microseconds


def hours_delta(hours: Number) -> timedelta:
    """Hours as a timedelta, rounded to the microsecond (half to even), exact for decimals."""
    return timedelta(microseconds=round(Fraction(hours) * 3600 * _MICRO))


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("working-time arithmetic needs timezone-aware datetimes")
    return moment.astimezone(UTC)


# ---------------------------------------------------------------- the calendar


class WorkCalendar:
    """The hall's working-time calendar. Pure: it only reads what it is given. Day answers are
    memoised per instance (a queue computes thousands of deadlines over the same few weeks);
    the memo only ever gains identical entries, so sharing one calendar between threads is
    safe."""

    def __init__(
        self,
        tz: ZoneInfo,
        hours: OpeningHours,
        overrides: HolidayOverrides | None = None,
        library: HolidaySource | None = None,
    ) -> None:
        self.tz = tz
        self.hours = hours
        self.overrides = overrides or HolidayOverrides()
        self.library = library
        self._days: dict[date, DayInfo] = {}
        self._periods: dict[date, tuple[tuple[datetime, datetime], ...]] = {}
        self._day_ends: dict[tuple[date, int], WorkInstant] = {}

    # -- days

    def day(self, day: date) -> DayInfo:
        """Whether a local date is a working day (`.working`), and whether that answer is
        known (`.known`) or the provisional ordinary week."""
        info = self._days.get(day)
        if info is None:
            info = self._days[day] = self._decide(day)
        return info

    def _decide(self, day: date) -> DayInfo:
        name = self.library.holiday_name(day) if self.library is not None else None
        decided = self.overrides.is_workday(day)
        if decided is not None:
            return DayInfo(day, decided, DaySource.OVERRIDE, name)
        if self.library is not None:
            decided = self.library.is_workday(day)
            if decided is not None:
                return DayInfo(day, decided, DaySource.LIBRARY, name)
        ordinary = day.weekday() < 5
        if self.overrides.declares(day.year):
            return DayInfo(day, ordinary, DaySource.DECLARED_YEAR, name)
        # A year nobody published: the ordinary week less the fixed statutory holidays, which
        # the law fixes years ahead; the make-up days stay unknown, so still provisional.
        statutory = statutory_holiday(day)
        if statutory is not None:
            return DayInfo(day, False, DaySource.ORDINARY_WEEK, name or statutory)
        return DayInfo(day, ordinary, DaySource.ORDINARY_WEEK, name)

    def is_year_known(self, year: int) -> bool:
        """Whether a year's national schedule is known (library or data/holidays.toml)."""
        if self.overrides.declares(year):
            return True
        return self.library is not None and self.library.is_workday(date(year, 6, 1)) is not None

    def local_periods(self, day: date) -> tuple[Period, ...]:
        """The working periods of a local date in wall-clock time; none on a non-working day."""
        info = self.day(day)
        if not info.working:
            return ()
        weekday = day.weekday()
        return self.hours.week[weekday if weekday < 5 else self.hours.makeup_workday]

    def periods(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        """The working periods of a local date as UTC `[start, end)` pairs."""
        found = self._periods.get(day)
        if found is None:
            found = self._periods[day] = tuple(
                (self._utc(day, p.start), self._utc(day, p.end)) for p in self.local_periods(day)
            )
        return found

    def _utc(self, day: date, at: time) -> datetime:
        return datetime.combine(day, at, tzinfo=self.tz).astimezone(UTC)

    def day_length(self, day: date) -> timedelta:
        return sum((end - start for start, end in self.periods(day)), timedelta())

    def local_date(self, moment: datetime) -> date:
        return _aware(moment).astimezone(self.tz).date()

    def is_working_time(self, moment: datetime) -> bool:
        """Inside a working period (half-open: a period's end is already outside)."""
        moment = _aware(moment)
        return any(s <= moment < e for s, e in self.periods(self.local_date(moment)))

    def _working_days_from(self, first: date) -> Iterator[date]:
        """Dates with working time, from `first` on (inclusive)."""
        day = first
        for _ in range(_MAX_DAYS_SCANNED):
            if self.periods(day):
                yield day
            day += timedelta(days=1)
        raise ValueError(f"no working time within {_MAX_DAYS_SCANNED} days from {first}")

    def _provisional(self, first: date, last: date) -> bool:
        day = first
        while day <= last:
            if not self.day(day).known:
                return True
            day += timedelta(days=1)
        return False

    # -- working hours

    def add_working_time(self, start: datetime, delta: timedelta) -> WorkInstant:
        """The earliest moment at which `delta` of working time has elapsed since `start`.
        A zero delta gives `start` itself."""
        start = _aware(start)
        if delta < timedelta():
            raise ValueError("cannot add negative working time")
        first = self.local_date(start)
        if delta == timedelta():
            return WorkInstant(start, not self.day(first).known)
        remaining = delta
        for day in self._working_days_from(first):
            for p_start, p_end in self.periods(day):
                if p_end <= start:
                    continue
                begin = max(p_start, start)
                available = p_end - begin
                if remaining <= available:
                    # `<=`: a deadline that uses up a period exactly lands on its end.
                    at = begin + remaining
                    return WorkInstant(at, self._provisional(first, day))
                remaining -= available
        raise AssertionError("unreachable")  # pragma: no cover

    def add_working_hours(self, start: datetime, hours: Number) -> WorkInstant:
        return self.add_working_time(start, hours_delta(hours))

    def working_time_between(self, a: datetime, b: datetime) -> WorkSpan:
        """Working time inside `[a, b]`; negative when `b` is before `a`."""
        a, b = _aware(a), _aware(b)
        if b < a:
            span = self.working_time_between(b, a)
            return WorkSpan(-span.duration, span.provisional)
        first, last = self.local_date(a), self.local_date(b)
        total = timedelta()
        day = first
        while day <= last:
            for p_start, p_end in self.periods(day):
                overlap = min(p_end, b) - max(p_start, a)
                if overlap > timedelta():
                    total += overlap
            day += timedelta(days=1)
        return WorkSpan(total, self._provisional(first, last))

    # -- working days

    def _position(self, moment: datetime) -> tuple[date, Fraction]:
        """(working date, fraction of its working time elapsed at `moment`). Outside working
        time: the end of the working day before it if that is today, else the start of the
        next working day (the same point on the working-day scale)."""
        today = self.local_date(moment)
        periods = self.periods(today)
        if periods:
            elapsed = sum((min(e, moment) - s for s, e in periods if s < moment), timedelta())
            return today, Fraction(_micros(elapsed), _micros(self.day_length(today)))
        return next(self._working_days_from(today)), Fraction(0)

    def _at_fraction(self, day: date, fraction: Fraction) -> datetime:
        """The earliest moment of `day` with `fraction` (0 < f ≤ 1) of its working time done,
        rounded up to the microsecond so that never less than the fraction has elapsed."""
        remaining = math.ceil(fraction * _micros(self.day_length(day)))
        for p_start, p_end in self.periods(day):
            length = _micros(p_end - p_start)
            if remaining <= length:
                return p_start + timedelta(microseconds=remaining)
            remaining -= length
        return self.periods(day)[-1][1]

    def add_working_days(self, start: datetime, days: Number) -> WorkInstant:
        """The same position in working time `days` working days later (fractions allowed):
        see the module docstring. Zero days gives `start` itself."""
        start = _aware(start)
        amount = Fraction(days)
        if amount < 0:
            raise ValueError("cannot add negative working days")
        first = self.local_date(start)
        if amount == 0:
            return WorkInstant(start, not self.day(first).known)
        anchor, position = self._position(start)
        target = position + amount
        # Whole days to move and the fraction of the landing day, in (0, 1]: a landing on a
        # whole number is the end of the day before, never the start of the next.
        whole = math.ceil(target) - 1
        fraction = target - whole
        landing = anchor
        days_iter = self._working_days_from(anchor)
        for _ in range(whole + 1):
            landing = next(days_iter)
        at = self._at_fraction(landing, fraction)
        return WorkInstant(at, self._provisional(first, landing))

    def working_days_between(self, a: datetime, b: datetime) -> WorkDaySpan:
        """Working days between two moments as positions; the inverse of `add_working_days`
        (up to the microsecond rounding of the landing)."""
        a, b = _aware(a), _aware(b)
        if b < a:
            span = self.working_days_between(b, a)
            return WorkDaySpan(-span.days, span.provisional)
        day_a, pos_a = self._position(a)
        day_b, pos_b = self._position(b)
        provisional = self._provisional(self.local_date(a), max(self.local_date(b), day_b))
        if day_a == day_b:
            return WorkDaySpan(pos_b - pos_a, provisional)
        between = 0
        for day in self._working_days_from(day_a + timedelta(days=1)):
            if day >= day_b:
                break
            between += 1
        return WorkDaySpan((1 - pos_a) + between + pos_b, provisional)

    def end_of_working_day(self, start: datetime, n: int) -> WorkInstant:
        """The close of the `n`-th working day after the local date of `start` (whole days:
        the time of day does not matter). n = 0 is the close of that day if it is a working
        day, else of the next working day."""
        start = _aware(start)
        if n < 0:
            raise ValueError("cannot count negative working days")
        first = self.local_date(start)
        found = self._day_ends.get((first, n))
        if found is not None:  # a day's answer, asked again for each ticket of that day
            return found
        days_iter = self._working_days_from(first if n == 0 else first + timedelta(days=1))
        landing = first
        for _ in range(max(n, 1)):
            landing = next(days_iter)
        found = WorkInstant(self.periods(landing)[-1][1], self._provisional(first, landing))
        self._day_ends[(first, n)] = found
        return found
