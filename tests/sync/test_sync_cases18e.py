"""Issue 18 (case18e): a case's summary (案情概述, a new column of a record table) travels with
the case, and an edit of the summary or the lesson on one terminal reaches the other; two
managers editing the two texts apart keep both edits (only what changed is written). On a
SQLite hall and the PostgreSQL hall."""

from __future__ import annotations

from pathlib import Path

from sync_kit import Term, assert_identical, first_terminal, new_terminal, take, tick

from deskapp.services import followup
from deskapp.services.cases import edit_case, find_cases, mark_case, write_case_page
from deskapp.services.demo import closing_facts
from deskapp.sync import sync


def _synced(term: Term, hall_url: str) -> None:
    result = sync(term.desk, hall_url)
    assert result.ok and result.quarantined == 0 and result.refused == 0, result.message


def _texts(term: Term) -> list[tuple[str, str]]:
    return [(c.summary, c.lesson) for c in find_cases(term.desk)]


def test_the_summary_and_its_edits_reach_the_other_terminal(tmp_path: Path, hall_url: str) -> None:
    a = first_terminal(tmp_path / "a")
    b = new_terminal(tmp_path / "b", "T02")
    try:
        for term in (a, b):
            _synced(term, hall_url)
        ticket = take(a, contact_phone="13911112222")
        followup.close(a.desk, a.actors["1001"], ticket, outcome="当场解决",
                       facts=closing_facts(a.desk, ticket))  # fmt: skip
        case = mark_case(a.desk, a.actors["2001"], ticket, "先听完再解释", "客户来厅反映网速慢").id
        for term in (a, b):
            _synced(term, hall_url)
        assert _texts(b) == [("客户来厅反映网速慢", "先听完再解释")]
        tick([a, b])
        edit_case(b.desk, b.actors["3001"], case, "客户来厅反映网速慢,测速后换光猫", "先听完再解释")
        for term in (b, a):
            _synced(term, hall_url)
        assert _texts(a) == [("客户来厅反映网速慢,测速后换光猫", "先听完再解释")]
        page = write_case_page(a.desk, tmp_path / "page").read_text(encoding="utf-8")
        assert "测速后换光猫" in page
        # Apart: the summary on one terminal, the lesson on the other; both edits stand.
        tick([a, b])
        edit_case(a.desk, a.actors["2001"], case, "网速慢,上门测速后换光猫", "先听完再解释")
        tick([a, b])
        edit_case(b.desk, b.actors["3001"], case, "客户来厅反映网速慢,测速后换光猫", "先测速")
        for term in (a, b, a):
            _synced(term, hall_url)
        for term in (a, b):
            assert _texts(term) == [("网速慢,上门测速后换光猫", "先测速")]
        assert_identical([a, b])
    finally:
        a.close()
        b.close()
