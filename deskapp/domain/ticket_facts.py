"""A complaint's stored history reduced to the facts its deadlines depend on, and the derived
columns the queue sorts by. Pure: the record and its events are read as plain attributes
(ORM objects or rows alike), so the services and the sync merge compute the same values."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from fractions import Fraction
from typing import Any, Protocol

from deskapp.domain.deadlines import ClockKind, Pause, TimeLimits
from deskapp.domain.enums import Channel, ClaimedTo, Severity, Status
from deskapp.domain.ticket_deadlines import (
    ActiveClock,
    DispatchFacts,
    ExtensionFacts,
    TicketFacts,
    active_clocks,
)
from deskapp.domain.worktime import WorkCalendar

# The external bodies: a complaint that reached one is at least 重大 (data/hall.toml). Not what
# makes a complaint "external" for care: that is every customer complaint (DOMAIN.md, Care).
EXTERNAL_CHANNELS = frozenset({Channel.CONSUMER_ASSOCIATION, Channel.REGULATOR, Channel.MEDIA})

# Events that mean a hotline ticket was taken up by someone (assigned): its dispatch clock stops.
_TAKEN_UP = frozenset({"reassigned", "handed_over", "dispatch"})


class EventLike(Protocol):
    """A complaint event as the store keeps it (kind, moment, JSON data, id)."""

    @property
    def kind(self) -> str: ...
    @property
    def at(self) -> datetime: ...
    @property
    def data(self) -> str: ...
    @property
    def id(self) -> str: ...


class ComplaintLike(Protocol):
    """The fields of a complaint that `ticket_facts` reads."""

    @property
    def status(self) -> str: ...
    @property
    def registered_at(self) -> datetime: ...
    @property
    def solved_on_spot(self) -> bool: ...
    @property
    def channel(self) -> str: ...
    @property
    def accused_staff_id(self) -> str | None: ...
    @property
    def closed_at(self) -> datetime | None: ...
    @property
    def received_at(self) -> datetime: ...
    @property
    def severity(self) -> str: ...
    @property
    def internal(self) -> bool: ...
    @property
    def hidden_risk(self) -> bool: ...
    @property
    def claimed_to(self) -> str: ...


# Events that carry a severity the ticket had (before and after a change or a claim).
_SEVERITY_EVENTS = frozenset({"severity_changed", "claimed_escalation"})


def _highest_in(severity: Severity, data: dict[str, Any]) -> Severity:
    """The higher of `severity` and the levels an event says the ticket had. The whole-
    resolution limit (处理完结时限, receipt to closing) is that of the highest level the ticket
    ever had: a later lowering never rewrites whether it was on time (DOMAIN.md: recorded
    truthfully, no entry improves an indicator)."""
    for key in ("from", "to", "severity"):
        value = str(data.get(key) or "")
        if value in Severity.__members__.values() and Severity(value).rank > severity.rank:
            severity = Severity(value)
    return severity


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def ticket_facts(complaint: ComplaintLike, events: Sequence[EventLike]) -> TicketFacts:
    """The history of a complaint, reduced to what its clocks depend on. Events in order."""
    dispatches: dict[str, dict[str, Any]] = {}
    reached: list[datetime] = []
    promise: datetime | None = None
    pauses: list[Pause] = []
    investigated = visited = False
    care_done = 0
    recorded: dict[str, datetime] = {}  # refund id -> recorded at (its pay clock's start)
    paid: set[str] = set()  # a set, not a pop: events of two terminals may sort either way
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
    severity = Severity(complaint.severity)
    extensions: list[ExtensionFacts] = []
    for event in events:
        data = json.loads(event.data or "{}")
        kind = event.kind
        if kind in _SEVERITY_EVENTS:
            severity = _highest_in(severity, data)
        if kind in _TAKEN_UP:
            assigned = True
        if kind == "dispatch":
            dispatches[data["department"]] = {"at": event.at, "replies": [], "final": False,
                                              "agreed": data.get("agreed_hours")}  # fmt: skip
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
        elif kind == "refund" and data.get("refund_id"):
            recorded.setdefault(data["refund_id"], event.at)
        elif kind == "refund_paid":
            paid.add(data.get("refund_id", ""))
        elif kind == "extension_approved" and data.get("clock") in ClockKind.__members__.values():
            extensions.append(ExtensionFacts(ClockKind(data["clock"]), data.get("detail") or "",
                                             _at(data["start"]), _at(data["new_due"])))  # fmt: skip
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
        severity=severity,
        hidden_risk_at=hidden_risk,
        hidden_risk_reported=risk_reported,
        media_at=media,
        media_reported=media_reported,
        explanation_requested_at=explanation_at,
        explanation_answered=explained,
        closed_at=complaint.closed_at,
        dispatches=tuple(
            DispatchFacts(
                code,
                d["at"],
                tuple(d["replies"]),
                d["final"],
                Fraction(d["agreed"]) if d.get("agreed") else None,
            )
            for code, d in dispatches.items()
        ),
        reached_contacts=tuple(reached),
        promise_due=promise if complaint.status not in (Status.CLOSED, Status.VISITED) else None,
        pauses=tuple(pauses),
        investigated=investigated,
        visited=visited,
        care_done=care_done,
        refunds_unpaid=tuple(sorted(at for rid, at in recorded.items() if rid not in paid)),
        extensions=tuple(extensions),
    )


# The complaint's columns that are derived from its fields and events by `derived_columns`.
DERIVED_COLUMNS = ("next_due_at", "next_clock", "next_due_provisional", "paused_until")


def derived_columns(
    facts: TicketFacts, calendar: WorkCalendar, limits: TimeLimits
) -> tuple[dict[str, object], list[ActiveClock]]:
    """The derived clock columns of a complaint with these facts, and its running clocks."""
    clocks = active_clocks(facts, calendar, limits)
    first = clocks[0] if clocks else None
    values: dict[str, object] = {
        "next_due_at": first.deadline.at if first else None,
        "next_clock": first.kind.value if first else "",
        "next_due_provisional": bool(first and first.deadline.provisional),
        "paused_until": max((p.end for p in facts.pauses), default=None),
    }
    return values, clocks
