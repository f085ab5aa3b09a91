"""收费误差,双倍返还 (the double-refund rule) and 不允许过度赔付 (no over-compensation).

For a verified billing error the customer gets back twice the positive difference between
what was charged and what should have been charged. Nothing is refunded for a zero or
negative difference, and nothing beyond the rule is paid without a manager's approval."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from deskapp.domain.money import CENT


@dataclass(frozen=True)
class RefundQuote:
    charged: Decimal
    should_have_charged: Decimal

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
        """What the rule allows: 2 × (charged − should_have_charged), only when positive."""
        return (2 * self.difference).quantize(CENT) if self.eligible else Decimal("0.00")

    def exceeds_rule(self, amount: Decimal) -> bool:
        return amount > self.rule_amount


def double_refund(charged: Decimal, should_have_charged: Decimal) -> RefundQuote:
    return RefundQuote(charged=charged, should_have_charged=should_have_charged)
