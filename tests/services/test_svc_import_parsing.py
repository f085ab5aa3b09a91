"""The import's quick reading of a plain time cell ("2026-11-24 09:30", issue 22) gives what
its general reading gives the same text: the same moment, or the same error in words, for
real and impossible dates and times, years out of range, with and without seconds. (A cell
with a space around it takes the general path: that is the comparison.) And a remembered
fold of a word is the fold of that word, whatever its type."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from store_templates import FROZEN_AT
from svc_forms import staffed_desk

from deskapp.clock import FrozenClock
from deskapp.domain.errors import FieldError
from deskapp.services.importer import _Parser
from deskapp.services.importer.columns import _fold
from deskapp.services.staff import actor_of, list_staff


@pytest.fixture(scope="module")
def parser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Parser]:
    desk = staffed_desk(Path(tmp_path_factory.mktemp("parse")) / "desk.db",
                        FrozenClock(FROZEN_AT))  # fmt: skip
    actor = next(actor_of(s) for s in list_staff(desk) if s.work_no == "1001")
    yield _Parser(desk, actor, "")
    desk.close()


def _read(parser: _Parser, text: str) -> tuple[object, list[tuple[str, str, dict]]]:
    """The moment and the errors (an error quotes the cell: without the spaces around)."""
    errors: list[FieldError] = []
    moment = parser.time(text, "received_at", errors)
    return moment, [(e.field, e.key, {k: v.strip() if k == "value" else v
                                      for k, v in e.params.items()}) for e in errors]  # fmt: skip


@given(
    year=st.integers(1990, 2110),
    month=st.integers(0, 13),
    day=st.integers(0, 32),
    hour=st.integers(0, 25),
    minute=st.integers(0, 61),
    seconds=st.sampled_from(["", ":00", ":59", ":07.250"]),
    padded=st.booleans(),
)
def test_a_plain_time_cell_is_read_as_the_general_path_reads_it(
    parser: _Parser, year: int, month: int, day: int, hour: int, minute: int, seconds: str,
    padded: bool,
) -> None:  # fmt: skip
    if padded:
        text = f"{year}-{month:02d}-{day:02d} {hour:02d}:{minute:02d}{seconds}"
    else:
        text = f"{year}-{month}-{day} {hour}:{minute:02d}{seconds}"
    assert _read(parser, text) == _read(parser, f" {text} ")
    assert _read(parser, text)[0] is not None or _read(parser, text)[1]  # one or the other


def test_the_usual_cells_take_the_quick_path(parser: _Parser) -> None:
    from deskapp.services.importer.parsing import _PLAIN_TIME

    assert _PLAIN_TIME.fullmatch("2026-11-24 09:30")
    assert _PLAIN_TIME.fullmatch("2026-1-4 9:30:15")
    assert not _PLAIN_TIME.fullmatch("２０２６-11-24 09:30")  # full width: the general path
    moment, errors = _read(parser, "2026-11-24 09:30")
    assert errors == [] and str(moment) == "2026-11-24 01:30:00+00:00"


def test_a_remembered_fold_is_the_fold() -> None:
    """Equal keys of other types (1, 1.0, True) are told apart: each folds as itself."""
    words = ["已结案", " 已 结案 ", "ＡＢＣ", "是", 1, 1.0, True, "1", "True", "", 0, False]
    for word in words * 2:  # the second time, remembered
        assert _fold(word) == _fold.__wrapped__(word)  # type: ignore[arg-type]
