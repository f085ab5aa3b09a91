"""Times as the handler types and reads them: the hall's local time, minutes precision."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DISPLAY_FORMAT = "%Y-%m-%d %H:%M"
_FULL = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?\s+(\d{1,2})[:：](\d{2})")
_MONTH_DAY = re.compile(r"(\d{1,2})[-/.月](\d{1,2})日?\s+(\d{1,2})[:：](\d{2})")
_TIME_ONLY = re.compile(r"(\d{1,2})[:：](\d{2})")


def parse_local(text: str, tz: ZoneInfo, now: datetime) -> datetime | None:
    """ "2026-11-24 09:30", "11-24 09:30" (this year) or "09:30" (today) → aware UTC.
    None when the text is not a time at all; range checks are the caller's."""
    raw = text.strip()
    today = now.astimezone(tz).date()
    try:
        if m := _FULL.fullmatch(raw):
            y, mo, d, h, mi = map(int, m.groups())
        elif m := _MONTH_DAY.fullmatch(raw):
            y, (mo, d, h, mi) = today.year, map(int, m.groups())
        elif m := _TIME_ONLY.fullmatch(raw):
            y, mo, d = today.year, today.month, today.day
            h, mi = map(int, m.groups())
        else:
            return None
        local = datetime.combine(date(y, mo, d), time(h, mi), tzinfo=tz)
    except ValueError:
        return None
    return local.astimezone(UTC)


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
