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


class ReopenCause(StrEnum):
    """重启工单: why the ticket had to be reopened (the branch counts reopens by cause)."""

    OVERDUE = "overdue"  # overdue handling
    BROKEN_PROMISE = "broken_promise"  # a promise to the customer not kept
    PASSING_BUCK = "passing_buck"  # passing the buck (推诿)
    OTHER = "other"  # other, in words


VISIT_QUESTIONS = ("attitude", "speed", "result")  # 服务态度, 处理速度, 处理结果
ANSWERS = (Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED, Satisfaction.UNSATISFIED)


def check_answers(answers: dict[str, str]) -> dict[str, str]:
    """The guidelines' questions, each satisfied / basically / unsatisfied (or not asked)."""
    allowed = {a.value for a in ANSWERS}
    for question in VISIT_QUESTIONS:
        value = answers.get(question, "")
        if value and value not in allowed:
            raise RuleViolation.single(question, "error.required")
    return {q: answers.get(q, "") for q in VISIT_QUESTIONS}


def check_reopen_cause(move: Move, cause: str, note: str) -> ReopenCause | None:
    """A visit that reopens the ticket (重启工单) says why, from the list (other: in words):
    required, reports count reopens by cause (events written before this rule read as
    unrecorded)."""
    if move is not Move.REOPEN:
        return None
    try:
        chosen = ReopenCause(cause)
    except ValueError:
        raise RuleViolation.single("reopen_cause", "error.visit.reopen_cause") from None
    if chosen is ReopenCause.OTHER and not note.strip():
        raise RuleViolation.single("note", "error.visit.reopen_other")
    return chosen


def exception_needs_approval(satisfaction: Satisfaction, exception: ReopenException | None) -> bool:
    """Reporting an unsatisfied result under one of the two exceptions needs a manager's
    approval (the marketing manager and the leader in charge agree first)."""
    return satisfaction is Satisfaction.UNSATISFIED and exception is not None
