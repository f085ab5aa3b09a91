"""Issue 22's cuts of the import's CPU give what the code before them gave: the search index's
bigrams (three a complaint, in its trigger) and the repeat linking's entries, which were sorted
for every phone seen at each chunk and now only for the phones a chunk loads. The store, the
change log and the per-row errors of a whole import are held to the ORM path's by
`test_svc_import_bulk.py::test_the_bulk_path_leaves_the_store_and_change_log_the_orm_path_left`
(the change log's rows of both paths come from `store/changelog.py` `_log_tuples`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from deskapp.domain.text_search import bigrams, normalize
from deskapp.services.importer.repeats import _Repeats


def _bigrams_before(text: str | None) -> str:
    """`bigrams` as it was before issue 22's cut."""
    n = normalize(text or "")
    if len(n) < 2:
        return n
    return " ".join(n[i : i + 2] for i in range(len(n) - 1))


@settings(max_examples=500)
@given(st.one_of(st.none(), st.text(), st.text(alphabet="信号不好扣费宽带 ，,.aBc123\u3400\uf900")))
def test_bigrams_are_what_they_were(text: str | None) -> None:
    assert bigrams(text) == _bigrams_before(text)


@dataclass(frozen=True)
class _Cause:
    code: str


@dataclass(frozen=True)
class _Row:  # what _Repeats reads of a ParsedRow
    id: str
    contact_phone: str
    received_at: datetime
    cause: _Cause


class _Stored:
    """A session that answers the repeat query with the store's complaints of the phones
    asked (the window's bounds are the query's: kept out, as both versions send the same)."""

    def __init__(self, stored: list[tuple[str, datetime, str, str, str]]) -> None:
        self.stored = stored

    def execute(self, statement: Any) -> list[tuple[str, datetime, str, str, str]]:
        phones = set(statement.compile().params["contact_phone_1"])
        return [s for s in self.stored if s[0] in phones]


class _RepeatsBefore(_Repeats):
    """`_Repeats` as it was before issue 22's cut: every phone's entries sorted at each load."""

    def load(self, session: Any, rows: list[Any]) -> None:
        super().load(session, rows)
        for entries in self.seen.values():
            entries.sort()


_PHONES = ["13800000001", "13800000002", "13800000003"]
_CAUSES = ["NET.COVER.INDOOR", "NET.COVER.OUTDOOR", "BILL.FEE.WRONG"]
_START = datetime(2026, 1, 1, tzinfo=UTC)


def _moment(minutes: int) -> datetime:
    return _START + timedelta(minutes=minutes)


_row = st.builds(
    lambda i, phone, minutes, cause: _Row(f"r{i}", phone, _moment(minutes), _Cause(cause)),
    st.integers(0, 30), st.sampled_from(_PHONES), st.integers(0, 60 * 24 * 60),
    st.sampled_from(_CAUSES),
)  # fmt: skip
_stored = st.builds(
    lambda i, phone, minutes, cause: (phone, _moment(minutes), f"s{i}", f"T-{i}", cause),
    st.integers(0, 30), st.sampled_from(_PHONES), st.integers(0, 60 * 24 * 60),
    st.sampled_from(_CAUSES),
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.lists(_stored, max_size=12), st.lists(st.lists(_row, min_size=1, max_size=6), max_size=5))
def test_repeat_links_are_what_they_were(stored: list[Any], chunks: list[list[_Row]]) -> None:
    session = _Stored(stored)
    now, before = _Repeats(30), _RepeatsBefore(30)
    for number, chunk in enumerate(chunks):
        chunk = sorted(chunk, key=lambda r: r.received_at)  # (written in time order)
        for repeats in (now, before):
            repeats.load(session, chunk)  # type: ignore[arg-type]
        assert now.seen == before.seen
        for row in chunk:
            found = now.earlier(row)  # type: ignore[arg-type]
            assert found == before.earlier(row)  # type: ignore[arg-type]
            for repeats in (now, before):
                repeats.add(row, f"N-{number}-{row.id}")  # type: ignore[arg-type]
    assert now.seen == before.seen
    assert all(entries == sorted(entries) for entries in now.seen.values())
