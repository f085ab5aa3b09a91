"""The bigram search index against SQLite's real FTS5 tokenizer, not just in Python."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import assume, given
from hypothesis import strategies as st

from deskapp.domain.text_search import match_expression, normalize
from deskapp.store import migrate
from deskapp.store.engine import make_engine


@pytest.fixture(scope="module")
def fts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sa.Connection]:
    """The migrated index table of a real store (complaint_fts is not a record table)."""
    engine = make_engine(Path(tmp_path_factory.mktemp("fts")) / "desk.db")
    migrate.upgrade(engine)
    with engine.connect() as conn:
        yield conn
    engine.dispose()


def indexed_match(conn: sa.Connection, body_text: str, query: str) -> bool:
    """Index one text exactly as the insert trigger does, and ask FTS5 for the query."""
    expression = match_expression(query)
    assert expression is not None
    with conn.begin():
        conn.exec_driver_sql("INSERT INTO complaint_fts(complaint_fts) VALUES ('delete-all')")
        conn.execute(
            sa.text("INSERT INTO complaint_fts(rowid, body) VALUES (1, bigrams(:t))"),
            {"t": body_text},
        )
        hit = conn.execute(
            sa.text("SELECT rowid FROM complaint_fts WHERE complaint_fts MATCH :e"),
            {"e": expression},
        ).first()
    return hit is not None


alphabet = st.one_of(
    st.sampled_from("信号不好扣费网络营业厅宽带套餐话费"),
    st.characters(min_codepoint=0x3400, max_codepoint=0x4DBF),
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
    st.characters(min_codepoint=0xF900, max_codepoint=0xFAFF),
    st.sampled_from("abcXYZ0123456789"),
    st.sampled_from(" ,.，。！？、-()\"'*:^\n"),
    st.characters(codec="utf-8"),  # what a terminal can deliver
)


@given(s=st.text(alphabet=alphabet, min_size=2, max_size=30), data=st.data())
def test_fts_finds_every_substring_of_the_text(fts: sa.Connection, s: str, data) -> None:
    n = normalize(s)
    assume(len(n) >= 2)
    i = data.draw(st.integers(min_value=0, max_value=len(n) - 2))
    j = data.draw(st.integers(min_value=i + 2, max_value=len(n)))
    assert indexed_match(fts, s, n[i:j])


# A small alphabet, so that queries are substrings about as often as not.
few = "信号不好aB1"


@given(
    s=st.text(alphabet=few + " ，.", max_size=20),
    q=st.text(alphabet=few, min_size=2, max_size=4),
)
def test_fts_finds_a_query_exactly_when_it_is_a_substring(
    fts: sa.Connection, s: str, q: str
) -> None:
    assert indexed_match(fts, s, q) == (normalize(q) in normalize(s))
