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
