"""The import writes its rows without ORM objects (issue 22: store/changelog.py
`logged_inserts` through store/bulk.py): the store it leaves is the one the ORM path left
before, row for row, and so is its change log (entity, id, operation, fields, actor, order),
every intake rule still applied (the bad rows of the file refused the same way), and a store
that synchronizes it reads the same records."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from svc_forms import staffed_desk
from test_svc_import import GOOD_AND_BAD, HEADER

from deskapp.clock import FrozenClock
from deskapp.services.desk import Desk
from deskapp.services.importer import import_file
from deskapp.services.staff import actor_of, list_staff
from deskapp.store.models import ChangeLog, Complaint, ComplaintEvent

# A second customer of the first phone within the repeat window: a linked repeat, imported.
MORE = (
    "2026-11-21 10:00,10086下单,李建国,13812341234,,又没有信号,尽快修好,"
    "NET.COVER.INDOOR,一般,GZ01,处理中,,,,,HL-101\n"
    "2026-11-10 10:00,现场,陈一,13900006666,,多收费,退费,NET.COVER.INDOOR,,,已结案,"
    "2026-11-10 16:00,已退,不满意,否,HL-102\n"
)


def _rows(desk: Desk, model: type) -> list[dict]:
    table = model.__table__  # type: ignore[attr-defined]
    with desk.read() as session:
        return [dict(r._mapping) for r in session.execute(sa.select(table).order_by(table.c.id))]


def _log(desk: Desk) -> list[tuple]:
    with desk.read() as session:
        rows = session.execute(
            sa.select(ChangeLog.entity, ChangeLog.entity_id, ChangeLog.op, ChangeLog.fields,
                      ChangeLog.actor_id, ChangeLog.schema_version, ChangeLog.at)
            .where(ChangeLog.entity.in_(["complaint", "complaint_event"]))
            .order_by(ChangeLog.seq)
        ).all()  # fmt: skip
    return [(e, i, op, json.loads(f), a, v, at) for e, i, op, f, a, v, at in rows]


def _import(tmp_path: Path, clock: FrozenClock, name: str, orm: bool) -> tuple[Desk, Any]:
    desk = staffed_desk(tmp_path / f"{name}.db", clock)  # copies of one store: the same staff
    actor = next(actor_of(s) for s in list_staff(desk) if s.work_no == "1001")
    source = tmp_path / "in.csv"
    source.write_text(GOOD_AND_BAD + MORE, encoding="utf-8")
    result = import_file(desk, actor, source, orm=orm, batch=3)
    return desk, result


def test_the_bulk_path_leaves_the_store_and_change_log_the_orm_path_left(
    tmp_path: Path, clock: FrozenClock
) -> None:
    orm, by_orm = _import(tmp_path, clock, "orm", orm=True)
    bulk, by_bulk = _import(tmp_path, clock, "bulk", orm=False)
    try:
        assert by_bulk.imported == by_orm.imported and len(by_bulk.imported) == 6
        assert by_bulk.problems == by_orm.problems and by_bulk.problems  # the rules, applied
        assert by_bulk.skipped == by_orm.skipped
        for model in (Complaint, ComplaintEvent):
            assert _rows(bulk, model) == _rows(orm, model)
        assert _log(bulk) == _log(orm)
        linked = [r for r in _rows(bulk, Complaint) if r["is_repeat"]]
        assert len(linked) == 1 and linked[0]["repeat_of_id"]
        with bulk.read() as session:  # the search index was filled by its triggers
            query = "SELECT count(*) FROM complaint_fts WHERE complaint_fts MATCH '信号'"
            found = session.execute(sa.text(query)).scalar()
        assert found == 2
    finally:
        orm.close()
        bulk.close()


def _search_index(desk: Desk) -> list[tuple]:
    """Every entry of the search index (term, column, position) by its complaint's id."""
    with contextlib.closing(sqlite3.connect(str(desk.engine.url.database))) as conn:
        conn.execute("CREATE VIRTUAL TABLE temp.entries USING fts5vocab(main, complaint_fts, "
                     "instance)")  # fmt: skip
        return conn.execute(
            "SELECT c.id, e.term, e.col, e.offset FROM temp.entries e"
            " JOIN complaint c ON c.rowid = e.doc ORDER BY 1, 2, 3, 4"
        ).fetchall()


def _triggers(desk: Desk) -> list[tuple]:
    with desk.read() as session:
        query = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
        return [tuple(r) for r in session.execute(sa.text(query))]


def test_the_search_index_of_a_bulk_import_is_the_one_its_trigger_makes_row_by_row(
    tmp_path: Path, clock: FrozenClock
) -> None:
    """The bulk path indexes each chunk's complaints with one statement after its rows
    (store/search_index.py), the ORM path through the insert trigger, row by row: the same
    entries for every complaint, and the trigger is there again, as the migrations made it."""
    orm, _ = _import(tmp_path, clock, "orm", orm=True)
    bulk, by_bulk = _import(tmp_path, clock, "bulk", orm=False)
    try:
        entries = _search_index(bulk)
        assert entries == _search_index(orm)
        assert {e[0] for e in entries} == {r["id"] for r in _rows(bulk, Complaint)}
        assert len(by_bulk.imported) == 6  # in chunks of 3: two chunks indexed after their rows
        assert _triggers(bulk) == _triggers(orm)
        assert [name for name, _ in _triggers(bulk)] == [
            "complaint_fts_insert", "complaint_fts_update"]  # fmt: skip
    finally:
        orm.close()
        bulk.close()


def test_the_bulk_path_leaves_no_write_door_open(tmp_path: Path, clock: FrozenClock) -> None:
    from deskapp.store.changelog import UnloggedWriteError

    bulk, _ = _import(tmp_path, clock, "bulk", orm=False)
    try:
        with bulk.engine.begin() as conn:
            try:
                conn.exec_driver_sql("UPDATE complaint SET outcome = 'edited'")
            except Exception as error:  # the write gate refuses it, closed after the import
                assert isinstance(error, UnloggedWriteError) or "not authorized" in str(error)
            else:
                raise AssertionError("an unlogged write went through after the import")
    finally:
        bulk.close()


assert HEADER  # the layout of the file above


def test_an_events_data_is_the_text_json_dumps_gave() -> None:
    """services/events.py encodes every event's data with one encoder (issue 22): the text is
    what `json.dumps(..., ensure_ascii=False, default=str)` wrote before, byte for byte."""
    from datetime import UTC, datetime
    from decimal import Decimal

    from deskapp.domain.actor import Actor
    from deskapp.domain.enums import Role
    from deskapp.services.events import complaint_event_row

    at = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    data = {"note": "已退订 \"引号\"", "at": at, "amount": Decimal("12.50"), "n": 3,
            "ok": True, "none": None, "list": [1, "二"]}  # fmt: skip
    actor = Actor("a", "1001", "张敏", Role.HANDLER)
    row = complaint_event_row("e", "c", "refund", actor, at, "", data)
    assert row["data"] == json.dumps(data, ensure_ascii=False, default=str)
