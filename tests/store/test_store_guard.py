"""The change log is the audit trail: no write to a record table may go around it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from store_kit import open_demo

from deskapp.services.desk import Desk
from deskapp.store.changelog import ACTOR_KEY, UnloggedWriteError
from deskapp.store.models import RECORD_TABLES, ChangeLog, Complaint, Draft, Staff


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    desk = open_demo(tmp_path / "desk.db")
    yield desk
    desk.close()


def snapshot(desk: Desk) -> dict[str, list[tuple]]:
    """Every row of every record table and of the change log."""
    with desk.engine.connect() as conn:
        return {
            name: [tuple(r) for r in conn.execute(sa.select(table).order_by(*table.primary_key))]
            for name, table in (
                *((n, cls.__table__) for n, cls in RECORD_TABLES.items()),
                ("change_log", ChangeLog.__table__),
            )
        }


def copy_row_sql(name: str, prefix: str = "INSERT INTO") -> str:
    """An INSERT that would really add a row (a copy of an existing one with fresh keys)."""
    table = RECORD_TABLES[name].__table__
    cols = [c.name for c in table.columns]
    fresh = {"id", "ticket_no", "work_no"}
    select = ", ".join(f"{c} || '-copy'" if c in fresh else c for c in cols)
    return f"{prefix} {name} ({', '.join(cols)}) SELECT {select} FROM {name} LIMIT 1"


TABLES = sorted(RECORD_TABLES)


def test_every_record_table_has_rows_in_the_demo(desk: Desk) -> None:
    rows = snapshot(desk)
    assert all(rows[name] for name in TABLES), {n: len(rows[n]) for n in TABLES}


@pytest.mark.parametrize("name", TABLES)
@pytest.mark.parametrize(
    "statement",
    [
        lambda t: copy_row_sql(t),
        lambda t: f"UPDATE {t} SET id = id",
        lambda t: f"DELETE FROM {t} WHERE id = (SELECT max(id) FROM {t})",
        lambda t: copy_row_sql(t, "insert into"),
        lambda t: copy_row_sql(t, "INSERT OR REPLACE INTO"),
        lambda t: copy_row_sql(t, "REPLACE INTO"),
        lambda t: f'UPDATE "{t}" SET id = id',
        lambda t: f"UPDATE main.{t} SET id = id",
        lambda t: f'UPDATE "main"."{t}" SET id = id',
        lambda t: f"UPDATE [{t}] SET id = id",
        lambda t: f"UPDATE `{t}` SET id = id",
        lambda t: f"UPDATE OR IGNORE {t} SET id = id",
        lambda t: f"  \n\tdelete from {t} where 0",
        lambda t: f"/* maintenance */ DELETE FROM {t} WHERE 0",
        lambda t: f"-- maintenance\nDELETE FROM {t} WHERE 0",
        lambda t: f"WITH x AS (SELECT 1) UPDATE {t} SET id = id",
    ],
    ids=[
        "insert",
        "update",
        "delete",
        "lowercase",
        "insert-or-replace",
        "replace",
        "quoted",
        "schema",
        "quoted-schema",
        "brackets",
        "backticks",
        "update-or",
        "whitespace",
        "block-comment",
        "line-comment",
        "cte",
    ],
)
def test_raw_sql_on_a_record_table_is_refused(
    desk: Desk, name: str, statement: Callable[[str], str]
) -> None:
    before = snapshot(desk)
    with pytest.raises(UnloggedWriteError), desk.engine.begin() as conn:
        conn.exec_driver_sql(statement(name))
    assert snapshot(desk) == before


@pytest.mark.parametrize("name", TABLES)
def test_core_statements_are_refused(desk: Desk, name: str) -> None:
    table = RECORD_TABLES[name].__table__
    before = snapshot(desk)
    for stmt in (
        sa.update(table).values(id=table.c.id),
        sa.delete(table),
        sa.insert(table).from_select(
            [c.name for c in table.columns], sa.select(table).where(sa.false())
        ),
    ):
        with pytest.raises(UnloggedWriteError), desk.engine.begin() as conn:
            conn.execute(stmt)
        with pytest.raises(UnloggedWriteError), desk.engine.begin() as conn:
            conn.execute(sa.text(str(stmt.compile(conn))))
    assert snapshot(desk) == before


def test_raw_sql_inside_a_logged_unit_of_work_is_still_refused(desk: Desk) -> None:
    before = snapshot(desk)
    with pytest.raises(UnloggedWriteError), desk.write("system:test") as session:
        session.execute(sa.text("UPDATE complaint SET status = 'closed'"))
    with pytest.raises(UnloggedWriteError), desk.write("system:test") as session:
        # an ORM bulk UPDATE skips the flush, so it would skip the change log
        session.execute(sa.update(Complaint).values(status="closed"))
    with pytest.raises(UnloggedWriteError), desk.write("system:test") as session:
        session.execute(sa.delete(Staff).where(Staff.work_no == "1001"))
    assert snapshot(desk) == before


def test_bulk_insert_mappings_are_refused(desk: Desk) -> None:
    before = snapshot(desk)
    with pytest.raises(UnloggedWriteError), desk.write("system:test") as session:
        session.bulk_insert_mappings(
            Staff,  # type: ignore[arg-type]
            [
                {
                    "id": "bulk-1",
                    "work_no": "8001",
                    "name": "批量",
                    "role": "handler",
                    "active": True,
                    "pin_hash": "x",
                    "created_at": datetime(2026, 11, 24, tzinfo=UTC),
                    "created_by": "system:test",
                }
            ],
        )
    assert snapshot(desk) == before


def new_staff(work_no: str = "8001") -> Staff:
    return Staff(
        work_no=work_no,
        name="新人",
        role="handler",
        pin_hash="scrypt$x",
        created_at=datetime(2026, 11, 24, 2, tzinfo=UTC),
        created_by="system:test",
    )


def test_an_orm_insert_without_an_actor_is_refused(desk: Desk) -> None:
    before = snapshot(desk)
    with pytest.raises(UnloggedWriteError), desk.sessions() as session:
        session.add(new_staff())
        session.commit()
    assert snapshot(desk) == before


def test_an_orm_update_without_an_actor_is_refused(desk: Desk) -> None:
    before = snapshot(desk)
    with pytest.raises(UnloggedWriteError), desk.sessions() as session:
        staff = session.scalars(sa.select(Staff).where(Staff.work_no == "1001")).one()
        staff.name = "改名"
        session.commit()
    assert snapshot(desk) == before


def test_an_actor_without_a_clock_is_refused(desk: Desk) -> None:
    before = snapshot(desk)
    with pytest.raises(UnloggedWriteError), desk.sessions() as session:
        session.info[ACTOR_KEY] = "system:test"
        session.add(new_staff())
        session.commit()
    assert snapshot(desk) == before


@pytest.mark.parametrize("with_actor", [True, False])
def test_deleting_a_record_row_through_the_orm_is_refused(desk: Desk, with_actor: bool) -> None:
    before = snapshot(desk)
    with pytest.raises(UnloggedWriteError):
        if with_actor:
            with desk.write("system:test") as session:
                session.delete(session.scalars(sa.select(Complaint).limit(1)).one())
        else:
            with desk.sessions() as session:
                session.delete(session.scalars(sa.select(Complaint).limit(1)).one())
                session.commit()
    assert snapshot(desk) == before


def test_a_failed_logged_flush_does_not_leave_the_door_open(desk: Desk) -> None:
    before = snapshot(desk)
    with pytest.raises(IntegrityError), desk.write("system:test") as session:
        session.add(new_staff(work_no="1001"))  # taken: the flush fails half-way
        session.flush()
    assert snapshot(desk) == before
    # Whichever pooled connection comes next, it is not marked as in a logged write.
    for _ in range(6):
        with pytest.raises(UnloggedWriteError), desk.engine.begin() as conn:
            conn.exec_driver_sql("UPDATE staff SET name = 'x'")
    assert snapshot(desk) == before


def test_logged_writes_and_local_tables_still_work(desk: Desk) -> None:
    with desk.write("system:test") as session:
        session.add(new_staff())
    with desk.engine.begin() as conn:  # local tables are not record tables
        conn.execute(
            sa.insert(Draft).values(
                staff_id="s", form="f", data="{}", updated_at=datetime(2026, 11, 24, tzinfo=UTC)
            )
        )
        conn.exec_driver_sql("UPDATE ticket_counter SET last_seq = last_seq")
        conn.exec_driver_sql("DELETE FROM draft")
        # reads are fine, even of columns named like a statement
        conn.exec_driver_sql("SELECT updated_at AS last_update FROM complaint LIMIT 1")
    with desk.read() as session:
        assert session.scalar(sa.select(Staff.name).where(Staff.work_no == "8001")) == "新人"


# --- The guard is SQLite's authorizer: it sees the operation and the table, not the text ----

# The bypasses an audit found against the earlier pattern over the SQL text, as found.
AUDIT_BYPASSES = [
    "UPDATE/**/complaint SET outcome = 'edited'",
    "UPDATE /* c */ complaint SET outcome = 'edited'",
    "DELETE/**/FROM complaint_event",
    copy_row_sql("refusal", "INSERT INTO/**/"),
    "DROP TABLE refusal",
]


@pytest.mark.parametrize("statement", AUDIT_BYPASSES)
def test_the_audit_bypasses_of_the_text_guard_are_refused(desk: Desk, statement: str) -> None:
    before = snapshot(desk)
    with (
        pytest.raises(UnloggedWriteError, match="refused by the store"),
        desk.engine.begin() as conn,
    ):
        conn.exec_driver_sql(statement)
    assert snapshot(desk) == before


def _index_on(desk: Desk, name: str) -> str:
    with desk.engine.connect() as conn:
        found = conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
            "AND sql IS NOT NULL ORDER BY name LIMIT 1",
            (name,),
        ).scalar()
    return found or ""


# Each a way to change a record table's rows or shape without the change log, spelled so that
# no pattern over the text would see the table: comments glued to keywords, a CTE, a trigger.
HIDDEN_WRITES: dict[str, Callable[[str], str]] = {
    "update-comment": lambda t: f"UPDATE/**/{t} SET id = id",
    "update-comment-spaced": lambda t: f"UPDATE /* c */ {t} SET id = id",
    "update-quoted-comment": lambda t: f'UPDATE/*x*/"main"/*y*/./*z*/"{t}" SET id = id',
    "delete-comment": lambda t: f"DELETE/**/FROM {t}",
    "delete-comment-2": lambda t: f"DELETE FROM/**/{t} WHERE 1",
    "insert-comment": lambda t: copy_row_sql(t, "INSERT INTO/**/"),
    "replace-comment": lambda t: copy_row_sql(t, "REPLACE/**/INTO"),
    "upsert": lambda t: copy_row_sql(t) + " ON CONFLICT DO NOTHING",
    "drop": lambda t: f"DROP TABLE {t}",
    "drop-comment": lambda t: f"DROP/**/TABLE/**/{t}",
    "drop-if-exists": lambda t: f"DROP TABLE IF EXISTS main.{t}",
    "rename": lambda t: f"ALTER TABLE {t} RENAME TO {t}_old",
    "add-column": lambda t: f"ALTER TABLE {t} ADD COLUMN sneaky TEXT",
    "rename-column": lambda t: f"ALTER TABLE {t} RENAME COLUMN id TO id2",
    "trigger": lambda t: f"CREATE TRIGGER sneak AFTER INSERT ON {t} BEGIN SELECT 1; END",
    "temp-trigger": lambda t: (
        f"CREATE TEMP TRIGGER sneak AFTER INSERT ON main.{t} BEGIN SELECT 1; END"
    ),
    "create-index": lambda t: f"CREATE INDEX sneak ON {t}(id)",
}


@pytest.mark.parametrize("name", TABLES)
@pytest.mark.parametrize("how", sorted(HIDDEN_WRITES))
def test_every_hidden_write_or_schema_change_of_every_record_table_is_refused(
    desk: Desk, name: str, how: str
) -> None:
    before = snapshot(desk)
    with desk.engine.connect() as conn:
        schema_before = conn.exec_driver_sql("SELECT * FROM sqlite_master ORDER BY name").all()
    with pytest.raises(UnloggedWriteError), desk.engine.begin() as conn:
        conn.exec_driver_sql(HIDDEN_WRITES[how](name))
    assert snapshot(desk) == before
    with desk.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT * FROM sqlite_master ORDER BY name").all() == (
            schema_before
        )


@pytest.mark.parametrize("name", TABLES)
def test_dropping_an_index_or_trigger_of_a_record_table_is_refused(desk: Desk, name: str) -> None:
    index = _index_on(desk, name)
    statements = [f'DROP INDEX "{index}"'] if index else []
    with desk.engine.connect() as conn:
        statements += [
            f'DROP TRIGGER "{trigger}"'
            for (trigger,) in conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (name,)
            )
        ]
    for statement in statements:
        with pytest.raises(UnloggedWriteError), desk.engine.begin() as conn:
            conn.exec_driver_sql(statement)


@pytest.mark.parametrize("name", TABLES)
def test_the_raw_driver_connection_is_refused_too(desk: Desk, name: str) -> None:
    """Below SQLAlchemy and its events: the sqlite3 connection itself refuses."""
    import sqlite3

    before = snapshot(desk)
    raw = desk.engine.raw_connection()
    try:
        for statement in (f"UPDATE/**/{name} SET id = id", f"DELETE FROM {name}",
                          f"DROP TABLE {name}"):  # fmt: skip
            with pytest.raises(sqlite3.DatabaseError, match="not authorized"):
                raw.driver_connection.execute(statement)
        raw.driver_connection.rollback()
    finally:
        raw.close()
    assert snapshot(desk) == before


@pytest.mark.parametrize("name", TABLES)
def test_a_second_name_for_the_same_file_does_not_help(desk: Desk, name: str) -> None:
    path = desk.engine.url.database
    before = snapshot(desk)
    with desk.engine.connect() as conn:
        conn.exec_driver_sql(f"ATTACH DATABASE '{path}' AS other")
        conn.commit()
        try:
            with pytest.raises(UnloggedWriteError), conn.begin():
                conn.exec_driver_sql(f"UPDATE other.{name} SET id = id")
        finally:
            conn.exec_driver_sql("DETACH DATABASE other")
    assert snapshot(desk) == before


def test_a_statement_compiled_for_a_logged_flush_is_refused_when_reused_outside_it(
    desk: Desk,
) -> None:
    """SQLite does not ask the authorizer again when a cached compiled statement runs; the
    gate recompiles them when it closes, so the very text and parameters a logged flush ran
    are refused when run again by hand on the same connection."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from deskapp.store.changelog import CLOCK_KEY

    seen: list[tuple[str, tuple]] = []

    def spy(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("UPDATE staff"):
            seen.append((statement, parameters))

    event.listen(desk.engine, "before_cursor_execute", spy)
    with desk.engine.connect() as conn:
        with Session(bind=conn) as session:
            session.info[ACTOR_KEY] = "system:test"
            session.info[CLOCK_KEY] = desk.clock
            staff = session.scalars(sa.select(Staff).where(Staff.work_no == "1001")).one()
            staff.name = "改名"
            session.commit()
        conn.commit()
        assert seen, "the logged flush did not update staff"
        statement, parameters = seen[-1]
        before = snapshot(desk)
        with pytest.raises(UnloggedWriteError):
            conn.exec_driver_sql(statement, parameters)
        conn.rollback()
    event.remove(desk.engine, "before_cursor_execute", spy)
    assert snapshot(desk) == before


def test_change_log_rows_are_never_edited_or_removed(desk: Desk) -> None:
    before = snapshot(desk)
    for statement in (
        "UPDATE change_log SET fields = '{}'",
        "UPDATE/**/change_log SET actor_id = 'someone else'",
        "DELETE FROM change_log",
        "INSERT INTO change_log SELECT * FROM change_log LIMIT 0",
        "DROP TABLE change_log",
        "ALTER TABLE change_log RENAME TO change_log_old",
        "PRAGMA writable_schema = ON",
    ):
        with pytest.raises(UnloggedWriteError), desk.engine.begin() as conn:
            conn.exec_driver_sql(statement)
    # what a sync run does: stamp the rows the hall acknowledged
    with desk.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE change_log SET acked_at = acked_at")
    assert snapshot(desk) == before


def test_migrations_are_the_explicit_exception(desk: Desk) -> None:
    from deskapp.store.changelog import migrating

    with desk.engine.connect() as conn, migrating(conn), conn.begin():
        conn.exec_driver_sql("ALTER TABLE refusal ADD COLUMN added_by_a_migration TEXT")
    with desk.engine.connect() as conn:
        columns = [r[1] for r in conn.exec_driver_sql("PRAGMA table_info(refusal)")]
        assert "added_by_a_migration" in columns
        conn.rollback()
        # and the gate is closed again after it, on the same connection
        with pytest.raises(UnloggedWriteError), conn.begin():
            conn.exec_driver_sql("ALTER TABLE refusal ADD COLUMN another TEXT")


def test_no_trigger_can_be_made_outside_a_migration(desk: Desk) -> None:
    """A trigger on a local table that the logged flush itself writes (terminal, for its
    sequence) would otherwise run inside the flush with the gate open."""
    for statement in (
        "CREATE TRIGGER sneak AFTER UPDATE ON terminal BEGIN "
        "UPDATE complaint SET outcome = 'edited'; END",
        "CREATE TEMP TRIGGER sneak AFTER UPDATE ON main.terminal BEGIN SELECT 1; END",
        "CREATE TEMP VIEW v AS SELECT 1 AS x",  # views are fine; their triggers are not
    ):
        if "VIEW" in statement:
            with desk.engine.begin() as conn:
                conn.exec_driver_sql(statement)
            continue
        with pytest.raises(UnloggedWriteError), desk.engine.begin() as conn:
            conn.exec_driver_sql(statement)


def test_a_trigger_writing_a_record_table_is_refused_even_inside_a_logged_flush(
    desk: Desk,
) -> None:
    """Were one planted (here by a migration), its write is refused when it fires, and the
    logged write that fired it fails whole."""
    from deskapp.store.changelog import migrating

    with desk.engine.connect() as conn, migrating(conn), conn.begin():
        conn.exec_driver_sql(
            "CREATE TRIGGER planted AFTER UPDATE ON terminal BEGIN "
            "UPDATE complaint SET outcome = 'edited'; END"
        )
    before = snapshot(desk)
    with pytest.raises(UnloggedWriteError, match="planted"), desk.write("system:test") as s:
        s.add(new_staff())
    assert snapshot(desk) == before
