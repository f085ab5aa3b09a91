"""Keeping each complaint's clocks current: gather its events, ask the domain which deadlines
are running (deskapp/domain/ticket_facts.py), store the earliest on the complaint for the queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from deskapp.domain.deadlines import ClockStatus, ticket_clock_view
from deskapp.domain.ticket_deadlines import ActiveClock, TicketFacts, active_clocks
from deskapp.domain.ticket_facts import (
    DERIVED_COLUMNS,
    EXTERNAL_CHANNELS,
    derived_columns,
    ticket_facts,
)
from deskapp.domain.timefmt import format_duration, format_local
from deskapp.i18n import t
from deskapp.services.desk import Desk
from deskapp.store.models import Complaint, ComplaintEvent

# (ticket_facts and the derived columns are the domain's; the services' callers import them here)
__all__ = [
    "DERIVED_COLUMNS",
    "EXTERNAL_CHANNELS",
    "clock_values",
    "clocks_for",
    "events_of",
    "recompute_all",
    "refresh_clocks",
    "ticket_facts",
]


def events_of(session: Session, complaint_id: str) -> list[ComplaintEvent]:
    return list(
        session.scalars(
            sa.select(ComplaintEvent)
            .where(col(ComplaintEvent.complaint_id) == complaint_id)
            .order_by(col(ComplaintEvent.at), col(ComplaintEvent.id))
        )
    )


def clocks_for(desk: Desk, facts: TicketFacts) -> list[ActiveClock]:
    calendar = desk.refdata.work_calendar_for(desk.tz)
    return active_clocks(facts, calendar, desk.refdata.time_limits)


def clock_values(
    session: Session, desk: Desk, complaint: Complaint, events: list[ComplaintEvent] | None = None
) -> tuple[dict[str, object], list[ActiveClock]]:
    """The derived clock columns of a complaint as its stored events give them (no write).
    Synchronization uses it too, after merging another terminal's events (which it passes
    in, read for many complaints at once, in the order of `events_of`)."""
    if events is None:
        events = events_of(session, complaint.id)
    calendar = desk.refdata.work_calendar_for(desk.tz)
    return derived_columns(ticket_facts(complaint, events), calendar, desk.refdata.time_limits)


def refresh_clocks(session: Session, desk: Desk, complaint: Complaint) -> list[ActiveClock]:
    """Recompute and store the complaint's next deadline (inside the caller's transaction)."""
    session.flush()
    values, clocks = clock_values(session, desk, complaint)
    for name, value in values.items():
        if getattr(complaint, name) != value:
            setattr(complaint, name, value)
    return clocks


def recompute_all(desk: Desk, actor_id: str, batch: int = 500) -> int:
    """After a migration or a change of time limits / holidays: bring every stored deadline
    up to date. Returns how many complaints changed."""
    changed = 0
    last_id = ""
    while True:
        with desk.write(actor_id) as session:
            complaints = list(
                session.scalars(
                    sa.select(Complaint)
                    .where(col(Complaint.id) > last_id)
                    .order_by(col(Complaint.id))
                    .limit(batch)
                )
            )
            if not complaints:
                return changed
            for complaint in complaints:
                before = (complaint.next_due_at, complaint.next_clock)
                refresh_clocks(session, desk, complaint)
                changed += before != (complaint.next_due_at, complaint.next_clock)
            last_id = complaints[-1].id


@dataclass(frozen=True)
class ClockMark:
    """A ticket's clock state and its words, as every screen shows it (the screen adds colour:
    overdue red, due soon amber; the symbol and words carry the meaning without it)."""

    status: ClockStatus
    text: str


def clock_mark(
    desk: Desk,
    next_due_at: datetime | None,
    paused_until: datetime | None,
    provisional: bool,
    now: datetime,
) -> ClockMark:
    """The one place that decides how a ticket's clock is shown: "‖ 暂停至 …" while a pause
    runs (not "⚠ 超时" for the deadline it holds back), "⚠ 超时 …", "◷ 剩 …", "剩 …", with
    "≈" after a provisional deadline."""
    view = ticket_clock_view(
        next_due_at, paused_until, provisional, now, desk.refdata.time_limits.highlight
    )
    suffix = t("queue.provisional") if view.provisional else ""
    if view.status is ClockStatus.PAUSED:
        assert view.paused_until is not None
        until = format_local(view.paused_until, desk.tz)[5:]
        return ClockMark(view.status, t("queue.paused", until=until))
    if view.left is None:
        return ClockMark(view.status, "")
    key = {ClockStatus.OVERDUE: "queue.overdue", ClockStatus.DUE_SOON: "queue.due_soon"}
    text = t(key.get(view.status, "queue.left"), time=format_duration(view.left))
    return ClockMark(view.status, text + suffix)
