"""The period a command line or the range dialog asks for, in words a person types."""

from __future__ import annotations

from datetime import date

from deskapp.domain.clean_input import year_error, year_in_range
from deskapp.domain.errors import RuleViolation
from deskapp.domain.indicators import Period, PeriodKind, period_of


def parse_day(text: str, field: str = "from") -> date:
    """2026-11-24 (also 2026/11/24, 20261124) or 2026-11 (the month's first day)."""
    raw = text.strip().replace("/", "-").replace(".", "-")
    day = None
    try:
        if len(raw) == 8 and raw.isdigit():
            day = date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
        else:
            parts = [int(p) for p in raw.split("-")]
            if len(parts) == 2:
                day = date(parts[0], parts[1], 1)
            elif len(parts) == 3:
                day = date(*parts)
    except ValueError:
        pass
    if day is None:
        raise RuleViolation.single(field, "error.report.date")
    if not year_in_range(day.year):  # (year 1: the period's bounds would overflow)
        raise RuleViolation([year_error(field)])
    return day


def period_from_args(
    kind: PeriodKind | str, first: str | None, last: str | None, today: date
) -> Period:
    """The period the command line or the range dialog asks for: `first` defaults to today
    (the period containing it); a range needs both ends."""
    kind = PeriodKind(kind)
    start = parse_day(first, "from") if first else today
    if kind is PeriodKind.RANGE:
        if not last:
            raise RuleViolation.single("to", "error.report.range_needs_to")
        end = parse_day(last, "to")
        if end < start:
            raise RuleViolation.single("to", "error.report.range_order")
        return period_of(kind, start, end)
    return period_of(kind, start)
