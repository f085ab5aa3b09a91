"""The replay of deskapp/domain/replay.py with this desk's working-time calendar and time
limits (data/hall.toml, data/holidays.toml, data/time_limits.toml)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from deskapp.domain import replay
from deskapp.domain.replay import History, LowerBoundCalendar
from deskapp.domain.ticket_deadlines import TicketFacts
from deskapp.services.desk import Desk


def lower_bound_calendar(desk: Desk) -> LowerBoundCalendar:
    return LowerBoundCalendar.of(desk.refdata.work_calendar_for(desk.tz))


def earliest_deadline(
    desk: Desk, facts: TicketFacts, rough: LowerBoundCalendar | None = None
) -> datetime | None:
    """The earliest deadline of the clocks running on `facts` (the first of `clocks_for`)."""
    calendar = desk.refdata.work_calendar_for(desk.tz)
    return replay.earliest_deadline(facts, calendar, desk.refdata.time_limits, rough)


def ticket_history(
    desk: Desk,
    row: Any,
    events: Sequence[Any],
    now: datetime,
    rough: LowerBoundCalendar | None = None,
) -> History:
    """Replay a ticket's events (deskapp/domain/replay.py `ticket_history`) on this desk."""
    calendar = desk.refdata.work_calendar_for(desk.tz)
    return replay.ticket_history(row, events, now, calendar, desk.refdata.time_limits, rough)
