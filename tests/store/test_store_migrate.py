"""Migrations: an old store opens, keeps every row, and its old complaints become searchable."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from deskapp.clock import FrozenClock
from deskapp.services.desk import UPGRADE_ACTOR, Desk
from deskapp.services.intake import IntakeForm, take_complaint
from deskapp.services.pins import hash_pin
from deskapp.services.search import QueryKind, search
from deskapp.services.staff import actor_of, list_staff, sign_in
from deskapp.store import migrate
from deskapp.store.changelog import migrating
from deskapp.store.engine import make_engine
from deskapp.store.models import (
    ChangeLog,
    Complaint,
    Refund,
)

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
T0 = NOW - timedelta(days=3)
HANDLER_ID, MANAGER_ID = "old-staff-1", "old-staff-2"
OLD = {  # complaint id: (customer name, content, demand)
    "old-c1": ("黄先生", "小区里手机信号很差，经常打不通电话", "尽快优化信号"),
    "old-c2": ("林女士", "上月账单多扣了国际漫游费", "退还漫游费"),
    "old-c3": ("郭先生", "营业厅排队时间太长", "多开窗口"),
}


def test_head_revision_constant_is_alembics_head() -> None:
    assert migrate.head_revision() == migrate.HEAD_REVISION


def _complaint(cid: str, n: int, name: str, content: str, demand: str) -> dict[str, Any]:
    return {
        "id": cid,
        "ticket_no": f"OLD1-T01-20261121-{n:04d}",
        "hall_code": "OLD1",
        "terminal_code": "T01",
        "received_at": T0 + timedelta(minutes=n),
        "registered_at": T0 + timedelta(minutes=n + 2),
        "channel": "walk_in",
        "customer_name": name,
        "contact_phone": f"1380000000{n}",
        "phone_last4": f"000{n}",
        "service_number": f"1380000000{n}",
        "content": content,
        "demand": demand,
        "cause_code": "NET.COVER.INDOOR",
        "cause_code_l4": None,
        "severity": "general",
        "severity_reason": "",
        "accused_staff_id": None,
        "no_fault": False,
        "difficult_customer": False,
        "is_repeat": False,
        "repeat_of_id": None,
        "is_batch": False,
        "escalation_level": 0,
        "first_responder_id": HANDLER_ID,
        "owner_id": HANDLER_ID,
        "status": "open",
        "solved_on_spot": False,
        "promised_reply_at": T0 + timedelta(days=1),
        "outcome": "",
        "satisfaction": None,
        "closed_at": None,
        "reopen_count": 0,
        "created_by": HANDLER_ID,
        "updated_at": T0 + timedelta(minutes=n + 2),
    }


def _old_rows() -> list[tuple[str, dict[str, Any]]]:
    staff = [
        (HANDLER_ID, "1001", "老员工", "handler", "1111"),
        (MANAGER_ID, "2001", "老经理", "duty_manager", "8888"),
    ]
    rows: list[tuple[str, dict[str, Any]]] = [
        (
            "terminal",
            {
                "node_id": "old-node",
                "hall_code": "OLD1",
                "terminal_code": "T01",
                "timezone": "Asia/Shanghai",
                "last_seq": 1,  # it wrote the change-log row below
                "hlc_wall_ms": 0,
                "hlc_counter": 0,
                "created_at": T0,
            },
        ),
        *(
            (
                "staff",
                {
                    "id": sid,
                    "work_no": wno,
                    "name": name,
                    "role": role,
                    "active": True,
                    "pin_hash": hash_pin(pin),
                    "created_at": T0,
                    "created_by": "system:old",
                },
            )
            for sid, wno, name, role, pin in staff
        ),
        *(
            ("complaint", _complaint(cid, n, *values))
            for n, (cid, values) in enumerate(OLD.items(), start=1)
        ),
        *(
            (
                "complaint_event",
                {
                    "id": f"old-e{n}",
                    "complaint_id": cid,
                    "kind": "registered",
                    "at": T0 + timedelta(minutes=n + 2),
                    "actor_id": HANDLER_ID,
                    "note": "",
                    "data": json.dumps({"channel": "walk_in"}),
                },
            )
            for n, cid in enumerate(OLD, start=1)
        ),
        (
            "refund",
            {
                "id": "old-r1",
                "complaint_id": "old-c2",
                "charged_fen": 5800,
                "should_have_charged_fen": 4800,
                "rule_amount_fen": 2000,
                "amount_fen": 2500,
                "method": "cash",
                "verified_by": HANDLER_ID,
                "verified_at": T0,
                "approved_by": MANAGER_ID,
                "approval_reason": "往返多次",
                "created_by": HANDLER_ID,
            },
        ),
        ("ticket_counter", {"day": "20261121", "last_seq": 3}),
        ("signin_guard", {"work_no": "1001", "failures": 2, "locked_until": None}),
        ("draft", {"staff_id": HANDLER_ID, "form": "intake", "data": "{}", "updated_at": T0}),
        (
            "change_log",
            {
                "node_id": "old-node",
                "seq": 1,
                "txn_id": "old-txn",
                "entity": "staff",
                "entity_id": HANDLER_ID,
                "op": "insert",
                "fields": "{}",
                "hlc": "000000000000001.000000.old-node",
                "schema_version": 1,
                "actor_id": "system:old",
                "at": T0,
                "acked_at": T0,
            },
        ),
    ]
    return rows


def _insert_old_rows(engine: sa.Engine, *, skip: tuple[str, ...] = ()) -> None:
    """Rows written straight into the 0001 schema (reflected from the file, not from today's
    models), as an old terminal's store would already hold them."""
    with engine.connect() as conn, migrating(conn), conn.begin():
        tables = _reflect(conn)
        for name, values in _old_rows():
            if name == "terminal" and "change_log" in skip:
                values = {**values, "last_seq": 0}  # a terminal that never wrote
            if name not in skip:
                conn.execute(sa.insert(tables[name]).values(**values))


def _reflect(conn: sa.Connection) -> dict[str, sa.Table]:
    metadata = sa.MetaData()
    metadata.reflect(conn)
    return {
        name: table
        for name, table in metadata.tables.items()
        if name != "alembic_version" and not name.startswith("complaint_fts")
    }


def _dump(engine: sa.Engine, columns: dict[str, list[str]] | None = None) -> dict[str, list]:
    """Every row of every table, raw; restricted to `columns` (table -> names) when given."""
    with engine.connect() as conn:
        tables = _reflect(conn)
        names = columns or {n: [c.name for c in t.columns] for n, t in tables.items()}
        return {
            name: [
                dict(m)
                for m in conn.execute(
                    sa.select(*(tables[name].c[c] for c in cols)).order_by(
                        *tables[name].primary_key
                    )
                ).mappings()
            ]
            for name, cols in names.items()
        }


def _columns(dump: dict[str, list[dict[str, Any]]]) -> dict[str, list[str]]:
    return {name: list(rows[0]) for name, rows in dump.items()}


@pytest.fixture(scope="module")
def upgraded(tmp_path_factory: pytest.TempPathFactory):
    """A store made at 0001_initial with rows in it, as an old terminal would have it, then
    opened by today's desk (which upgrades it to head). Yields (desk, rows before)."""
    path = tmp_path_factory.mktemp("old") / "old.db"
    engine = make_engine(path)
    migrate.upgrade(engine, "0001_initial")
    assert migrate.current_revision(engine) == "0001_initial"
    with engine.connect() as conn:
        assert not conn.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE name = 'complaint_fts'"
        ).first()
    _insert_old_rows(engine)
    before = _dump(engine)
    engine.dispose()
    desk = Desk.open(path, clock=FrozenClock(NOW))
    try:
        yield desk, before
    finally:
        desk.close()


def test_the_old_store_is_upgraded_to_head(upgraded: tuple[Desk, dict]) -> None:
    desk, _ = upgraded
    assert migrate.current_revision(desk.engine) == migrate.HEAD_REVISION


def test_every_old_row_survives(upgraded: tuple[Desk, dict]) -> None:
    desk, before = upgraded
    assert {name: len(rows) for name, rows in before.items()} == {
        "terminal": 1,
        "staff": 2,
        "complaint": 3,
        "complaint_event": 3,
        "refund": 1,
        "ticket_counter": 1,
        "signin_guard": 1,
        "draft": 1,
        "change_log": 1,
    }
    # signin_guard alone is gone (0009): a terminal-local count of wrong PINs, replaced by the
    # synchronized signin_event rows; a count in progress at the upgrade is not carried over.
    # The terminal's counters and change log grew: opening the upgraded store recomputed the
    # old tickets' clocks through the change log (0011; test_the_upgrade_recomputes_...).
    grown = ("signin_guard", "terminal", "change_log")
    kept = {name: rows for name, rows in before.items() if name not in grown}
    assert _dump(desk.engine, _columns(kept)) == kept
    log = _dump(desk.engine, {"change_log": list(before["change_log"][0])})["change_log"]
    assert log[0] == before["change_log"][0]  # the old row as it was
    assert {(r["entity"], r["actor_id"]) for r in log[1:]} == {("complaint", UPGRADE_ACTOR)}
    with desk.engine.connect() as conn:
        assert not conn.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE name = 'signin_guard'"
        ).first()
    with desk.read() as session:  # and today's models read them
        assert sorted(session.scalars(sa.select(Complaint.id))) == sorted(OLD)
        assert session.get(Refund, "old-r1").approved_by == MANAGER_ID
        assert session.get(Complaint, "old-c1").received_at == T0 + timedelta(minutes=1)


@pytest.mark.parametrize(
    ("query", "ids"),
    [
        ("信号", ["old-c1"]),
        ("打不通", ["old-c1"]),
        ("漫游", ["old-c2"]),
        ("多扣", ["old-c2"]),
        ("窗口", ["old-c3"]),  # in the demand
        ("排队时间", ["old-c3"]),
        ("宽带", []),
    ],
)
def test_old_complaints_are_found_by_content_words(
    upgraded: tuple[Desk, dict], query: str, ids: list[str]
) -> None:
    desk, _ = upgraded
    page = search(desk, query)
    assert page.kind is QueryKind.TEXT
    assert [r.id for r in page.rows] == ids


def test_the_upgraded_store_works_as_a_desk(tmp_path: Path) -> None:
    """Writing after the upgrade: staff sign in, a new complaint is indexed, an edit of an
    old complaint re-indexes it, and the change log starts at seq 1 for the old node."""
    path = tmp_path / "old.db"
    engine = make_engine(path)
    migrate.upgrade(engine, "0001_initial")
    _insert_old_rows(engine, skip=("change_log",))
    engine.dispose()
    desk = Desk.open(path, clock=FrozenClock(NOW))
    try:
        assert sign_in(desk, "2001", "8888").name == "老经理"
        handler = actor_of(next(s for s in list_staff(desk) if s.work_no == "1001"))
        new = take_complaint(
            desk,
            handler,
            IntakeForm(
                customer_name="新客户",
                contact_phone="13900001111",
                content="新装宽带一直无法上网",
                demand="上门维修",
                cause_code="NET.BROADBAND.DOWN",
                promised_reply_at="2026-11-25 10:00",
            ),
        )
        assert new.ticket_no == "OLD1-T01-20261124-0001"
        assert [r.id for r in search(desk, "宽带").rows] == [new.id]
        with desk.write(handler.id) as session:
            session.get(Complaint, "old-c3").content = "营业厅空调坏了"
        assert [r.id for r in search(desk, "空调").rows] == ["old-c3"]
        assert search(desk, "排队").rows == []  # the old words left the index
        with desk.read() as session:
            seqs = session.scalars(sa.select(ChangeLog.seq).order_by(ChangeLog.seq)).all()
        assert seqs == list(range(1, len(seqs) + 1))
    finally:
        desk.close()


def test_opening_an_up_to_date_store_changes_nothing(upgraded: tuple[Desk, dict]) -> None:
    desk, before = upgraded
    now = _dump(desk.engine)
    migrate.upgrade(desk.engine)  # the fast path: already at head
    assert migrate.current_revision(desk.engine) == migrate.HEAD_REVISION
    assert _dump(desk.engine) == now
    grown = ("signin_guard", "terminal", "change_log")  # (0009, and 0011's recompute)
    kept = {name: rows for name, rows in before.items() if name not in grown}
    assert _dump(desk.engine, _columns(kept)) == kept


def test_the_migrated_schema_matches_the_models(tmp_path: Path) -> None:
    engine = make_engine(tmp_path / "fresh.db")
    try:
        migrate.upgrade(engine)
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, SQLModel.metadata)
    finally:
        engine.dispose()
    # The search index is a virtual table the models do not describe.
    drift = [
        d for d in diff if not (d[0] == "remove_table" and d[1].name.startswith("complaint_fts"))
    ]
    assert drift == []


# ------------------------------------------------- 0011: the rules of issue 16 on an old store


def test_the_upgrade_recomputes_the_old_tickets_clocks_to_the_corrected_rules(
    tmp_path: Path,
) -> None:
    """A store made by an earlier schema (0009_signin_event: 0010 and 0011 to go) whose open
    walk-in tickets the old desk had put on the 30-minute dispatch clock (overdue since): opened
    by today's desk, they run on their contact, promise and resolution clocks only, and the
    change is in the change log under the upgrade's name. A complaint about a staff member
    stays external."""
    path = tmp_path / "prev.db"
    engine = make_engine(path)
    migrate.upgrade(engine, "0009_signin_event")
    with engine.connect() as conn, migrating(conn), conn.begin():
        tables = _reflect(conn)
        for name, values in _old_rows():
            if name in ("signin_guard", "change_log"):
                continue  # gone at 0009 / a terminal that never wrote
            if name == "terminal":
                values = {**values, "last_seq": 0}
            if name == "complaint":
                # As the old desk stored it: the dispatch clock, 30 minutes after registering.
                values = {
                    **values,
                    "next_clock": "dispatch",
                    "next_due_at": values["registered_at"] + timedelta(minutes=30),
                    "accused_staff_id": MANAGER_ID if values["id"] == "old-c3" else None,
                }
            conn.execute(sa.insert(tables[name]).values(**values))
    engine.dispose()
    desk = Desk.open(path, clock=FrozenClock(NOW))
    try:
        assert migrate.current_revision(desk.engine) == migrate.HEAD_REVISION
        with desk.read() as session:
            rows = {c.id: c for c in session.scalars(sa.select(Complaint))}
            logged = list(
                session.scalars(sa.select(ChangeLog).where(ChangeLog.actor_id == UPGRADE_ACTOR))
            )
        assert {c.next_clock for c in rows.values()} == {"progress_contact"}
        assert all(c.next_due_at > c.registered_at + timedelta(minutes=30) for c in rows.values())
        assert not any(c.internal for c in rows.values())  # old-c3 is a customer's complaint
        assert sorted(e.entity_id for e in logged) == sorted(OLD)
        assert all(json.loads(e.fields)["next_clock"] == "progress_contact" for e in logged)
    finally:
        desk.close()
