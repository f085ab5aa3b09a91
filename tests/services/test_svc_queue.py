"""待跟进: the follow-up queue (deskapp.services.queue) read from a real store, and
recompute_all (deskapp.services.deadlines) bringing stored deadlines up to date."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from svc_forms import staffed_desk, valid_form

from deskapp.clock import FrozenClock
from deskapp.domain.enums import Channel, Satisfaction
from deskapp.services import followup as fu
from deskapp.services.deadlines import recompute_all
from deskapp.services.demo import closing_facts
from deskapp.services.desk import Actor, Desk
from deskapp.services.intake import take_complaint
from deskapp.services.queue import PAGE_SIZE, Scope, coming_due, queue_counts, queue_page
from deskapp.store.models import ChangeLog, Complaint

TZ = ZoneInfo("Asia/Shanghai")


def local(mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(2026, mo, d, h, mi, tzinfo=TZ)


@pytest.fixture
def desk(db_path: Path, clock: FrozenClock) -> Iterator[Desk]:
    desk = staffed_desk(db_path, clock)
    yield desk
    desk.close()


def take(desk: Desk, actor: Actor, **overrides: Any) -> str:
    return take_complaint(desk, actor, valid_form(desk, **overrides)).id


def ids(rows: list) -> list[str]:
    return [r.id for r in rows]


@pytest.fixture
def hall(desk: Desk, clock: FrozenClock, actors: dict[str, Actor]) -> dict[str, str]:
    """Five tickets with known next deadlines, taken from Tue 10:00 on:

    a  1001, hotline 10:00, not taken up  → dispatch 10:30
    b  1002, hotline 10:05, dispatched,
       then reassigned to 1001            → first contact 11:05
    c  1002, hotline 10:10, not taken up  → dispatch 10:40
    d  1001, walk-in 10:15, closed        → return visit Thu 12-03 17:30
    e  1001, solved on the spot 10:20     → care follow-up Thu 12-24 10:20 (every customer
                                            complaint, issue 16)
    """
    me, colleague = actors["1001"], actors["1002"]
    a = take(desk, me, channel=Channel.HOTLINE.value)
    clock.advance(timedelta(minutes=5))
    b = take(desk, colleague, channel=Channel.HOTLINE.value, contact_phone="13900000001")
    fu.dispatch(desk, colleague, b, department="network", note="派单")
    fu.reassign(desk, colleague, b, to_staff_id=me.id, note="转给张敏")
    clock.advance(timedelta(minutes=5))
    c = take(desk, colleague, contact_phone="13900000002", channel=Channel.HOTLINE.value)
    clock.advance(timedelta(minutes=5))
    d = take(desk, me, contact_phone="13900000003")
    fu.close(desk, me, d, outcome="已解决", facts=closing_facts(desk, d))
    clock.advance(timedelta(minutes=5))
    e = take(
        desk,
        me,
        contact_phone="13900000004",
        solved_on_spot=True,
        outcome="当场解决",
        satisfaction=Satisfaction.SATISFIED.value,
        promised_reply_at="",
    )
    return {"a": a, "b": b, "c": c, "d": d, "e": e}


def test_the_queue_is_ordered_by_the_next_deadline(
    desk: Desk, hall: dict[str, str], actors: dict[str, Actor]
) -> None:
    page = queue_page(desk, actors["1001"], Scope.HALL)
    assert ids(page.rows) == [hall[k] for k in "acbde"]
    assert [(r.next_clock, r.next_due_at) for r in page.rows] == [
        ("dispatch", local(11, 24, 10, 30)),
        ("dispatch", local(11, 24, 10, 40)),
        ("first_contact", local(11, 24, 11, 5)),
        ("return_visit", local(12, 3, 17, 30)),
        ("care_follow_up", local(12, 24, 10, 20)),
    ]
    assert (page.offset, page.has_more) == (0, False)
    first = page.rows[0]
    assert (first.customer_name, first.cause_code, first.severity, first.status) == (
        "李女士",
        "NET.COVER.INDOOR",
        "general",
        "open",
    )
    assert first.paused_until is None and first.provisional is False


def test_mine_is_what_i_own_or_took_first(
    desk: Desk, hall: dict[str, str], actors: dict[str, Actor]
) -> None:
    me, colleague, manager = actors["1001"], actors["1002"], actors["2001"]
    # b was reassigned to me: mine as its owner; still my colleague's as first responder.
    assert ids(queue_page(desk, me, Scope.MINE).rows) == [hall[k] for k in "abde"]
    assert ids(queue_page(desk, colleague, Scope.MINE).rows) == [hall[k] for k in "cb"]
    assert queue_page(desk, manager, Scope.MINE).rows == []
    assert ids(queue_page(desk, manager, Scope.HALL).rows) == [hall[k] for k in "acbde"]
    b = next(r for r in queue_page(desk, me).rows if r.id == hall["b"])
    assert (b.owner_id, b.first_responder_id) == (me.id, colleague.id)


def test_the_queue_is_read_a_page_at_a_time(
    desk: Desk, hall: dict[str, str], actors: dict[str, Actor]
) -> None:
    me = actors["1001"]
    everything = ids(queue_page(desk, me, Scope.HALL).rows)
    pages = [queue_page(desk, me, Scope.HALL, offset=o, limit=2) for o in (0, 2, 4)]
    assert [(ids(p.rows), p.offset, p.has_more) for p in pages] == [
        (everything[0:2], 0, True),
        (everything[2:4], 2, True),
        (everything[4:5], 4, False),  # the last one: nothing more
    ]
    three = queue_page(desk, me, Scope.HALL, offset=2, limit=3)
    assert (ids(three.rows), three.has_more) == (everything[2:5], False)
    assert (len(queue_page(desk, me, Scope.HALL, limit=3).rows), PAGE_SIZE) == (3, 50)


def test_overdue_counts_follow_the_clock(
    desk: Desk, clock: FrozenClock, hall: dict[str, str], actors: dict[str, Actor]
) -> None:
    me, colleague = actors["1001"], actors["1002"]
    assert queue_counts(desk, me, Scope.HALL, clock.now()) == (5, 0)
    clock.set(local(11, 24, 10, 30))  # a's deadline itself: still kept
    assert queue_counts(desk, me, Scope.HALL, clock.now()) == (5, 0)
    clock.set(local(11, 24, 10, 31))
    assert queue_counts(desk, me, Scope.HALL, clock.now()) == (5, 1)
    assert queue_counts(desk, colleague, Scope.MINE, clock.now()) == (2, 0)
    clock.set(local(11, 24, 11, 6))
    assert queue_counts(desk, me, Scope.HALL, clock.now()) == (5, 3)
    assert queue_counts(desk, me, Scope.MINE, clock.now()) == (4, 2)
    assert queue_counts(desk, colleague, Scope.MINE, clock.now()) == (2, 2)
    clock.set(local(12, 4, 9, 0))
    assert queue_counts(desk, me, Scope.HALL, clock.now()) == (5, 4)
    # Acting on a ticket takes it off the overdue count when its next deadline moves ahead:
    # visited, d waits for its first care follow-up (Thu 12-24), not overdue.
    fu.record_visit(desk, me, hall["d"], satisfaction="satisfied")
    assert queue_counts(desk, me, Scope.HALL, clock.now()) == (5, 3)


def test_coming_due_within_15_minutes(
    desk: Desk, clock: FrozenClock, hall: dict[str, str], actors: dict[str, Actor]
) -> None:
    me, colleague = actors["1001"], actors["1002"]
    soon = timedelta(minutes=15)
    assert desk.refdata.time_limits.due_soon == soon
    clock.set(local(11, 24, 10, 14))
    assert coming_due(desk, me, clock.now(), soon) == []  # a is 16 minutes away
    clock.set(local(11, 24, 10, 15))
    assert ids(coming_due(desk, me, clock.now(), soon)) == [hall["a"]]
    # c (10:40) is my colleague's, not mine.
    clock.set(local(11, 24, 10, 26))
    assert ids(coming_due(desk, me, clock.now(), soon)) == [hall["a"]]
    assert ids(coming_due(desk, colleague, clock.now(), soon)) == [hall["c"]]
    clock.set(local(11, 24, 10, 31))  # a is overdue now: no longer "coming"
    assert coming_due(desk, me, clock.now(), soon) == []
    clock.set(local(11, 24, 10, 50))
    assert ids(coming_due(desk, me, clock.now(), soon)) == [hall["b"]]
    assert ids(coming_due(desk, colleague, clock.now(), soon)) == [hall["b"]]


# ---------------------------------------------------------------- recompute_all


def _null_deadlines(desk: Desk) -> None:
    """What a migration adding the columns leaves behind (through a logged write)."""
    with desk.write("system:test") as session:
        for complaint in session.scalars(sa.select(Complaint)):
            complaint.next_due_at = None
            complaint.next_clock = ""


def _deadlines(desk: Desk) -> dict[str, tuple[datetime | None, str]]:
    with desk.read() as session:
        rows = session.execute(sa.select(Complaint.id, Complaint.next_due_at, Complaint.next_clock))
        return {r.id: (r.next_due_at, r.next_clock) for r in rows}


@pytest.mark.parametrize("batch", [500, 2])
def test_recompute_all_brings_null_deadlines_up_to_date(
    desk: Desk, hall: dict[str, str], actors: dict[str, Actor], batch: int
) -> None:
    me = actors["1001"]
    kept = _deadlines(desk)
    _null_deadlines(desk)
    assert queue_page(desk, me, Scope.HALL).rows == []  # nothing shows without a deadline
    assert queue_counts(desk, me, Scope.HALL, desk.clock.now()) == (0, 0)

    assert recompute_all(desk, "system:test", batch=batch) == 5
    assert _deadlines(desk) == kept
    assert ids(queue_page(desk, me, Scope.HALL).rows) == [hall[k] for k in "acbde"]

    with desk.read() as session:
        log = session.scalar(sa.select(sa.func.count()).select_from(ChangeLog))
    assert recompute_all(desk, "system:test", batch=batch) == 0  # already current
    with desk.read() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(ChangeLog)) == log


def test_recompute_all_on_an_empty_store(desk: Desk) -> None:
    assert recompute_all(desk, "system:test") == 0
