"""What a report reads from the store: the tickets of its scope and period, their events, the
staff's names. Plain rows, read in one pass each."""

from __future__ import annotations

import dataclasses
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlmodel import col

from deskapp.services.desk import Desk
from deskapp.services.reports.model import Scope
from deskapp.store.models import Complaint, ComplaintEvent, Refund, Staff, UTCDateTime

_CHUNK = 500  # ids per IN (...) when reading events


class _Row(NamedTuple):
    """One ticket as a report reads it (a named tuple: a month's 5,000 rows are made in a
    blink, where a frozen dataclass of 25 fields was a third of reading them, issue 22)."""

    id: str
    ticket_no: str
    hall_code: str
    received_at: datetime
    registered_at: datetime
    closed_at: datetime | None
    status: str
    solved_on_spot: bool
    satisfaction: str | None
    is_repeat: bool
    is_batch: bool
    escalation_level: int
    reopen_count: int
    cause_code: str
    severity: str
    channel: str
    accused_staff_id: str | None
    owner_id: str
    customer_name: str
    outcome: str
    contact_phone: str
    internal: bool
    hidden_risk: bool
    claimed_to: str


_COLUMNS = (
    col(Complaint.id), col(Complaint.ticket_no), col(Complaint.hall_code),
    col(Complaint.received_at), col(Complaint.registered_at), col(Complaint.closed_at),
    col(Complaint.status), col(Complaint.solved_on_spot), col(Complaint.satisfaction),
    col(Complaint.is_repeat), col(Complaint.is_batch), col(Complaint.escalation_level),
    col(Complaint.reopen_count), col(Complaint.cause_code), col(Complaint.severity),
    col(Complaint.channel), col(Complaint.accused_staff_id), col(Complaint.owner_id),
    col(Complaint.customer_name), sa.func.substr(col(Complaint.outcome), 1, 80),
    col(Complaint.contact_phone), col(Complaint.internal), col(Complaint.hidden_risk),
    col(Complaint.claimed_to),
)  # fmt: skip
# The UTC times among them, read as their stored text and made aware here in one step: through
# the column type's two processors they were a third of reading a month's rows (issue 22).
_TIMES = tuple(i for i, c in enumerate(_COLUMNS)
               if isinstance(getattr(c, "type", None), UTCDateTime))  # fmt: skip
_SELECTED = tuple(sa.type_coerce(c, sa.String()) if i in _TIMES else c
                  for i, c in enumerate(_COLUMNS))  # fmt: skip


def _utc(text: str | None) -> datetime | None:
    """A stored UTC time ("YYYY-MM-DD HH:MM:SS.ffffff") as an aware datetime (parsed with its
    offset: a tenth of the time of parsing it naive and replacing its tzinfo)."""
    return None if text is None else datetime.fromisoformat(text + "+00:00")


_PARSE = tuple(_utc if i in _TIMES else None for i in range(len(_COLUMNS)))


def _row(values: Sequence[Any]) -> _Row:
    return _Row._make([v if f is None else f(v) for f, v in zip(_PARSE, values, strict=True)])


def _load_rows(desk: Desk, scope: Scope, start: datetime, end: datetime) -> list[_Row]:
    """Every ticket of the scope that was received, closed or being handled in the period:
    received before its end and not closed before its start."""
    return [row for row, _ in _load_rows_with(desk, scope, start, end)]


def _of_period(stmt: Any, scope: Scope, start: datetime, end: datetime) -> Any:
    """`stmt` limited to the tickets of `_load_rows`."""
    # `+received_at` (SQLite's no-op unary plus) keeps the planner off the receiving time's
    # index, which would read nearly every ticket of the store for a recent period: the tickets
    # closed after the start or still open are two ranges of ix_complaint_closed (issue 22).
    received_at = sa.literal_column("+complaint.received_at", UTCDateTime())
    stmt = stmt.where(
        col(Complaint.hall_code).in_(scope.halls),
        received_at < end,
        sa.or_(col(Complaint.closed_at).is_(None), col(Complaint.closed_at) >= start),
    )
    if scope.terminal is not None:
        stmt = stmt.where(col(Complaint.terminal_code) == scope.terminal)
    return stmt


def _load_rows_with(
    desk: Desk,
    scope: Scope,
    start: datetime,
    end: datetime,
    extra: Sequence[Any] = (),
    join: tuple[Any, Any] | None = None,
) -> list[tuple[_Row, tuple[Any, ...]]]:
    """The rows of `_load_rows`, each with the `extra` columns read in the same pass (through
    an outer `join` of (table, on clause), if given)."""
    stmt = sa.select(*_SELECTED, *extra)
    if join is not None:
        stmt = stmt.outerjoin(*join)
    stmt = _of_period(stmt, scope, start, end)
    width = len(_COLUMNS)
    with desk.read() as session:  # (Core, not the ORM's execute: these are plain columns)
        return [(_row(r[:width]), tuple(r[width:]))
                for r in session.connection().execute(stmt)]  # fmt: skip


@dataclass(frozen=True)
class _Event:
    kind: str
    at: datetime
    data: str
    id: str


def _load_events(desk: Desk, ids: Sequence[str]) -> dict[str, list[_Event]]:
    found: dict[str, list[_Event]] = defaultdict(list)
    stmt = sa.select(
        col(ComplaintEvent.complaint_id), col(ComplaintEvent.kind), col(ComplaintEvent.at),
        col(ComplaintEvent.data), col(ComplaintEvent.id),
    )  # fmt: skip
    with desk.read() as session:
        for i in range(0, len(ids), _CHUNK):
            chunk = ids[i : i + _CHUNK]
            for cid, kind, at, data, eid in session.execute(
                stmt.where(col(ComplaintEvent.complaint_id).in_(chunk))
            ):
                found[cid].append(_Event(kind, at, data, eid))
    for events in found.values():
        events.sort(key=lambda e: (e.at, e.id))
    return found


@dataclass(frozen=True)
class _Marks:
    """What a report reads from the events of its tickets besides their replays."""

    reopen_causes: list[str]  # each reopening (重启工单) within the period: its cause, or ""
    extended: set[str]  # the tickets whose deadline an approved 延期申请 moved
    visits: dict[str, list[datetime]]  # each ticket's return visits (回访)


def _load_marks(desk: Desk, scope: Scope, start: datetime, end: datetime) -> _Marks:
    """The reopenings, approved extensions and return visits of the tickets of `_load_rows`,
    in one pass over their events (joined, not asked for by thousands of ids in three passes:
    a sixth of the month report, issue 22). A reopening's cause is read on its own, since the
    memo spares most tickets their events."""
    stmt = _of_period(
        sa.select(col(ComplaintEvent.complaint_id), col(ComplaintEvent.kind),
                  col(ComplaintEvent.at), col(ComplaintEvent.data))
        .select_from(Complaint)
        .join(ComplaintEvent, col(ComplaintEvent.complaint_id) == col(Complaint.id))
        .where(col(ComplaintEvent.kind).in_(("reopened", "extension_approved", "visit"))),
        scope, start, end,
    )  # fmt: skip
    marks = _Marks([], set(), defaultdict(list))
    with desk.read() as session:
        for cid, kind, at, data in session.execute(stmt):
            if kind == "visit":
                marks.visits[cid].append(at)
            elif kind == "extension_approved":
                marks.extended.add(cid)
            elif start <= at < end:
                marks.reopen_causes.append(json.loads(data or "{}").get("cause") or "")
    return marks


def _extended(desk: Desk, ids: Sequence[str]) -> set[str]:
    """The tickets among `ids` whose deadline an approved 延期申请 moved (its event)."""
    stmt = sa.select(col(ComplaintEvent.complaint_id)).where(
        col(ComplaintEvent.kind) == "extension_approved"
    )
    found: set[str] = set()
    with desk.read() as session:
        for i in range(0, len(ids), _CHUNK):
            chunk = ids[i : i + _CHUNK]
            found.update(session.scalars(stmt.where(col(ComplaintEvent.complaint_id).in_(chunk))))
    return found


def _staff(desk: Desk) -> dict[str, tuple[str, str]]:
    with desk.read() as session:
        return {
            i: (w, n)
            for i, w, n in session.execute(
                sa.select(col(Staff.id), col(Staff.work_no), col(Staff.name))
            )
        }


@dataclass(frozen=True)
class _RefundRow:
    id: str
    amount_fen: int
    error_type: str
    method: str
    verified_at: datetime
    paid_at: datetime | None


def _load_refunds(desk: Desk, scope: Scope, start: datetime, end: datetime) -> list[_RefundRow]:
    """The refunds of the scope's tickets recorded in the period (whatever their state now)."""
    stmt = (
        sa.select(
            col(Refund.id),
            col(Refund.amount_fen),
            col(Refund.error_type),
            col(Refund.method),
            col(Refund.verified_at),
            col(Refund.paid_at),
        )
        # `+refund.complaint_id` keeps the planner from scanning every complaint of the store
        # for the few refunds (it has no index on the verification time): it reads the
        # refunds and looks each ticket up by its key (41 ms → under 1 ms, issue 22).
        .join(Complaint, col(Complaint.id) == sa.literal_column("+refund.complaint_id"))
        .where(
            col(Complaint.hall_code).in_(scope.halls),
            col(Refund.verified_at) >= start,
            col(Refund.verified_at) < end,
        )
    )
    if scope.terminal is not None:
        stmt = stmt.where(col(Complaint.terminal_code) == scope.terminal)
    with desk.read() as session:
        return [_RefundRow(*r) for r in session.execute(stmt)]


def _load_payments(desk: Desk, refunds: list[_RefundRow]) -> list[_RefundRow]:
    """What was actually paid, one row per payment: each refund's `refund_paid` events (a
    refund paid on two terminals before they synchronized keeps both events though its row
    keeps one payment: sync/conflicts.py), or its row's payment where no event says it (paid
    at the counter at intake)."""
    by_id = {r.id: r for r in refunds}
    paid: dict[str, list[_RefundRow]] = {}
    with desk.read() as session:
        for ids in _chunks(sorted(by_id)):
            events = session.execute(
                sa.select(col(ComplaintEvent.data), col(ComplaintEvent.at)).where(
                    col(ComplaintEvent.kind) == "refund_paid",
                    col(ComplaintEvent.complaint_id).in_(
                        sa.select(col(Refund.complaint_id)).where(col(Refund.id).in_(ids))
                    ),
                )
            )
            for data, at in events:
                event = json.loads(data)
                row = by_id.get(event.get("refund_id", ""))
                if row is not None:
                    paid.setdefault(row.id, []).append(dataclasses.replace(
                        row, amount_fen=int(event.get("amount_fen", row.amount_fen)),
                        method=str(event.get("method", row.method)), paid_at=at))  # fmt: skip
    return [
        payment for r in refunds for payment in paid.get(r.id, [r] if r.paid_at is not None else [])
    ]


def _chunks(ids: list[str], size: int = 500) -> list[list[str]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]
