"""Keeping each complaint's clocks current: gather the facts from its events, ask the domain
which deadlines are running, store the earliest on the complaint for the queue."""

from __future__ import annotations

import json
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from deskapp.domain.clocks import Pause
from deskapp.domain.enums import Channel, ClaimedTo, Severity, Status
from deskapp.domain.ticket_clocks import ActiveClock, DispatchFacts, TicketFacts, active_clocks
from deskapp.services.desk import Desk
from deskapp.store.models import Complaint, ComplaintEvent

# The external bodies: a complaint that reached one is at least 重大 (data/hall.toml). Not what
# makes a complaint "external" for care: that is every customer complaint (DOMAIN.md, Care).
EXTERNAL_CHANNELS = frozenset({Channel.CONSUMER_ASSOCIATION, Channel.REGULATOR, Channel.MEDIA})

# Events that mean a hotline ticket was taken up by someone (assigned): its dispatch clock stops.
_TAKEN_UP = frozenset({"reassigned", "handed_over", "dispatch"})


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def ticket_facts(complaint: Complaint, events: list[ComplaintEvent]) -> TicketFacts:
    """The history of a complaint, reduced to what its clocks depend on. Events in order."""
    dispatches: dict[str, dict] = {}
    reached: list[datetime] = []
    promise: datetime | None = None
    pauses: list[Pause] = []
    investigated = visited = False
    care_done = 0
    round_start = complaint.registered_at
    assigned = False
    planned: datetime | None = None
    hidden_risk: datetime | None = None
    risk_reported = False
    reopened = False
    media: datetime | None = None
    if complaint.channel == Channel.MEDIA.value:
        media = complaint.registered_at
    media_reported = False
    explanation_at: datetime | None = None
    explained = False
    for event in events:
        data = json.loads(event.data or "{}")
        kind = event.kind
        if kind in _TAKEN_UP:
            assigned = True
        if kind == "dispatch":
            dispatches[data["department"]] = {"at": event.at, "replies": [], "final": False}
            planned = None
        elif kind == "dispatch_planned":
            planned = planned or event.at
        elif kind in ("flagged_hidden_risk", "claimed_escalation"):
            hidden_risk = hidden_risk or event.at
            if data.get("to") == ClaimedTo.MEDIA.value:
                media = media or event.at
        elif kind in ("escalated", "reported_hidden_risk"):
            risk_reported = True
        elif kind == "media_reported":
            media_reported = True
        elif kind == "explanation_requested":
            explanation_at = explanation_at or event.at
        elif kind in ("explanation", "explanation_waived"):
            explained = True
        elif kind == "department_reply":
            entry = dispatches.setdefault(
                data["department"], {"at": event.at, "replies": [], "final": False}
            )
            entry["replies"].append(event.at)
            entry["final"] = bool(data.get("final"))
        elif kind == "contact":
            if data.get("reached"):
                assigned = True
                reached.append(event.at)
                promise = None  # the customer was reached: an earlier promise is answered
            if data.get("promise_due"):
                promise = _at(data["promise_due"])
        elif kind == "promise":
            promise = _at(data["due"])
        elif kind == "pause":
            pauses.append(Pause(event.at, _at(data["until"]), data.get("reason", "")))
        elif kind == "investigation":
            investigated = True
        elif kind == "visit":
            visited = data.get("move") == "visit"
        elif kind == "reopened":
            # 重启工单: a new round of handling; its clocks start again from the reopening.
            visited = False
            round_start = event.at
            reopened = True
            dispatches.clear()
            reached.clear()
            promise = None
            planned = None
        elif kind == "care":
            care_done += 1
    # Flagged at intake (no flagging event): the clocks run from the registration.
    if hidden_risk is None and (complaint.hidden_risk or complaint.claimed_to):
        hidden_risk = complaint.registered_at
    if media is None and complaint.claimed_to == ClaimedTo.MEDIA.value:
        media = complaint.registered_at
    return TicketFacts(
        status=Status(complaint.status),
        registered_at=round_start,
        solved_on_spot=complaint.solved_on_spot,
        face_to_face=complaint.channel == Channel.WALK_IN.value,
        external=not complaint.internal,
        internal=complaint.internal,
        hotline=complaint.channel == Channel.HOTLINE.value,
        assigned=assigned,
        dispatch_planned_at=planned,
        received_at=round_start if reopened else complaint.received_at,
        severity=Severity(complaint.severity),
        hidden_risk_at=hidden_risk,
        hidden_risk_reported=risk_reported,
        media_at=media,
        media_reported=media_reported,
        explanation_requested_at=explanation_at,
        explanation_answered=explained,
        closed_at=complaint.closed_at,
        dispatches=tuple(
            DispatchFacts(code, d["at"], tuple(d["replies"]), d["final"])
            for code, d in dispatches.items()
        ),
        reached_contacts=tuple(reached),
        promise_due=promise if complaint.status not in (Status.CLOSED, Status.VISITED) else None,
        pauses=tuple(pauses),
        investigated=investigated,
        visited=visited,
        care_done=care_done,
    )


def events_of(session: Session, complaint_id: str) -> list[ComplaintEvent]:
    return list(
        session.scalars(
            sa.select(ComplaintEvent)
            .where(ComplaintEvent.complaint_id == complaint_id)
            .order_by(ComplaintEvent.at, ComplaintEvent.id)
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
                    .where(Complaint.id > last_id)
                    .order_by(Complaint.id)
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
