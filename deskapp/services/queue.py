"""待跟进: the follow-up queue, ordered by the next deadline, read a page at a time."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa

from deskapp.services.desk import Actor, Desk
from deskapp.store.models import Complaint

PAGE_SIZE = 50


class Scope(StrEnum):
    MINE = "mine"  # owned by me, or taken by me (首问负责 keeps the first responder on it)
    HALL = "hall"


@dataclass(frozen=True)
class QueueRow:
    id: str
    ticket_no: str
    customer_name: str
    contact_phone: str
    cause_code: str
    severity: str
    status: str
    next_clock: str
    next_due_at: datetime
    provisional: bool
    paused_until: datetime | None
    owner_id: str
    first_responder_id: str


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    offset: int
    has_more: bool


_COLUMNS = (
    Complaint.id, Complaint.ticket_no, Complaint.customer_name, Complaint.contact_phone,
    Complaint.cause_code, Complaint.severity, Complaint.status, Complaint.next_clock,
    Complaint.next_due_at, Complaint.next_due_provisional, Complaint.paused_until,
    Complaint.owner_id, Complaint.first_responder_id,
)  # fmt: skip


def _scoped(stmt: sa.Select, actor: Actor, scope: Scope) -> sa.Select:
    stmt = stmt.where(Complaint.next_due_at.is_not(None))
    if scope is Scope.MINE:
        stmt = stmt.where(
            sa.or_(Complaint.owner_id == actor.id, Complaint.first_responder_id == actor.id)
        )
    return stmt


def queue_page(
    desk: Desk, actor: Actor, scope: Scope = Scope.MINE, offset: int = 0, limit: int = PAGE_SIZE
) -> QueuePage:
    if scope is Scope.MINE:
        stmt = _mine_page(actor, offset, limit + 1)
    else:
        stmt = _scoped(sa.select(*_COLUMNS), actor, scope)
        stmt = stmt.order_by(Complaint.next_due_at, Complaint.id).offset(offset).limit(limit + 1)
    with desk.read() as session:
        rows = [QueueRow(*r) for r in session.execute(stmt).all()]
    return QueuePage(rows[:limit], offset, len(rows) > limit)


def _mine_page(actor: Actor, offset: int, limit: int) -> sa.Select:
    """My tickets, earliest deadline first: the ones I own and the ones I first took, each read
    in deadline order from its own index, then merged. (`owner = me OR first responder = me`
    made SQLite collect every ticket I ever had, closed ones too, and sort them: 140 ms for the
    first page of a cold store, bench/queue.py.)"""

    def side(column: sa.ColumnElement) -> sa.Subquery:
        return (
            sa.select(*_COLUMNS)
            .where(column == actor.id, Complaint.next_due_at.is_not(None))
            .order_by(Complaint.next_due_at, Complaint.id)
            .limit(offset + limit)
            .subquery()
        )

    owned, taken = side(Complaint.owner_id), side(Complaint.first_responder_id)
    both = sa.union(sa.select(owned), sa.select(taken)).subquery()
    return sa.select(both).order_by(both.c.next_due_at, both.c.id).offset(offset).limit(limit)


def queue_counts(desk: Desk, actor: Actor, scope: Scope, now: datetime) -> tuple[int, int]:
    """(all waiting, overdue) for the queue's heading."""
    stmt = _scoped(
        sa.select(
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(sa.case((Complaint.next_due_at < now, 1), else_=0)), 0),
        ),
        actor,
        scope,
    )
    with desk.read() as session:
        total, overdue = session.execute(stmt).one()
    return int(total), int(overdue)


def coming_due(desk: Desk, actor: Actor, now: datetime, within: timedelta) -> list[QueueRow]:
    """My tickets whose next deadline falls within `within` from now (not yet overdue)."""
    stmt = _scoped(sa.select(*_COLUMNS), actor, Scope.MINE).where(
        Complaint.next_due_at >= now, Complaint.next_due_at <= now + within
    )
    with desk.read() as session:
        return [QueueRow(*r) for r in session.execute(stmt.order_by(Complaint.next_due_at))]


def jump_target(rows: Sequence[QueueRow], typed: str) -> int | None:
    """The first row the handler means by what they typed in F4's jump box: part of the
    ticket number ("0003", "1124-0003"), the last four digits of the phone, or part of the
    customer's name. None when no row matches."""
    text = unicodedata.normalize("NFKC", typed).strip().upper()
    if not text:
        return None
    digits = text.replace("-", "")
    for index, row in enumerate(rows):
        phone = re.sub(r"\D", "", row.contact_phone)
        if (
            text in row.ticket_no.upper()
            or (digits.isdigit() and len(digits) == 4 and phone.endswith(digits))
            or (not digits.isdigit() and text in row.customer_name.upper())
        ):
            return index
    return None
