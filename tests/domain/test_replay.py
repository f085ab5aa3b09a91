"""The timeliness replay is a domain rule (issue 21): pure functions over a ticket's events,
given the working-time calendar and the time limits, with no desk and no store."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from deskapp.domain.replay import LowerBoundCalendar, ticket_facts, ticket_history
from deskapp.refdata import RefData

TZ = ZoneInfo("Asia/Shanghai")
REF = RefData()
CALENDAR = REF.work_calendar_for(TZ)
LIMITS = REF.time_limits
RECEIVED = datetime(2026, 11, 24, 9, 0, tzinfo=TZ)  # a Tuesday, a working day


def _event(kind: str, minutes: int, n: int, **data: object) -> SimpleNamespace:
    return SimpleNamespace(kind=kind, at=RECEIVED + timedelta(minutes=minutes), id=f"e{n}",
                           data=json.dumps(data))  # fmt: skip


def _ticket(closed_after: int, contact_after: int) -> tuple[SimpleNamespace, list]:
    events = [
        _event("registered", 2, 1, channel="hotline"),
        _event("contact", contact_after, 2, reached=True),
        _event("dispatch", 20, 3, department="NET"),
        _event("department_reply", 25, 4, department="NET", final=True),
        _event("closed", closed_after, 5),
    ]
    events.sort(key=lambda e: (e.at, e.id))
    row = SimpleNamespace(
        received_at=RECEIVED, registered_at=RECEIVED + timedelta(minutes=2), solved_on_spot=False,
        channel="hotline", accused_staff_id=None, status="closed",
        closed_at=RECEIVED + timedelta(minutes=closed_after), severity="general",
        internal=False, hidden_risk=False, claimed_to="",
    )  # fmt: skip
    return row, events


def test_a_ticket_handled_within_every_limit_is_timely() -> None:
    row, events = _ticket(closed_after=50, contact_after=40)
    history = ticket_history(row, events, RECEIVED + timedelta(days=1), CALENDAR, LIMITS)
    assert history.timely is True
    assert history.stretches[0].start == row.received_at  # handled since the intake time


def test_a_first_contact_made_late_makes_the_ticket_untimely() -> None:
    """The first contact is due an hour after registering; made after 90 minutes, the queue
    showed the ticket overdue for a while before it was closed."""
    row, events = _ticket(closed_after=100, contact_after=90)
    history = ticket_history(row, events, RECEIVED + timedelta(days=1), CALENDAR, LIMITS)
    assert history.timely is False
    rough = LowerBoundCalendar.of(CALENDAR)  # the cheap first pass judges it the same
    assert ticket_history(row, events, RECEIVED + timedelta(days=1), CALENDAR, LIMITS,
                          rough) == history  # fmt: skip


def test_the_facts_of_the_queue_come_from_the_same_events() -> None:
    row, events = _ticket(closed_after=100, contact_after=90)
    facts = ticket_facts(row, events)
    assert [d.department for d in facts.dispatches] == ["NET"] and facts.dispatches[0].final
    assert facts.reached_contacts == (RECEIVED + timedelta(minutes=90),)
