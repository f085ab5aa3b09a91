"""Terminals working offline, then synchronizing through the hall store: every replica ends
with the same records, every event exactly once, concurrent edits settled the same way
everywhere with one conflict record, and resending is harmless."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sync_kit import (
    Term,
    assert_identical,
    conflicts,
    content,
    first_terminal,
    new_terminal,
    own_log,
    take,
    tick,
)

from deskapp.domain.errors import RuleViolation
from deskapp.services import followup
from deskapp.services.conflicts import settle_conflict
from deskapp.services.demo import closing_facts
from deskapp.store.models import ChangeLog, Complaint, ComplaintEvent, SyncRun
from deskapp.sync import HallStore, list_conflicts, sync, sync_status
from deskapp.sync.hall import hall_change, hall_conflict, hall_terminal


def joined(tmp_path: Path, hall: str, codes: tuple[str, ...] = ("T02",)) -> list[Term]:
    """T01 (with the staff) and new terminals that bootstrapped from the hall."""
    terms = [first_terminal(tmp_path)]
    assert sync(terms[0].desk, hall).ok
    for n, code in enumerate(codes, start=1):
        term = new_terminal(tmp_path, code, offset=timedelta(seconds=n))
        result = sync(term.desk, hall)
        assert result.ok and result.bootstrapped, result
        terms.append(term)
    return terms


def sync_all(terms: list[Term], hall: str, rounds: int = 2) -> None:
    for _ in range(rounds):
        for term in terms:
            result = sync(term.desk, hall, batch_size=7)
            assert result.ok, (term.code, result)


def count(desk, model) -> int:
    with desk.read() as s:
        return s.scalar(sa.select(sa.func.count()).select_from(model))


def complaint(desk, cid: str) -> Complaint:
    with desk.read() as s:
        return s.get(Complaint, cid)


# ----------------------------------------------------------------------------- convergence


@pytest.mark.parametrize("codes", [("T02",), ("T02", "T03")], ids=["two", "three"])
def test_offline_work_converges_everywhere(tmp_path: Path, hall_url: str, codes) -> None:
    terms = joined(tmp_path, hall_url, codes)
    made_events = 0
    try:
        # A morning of work on every terminal, none of them connected.
        for round_ in range(3):
            for term in terms:
                handler = "1001" if term.code != "T02" else "1002"
                actor = term.actors[handler]
                phone = f"1391234{round_}{term.code[-1]}00"
                cid = take(term, handler, contact_phone=phone)
                tick(terms)
                followup.log_contact(term.desk, actor, cid, reached=True, note="已联系客户")
                followup.dispatch(term.desk, actor, cid, department="network", note="请核查信号")
                tick(terms)
                if round_ == 2:
                    followup.close(
                        term.desk,
                        actor,
                        cid,
                        outcome="已优化基站",
                        facts=closing_facts(term.desk, cid),
                    )
        with terms[0].desk.read() as s:
            before = s.scalar(sa.select(sa.func.count()).select_from(ComplaintEvent))
        assert before > 0
        for term in terms:
            made_events += count(term.desk, ComplaintEvent)
        sync_all(terms, hall_url)
        first = assert_identical(terms)
        # every event exactly once: the union of what each terminal made, no more, no less
        assert len(first["complaint_event"]) == made_events
        assert len({row[0] for row in first["complaint_event"]}) == made_events
        assert len(first["complaint"]) == 3 * len(terms)
        for term in terms:  # nothing left waiting, every own row acknowledged
            assert sync_status(term.desk).waiting == 0
            assert all(r.acked_at is not None for r in own_log(term.desk))
        # the hall sequence has no gap and holds each change once
        store = HallStore.open(hall_url)
        try:
            with store.read() as conn:
                column = hall_change.c.hall_seq
                seqs = conn.execute(sa.select(column).order_by(column)).scalars().all()
                marks = dict(conn.execute(sa.select(hall_terminal.c.node_id,
                                                    hall_terminal.c.high_water)).all())  # fmt: skip
        finally:
            store.close()
        assert seqs == list(range(1, len(seqs) + 1))
        assert sum(marks.values()) == len(seqs)
        for term in terms:
            assert marks[term.desk.terminal().node_id] == len(own_log(term.desk))
    finally:
        for term in terms:
            term.close()


def test_a_batch_delivered_twice_changes_nothing(tmp_path: Path, hall_url: str) -> None:
    terms = joined(tmp_path, hall_url)
    a, b = terms
    try:
        take(a)
        take(a, contact_phone="13900001111")
        node = a.desk.terminal().node_id
        rows = own_log(a.desk)
        store = HallStore.open(hall_url)
        try:
            handshake = store.handshake(node, "GZ01", "T01", 3, a.clock.now())
            payload = [
                {
                    "node_id": node, "seq": r.seq, "txn_id": r.txn_id, "entity": r.entity,
                    "entity_id": r.entity_id, "root_id": r.entity_id, "op": r.op,
                    "fields": r.fields, "hlc": r.hlc, "schema_version": r.schema_version,
                    "actor_id": r.actor_id, "at": r.at.isoformat(), "seen": 0,
                }
                for r in rows if r.seq > handshake.high_water
            ]  # fmt: skip
            assert store.receive(node, payload, a.clock.now()) == rows[-1].seq
            assert store.receive(node, payload, a.clock.now()) == rows[-1].seq  # again
            with store.read() as conn:
                total = conn.execute(sa.select(sa.func.count()).select_from(hall_change)).scalar()
            assert total == len(rows)
        finally:
            store.close()
        # the terminal never heard back, so it sends everything again: harmless
        result = sync(a.desk, hall_url)
        assert result.ok and result.pushed == 0
        assert sync(b.desk, hall_url).pulled == len(payload)
        # and a pulled batch applied twice (the cursor wound back) changes nothing either
        snapshot = content(b.desk)
        with b.desk.engine.begin() as conn:
            conn.exec_driver_sql("UPDATE sync_state SET cursor = 0")
        again = sync(b.desk, hall_url)
        assert again.ok and again.pulled == len(rows)
        assert content(b.desk) == snapshot
        assert_identical(terms)
        with b.desk.read() as s:
            assert s.scalar(sa.select(sa.func.count()).select_from(ChangeLog)) == len(
                own_log(a.desk)
            )
    finally:
        for term in terms:
            term.close()


# ----------------------------------------------------------------------------- merge rules


def test_concurrent_edits_last_writer_wins_with_one_conflict_record(
    tmp_path: Path, hall_url: str
) -> None:
    terms = joined(tmp_path, hall_url, ("T02", "T03"))
    a, b, c = terms
    try:
        cid = take(a)
        sync_all(terms, hall_url)
        tick(terms)
        # a and b change the severity concurrently; b's clock is later, so b wins everywhere
        followup.change_severity(a.desk, a.actors["1001"], cid, severity="major", reason="")
        b.clock.advance(timedelta(seconds=20))
        followup.change_severity(b.desk, b.actors["1002"], cid, severity="serious", reason="")
        # the same value on both sides is agreement, not a conflict
        followup.log_contact(a.desk, a.actors["1001"], cid, reached=False, note="未接",
                             promise="")  # fmt: skip
        sync_all([b, a, c], hall_url)
        first = assert_identical(terms)
        assert first
        for term in terms:
            assert complaint(term.desk, cid).severity == "serious"
        records = [conflicts(t.desk) for t in terms]
        assert records[0] == records[1] == records[2]
        assert [(r[1], r[3]) for r in records[0]] == [("complaint", "severity")]
        (view,) = list_conflicts(c.desk)
        assert {view.a.value, view.b.value} == {"serious", "major"}
        assert view.current == "serious"
        assert {view.a.actor_name, view.b.actor_name} == {"张敏", "刘洋"}
        # a later edit by someone who had seen both is sequential: no new conflict (a raise:
        # lowering a 严重 ticket is its supervising level's, not a handler's)
        tick(terms)
        followup.change_severity(c.desk, c.actors["1001"], cid, severity="major", reason="")
        sync_all(terms, hall_url)
        assert len(conflicts(a.desk)) == 1
        assert {complaint(t.desk, cid).severity for t in terms} == {"major"}
    finally:
        for term in terms:
            term.close()


def test_settling_a_conflict_is_a_logged_change_seen_everywhere(
    tmp_path: Path, hall_url: str
) -> None:
    terms = joined(tmp_path, hall_url)
    a, b = terms
    try:
        cid = take(a)
        sync_all(terms, hall_url)
        tick(terms)
        followup.change_severity(a.desk, a.actors["1001"], cid, severity="major", reason="")
        tick(terms)
        followup.change_severity(b.desk, b.actors["1002"], cid, severity="serious", reason="")
        sync_all(terms, hall_url)
        (view,) = list_conflicts(a.desk)
        assert view.current == "serious"
        with pytest.raises(RuleViolation):  # a handler does not settle conflicts
            settle_conflict(a.desk, a.actors["1001"], view.id, "a")
        keep = "a" if view.a.value == "major" else "b"
        settled = settle_conflict(a.desk, a.actors["2001"], view.id, keep)
        assert settled.settled_at is not None and settled.current == "major"
        assert list_conflicts(a.desk) == []
        sync_all(terms, hall_url)
        assert list_conflicts(b.desk) == []
        assert complaint(b.desk, cid).severity == "major"
        assert conflicts(a.desk) == conflicts(b.desk)
        with b.desk.read() as s:
            kinds = s.scalars(
                sa.select(ComplaintEvent.kind).where(ComplaintEvent.complaint_id == cid)
            ).all()
        assert "conflict_settled" in kinds
        assert_identical(terms)
        with pytest.raises(RuleViolation):
            settle_conflict(b.desk, b.actors["2001"], view.id, "b")
    finally:
        for term in terms:
            term.close()


def test_status_merges_along_its_state_machine(tmp_path: Path, hall_url: str) -> None:
    terms = joined(tmp_path, hall_url)
    a, b = terms
    try:
        cid = take(a)
        sync_all(terms, hall_url)
        tick(terms)
        # a closes the ticket; b, later by its clock and not knowing, dispatches it
        followup.close(
            a.desk, a.actors["1001"], cid, outcome="现场已解释", facts=closing_facts(a.desk, cid)
        )
        b.clock.advance(timedelta(minutes=2))
        followup.dispatch(b.desk, b.actors["1002"], cid, department="network", note="请核查")
        sync_all(terms, hall_url)
        assert_identical(terms)
        # closed -> dispatched is no move of the state machine: the ticket stays closed,
        # both events are kept, and the disagreement is on record for review
        assert {complaint(t.desk, cid).status for t in terms} == {"closed"}
        with a.desk.read() as s:
            kinds = set(
                s.scalars(sa.select(ComplaintEvent.kind).where(ComplaintEvent.complaint_id == cid))
            )
        assert {"closed", "dispatch"} <= kinds
        assert [r[3] for r in conflicts(a.desk)] == ["status"]
        (view,) = list_conflicts(a.desk)
        keep = "a" if view.a.value == "dispatched" else "b"
        with pytest.raises(RuleViolation):  # settling cannot jump the state machine either
            settle_conflict(a.desk, a.actors["2001"], view.id, keep)
    finally:
        for term in terms:
            term.close()


def test_the_escalation_level_merges_as_the_highest_never_backwards(
    tmp_path: Path, hall_url: str
) -> None:
    """Attack on issue 16, 7: T01 escalated a ticket twice (duty manager, then hall manager),
    T02 once, slightly later, not knowing; after sync both were at level 1 or 2 by the later
    stamp. A level only goes up: it merges as the highest any terminal reached, everywhere."""
    terms = joined(tmp_path, hall_url)
    a, b = terms
    try:
        cid = take(a)
        sync_all(terms, hall_url)
        tick(terms)
        followup.escalate(a.desk, a.actors["1001"], cid, note="报值班经理")
        followup.escalate(a.desk, a.actors["2001"], cid, note="报厅经理")
        b.clock.advance(timedelta(minutes=2))
        followup.escalate(b.desk, b.actors["1002"], cid, note="报值班经理")
        assert complaint(b.desk, cid).escalation_level == 1
        sync_all(terms, hall_url)
        assert_identical(terms)
        assert {complaint(t.desk, cid).escalation_level for t in terms} == {2}
        with a.desk.read() as s:
            escalated = s.scalars(
                sa.select(ComplaintEvent.kind).where(
                    ComplaintEvent.complaint_id == cid, ComplaintEvent.kind == "escalated"
                )
            )
            assert len(list(escalated)) == 3  # every terminal's report kept
        # the next step goes on from the merged level (the hall manager's)
        followup.escalate(b.desk, b.actors["3001"], cid, note="报客服质量监控")
        assert complaint(b.desk, cid).escalation_level == 3
    finally:
        for term in terms:
            term.close()


def test_derived_clock_columns_follow_the_merged_events(tmp_path: Path, hall_url: str) -> None:
    terms = joined(tmp_path, hall_url)
    a, b = terms
    try:
        cid = take(a, channel="phone")
        sync_all(terms, hall_url)
        tick(terms)
        followup.dispatch(a.desk, a.actors["1001"], cid, department="network", note="请核查")
        followup.log_contact(b.desk, b.actors["1002"], cid, reached=True, note="已联系")
        sync_all(terms, hall_url)
        first = assert_identical(terms)
        assert first
        # each side computed its clocks without the other's event; both recomputed them
        from deskapp.services.deadlines import clock_values

        with a.desk.read() as s:
            row = s.get(Complaint, cid)
            expected, _ = clock_values(s, a.desk, row)
            assert {k: getattr(row, k) for k in expected} == expected
    finally:
        for term in terms:
            term.close()


# ----------------------------------------------------------------------------- the hall


def test_concurrent_pushes_keep_the_hall_sequence_gap_free(tmp_path: Path, hall_url: str) -> None:
    terms = joined(tmp_path, hall_url, ("T02", "T03", "T04"))
    try:
        for term in terms:
            for n in range(4):
                take(term, "1001", contact_phone=f"1370000{term.code[-1]}{n:03d}")
        errors: list[object] = []

        def push(term: Term) -> None:
            result = sync(term.desk, hall_url, batch_size=5)
            if not result.ok:
                errors.append(result)

        threads = [threading.Thread(target=push, args=(t,)) for t in terms]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        sync_all(terms, hall_url)
        store = HallStore.open(hall_url)
        try:
            with store.read() as conn:
                rows = conn.execute(
                    sa.select(hall_change.c.hall_seq, hall_change.c.node_id, hall_change.c.seq)
                ).all()
                total = sa.select(sa.func.count()).select_from(hall_conflict)
                assert conn.execute(total).scalar() == 0
        finally:
            store.close()
        assert sorted(r[0] for r in rows) == list(range(1, len(rows) + 1))
        assert len({(r[1], r[2]) for r in rows}) == len(rows)
        assert len(assert_identical(terms)["complaint"]) == 16
    finally:
        for term in terms:
            term.close()


def test_every_run_is_logged_and_the_header_counts_what_waits(
    tmp_path: Path, hall_url: str
) -> None:
    a = first_terminal(tmp_path)
    try:
        status = sync_status(a.desk)
        assert status.last_success_at is None and status.waiting == len(own_log(a.desk))
        assert "从未同步" in status.header(a.desk.tz)
        assert sync(a.desk, hall_url).ok
        take(a)
        status = sync_status(a.desk)
        assert status.waiting == len(own_log(a.desk)) - 4  # the four staff rows went
        assert status.last_success_at == a.clock.now()
        assert f"待上传 {status.waiting} 条" in status.header(a.desk.tz)
        a.clock.advance(timedelta(minutes=3))
        result = sync(a.desk, hall_url)
        assert result.ok and sync_status(a.desk).waiting == 0
        with a.desk.read() as s:
            runs = s.scalars(sa.select(SyncRun).order_by(SyncRun.started_at)).all()
        assert [r.outcome for r in runs] == ["ok", "ok"]
        assert runs[1].pushed == result.pushed > 0 and runs[0].bootstrap
        assert "上传" in result.message and json.dumps(result.message, ensure_ascii=False)
    finally:
        a.close()
