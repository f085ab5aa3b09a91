"""Conflict records and quarantined transactions as the duty manager reviews them (the shift
log screen). Settling one is a service: deskapp/services/conflicts.py."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from deskapp.domain.hlc import Stamp
from deskapp.domain.money import format_yuan, from_fen
from deskapp.i18n import t
from deskapp.store.models import (
    RECORD_TABLES,
    Complaint,
    Refund,
    Staff,
    SyncConflict,
    SyncQuarantine,
)
from deskapp.sync.hall import HallRow
from deskapp.sync.local import LocalStore
from deskapp.sync.unique import ALIAS_MARK, todo_key

# A refund's payment: two terminals recording it concurrently paid the customer twice (issue 17)
REFUND_PAYMENT_FIELDS = frozenset({"paid_at", "paid_by", "method", "paid_ref"})


class Choice(StrEnum):
    A = "a"  # the edit that was in the hall first
    B = "b"  # the concurrent edit that arrived second


@dataclass(frozen=True)
class Side:
    value: Any
    actor_id: str
    actor_name: str
    at: datetime
    node_id: str
    hlc: str


@dataclass(frozen=True)
class ConflictView:
    id: str
    entity: str
    entity_id: str
    label: str  # a complaint's ticket number, a person's name and work number, a refund's
    # ticket, customer and amount, else the id
    field: str
    a: Side
    b: Side
    current: Any  # the value in force now (the later stamp, on every replica)
    settled_at: datetime | None
    settled_by: str | None
    settled_value: Any
    # complaint id -> its ticket number (`dataclasses.field`: the attribute `field` above
    # hides the bare name in the class body)
    tickets: dict[str, str] = dataclasses.field(default_factory=dict)

    @property
    def winner(self) -> Choice:
        return Choice.B if self.b.hlc > self.a.hlc else Choice.A

    @property
    def todo(self) -> str:
        """The catalogue key of what the duty manager does about it (docs/unique-values.md)."""
        if (self.entity, self.field) == ("opinion_entry", "complaint_id"):
            return "conflict_todo.opinion_link"
        if self.entity == "refund" and self.field in REFUND_PAYMENT_FIELDS:
            return "conflict_todo.refund_paid_twice"
        key = todo_key(self.entity, self.field)
        if key is None:
            return "conflict_todo.value"
        return key + ("_replaced" if self.a.value != self.b.value else "")


@dataclass(frozen=True)
class QuarantineView:
    """One pulled transaction kept aside (sync_quarantine), as the duty manager reviews it."""

    node_id: str
    seq: int  # its first change
    changes: int
    entity: str
    entity_id: str
    label: str  # the ticket number of a complaint (or of the complaint a row belongs to)
    reason: str  # the store's words, or "" for a stamp ahead of time
    drift_ms: int
    held_at: datetime

    @property
    def reason_text(self) -> str:
        """The reason in the catalogue's words (the store's own words stay in `reason`)."""
        if not self.reason:
            return t("sync.reason_ahead", minutes=round(self.drift_ms / 60000))
        for prefix, key in _REASONS:
            if self.reason.startswith(prefix):
                return t(key, detail=self.reason[len(prefix) :].strip(" :"))
        return self.reason

    @property
    def todo(self) -> str:
        if not self.reason:
            return "conflict_todo.quarantine_clock"
        if self.reason.startswith("missing:"):
            return "conflict_todo.quarantine_missing"
        return "conflict_todo.quarantine_refused"


_REASONS = (
    ("NOT NULL constraint failed", "sync.reason_not_null"),
    ("UNIQUE constraint failed", "sync.reason_unique"),
    ("FOREIGN KEY constraint failed", "sync.reason_foreign_key"),
    ("missing:", "sync.reason_missing"),
)


def list_quarantined(desk: LocalStore) -> list[QuarantineView]:
    """Every transaction kept aside, oldest in the hall first, with the record it is about."""
    with desk.read() as session:
        held = list(
            session.scalars(sa.select(SyncQuarantine).order_by(col(SyncQuarantine.hall_seq)))
        )
        txns: dict[tuple[str, str], list[tuple[SyncQuarantine, HallRow]]] = {}
        for q in held:
            row = HallRow.from_json(q.row)
            txns.setdefault((q.node_id, row.txn_id), []).append((q, row))
        views = []
        for parts in txns.values():
            # the record the transaction is about: its first insert (a complaint before its events)
            q, row = next(((q, r) for q, r in parts if r.op == "insert"), parts[0])
            data = row.data
            complaint_id = row.entity_id if row.entity == "complaint" else data.get("complaint_id")
            ticket = (
                session.scalar(
                    sa.select(col(Complaint.ticket_no)).where(col(Complaint.id) == complaint_id)
                )
                if complaint_id
                else None
            ) or data.get("ticket_no")
            views.append(
                QuarantineView(
                    q.node_id, parts[0][0].seq, len(parts), row.entity, row.entity_id,
                    str(ticket or f"{row.entity} {row.entity_id[-8:]}"),
                    q.reason, max(p.drift_ms for p, _ in parts), q.held_at,
                )
            )  # fmt: skip
    return views


def list_conflicts(desk: LocalStore, *, include_settled: bool = False) -> list[ConflictView]:
    with desk.read() as session:
        query = sa.select(SyncConflict).order_by(col(SyncConflict.hall_seq), col(SyncConflict.id))
        if not include_settled:
            query = query.where(col(SyncConflict.settled_at).is_(None))
        conflicts = list(session.scalars(query))
        names = dict(session.execute(sa.select(col(Staff.id), col(Staff.name))).tuples().all())
        views = []
        for c in conflicts:
            table = RECORD_TABLES[c.entity].__table__ if c.entity in RECORD_TABLES else None
            current, label = None, c.entity_id
            if table is not None and c.field in table.c:
                columns = [table.c[c.field]]
                if c.entity == "complaint":
                    columns.append(table.c.ticket_no)
                row = session.execute(sa.select(*columns).where(table.c.id == c.entity_id)).first()
                if row is not None:
                    current = _plain(row[0])
                    label = row[1] if c.entity == "complaint" else label
            if c.entity == "staff":  # a person, by name and work number, not a record id
                person = session.execute(
                    sa.select(col(Staff.name), col(Staff.work_no)).where(
                        col(Staff.id) == c.entity_id
                    )
                ).first()
                if person is not None:
                    label = f"{person.name} {person.work_no.split(ALIAS_MARK, 1)[0]}"
            if c.entity == "refund":  # a refund by its ticket, customer and amount, not its id
                paid = session.execute(
                    sa.select(col(Complaint.ticket_no), col(Complaint.customer_name),
                              col(Refund.amount_fen))
                    .join(Complaint, col(Complaint.id) == col(Refund.complaint_id))
                    .where(col(Refund.id) == c.entity_id)
                ).first()  # fmt: skip
                if paid is not None:
                    label = t("conflict.refund_label", ticket=paid[0], customer=paid[1],
                              amount=format_yuan(from_fen(paid[2])))  # fmt: skip
            tickets: dict[str, str] = {}
            if c.field == "complaint_id":  # an opinion-book entry's ticket: shown by number
                ids = [v for v in (json.loads(c.a_value), json.loads(c.b_value)) if v]
                tickets = dict(
                    session.execute(
                        sa.select(col(Complaint.id), col(Complaint.ticket_no)).where(
                            col(Complaint.id).in_(ids)
                        )
                    )
                    .tuples()
                    .all()
                )
            views.append(
                ConflictView(
                    tickets=tickets,
                    id=c.id,
                    entity=c.entity,
                    entity_id=c.entity_id,
                    label=label,
                    field=c.field,
                    a=_side(c.a_value, c.a_actor_id, c.a_at, c.a_hlc, names),
                    b=_side(c.b_value, c.b_actor_id, c.b_at, c.b_hlc, names),
                    current=current,
                    settled_at=c.settled_at,
                    settled_by=c.settled_by,
                    settled_value=None if c.settled_value is None else json.loads(c.settled_value),
                )
            )
    return views


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _side(value: str, actor: str, at: datetime, hlc: str, names: dict[str, str]) -> Side:
    node = Stamp.decode(hlc).node_id
    return Side(json.loads(value), actor, _actor_name(actor, names), at, node, hlc)


def _actor_name(actor: str, names: dict[str, str]) -> str:
    """Who made a change, as a person reads it: a staff name; the desk itself (set-up,
    import, sync) as such; never a bare record id."""
    if actor in names:
        return names[actor]
    if actor.startswith("system:"):
        return t("sync.actor_system")
    return t("sync.actor_unknown")
