"""store/search_index.py: the search index's insert trigger taken out for one block of one
transaction (an import's chunk, issue 22) and put back as the store held it, whatever the
block does; the statement that indexes the block's rows says what the trigger says."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from deskapp.store import migrate
from deskapp.store.engine import make_engine
from deskapp.store.search_index import BODY, TRIGGER, deferred_search_index

_MADE = "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :n"


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[sa.Engine]:
    engine = make_engine(tmp_path / "desk.db")
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


def _trigger(conn: sa.Connection) -> str | None:
    return conn.execute(sa.text(_MADE), {"n": TRIGGER}).scalar()


def test_the_trigger_is_out_inside_the_block_and_back_after_it(engine: sa.Engine) -> None:
    with engine.connect() as conn, conn.begin():
        made = _trigger(conn)
        assert made is not None
        with deferred_search_index(conn):
            assert _trigger(conn) is None  # the block's inserts are not indexed one by one
        assert _trigger(conn) == made
    with engine.connect() as conn:
        assert _trigger(conn) == made


def test_a_failing_block_puts_the_trigger_back(engine: sa.Engine) -> None:
    with engine.connect() as conn, conn.begin():
        made = _trigger(conn)
        with pytest.raises(ValueError), deferred_search_index(conn):
            raise ValueError("a chunk that fails")
        assert _trigger(conn) == made  # a caller that goes on still has it


def test_the_blocks_indexing_says_what_the_trigger_says(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        made = _trigger(conn)
    assert made is not None
    assert BODY.replace("bigrams(", "bigrams(new.") in made
