"""Terminal clocks that are wrong: an hour behind (its hybrid logical clock adopts the hall's
time, causality holds) and a day ahead (its stamps are quarantined, not adopted, reported,
and applied once the other clocks reach them)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from sync_kit import FROZEN_AT, assert_identical, first_terminal, new_terminal, take, tick

from deskapp.clock import FrozenClock
from deskapp.domain.hlc import Stamp
from deskapp.services import followup
from deskapp.store.models import ChangeLog, Complaint, SyncQuarantine, SyncRun, Terminal
from deskapp.sync import HallStore, sync


def severity(desk, cid: str) -> str:
    with desk.read() as s:
        return s.get(Complaint, cid).severity


def hlc_of(desk) -> Stamp:
    with desk.read() as s:
        t = s.scalars(sa.select(Terminal)).one()
    return Stamp(t.hlc_wall_ms, t.hlc_counter, t.node_id)


def test_a_terminal_an_hour_behind_follows_the_hall_clock(tmp_path: Path, hall_url: str) -> None:
    hall_clock = FrozenClock(FROZEN_AT)
    store = HallStore.open(hall_url, clock=hall_clock)
    a = first_terminal(tmp_path)
    b = new_terminal(tmp_path, "T02", offset=-timedelta(hours=1))
    terms = [a, b]
    try:
        assert sync(a.desk, store).ok
        result = sync(b.desk, store)
        assert result.ok and result.quarantined == 0
        assert result.skew_ms == -3_600_000  # reported, and the run log keeps it
        assert "请校准时钟" in result.message
        cid = take(a)
        tick([*terms, hall_clock])
        assert sync(a.desk, store).ok
        assert sync(b.desk, store).ok
        # b's clock jumped to the hall's time: its edit is stamped after what it has seen,
        # although its wall clock says an hour earlier
        assert hlc_of(b.desk).wall_ms >= int(a.clock.now().timestamp() * 1000)
        followup.change_severity(b.desk, b.actors["1002"], cid, severity="serious", reason="")
        with b.desk.read() as s:
            last = s.scalars(sa.select(ChangeLog).order_by(ChangeLog.hlc.desc())).first()
        assert last.at < a.clock.now() and Stamp.decode(last.hlc).wall_ms >= int(
            a.clock.now().timestamp() * 1000
        )
        for term in (b, a):
            assert sync(term.desk, store).ok
        assert severity(a.desk, cid) == "serious"  # the later edit wins despite b's wall clock
        # ... and an edit made by a after seeing b's is later still (a raise: lowering a 严重
        # ticket is its supervising level's)
        tick([*terms, hall_clock])
        followup.change_severity(a.desk, a.actors["1001"], cid, severity="major", reason="复核")
        for term in (a, b):
            assert sync(term.desk, store).ok
        assert severity(b.desk, cid) == "major"
        assert_identical(terms)
        with b.desk.read() as s:
            assert set(s.scalars(sa.select(SyncRun.skew_ms))) == {-3_600_000}
    finally:
        store.close()
        for term in terms:
            term.close()


def test_a_terminal_a_day_ahead_is_quarantined_until_the_clocks_reach_it(
    tmp_path: Path, hall_url: str
) -> None:
    hall_clock = FrozenClock(FROZEN_AT)
    store = HallStore.open(hall_url, clock=hall_clock)
    a = first_terminal(tmp_path)
    b = new_terminal(tmp_path, "T02")
    terms = [a, b]
    try:
        assert sync(a.desk, store).ok and sync(b.desk, store).ok
        cid = take(a)
        assert sync(a.desk, store).ok and sync(b.desk, store).ok
        # b's clock jumps a day ahead; it works on, and pushes
        b.clock.advance(timedelta(days=1))
        other = take(b, "1002", contact_phone="13988887777")
        followup.change_severity(b.desk, b.actors["1002"], cid, severity="major", reason="")
        pushed = sync(b.desk, store)
        assert pushed.ok and pushed.skew_ms == 86_400_000
        # a keeps b's changes aside and says so; it adopts nothing from b's clock
        before = hlc_of(a.desk)
        result = sync(a.desk, store)
        assert result.ok
        assert result.quarantined == pushed.pushed > 0
        assert "时间超前" in result.message
        assert hlc_of(a.desk).wall_ms < int((a.clock.now() + timedelta(hours=1)).timestamp() * 1000)
        assert hlc_of(a.desk) >= before
        with a.desk.read() as s:
            held = s.scalars(sa.select(SyncQuarantine)).all()
            assert s.get(Complaint, other) is None
        assert len(held) == result.quarantined
        assert min(q.drift_ms for q in held) > 23 * 3_600_000
        assert severity(a.desk, cid) == "general"
        # a's own work goes on and reaches b
        followup.log_contact(a.desk, a.actors["1001"], cid, reached=True, note="已联系")
        assert sync(a.desk, store).ok
        assert sync(b.desk, store).ok
        # resyncing does not hold the same changes twice
        again = sync(a.desk, store)
        assert again.quarantined == 0
        # a day later the rest of the hall has caught up: the changes are applied
        tick([a, hall_clock], timedelta(days=1))
        released = sync(a.desk, store)
        assert released.ok and released.released == result.quarantined
        with a.desk.read() as s:
            assert s.scalars(sa.select(SyncQuarantine)).all() == []
        assert severity(a.desk, cid) == "major"
        assert sync(b.desk, store).ok
        assert_identical(terms)
    finally:
        store.close()
        for term in terms:
            term.close()
