"""The state machine of a complaint: open → dispatched → replied → closed → visited, with
reopen (重启工单) when a return visit finds the customer unsatisfied. An impossible move is
refused here, whoever asks for it."""

from __future__ import annotations

from enum import StrEnum

from deskapp.domain.enums import Status
from deskapp.domain.errors import RuleViolation


class Move(StrEnum):
    DISPATCH = "dispatch"  # 派单 to a cooperating department
    DEPARTMENT_REPLY = "department_reply"  # the department answers
    CLOSE = "close"  # 结案 with the outcome
    VISIT = "visit"  # 回访: the customer is no longer unsatisfied
    REOPEN = "reopen"  # 重启工单: an unsatisfied return visit


TRANSITIONS: dict[tuple[Status, Move], Status] = {
    (Status.OPEN, Move.DISPATCH): Status.DISPATCHED,
    (Status.OPEN, Move.CLOSE): Status.CLOSED,
    (Status.DISPATCHED, Move.DISPATCH): Status.DISPATCHED,  # a second department
    (Status.DISPATCHED, Move.DEPARTMENT_REPLY): Status.REPLIED,
    (Status.DISPATCHED, Move.CLOSE): Status.CLOSED,
    (Status.REPLIED, Move.DEPARTMENT_REPLY): Status.REPLIED,  # further updates
    (Status.REPLIED, Move.DISPATCH): Status.DISPATCHED,
    (Status.REPLIED, Move.CLOSE): Status.CLOSED,
    (Status.CLOSED, Move.VISIT): Status.VISITED,
    (Status.CLOSED, Move.REOPEN): Status.OPEN,
}

# Still being worked on: shows in the follow-up queue with its clocks.
ACTIVE = frozenset({Status.OPEN, Status.DISPATCHED, Status.REPLIED})


def next_status(current: Status, move: Move) -> Status:
    try:
        return TRANSITIONS[(current, move)]
    except KeyError:
        raise RuleViolation.single(
            "status", "error.status.impossible", status=current.value, move=move.value
        ) from None


def allowed_moves(current: Status) -> list[Move]:
    return [move for (status, move) in TRANSITIONS if status is current]


def needs_investigation(internal: bool, investigated: bool) -> bool:
    """内部投诉 closes only with its investigation record in four parts (the facts as
    restored, the person mainly responsible, the outcome, the improvement: DOMAIN.md,
    External and internal), so never on the spot and never before the record."""
    return internal and not investigated
