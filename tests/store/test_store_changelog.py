"""The change log is complete (replaying it rebuilds every record table exactly), gap-free,
grouped by transaction, stamped with its actor and with a clock that never goes back."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from store_kit import DEMO_NOW, DEMO_PINS, actors_of, log_rows, open_demo, replay
from store_kit import table_rows as _rows

from deskapp.clock import FrozenClock
from deskapp.domain.hlc import Stamp
from deskapp.domain.timefmt import format_local
from deskapp.services.desk import Desk
from deskapp.services.intake import IntakeForm, RefundForm, take_complaint
from deskapp.store.models import (
    RECORD_TABLES,
    SCHEMA_VERSION,
    ChangeLog,
    Complaint,
    Staff,
    Terminal,
    UTCDateTime,
)


@dataclass
class Txn:
    """The change-log seqs one unit of work wrote, and who did it."""

    label: str
    first: int
    last: int
    actor: str


@dataclass
class Story:
    desk: Desk
    clock: FrozenClock
    txns: list[Txn]


def max_seq(desk: Desk) -> int:
    with desk.read() as s:
        return s.scalar(sa.select(sa.func.coalesce(sa.func.max(ChangeLog.seq), 0)))


def form(desk: Desk, **overrides: Any) -> IntakeForm:
    values: dict[str, Any] = {
        "customer_name": "周女士",
        "contact_phone": "13712345678",
        "content": "话费账单多扣了一笔短信费",
        "demand": "退还",
        "cause_code": "BILLINFO.ACCURACY.SP",
        "promised_reply_at": format_local(desk.clock.now() + timedelta(days=1), desk.tz),
    }
    values.update(overrides)
    return IntakeForm(**values)


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Story]:
    """The demo store, then a day's realistic work on top: refunds with and without a
    manager's approval, a complaint about a colleague, a repeat, updates in one and in
    several flushes, a deactivated member, and a wall clock that steps back."""
    clock = FrozenClock(DEMO_NOW)
    desk = open_demo(tmp_path_factory.mktemp("story") / "desk.db", clock)
    actors = actors_of(desk)
    handler, colleague = actors["1001"], actors["1002"]
    txns: list[Txn] = []

    def unit(label: str, actor: str, action: Any) -> Any:
        before = max_seq(desk)
        result = action()
        txns.append(Txn(label, before + 1, max_seq(desk), actor))
        return result

    refund = RefundForm(
        charged="30",
        should_have_charged="20",
        amount="25",
        verified=True,
        approver_work_no="2001",
        approver_pin=DEMO_PINS["2001"],
        approval_reason="客户多次往返",
    )
    first = unit(
        "refund with approval",
        handler.id,
        lambda: take_complaint(desk, handler, form(desk, refund=refund)),
    )
    clock.advance(timedelta(minutes=7))
    unit(
        "about a colleague",
        handler.id,
        lambda: take_complaint(
            desk, handler, form(desk, accused_staff_id=colleague.id, contact_phone="02083456789")
        ),
    )
    clock.advance(timedelta(minutes=3))
    unit(
        "repeat, on the spot, small refund",
        colleague.id,
        lambda: take_complaint(
            desk,
            colleague,
            form(
                desk,
                solved_on_spot=True,
                outcome="已退费",
                satisfaction="satisfied",
                promised_reply_at="",
                refund=RefundForm(charged="12.34", should_have_charged="2.34", verified=True),
            ),
        ),
    )

    def close_in_two_flushes() -> None:
        with desk.write(handler.id) as session:
            c = session.get(Complaint, first.id)
            c.status = "closed"
            c.outcome = "已按规则退费"
            session.flush()
            c.satisfaction = "basically_satisfied"
            c.closed_at = clock.now()
            c.promised_reply_at = None
            c.updated_at = clock.now()

    clock.advance(timedelta(hours=2))
    unit("close in two flushes", handler.id, close_in_two_flushes)

    def edit_content() -> None:
        with desk.write(handler.id) as session:
            c = session.get(Complaint, first.id)
            c.content = c.content + "(补充:上月也有)"
            c.updated_at = clock.now()

    clock.set(DEMO_NOW - timedelta(hours=5))  # the wall clock steps back
    unit("edit content", handler.id, edit_content)

    def deactivate() -> None:
        with desk.write("system:admin") as session:
            session.scalars(sa.select(Staff).where(Staff.work_no == "1002")).one().active = False

    unit("deactivate", "system:admin", deactivate)
    try:
        yield Story(desk, clock, txns)
    finally:
        desk.close()


@pytest.mark.parametrize("name", sorted(RECORD_TABLES))
def test_replaying_the_log_rebuilds_every_record_table_exactly(story: Story, name: str) -> None:
    table = RECORD_TABLES[name].__table__
    rebuilt = replay(story.desk)
    for raw in (False, True):
        original = _rows(story.desk.engine, table, raw=raw)
        assert original, f"{name} has no rows: the test would prove nothing"
        assert _rows(rebuilt, table, raw=raw) == original


def test_the_story_exercised_updates_and_nulls(story: Story) -> None:
    rows = log_rows(story.desk)
    updates = [(r.entity, json.loads(r.fields)) for r in rows if r.op == "update"]
    assert ("staff", {"active": False}) in updates
    complaint_updates = [f for e, f in updates if e == "complaint"]
    assert {"promised_reply_at": None} in [
        {k: v for k, v in f.items() if k == "promised_reply_at"} for f in complaint_updates
    ]
    assert any("content" in f for f in complaint_updates)
    # the update rows carry only what changed
    assert all("ticket_no" not in f for f in complaint_updates)


def test_logged_times_are_iso_strings(story: Story) -> None:
    for row in log_rows(story.desk):
        table = RECORD_TABLES[row.entity].__table__
        for name, value in json.loads(row.fields).items():
            if isinstance(table.c[name].type, UTCDateTime) and value is not None:
                assert datetime.fromisoformat(value).tzinfo is not None


# ------------------------------------------------------------------ order, grouping, actors


def test_seq_is_gap_free_per_node_and_matches_the_terminal(story: Story) -> None:
    rows = log_rows(story.desk)
    with story.desk.read() as s:
        terminal = s.scalars(sa.select(Terminal)).one()
    assert {r.node_id for r in rows} == {terminal.node_id}
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
    assert terminal.last_seq == len(rows)


def test_every_row_of_a_transaction_shares_its_txn_id(story: Story) -> None:
    rows = {r.seq: r for r in log_rows(story.desk)}
    seen: set[str] = set()
    for txn in story.txns:
        assert txn.last >= txn.first, f"{txn.label} logged nothing"
        ids = {rows[seq].txn_id for seq in range(txn.first, txn.last + 1)}
        assert len(ids) == 1, txn.label
        assert not ids & seen, f"{txn.label} reused another transaction's id"
        seen |= ids
    # and across the whole log, each transaction is one contiguous run of seqs
    runs: dict[str, list[int]] = {}
    for seq, row in sorted(rows.items()):
        runs.setdefault(row.txn_id, []).append(seq)
    for seqs in runs.values():
        assert seqs == list(range(seqs[0], seqs[-1] + 1))


def test_the_two_flush_update_is_one_transaction(story: Story) -> None:
    (txn,) = [t for t in story.txns if t.label == "close in two flushes"]
    rows = [r for r in log_rows(story.desk) if txn.first <= r.seq <= txn.last]
    assert len(rows) == 2  # one row per flush, one transaction
    assert rows[0].hlc < rows[1].hlc


def test_every_row_has_its_actor(story: Story) -> None:
    rows = {r.seq: r for r in log_rows(story.desk)}
    assert all(r.actor_id for r in rows.values())
    for txn in story.txns:
        assert {rows[s].actor_id for s in range(txn.first, txn.last + 1)} == {txn.actor}
    demo_staff_rows = [r for r in rows.values() if r.entity == "staff" and r.op == "insert"]
    assert {r.actor_id for r in demo_staff_rows} == {"system:demo"}


def test_rows_carry_schema_version_and_time(story: Story) -> None:
    for row in log_rows(story.desk):
        assert row.schema_version == SCHEMA_VERSION
        assert row.at.tzinfo is not None
        assert row.acked_at is None


def test_hlc_never_goes_back_even_when_the_wall_clock_does(story: Story) -> None:
    rows = log_rows(story.desk)
    stamps = [Stamp.decode(r.hlc) for r in rows]
    assert {s.node_id for s in stamps} == {rows[0].node_id}
    for a, b, ra, rb in zip(stamps, stamps[1:], rows, rows[1:], strict=False):
        assert a <= b
        if ra.txn_id != rb.txn_id:
            assert a < b
    (edit,) = [t for t in story.txns if t.label == "edit content"]
    edit_row = next(r for r in rows if r.seq == edit.first)
    assert edit_row.at < rows[edit.first - 2].at  # the wall clock did step back
    assert Stamp.decode(edit_row.hlc) > Stamp.decode(rows[edit.first - 2].hlc)


def test_a_rolled_back_unit_of_work_leaves_no_gap(tmp_path: Path) -> None:
    desk = open_demo(tmp_path / "desk.db")
    try:
        before = max_seq(desk)

        class Abort(Exception):
            pass

        with pytest.raises(Abort), desk.write("system:test") as session:
            session.scalars(sa.select(Staff).where(Staff.work_no == "1001")).one().name = "x"
            session.flush()  # a seq is taken inside the transaction...
            raise Abort  # ...and given back by the rollback
        assert max_seq(desk) == before
        with desk.write("system:test") as session:
            session.scalars(sa.select(Staff).where(Staff.work_no == "1001")).one().name = "张敏敏"
        rows = log_rows(desk)
        assert [r.seq for r in rows] == list(range(1, before + 2))
        assert json.loads(rows[-1].fields) == {"name": "张敏敏"}
        with desk.read() as s:
            assert s.scalars(sa.select(Terminal.last_seq)).one() == before + 1
    finally:
        desk.close()
