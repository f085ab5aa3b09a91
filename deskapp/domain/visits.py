"""回访: the return visit after closing, and when an unsatisfied visit reopens the ticket.

A 10-point score reads 5–6 unsatisfied, 7–8 generally satisfied, 9–10 delighted (below 5 is
unsatisfied too). An unsatisfied visit reopens the ticket (重启工单, counted against the hall)
unless the customer only disputes the compensation amount or the handling followed company
policy (docs/domain.md, "The life of a complaint")."""

from __future__ import annotations

from enum import StrEnum

from deskapp.domain.enums import Satisfaction
from deskapp.domain.errors import RuleViolation
from deskapp.domain.status import Move


class ReopenException(StrEnum):
    COMPENSATION_ONLY = "compensation_only"  # only the compensation amount is disputed
    COMPANY_POLICY = "company_policy"  # handled per company policy


def satisfaction_from_score(score: int) -> Satisfaction:
    if not 1 <= score <= 10:
        raise RuleViolation.single("score", "error.visit.score_range")
    if score >= 9:
        return Satisfaction.SATISFIED
    if score >= 7:
        return Satisfaction.BASICALLY_SATISFIED
    return Satisfaction.UNSATISFIED


def visit_move(satisfaction: Satisfaction, exception: ReopenException | None) -> Move:
    """REOPEN for an unsatisfied customer outside the two exceptions; VISIT otherwise."""
    if satisfaction is Satisfaction.UNSATISFIED and exception is None:
        return Move.REOPEN
    return Move.VISIT
