"""The complaint clocks: each with its own kind of time, their states, and pauses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from deskapp.clock import FrozenClock
from deskapp.domain.deadlines import (
    DEFAULT_LIMITS,
    ClockKind,
    ClockStatus,
    Deadline,
    Limit,
    Pause,
    TimeLimits,
    TimeUnit,
    add_months,
    care_follow_ups,
    due,
    nth_deadline,
    paused_deadline,
    schedule,
    state,
)
from deskapp.domain.worktime import WEEKDAYS, ChineseCalendarLibrary, OpeningHours, WorkCalendar
from deskapp.refdata import RefData
from deskapp.refdata.deadlines import TimeLimitsFile

REPO = Path(__file__).parents[2]
TZ = ZoneInfo("Asia/Shanghai")
HOURS = OpeningHours.from_texts({d: ["08:30-12:00", "13:30-17:30"] for d in WEEKDAYS[:5]})
CAL = WorkCalendar(TZ, HOURS, library=ChineseCalendarLibrary())
LIMITS = DEFAULT_LIMITS


def local(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=TZ)


def shown(moment: datetime) -> str:
    return moment.astimezone(TZ).strftime("%a %Y-%m-%d %H:%M")


# ---------------------------------------------------------------- reference data


def test_shipped_time_limits_are_the_domain_defaults() -> None:
    limits = RefData(REPO / "data").time_limits
    assert limits == DEFAULT_LIMITS
    assert limits.due_soon == timedelta(minutes=15)
    assert limits.highlight == timedelta(hours=1)
    assert limits[ClockKind.PROGRESS_CONTACT] == Limit(Fraction(1, 2), TimeUnit.WORKING_DAYS)
    assert limits[ClockKind.CARE_FOLLOW_UP].times == 3
    assert str(limits[ClockKind.CARE_FOLLOW_UP]) == "1 months ×3"
    assert str(limits[ClockKind.PROGRESS_CONTACT]) == "0.5 working_days"


def test_a_data_dir_without_time_limits_uses_the_defaults(tmp_path: Path) -> None:
    (tmp_path / "hall.toml").write_text("", encoding="utf-8")
    assert RefData(tmp_path).time_limits == DEFAULT_LIMITS


def _limits_file(**changes: dict) -> dict:
    clocks = {
        k.value: {"amount": float(v.amount), "unit": v.unit.value, "times": v.times}
        for k, v in DEFAULT_LIMITS.clocks.items()
    }
    clocks.update(changes)
    return {"clock": {k: v for k, v in clocks.items() if v}}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"register": {}}, "missing for: register"),
        ({"promise": {"amount": 1, "unit": "hours"}}, "promise has no limit"),
        ({"return_visit": {"amount": 6.5, "unit": "whole_working_days"}}, "whole number"),
        ({"care_follow_up": {"amount": 0.5, "unit": "months"}}, "whole number"),
        ({"register": {"amount": 0, "unit": "minutes"}}, "greater than 0"),
        ({"register": {"amount": 10, "unit": "fortnights"}}, "unit"),
        ({"registr": {"amount": 10, "unit": "minutes"}}, "registr"),
    ],
)
def test_time_limit_mistakes_are_refused(changes: dict, message: str) -> None:
    assert TimeLimitsFile.model_validate(_limits_file()).to_domain() == DEFAULT_LIMITS
    with pytest.raises(ValidationError, match=message):
        TimeLimitsFile.model_validate(_limits_file(**changes))


def test_limits_need_every_clock() -> None:
    with pytest.raises(ValueError, match="missing"):
        TimeLimits(clocks={ClockKind.REGISTER: Limit(Fraction(10), TimeUnit.MINUTES)})


# ---------------------------------------------------------------- deadlines


def test_every_clock_from_the_frozen_now(clock: FrozenClock) -> None:
    now = clock.now()  # Tuesday 2026-11-24 10:00
    expected = {
        ClockKind.REGISTER: "Tue 2026-11-24 10:10",
        ClockKind.DISPATCH: "Tue 2026-11-24 10:30",
        ClockKind.FIRST_CONTACT: "Tue 2026-11-24 11:00",
        ClockKind.DEPARTMENT_FIRST_RESPONSE: "Tue 2026-11-24 12:00",  # end of the morning
        ClockKind.DEPARTMENT_UPDATE: "Tue 2026-11-24 12:00",
        ClockKind.PROGRESS_CONTACT: "Tue 2026-11-24 15:15",  # 3.75 h of working time
        ClockKind.INTERNAL_FIRST: "Wed 2026-11-25 10:00",
        ClockKind.INTERNAL_WHOLE: "Thu 2026-11-26 10:00",
        ClockKind.RETURN_VISIT: "Thu 2026-12-03 17:30",  # close of the 7th working day after
        ClockKind.CARE_FOLLOW_UP: "Thu 2026-12-24 10:00",  # the first of three
        ClockKind.EXPLANATION: "Wed 2026-11-25 10:00",  # 1 working day
        ClockKind.HIDDEN_RISK: "Tue 2026-11-24 10:30",  # 30 minutes, clock time
        ClockKind.MEDIA_REPORT: "Tue 2026-11-24 11:00",  # 1 hour, clock time
        ClockKind.RESOLUTION_GENERAL: "Fri 2026-11-27 10:00",  # 3 working days
        ClockKind.RESOLUTION_SERIOUS: "Thu 2026-11-26 10:00",  # 2
        ClockKind.RESOLUTION_MAJOR: "Wed 2026-11-25 10:00",  # 1
        ClockKind.REFUND_PAYMENT: "Fri 2026-11-27 10:00",  # pay a refund: 3 working days
        ClockKind.PROMISE: "Tue 2026-11-24 10:00",  # a promise's start is the promised time
    }
    assert set(expected) == set(ClockKind)
    for kind, when in expected.items():
        deadline = due(kind, now, CAL, LIMITS)
        assert (shown(deadline.at), deadline.provisional) == (when, False), kind
        assert deadline.at.tzinfo is UTC


def test_clock_time_runs_through_nights_weekends_and_holidays() -> None:
    assert shown(due(ClockKind.REGISTER, local(2026, 11, 27, 23, 55), CAL, LIMITS).at) == (
        "Sat 2026-11-28 00:05"
    )
    assert shown(due(ClockKind.FIRST_CONTACT, local(2026, 10, 1, 20), CAL, LIMITS).at) == (
        "Thu 2026-10-01 21:00"
    )
    # Clock time never depends on the holiday calendar, so it is never provisional.
    assert not due(ClockKind.DISPATCH, local(2027, 5, 1, 10), CAL, LIMITS).provisional


def test_working_time_clocks_across_national_day() -> None:
    start = local(2026, 9, 30, 16)  # Wednesday before the holiday
    first = due(ClockKind.DEPARTMENT_FIRST_RESPONSE, start, CAL, LIMITS)
    assert shown(first.at) == "Thu 2026-10-08 09:00"
    assert shown(due(ClockKind.PROGRESS_CONTACT, start, CAL, LIMITS).at) == "Thu 2026-10-08 10:45"
    assert shown(due(ClockKind.INTERNAL_WHOLE, start, CAL, LIMITS).at) == "Fri 2026-10-09 16:00"
    # The make-up Saturday 10-10 is a working day for every working-time clock.
    assert shown(due(ClockKind.INTERNAL_FIRST, local(2026, 10, 9, 9), CAL, LIMITS).at) == (
        "Sat 2026-10-10 09:00"
    )
    assert shown(due(ClockKind.RETURN_VISIT, local(2026, 9, 29, 15), CAL, LIMITS).at) == (
        "Wed 2026-10-14 17:30"
    )


def test_working_time_clocks_in_an_unknown_year_are_provisional() -> None:
    start = local(2026, 12, 31, 17)
    deadline = due(ClockKind.DEPARTMENT_FIRST_RESPONSE, start, CAL, LIMITS)
    # 2027-01-01 is New Year's Day, a fixed statutory holiday even before the schedule is out.
    assert shown(deadline.at) == "Mon 2027-01-04 10:00" and deadline.provisional
    assert due(ClockKind.RETURN_VISIT, local(2026, 12, 28, 10), CAL, LIMITS).provisional
    assert not due(ClockKind.RETURN_VISIT, local(2026, 12, 1, 10), CAL, LIMITS).provisional


def test_care_follow_ups_are_three_calendar_months() -> None:
    visits = care_follow_ups(local(2026, 11, 24, 10), CAL, LIMITS)
    assert [shown(d.at) for d in visits] == [
        "Thu 2026-12-24 10:00",
        "Sun 2027-01-24 10:00",  # calendar time: a Sunday is fine, never provisional
        "Wed 2027-02-24 10:00",
    ]
    assert not any(d.provisional for d in visits)
    assert schedule(ClockKind.CARE_FOLLOW_UP, local(2026, 11, 24, 10), CAL, LIMITS) == visits


def test_care_follow_ups_clamp_to_the_month_end_without_drifting() -> None:
    visits = care_follow_ups(local(2027, 1, 31, 15), CAL, LIMITS)
    assert [shown(d.at) for d in visits] == [
        "Sun 2027-02-28 15:00",
        "Wed 2027-03-31 15:00",  # counted from Jan 31, not from Feb 28
        "Fri 2027-04-30 15:00",
    ]
    leap = care_follow_ups(local(2028, 1, 31, 9), CAL, LIMITS)
    assert shown(leap[0].at) == "Tue 2028-02-29 09:00"
    assert shown(add_months(local(2026, 11, 30, 8), 3, CAL)) == "Sun 2027-02-28 08:00"
    assert shown(add_months(local(2026, 12, 15, 8), 1, CAL)) == "Fri 2027-01-15 08:00"


def test_repeating_clocks_restart_from_their_last_event() -> None:
    last_reply = local(2026, 11, 24, 16)  # 1.5 h left on Tuesday, 0.5 h on Wednesday
    assert shown(due(ClockKind.DEPARTMENT_UPDATE, last_reply, CAL, LIMITS).at) == (
        "Wed 2026-11-25 09:00"
    )


def test_naive_start_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        due(ClockKind.REGISTER, datetime(2026, 11, 24, 10), CAL, LIMITS)


# ---------------------------------------------------------------- state


@pytest.mark.parametrize(
    ("left", "status"),
    [
        (timedelta(hours=2), ClockStatus.OK),
        (timedelta(minutes=15, seconds=1), ClockStatus.OK),
        (timedelta(minutes=15), ClockStatus.DUE_SOON),
        (timedelta(minutes=1), ClockStatus.DUE_SOON),
        (timedelta(), ClockStatus.DUE_SOON),  # at the deadline itself it is still kept
        (-timedelta(seconds=1), ClockStatus.OVERDUE),
        (-timedelta(days=3), ClockStatus.OVERDUE),
    ],
)
def test_state(clock: FrozenClock, left: timedelta, status: ClockStatus) -> None:
    found = state(Deadline(clock.now() + left), clock.now(), LIMITS.due_soon)
    assert found.status == status
    assert found.status == status.value  # 'overdue' | 'due_soon' | 'ok'
    assert found.left == left
    assert found.overdue_by == (-left if left < timedelta() else timedelta())


def test_state_as_the_clock_moves(clock: FrozenClock) -> None:
    deadline = due(ClockKind.DEPARTMENT_FIRST_RESPONSE, clock.now(), CAL, LIMITS)  # 12:00
    assert state(deadline, clock.now(), LIMITS.due_soon).status == "ok"
    clock.advance(timedelta(hours=1, minutes=50))
    assert state(deadline, clock.now(), LIMITS.due_soon).status == "due_soon"
    clock.advance(timedelta(minutes=40))
    now_state = state(deadline, clock.now(), LIMITS.due_soon)
    assert now_state.status == "overdue" and now_state.overdue_by == timedelta(minutes=30)


# ---------------------------------------------------------------- pauses


def _pause(a: datetime, b: datetime) -> Pause:
    return Pause(a, b, "客户要求稍后联系")


def test_a_working_hours_clock_is_pushed_back_by_the_paused_working_time() -> None:
    start = local(2026, 11, 24, 10)
    deadline = due(ClockKind.DEPARTMENT_FIRST_RESPONSE, start, CAL, LIMITS)  # 12:00
    # Paused 11:00–14:00: 1 h left at 11:00, resumes at 14:00 → 15:00.
    pauses = [_pause(local(2026, 11, 24, 11), local(2026, 11, 24, 14))]
    moved = paused_deadline(ClockKind.DEPARTMENT_FIRST_RESPONSE, deadline, pauses, CAL, LIMITS)
    assert shown(moved.at) == "Tue 2026-11-24 15:00" and not moved.provisional


def test_a_pause_outside_working_time_costs_a_working_clock_nothing() -> None:
    deadline = due(ClockKind.DEPARTMENT_FIRST_RESPONSE, local(2026, 11, 24, 16, 30), CAL, LIMITS)
    assert shown(deadline.at) == "Wed 2026-11-25 09:30"
    night = [_pause(local(2026, 11, 24, 18), local(2026, 11, 25, 8))]
    kind = ClockKind.DEPARTMENT_FIRST_RESPONSE
    assert paused_deadline(kind, deadline, night, CAL, LIMITS) == deadline


def test_a_clock_time_clock_is_pushed_back_by_the_real_pause() -> None:
    deadline = due(ClockKind.FIRST_CONTACT, local(2026, 11, 24, 10), CAL, LIMITS)  # 11:00
    kind = ClockKind.FIRST_CONTACT
    one = [_pause(local(2026, 11, 24, 10, 30), local(2026, 11, 24, 10, 45))]
    assert shown(paused_deadline(kind, deadline, one, CAL, LIMITS).at) == "Tue 2026-11-24 11:15"
    overlapping = [*one, _pause(local(2026, 11, 24, 10, 40), local(2026, 11, 24, 10, 50))]
    assert shown(paused_deadline(kind, deadline, overlapping, CAL, LIMITS).at) == (
        "Tue 2026-11-24 11:20"
    )
    late = [_pause(local(2026, 11, 24, 11, 30), local(2026, 11, 24, 12))]  # already overdue
    assert paused_deadline(kind, deadline, late, CAL, LIMITS) == deadline
    before = [_pause(local(2026, 11, 24, 9), local(2026, 11, 24, 10, 30))]
    since = local(2026, 11, 24, 10)  # only the part after the clock started counts
    assert shown(paused_deadline(kind, deadline, before, CAL, LIMITS, since).at) == (
        "Tue 2026-11-24 11:30"
    )


def test_a_working_days_clock_resumes_where_it_stood() -> None:
    kind = ClockKind.INTERNAL_FIRST
    deadline = due(kind, local(2026, 11, 24, 10), CAL, LIMITS)  # Wed 10:00
    # Ran 10:00–15:15 (half a day), paused for the rest of Tuesday: the other half is Wed
    # 08:30–13:45.
    pauses = [_pause(local(2026, 11, 24, 15, 15), local(2026, 11, 25, 8))]
    assert shown(paused_deadline(kind, deadline, pauses, CAL, LIMITS).at) == (
        "Wed 2026-11-25 13:45"
    )


def test_a_whole_working_days_clock_loses_a_day_per_started_day_paused() -> None:
    kind = ClockKind.RETURN_VISIT
    deadline = due(kind, local(2026, 11, 24, 10), CAL, LIMITS)  # Thu 12-03 17:30
    hour = [_pause(local(2026, 11, 25, 10), local(2026, 11, 25, 11))]
    assert shown(paused_deadline(kind, deadline, hour, CAL, LIMITS).at) == "Fri 2026-12-04 17:30"
    two_days = [_pause(local(2026, 11, 25, 10), local(2026, 11, 26, 17))]  # 1.73 working days
    assert shown(paused_deadline(kind, deadline, two_days, CAL, LIMITS).at) == (
        "Mon 2026-12-07 17:30"
    )
    weekend = [_pause(local(2026, 11, 28, 9), local(2026, 11, 29, 20))]
    assert paused_deadline(kind, deadline, weekend, CAL, LIMITS) == deadline


def test_a_promise_is_never_shifted() -> None:
    promise = due(ClockKind.PROMISE, local(2026, 11, 24, 16), CAL, LIMITS)
    pauses = [_pause(local(2026, 11, 24, 10), local(2026, 11, 25, 10))]
    assert paused_deadline(ClockKind.PROMISE, promise, pauses, CAL, LIMITS) == promise


def test_a_pause_into_an_unknown_year_makes_the_deadline_provisional() -> None:
    kind = ClockKind.DEPARTMENT_FIRST_RESPONSE
    deadline = due(kind, local(2026, 12, 31, 9), CAL, LIMITS)  # 11:00, known
    assert not deadline.provisional
    pauses = [_pause(local(2026, 12, 31, 10), local(2026, 12, 31, 17))]
    moved = paused_deadline(kind, deadline, pauses, CAL, LIMITS)
    # 5.5 working hours paused (10:00–12:00, 13:30–17:00): 11:00 + 5.5 h → the next working
    # day 09:00, Monday: Friday 2027-01-01 is New Year's Day (statutory, still provisional).
    assert shown(moved.at) == "Mon 2027-01-04 09:00" and moved.provisional


def test_a_pause_cannot_end_before_it_starts() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        Pause(local(2026, 11, 24, 11), local(2026, 11, 24, 10))


# ---------------------------------------------------------------- properties

starts = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 6, 30), timezones=st.just(UTC)
)
offsets = st.integers(min_value=0, max_value=4 * 24 * 3600).map(lambda s: timedelta(seconds=s))
lengths = st.integers(min_value=1, max_value=2 * 24 * 3600).map(lambda s: timedelta(seconds=s))


@given(
    starts,
    st.lists(st.tuples(offsets, lengths), max_size=4),
    st.sampled_from(
        [ClockKind.DEPARTMENT_FIRST_RESPONSE, ClockKind.DEPARTMENT_UPDATE, ClockKind.FIRST_CONTACT]
    ),
)
def test_unpaused_time_up_to_the_shifted_deadline_is_the_limit(
    start: datetime, raw: list[tuple[timedelta, timedelta]], kind: ClockKind
) -> None:
    pauses = [Pause(start + off, start + off + length) for off, length in raw]
    deadline = due(kind, start, CAL, LIMITS)
    moved = paused_deadline(kind, deadline, pauses, CAL, LIMITS, since=start)
    assert moved.at >= deadline.at
    # Merge the pauses as the rule does, then measure what was not paused.
    merged: list[list[datetime]] = []
    for p in sorted(pauses, key=lambda p: p.start):
        if merged and p.start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], p.end)
        else:
            merged.append([p.start, p.end])
    if kind is ClockKind.FIRST_CONTACT:
        total = moved.at - start
        paused = sum((min(e, moved.at) - s for s, e in merged if s < moved.at), timedelta())
        assert total - paused == timedelta(hours=1)
    else:
        total = CAL.working_time_between(start, moved.at).duration
        paused = sum(
            (
                CAL.working_time_between(s, min(e, moved.at)).duration
                for s, e in merged
                if s < moved.at
            ),
            timedelta(),
        )
        assert total - paused == timedelta(hours=2)


@given(starts, st.sampled_from(list(ClockKind)))
def test_no_pause_changes_nothing_and_deadlines_never_precede_their_start(
    start: datetime, kind: ClockKind
) -> None:
    deadline = due(kind, start, CAL, LIMITS)
    assert deadline.at >= start
    assert paused_deadline(kind, deadline, [], CAL, LIMITS) == deadline


_STARTS = st.datetimes(datetime(2023, 1, 1), datetime(2028, 12, 31), timezones=st.just(UTC))


@given(start=_STARTS, kind=st.sampled_from([k for k in ClockKind if k is not ClockKind.PROMISE]),
       months=st.integers(1, 3), times=st.integers(1, 4))  # fmt: skip
def test_the_nth_deadline_is_the_schedules(
    start: datetime, kind: ClockKind, months: int, times: int
) -> None:
    """`nth_deadline` (one care follow-up, not all three: issue 22's import) is the schedule's
    deadline of that number, whatever the clock's kind of time and however many it repeats."""
    care = Limit(Fraction(months), TimeUnit.MONTHS, times)
    visit = Limit(Fraction(2), TimeUnit.WORKING_DAYS, times)
    limits = TimeLimits({**LIMITS.clocks, ClockKind.CARE_FOLLOW_UP: care,
                         ClockKind.RETURN_VISIT: visit})  # fmt: skip
    every = schedule(kind, start, CAL, limits)
    assert [nth_deadline(kind, start, n, CAL, limits) for n in range(len(every))] == list(every)
    with pytest.raises(IndexError):
        nth_deadline(kind, start, len(every), CAL, limits)
