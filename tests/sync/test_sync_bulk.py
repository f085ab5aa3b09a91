"""The bulk writes sync uses (deskapp/store/bulk.py): what they store is what SQLAlchemy
would have stored, on both kinds of hall store, and a lost PostgreSQL connection during a
COPY is reported as SQLAlchemy reports one during a statement."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from deskapp.store.bulk import insert_dicts, insert_tuples, sqlite_utc_text, upsert_tuples
from deskapp.store.models import UTCDateTime
from deskapp.sync.hall import HALL_ROW_FIELDS, HallStore, hall_change, hall_root


def _change(hall_seq: int, seq: int) -> tuple:
    values = {
        "hall_seq": hall_seq, "node_id": "node-a", "seq": seq, "txn_id": f"txn-{seq}",
        "entity": "complaint", "entity_id": f"c-{seq}", "root_id": f"c-{seq}", "op": "insert",
        "fields": json.dumps({"id": f"c-{seq}", "content": "信号不好 100% 无法上网"}),
        "hlc": f"{1_700_000_000_000 + seq:015d}.000000.node-a", "schema_version": 5,
        "actor_id": "s-1", "at": "2026-11-24T00:30:00.000001+00:00", "seen": 0,
    }  # fmt: skip
    return tuple(values[k] for k in HALL_ROW_FIELDS)


def test_rows_written_in_bulk_read_back_unchanged(hall_url: str) -> None:
    store = HallStore.open(hall_url)
    try:
        store.ensure_schema()
        rows = [_change(n, n) for n in range(1, 1_201)]
        with store.write() as conn:
            assert insert_tuples(conn, hall_change, HALL_ROW_FIELDS, rows) == len(rows)
        root_keys = [c.name for c in hall_root.columns]
        first = [("c-1", "complaint", "open", "h1", "2026-11-24"),
                 ("c-2", "complaint", "", "", "2026-11-24")]  # fmt: skip
        again = [("c-1", "complaint", "closed", "h2", "2026-11-25")]
        with store.write() as conn:
            upsert_tuples(conn, hall_root, root_keys, first, ["root_id"])
            upsert_tuples(conn, hall_root, root_keys, again, ["root_id"])
        with store.read() as conn:
            stored = [tuple(r) for r in conn.execute(
                sa.select(*(hall_change.c[k] for k in HALL_ROW_FIELDS)).order_by(
                    hall_change.c.hall_seq)
            )]  # fmt: skip
            roots = [tuple(r) for r in conn.execute(sa.select(hall_root).order_by("root_id"))]
        assert stored == rows
        assert roots == [again[0], first[1]]
    finally:
        store.close()


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 11, 24, 0, 30, 0, 123456, tzinfo=UTC),
        datetime(2026, 11, 24, 0, 30, tzinfo=UTC),  # isoformat() leaves out the microseconds
        datetime(2026, 11, 24, 8, 30, 0, 500000, tzinfo=timezone(timedelta(hours=8))),
        datetime(2027, 1, 1, 7, 59, 59, 999999, tzinfo=timezone(timedelta(hours=8))),
    ],
)
def test_iso_times_are_stored_as_sqlalchemy_stores_the_datetime(
    tmp_path: Path, moment: datetime
) -> None:
    """An ISO time written from its text (a pulled change's fields) is the same stored text,
    and reads back as the same instant, as the datetime written through UTCDateTime."""
    meta = sa.MetaData()
    table = sa.Table("t", meta, sa.Column("n", sa.Integer), sa.Column("at", UTCDateTime()))
    engine = sa.create_engine(f"sqlite:///{tmp_path / 't.db'}")
    meta.create_all(engine)
    with engine.begin() as conn:
        conn.execute(sa.insert(table), [{"n": 1, "at": moment}])
        insert_dicts(conn, table, [{"n": 2, "at": moment.isoformat()}], iso_times=True)
    with engine.connect() as conn:
        texts = conn.exec_driver_sql("SELECT at FROM t ORDER BY n").scalars().all()
        values = conn.execute(sa.select(table.c.at).order_by(table.c.n)).scalars().all()
    engine.dispose()
    assert texts[1] == texts[0] == sqlite_utc_text(moment.isoformat())
    assert values == [moment, moment]


def test_iso_times_read_back_as_the_same_instant_on_either_store(hall_url: str) -> None:
    """The other way of writing ISO times (parsed, then the column's own conversion), which
    a PostgreSQL store takes, and SQLite's direct one, read back the same."""
    moment = datetime(2026, 11, 24, 8, 30, 0, 500000, tzinfo=timezone(timedelta(hours=8)))
    meta = sa.MetaData()
    table = sa.Table("bulk_times", meta, sa.Column("n", sa.Integer), sa.Column("at", UTCDateTime()))
    store = HallStore.open(hall_url)
    try:
        with store.write() as conn:
            meta.create_all(conn)
            insert_dicts(conn, table, [{"n": 1, "at": moment.isoformat()}, {"n": 2, "at": None}],
                         iso_times=True)  # fmt: skip
        with store.read() as conn:
            values = conn.execute(sa.select(table.c.at).order_by(table.c.n)).scalars().all()
    finally:
        store.close()
    assert values == [moment, None]


@pytest.mark.parametrize("text", ["2026-11-24T00:30:00", "not a time", "2026-13-01T00:00:00+00:00"])
def test_a_time_without_offset_or_not_a_time_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        sqlite_utc_text(text)


def test_a_connection_lost_during_copy_is_an_operational_error(pg_url: str) -> None:
    import psycopg

    store = HallStore.open(pg_url, create=True)
    store.ensure_schema()
    conn = store.engine.connect()
    try:
        conn.begin()
        pid = conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
        with psycopg.connect(os.environ["DESKAPP_TEST_PG_URL"], autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        with pytest.raises(sa.exc.OperationalError):
            insert_tuples(conn, hall_change, HALL_ROW_FIELDS, [_change(1, 1)])
        assert conn.invalidated
    finally:
        conn.close()
        store.close()
