"""问责数据's definitions (deskapp/domain/accountability.py): overdue days counted on working
days as the clocks count them, the rulebook's amount, the place in a repeat chain, an overdue
return visit. Hand-built cases with the arithmetic beside them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from deskapp.domain import accountability as acc
from deskapp.domain.indicators import Stretch

TZ = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class _Day:
    working: bool


@dataclass(frozen=True)
class Calendar:
    """Weekdays work, but for `off` (a holiday); `on` are make-up working days (调休)."""

    off: frozenset[date] = frozenset()
    on: frozenset[date] = frozenset()
    tz: ZoneInfo = TZ

    def day(self, day: date) -> _Day:
        return _Day(day in self.on or (day.weekday() < 5 and day not in self.off))


def local(day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=TZ)


def test_overdue_spans_are_the_parts_past_the_deadline_inside_the_period() -> None:
    stretches = [
        Stretch(local(2), local(3), local(2, 11)),  # past 11:00 until 3rd 10:00
        Stretch(local(3), local(4), None),  # no clock ran
        Stretch(local(4), local(5), local(6)),  # deadline after the stretch: kept
    ]
    assert acc.overdue_spans(stretches, local(1), local(30)) == [(local(2, 11), local(3))]
    # cut by the period: only from 11-02 12:00
    assert acc.overdue_spans(stretches, local(2, 12), local(30)) == [(local(2, 12), local(3))]


def test_overdue_days_count_working_days_touched_holidays_off_make_up_days_on() -> None:
    # Fri 11-06 11:00 → Tue 11-10 09:00: Fri 6, (Sat 7, Sun 8 off), Mon 9, Tue 10 = 3 days
    span = [(local(6, 11), local(10, 9))]
    assert acc.overdue_days(span, Calendar()) == 3
    # Mon 9 a holiday, Sat 7 a make-up working day: Fri 6, Sat 7, Tue 10 = 3 still
    holiday = Calendar(off=frozenset({date(2026, 11, 9)}), on=frozenset({date(2026, 11, 7)}))
    assert acc.overdue_days(span, holiday) == 3
    # Mon 9 off and no make-up day: Fri 6, Tue 10 = 2
    assert acc.overdue_days(span, Calendar(off=frozenset({date(2026, 11, 9)}))) == 2


def test_a_span_ending_at_midnight_does_not_touch_the_next_day() -> None:
    # Mon 11-02 20:00 → Tue 11-03 00:00 (its end is outside): Monday only = 1
    assert acc.overdue_days([(local(2, 20), local(3, 0))], Calendar()) == 1


def test_overdue_only_on_days_off_is_still_one_overdue_day() -> None:
    # Sat 11-07 11:00 → Sun 11-08 12:00: no working day, but the ticket was overdue: 1
    assert acc.overdue_days([(local(7, 11), local(8, 12))], Calendar()) == 1
    assert acc.overdue_days([], Calendar()) == 0


def test_a_day_overdue_twice_counts_once() -> None:
    # Tue 11-03 11:00–12:00 and 15:00–16:00, Wed 11-04 09:00–10:00: Tue, Wed = 2
    spans = [(local(3, 11), local(3, 12)), (local(3, 15), local(3, 16)),
             (local(4, 9), local(4, 10))]  # fmt: skip
    assert acc.overdue_days(spans, Calendar()) == 2


def test_the_rulebooks_amount_is_per_ticket_plus_per_further_day() -> None:
    rules = acc.Penalties()
    assert acc.amount(0, rules) == Decimal("0.00")
    assert acc.amount(1, rules) == Decimal("50.00")  # 50 + 50 × 0
    assert acc.amount(7, rules) == Decimal("350.00")  # 50 + 50 × 6
    other = acc.Penalties(Decimal("80"), Decimal("20.5"))
    assert acc.amount(3, other) == Decimal("121.00")  # 80 + 20.5 × 2
    assert acc.further_days(0) == 0 and acc.further_days(4) == 3


def test_the_place_in_a_repeat_chain_follows_the_links_to_the_first() -> None:
    links = {"r3": "r2", "r2": "r1", "r1": None, "x": None}
    assert acc.repeat_times("r3", links) == ("r1", 3)
    assert acc.repeat_times("r1", links) == ("r1", 1)
    assert acc.graded(3, acc.Penalties()) and not acc.graded(2, acc.Penalties())
    # a link to a ticket not read (outside the store's scope) still counts that ticket
    assert acc.repeat_times("a", {"a": "gone"}) == ("gone", 2)
    # a loop (never made by the desk, but a store can hold anything) is cut where it closes
    assert acc.repeat_times("p", {"p": "q", "q": "p"}) == ("q", 2)


def test_a_return_visit_is_overdue_after_its_deadline_strictly() -> None:
    deadline = local(11, 18)
    assert not acc.visit_overdue(deadline, deadline, local(20))  # at the deadline: kept
    assert acc.visit_overdue(deadline + timedelta(minutes=1), deadline, local(20))
    assert acc.visit_overdue(None, deadline, local(12))  # none, and past due now
    assert not acc.visit_overdue(None, deadline, local(10))  # none, not yet due


def test_the_periods_index_of_working_days_counts_as_the_calendar_does() -> None:
    holiday = Calendar(off=frozenset({date(2026, 11, 9)}), on=frozenset({date(2026, 11, 7)}))
    index = acc.WorkingDays(holiday, date(2026, 11, 1), date(2026, 11, 30))
    spans = [(local(6, 11), local(10, 9)), (local(12, 9), local(13, 9)), (local(27, 9),
                                                                        local(29, 9))]  # fmt: skip
    # Fri 6, Sat 7 (make-up), Tue 10; Thu 12, Fri 13; Fri 27 (28, 29 off) = 6
    assert acc.overdue_days(spans, holiday, index) == acc.overdue_days(spans, holiday) == 6
    # a span reaching past the index is counted day by day: Mon 30 and Tue 12-01 = 2
    late = [(local(30, 9), datetime(2026, 12, 1, 9, tzinfo=TZ))]
    assert acc.overdue_days(late, holiday, index) == 2
