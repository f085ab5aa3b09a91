"""结束营业: before the hall closes, the day's records are completed truthfully. The checklist
is computed from the records; the duty manager signs the day off only when nothing is missing;
the daily work record (工作记录) sums the day up and prints."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import sqlalchemy as sa
from pydantic import SecretStr
from sqlmodel import col

from deskapp.domain.enums import Status
from deskapp.domain.errors import FieldError, RuleViolation
from deskapp.domain.money import format_yuan, from_fen
from deskapp.domain.permissions import Permission
from deskapp.domain.timefmt import format_local, local_day
from deskapp.services.audit import enforce
from deskapp.services.day_lock import LateApproval, approve_late, day_close_of, guard_day
from deskapp.services.desk import Actor, Desk
from deskapp.services.followup import check_outcome, satisfaction_of
from deskapp.services.printable import FieldTable, GridTable, write_printable
from deskapp.services.staff import sign_in
from deskapp.store.models import (
    ChangeLog,
    Complaint,
    ComplaintEvent,
    DayClose,
    HandoverItem,
    OpinionEntry,
    Refund,
    Shift,
    Staff,
)


@dataclass(frozen=True)
class Gap:
    """One line of the checklist that is not yet satisfied, and where to fix it."""

    rule: str  # outcome, deadline, handover_note, satisfaction, opinion_book, handover, sync
    target: str  # complaint / opinion_book / shift / sync
    target_id: str = ""
    label: str = ""  # ticket number or entry reference


@dataclass(frozen=True)
class Checklist:
    day: date
    gaps: list[Gap]
    taken: int
    closed: int

    @property
    def complete(self) -> bool:
        return not self.gaps

    def rules_ok(self) -> dict[str, bool]:
        failing = {g.rule for g in self.gaps}
        return {rule: rule not in failing for rule in RULES}


RULES = ("outcome", "deadline", "handover_note", "satisfaction", "opinion_book", "handover", "sync")


def _bounds(desk: Desk, day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=desk.tz).astimezone(UTC)
    return start, start + timedelta(days=1)


def checklist(desk: Desk, day: date) -> Checklist:
    start, end = _bounds(desk, day)
    terminal = desk.terminal()
    gaps: list[Gap] = []
    with desk.read() as session:
        taken = session.execute(
            sa.select(col(Complaint.id), col(Complaint.ticket_no), col(Complaint.status),
                      col(Complaint.outcome), col(Complaint.next_due_at))
            .where(col(Complaint.registered_at) >= start, col(Complaint.registered_at) < end,
                   col(Complaint.terminal_code) == terminal.terminal_code)
            .order_by(col(Complaint.ticket_no))
        ).all()  # fmt: skip
        handed = set(session.scalars(
            sa.select(col(HandoverItem.complaint_id))
            .join(Shift, col(Shift.id) == HandoverItem.shift_id)
            .where(col(Shift.closed_at) >= start)
        ))  # fmt: skip
        for cid, ticket, status, outcome, next_due in taken:
            if status in (Status.CLOSED.value, Status.VISITED.value):
                if not outcome.strip():
                    gaps.append(Gap("outcome", "complaint", cid, ticket))
            else:
                if next_due is None:
                    gaps.append(Gap("deadline", "complaint", cid, ticket))
                if cid not in handed:
                    gaps.append(Gap("handover_note", "complaint", cid, ticket))
        closed = session.execute(
            sa.select(col(Complaint.id), col(Complaint.ticket_no), col(Complaint.satisfaction))
            .where(col(Complaint.closed_at) >= start, col(Complaint.closed_at) < end,
                   col(Complaint.terminal_code) == terminal.terminal_code)
        ).all()  # fmt: skip
        for cid, ticket, satisfaction in closed:
            if satisfaction is None:
                gaps.append(Gap("satisfaction", "complaint", cid, ticket))
        for eid, written, page, line in session.execute(
            sa.select(col(OpinionEntry.id), col(OpinionEntry.written_on), col(OpinionEntry.page),
                      col(OpinionEntry.line))
            .where(col(OpinionEntry.written_on) <= day.isoformat(),
                   col(OpinionEntry.processed_at).is_(None))
        ).all():  # fmt: skip
            gaps.append(Gap("opinion_book", "opinion_book", eid, f"{written} 第{page}页第{line}行"))
        for sid, name, work_no, opened in session.execute(
            sa.select(col(Shift.id), col(Staff.name), col(Staff.work_no), col(Shift.opened_at))
            .join(Staff, col(Staff.id) == col(Shift.staff_id))
            .where(
                col(Shift.opened_at) >= start, col(Shift.opened_at) < end,
                col(Shift.terminal_code) == terminal.terminal_code, col(Shift.status) == "open",
            )
            .order_by(col(Shift.opened_at))
        ).all():  # fmt: skip
            # Whose and since when: two open shifts are two different people to ask.
            since = format_local(opened, desk.tz)[11:16]
            gaps.append(Gap("handover", "shift", sid, f"{name}({work_no}) {since}"))
        waiting = session.scalar(
            sa.select(sa.func.count())
            .select_from(ChangeLog)
            .where(col(ChangeLog.node_id) == terminal.node_id, col(ChangeLog.acked_at).is_(None))
        )
    if waiting:
        gaps.append(Gap("sync", "sync", label=str(waiting)))
    return Checklist(day, gaps, len(taken), len(closed))


@dataclass
class WorkRecord:
    day: str
    taken: int = 0
    on_spot: int = 0
    closed: int = 0
    by_channel: dict[str, int] = field(default_factory=dict)
    by_category: dict[str, int] = field(default_factory=dict)
    by_severity: dict[str, int] = field(default_factory=dict)
    refunds: int = 0
    refund_total: str = "0.00"
    escalations: int = 0
    visits: int = 0
    opinion_entries: int = 0


def work_record(desk: Desk, day: date) -> WorkRecord:
    start, end = _bounds(desk, day)
    terminal = desk.terminal()
    record = WorkRecord(day.isoformat())
    with desk.read() as session:
        rows = session.execute(
            sa.select(col(Complaint.channel), col(Complaint.cause_code), col(Complaint.severity),
                      col(Complaint.solved_on_spot))
            .where(col(Complaint.registered_at) >= start, col(Complaint.registered_at) < end,
                   col(Complaint.terminal_code) == terminal.terminal_code)
        ).all()  # fmt: skip
        record.taken = len(rows)
        record.on_spot = sum(1 for r in rows if r.solved_on_spot)
        record.by_channel = dict(Counter(r.channel for r in rows))
        record.by_category = dict(Counter(r.cause_code.split(".")[0] for r in rows))
        record.by_severity = dict(Counter(r.severity for r in rows))
        events = dict(session.execute(
            sa.select(col(ComplaintEvent.kind), sa.func.count())
            .join(Complaint, col(Complaint.id) == ComplaintEvent.complaint_id)
            .where(col(ComplaintEvent.at) >= start, col(ComplaintEvent.at) < end,
                   col(Complaint.terminal_code) == terminal.terminal_code,
                   col(ComplaintEvent.kind).in_(("closed", "escalated", "visit")))
            .group_by(col(ComplaintEvent.kind))
        ).tuples().all())  # fmt: skip
        record.closed = events.get("closed", 0)
        record.escalations = events.get("escalated", 0)
        record.visits = events.get("visit", 0)
        count, total = session.execute(
            sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(col(Refund.amount_fen)), 0))
            .where(col(Refund.verified_at) >= start, col(Refund.verified_at) < end)
        ).one()  # fmt: skip
        record.refunds = int(count)
        record.refund_total = format_yuan(from_fen(int(total)))
        record.opinion_entries = session.scalar(
            sa.select(sa.func.count()).select_from(OpinionEntry)
            .where(col(OpinionEntry.written_on) == day.isoformat())
        ) or 0  # fmt: skip
    return record


def sign_off(desk: Desk, day: date, work_no: str, pin: SecretStr | str) -> DayClose:
    """The duty manager signs the day off with their PIN; refused while anything is missing."""
    try:
        manager = sign_in(desk, work_no, pin)
    except RuleViolation as refused:
        raise RuleViolation(
            [
                FieldError("work_no" if e.field == "work_no" else "pin", e.key, e.params)
                for e in refused.errors
            ]
        ) from None
    enforce(desk, manager, Permission.SIGN_OFF_DAY, "work_no",
            key="error.approval.not_manager", subject=day.isoformat())  # fmt: skip
    listing = checklist(desk, day)
    if not listing.complete:
        raise RuleViolation(
            [
                FieldError("checklist", f"error.day.gap_{g.rule}", {"label": g.label})
                for g in listing.gaps
            ]
        )
    terminal = desk.terminal()
    summary = json.dumps(asdict(work_record(desk, day)), ensure_ascii=False)
    with desk.write(manager.id) as session:
        if day_close_of(session, day, terminal.terminal_code) is not None:
            raise RuleViolation.single("day", "error.day.already_signed", day=day.isoformat())
        closed = DayClose(
            day=day.isoformat(), hall_code=terminal.hall_code,
            terminal_code=terminal.terminal_code, signed_off_by=manager.id,
            signed_off_at=desk.clock.now(),
            summary=summary,
        )  # fmt: skip
        session.add(closed)
    return closed


def signed_off(desk: Desk, day: date) -> DayClose | None:
    terminal = desk.terminal()
    with desk.read() as session:
        return day_close_of(session, day, terminal.terminal_code)


def complete_record(
    desk: Desk,
    actor: Actor,
    complaint_id: str,
    *,
    satisfaction: str = "",
    outcome: str = "",
    late: LateApproval | None = None,
) -> Complaint:
    """Fill in what a closed complaint is missing (its outcome, or the customer's satisfaction —
    客户未表态 when they would not say). On a signed-off day this is a late change."""
    check_outcome(desk, outcome, required=False)
    if satisfaction:
        satisfaction_of(satisfaction)
    if not satisfaction and not outcome.strip():
        raise RuleViolation.single("satisfaction", "error.required")
    manager = approve_late(desk, late)
    with desk.write(actor.id) as session:
        complaint = session.get(Complaint, complaint_id)
        if complaint is None or complaint.closed_at is None:
            raise RuleViolation.single("complaint", "error.day.not_closed")
        day = local_day(complaint.closed_at, desk.tz)
        guard_day(session, desk, actor, day, "complaint", complaint.id, late, manager,
                  complaint.terminal_code)  # fmt: skip
        now = desk.clock.now()
        changed = {}
        if satisfaction and complaint.satisfaction != satisfaction:
            complaint.satisfaction = changed["satisfaction"] = satisfaction
        if outcome.strip() and complaint.outcome != outcome.strip():
            complaint.outcome = changed["outcome"] = outcome.strip()
        complaint.updated_at = now
        session.add(ComplaintEvent(
            complaint_id=complaint.id, kind="completed" if late is None else "late_change",
            at=now, actor_id=actor.id, note=late.reason if late else "",
            data=json.dumps(changed, ensure_ascii=False),
        ))  # fmt: skip
    return complaint


def export_work_record(desk: Desk, day: date, directory: Path) -> Path:
    from deskapp.i18n import t

    record = work_record(desk, day)
    closed = signed_off(desk, day)
    terminal = desk.terminal()
    names = {}
    if closed is not None:
        from deskapp.services.staff import list_staff

        names = {s.id: s.name for s in list_staff(desk, active_only=False)}
    head = FieldTable([
        (t("day.terminal"), f"{terminal.hall_code}-{terminal.terminal_code}"),
        (t("day.date"), record.day),
        (t("day.taken"), str(record.taken)),
        (t("day.on_spot"), str(record.on_spot)),
        (t("day.closed"), str(record.closed)),
        (t("day.refunds"), t("day.refund_total", count=record.refunds,
                              total=record.refund_total)),
        (t("day.escalations"), str(record.escalations)),
        (t("day.visits"), str(record.visits)),
        (t("day.opinion_entries"), str(record.opinion_entries)),
        (t("day.signed_off"), f"{names.get(closed.signed_off_by, '')}" if closed else "—"),
    ])  # fmt: skip
    tables = [
        GridTable([t("day.channel"), t("day.count")],
                  [(t(f"channel.{k}"), str(v)) for k, v in sorted(record.by_channel.items())],
                  title=t("day.by_channel")),
        GridTable([t("day.category"), t("day.count")],
                  [(desk.refdata.causes.path(k).name if k in desk.refdata.causes else k, str(v))
                   for k, v in sorted(record.by_category.items())],
                  title=t("day.by_category")),
        GridTable([t("day.severity"), t("day.count")],
                  [(t(f"severity.{k}"), str(v)) for k, v in sorted(record.by_severity.items())],
                  title=t("day.by_severity")),
    ]  # fmt: skip
    signature = FieldTable([], signature_rows=[t("day.sign_handler"), t("day.sign_manager")])
    return write_printable(
        directory,
        f"工作记录-{terminal.terminal_code}-{record.day}",
        t("day.print_title"),
        [head, *tables, signature],
    )
