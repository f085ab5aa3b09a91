"""Found by sync18f, fixed by unique18g: a unique value a claimant gives up (a case retired, a
watch entry retired) is settled again from the records that still claim it, so the settlement
is a function of the replicated changes, not of how they were pulled (docs/unique-values.md).

Two claims of one value made apart (the first on T01, the second on T02), one withdrawn before
its terminal syncs: T03 pulling one change a batch meets the collision (the second renamed
`<value>~<id>`, a conflict record), then the withdrawal; T04 pulling at once never meets a
collision. Before the fix their rows (the winner retired) or their conflict records (the loser
retired) differed for good. And a collision every replica met, dissolved by a manager retiring
one claimant on one terminal, dissolves on every replica and on one that joins afterwards."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from sync_kit import Term, assert_identical, conflicts, first_terminal, new_terminal, take, tick

from deskapp.services import followup
from deskapp.services.cases import mark_case, retire_case
from deskapp.services.conflicts import list_conflicts, settle_conflict
from deskapp.services.customer import WatchForm, save_watch_entry, watch_for_customer
from deskapp.services.demo import closing_facts
from deskapp.store.models import RecordAlias, TeachingCase, WatchEntry
from deskapp.sync import sync

NUMBER = "13912340000"


def _synced(term: Term, hall_url: str, batch_size: int = 200) -> None:
    result = sync(term.desk, hall_url, batch_size=batch_size)
    assert result.ok and result.quarantined == 0, result.message


def _aliases(term: Term) -> list[tuple]:
    with term.desk.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(RecordAlias).order_by(
            RecordAlias.entity, RecordAlias.value, RecordAlias.entity_id))]  # fmt: skip


def _keys(term: Term, kind: str) -> dict[str, str | None]:
    model, column = (TeachingCase, TeachingCase.case_key) if kind == "case" else (
        WatchEntry, WatchEntry.active_key)  # fmt: skip
    with term.desk.engine.connect() as conn:
        return dict(conn.execute(sa.select(model.id, column)).tuples().all())


def _form(advice: str, active: bool = True) -> WatchForm:
    return WatchForm(customer=NUMBER, kind="difficult", advice=advice, review_on="2027-06-30",
                     active=active)  # fmt: skip


def _claims(kind: str, a: Term, b: Term, terms: list[Term], hall_url: str
            ) -> tuple[str, str, str, Callable[[Term, str], None]]:  # fmt: skip
    """Two claims of one value made apart, A's first: (value, first id, second id, retire)."""
    if kind == "case":
        ticket = take(a, contact_phone="13911112222")
        followup.close(a.desk, a.actors["1001"], ticket, outcome="当场解决",
                       facts=closing_facts(a.desk, ticket))  # fmt: skip
        for term in terms:
            _synced(term, hall_url)
        first = mark_case(a.desk, a.actors["2001"], ticket, "先听完再解释甲", "营业厅核实").id
        tick(terms)
        second = mark_case(b.desk, b.actors["3001"], ticket, "先听完再解释乙", "营业厅核实").id

        def retire(term: Term, case: str) -> None:
            retire_case(term.desk, term.actors["3001"], case)

        return ticket, first, second, retire
    first = save_watch_entry(a.desk, a.actors["2001"], _form("先听完再解释")).id
    tick(terms)
    second = save_watch_entry(b.desk, b.actors["3001"], _form("请值班经理出面")).id

    def retire_entry(term: Term, entry: str) -> None:
        advice = "先听完再解释" if entry == first else "请值班经理出面"
        save_watch_entry(term.desk, term.actors["3001"], _form(advice, active=False), entry)

    return NUMBER, first, second, retire_entry


def _settled_alike(terms: list[Term], kind: str, value: str, kept: str) -> None:
    """Every replica: the claimant left holds the plain value, no alias, no conflict record."""
    assert_identical(terms)
    for term in terms:
        assert [k for k in _keys(term, kind).values() if k is not None] == [value]
        assert _keys(term, kind)[kept] == value
        assert conflicts(term.desk) == [] and _aliases(term) == []
        if kind == "watch":  # intake shows the entry left in force
            seen = watch_for_customer(term.desk, term.actors["1001"], NUMBER)
            assert seen is not None and seen.id == kept


@pytest.mark.parametrize("kind", ["case", "watch"])
@pytest.mark.parametrize("retired", ["winner", "loser"])
def test_a_claim_withdrawn_in_a_later_pull_leaves_the_same_keys_everywhere(
    tmp_path: Path, hall_url: str, retired: str, kind: str
) -> None:
    terms = [first_terminal(tmp_path / "a")]
    terms += [new_terminal(tmp_path / c, c) for c in ("T02", "T03", "T04")]
    a, b, c, d = terms
    try:
        for term in terms:
            _synced(term, hall_url)
        value, first, second, retire = _claims(kind, a, b, terms, hall_url)
        tick(terms)
        # retired before its terminal syncs, which syncs second: T03 meets the collision
        # first, then the retirement
        late, gone, kept, early = (a, first, second, b) if retired == "winner" else (
            b, second, first, a)  # fmt: skip
        retire(late, gone)
        _synced(early, hall_url)
        _synced(late, hall_url)
        _synced(c, hall_url, batch_size=1)  # one change a batch
        _synced(d, hall_url)  # all at once: the retired claim claims nothing
        for term in terms * 2:
            _synced(term, hall_url)
        _settled_alike(terms, kind, value, kept)
        assert _aliases(c) == _aliases(d)
    finally:
        for term in terms:
            term.close()


@pytest.mark.parametrize("kind", ["case", "watch"])
@pytest.mark.parametrize("retired", ["winner", "loser"])
def test_a_collision_every_replica_met_dissolves_everywhere_when_one_claim_is_retired(
    tmp_path: Path, hall_url: str, retired: str, kind: str
) -> None:
    """The manager settles the collision by retiring one claimant on one terminal: that
    terminal at once, the others once synchronized, and one joining afterwards all hold the
    other with the plain value and no conflict record."""
    terms = [first_terminal(tmp_path / "a"), new_terminal(tmp_path / "b", "T02")]
    a, b = terms
    joiner: Term | None = None
    try:
        for term in terms:
            _synced(term, hall_url)
        value, first, second, retire = _claims(kind, a, b, terms, hall_url)
        for term in (a, b, a):
            _synced(term, hall_url)
        assert _keys(a, kind) == {first: value, second: f"{value}~{second}"}
        assert len(conflicts(a.desk)) == 1
        # A manager reviews it on T02 first (recorded there only), then retires one claimant.
        (review,) = list_conflicts(b.desk)
        settle_conflict(b.desk, b.actors["2001"], review.id, "a")
        tick(terms)
        gone, kept = (first, second) if retired == "winner" else (second, first)
        retire(b, gone)
        _settled_alike([b], kind, value, kept)  # the retiring terminal, before any sync
        for term in (b, a):
            _synced(term, hall_url)
        joiner = new_terminal(tmp_path / "c", "T03")
        _synced(joiner, hall_url)
        _settled_alike([a, b, joiner], kind, value, kept)
    finally:
        for term in [*terms, *([joiner] if joiner else [])]:
            term.close()


def test_a_watch_entry_moved_to_another_number_leaves_the_same_conflicts_everywhere(
    tmp_path: Path, hall_url: str
) -> None:
    """A manager moves an active entry to another number on T01: T02 merging the change sees
    two values in the record's history, yet only one insert: no record made twice, so no
    `replaced` conflict or alias there either (T01, which wrote the change, never has one)."""
    terms = [first_terminal(tmp_path / "a"), new_terminal(tmp_path / "b", "T02")]
    a, b = terms
    try:
        for term in terms:
            _synced(term, hall_url)
        entry = save_watch_entry(a.desk, a.actors["2001"], _form("先听完再解释")).id
        for term in terms:
            _synced(term, hall_url)
        tick(terms)
        moved = _form("先听完再解释")
        moved.customer = "13912340001"
        save_watch_entry(a.desk, a.actors["2001"], moved, entry)
        for term in (a, b, a):
            _synced(term, hall_url)
        assert_identical(terms)
        assert conflicts(a.desk) == conflicts(b.desk)
        assert _aliases(a) == _aliases(b)
    finally:
        for term in terms:
            term.close()
