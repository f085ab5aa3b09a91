"""The complaint's state machine (open → dispatched → replied → closed → visited, with reopen)
and the return-visit rules (score mapping, when an unsatisfied visit reopens the ticket)."""

from __future__ import annotations

import itertools

import pytest

from deskapp.domain.enums import Satisfaction, Status
from deskapp.domain.errors import RuleViolation
from deskapp.domain.status import ACTIVE, Move, allowed_moves, next_status
from deskapp.domain.visits import ReopenException, satisfaction_from_score, visit_move
from deskapp.i18n import error_text

OPEN, D, R, C, V = Status.OPEN, Status.DISPATCHED, Status.REPLIED, Status.CLOSED, Status.VISITED

# Written out from docs/domain.md ("The life of a complaint") and issue 3, not read from the code.
ALLOWED: dict[tuple[Status, Move], Status] = {
    (OPEN, Move.DISPATCH): D,
    (OPEN, Move.CLOSE): C,  # solved by the handler without a department
    (D, Move.DISPATCH): D,  # a second department
    (D, Move.DEPARTMENT_REPLY): R,
    (D, Move.CLOSE): C,
    (R, Move.DEPARTMENT_REPLY): R,  # further updates
    (R, Move.DISPATCH): D,  # sent on to another department
    (R, Move.CLOSE): C,
    (C, Move.VISIT): V,
    (C, Move.REOPEN): OPEN,  # 重启工单
}
ALL_PAIRS = list(itertools.product(Status, Move))
REFUSED = [pair for pair in ALL_PAIRS if pair not in ALLOWED]


# ---------------------------------------------------------------- the state machine


@pytest.mark.parametrize(("current", "move"), list(ALLOWED), ids=lambda v: str(v))
def test_every_allowed_move(current: Status, move: Move) -> None:
    assert next_status(current, move) is ALLOWED[(current, move)]


@pytest.mark.parametrize(("current", "move"), REFUSED, ids=lambda v: str(v))
def test_every_other_move_is_refused(current: Status, move: Move) -> None:
    with pytest.raises(RuleViolation) as exc:
        next_status(current, move)
    (error,) = exc.value.errors
    assert (error.field, error.key) == ("status", "error.status.impossible")
    assert error.params == {"status": current.value, "move": move.value}


@pytest.mark.parametrize(
    ("current", "move"),
    [
        (C, Move.CLOSE),  # close a closed ticket
        (V, Move.CLOSE),
        (OPEN, Move.VISIT),  # visit an open one
        (D, Move.VISIT),
        (R, Move.REOPEN),  # only a return visit reopens
        (V, Move.DISPATCH),  # dispatch a visited one
        (C, Move.DISPATCH),
        (OPEN, Move.DEPARTMENT_REPLY),  # a reply before any dispatch
        (V, Move.REOPEN),  # a visited ticket is finished
        (V, Move.VISIT),
    ],
)
def test_named_impossible_moves(current: Status, move: Move) -> None:
    with pytest.raises(RuleViolation) as exc:
        next_status(current, move)
    assert exc.value.keys() == {"error.status.impossible"}


def test_the_refusal_reads_in_chinese_with_the_current_status() -> None:
    with pytest.raises(RuleViolation) as exc:
        next_status(C, Move.CLOSE)
    assert error_text(exc.value.errors[0]) == "当前状态“已结案”不能执行此操作"


def test_there_is_something_to_refuse_and_something_to_allow() -> None:
    # Guards the parametrisations above against both lists silently coming out empty.
    assert len(ALLOWED) == 10
    assert len(REFUSED) == len(Status) * len(Move) - 10 == 15


@pytest.mark.parametrize(
    ("current", "moves"),
    [
        (OPEN, {Move.DISPATCH, Move.CLOSE}),
        (D, {Move.DISPATCH, Move.DEPARTMENT_REPLY, Move.CLOSE}),
        (R, {Move.DISPATCH, Move.DEPARTMENT_REPLY, Move.CLOSE}),
        (C, {Move.VISIT, Move.REOPEN}),
        (V, set()),
    ],
)
def test_allowed_moves(current: Status, moves: set[Move]) -> None:
    found = allowed_moves(current)
    assert set(found) == moves
    assert len(found) == len(moves)  # no move listed twice


def test_active_statuses_are_the_ones_still_being_worked_on() -> None:
    assert {OPEN, D, R} == ACTIVE


def test_a_full_life_including_one_reopened_round() -> None:
    status = OPEN
    for move in (
        Move.DISPATCH,
        Move.DEPARTMENT_REPLY,
        Move.DISPATCH,
        Move.DEPARTMENT_REPLY,
        Move.CLOSE,
        Move.REOPEN,
        Move.CLOSE,
        Move.VISIT,
    ):
        status = next_status(status, move)
    assert status is V


# ---------------------------------------------------------------- return visits


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        (1, Satisfaction.UNSATISFIED),
        (2, Satisfaction.UNSATISFIED),
        (3, Satisfaction.UNSATISFIED),
        (4, Satisfaction.UNSATISFIED),
        (5, Satisfaction.UNSATISFIED),
        (6, Satisfaction.UNSATISFIED),
        (7, Satisfaction.BASICALLY_SATISFIED),
        (8, Satisfaction.BASICALLY_SATISFIED),
        (9, Satisfaction.SATISFIED),
        (10, Satisfaction.SATISFIED),
    ],
)
def test_score_mapping(score: int, expected: Satisfaction) -> None:
    assert satisfaction_from_score(score) is expected


@pytest.mark.parametrize("score", [0, 11, -1, 100])
def test_scores_outside_one_to_ten_are_refused(score: int) -> None:
    with pytest.raises(RuleViolation) as exc:
        satisfaction_from_score(score)
    (error,) = exc.value.errors
    assert (error.field, error.key) == ("score", "error.visit.score_range")


def test_an_unsatisfied_visit_reopens_the_ticket() -> None:
    assert visit_move(Satisfaction.UNSATISFIED, None) is Move.REOPEN
    assert next_status(C, visit_move(Satisfaction.UNSATISFIED, None)) is OPEN


@pytest.mark.parametrize("exception", list(ReopenException))
def test_the_two_exceptions_do_not_reopen(exception: ReopenException) -> None:
    assert visit_move(Satisfaction.UNSATISFIED, exception) is Move.VISIT
    assert next_status(C, visit_move(Satisfaction.UNSATISFIED, exception)) is V


def test_the_exceptions_are_exactly_compensation_and_company_policy() -> None:
    assert {e.value for e in ReopenException} == {"compensation_only", "company_policy"}


@pytest.mark.parametrize(
    "satisfaction",
    [Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED, Satisfaction.DECLINED],
)
@pytest.mark.parametrize("exception", [None, *ReopenException])
def test_a_customer_who_is_not_unsatisfied_is_visited(
    satisfaction: Satisfaction, exception: ReopenException | None
) -> None:
    assert visit_move(satisfaction, exception) is Move.VISIT


@pytest.mark.parametrize(("score", "reopens"), [(6, True), (7, False), (9, False), (1, True)])
def test_a_score_decides_the_move(score: int, reopens: bool) -> None:
    move = visit_move(satisfaction_from_score(score), None)
    assert (move is Move.REOPEN) is reopens
