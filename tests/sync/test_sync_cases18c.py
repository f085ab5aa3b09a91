"""Issue 18 (rules18c): whatever order two terminals mark, retire and synchronize the cases of
one closed ticket, exactly one unretired case is in force while any is unretired (the one marked
first: marked_at, then the id), the morning page shows it, marking again is refused; and a
ticket with no unretired case may be marked again. On a SQLite hall and the PostgreSQL hall."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sync_kit import Term, assert_identical, first_terminal, new_terminal, take, tick

from deskapp.domain.errors import RuleViolation
from deskapp.services import followup
from deskapp.services.cases import case_page, mark_case, retire_case, write_case_page
from deskapp.services.demo import closing_facts
from deskapp.store.models import TeachingCase
from deskapp.sync import sync


def _synced(term: Term, hall_url: str) -> None:
    result = sync(term.desk, hall_url)
    assert result.ok and result.quarantined == 0 and result.refused == 0, result.message


def _closed_ticket(a: Term, b: Term, hall_url: str) -> str:
    for term in (a, b):
        _synced(term, hall_url)
    ticket = take(a, contact_phone="13911112222")
    followup.close(a.desk, a.actors["1001"], ticket, outcome="当场解决",
                   facts=closing_facts(a.desk, ticket))  # fmt: skip
    for term in (a, b):
        _synced(term, hall_url)
    return ticket


def _mark_apart(a: Term, b: Term, ticket: str, lesson: str, b_first: bool) -> tuple[str, str]:
    """The ticket marked on both terminals apart: (the one marked first, the other)."""
    terms = (b, a) if b_first else (a, b)
    first = mark_case(
        terms[0].desk, terms[0].actors["2001"], ticket, f"{lesson}甲", "营业厅核实后当场处理"
    ).id
    tick([a, b])
    second = mark_case(
        terms[1].desk, terms[1].actors["3001"], ticket, f"{lesson}乙", "营业厅核实后当场处理"
    ).id
    tick([a, b])
    return first, second


def _holds_the_rule(term: Term, ticket: str, tmp_path: Path) -> list[str]:
    """The rule on one terminal; returns the unretired cases, the one in force first."""
    with term.desk.read() as s:
        rows = s.execute(sa.select(TeachingCase.id, TeachingCase.marked_at, TeachingCase.lesson)
                         .where(TeachingCase.complaint_id == ticket,
                                TeachingCase.retired_at.is_(None))).all()  # fmt: skip
    unretired = sorted(rows, key=lambda r: (r.marked_at, r.id))
    listed = {v.id: v.in_force for v in case_page(term.desk).rows}
    assert listed == {r.id: i == 0 for i, r in enumerate(unretired)}
    page = write_case_page(term.desk, tmp_path / f"page-{term.code}").read_text(encoding="utf-8")
    for i, r in enumerate(unretired):
        assert (r.lesson in page) == (i == 0)
    if unretired:
        with pytest.raises(RuleViolation) as again:
            mark_case(term.desk, term.actors["2001"], ticket, "第三条经验", "营业厅核实后当场处理")
        assert again.value.keys() == {"error.case.already_marked"}
    return [r.id for r in unretired]


# Who retires which case of the two marked apart ("first" is in force), on which terminal,
# in this order, without a sync between: each plan the attacker found or its mirror.
PLANS = {
    "A-flagged-then-in-force": [("a", "second"), ("a", "first")],
    "A-in-force-then-flagged": [("a", "first"), ("a", "second")],
    "B-in-force_A-flagged": [("b", "first"), ("a", "second")],
    "A-in-force_B-flagged": [("a", "first"), ("b", "second")],
    "flagged-only": [("b", "second")],
    "in-force-only": [("a", "first")],
}


@pytest.mark.parametrize("b_first", [False, True], ids=["A-marks-first", "B-marks-first"])
@pytest.mark.parametrize("plan", list(PLANS.values()), ids=list(PLANS))
@pytest.mark.parametrize("sync_order", ["ab", "ba"])
def test_one_unretired_case_is_in_force_in_every_order(
    tmp_path: Path, hall_url: str, plan: list[tuple[str, str]], b_first: bool, sync_order: str
) -> None:
    a = first_terminal(tmp_path / "a")
    b = new_terminal(tmp_path / "b", "T02")
    terms = {"a": a, "b": b}
    order = [terms[k] for k in sync_order]
    try:
        ticket = _closed_ticket(a, b, hall_url)
        first, second = _mark_apart(a, b, ticket, "先听完再解释", b_first)
        for term in (*order, order[0]):
            _synced(term, hall_url)
        for term in (a, b):
            assert _holds_the_rule(term, ticket, tmp_path) == [first, second]
        cases = {"first": first, "second": second}
        for who, which in plan:
            retire_case(terms[who].desk, terms[who].actors["3001"], cases[which])
            tick([a, b])
            _holds_the_rule(terms[who], ticket, tmp_path)  # at any time, before the sync too
        for term in (*order, order[0]):
            _synced(term, hall_url)
        left = [c for c in (first, second) if c not in {cases[w] for _, w in plan}]
        for term in (a, b):
            assert _holds_the_rule(term, ticket, tmp_path) == left
        assert_identical([a, b])
        if left:
            return
        # None left: the ticket is marked again on both terminals apart, then synchronized.
        third, fourth = _mark_apart(a, b, ticket, "第三条经验", b_first)
        for term in (a, b):
            assert len(_holds_the_rule(term, ticket, tmp_path)) == 1
        for term in (*order, order[0]):
            _synced(term, hall_url)
        for term in (a, b):
            assert _holds_the_rule(term, ticket, tmp_path) == [third, fourth]
        assert_identical([a, b])
        retire_case(b.desk, b.actors["3001"], third)  # the one in force: the other takes over
        for term in (b, a):
            _synced(term, hall_url)
        for term in (a, b):
            assert _holds_the_rule(term, ticket, tmp_path) == [fourth]
    finally:
        a.close()
        b.close()
