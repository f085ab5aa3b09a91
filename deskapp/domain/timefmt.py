"""Times as the handler types and reads them: the hall's local time, minutes precision."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from deskapp.domain.clean_input import year_error, year_in_range
from deskapp.domain.errors import FieldError

DISPLAY_FORMAT = "%Y-%m-%d %H:%M"
_FULL = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?\s+(\d{1,2})[:：](\d{2})")
_MONTH_DAY = re.compile(r"(\d{1,2})[-/.月](\d{1,2})日?\s+(\d{1,2})[:：](\d{2})")
_TIME_ONLY = re.compile(r"(\d{1,2})[:：](\d{2})")


def _fields(raw: str, today: date) -> tuple[int, int, int, int, int] | None:
    if m := _FULL.fullmatch(raw):
        y, mo, d, h, mi = map(int, m.groups())
    elif m := _MONTH_DAY.fullmatch(raw):
        y, (mo, d, h, mi) = today.year, map(int, m.groups())
    elif m := _TIME_ONLY.fullmatch(raw):
        y, mo, d = today.year, today.month, today.day
        h, mi = map(int, m.groups())
    else:
        return None
    return y, mo, d, h, mi


def parse_local(text: str, tz: ZoneInfo, now: datetime) -> datetime | None:
    """ "2026-11-24 09:30", "11-24 09:30" (this year) or "09:30" (today) → aware UTC.
    None when the text is not a time at all or its year is outside 2000–2099 (the desk's
    years: year 1 has no UTC equivalent east of Greenwich); other range checks are the
    caller's. `read_local` says which."""
    fields = _fields(text.strip(), now.astimezone(tz).date())
    if fields is None or not year_in_range(fields[0]):
        return None
    y, mo, d, h, mi = fields
    try:
        local = datetime.combine(date(y, mo, d), time(h, mi), tzinfo=tz)
    except ValueError:
        return None
    return local.astimezone(UTC)


def read_local(
    field: str, text: str, tz: ZoneInfo, now: datetime
) -> tuple[datetime | None, FieldError | None]:
    """A typed time for a field: the moment, or the error in words (format, year, or a date
    or time of day that does not exist: 2026-02-30, 25:00)."""
    moment = parse_local(text, tz, now)
    if moment is not None:
        return moment, None
    fields = _fields(text.strip(), now.astimezone(tz).date())
    if fields is not None and not year_in_range(fields[0]):
        return None, year_error(field)
    if fields is not None:  # the form is right: the date or the time does not exist
        y, mo, d, h, mi = fields
        try:
            date(y, mo, d)
        except ValueError:
            return None, FieldError(
                field, "error.time.no_such_date", {"date": f"{y}-{mo:02d}-{d:02d}"}
            )
        return None, FieldError(field, "error.time.no_such_time", {"time": f"{h:02d}:{mi:02d}"})
    return None, time_format_error(field, tz, now)


def time_format_error(field: str, tz: ZoneInfo, now: datetime) -> FieldError:
    """The forms a time is typed in, said with examples of today (never a date long past)."""
    today = now.astimezone(tz)
    examples = {"full": today.strftime("%Y-%m-%d"), "short": today.strftime("%m-%d")}
    return FieldError(field, "error.time.format", examples)


def format_local(moment: datetime | None, tz: ZoneInfo) -> str:
    return "" if moment is None else moment.astimezone(tz).strftime(DISPLAY_FORMAT)


def local_day(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()


def format_duration(delta: timedelta) -> str:
    """A span as a handler reads it at a glance: 2天3时, 3时15分, 40分 (sign dropped)."""
    minutes = abs(int(delta.total_seconds())) // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}天{hours}时" if hours else f"{days}天"
    if hours:
        return f"{hours}时{mins:02d}分"
    return f"{mins}分"
