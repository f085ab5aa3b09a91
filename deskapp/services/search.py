"""Finding a complaint: one box that understands ticket numbers, phones (full or last four
digits), customer names and words of the content. Results are pages read from SQL."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from deskapp.domain.clean_input import check_clean
from deskapp.domain.errors import RuleViolation
from deskapp.domain.phone import parse_phone
from deskapp.domain.text_search import match_expression
from deskapp.domain.ticket_number import looks_like_ticket_number
from deskapp.services.desk import Desk
from deskapp.services.ticket_filter import NO_FILTER, TicketFilter
from deskapp.store.models import ChangeLog, Complaint, ComplaintEvent, RecordAlias, Refund, Staff

PAGE_SIZE = 50


class QueryKind(StrEnum):
    RECENT = "recent"
    TICKET = "ticket"
    PHONE = "phone"
    LAST4 = "last4"
    TEXT = "text"  # customer name or words of the content


@dataclass(frozen=True)
class ComplaintRow:
    id: str
    ticket_no: str
    received_at: datetime
    customer_name: str
    contact_phone: str
    channel: str
    cause_code: str
    severity: str
    status: str
    content: str


@dataclass(frozen=True)
class SearchPage:
    kind: QueryKind
    rows: list[ComplaintRow]
    offset: int
    has_more: bool


_ROW_COLUMNS = (
    col(Complaint.id),
    col(Complaint.ticket_no),
    col(Complaint.received_at),
    col(Complaint.customer_name),
    col(Complaint.contact_phone),
    col(Complaint.channel),
    col(Complaint.cause_code),
    col(Complaint.severity),
    col(Complaint.status),
    sa.func.substr(col(Complaint.content), 1, 60),
)


def classify(query: str) -> QueryKind:
    q = query.strip()
    if not q:
        return QueryKind.RECENT
    digits = re.sub(r"[\s\-]", "", q)
    if digits.isdigit() and len(digits) == 4:
        return QueryKind.LAST4
    if parse_phone(q) is not None:
        return QueryKind.PHONE
    if looks_like_ticket_number(q):
        return QueryKind.TICKET
    return QueryKind.TEXT


def search(
    desk: Desk,
    query: str,
    offset: int = 0,
    limit: int = PAGE_SIZE,
    filters: TicketFilter = NO_FILTER,
) -> SearchPage:
    """RuleViolation (field "query") for a query no stored text could hold (a lone surrogate
    cannot even be sent to SQLite; a control character matches nothing). `filters`: F3's 筛选
    (severity, escalation level, flag, channel)."""
    if error := check_clean("query", query):
        raise RuleViolation([error])
    kind = classify(query)
    q = query.strip()
    stmt = filters.apply(sa.select(*_ROW_COLUMNS))
    if kind is QueryKind.TICKET:
        upper = q.upper()
        # A number issued once is found for good: also the complaints that hold it as an
        # alias (a collision or a second import merged by the sync, docs/unique-values.md).
        aliased = sa.select(col(RecordAlias.entity_id)).where(
            col(RecordAlias.entity) == "complaint",
            col(RecordAlias.field) == "ticket_no",
            col(RecordAlias.value) >= upper,
            col(RecordAlias.value) < upper + "\uffff",
        )
        stmt = stmt.where(
            sa.or_(
                sa.and_(
                    col(Complaint.ticket_no) >= upper, col(Complaint.ticket_no) < upper + "\uffff"
                ),
                col(Complaint.id).in_(aliased),
                *_ticket_tail(desk, upper),
            )
        )
        stmt = stmt.order_by(col(Complaint.ticket_no).desc())
    elif kind is QueryKind.PHONE:
        phone = parse_phone(q)
        assert phone is not None
        stmt = stmt.where(col(Complaint.contact_phone) == phone.normalized)
        stmt = stmt.order_by(col(Complaint.received_at).desc())
    elif kind is QueryKind.LAST4:
        # NFKC: full-width digits from a Chinese IME ("５６７８") are the same four digits.
        last4 = re.sub(r"\D", "", unicodedata.normalize("NFKC", q))
        # Four digits are also the tail of a recent ticket number ("0003": today's third).
        stmt = stmt.where(sa.or_(col(Complaint.phone_last4) == last4, *_ticket_tail(desk, last4)))
        stmt = stmt.order_by(col(Complaint.received_at).desc())
    elif kind is QueryKind.TEXT:
        stmt = _text_query(stmt, q, offset, limit, bounded=not filters.active)
    else:
        stmt = stmt.order_by(col(Complaint.received_at).desc())
    with desk.read() as session:
        rows = session.execute(stmt.offset(offset).limit(limit + 1)).all()
    return SearchPage(kind, [ComplaintRow(*r) for r in rows[:limit]], offset, len(rows) > limit)


# How far back a bare sequence ("0003") is looked for as a ticket number's tail: the handler
# who types it means a recent ticket, and the read stays an index range of received_at.
TAIL_DAYS = 31
_DATED_TAIL = re.compile(r"(\d{8})-\d{4,}")


def _ticket_tail(desk: Desk, tail: str) -> list[sa.ColumnElement[bool]]:
    """The condition for a ticket number ending in `tail` ("0003", "20261206-0003"), kept to
    an index range of received_at (the day in the number, or the last TAIL_DAYS days): a
    LIKE on the end of the number alone would read every ticket. [] when `tail` is neither."""
    ending = col(Complaint.ticket_no).like(f"%-{tail}")
    dated = _DATED_TAIL.fullmatch(tail)
    if dated:
        try:
            day = datetime.strptime(dated.group(1), "%Y%m%d").replace(tzinfo=desk.tz)
        except ValueError:
            return []
        # The number carries the day it was registered; it was received that day or shortly
        # before (a complaint is registered within minutes of receipt).
        since, until = day - timedelta(days=7), day + timedelta(days=1)
    elif tail.isdigit():
        until = desk.clock.now() + timedelta(days=1)
        since = until - timedelta(days=TAIL_DAYS + 1)
    else:
        return []
    window = sa.select(col(Complaint.id)).where(
        col(Complaint.received_at) >= since, col(Complaint.received_at) < until, ending
    )
    return [col(Complaint.id).in_(window)]


def _text_query(
    stmt: sa.Select[Any], q: str, offset: int, limit: int, *, bounded: bool = True
) -> sa.Select[Any]:
    """Name prefix (index range) or any substring of content, demand or name (bigram FTS).

    Each source gives only its newest `offset + limit + 1` rowids before they are joined: a
    common word matches tens of thousands of complaints, and fetching and sorting them all to
    show one page costs a hundred times more than asking each index for its newest few. With a
    filter (`bounded` False) the newest few may all be filtered out: every hit is asked for."""
    name_prefix = sa.and_(
        col(Complaint.customer_name) >= q, col(Complaint.customer_name) < q + "\uffff"
    )
    expression = match_expression(q)
    if expression is None:
        # One character: too short for the index; names starting with it, or a scan.
        return stmt.where(
            sa.or_(name_prefix, col(Complaint.content).contains(q, autoescape=True))
        ).order_by(col(Complaint.received_at).desc())
    wanted = offset + limit + 1
    rowid: sa.ColumnClause[int] = sa.literal_column("complaint.rowid")
    fts_query: sa.Select[Any] = (
        sa.select(sa.literal_column("rowid").label("rid"))
        .select_from(sa.text("complaint_fts"))
        .where(sa.text("complaint_fts MATCH :expr").bindparams(expr=expression))
        .order_by(sa.literal_column("rowid").desc())
    )
    name_query: sa.Select[Any] = (
        sa.select(rowid.label("rid"))
        .select_from(Complaint)
        .where(name_prefix)
        .order_by(rowid.desc())
    )
    if bounded:
        fts_query, name_query = fts_query.limit(wanted), name_query.limit(wanted)
    fts_hits, name_hits = fts_query.subquery(), name_query.subquery()
    hits = sa.union_all(sa.select(fts_hits.c.rid), sa.select(name_hits.c.rid))
    # Newest first by rowid (insertion order), which FTS5 returns without sorting.
    return stmt.where(rowid.in_(hits)).order_by(rowid.desc())


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    actor: str
    op: str
    fields: dict[str, Any]


@dataclass(frozen=True)
class ComplaintDetail:
    complaint: Complaint
    events: list[ComplaintEvent]
    refunds: list[Refund]
    history: list[HistoryEntry]
    staff_names: dict[str, str]
    repeat_of_ticket: str | None
    # 重复投诉 both ways: the later tickets linked as repeats of this one
    repeated_by: list[str] = field(default_factory=list)


def ticket_no_of(desk: Desk, complaint_id: str) -> str:
    """The ticket number of a complaint ("" when there is none by that id)."""
    with desk.read() as session:
        return (
            session.scalar(
                sa.select(col(Complaint.ticket_no)).where(col(Complaint.id) == complaint_id)
            )
            or ""
        )


def complaint_detail(desk: Desk, complaint_id: str) -> ComplaintDetail | None:
    with desk.read() as session:
        complaint = session.get(Complaint, complaint_id)
        if complaint is None:
            return None
        events = list(
            session.scalars(
                sa.select(ComplaintEvent)
                .where(col(ComplaintEvent.complaint_id) == complaint_id)
                .order_by(col(ComplaintEvent.at), col(ComplaintEvent.id))
            )
        )
        refunds = list(
            session.scalars(sa.select(Refund).where(col(Refund.complaint_id) == complaint_id))
        )
        # Each record's changes by its table and id: the change log's index is on both, and
        # by the id alone SQLite read the whole log (issue 22).
        logged = [(Complaint, [complaint_id]), (ComplaintEvent, [e.id for e in events]),
                  (Refund, [r.id for r in refunds])]  # fmt: skip
        mine = [sa.and_(col(ChangeLog.entity) == table.__table__.name,  # type: ignore[attr-defined]
                        col(ChangeLog.entity_id).in_(ids))
                for table, ids in logged if ids]  # fmt: skip
        changes = session.scalars(
            sa.select(ChangeLog)
            .where(sa.or_(*mine))
            .order_by(col(ChangeLog.hlc), col(ChangeLog.seq))
        ).all()
        names = session.execute(sa.select(col(Staff.id), col(Staff.name)))
        staff_names = dict(names.tuples().all())
        repeat_of_ticket = None
        if complaint.repeat_of_id:
            repeat_of_ticket = session.scalar(
                sa.select(col(Complaint.ticket_no)).where(
                    col(Complaint.id) == complaint.repeat_of_id
                )
            )
        repeated_by = list(
            session.scalars(
                sa.select(col(Complaint.ticket_no))
                .where(col(Complaint.repeat_of_id) == complaint_id)
                .order_by(col(Complaint.received_at))
            )
        )
    history = [
        HistoryEntry(c.at, c.actor_id, f"{c.entity}.{c.op}", json.loads(c.fields)) for c in changes
    ]
    return ComplaintDetail(
        complaint, events, refunds, history, staff_names, repeat_of_ticket, repeated_by
    )
