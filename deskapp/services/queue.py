"""待跟进: the follow-up queue, ordered by the next deadline, read a page at a time."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlmodel import col

from deskapp.domain.clean_input import printable
from deskapp.domain.severity import chain_level
from deskapp.services.desk import Actor, Desk
from deskapp.services.ticket_filter import NO_FILTER, TicketFilter
from deskapp.store.models import Complaint

PAGE_SIZE = 50


class Scope(StrEnum):
    MINE = "mine"  # owned by me, or taken by me (首问负责 keeps the first responder on it)
    HALL = "hall"
    # 督办: the tickets at my level of the escalation chain (escalated to me or beyond) and,
    # for a supervising level, every ticket whose severity must reach it (data/escalation.toml)
    SUPERVISED = "supervised"


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


def _row(values: Any) -> QueueRow:
    """A row as F4 shows it: a name an older desk stored with a control or direction
    character shows U+FFFD in its place (never reversed)."""
    row = QueueRow(*values)
    return replace(row, customer_name=printable(row.customer_name))


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    offset: int
    has_more: bool


_COLUMNS = (
    col(Complaint.id), col(Complaint.ticket_no), col(Complaint.customer_name),
    col(Complaint.contact_phone), col(Complaint.cause_code), col(Complaint.severity),
    col(Complaint.status), col(Complaint.next_clock), col(Complaint.next_due_at),
    col(Complaint.next_due_provisional), col(Complaint.paused_until), col(Complaint.owner_id),
    col(Complaint.first_responder_id),
)  # fmt: skip


def _scoped(
    stmt: sa.Select[Any],
    actor: Actor,
    scope: Scope,
    desk: Desk,
    filters: TicketFilter = NO_FILTER,
) -> sa.Select[Any]:
    stmt = filters.apply(stmt.where(col(Complaint.next_due_at).is_not(None)))
    if scope is Scope.MINE:
        stmt = stmt.where(
            sa.or_(
                col(Complaint.owner_id) == actor.id, col(Complaint.first_responder_id) == actor.id
            )
        )
    elif scope is Scope.SUPERVISED:
        stmt = stmt.where(_supervised(desk, actor))
    return stmt


def supervision_level(desk: Desk, actor: Actor) -> int | None:
    """The actor's level in the escalation chain above the handler's (None: no such level)."""
    level = chain_level([lv.role for lv in desk.refdata.escalation], actor.role.value)
    return level if level else None


def _supervised(desk: Desk, actor: Actor) -> sa.ColumnElement[bool]:
    level = supervision_level(desk, actor)
    if level is None:
        return sa.false()
    required = desk.refdata.escalation_rules.required_level
    # A supervising level (one a severity must reach) follows those tickets from their intake.
    supervising = level in required.values()
    mine = [s.value for s, needed in required.items() if supervising and needed >= level]
    return sa.or_(col(Complaint.escalation_level) >= level, col(Complaint.severity).in_(mine))


def queue_page(
    desk: Desk,
    actor: Actor,
    scope: Scope = Scope.MINE,
    offset: int = 0,
    limit: int = PAGE_SIZE,
    filters: TicketFilter = NO_FILTER,
) -> QueuePage:
    """A page of the scope's tickets, earliest deadline first, narrowed to `filters` (F4's
    筛选: severity, escalation level, flag, channel)."""
    if scope is Scope.MINE:
        stmt = _mine_page(actor, offset, limit + 1, filters)
    else:
        stmt = _scoped(sa.select(*_COLUMNS), actor, scope, desk, filters)
        stmt = (
            stmt.order_by(col(Complaint.next_due_at), col(Complaint.id))
            .offset(offset)
            .limit(limit + 1)
        )
    with desk.read() as session:
        rows = [_row(r) for r in session.execute(stmt).all()]
    return QueuePage(rows[:limit], offset, len(rows) > limit)


def _mine_page(
    actor: Actor, offset: int, limit: int, filters: TicketFilter = NO_FILTER
) -> sa.Select[Any]:
    """My tickets, earliest deadline first: the ones I own and the ones I first took, each read
    in deadline order from its own index, then merged. (`owner = me OR first responder = me`
    made SQLite collect every ticket I ever had, closed ones too, and sort them: 140 ms for the
    first page of a cold store, bench/queue.py.)"""

    def side(column: Mapped[Any]) -> sa.Subquery:
        return (
            filters.apply(sa.select(*_COLUMNS))
            .where(column == actor.id, col(Complaint.next_due_at).is_not(None))
            .order_by(col(Complaint.next_due_at), col(Complaint.id))
            .limit(offset + limit)
            .subquery()
        )

    owned, taken = side(col(Complaint.owner_id)), side(col(Complaint.first_responder_id))
    both = sa.union(sa.select(owned), sa.select(taken)).subquery()
    return sa.select(both).order_by(both.c.next_due_at, both.c.id).offset(offset).limit(limit)


def queue_counts(
    desk: Desk, actor: Actor, scope: Scope, now: datetime, filters: TicketFilter = NO_FILTER
) -> tuple[int, int]:
    """(all waiting, overdue) for the queue's heading, of the tickets `filters` keeps."""
    stmt = _scoped(
        sa.select(
            sa.func.count(),
            sa.func.coalesce(
                sa.func.sum(sa.case((col(Complaint.next_due_at) < now, 1), else_=0)), 0
            ),
        ),
        actor,
        scope,
        desk,
        filters,
    )
    with desk.read() as session:
        total, overdue = session.execute(stmt).one()
    return int(total), int(overdue)


def coming_due(desk: Desk, actor: Actor, now: datetime, within: timedelta) -> list[QueueRow]:
    """My tickets whose next deadline falls within `within` from now (not yet overdue)."""
    stmt = _scoped(sa.select(*_COLUMNS), actor, Scope.MINE, desk).where(
        col(Complaint.next_due_at) >= now, col(Complaint.next_due_at) <= now + within
    )
    with desk.read() as session:
        return [_row(r) for r in session.execute(stmt.order_by(col(Complaint.next_due_at)))]


def jump_targets(rows: Sequence[QueueRow], typed: str) -> list[int]:
    """The rows the handler may mean by what they typed in F4's jump box, in the order the
    jump visits them: part of the ticket number ("0003", "1124-0003"), the last four digits of
    the phone, or part of the customer's name. Four digits are a phone's tail first (every
    ticket number of the year holds "2026"), then part of a ticket number."""
    text = unicodedata.normalize("NFKC", typed).strip().upper()
    if not text:
        return []
    digits = text.replace("-", "")
    phone_tail = digits.isdigit() and len(digits) == 4
    by_phone: list[int] = []
    others: list[int] = []
    for index, row in enumerate(rows):
        if phone_tail and re.sub(r"\D", "", row.contact_phone).endswith(digits):
            by_phone.append(index)
        elif text in row.ticket_no.upper() or (
            not digits.isdigit() and text in row.customer_name.upper()
        ):
            others.append(index)
    return by_phone + others


def jump_target(rows: Sequence[QueueRow], typed: str) -> int | None:
    """The first of `jump_targets`; None when no row matches."""
    found = jump_targets(rows, typed)
    return found[0] if found else None
