"""Sign-in across the hall: wrong PINs typed at different terminals add up once they have
synchronized (signin_event rows merge as a set), a lock and an unlock reach every terminal, and
a member deactivated on one terminal signs in on no other once synchronized. Two terminals and
a hall store (SQLite, and PostgreSQL when DESKAPP_TEST_PG_URL is set)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from svc_forms import PINS
from sync_kit import Term, first_terminal, new_terminal, tick

from deskapp.domain.enums import Role
from deskapp.domain.errors import RuleViolation
from deskapp.services.staff import (
    add_first_hall_manager,
    list_staff,
    locked_work_numbers,
    set_active,
    sign_in,
    signin_events,
    unlock,
)
from deskapp.sync import sync


@pytest.fixture
def hall(tmp_path: Path, hall_url: str) -> Iterator[tuple[Term, Term, str]]:
    """T01 with the staff, T02 joined (it has the staff from the hall); clocks together."""
    t01 = first_terminal(tmp_path)
    assert sync(t01.desk, hall_url).ok
    t02 = new_terminal(tmp_path, "T02")
    assert sync(t02.desk, hall_url).ok
    try:
        yield t01, t02, hall_url
    finally:
        t01.close()
        t02.close()


def answer(term: Term, work_no: str, pin: str) -> str:
    """The key of sign-in's answer ("ok" when signed in)."""
    try:
        sign_in(term.desk, work_no, pin)
    except RuleViolation as refused:
        return refused.errors[0].key
    return "ok"


def sync_all(hall_url: str, *terms: Term) -> None:
    """Each pushes, then each pulls what the others pushed."""
    for term in (*terms, *terms):
        assert sync(term.desk, hall_url).ok


def test_five_wrong_pins_on_two_terminals_lock_the_work_number_on_both(
    hall: tuple[Term, Term, str],
) -> None:
    t01, t02, url = hall
    for _ in range(3):
        assert answer(t01, "1001", "0000") == "error.signin.wrong"
    tick([t01, t02])
    for _ in range(2):
        assert answer(t02, "1001", "0000") == "error.signin.wrong"
    # What remains: before they synchronize, each terminal counts only its own wrong PINs.
    assert locked_work_numbers(t01.desk) == {} and locked_work_numbers(t02.desk) == {}
    sync_all(url, t01, t02)
    tick([t01, t02])
    for term in (t01, t02):
        assert "1001" in locked_work_numbers(term.desk)
        assert answer(term, "1001", PINS["1001"]) == "error.signin.locked"  # even the right PIN
    assert answer(t01, "1002", PINS["1002"]) == "ok"  # nobody else is affected
    # Audited: every wrong PIN from both terminals, and the lock, on each terminal.
    sync_all(url, t01, t02)
    for term in (t01, t02):
        seen = signin_events(term.desk, term.clock.now() - timedelta(hours=1))
        failed = [e for e in seen if e.work_no == "1001" and e.kind == "failed"]
        assert sorted(e.terminal for e in failed) == ["GZ01-T01"] * 3 + ["GZ01-T02"] * 2
        assert any(e.kind == "locked" and e.work_no == "1001" for e in seen)
        assert failed[0].name == "张敏"


def test_the_lock_ends_for_the_whole_hall_at_its_time(hall: tuple[Term, Term, str]) -> None:
    t01, t02, url = hall
    for _ in range(5):
        answer(t01, "1001", "0000")
    sync_all(url, t01, t02)
    assert answer(t02, "1001", PINS["1001"]) == "error.signin.locked"
    tick([t01, t02], timedelta(minutes=5))
    assert answer(t02, "1001", PINS["1001"]) == "ok"


def test_a_hall_managers_unlock_reaches_the_other_terminal(
    hall: tuple[Term, Term, str],
) -> None:
    t01, t02, url = hall
    for _ in range(5):
        answer(t02, "1001", "0000")
    sync_all(url, t01, t02)
    tick([t01, t02])
    unlock(t01.desk, t01.actors["3001"], "1001")
    assert answer(t02, "1001", PINS["1001"]) == "error.signin.locked"  # not yet synchronized
    sync_all(url, t01, t02)
    tick([t01, t02])
    assert answer(t02, "1001", PINS["1001"]) == "ok"


def test_a_right_pin_on_one_terminal_ends_the_count_on_the_other(
    hall: tuple[Term, Term, str],
) -> None:
    t01, t02, url = hall
    for _ in range(4):
        answer(t01, "1001", "0000")
    sync_all(url, t01, t02)
    tick([t01, t02])
    assert answer(t02, "1001", PINS["1001"]) == "ok"
    sync_all(url, t01, t02)
    tick([t01, t02])
    assert answer(t01, "1001", "0000") == "error.signin.wrong"  # a new count: 4 left


def test_a_member_deactivated_on_one_terminal_signs_in_on_no_other_once_synchronized(
    hall: tuple[Term, Term, str],
) -> None:
    t01, t02, url = hall
    set_active(t01.desk, t01.actors["3001"], t01.actors["1002"].id, False)
    assert answer(t01, "1002", PINS["1002"]) == "error.signin.inactive"
    # What remains: a terminal that has not synchronized since still lets them in.
    assert answer(t02, "1002", PINS["1002"]) == "ok"
    sync_all(url, t01, t02)
    assert answer(t02, "1002", PINS["1002"]) == "error.signin.inactive"


def test_a_hall_manager_renamed_by_a_work_number_collision_does_not_count_as_the_last_one(
    tmp_path: Path, hall: tuple[Term, Term, str]
) -> None:
    """A fresh terminal's first hall manager took a work number the hall already has (1001):
    after the sync it is `1001~<id>`, active but nobody can sign in as it. It is not the hall
    manager who keeps the hall managed: the real last one still cannot be deactivated."""
    t01, t02, url = hall
    t03 = new_terminal(tmp_path, "T03")
    try:
        tick([t01, t02, t03])
        add_first_hall_manager(t03.desk, "system:cli", "1001", "新厅经理", PINS["1001"])
        sync_all(url, t01, t03)
        losers = [s for s in list_staff(t01.desk) if s.work_no.startswith("1001~")]
        assert len(losers) == 1 and losers[0].role == Role.HALL_MANAGER.value
        hm = t01.actors["3001"]
        with pytest.raises(RuleViolation) as refused:
            set_active(t01.desk, hm, hm.id, False)
        assert refused.value.keys() == {"error.staff.last_hall_manager"}
        assert answer(t01, "3001", PINS["3001"]) == "ok"
    finally:
        t03.close()
