"""The working-time calendar: working days (library, the hall's overrides, provisional years),
working periods, and adding / measuring working hours and working days."""

from __future__ import annotations

import re
import tomllib
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from pathlib import Path
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from deskapp.clock import FrozenClock
from deskapp.domain.worktime import (
    WEEKDAYS,
    ChineseCalendarLibrary,
    DaySource,
    HolidayOverrides,
    OpeningHours,
    Period,
    WorkCalendar,
    YearSchedule,
    hours_delta,
    parse_period,
)
from deskapp.refdata import RefData
from deskapp.refdata.deadlines import HolidaysFile

REPO = Path(__file__).parents[2]
TZ = ZoneInfo("Asia/Shanghai")
STANDARD = ["08:30-12:00", "13:30-17:30"]  # 7.5 working hours a day
HOURS = OpeningHours.from_texts(
    {d: STANDARD for d in WEEKDAYS[:5]} | {"saturday": ["09:00-17:00"], "sunday": ["09:00-17:00"]}
)
# Fridays shorter, make-up days on Friday hours: for the "days differ in length" rules.
SHORT_FRIDAY = OpeningHours.from_texts(
    {d: STANDARD for d in WEEKDAYS[:4]} | {"friday": ["08:30-12:00"]}, makeup_workday="friday"
)
LIBRARY = ChineseCalendarLibrary()
CAL = WorkCalendar(TZ, HOURS, library=LIBRARY)


def local(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=TZ)


def shown(moment: datetime) -> str:
    return moment.astimezone(TZ).strftime("%a %Y-%m-%d %H:%M")


def example_2027() -> dict:
    """The commented-out example of data/holidays.toml, uncommented as its header says."""
    text = (REPO / "data" / "holidays.toml").read_text(encoding="utf-8")
    block = text.split("# --- example start ---\n")[1].split("# --- example end ---")[0]
    return tomllib.loads(re.sub(r"(?m)^# ?", "", block))


# ---------------------------------------------------------------- the frozen "now"


def test_the_frozen_now_is_a_working_tuesday_morning(clock: FrozenClock) -> None:
    now = clock.now()
    assert shown(now) == "Tue 2026-11-24 10:00"
    assert CAL.is_working_time(now)
    assert shown(CAL.add_working_hours(now, 2).at) == "Tue 2026-11-24 12:00"


# ---------------------------------------------------------------- working days


def test_library_2026_national_day_matches_the_published_schedule() -> None:
    # 国务院办公厅关于2026年部分节假日安排的通知: 国庆节 10月1日（周四）至7日（周三）放假调休，
    # 共7天; 9月20日（周日）、10月10日（周六）上班. 中秋节 9月25日至27日 (Fri–Sun).
    off = {date(2026, 10, d) for d in range(1, 8)} | {date(2026, 9, d) for d in (25, 26, 27)}
    makeup = {date(2026, 9, 20), date(2026, 10, 10)}
    for day in off:
        assert chinese_calendar.is_holiday(day), day
        assert not CAL.day(day).working
    for day in makeup:
        assert day.weekday() >= 5 and chinese_calendar.is_workday(day), day
        assert CAL.day(day).working
    assert {d for d in chinese_calendar.workdays if d.year == 2026} >= makeup
    # The days around it are ordinary.
    assert CAL.day(date(2026, 10, 8)).working and CAL.day(date(2026, 10, 9)).working
    assert not CAL.day(date(2026, 10, 11)).working  # Sunday after the make-up Saturday
    info = CAL.day(date(2026, 10, 10))
    assert info.known and info.source is DaySource.LIBRARY and info.name == "国庆节"


def test_ordinary_week_in_a_known_year() -> None:
    assert CAL.day(date(2026, 11, 24)).working  # Tuesday
    assert not CAL.day(date(2026, 11, 28)).working  # Saturday
    assert not CAL.day(date(2026, 11, 29)).working  # Sunday
    assert all(CAL.day(date(2026, 11, d)).known for d in range(1, 31))


def test_a_year_nobody_knows_is_the_ordinary_week_marked_provisional() -> None:
    assert not CAL.is_year_known(2027)
    assert CAL.is_year_known(2026)
    # A Friday, New Year's Day: a fixed statutory holiday (《全国年节及纪念日放假办法》) known
    # years ahead, though the year's schedule (make-up days) is not published: provisional.
    new_year = CAL.day(date(2027, 1, 1))
    assert not new_year.working and not new_year.known
    assert (new_year.source, new_year.name) == (DaySource.ORDINARY_WEEK, "元旦")
    assert not CAL.day(date(2027, 10, 1)).working  # National Day, a Friday
    assert CAL.day(date(2027, 10, 8)).working  # an ordinary Friday (make-up days unknown)
    assert not CAL.day(date(2027, 1, 2)).working  # Saturday
    found = CAL.add_working_hours(local(2027, 3, 2, 10), 1)  # Tuesday
    assert shown(found.at) == "Tue 2027-03-02 11:00" and found.provisional
    assert CAL.working_time_between(local(2027, 3, 2, 9), local(2027, 3, 2, 10)).provisional


def test_crossing_into_an_unknown_year_is_provisional_staying_inside_is_not() -> None:
    assert not CAL.add_working_hours(local(2026, 12, 31, 9), 2).provisional
    crossing = CAL.add_working_hours(local(2026, 12, 31, 17), 1)
    assert shown(crossing.at) == "Mon 2027-01-04 09:00" and crossing.provisional  # 元旦 Fri
    assert CAL.add_working_days(local(2026, 12, 31, 10), 1).provisional
    assert CAL.end_of_working_day(local(2026, 12, 24, 10), 7).provisional
    assert CAL.working_days_between(local(2026, 12, 31, 10), local(2027, 1, 4, 10)).provisional


def test_override_wins_over_the_library_and_the_rest_of_the_year_follows_it() -> None:
    overrides = HolidayOverrides(
        {
            2026: YearSchedule(
                2026,
                holidays=frozenset({date(2026, 11, 25), date(2026, 10, 10)}),
                makeup_workdays=frozenset({date(2026, 11, 28)}),
            )
        }
    )
    cal = WorkCalendar(TZ, HOURS, overrides, LIBRARY)
    assert not cal.day(date(2026, 11, 25)).working  # library: an ordinary Wednesday
    assert cal.day(date(2026, 11, 25)).source is DaySource.OVERRIDE
    assert not cal.day(date(2026, 10, 10)).working  # library: a make-up working Saturday
    assert cal.day(date(2026, 11, 28)).working  # library: an ordinary Saturday
    assert not cal.day(date(2026, 10, 1)).working  # unlisted: still the library's holiday
    assert cal.day(date(2026, 10, 1)).source is DaySource.LIBRARY
    found = cal.add_working_hours(local(2026, 11, 24, 17), 1)
    assert shown(found.at) == "Thu 2026-11-26 09:00" and not found.provisional
    # A make-up Saturday is worked on the weekday hours named by `makeup_workday` (Monday).
    assert shown(cal.add_working_hours(local(2026, 11, 27, 17), 1).at) == "Sat 2026-11-28 09:00"


def test_a_year_added_to_the_data_is_known_and_not_provisional() -> None:
    overrides = HolidaysFile.model_validate(example_2027()).to_domain()
    cal = WorkCalendar(TZ, HOURS, overrides, LIBRARY)
    assert cal.is_year_known(2027)
    assert not cal.day(date(2027, 1, 1)).working
    assert cal.day(date(2027, 1, 1)).source is DaySource.OVERRIDE
    assert cal.day(date(2027, 1, 31)).working  # Sunday, a make-up working day in the example
    unlisted = cal.day(date(2027, 3, 2))
    assert unlisted.working and unlisted.known and unlisted.source is DaySource.DECLARED_YEAR
    found = cal.add_working_hours(local(2026, 12, 31, 17), 1)
    assert shown(found.at) == "Mon 2027-01-04 09:00" and not found.provisional


def test_the_shipped_data_loads() -> None:
    data = RefData(REPO / "data")
    assert data.opening_hours == HOURS
    assert isinstance(data.holiday_overrides, HolidayOverrides)
    cal = data.work_calendar
    assert cal.tz == TZ and cal is data.work_calendar_for(TZ)
    assert shown(cal.add_working_hours(local(2026, 9, 30, 16), 2).at) == "Thu 2026-10-08 09:00"


def test_a_data_dir_without_the_new_files_still_works(tmp_path: Path) -> None:
    (tmp_path / "hall.toml").write_text('[hall]\ntimezone = "Asia/Shanghai"\n', encoding="utf-8")
    data = RefData(tmp_path)
    assert data.opening_hours == HOURS  # the defaults match the shipped hall.toml
    assert data.holiday_overrides == HolidayOverrides()


# ---------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        ({"holidays": [date(2028, 1, 1)]}, "another year"),
        ({"makeup_workdays": [date(2027, 3, 2)]}, "Saturdays or Sundays"),
        (
            {"holidays": [date(2027, 1, 2)], "makeup_workdays": [date(2027, 1, 2)]},
            "both a holiday and a make-up",
        ),
    ],
)
def test_holiday_data_mistakes_are_refused(schedule: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        HolidaysFile.model_validate({"year": {"2027": schedule}})


@pytest.mark.parametrize(
    ("days", "message"),
    [
        ({"monday": ["08:30-12:00", "11:30-17:30"]}, "overlap"),
        ({"monday": ["13:30-17:30", "08:30-12:00"]}, "overlap or are out of order"),
        ({"monday": ["8.30-12"]}, "not a period"),
        ({"monday": ["12:00-08:30"]}, "end after it starts"),
        ({"monday": ["25:00-26:00"]}, "25:00-26:00"),
        ({"saturday": ["09:00-17:00"]}, "no periods on any weekday"),
        ({"funday": ["09:00-17:00"]}, "unknown weekday"),
    ],
)
def test_opening_hours_mistakes_are_refused(days: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        OpeningHours.from_texts(days)


def test_opening_hours_in_hall_toml_are_validated() -> None:
    from deskapp.refdata import OpeningHoursSection

    with pytest.raises(ValidationError, match="overlap"):
        OpeningHoursSection(monday=["08:30-12:00", "11:00-13:00"])
    with pytest.raises(ValidationError):
        OpeningHoursSection(makeup_workday="sunday")


def test_periods_parse_and_print() -> None:
    assert str(parse_period(" 8:30 - 12:00 ")) == "08:30-12:00"
    assert parse_period("13:30-17:30") == Period(time(13, 30), time(17, 30))


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.add_working_hours(datetime(2026, 11, 24, 10), 1)


def test_negative_amounts_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        CAL.add_working_hours(local(2026, 11, 24, 10), -1)
    with pytest.raises(ValueError, match="negative"):
        CAL.add_working_days(local(2026, 11, 24, 10), -0.5)


# ---------------------------------------------------------------- working periods


def test_working_periods_of_a_day() -> None:
    assert CAL.local_periods(date(2026, 11, 24)) == HOURS.week[1]
    assert CAL.local_periods(date(2026, 11, 28)) == ()  # ordinary Saturday: doors open, no
    assert CAL.local_periods(date(2026, 10, 1)) == ()  # holiday
    assert CAL.local_periods(date(2026, 10, 10)) == HOURS.week[0]  # make-up Saturday
    ((s1, e1), (s2, e2)) = CAL.periods(date(2026, 11, 24))
    assert [shown(t) for t in (s1, e1, s2, e2)] == [
        "Tue 2026-11-24 08:30",
        "Tue 2026-11-24 12:00",
        "Tue 2026-11-24 13:30",
        "Tue 2026-11-24 17:30",
    ]
    assert s1.tzinfo is UTC and s1 == datetime(2026, 11, 24, 0, 30, tzinfo=UTC)
    assert CAL.day_length(date(2026, 11, 24)) == timedelta(hours=7.5)


@pytest.mark.parametrize(
    ("hour", "minute", "working"),
    [
        (8, 29, False),
        (8, 30, True),
        (11, 59, True),
        (12, 0, False),
        (12, 30, False),
        (13, 30, True),
        (17, 29, True),
        (17, 30, False),
        (20, 0, False),
    ],
)
def test_is_working_time_is_half_open(hour: int, minute: int, working: bool) -> None:
    assert CAL.is_working_time(local(2026, 11, 24, hour, minute)) is working


# ---------------------------------------------------------------- working hours


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        # across the lunch break
        (local(2026, 11, 24, 11), 2, "Tue 2026-11-24 14:30"),
        (local(2026, 11, 24, 12, 30), 1, "Tue 2026-11-24 14:30"),  # starts in the break
        (local(2026, 11, 24, 11), 1, "Tue 2026-11-24 12:00"),  # ends the period: its end
        (local(2026, 11, 24, 12), 0.5, "Tue 2026-11-24 14:00"),
        # across the end of a day
        (local(2026, 11, 24, 17), 0.5, "Tue 2026-11-24 17:30"),  # not Wed 08:30
        (local(2026, 11, 24, 17), 1, "Wed 2026-11-25 09:00"),
        (local(2026, 11, 24, 19), 1, "Wed 2026-11-25 09:30"),  # starts after closing
        (local(2026, 11, 24, 7), 1, "Tue 2026-11-24 09:30"),  # starts before opening
        (local(2026, 11, 24, 10), 6, "Tue 2026-11-24 17:30"),  # the rest of the day exactly
        # across a weekend
        (local(2026, 11, 27, 16, 30), 2, "Mon 2026-11-30 09:30"),
        (local(2026, 11, 28, 10), 1, "Mon 2026-11-30 09:30"),  # starts on a Saturday
        # across Mid-Autumn (Fri 9-25 .. Sun 9-27) and National Day (10-01 .. 10-07)
        (local(2026, 9, 24, 17), 1, "Mon 2026-09-28 09:00"),
        (local(2026, 9, 30, 16), 2, "Thu 2026-10-08 09:00"),
        (local(2026, 10, 9, 16, 30), 2, "Sat 2026-10-10 09:30"),  # make-up Saturday works
        (local(2026, 10, 10, 17), 1, "Mon 2026-10-12 09:00"),  # Sunday 10-11 does not
        (local(2026, 9, 19, 10), 1, "Sun 2026-09-20 09:30"),  # make-up Sunday works
        (local(2026, 10, 2, 10), 1, "Thu 2026-10-08 09:30"),  # starts inside the holiday
    ],
)
def test_add_working_hours(start: datetime, hours: float, expected: str) -> None:
    found = CAL.add_working_hours(start, hours)
    assert shown(found.at) == expected
    assert not found.provisional
    assert CAL.working_time_between(start, found.at).duration == hours_delta(hours)


def test_seven_and_a_half_hours_from_ten_is_the_next_morning() -> None:
    # 10:00–12:00 (2 h) + 13:30–17:30 (4 h) + 1.5 h on Wednesday.
    assert shown(CAL.add_working_hours(local(2026, 11, 24, 10), 7.5).at) == "Wed 2026-11-25 10:00"


def test_zero_working_hours_is_the_start_itself() -> None:
    start = local(2026, 11, 28, 10)  # even outside working time
    assert CAL.add_working_hours(start, 0).at == start


def test_working_time_between() -> None:
    assert CAL.working_time_between(
        local(2026, 11, 24, 11), local(2026, 11, 24, 14)
    ).duration == timedelta(hours=1.5)
    over_holiday = CAL.working_time_between(local(2026, 9, 30, 16), local(2026, 10, 8, 10))
    assert over_holiday.duration == timedelta(hours=3) and not over_holiday.provisional
    assert over_holiday.hours == 3
    nothing = CAL.working_time_between(local(2026, 9, 30, 17, 30), local(2026, 10, 8, 8, 30))
    assert nothing.duration == timedelta()
    backwards = CAL.working_time_between(local(2026, 11, 24, 14), local(2026, 11, 24, 11))
    assert backwards.duration == -timedelta(hours=1.5)


# ---------------------------------------------------------------- working days


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (local(2026, 11, 24, 10), 1, "Wed 2026-11-25 10:00"),  # same position next day
        (local(2026, 11, 24, 10), 2, "Thu 2026-11-26 10:00"),
        (local(2026, 11, 24, 10), 0.5, "Tue 2026-11-24 15:15"),  # 3.75 h: 2 h + 1.75 h
        (local(2026, 11, 24, 14), 0.5, "Wed 2026-11-25 08:45"),
        (local(2026, 11, 24, 7), 1, "Tue 2026-11-24 17:30"),  # a whole day: its end
        (local(2026, 11, 24, 19), 1, "Wed 2026-11-25 17:30"),
        (local(2026, 11, 24, 17, 30), 0.5, "Wed 2026-11-25 13:45"),
        (local(2026, 11, 24, 12, 30), 0.5, "Tue 2026-11-24 17:15"),  # from the lunch break
        (local(2026, 11, 27, 10), 1, "Mon 2026-11-30 10:00"),  # over a weekend
        (local(2026, 11, 28, 10), 1, "Mon 2026-11-30 17:30"),  # from a Saturday
        (local(2026, 9, 30, 10), 1, "Thu 2026-10-08 10:00"),  # over National Day
        (local(2026, 10, 9, 10), 1, "Sat 2026-10-10 10:00"),  # onto the make-up Saturday
        (local(2026, 9, 29, 10), 2, "Thu 2026-10-08 10:00"),
        (local(2026, 11, 24, 10), Fraction(4, 15), "Tue 2026-11-24 12:00"),  # 2 h: period end
    ],
)
def test_add_working_days(start: datetime, days: float, expected: str) -> None:
    found = CAL.add_working_days(start, days)
    assert shown(found.at) == expected
    assert not found.provisional
    assert CAL.working_days_between(start, found.at).days == Fraction(days)


def test_working_days_keep_the_position_when_days_differ_in_length() -> None:
    cal = WorkCalendar(TZ, SHORT_FRIDAY, library=LIBRARY)
    # Thursday 10:00 is 1.5/7.5 = 0.2 into the day; 0.2 of Friday's 3.5 h is 42 minutes.
    assert shown(cal.add_working_days(local(2026, 11, 26, 10), 1).at) == "Fri 2026-11-27 09:12"
    # The make-up Saturday 10-10 is worked on Friday hours here.
    assert cal.local_periods(date(2026, 10, 10)) == SHORT_FRIDAY.week[4]


def test_end_of_working_day_counts_whole_days() -> None:
    # 回访 within 7 working days of closing on Tue 9-29: 9-30, 10-08, 10-09, 10-10 (make-up
    # Saturday), 10-12, 10-13, 10-14.
    found = CAL.end_of_working_day(local(2026, 9, 29, 10), 7)
    assert shown(found.at) == "Wed 2026-10-14 17:30" and not found.provisional
    assert shown(CAL.end_of_working_day(local(2026, 9, 29, 23), 1).at) == "Wed 2026-09-30 17:30"
    assert shown(CAL.end_of_working_day(local(2026, 10, 3, 10), 1).at) == "Thu 2026-10-08 17:30"
    assert shown(CAL.end_of_working_day(local(2026, 10, 3, 10), 0).at) == "Thu 2026-10-08 17:30"
    assert shown(CAL.end_of_working_day(local(2026, 11, 24, 10), 0).at) == "Tue 2026-11-24 17:30"


# ---------------------------------------------------------------- properties

# Starts anywhere from 2026 into 2027 (known and unknown years), to the microsecond.
starts = st.datetimes(
    min_value=datetime(2025, 12, 25), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)
amounts = st.integers(min_value=1, max_value=120 * 3600 * 1_000_000).map(
    lambda us: timedelta(microseconds=us)
)
calendars = st.sampled_from(
    [
        CAL,
        WorkCalendar(TZ, SHORT_FRIDAY, library=LIBRARY),
        WorkCalendar(ZoneInfo("Europe/Berlin"), HOURS, library=LIBRARY),  # a zone with DST
    ]
)


def _inside_or_at_end(cal: WorkCalendar, moment: datetime) -> bool:
    return any(s < moment <= e for s, e in cal.periods(cal.local_date(moment)))


@given(calendars, starts, amounts)
def test_adding_then_measuring_gives_the_amount_back(
    cal: WorkCalendar, start: datetime, amount: timedelta
) -> None:
    found = cal.add_working_time(start, amount)
    assert found.at > start
    span = cal.working_time_between(start, found.at)
    assert span.duration == amount
    assert span.provisional == found.provisional


@given(calendars, starts, st.floats(min_value=0.01, max_value=100, allow_nan=False))
def test_adding_float_hours_measures_back(cal: WorkCalendar, start: datetime, hours: float) -> None:
    found = cal.add_working_hours(start, hours)
    assert cal.working_time_between(start, found.at).duration == hours_delta(hours)
    assert abs(cal.working_time_between(start, found.at).hours - Fraction(hours)) < Fraction(
        1, 3600 * 10**6
    )


@given(calendars, starts, amounts)
def test_a_working_time_deadline_is_never_outside_working_time(
    cal: WorkCalendar, start: datetime, amount: timedelta
) -> None:
    assert _inside_or_at_end(cal, cal.add_working_time(start, amount).at)


@given(calendars, starts, amounts, amounts)
def test_deadlines_are_monotonic_in_the_amount(
    cal: WorkCalendar, start: datetime, a: timedelta, b: timedelta
) -> None:
    small, large = sorted((a, b))
    assert cal.add_working_time(start, small).at <= cal.add_working_time(start, large).at


@given(calendars, starts, starts, starts)
def test_working_time_between_adds_up(
    cal: WorkCalendar, a: datetime, b: datetime, c: datetime
) -> None:
    a, b, c = sorted((a, b, c))
    whole = cal.working_time_between(a, c).duration
    assert (
        whole == cal.working_time_between(a, b).duration + cal.working_time_between(b, c).duration
    )
    assert whole >= timedelta()


@given(
    calendars,
    starts,
    st.integers(min_value=1, max_value=40).map(lambda q: Fraction(q, 4)),  # quarter days
)
def test_adding_then_measuring_working_days_gives_them_back(
    cal: WorkCalendar, start: datetime, days: Fraction
) -> None:
    found = cal.add_working_days(start, days)
    assert found.at > start
    assert _inside_or_at_end(cal, found.at)
    back = cal.working_days_between(start, found.at)
    # The landing is rounded up to the microsecond: at most a microsecond's share of a day.
    assert Fraction(0) <= back.days - days <= Fraction(1, 3600 * 10**6)
    assert back.provisional == found.provisional


@given(starts, starts)
def test_provisional_exactly_when_an_unknown_year_is_crossed(a: datetime, b: datetime) -> None:
    a, b = sorted((a, b))
    crosses = any(
        not CAL.is_year_known(y) for y in range(CAL.local_date(a).year, CAL.local_date(b).year + 1)
    )
    assert CAL.working_time_between(a, b).provisional == crosses


def test_the_statutory_holidays_of_a_year_not_yet_published() -> None:
    """《全国年节及纪念日放假办法》 as in force: 元旦 1, 春节 4 (eve to 初三), 清明 1, 劳动节 2,
    端午 1, 中秋 1, 国庆 3 days; lunar dates from lunardate (2027: 春节 Feb 6, 端午 Jun 9,
    中秋 Sep 15), Qingming by the solar-term formula (2027: Apr 5)."""
    from deskapp.domain.statutory import qingming, statutory_holidays

    days = statutory_holidays(2027)
    assert len(days) == 13
    assert [d.isoformat() for d, name in sorted(days.items()) if name == "春节"] == [
        "2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08",
    ]  # fmt: skip
    assert (days[date(2027, 6, 9)], days[date(2027, 9, 15)]) == ("端午节", "中秋节")
    assert [qingming(y) for y in (2024, 2025, 2026, 2027)] == [
        date(2024, 4, 4),
        date(2025, 4, 4),
        date(2026, 4, 5),
        date(2027, 4, 5),
    ]  # fmt: skip (the published dates of 2024–2026)
    # The years under the law as revised (from 2025): the library agrees on every such day.
    for year in (2025, 2026):
        for day in statutory_holidays(year):
            assert not CAL.day(day).working, day
    spring = CAL.day(date(2027, 2, 8))
    assert not spring.working and not spring.known and spring.name == "春节"
