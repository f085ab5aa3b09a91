"""Issue 18: two terminals apart put the same customer on the watch list. After the sync every
replica has one entry in force (the one listed first: intake shows it), the other flagged for
a manager with a conflict record; the manager retires it on one terminal, and after the next
sync every replica has one active entry. On a SQLite hall and the PostgreSQL hall."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sync_kit import Term, assert_identical, first_terminal, new_terminal, tick

from deskapp.services.customer import (
    WatchForm,
    save_watch_entry,
    watch_for_customer,
    watch_list,
)
from deskapp.sync import list_conflicts, sync

NUMBER = "13912340000"


def _synced(term: Term, hall_url: str) -> None:
    result = sync(term.desk, hall_url)
    assert result.ok and result.quarantined == 0 and result.refused == 0, result.message


def _form(advice: str, active: bool = True) -> WatchForm:
    return WatchForm(customer=NUMBER, kind="difficult", advice=advice, review_on="2027-06-30",
                     active=active)  # fmt: skip


@dataclass
class Listed:
    """Terminals A and B, each of which put the customer on the list apart (A first), then
    synchronized (A, B, A): `first` is A's entry, `second` B's."""

    a: Term
    b: Term
    first: str
    second: str

    def terminals_and_entries(self) -> tuple[Term, Term, str, str]:
        return self.a, self.b, self.first, self.second


@pytest.fixture
def listed_apart(tmp_path: Path, hall_url: str) -> Iterator[Listed]:
    a = first_terminal(tmp_path / "a")
    b = new_terminal(tmp_path / "b", "T02")
    try:
        for term in (a, b):
            _synced(term, hall_url)
        first = save_watch_entry(a.desk, a.actors["2001"], _form("先听完再解释")).id
        tick([a, b])
        second = save_watch_entry(b.desk, b.actors["3001"], _form("请值班经理出面")).id
        for term in (a, b, a):
            _synced(term, hall_url)
        yield Listed(a, b, first, second)
    finally:
        a.close()
        b.close()


def test_two_terminals_listing_one_customer_end_with_one_entry_in_force(
    hall_url: str, listed_apart: Listed
) -> None:
    a, b, first, second = listed_apart.terminals_and_entries()
    for term in (a, b):
        seen = watch_for_customer(term.desk, term.actors["1001"], NUMBER)
        assert seen is not None and seen.id == first  # the one listed first, everywhere
        listed = {v.id: v.in_force for v in watch_list(term.desk, term.actors["2001"])}
        assert listed == {first: True, second: False}  # F10 shows the other, flagged
        (conflict,) = list_conflicts(term.desk)
        assert conflict.entity_id == second and conflict.todo == "conflict_todo.active_key"
    # The manager settles it: the other entry retired (its notes merged by hand).
    save_watch_entry(b.desk, b.actors["3001"], _form("请值班经理出面", active=False), second)
    for term in (b, a):
        _synced(term, hall_url)
    for term in (a, b):
        listed = watch_list(term.desk, term.actors["2001"])
        assert [(v.id, v.in_force) for v in listed] == [(first, True)]
    assert_identical([a, b])


def test_retiring_the_entry_in_force_hands_the_number_to_the_other_and_the_export_says_which(
    tmp_path: Path, hall_url: str, listed_apart: Listed
) -> None:
    """fix18a: the manager retires the entry in force instead of the flagged one: the other
    active entry takes the number on every replica, and intake shows it. Before, the export
    says which entry is in force."""
    import csv

    from deskapp.services.customer import export_watch_list

    a, b, first, second = listed_apart.terminals_and_entries()
    rows = list(csv.reader(export_watch_list(a.desk, a.actors["3001"], tmp_path / "x")
                           .open(encoding="utf-8-sig", newline="")))  # fmt: skip
    assert rows[0][-1] == "生效"
    assert sorted(r[-1] for r in rows[1:]) == ["否(同步冲突)", "是"]
    # The manager keeps the later entry's notes and retires the one in force.
    save_watch_entry(a.desk, a.actors["3001"], _form("先听完再解释", active=False), first)
    seen = watch_for_customer(a.desk, a.actors["1001"], NUMBER)
    assert seen is not None and seen.id == second and seen.in_force
    for term in (a, b):
        _synced(term, hall_url)
    for term in (a, b):
        seen = watch_for_customer(term.desk, term.actors["1001"], NUMBER)
        assert seen is not None and seen.id == second  # intake shows the alert again
        listed = watch_list(term.desk, term.actors["2001"])
        assert [(v.id, v.in_force) for v in listed] == [(second, True)]
    assert_identical([a, b])
    c = new_terminal(tmp_path / "c", "T03")  # joins afterwards: the same
    try:
        _synced(c, hall_url)
        seen = watch_for_customer(c.desk, c.actors["1001"], NUMBER)
        assert seen is not None and seen.id == second
        assert_identical([a, b, c])
    finally:
        c.close()


def test_both_entries_retired_apart_leave_no_alert_anywhere(
    hall_url: str, listed_apart: Listed
) -> None:
    """Found by the re-check of issue 18: the flagged entry retired on one terminal, the one in
    force on the other (which hands it the number): once synchronized no terminal alerts."""
    a, b, first, second = listed_apart.terminals_and_entries()
    tick([a, b])
    save_watch_entry(b.desk, b.actors["3001"], _form("请值班经理出面", active=False), second)
    tick([a, b])
    save_watch_entry(a.desk, a.actors["3001"], _form("先听完再解释", active=False), first)
    for term in (a, b, a, b):
        _synced(term, hall_url)
    for term in (a, b):
        assert watch_for_customer(term.desk, term.actors["1001"], NUMBER) is None
    assert_identical([a, b])
