"""Keeping each complaint's clocks current: gather the facts from its events, ask the domain
which deadlines are running, store the earliest on the complaint for the queue. The facts are
gathered by deskapp/domain/replay.py `ticket_facts` (re-exported here for the callers)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from deskapp.domain.replay import EXTERNAL_CHANNELS, ticket_facts
from deskapp.domain.ticket_clocks import ActiveClock, TicketFacts, active_clocks
from deskapp.services.desk import Desk
from deskapp.store.models import Complaint, ComplaintEvent

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


# The complaint's columns that are derived from its fields and events by `clock_values`.
DERIVED_COLUMNS = ("next_due_at", "next_clock", "next_due_provisional", "paused_until")


def clock_values(
    session: Session, desk: Desk, complaint: Complaint, events: list[ComplaintEvent] | None = None
) -> tuple[dict[str, object], list[ActiveClock]]:
    """The derived clock columns of a complaint as its stored events give them (no write).
    Synchronization uses it too, after merging another terminal's events (which it passes
    in, read for many complaints at once, in the order of `events_of`)."""
    if events is None:
        events = events_of(session, complaint.id)
    facts = ticket_facts(complaint, events)
    clocks = clocks_for(desk, facts)
    first = clocks[0] if clocks else None
    values: dict[str, object] = {
        "next_due_at": first.deadline.at if first else None,
        "next_clock": first.kind.value if first else "",
        "next_due_provisional": bool(first and first.deadline.provisional),
        "paused_until": max((p.end for p in facts.pauses), default=None),
    }
    return values, clocks


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
