"""四眼: a manager other than the person who asked confirms an action with their own PIN. One
mechanism for every such approval (a refund beyond the rule, a deadline extension): the PIN is
checked by sign-in (a wrong one counts toward that approver's lockout), the role by the
permissions matrix, the approver must not be the person who asked, and every attempt, allowed
or refused, leaves an audit row the caller makes. A refused attempt's row is written at once in
a transaction of its own (the refused action writes nothing else) and the refusal is said at
the approver's field; an allowed attempt's row is handed back, to be written with the action."""

from __future__ import annotations

from collections.abc import Callable
from typing import NoReturn

import sqlalchemy as sa
from pydantic import SecretStr
from sqlmodel import col

from deskapp.domain.errors import FieldError, RuleViolation
from deskapp.domain.permissions import Permission, PermissionRefused
from deskapp.domain.refund import ApprovalOutcome, check_four_eyes
from deskapp.services.desk import Actor, Desk
from deskapp.services.pins import canonical_pin
from deskapp.services.staff import LockedByWrongPin, verify_manager
from deskapp.store.models import RecordTable, Staff

# Makes the audit row of one attempt: (approver's staff id or "", outcome) -> row.
AuditRow = Callable[[str, ApprovalOutcome], RecordTable]


def outcome_of(violation: RuleViolation, approver_id: str) -> ApprovalOutcome:
    if isinstance(violation, PermissionRefused):
        return ApprovalOutcome.NOT_MANAGER
    if not approver_id:  # no such staff member (sign-in says "wrong PIN" not to tell)
        return ApprovalOutcome.UNKNOWN
    if isinstance(violation, LockedByWrongPin):  # the wrong PIN that locked the number
        return ApprovalOutcome.WRONG_PIN
    keys = {e.key for e in violation.errors}
    if "error.signin.locked" in keys:
        return ApprovalOutcome.LOCKED
    if "error.signin.wrong" in keys:
        return ApprovalOutcome.WRONG_PIN
    return ApprovalOutcome.UNKNOWN


def approve_by_manager(
    desk: Desk,
    actor: Actor,
    asked_by: str,
    work_no: str,
    pin: SecretStr | str,
    audit: AuditRow,
    *,
    field: str,
    permission: Permission,
    self_key: str,
) -> tuple[Actor, RecordTable]:
    """The approver (a role holding `permission`, not `asked_by`) and the audit row of the
    allowed attempt. `actor` is who is at the desk (the refused attempt's row is theirs)."""

    def refuse(approver_id: str, outcome: ApprovalOutcome, violation: RuleViolation) -> NoReturn:
        with desk.write(actor.id) as session:
            session.add(audit(approver_id, outcome))
        if isinstance(violation, PermissionRefused):
            raise violation  # the matrix's refusal (audited), said at `field` already
        errors = [FieldError(field, e.key, e.params) for e in violation.errors]
        raise RuleViolation(errors) from None

    try:
        approver = verify_manager(desk, work_no, pin, field=field, permission=permission)
    except PermissionRefused as refused:
        refuse(refused.actor.id, ApprovalOutcome.NOT_MANAGER, refused)
    except RuleViolation as violation:
        approver_id = staff_id(desk, work_no)
        refuse(approver_id, outcome_of(violation, approver_id), violation)
    try:
        check_four_eyes(asked_by, approver.id, field=field, key=self_key)
    except RuleViolation as violation:
        refuse(approver.id, ApprovalOutcome.SELF, violation)
    return approver, audit(approver.id, ApprovalOutcome.APPROVED)


def staff_id(desk: Desk, work_no: str) -> str:
    canonical = canonical_pin(work_no).strip()[:16]
    with desk.read() as session:
        found = session.scalars(
            sa.select(col(Staff.id)).where(col(Staff.work_no) == canonical)
        ).first()
    return found or ""


def typed_work_no(work_no: str) -> str:
    """The approver's work number as the audit keeps it (canonical, bounded)."""
    return canonical_pin(work_no).strip()[:16]
