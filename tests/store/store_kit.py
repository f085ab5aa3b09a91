"""Helpers for the store tests (not a test module): the demo store plus a refund approved by a
manager, built once per process through the real services, copied for each test needing one."""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import SQLModel

from deskapp.clock import Clock, FrozenClock
from deskapp.services.demo import DEMO_STAFF, build_demo
from deskapp.services.desk import Actor, Desk
from deskapp.services.intake import IntakeForm, RefundForm, take_complaint
from deskapp.services.staff import actor_of, list_staff
from deskapp.store.models import RECORD_TABLES, ChangeLog, UTCDateTime

DEMO_NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
DEMO_PINS = {s.work_no: s.pin for s in DEMO_STAFF}


@cache
def _demo_template() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="deskapp-demo-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = folder / "demo.db"
    build_demo(path, now=DEMO_NOW)
    # Whatever the demo happens to contain, make sure every record table has rows.
    desk = Desk.open(path, clock=FrozenClock(DEMO_NOW))
    try:
        handler = actors_of(desk)["1001"]
        take_complaint(
            desk,
            handler,
            IntakeForm(
                customer_name="孙女士",
                contact_phone="13600001234",
                content="国际漫游费多扣",
                demand="退还",
                cause_code="BILLINFO.ROAMING.BORDER",
                solved_on_spot=True,
                outcome="核实后退费",
                satisfaction="satisfied",
                refund=RefundForm(
                    charged="58",
                    should_have_charged="48",
                    amount="25",
                    verified=True,
                    approver_work_no="2001",
                    approver_pin=DEMO_PINS["2001"],
                    approval_reason="往返多次",
                ),
            ),
        )
        _signed_off_day(desk, handler)
    finally:
        desk.close()  # the last close checkpoints the WAL: the main file is complete
    return path


def _signed_off_day(desk: Desk, handler: Actor) -> None:
    """A quiet day signed off, and a book entry of that day processed afterwards as a late
    change, and a handler refused the sign-off first, and a PIN mistyped then typed right: so
    that day_close, late_change, opinion_entry, refusal and signin_event rows exist too."""
    import contextlib
    from datetime import date, timedelta

    import sqlalchemy as sa

    from deskapp.domain.errors import RuleViolation
    from deskapp.services import day_close, opinion_book
    from deskapp.services.day_lock import LateApproval
    from deskapp.store.models import ChangeLog

    quiet = DEMO_NOW.astimezone(desk.tz).date() - timedelta(days=40)
    entry = opinion_book.add_entry(desk, handler, opinion_book.EntryForm(
        written_on=quiet.isoformat(), page="1", line="1", content="旧的意见"))  # fmt: skip
    opinion_book.process_entry(desk, handler, entry.id, "已答复")
    from deskapp.services.staff import sign_in

    with contextlib.suppress(RuleViolation):  # a wrong PIN, counted, then cleared
        sign_in(desk, "1002", "0000")
    sign_in(desk, "1002", DEMO_PINS["1002"])
    with contextlib.suppress(RuleViolation):  # a handler may not sign a day off: audited
        day_close.sign_off(desk, date.fromisoformat(quiet.isoformat()), "1001", DEMO_PINS["1001"])
    with desk.engine.begin() as conn:  # as if the hall had acknowledged everything
        conn.execute(sa.update(ChangeLog).values(acked_at=DEMO_NOW))
    day_close.sign_off(desk, date.fromisoformat(quiet.isoformat()), "2001", DEMO_PINS["2001"])
    opinion_book.process_entry(
        desk,
        handler,
        entry.id,
        "补充:已电话回访",
        late=LateApproval("2001", DEMO_PINS["2001"], "补录电话回访"),
    )
    with desk.engine.begin() as conn:  # the store tests read an unsynchronized terminal
        conn.execute(sa.update(ChangeLog).values(acked_at=None))


def demo_copy(dest: Path) -> Path:
    shutil.copyfile(_demo_template(), dest)
    return dest


def open_demo(dest: Path, clock: Clock | None = None) -> Desk:
    return Desk.open(demo_copy(dest), clock=clock or FrozenClock(DEMO_NOW))


def actors_of(desk: Desk) -> dict[str, Actor]:
    return {s.work_no: actor_of(s) for s in list_staff(desk, active_only=False)}


# ---------------------------------------------- the change log replayed (completeness)


def log_rows(desk: Desk) -> list[ChangeLog]:
    with desk.read() as s:
        return list(s.scalars(sa.select(ChangeLog).order_by(ChangeLog.node_id, ChangeLog.seq)))


def _from_log(table: sa.Table, fields: dict[str, Any]) -> dict[str, Any]:
    values = {}
    for name, value in fields.items():
        column = table.c[name]  # a logged field that is not a column fails here
        if isinstance(column.type, UTCDateTime) and value is not None:
            assert isinstance(value, str), (table.name, name, value)
            value = datetime.fromisoformat(value)
            assert value.utcoffset() == timedelta(0), "logged times are UTC"
        values[name] = value
    return values


def replay(desk: Desk) -> sa.Engine:
    """Empty record tables, filled only from the change log, in seq order."""
    target = sa.create_engine("sqlite://")
    SQLModel.metadata.create_all(target, tables=[c.__table__ for c in RECORD_TABLES.values()])
    with target.begin() as conn:
        for row in log_rows(desk):
            table = RECORD_TABLES[row.entity].__table__
            values = _from_log(table, json.loads(row.fields))
            if row.op == "insert":
                assert values["id"] == row.entity_id
                conn.execute(sa.insert(table).values(**values))
            else:
                assert row.op == "update", row.op
                result = conn.execute(
                    sa.update(table).where(table.c.id == row.entity_id).values(**values)
                )
                assert result.rowcount == 1
    return target


def table_rows(engine: sa.Engine, table: sa.Table, *, raw: bool) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        if raw:  # exactly as stored, no type processing
            result = conn.exec_driver_sql(f"SELECT * FROM {table.name} ORDER BY id")
        else:
            result = conn.execute(sa.select(table).order_by(table.c.id))
        return [dict(m) for m in result.mappings()]
