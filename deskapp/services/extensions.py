"""延期申请 as the screens read them: which of a ticket's clocks may be extended (the request
dialog's choices), a ticket's extensions with their decisions (its detail), and the requests
waiting for a duty manager (the queue's mark and the sign-in notice). The request and the
decision themselves are follow-up actions (services/followup.py: request_extension,
decide_extension); the rules are deskapp/domain/extension.py's."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from deskapp.domain.deadlines import ClockKind
from deskapp.domain.enums import Status
from deskapp.domain.extension import NOT_EXTENDABLE, ExtensionStatus
from deskapp.domain.status import ACTIVE
from deskapp.domain.ticket_deadlines import ActiveClock
from deskapp.domain.timefmt import format_local
from deskapp.i18n import t
from deskapp.services.deadlines import clock_values
from deskapp.services.desk import Desk
from deskapp.store.models import Complaint, DeadlineExtension, Staff


def clock_key(kind: str, detail: str) -> str:
    """One clock of a ticket as the request dialog names it (its kind, its department)."""
    return f"{kind}:{detail}" if detail else kind


def split_key(key: str) -> tuple[str, str]:
    kind, _, detail = key.partition(":")
    return kind, detail


def clock_label(desk: Desk, kind: str, detail: str) -> str:
    name = t(f"clock.{kind}") if kind in ClockKind.__members__.values() else kind
    department = desk.refdata.departments.get(detail)
    return (
        f"{name} · {department.name}" if department else (f"{name} · {detail}" if detail else name)
    )


def running_clocks(session: Session, desk: Desk, complaint: Complaint) -> list[ActiveClock]:
    """The clocks the ticket runs on now, as its stored events give them."""
    return clock_values(session, desk, complaint)[1]


def extendable(clocks: Iterable[ActiveClock]) -> list[ActiveClock]:
    return [c for c in clocks if c.kind not in NOT_EXTENDABLE and c.start is not None]


@dataclass(frozen=True)
class ClockChoice:
    key: str
    label: str  # the clock, its department, its deadline as it stands


def extension_choices(desk: Desk, complaint_id: str) -> list[ClockChoice]:
    """The clocks of an open ticket a handler may ask to extend, with their deadlines."""
    with desk.read() as session:
        complaint = session.get(Complaint, complaint_id)
        if complaint is None or Status(complaint.status) not in ACTIVE:
            return []
        clocks = extendable(running_clocks(session, desk, complaint))
    return [
        ClockChoice(
            clock_key(c.kind.value, c.detail),
            t("extension.choice", clock=clock_label(desk, c.kind.value, c.detail),
              due=format_local(c.deadline.at, desk.tz)[5:]),
        )
        for c in clocks
    ]  # fmt: skip


@dataclass(frozen=True)
class ExtensionView:
    id: str
    clock: str  # its label
    original_due: str
    new_due: str
    reason: str
    status: str  # ExtensionStatus
    requested_by: str  # name
    requested_at: str
    decided_by: str  # name, "" while pending
    decided_at: str
    note: str

    @property
    def pending(self) -> bool:
        return self.status == ExtensionStatus.PENDING.value


def _views(desk: Desk, session: Session, rows: list[DeadlineExtension]) -> list[ExtensionView]:
    ids = {r.requested_by for r in rows} | {r.decided_by for r in rows if r.decided_by}
    names = dict(
        session.execute(sa.select(col(Staff.id), col(Staff.name)).where(col(Staff.id).in_(ids)))
        .tuples()
        .all()
    )
    tz = desk.tz
    return [
        ExtensionView(
            id=r.id, clock=clock_label(desk, r.clock, r.detail),
            original_due=format_local(r.original_due_at, tz),
            new_due=format_local(r.new_due_at, tz),
            reason=r.reason, status=r.status, requested_by=names.get(r.requested_by, ""),
            requested_at=format_local(r.requested_at, tz),
            decided_by=names.get(r.decided_by or "", ""),
            decided_at=format_local(r.decided_at, tz), note=r.decision_note,
        )
        for r in rows
    ]  # fmt: skip


def extensions_of(session: Session, complaint_id: str) -> list[DeadlineExtension]:
    return list(
        session.scalars(
            sa.select(DeadlineExtension)
            .where(col(DeadlineExtension.complaint_id) == complaint_id)
            .order_by(col(DeadlineExtension.requested_at), col(DeadlineExtension.id))
        )
    )


def ticket_extensions(desk: Desk, complaint_id: str) -> list[ExtensionView]:
    """A ticket's extensions, oldest first: approved (original deadline, new one, who approved),
    refused (shown, changing nothing) and pending."""
    with desk.read() as session:
        return _views(desk, session, extensions_of(session, complaint_id))


def pending_of(desk: Desk, complaint_id: str) -> list[ExtensionView]:
    return [v for v in ticket_extensions(desk, complaint_id) if v.pending]


@dataclass(frozen=True)
class PendingExtension:
    complaint_id: str
    ticket_no: str
    view: ExtensionView


def pending_extensions(desk: Desk, limit: int = 50) -> list[PendingExtension]:
    """The requests waiting for a duty manager, oldest first (the sign-in notice)."""
    with desk.read() as session:
        rows = list(
            session.execute(
                sa.select(DeadlineExtension, col(Complaint.ticket_no))
                .join(Complaint, col(Complaint.id) == DeadlineExtension.complaint_id)
                .where(col(DeadlineExtension.status) == ExtensionStatus.PENDING.value)
                .order_by(col(DeadlineExtension.requested_at), col(DeadlineExtension.id))
                .limit(limit)
            ).tuples()
        )
        views = _views(desk, session, [r for r, _ in rows])
    return [
        PendingExtension(r.complaint_id, ticket_no, v)
        for (r, ticket_no), v in zip(rows, views, strict=True)
    ]


@dataclass(frozen=True)
class ExtensionMark:
    pending: bool  # a request waits for a duty manager
    extended_dues: frozenset[datetime]  # the deadlines approved extensions set


def extension_marks(desk: Desk, complaint_ids: Iterable[str]) -> dict[str, ExtensionMark]:
    """For the queue's page, by ticket: whether a request waits, and the deadlines approved
    extensions set (the row's next deadline is an extended one when it is among them)."""
    ids = list(complaint_ids)
    if not ids:
        return {}
    with desk.read() as session:
        rows = session.execute(
            sa.select(col(DeadlineExtension.complaint_id), col(DeadlineExtension.status),
                      col(DeadlineExtension.new_due_at))
            .where(col(DeadlineExtension.complaint_id).in_(ids))
            .where(col(DeadlineExtension.status).in_(
                (ExtensionStatus.PENDING.value, ExtensionStatus.APPROVED.value)))
        ).tuples().all()  # fmt: skip
    pending: set[str] = set()
    dues: dict[str, set[datetime]] = {}
    for cid, status, new_due in rows:
        if status == ExtensionStatus.PENDING.value:
            pending.add(cid)
        else:
            dues.setdefault(cid, set()).add(new_due)
    return {
        cid: ExtensionMark(cid in pending, frozenset(dues.get(cid, ())))
        for cid in pending | set(dues)
    }
