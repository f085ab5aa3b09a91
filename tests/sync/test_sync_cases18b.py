"""Issue 18 (batch18b): two managers at two terminals apart mark the same closed ticket as a
case. After the sync the one marked first is in force, the other flagged. A manager retiring
the case in force (not the flagged one) leaves the flagged case in force on every replica:
it is in force, the morning page shows it, and marking the ticket again is refused as already
marked. Both cases retired apart (one on each terminal) leave none in the library anywhere,
and the ticket can be marked again. On a SQLite hall and the PostgreSQL hall."""

from __future__ import annotations

from pathlib import Path

import pytest
from sync_kit import Term, assert_identical, first_terminal, new_terminal, take, tick

from deskapp.domain.errors import RuleViolation
from deskapp.services import followup
from deskapp.services.cases import case_page, mark_case, retire_case, write_case_page
from deskapp.services.demo import closing_facts
from deskapp.sync import sync


def _synced(term: Term, hall_url: str) -> None:
    result = sync(term.desk, hall_url)
    assert result.ok and result.quarantined == 0 and result.refused == 0, result.message


def _two_cases(a: Term, b: Term, hall_url: str) -> tuple[str, str, str]:
    """The same closed ticket marked on both terminals apart, then synchronized: (ticket,
    the case in force, the flagged one)."""
    for term in (a, b):
        _synced(term, hall_url)
    ticket = take(a, contact_phone="13911112222")
    followup.close(a.desk, a.actors["1001"], ticket, outcome="当场解决",
                   facts=closing_facts(a.desk, ticket))  # fmt: skip
    for term in (a, b):
        _synced(term, hall_url)
    first = mark_case(a.desk, a.actors["2001"], ticket, "先听完再解释", "营业厅核实后当场处理").id
    tick([a, b])
    second = mark_case(b.desk, b.actors["3001"], ticket, "先测速再解释", "营业厅核实后当场处理").id
    for term in (a, b, a):
        _synced(term, hall_url)
    for term in (a, b):
        listed = {v.id: v.in_force for v in case_page(term.desk).rows}
        assert listed == {first: True, second: False}
    return ticket, first, second


def test_retiring_the_case_in_force_hands_the_ticket_to_the_flagged_case(
    tmp_path: Path, hall_url: str
) -> None:
    a = first_terminal(tmp_path / "a")
    b = new_terminal(tmp_path / "b", "T02")
    try:
        ticket, first, second = _two_cases(a, b, hall_url)
        tick([a, b])
        retire_case(a.desk, a.actors["3001"], first)
        assert [(v.id, v.in_force) for v in case_page(a.desk).rows] == [(second, True)]
        for term in (a, b):
            _synced(term, hall_url)
        for term in (a, b):
            assert [(v.id, v.in_force) for v in case_page(term.desk).rows] == [(second, True)]
            page = write_case_page(term.desk, tmp_path / f"page-{term.code}")
            assert "先测速再解释" in page.read_text(encoding="utf-8")
            with pytest.raises(RuleViolation) as again:  # the ticket is a case once
                mark_case(
                    term.desk, term.actors["2001"], ticket, "第三条经验", "营业厅核实后当场处理"
                )
            assert again.value.keys() == {"error.case.already_marked"}
        assert_identical([a, b])
    finally:
        a.close()
        b.close()


def test_both_cases_retired_apart_leave_none_and_the_ticket_can_be_marked_again(
    tmp_path: Path, hall_url: str
) -> None:
    a = first_terminal(tmp_path / "a")
    b = new_terminal(tmp_path / "b", "T02")
    try:
        ticket, first, second = _two_cases(a, b, hall_url)
        tick([a, b])
        retire_case(b.desk, b.actors["3001"], second)  # the flagged one, on one terminal
        tick([a, b])
        retire_case(a.desk, a.actors["3001"], first)  # the one in force, on the other
        for term in (a, b, a, b):
            _synced(term, hall_url)
        for term in (a, b):
            assert case_page(term.desk).rows == []
        assert_identical([a, b])
        new = mark_case(b.desk, b.actors["2001"], ticket, "第三条经验", "营业厅核实后当场处理").id
        for term in (b, a):
            _synced(term, hall_url)
        for term in (a, b):
            assert [(v.id, v.in_force) for v in case_page(term.desk).rows] == [(new, True)]
            # In force by the order of marking, whatever key the merge left it (rules18c).
            with pytest.raises(RuleViolation) as again:
                mark_case(
                    term.desk, term.actors["2001"], ticket, "第四条经验", "营业厅核实后当场处理"
                )
            assert again.value.keys() == {"error.case.already_marked"}
        assert_identical([a, b])
    finally:
        a.close()
        b.close()
