"""退费 as the intake form and the follow-up queue both record it: the form's text turned into a
checked refund (the error type's rule, 先查证后退费, 不允许过度赔付 and the ceiling on what is
paid), and the four-eyes approval of a refund beyond the rule with the audit of every attempt.

The rules themselves are deskapp/domain/refund.py's; this module reads the form and the store."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import NoReturn

import sqlalchemy as sa
from pydantic import SecretStr
from sqlalchemy.orm import Session
from sqlmodel import col

from deskapp.domain.enums import RefundMethod
from deskapp.domain.errors import FieldError, RuleViolation
from deskapp.domain.intake_rules import check_text
from deskapp.domain.money import format_yuan, from_fen, parse_amount, to_fen
from deskapp.domain.permissions import PermissionRefused
from deskapp.domain.refund import (
    ApprovalOutcome,
    RefundLife,
    RefundQuote,
    check_ceiling,
    check_four_eyes,
    refund_quote,
    refund_state,
)
from deskapp.services.desk import Actor, Desk
from deskapp.services.pins import canonical_pin
from deskapp.services.staff import LockedByWrongPin, verify_manager
from deskapp.store.models import Refund, RefundApproval, Staff

# What a refund recorded at intake is recorded under when the form does not say: the intake
# form's refund section is the billing-error one (收费误差,双倍返还).
INTAKE_ERROR_TYPE = "billing_inaccurate"
VERIFICATION_LIMIT = 500


@dataclass
class RefundForm:
    charged: str = ""
    should_have_charged: str = ""
    amount: str = ""  # empty: exactly what the rule gives
    method: str = RefundMethod.ACCOUNT_CREDIT.value
    verified: bool = False  # 先查证后退费: the charge was checked in the billing system
    approver_work_no: str = ""
    approver_pin: SecretStr | str = ""  # the screen passes a SecretStr: no repr shows it
    approval_reason: str = ""
    error_type: str = INTAKE_ERROR_TYPE  # data/refund_errors.toml: decides the rule
    verification: str = ""  # who verified it and how (the queue asks for it)


@dataclass(frozen=True)
class CheckedRefund:
    quote: RefundQuote
    amount: Decimal
    method: RefundMethod
    needs_approval: bool
    error_type: str
    verification: str


def check_refund(
    desk: Desk,
    form: RefundForm,
    errors: list[FieldError],
    *,
    already: Decimal = Decimal("0.00"),
    earlier: Sequence[tuple[str, Decimal]] = (),
    verification_required: bool = False,
) -> CheckedRefund | None:
    """收费误差,双倍返还 (by the error type) with 先查证后退费 and 不允许过度赔付. `already`: what
    the ticket's other refunds come to (the ceiling bounds what is paid on the ticket);
    `earlier`: those refunds as (error type, amount), the same type's counting toward the
    rule. Every problem is appended to `errors`; None when there was one."""
    maximum = desk.refdata.settings.refund.max_amount
    before = len(errors)
    error_type = desk.refdata.refund_errors.get(form.error_type)
    if error_type is None:
        errors.append(FieldError("refund_error_type", "error.refund.error_type"))
    charged = should = None
    try:
        charged = parse_amount(form.charged, "refund_charged", maximum)
    except RuleViolation as v:
        errors.extend(v.errors)
    try:
        should = parse_amount(form.should_have_charged, "refund_should", maximum)
    except RuleViolation as v:
        errors.extend(v.errors)
    if charged is None or should is None or error_type is None:
        return None
    quote = refund_quote(charged, should, error_type.double)
    if not quote.eligible:
        errors.append(FieldError("refund_should", "error.refund.no_difference"))
        return None
    amount = quote.rule_amount
    if form.amount.strip():
        try:
            amount = parse_amount(form.amount, "refund_amount", maximum)
        except RuleViolation as v:
            errors.extend(v.errors)
            return None
    if amount <= 0:
        errors.append(FieldError("refund_amount", "error.refund.zero"))
    try:
        check_ceiling(amount, already, maximum)  # the rule's amount too, when none is typed
    except RuleViolation as v:
        errors.extend(v.errors)
    same_kind = same_kind_total(earlier, error_type.code)
    needs_approval = quote.exceeds_rule(amount, same_kind)
    # What is typed is said to be wrong even where it is not needed (within the rule).
    limit = desk.refdata.settings.intake.text_limits.approval_reason
    for field, value, max_len in (
        ("refund_approval_reason", form.approval_reason, limit),
        ("refund_approver", form.approver_work_no, 16),
    ):
        if error := check_text(field, value, required=False, max_len=max_len):
            errors.append(error)
    if needs_approval and not form.approval_reason.strip():
        errors.append(
            FieldError(
                "refund_approval_reason",
                "error.refund.reason_required",
                {"rule": str(quote.rule_amount)},
            )
        )
    if needs_approval and not (form.approver_work_no.strip() and form.approver_pin):
        if same_kind > 0 and not quote.exceeds_rule(amount):  # beyond only with the others
            params = {"rule": str(quote.rule_amount), "already": format_yuan(same_kind)}
            over = FieldError("refund_approver", "error.refund.over_rule_ticket", params)
        else:
            over = FieldError(
                "refund_approver", "error.refund.over_rule", {"rule": str(quote.rule_amount)}
            )
        errors.append(over)
    if not form.verified:
        errors.append(FieldError("refund_verified", "error.refund.unverified"))
    verification = form.verification
    if error := check_text(
        "refund_verification",
        verification,
        required=verification_required,
        max_len=VERIFICATION_LIMIT,
        multiline=True,
    ):
        errors.append(error)
    try:
        method = RefundMethod(form.method)
    except ValueError:
        method = RefundMethod.ACCOUNT_CREDIT
        errors.append(FieldError("refund_method", "error.required"))
    if len(errors) > before:
        return None
    return CheckedRefund(
        quote=quote,
        amount=amount,
        method=method,
        needs_approval=needs_approval,
        error_type=error_type.code,
        verification=verification.strip(),
    )


def same_kind_total(earlier: Iterable[tuple[str, Decimal]], error_type: str) -> Decimal:
    """What the ticket's refunds of `error_type` already came to (they count toward the rule)."""
    return sum((amount for kind, amount in earlier if kind == error_type), Decimal("0.00"))


def earlier_of(refunds: Iterable[Refund]) -> list[tuple[str, Decimal]]:
    return [(r.error_type, from_fen(r.amount_fen)) for r in refunds]


# ------------------------------------------------------------------- four eyes, audited


def approval_outcome(violation: RuleViolation, approver_id: str) -> ApprovalOutcome:
    """The audit's word for a refused approval (a refund's, or a visit exception's)."""
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


def _attempt(
    desk: Desk,
    actor: Actor,
    *,
    complaint_id: str,
    refund_id: str,
    work_no: str,
    approver_id: str,
    outcome: ApprovalOutcome,
    checked: CheckedRefund,
) -> RefundApproval:
    terminal = desk.terminal()
    return RefundApproval(
        at=desk.clock.now(), complaint_id=complaint_id, refund_id=refund_id, asked_by=actor.id,
        approver_work_no=canonical_pin(work_no).strip()[:16], approver_id=approver_id,
        outcome=outcome.value, amount_fen=to_fen(checked.amount),
        rule_amount_fen=to_fen(checked.quote.rule_amount),
        hall_code=terminal.hall_code, terminal_code=terminal.terminal_code,
    )  # fmt: skip


@dataclass(frozen=True)
class Approval:
    """An approval granted: the approver, and the audit row to write with the refund (in the
    refund's own transaction: an approval whose refund was not written is not one)."""

    approver: Actor
    row: RefundApproval


def approve_beyond_rule(
    desk: Desk,
    actor: Actor,
    form: RefundForm,
    checked: CheckedRefund,
    *,
    complaint_id: str,
    refund_id: str,
) -> Approval:
    """四眼: a manager other than `actor` confirms with their own PIN (a wrong one counts toward
    their lockout). A refused attempt is audited at once, in a transaction of its own, and
    refused in words at the approver's field; nothing else is written."""
    work_no = form.approver_work_no

    def refuse(approver_id: str, outcome: ApprovalOutcome, violation: RuleViolation) -> NoReturn:
        with desk.write(actor.id) as session:
            session.add(_attempt(desk, actor, complaint_id=complaint_id, refund_id=refund_id,
                                 work_no=work_no, approver_id=approver_id, outcome=outcome,
                                 checked=checked))  # fmt: skip
        raise RuleViolation(
            [FieldError("refund_approver", e.key, e.params) for e in violation.errors]
        ) from None

    try:
        approver = verify_manager(desk, work_no, form.approver_pin, field="refund_approver")
    except PermissionRefused as refused:
        refuse(refused.actor.id, ApprovalOutcome.NOT_MANAGER, refused)
    except RuleViolation as violation:
        approver_id = staff_id_of(desk, work_no)
        refuse(approver_id, approval_outcome(violation, approver_id), violation)
    try:
        check_four_eyes(actor.id, approver.id)
    except RuleViolation as violation:
        refuse(approver.id, ApprovalOutcome.SELF, violation)
    row = _attempt(
        desk, actor, complaint_id=complaint_id, refund_id=refund_id, work_no=work_no,
        approver_id=approver.id, outcome=ApprovalOutcome.APPROVED, checked=checked,
    )  # fmt: skip
    return Approval(approver, row)


def staff_id_of(desk: Desk, work_no: str) -> str:
    canonical = canonical_pin(work_no).strip()[:16]
    with desk.read() as session:
        found = session.scalars(
            sa.select(col(Staff.id)).where(col(Staff.work_no) == canonical)
        ).first()
    return found or ""


# ------------------------------------------------------------------------ reading


def refunds_of(session: Session, complaint_id: str) -> list[Refund]:
    return list(
        session.scalars(
            sa.select(Refund)
            .where(col(Refund.complaint_id) == complaint_id)
            .order_by(col(Refund.verified_at), col(Refund.id))
        )
    )


def life_of(refund: Refund) -> RefundLife:
    return RefundLife(refund.id, refund.paid_at, refund.told_at)


def total_of(refunds: list[Refund]) -> Decimal:
    return from_fen(sum(r.amount_fen for r in refunds))


@dataclass(frozen=True)
class RefundView:
    id: str
    amount: str  # yuan, two places
    error_type: str
    state: str  # domain.refund.RefundState


def ticket_refunds(desk: Desk, ticket_id: str) -> list[RefundView]:
    """The refunds of a ticket with their state, for the queue's pay and tell dialogs."""
    with desk.read() as session:
        refunds = refunds_of(session, ticket_id)
    return [
        RefundView(r.id, format_yuan(from_fen(r.amount_fen)), r.error_type,
                   refund_state(r.paid_at, r.told_at).value)
        for r in refunds
    ]  # fmt: skip
