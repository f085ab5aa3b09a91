"""The hall store's schema is versioned by Alembic in its own environment (version table
`hall_alembic_version`): a new store is made by the migrations, their result is the schema
the code uses, a store made by the desk before Alembic is carried forward with its data, and
a store made by a newer desk is refused. On SQLite and on PostgreSQL (DESKAPP_TEST_PG_URL)."""

from __future__ import annotations

from pathlib import Path

import legacy_hall
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sync_kit import assert_identical, first_terminal, new_terminal, take

from deskapp.sync import HallStore, SyncOutcome, hall_migrate, sync
from deskapp.sync.hall_tables import VERSION_TABLE, hall_change, hall_meta, meta


def _revision(store: HallStore) -> str | None:
    with store.read() as conn:
        return hall_migrate.schema_state(conn)[0]


def test_the_fast_path_head_is_alembics_head() -> None:
    assert hall_migrate.head_revision() == hall_migrate.HEAD_REVISION


def test_a_new_store_is_made_by_the_migrations_and_matches_the_tables(hall_url: str) -> None:
    store = HallStore.open(hall_url)
    try:
        store.ensure_schema()
        assert _revision(store) == hall_migrate.HEAD_REVISION
        with store.read() as conn:
            names = set(sa.inspect(conn).get_table_names())
            options = {"compare_type": True, "version_table": VERSION_TABLE}
            context = MigrationContext.configure(conn, opts=options)
            differences = compare_metadata(context, meta)
            keys = dict(conn.execute(sa.select(hall_meta.c.key, hall_meta.c.value)).all())
        assert names == {*meta.tables, VERSION_TABLE}
        assert differences == []  # what the migrations made is what the code reads and writes
        assert keys.keys() == {"hall_schema", "hall_id", "max_record_schema"}
        assert keys["hall_schema"] == "1"  # what desks from before Alembic check
    finally:
        store.close()


def test_a_store_made_before_alembic_is_carried_forward(
    tmp_path: Path, empty_hall_url: str
) -> None:
    """The previous code makes the store; a terminal's work goes into it through a hall the
    current code made (rows copied table by table, as a restore or bench/sync.py does); then
    the current desk opens it: stamped, migrated to head, nothing lost, sync goes on."""
    a = first_terminal(tmp_path / "a")
    b = new_terminal(tmp_path / "b", "T02")
    scratch = str(tmp_path / "scratch-hall.db")
    hall_url = empty_hall_url
    legacy = HallStore.open(hall_url, create=True)  # the previous code makes its tables
    try:
        with legacy.write() as conn:
            legacy_hall.create(conn)
            hall_id = conn.execute(
                sa.select(hall_meta.c.value).where(hall_meta.c.key == "hall_id")
            ).scalar_one()
        take(a)
        take(a, contact_phone="13900004444")
        assert sync(a.desk, scratch, new_hall=True).ok
        source = HallStore.open(scratch)
        try:
            with source.read() as src, legacy.write() as dst:
                for table in legacy_hall.meta.sorted_tables:
                    if table.name == "hall_meta":
                        continue  # the store keeps its own identity
                    rows = [dict(r._mapping) for r in src.execute(sa.select(table))]
                    if rows:
                        dst.execute(sa.insert(table), rows)
                held = dst.execute(sa.select(sa.func.count()).select_from(hall_change)).scalar()
        finally:
            source.close()
        assert held and _revision(legacy) is None
        legacy.close()

        assert sync(b.desk, hall_url).ok  # the current desk carries the store forward
        store = HallStore.open(hall_url)
        try:
            assert _revision(store) == hall_migrate.HEAD_REVISION
            with store.read() as conn:
                values = dict(conn.execute(sa.select(hall_meta.c.key, hall_meta.c.value)).all())
                count = conn.execute(sa.select(sa.func.count()).select_from(hall_change)).scalar()
            assert values["hall_id"] == hall_id and count == held
        finally:
            store.close()
        # a joins the store its work was copied into; its mark was carried: nothing pushed twice
        result = sync(a.desk, hall_url, join=True)
        assert result.ok and result.pushed == 0
        take(b, contact_phone="13900005555")
        assert sync(b.desk, hall_url).ok and sync(a.desk, hall_url).ok
        assert_identical([a, b])
    finally:
        legacy.close()
        a.close()
        b.close()


def test_a_store_migrated_by_a_newer_desk_is_refused(tmp_path: Path, hall_url: str) -> None:
    a = first_terminal(tmp_path)
    try:
        take(a)
        assert sync(a.desk, hall_url).ok
        store = HallStore.open(hall_url)
        try:
            with store.write() as conn:
                conn.execute(sa.text(f"UPDATE {VERSION_TABLE} SET version_num = 'h9999_future'"))
        finally:
            store.close()
        take(a, contact_phone="13900006666")
        result = sync(a.desk, hall_url)
        assert result.outcome is SyncOutcome.MUST_UPDATE
        store = HallStore.open(hall_url)
        try:
            assert _revision(store) == "h9999_future"  # left as the newer desk made it
        finally:
            store.close()
    finally:
        a.close()
