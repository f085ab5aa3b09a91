"""The import's clocks (issue 22): computed as each row is built, from the facts of the events
an import writes that change them (the promise), not by replaying every event. What it stores
is what the ordinary path (services/deadlines.py `clock_values`, reading every stored event)
computes for the same ticket: open, closed and visited rows, solved on the spot or not, with
and without a promise, repeats, closings at month ends, before holidays and in unknown years."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from svc_forms import staffed_desk
from test_svc_import import HEADER

from deskapp.clock import FrozenClock
from deskapp.services.deadlines import clock_values, events_of, ticket_facts
from deskapp.services.desk import Actor, Desk
from deskapp.services.importer import import_file
from deskapp.services.importer.writing import _FACT_EVENTS
from deskapp.store.models import Complaint

_CHANNELS = ("10086下单", "现场", "电话", "网上", "媒体")
# Closing moments that test the calendar: a month's end (care clamps to the shorter month),
# the eve of the National Day week, a Sunday, a year's last evening, a leap day.
_EDGES = ("2025-01-31 17:30", "2025-09-30 20:00", "2026-08-30 09:00", "2025-12-31 23:50",
          "2024-02-29 12:00", "2026-11-23 18:00")  # fmt: skip


@pytest.fixture
def desk(db_path: Path, clock: FrozenClock) -> Iterator[Desk]:
    desk = staffed_desk(db_path, clock)
    yield desk
    desk.close()


def _file(tmp_path: Path, rows: int, seed: int = 5) -> Path:
    rng = random.Random(seed)
    now = datetime(2026, 11, 24, 10, 0)  # the tests' frozen clock, local time
    lines = [HEADER + ",承诺回复时间"]
    for i in range(rows):
        if i < len(_EDGES) * 2:
            closed = datetime.fromisoformat(_EDGES[i // 2])
            received = closed - timedelta(hours=rng.randint(1, 60))
            state = ("已结案", "已回访")[i % 2]
        else:
            received = now - timedelta(minutes=rng.randint(60, 700 * 24 * 60))
            closed = received + timedelta(hours=rng.randint(1, 200))
            state = rng.choice(["已结案", "已结案", "已回访", "处理中"])
        if state != "处理中" and closed >= now:
            closed = now - timedelta(minutes=5)
        done = state != "处理中"
        on_spot = state == "已结案" and rng.random() < 0.3  # (satisfied: the rule)
        promise = received + timedelta(hours=rng.randint(2, 48)) if rng.random() < 0.3 else None
        phone = f"1390000{rng.randint(0, 40):04d}"  # few phones: repeats linked
        lines.append(",".join([
            f"{received:%Y-%m-%d %H:%M}", rng.choice(_CHANNELS), "王先生", phone, "",
            "没有信号", "尽快处理", "NET.COVER.INDOOR", "", "",  # (the severity the channel asks)
            state, f"{closed:%Y-%m-%d %H:%M}" if done else "", "已处理" if done else "",
            ("满意" if on_spot else rng.choice(["满意", "不满意"])) if done else "",
            ("是" if on_spot else "否") if done else "", f"CK{i:05d}",
            f"{promise:%Y-%m-%d %H:%M}" if promise and not done else "",
        ]))  # fmt: skip
    path = tmp_path / "clocks.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_imported_clocks_are_the_ordinary_paths(desk: Desk, handler: Actor, tmp_path: Path) -> None:
    result = import_file(desk, handler, _file(tmp_path, 240), batch=50)
    assert len(result.imported) == 240, result.problems
    kinds: set[tuple[str, str]] = set()
    with desk.read() as session:
        complaints = list(session.scalars(sa.select(Complaint)))
        for complaint in complaints:
            events = events_of(session, complaint.id)
            # The facts from the events that change them are those of every event ...
            facts_from = [SimpleNamespace(**{c: getattr(e, c) for c in ("kind", "at", "data",
                          "id")}) for e in events if e.kind in _FACT_EVENTS]  # fmt: skip
            assert ticket_facts(complaint, facts_from) == ticket_facts(complaint, events)
            # ... and the stored clock is the one the ordinary path computes from them all.
            values, _ = clock_values(session, desk, complaint, events)
            for name, value in values.items():
                assert getattr(complaint, name) == value, (complaint.ticket_no, name)
            kinds.add((complaint.status, complaint.next_clock))
    # Every kind of row met its clocks: open ones, a return visit, a care follow-up.
    assert {k for _, k in kinds} >= {"return_visit", "care_follow_up", "promise"}
    assert {s for s, _ in kinds} == {"open", "closed", "visited"}


def test_the_events_an_import_writes_that_are_not_replayed_change_no_fact(
    desk: Desk, handler: Actor, tmp_path: Path
) -> None:
    """Every kind of event an import writes is either replayed (`_FACT_EVENTS`) or one that
    `ticket_facts` ignores: adding or removing it leaves the facts as they were."""
    import_file(desk, handler, _file(tmp_path, 60), batch=25)
    with desk.read() as session:
        written = set(session.scalars(sa.text("SELECT DISTINCT kind FROM complaint_event")))
        assert written >= {"registered", "closed", "promise", "repeat_linked"}
        for complaint in session.scalars(sa.select(Complaint)):
            events = events_of(session, complaint.id)
            for kind in written - _FACT_EVENTS:
                without = [e for e in events if e.kind != kind]
                assert ticket_facts(complaint, without) == ticket_facts(complaint, events)
