"""退费: 收费误差,双倍返还 (the double-refund rule), 不允许过度赔付 (no over-compensation), 先查证后
退费, the four-eyes approval of a refund beyond the rule, and a refund's life (recorded and
approved where needed → paid → customer told) with what a ticket may not do meanwhile.

The error type decides the rule (data/refund_errors.toml): for the six billing errors the job
manual lists the customer gets back twice the positive difference between what was charged and
what should have been charged; for any other error the difference itself. Nothing is refunded
for a zero or negative difference, and nothing beyond the rule is paid without the approval of
a manager other than the person recording the refund."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from deskapp.domain.errors import RuleViolation
from deskapp.domain.money import CENT, format_yuan

DOUBLE = 2  # 双倍返还
SINGLE = 1  # the difference itself


@dataclass(frozen=True)
class RefundQuote:
    charged: Decimal
    should_have_charged: Decimal
    factor: int = DOUBLE  # 2 for the six billing errors, 1 for any other error type

    def __post_init__(self) -> None:
        # Money is never float: 0.1 + 0.2 is not 0.3, and a refund must be exact.
        if not isinstance(self.charged, Decimal) or not isinstance(
            self.should_have_charged, Decimal
        ):
            raise TypeError("refund amounts are Decimal yuan, never float")

    @property
    def difference(self) -> Decimal:
        return (self.charged - self.should_have_charged).quantize(CENT)

    @property
    def eligible(self) -> bool:
        return self.difference > 0

    @property
    def rule_amount(self) -> Decimal:
        """What the rule allows: factor × (charged − should_have_charged), only when positive."""
        return (self.factor * self.difference).quantize(CENT) if self.eligible else Decimal("0.00")

    def exceeds_rule(self, amount: Decimal, same_kind: Decimal = Decimal("0.00")) -> bool:
        """Beyond the rule, per ticket: `same_kind` is what the ticket's refunds of the same
        error type already came to. They count toward the rule's amount, so the same charge
        refunded again, or a refund split into small ones, is beyond the rule too (it needs a
        manager's approval like one refund beyond it)."""
        return amount + same_kind > self.rule_amount


def double_refund(charged: Decimal, should_have_charged: Decimal) -> RefundQuote:
    return RefundQuote(charged=charged, should_have_charged=should_have_charged)


def refund_quote(charged: Decimal, should_have_charged: Decimal, double: bool) -> RefundQuote:
    """The rule of an error type: `double` for the six billing errors of the job manual
    (data/refund_errors.toml), the difference itself for any other."""
    factor = DOUBLE if double else SINGLE
    return RefundQuote(charged=charged, should_have_charged=should_have_charged, factor=factor)


def check_ceiling(
    amount: Decimal, already_paid: Decimal, maximum: Decimal, field: str = "refund_amount"
) -> None:
    """The refund ceiling (data/hall.toml [refund] max_amount) bounds what is paid: the amount
    the rule gives when none is typed, and the ticket's refunds together, not only what is
    typed into one field."""
    if amount + already_paid > maximum:
        raise RuleViolation.single(
            field,
            "error.refund.ceiling",
            maximum=format_yuan(maximum),
            already=format_yuan(already_paid),
        )


def check_four_eyes(
    recorded_by: str,
    approver_id: str,
    field: str = "refund_approver",
    key: str = "error.refund.self_approval",
) -> None:
    """四眼原则: a refund beyond the rule is approved by a manager other than the person
    recording it (a duty manager recording their own refund cannot approve it themselves);
    so is a visit's unsatisfied exception (the visit's own words in `key`)."""
    if recorded_by == approver_id:
        raise RuleViolation.single(field, key)


class ApprovalOutcome(StrEnum):
    """What became of one attempt to approve a refund beyond the rule (the audit's words)."""

    APPROVED = "approved"
    SELF = "self"  # the approver is the person recording it
    NOT_MANAGER = "not_manager"  # the approver's role may not approve
    WRONG_PIN = "wrong_pin"  # counts toward the approver's lockout
    LOCKED = "locked"  # the approver's work number is locked
    UNKNOWN = "unknown"  # no such active staff member


class RefundState(StrEnum):
    """A refund's life: recorded (and approved, where needed) → paid → customer told."""

    APPROVED = "approved"
    PAID = "paid"
    TOLD = "told"


def refund_state(paid_at: datetime | None, told_at: datetime | None) -> RefundState:
    if paid_at is None:
        return RefundState.APPROVED
    return RefundState.TOLD if told_at is not None else RefundState.PAID


@dataclass(frozen=True)
class RefundLife:
    """What the rules read of one refund."""

    id: str
    paid_at: datetime | None
    told_at: datetime | None


def unpaid(refunds: Iterable[RefundLife]) -> list[RefundLife]:
    """The refunds approved but not paid: the pay clock runs for each, and the ticket cannot be
    closed while there is one."""
    return [r for r in refunds if refund_state(r.paid_at, r.told_at) is RefundState.APPROVED]


def check_closable_with_refunds(refunds: Iterable[RefundLife]) -> None:
    """A ticket cannot be closed while a refund is approved but not paid."""
    waiting = unpaid(refunds)
    if waiting:
        raise RuleViolation.single("status", "error.refund.unpaid", count=len(waiting))


def check_payable(life: RefundLife) -> None:
    if life.paid_at is not None:
        raise RuleViolation.single("refund", "error.refund.already_paid")


def check_tellable(life: RefundLife) -> None:
    """The customer is told of a refund once it is paid (account credit or cash)."""
    if life.paid_at is None:
        raise RuleViolation.single("refund", "error.refund.not_paid")
    if life.told_at is not None:
        raise RuleViolation.single("refund", "error.refund.already_told")


def paid_late(paid_at: datetime | None, due: datetime, now: datetime) -> bool:
    """Paid after its pay clock's deadline, or still unpaid past it."""
    return (paid_at if paid_at is not None else now) > due
