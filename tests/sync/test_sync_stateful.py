"""Hypothesis, stateful: three terminals doing random service work offline and syncing in
random orders, some runs cut short by a crash at a random boundary. At the end everyone syncs
twice, and then: every replica holds the same records, every event exactly once, the hall
sequence has no gap, and every concurrent conflicting edit has its conflict record.

The conflict oracle is the test's own: for each change a terminal makes, the test notes what
that terminal had seen of the others at that moment (read from its store before the action).
Two edits of one field are concurrent when neither terminal had seen the other's; walking the
edits in the order the hall received them, an edit concurrent with the field's previous edit
and of a different value must have a conflict record naming both."""

from __future__ import annotations

import json
import shutil
import tempfile
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule
from sync_kit import (
    Term,
    assert_identical,
    first_terminal,
    new_terminal,
    own_log,
    pg_schema_url,
    take,
)

from deskapp.domain.errors import RuleViolation
from deskapp.services import followup
from deskapp.store.models import ChangeLog, Complaint, ComplaintEvent, SyncConflict
from deskapp.sync import HallStore, SyncOutcome, sync
from deskapp.sync.hall import UNREVIEWED_FIELDS, fault_hook, hall_change

POINTS = ["mid_batch", "after_hall_commit", "after_ack", "mid_pull", "after_pull"]
SEVERITIES = ["general", "serious", "major"]


class Crash(Exception):
    pass


class ThreeTerminals(RuleBasedStateMachine):
    hall_kind = "sqlite"

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="deskapp-stateful-"))
        self.stack = ExitStack()
        if self.hall_kind == "postgresql":
            self.hall = self.stack.enter_context(pg_schema_url())
        else:
            self.hall = str(self.folder / "hall.db")
        self.terms: list[Term] = []
        self.seen_at: dict[tuple[str, int], dict[str, int]] = {}  # (node, seq) -> seen
        self.events_made = 0

    @initialize()
    def join(self) -> None:
        first = first_terminal(self.folder)
        self.terms.append(first)
        assert sync(first.desk, self.hall).ok
        for n, code in enumerate(("T02", "T03"), start=1):
            term = new_terminal(self.folder, code, offset=timedelta(milliseconds=7 * n))
            assert sync(term.desk, self.hall).ok
            self.terms.append(term)
        # one ticket everybody has, so that concurrent edits can happen from the first step
        self.act(first, lambda: take(first, contact_phone="13800009999"))
        for term in self.terms:
            assert sync(term.desk, self.hall).ok

    def teardown(self) -> None:
        try:
            if len(self.terms) == 3:
                self.settle_and_check()
        finally:
            for term in self.terms:
                term.close()
            self.stack.close()
            shutil.rmtree(self.folder, ignore_errors=True)

    # ------------------------------------------------------------------ helpers

    def seen(self, term: Term) -> dict[str, int]:
        with term.desk.engine.connect() as conn:
            return dict(
                conn.execute(
                    sa.select(ChangeLog.node_id, sa.func.max(ChangeLog.seq)).group_by(
                        ChangeLog.node_id
                    )
                ).all()
            )

    def act(self, term: Term, action) -> None:
        """Run a service action, noting for each change it logs what the terminal had seen."""
        before = self.seen(term)
        node = term.desk.terminal().node_id
        events = self.count_events(term)
        try:
            action()
        except RuleViolation:
            return  # an impossible move on this replica: refused, nothing written
        for row in own_log(term.desk):  # (the initial ticket is seen by the machine too)
            if row.seq > before.get(node, 0):
                self.seen_at[(node, row.seq)] = before
        self.events_made += self.count_events(term) - events

    def count_events(self, term: Term) -> int:
        with term.desk.read() as s:
            return s.scalar(sa.select(sa.func.count()).select_from(ComplaintEvent))

    def pick(self, term: Term, n: int) -> str | None:
        with term.desk.read() as s:
            ids = s.scalars(sa.select(Complaint.id).order_by(Complaint.id)).all()
        return ids[n % len(ids)] if ids else None

    # ------------------------------------------------------------------ rules

    @rule(t=st.integers(0, 2), minutes=st.integers(0, 30))
    def time_passes(self, t: int, minutes: int) -> None:
        for term in self.terms:
            term.clock.advance(timedelta(minutes=minutes, milliseconds=t))

    @rule(t=st.integers(0, 2), phone=st.integers(0, 5))
    def take_complaint(self, t: int, phone: int) -> None:
        if len(self.terms[t].complaints) >= 2:
            return  # a few tickets, much worked on: that is where edits meet
        term = self.terms[t]
        self.act(term, lambda: take(term, "1001" if t != 1 else "1002",
                                    contact_phone=f"1380000{phone:04d}"))  # fmt: skip

    @precondition(lambda self: self.terms)
    @rule(t=st.integers(0, 2), n=st.integers(0, 50), reached=st.booleans())
    def contact(self, t: int, n: int, reached: bool) -> None:
        term = self.terms[t]
        cid = self.pick(term, n)
        if cid:
            self.act(term, lambda: followup.log_contact(
                term.desk, term.actors["1001"], cid, reached=reached, note="联系客户"))  # fmt: skip

    @rule(t=st.integers(0, 2), n=st.integers(0, 50), dept=st.sampled_from(["network", "billing"]))
    def dispatch(self, t: int, n: int, dept: str) -> None:
        term = self.terms[t]
        cid = self.pick(term, n)
        if cid:
            self.act(term, lambda: followup.dispatch(
                term.desk, term.actors["1002"], cid, department=dept, note="派单"))  # fmt: skip

    @rule(t=st.integers(0, 2), n=st.integers(0, 50), final=st.booleans())
    def department_reply(self, t: int, n: int, final: bool) -> None:
        term = self.terms[t]
        cid = self.pick(term, n)
        if cid:
            self.act(term, lambda: followup.department_reply(
                term.desk, term.actors["1001"], cid, department="network", content="已处理",
                final=final))  # fmt: skip

    @rule(t=st.integers(0, 2), n=st.integers(0, 50), outcome=st.sampled_from(["已解决", "已解释"]))
    def close(self, t: int, n: int, outcome: str) -> None:
        term = self.terms[t]
        cid = self.pick(term, n)
        if cid:
            self.act(term, lambda: followup.close(
                term.desk, term.actors["1001"], cid, outcome=outcome))  # fmt: skip

    @rule(t=st.integers(0, 2), n=st.integers(0, 50), severity=st.sampled_from(SEVERITIES))
    def change_severity(self, t: int, n: int, severity: str) -> None:
        term = self.terms[t]
        cid = self.pick(term, n)
        if cid:
            self.act(term, lambda: followup.change_severity(
                term.desk, term.actors["2001"], cid, severity=severity, reason="复核"))  # fmt: skip

    @rule(t=st.integers(0, 2), n=st.integers(0, 50),
          satisfaction=st.sampled_from(["satisfied", "unsatisfied"]))  # fmt: skip
    def visit(self, t: int, n: int, satisfaction: str) -> None:
        term = self.terms[t]
        cid = self.pick(term, n)
        if cid:
            self.act(term, lambda: followup.record_visit(
                term.desk, term.actors["1001"], cid, satisfaction=satisfaction,
                note="回访"))  # fmt: skip

    @rule(t=st.integers(0, 2), batch=st.integers(1, 12))
    def sync_one(self, t: int, batch: int) -> None:
        result = sync(self.terms[t].desk, self.hall, batch_size=batch)
        assert result.ok, result

    @rule()
    def everyone_syncs(self) -> None:
        for term in self.terms:
            assert sync(term.desk, self.hall).ok

    @rule(t=st.integers(0, 2), point=st.sampled_from(POINTS), batch=st.integers(1, 6))
    def sync_crashes(self, t: int, point: str, batch: int) -> None:
        def crash(name: str, conn) -> None:
            if name == point:
                raise Crash(name)

        with fault_hook(crash):
            result = sync(self.terms[t].desk, self.hall, batch_size=batch)
        assert result.outcome in (SyncOutcome.OK, SyncOutcome.ERROR), result

    # ------------------------------------------------------------------ the end

    def settle_and_check(self) -> None:
        for _ in range(2):
            for term in self.terms:
                result = sync(term.desk, self.hall, batch_size=50)
                assert result.ok, result
        content = assert_identical(self.terms)
        events = content["complaint_event"]
        assert len(events) == len({e[0] for e in events}) == self.events_made
        for term in self.terms:
            assert all(r.acked_at is not None for r in own_log(term.desk))
        store = HallStore.open(self.hall)
        try:
            with store.read() as conn:
                order = conn.execute(
                    sa.select(
                        hall_change.c.hall_seq, hall_change.c.node_id, hall_change.c.seq
                    ).order_by(hall_change.c.hall_seq)
                ).all()
        finally:
            store.close()
        assert [r[0] for r in order] == list(range(1, len(order) + 1))
        assert len({(r[1], r[2]) for r in order}) == len(order)
        self.check_conflicts([(r[1], r[2]) for r in order])

    def check_conflicts(self, hall_order: list[tuple[str, int]]) -> None:
        rows: dict[tuple[str, int], ChangeLog] = {}
        for term in self.terms:
            for row in own_log(term.desk):
                rows[(row.node_id, row.seq)] = row
        expected: set[tuple] = set()
        last: dict[tuple, tuple] = {}  # field -> (node, seq, hlc, value)
        for key in hall_order:
            row = rows[key]
            if row.op != "update":
                continue
            seen = self.seen_at.get(key, {})
            for name, value in json.loads(row.fields).items():
                field = (row.entity, row.entity_id, name)
                text = json.dumps(value, ensure_ascii=False, sort_keys=True)
                before = last.get(field)
                if (
                    before is not None
                    and before[0] != row.node_id
                    and before[1] > seen.get(before[0], 0)
                    and before[3] != text
                    and name not in UNREVIEWED_FIELDS
                ):
                    expected.add((row.entity_id, name, before[2], row.hlc))
                last[field] = (row.node_id, row.seq, row.hlc, text)
        for term in self.terms:
            with term.desk.read() as s:
                found = {
                    (c.entity_id, c.field, c.a_hlc, c.b_hlc)
                    for c in s.scalars(sa.select(SyncConflict))
                }
            assert found == expected, term.code
        event("conflict records expected" if expected else "no conflicting edits")


ThreeTerminals.TestCase.settings = settings(
    max_examples=40,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
test_three_terminals_converge_sqlite = ThreeTerminals.TestCase


class ThreeTerminalsPostgres(ThreeTerminals):
    hall_kind = "postgresql"


ThreeTerminalsPostgres.TestCase.settings = settings(
    max_examples=8,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
test_three_terminals_converge_postgresql = ThreeTerminalsPostgres.TestCase
