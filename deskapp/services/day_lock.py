"""A day signed off by the duty manager is locked: changing one of its records afterwards needs
a duty manager's PIN and a reason, and shows in the change history as a late change (补录)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from deskapp.domain.errors import FieldError, RuleViolation
from deskapp.domain.intake_rules import check_text
from deskapp.domain.permissions import Permission
from deskapp.services.audit import enforce
from deskapp.services.desk import Actor, Desk
from deskapp.services.staff import sign_in
from deskapp.store.models import DayClose, LateChange


@dataclass(frozen=True)
class LateApproval:
    work_no: str
    pin: str
    reason: str


def is_locked(session: Session, desk: Desk, day: date) -> bool:
    terminal = desk.terminal()
    found = session.scalar(
        sa.select(DayClose.id).where(
            DayClose.day == day.isoformat(), DayClose.terminal_code == terminal.terminal_code
        )
    )
    return found is not None


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
) -> None:
    """Let a change to a record of `day` through, recording a late change when the day is
    locked; refuse it without a manager's approval (`approve_late`)."""
    if not is_locked(session, desk, day):
        return
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
