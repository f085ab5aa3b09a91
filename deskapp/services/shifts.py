"""交接班: the shift log. A shift opens when a handler signs in to start work and closes at the
handover: every open item the outgoing handler owns, each with a note saying what the next
person must do, plus a note for the shift. The incoming handler acknowledges with their PIN,
the duty manager files it (备案) with theirs; a filed handover is only ever annotated."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path

import sqlalchemy as sa
from pydantic import SecretStr
from sqlalchemy.orm import Session
from sqlmodel import col

from deskapp.domain.clean_input import check_clean
from deskapp.domain.errors import FieldError, RuleViolation
from deskapp.domain.intake_rules import check_text
from deskapp.domain.permissions import Permission
from deskapp.domain.timefmt import format_local
from deskapp.services.audit import enforce
from deskapp.services.deadlines import refresh_clocks
from deskapp.services.desk import Actor, Desk
from deskapp.services.printable import FieldTable, GridTable, write_printable
from deskapp.services.staff import sign_in
from deskapp.store.models import (
    Complaint,
    ComplaintEvent,
    HandoverItem,
    Shift,
    ShiftEvent,
    Staff,
)

NOTE_LIMIT = 1000
PAGE_SIZE = 50


class ShiftStatus(StrEnum):
    OPEN = "open"
    HANDED_OVER = "handed_over"  # written by the outgoing handler, waiting for the incoming
    ACKNOWLEDGED = "acknowledged"  # the incoming handler took it over
    # 备案 by the duty manager: no more edits, annotations only. Filed before the
    # acknowledgement, it still waits for its incoming handler (incoming_staff_id empty).
    FILED = "filed"


@dataclass(frozen=True)
class OpenItem:
    complaint_id: str
    ticket_no: str
    customer_name: str
    contact_phone: str
    status: str
    next_clock: str
    next_due_at: datetime | None
    paused_until: datetime | None = None  # its clocks stand still until then (clock_mark)
    provisional: bool = False


@dataclass(frozen=True)
class ShiftCounts:
    taken: int
    on_spot: int
    dispatched: int
    closed: int
    visits: int

    def to_json(self) -> str:
        return json.dumps(self.__dict__)


def open_shift(desk: Desk, actor: Actor) -> Shift:
    """The actor's open shift on this terminal, opened now if there is none."""
    current = current_shift(desk, actor)
    if current is not None:
        return current
    terminal = desk.terminal()
    with desk.write(actor.id) as session:
        shift = Shift(
            staff_id=actor.id,
            hall_code=terminal.hall_code,
            terminal_code=terminal.terminal_code,
            opened_at=desk.clock.now(),
        )
        session.add(shift)
    return shift


def current_shift(desk: Desk, actor: Actor) -> Shift | None:
    terminal = desk.terminal()
    with desk.read() as session:
        return session.scalars(
            sa.select(Shift)
            .where(
                col(Shift.staff_id) == actor.id,
                col(Shift.terminal_code) == terminal.terminal_code,
                col(Shift.status) == ShiftStatus.OPEN.value,
            )
            .order_by(col(Shift.opened_at).desc())
        ).first()


def open_items(desk: Desk, actor: Actor) -> list[OpenItem]:
    """Everything still on its clocks that the actor owns, earliest deadline first."""
    with desk.read() as session:
        rows = session.execute(
            sa.select(
                col(Complaint.id), col(Complaint.ticket_no), col(Complaint.customer_name),
                col(Complaint.contact_phone), col(Complaint.status), col(Complaint.next_clock),
                col(Complaint.next_due_at), col(Complaint.paused_until),
                col(Complaint.next_due_provisional),
            )
            .where(col(Complaint.owner_id) == actor.id, col(Complaint.next_due_at).is_not(None))
            .order_by(col(Complaint.next_due_at))
        ).all()  # fmt: skip
    return [OpenItem(*row) for row in rows]


def shift_counts(desk: Desk, staff_id: str, since: datetime, until: datetime) -> ShiftCounts:
    """What the handler did during the shift: taken, solved on the spot, dispatched, closed,
    return visits made (each counted from the records, by who did it and when)."""
    with desk.read() as session:
        taken, on_spot = session.execute(
            sa.select(
                sa.func.count(),
                sa.func.coalesce(
                    sa.func.sum(sa.case((col(Complaint.solved_on_spot), 1), else_=0)), 0
                ),
            ).where(
                col(Complaint.created_by) == staff_id,
                col(Complaint.registered_at) >= since,
                col(Complaint.registered_at) <= until,
            )
        ).one()
        by_kind = dict(
            session.execute(
                sa.select(col(ComplaintEvent.kind), sa.func.count())
                .where(
                    col(ComplaintEvent.actor_id) == staff_id,
                    col(ComplaintEvent.at) >= since,
                    col(ComplaintEvent.at) <= until,
                    col(ComplaintEvent.kind).in_(("dispatch", "closed", "visit")),
                )
                .group_by(col(ComplaintEvent.kind))
            )
            .tuples()
            .all()
        )
    return ShiftCounts(
        taken=int(taken),
        on_spot=int(on_spot),
        dispatched=by_kind.get("dispatch", 0),
        closed=by_kind.get("closed", 0),
        visits=by_kind.get("visit", 0),
    )


def close_shift(desk: Desk, actor: Actor, notes: dict[str, str], shift_note: str) -> Shift:
    """Write the handover. Refused while any open item lacks its note (errors by complaint id),
    and when the actor has no shift in progress: a handover never opens a shift (a duty
    manager, or a handler who has handed over already, would hand over an empty new one)."""
    shift = current_shift(desk, actor)
    if shift is None:
        raise RuleViolation.single("shift", "error.handover.no_shift")
    items = open_items(desk, actor)
    errors: list[FieldError] = []
    for item in items:
        error = check_text(
            item.complaint_id, notes.get(item.complaint_id, ""), required=True, max_len=NOTE_LIMIT
        )
        if error:
            errors.append(
                FieldError(
                    item.complaint_id,
                    f"error.handover.item_{error.key[6:]}",
                    {**error.params, "ticket": item.ticket_no},
                )
            )
    error = check_text(
        "shift_note", shift_note, required=True, max_len=NOTE_LIMIT * 2, multiline=True
    )
    if error:
        errors.append(error)
    if errors:
        raise RuleViolation(errors)
    now = desk.clock.now()
    counts = shift_counts(desk, actor.id, shift.opened_at, now)
    with desk.write(actor.id) as session:
        row = session.get(Shift, shift.id)
        assert row is not None
        row.closed_at = now
        row.status = ShiftStatus.HANDED_OVER.value
        row.note = shift_note.strip()
        row.counts = counts.to_json()
        for item in items:
            session.add(HandoverItem(
                shift_id=row.id, complaint_id=item.complaint_id,
                note=notes[item.complaint_id].strip(), next_clock=item.next_clock,
                next_due_at=item.next_due_at,
            ))  # fmt: skip
    return row


def _load(session: Session, shift_id: str) -> Shift:
    shift = session.get(Shift, shift_id)
    if shift is None:
        raise RuleViolation.single("shift", "error.handover.unknown")
    return shift


def acknowledge(desk: Desk, shift_id: str, work_no: str, pin: SecretStr | str) -> Shift:
    """The incoming handler takes the handover with their own PIN; its items become theirs.
    首问负责: the first responder of each complaint stays as it was."""
    incoming = _pin_actor(desk, work_no, pin)
    with desk.write(incoming.id) as session:
        shift = _load(session, shift_id)
        # Filing does not wait for the acknowledgement (交由值班经理备案): a handover already
        # filed is still waiting for its incoming handler until one acknowledges it.
        waiting = shift.status == ShiftStatus.HANDED_OVER.value or (
            shift.status == ShiftStatus.FILED.value and shift.incoming_staff_id is None
        )
        if not waiting:
            raise RuleViolation.single("shift", "error.handover.not_waiting", status=shift.status)
        if shift.staff_id == incoming.id:
            raise RuleViolation.single("work_no", "error.handover.self")
        if not incoming.takes_over_tickets:
            raise RuleViolation.single("work_no", "error.handover.not_a_taker",
                                       role=incoming.role.value)  # fmt: skip
        now = desk.clock.now()
        if shift.status != ShiftStatus.FILED.value:
            shift.status = ShiftStatus.ACKNOWLEDGED.value
        shift.incoming_staff_id = incoming.id
        shift.acknowledged_at = now
        session.add(
            ShiftEvent(shift_id=shift.id, kind="acknowledged", actor_id=incoming.id, at=now)
        )
        items = session.scalars(
            sa.select(HandoverItem).where(col(HandoverItem.shift_id) == shift.id)
        )
        for item in items:
            complaint = session.get(Complaint, item.complaint_id)
            if complaint is None or complaint.owner_id != shift.staff_id:
                continue  # settled or passed on since the handover was written
            if complaint.accused_staff_id == incoming.id:
                continue  # 当事人回避: stays with the outgoing handler's team for reassignment
            complaint.owner_id = incoming.id
            complaint.updated_at = now
            session.add(ComplaintEvent(
                complaint_id=complaint.id, kind="handed_over", at=now, actor_id=incoming.id,
                note=item.note,
                data=json.dumps({"from": shift.staff_id, "to": incoming.id, "shift": shift.id}),
            ))  # fmt: skip
            refresh_clocks(session, desk, complaint)
    return shift


def file_handover(
    desk: Desk, shift_id: str, work_no: str, pin: SecretStr | str, note: str = ""
) -> Shift:
    """备案: the duty manager files the outgoing handler's handover with their PIN, whether
    or not the incoming handler has acknowledged it yet. Filing moves no ticket: only the
    incoming handler's acknowledgement does (`acknowledge`)."""
    manager = _pin_actor(desk, work_no, pin)
    enforce(desk, manager, Permission.FILE_HANDOVER, "work_no",
            key="error.approval.not_manager", subject=shift_id)  # fmt: skip
    with desk.write(manager.id) as session:
        shift = _load(session, shift_id)
        if shift.status not in (ShiftStatus.HANDED_OVER.value, ShiftStatus.ACKNOWLEDGED.value):
            raise RuleViolation.single("shift", "error.handover.not_fileable", status=shift.status)
        now = desk.clock.now()
        shift.status = ShiftStatus.FILED.value
        shift.filed_by = manager.id
        shift.filed_at = now
        session.add(
            ShiftEvent(
                shift_id=shift.id, kind="filed", actor_id=manager.id, at=now, note=note.strip()
            )
        )
    return shift


def annotate(desk: Desk, actor: Actor, shift_id: str, note: str) -> ShiftEvent:
    """A filed handover is never edited; a later remark is added beside it."""
    error = check_text("note", note, required=True, max_len=NOTE_LIMIT, multiline=True)
    if error:
        raise RuleViolation([error])
    with desk.write(actor.id) as session:
        shift = _load(session, shift_id)
        if shift.status == ShiftStatus.OPEN.value:
            raise RuleViolation.single("shift", "error.handover.still_open")
        event = ShiftEvent(
            shift_id=shift.id,
            kind="annotated",
            actor_id=actor.id,
            at=desk.clock.now(),
            note=note.strip(),
        )
        session.add(event)
    return event


def _pin_actor(desk: Desk, work_no: str, pin: SecretStr | str) -> Actor:
    try:
        return sign_in(desk, work_no, pin)
    except RuleViolation as violation:
        raise RuleViolation(
            [
                FieldError("pin" if e.field == "pin" else "work_no", e.key, e.params)
                for e in violation.errors
            ]
        ) from None


@dataclass(frozen=True)
class ShiftRow:
    id: str
    staff_name: str
    staff_work_no: str
    opened_at: datetime
    closed_at: datetime | None
    status: str
    incoming_name: str | None
    items: int


def list_shifts(
    desk: Desk,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    staff: str = "",
    statuses: tuple[str, ...] = (),
    waiting: bool = False,
    offset: int = 0,
    limit: int = PAGE_SIZE,
) -> tuple[list[ShiftRow], bool]:
    """Shift history, newest first: by date range, by handler (work number or name), by status.
    `waiting`: the handovers someone still has to act on (to acknowledge or to file), a filed
    one not yet acknowledged included. RuleViolation (field "staff") when the handler filter
    holds what no name could."""
    if error := check_clean("staff", staff):
        raise RuleViolation([error])
    incoming = sa.orm.aliased(Staff)
    items = (
        sa.select(sa.func.count(col(HandoverItem.id)))
        .where(col(HandoverItem.shift_id) == Shift.id)
        .scalar_subquery()
    )
    stmt = (
        sa.select(col(Shift.id), col(Staff.name), col(Staff.work_no), col(Shift.opened_at),
                  col(Shift.closed_at), col(Shift.status), col(incoming.name), items)
        .join(Staff, col(Staff.id) == Shift.staff_id)
        .outerjoin(incoming, col(incoming.id) == Shift.incoming_staff_id)
    )  # fmt: skip
    if since is not None:
        stmt = stmt.where(col(Shift.opened_at) >= since)
    if until is not None:
        stmt = stmt.where(col(Shift.opened_at) < until)
    if staff.strip():
        q = staff.strip()
        stmt = stmt.where(
            sa.or_(col(Staff.work_no) == q, col(Staff.name).contains(q, autoescape=True))
        )
    if statuses:
        stmt = stmt.where(col(Shift.status).in_(statuses))
    if waiting:
        stmt = stmt.where(
            sa.or_(
                col(Shift.status).in_(
                    (ShiftStatus.HANDED_OVER.value, ShiftStatus.ACKNOWLEDGED.value)
                ),
                sa.and_(
                    col(Shift.status) == ShiftStatus.FILED.value,
                    col(Shift.incoming_staff_id).is_(None),
                ),
            )
        )
    stmt = stmt.order_by(col(Shift.opened_at).desc()).offset(offset).limit(limit + 1)
    with desk.read() as session:
        rows = [ShiftRow(*r) for r in session.execute(stmt).all()]
    return rows[:limit], len(rows) > limit


@dataclass(frozen=True)
class TicketClock:
    """A handed-over ticket's clocks as they stand now (paused, overdue…), for the one mark
    every screen shows (services.deadlines.clock_mark)."""

    next_due_at: datetime | None
    paused_until: datetime | None
    provisional: bool


@dataclass(frozen=True)
class HandoverView:
    shift: Shift
    staff_names: dict[str, str]
    items: list[tuple[HandoverItem, str, str, str]]  # item, ticket, customer, phone
    events: list[ShiftEvent]
    clocks: dict[str, TicketClock] = field(default_factory=dict)  # by complaint id

    @property
    def counts(self) -> ShiftCounts:
        return (
            ShiftCounts(**json.loads(self.shift.counts or "{}"))
            if self.shift.counts != "{}"
            else ShiftCounts(0, 0, 0, 0, 0)
        )


def handover_view(desk: Desk, shift_id: str) -> HandoverView:
    with desk.read() as session:
        shift = _load(session, shift_id)
        items = session.execute(
            sa.select(HandoverItem, col(Complaint.ticket_no), col(Complaint.customer_name),
                      col(Complaint.contact_phone))
            .join(Complaint, col(Complaint.id) == HandoverItem.complaint_id)
            .where(col(HandoverItem.shift_id) == shift_id)
            .order_by(col(HandoverItem.next_due_at))
        ).all()  # fmt: skip
        events = list(session.scalars(
            sa.select(ShiftEvent)
            .where(col(ShiftEvent.shift_id) == shift_id)
            .order_by(col(ShiftEvent.at))
        ))  # fmt: skip
        found = session.execute(sa.select(col(Staff.id), col(Staff.name)))
        names = dict(found.tuples().all())
        ids = [item.complaint_id for item, *_ in items]
        clocks = {
            cid: TicketClock(due, paused, bool(provisional))
            for cid, due, paused, provisional in session.execute(
                sa.select(col(Complaint.id), col(Complaint.next_due_at),
                          col(Complaint.paused_until), col(Complaint.next_due_provisional))
                .where(col(Complaint.id).in_(ids))
            ).tuples()
        }  # fmt: skip
    return HandoverView(shift, names, [tuple(r) for r in items], events, clocks)


def export_handover(desk: Desk, shift_id: str, directory: Path) -> Path:
    """The handover as a printable file, with the signatures of both handlers and the manager."""
    from deskapp.i18n import t

    view = handover_view(desk, shift_id)
    shift, names, tz = view.shift, view.staff_names, desk.tz
    counts = view.counts
    header = FieldTable([
        (t("shift.handler"), names.get(shift.staff_id, "")),
        (t("shift.terminal"), f"{shift.hall_code}-{shift.terminal_code}"),
        (t("shift.opened_at"), format_local(shift.opened_at, tz)),
        (t("shift.closed_at"), format_local(shift.closed_at, tz)),
        (t("shift.counts_label"), t("shift.counts", **counts.__dict__)),
        (t("shift.note"), shift.note),
        (t("shift.status"), t(f"shift_status.{shift.status}")),
    ])  # fmt: skip
    items = GridTable(
        [t("queue.col_ticket"), t("queue.col_customer"), t("queue.col_clock"),
         t("queue.col_due"), t("shift.item_note")],
        [(ticket, customer, t(f"clock.{item.next_clock}") if item.next_clock else "",
          format_local(item.next_due_at, tz), item.note)
         for item, ticket, customer, _phone in view.items],
        title=t("shift.items", count=len(view.items)),
    )  # fmt: skip
    events = GridTable(
        [t("report.when"), t("report.what"), t("report.who"), t("report.note")],
        [(format_local(e.at, tz), t(f"shift_event.{e.kind}"), names.get(e.actor_id, e.actor_id),
          e.note) for e in view.events],
        title=t("shift.events"),
    )  # fmt: skip
    signatures = FieldTable(
        [], signature_rows=[t("shift.sign_outgoing"), t("shift.sign_incoming"),
                            t("shift.sign_manager")],
    )  # fmt: skip
    stamp = format_local(shift.opened_at, tz).replace(":", "").replace(" ", "-")
    return write_printable(
        directory,
        f"交接班-{names.get(shift.staff_id, '')}-{stamp}",
        t("shift.print_title"),
        [header, items, events, signatures],
    )


@dataclass(frozen=True)
class HandoversWaiting:
    """What signing in is told (issue 20): handovers waiting for this person to take over
    (a handler) or to file (a manager), whose, and how many tickets they carry."""

    to_file: bool  # a manager's: acknowledged handovers waiting for filing
    shifts: list[ShiftRow]

    @property
    def tickets(self) -> int:
        return sum(row.items for row in self.shifts)

    @property
    def names(self) -> list[str]:
        return sorted({f"{row.staff_name}({row.staff_work_no})" for row in self.shifts})


def handovers_waiting(desk: Desk, actor: Actor) -> HandoversWaiting | None:
    """A handler: colleagues' handovers not taken over yet; a manager: handovers not filed
    yet, taken over or not (a manager may file one before it is acknowledged); a supervising
    role, who takes over no tickets: none. None when there is none."""
    if not actor.takes_over_tickets:
        return None  # a supervising role neither takes over nor files handovers
    statuses = (
        (ShiftStatus.HANDED_OVER.value, ShiftStatus.ACKNOWLEDGED.value)
        if actor.is_manager
        else (ShiftStatus.HANDED_OVER.value,)
    )
    rows, _ = list_shifts(desk, statuses=statuses)
    if not actor.is_manager:
        rows = [row for row in rows if row.staff_work_no != actor.work_no]
    return HandoversWaiting(actor.is_manager, rows) if rows else None
