"""A day signed off by the duty manager is locked: changing one of its records afterwards needs
a duty manager's PIN and a reason, and shows in the change history as a late change (补录).

Which day a change belongs to: the day it is made (in the terminal's time zone: an action is
counted on the day's work record the moment it happens), and besides, the past day whose record
it rewrites: a ticket's severity is counted on the day it was registered, a closed ticket's
outcome and satisfaction on the day it was closed, a complaint taken (受理) on the day it was
received, an opinion-book entry on the day it was written. So a return visit to a ticket closed
on a signed-off day that reopens it or records another satisfaction rewrites that day too
(followup._act compares the closing time, outcome and satisfaction before and after any
action). Following up a ticket taken on an earlier, signed-off day (a contact, a dispatch
today) rewrites nothing of that day, so it needs no approval."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from deskapp.domain.errors import FieldError, RuleViolation
from deskapp.domain.intake_rules import check_text
from deskapp.domain.permissions import Permission
from deskapp.domain.timefmt import local_day
from deskapp.services.audit import enforce
from deskapp.services.desk import Actor, Desk
from deskapp.services.staff import sign_in
from deskapp.store.models import Complaint, ComplaintEvent, DayClose, LateChange


@dataclass(frozen=True)
class LateApproval:
    work_no: str
    pin: str
    reason: str


Known = dict[tuple[date, str], bool]  # (day, terminal code) -> locked, within one transaction


def is_locked(
    session: Session, desk: Desk, day: date, terminal_code: str = "", known: Known | None = None
) -> bool:
    """Whether `day` is signed off for `terminal_code` (this terminal by default): the day
    close is one terminal's, and a ticket belongs to the terminal that registered it. `known`:
    the answers already read in this transaction, for a caller that signs off no day in it
    (followup.close_each asks the same day for each of its tickets)."""
    code = terminal_code or desk.terminal().terminal_code
    if known is None:
        return day_close_of(session, day, code) is not None
    if (day, code) not in known:
        known[(day, code)] = day_close_of(session, day, code) is not None
    return known[(day, code)]


def day_close_of(session: Session, day: date, terminal_code: str) -> DayClose | None:
    """The day close of `day` at the terminal: there when the day is signed off there."""
    return session.scalar(
        sa.select(DayClose).where(
            col(DayClose.day) == day.isoformat(), col(DayClose.terminal_code) == terminal_code
        )
    )


def approve_late(desk: Desk, late: LateApproval | None) -> Actor | None:
    """Check a late-change approval (reason, the manager's PIN and role) before the write
    transaction: the PIN check writes the wrong-PIN counter in a transaction of its own."""
    if late is None:
        return None
    if error := check_text("late_reason", late.reason, required=True, max_len=500, multiline=True):
        raise RuleViolation([error])
    try:
        manager = sign_in(desk, late.work_no, late.pin)
    except RuleViolation as refused:
        raise RuleViolation(
            [FieldError("late_approver", e.key, e.params) for e in refused.errors]
        ) from None
    enforce(desk, manager, Permission.REOPEN_DAY, "late_approver",
            key="error.approval.not_manager")  # fmt: skip
    return manager


def guard_day(
    session: Session,
    desk: Desk,
    actor: Actor,
    day: date,
    entity: str,
    entity_id: str,
    late: LateApproval | None,
    manager: Actor | None,
    terminal_code: str = "",
    known: Known | None = None,
) -> bool:
    """Let a change to a record of `day` through, recording a late change when the day is
    locked (then True); refuse it without a manager's approval (`approve_late`)."""
    if not is_locked(session, desk, day, terminal_code, known):
        return False
    if late is None or manager is None:
        raise RuleViolation.single("late", "error.day.locked", day=day.isoformat())
    session.add(
        LateChange(
            day=day.isoformat(),
            entity=entity,
            entity_id=entity_id,
            reason=late.reason.strip(),
            approved_by=manager.id,
            actor_id=actor.id,
            at=desk.clock.now(),
        )
    )
    return True


def guard_complaint(
    session: Session,
    desk: Desk,
    actor: Actor,
    complaint: Complaint,
    late: LateApproval | None,
    manager: Actor | None,
    *,
    rewrites: tuple[date, ...] = (),
    locked: Known | None = None,
) -> None:
    """The lock for a change to `complaint` made now, which also rewrites what the days in
    `rewrites` counted (module docstring). On a locked day: refused without an approval, else
    a late-change row per locked day and a `late_change` event in the ticket's history.
    `locked`: is_locked's `known` answers of this transaction."""
    now = desk.clock.now()
    days = sorted({local_day(now, desk.tz), *rewrites})
    late_days = [
        day for day in days
        if guard_day(session, desk, actor, day, "complaint", complaint.id, late, manager,
                     complaint.terminal_code, locked)
    ]  # fmt: skip
    if late_days and late is not None and manager is not None:
        session.add(ComplaintEvent(
            complaint_id=complaint.id, kind="late_change", at=now, actor_id=actor.id,
            note=late.reason.strip(), data=json.dumps(
                {"days": [d.isoformat() for d in late_days], "approved_by": manager.id}),
        ))  # fmt: skip


def locked_for(
    desk: Desk,
    complaint_id: str,
    *,
    rewrites_registered_day: bool = False,
    rewrites_closed_day: bool = False,
) -> bool:
    """Whether a change to the ticket made now would meet a locked day (so the screen asks
    for the late approval with the action's own fields)."""
    with desk.read() as session:
        complaint = session.get(Complaint, complaint_id)
        if complaint is None:
            return False
        days = {local_day(desk.clock.now(), desk.tz)}
        if rewrites_registered_day:
            days.add(local_day(complaint.registered_at, desk.tz))
        if rewrites_closed_day and complaint.closed_at is not None:
            days.add(local_day(complaint.closed_at, desk.tz))
        return any(is_locked(session, desk, d, complaint.terminal_code) for d in days)
