"""The report's memo of replayed histories (issue 22, services/reports/memo.py) gives the same
report as the full computation (every ticket replayed from its events), on the hand-built data
set of test_svc_reports.py: on its first use (filling it), from it, at a later moment (open
tickets' last stretches run on), and after tickets changed (an event added, one reopened and
closed again, a ticket taken), as well as when the memo holds a stale or broken stamp."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
import test_svc_reports as hand_built
from hypothesis import given
from test_svc_reports import NOW, take

from deskapp.clock import FrozenClock
from deskapp.domain.indicators import month_of, week_of
from deskapp.services import followup
from deskapp.services.demo import closing_facts
from deskapp.services.desk import Actor, Desk
from deskapp.services.reports import Report, ReportRequest, build_report
from deskapp.services.reports import build as build_module
from deskapp.store.models import ReportMemo

# The hand-built data set's fixtures, used here as they are.
data_dir = hand_built.data_dir
desk = hand_built.desk
dataset = hand_built.dataset

REQUESTS = [
    ReportRequest(month_of(date(2026, 11, 1))),
    ReportRequest(week_of(date(2026, 11, 10))),
    ReportRequest(month_of(date(2026, 10, 1))),
]


def _seen(report: Report) -> tuple:
    return (report.figures, report.trend, [(t.key, t.rows) for t in report.tables])


def _same_as_full(desk: Desk) -> None:
    for request in REQUESTS:
        full = build_report(desk, request, memo_on=False)
        assert _seen(build_report(desk, request)) == _seen(full), request.period


def _replays(desk: Desk, monkeypatch) -> int:
    calls = []
    real = build_module.ticket_history
    monkeypatch.setattr(
        build_module, "ticket_history", lambda *a, **k: calls.append(1) or real(*a, **k)
    )
    build_report(desk, REQUESTS[0])
    monkeypatch.setattr(build_module, "ticket_history", real)
    return len(calls)


def _memo_rows(desk: Desk) -> int:
    with desk.read() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(ReportMemo)) or 0


def test_the_memo_gives_the_full_computation(
    desk: Desk, dataset: dict, clock: FrozenClock, monkeypatch
) -> None:
    assert _memo_rows(desk) == 0
    _same_as_full(desk)  # fills the memo
    # I3 arrives on the desk at NOW itself: no stretch of it runs yet, so it is not kept
    # (an open ticket is kept with its last stretch open-ended) and is replayed every time.
    assert _replays(desk, monkeypatch) == 1
    clock.set(NOW + timedelta(minutes=1))
    _same_as_full(desk)
    assert _memo_rows(desk) >= 10  # the hall's eleven tickets but I2, GZ02's
    assert _replays(desk, monkeypatch) == 0  # every history read back
    _same_as_full(desk)  # from the memo


def test_later_moment_and_changed_tickets_agree_with_the_full_computation(
    desk: Desk, dataset: dict, clock: FrozenClock, actors: dict[str, Actor], monkeypatch
) -> None:
    zhang = actors["1001"]
    _same_as_full(desk)
    clock.set(NOW + timedelta(days=3, hours=5))  # open tickets stay overdue for longer
    _same_as_full(desk)
    followup.dispatch(desk, zhang, dataset["T0"], department="network", note="请查")
    assert _replays(desk, monkeypatch) == 1  # only the changed ticket is replayed
    clock.set(NOW + timedelta(days=3, hours=6))
    # T0 is 刘洋's: only its owner (or a manager) closes it
    followup.close(
        desk,
        actors["1002"],
        dataset["T0"],
        outcome="已处理",
        facts=closing_facts(desk, dataset["T0"]),
    )
    _same_as_full(desk)
    take(desk, clock, zhang, "2026-11-27 10:00", contact_phone="13800000099")
    clock.set(NOW + timedelta(days=4))
    _same_as_full(desk)


def test_a_stale_or_broken_memo_is_replayed_not_believed(
    desk: Desk, dataset: dict, monkeypatch
) -> None:
    _same_as_full(desk)
    with desk.engine.begin() as conn:
        conn.execute(sa.update(ReportMemo).values(stamp="old", timely=False, stretches="[]"))
    assert _replays(desk, monkeypatch) > 0
    _same_as_full(desk)


def test_a_changed_time_limit_is_a_new_stamp(desk: Desk, dataset: dict, monkeypatch) -> None:
    from deskapp.services.reports import memo

    _same_as_full(desk)
    monkeypatch.setattr(memo, "rules_stamp", lambda desk: "other rules")
    assert _replays(desk, monkeypatch) > 0


def test_a_current_stamp_with_stretches_that_do_not_read_is_replayed(
    desk: Desk, dataset: dict, monkeypatch
) -> None:
    """The kept stretches are read by splitting the text `json.dumps` wrote (issue 22): a text
    that does not read (a time that is none, not JSON at all) is replayed, never a failed
    report, and the report is still the full computation's."""
    _same_as_full(desk)
    for broken in ('[["not a time", "", ""]]', '{"stretches'):
        with desk.engine.begin() as conn:
            conn.execute(sa.update(ReportMemo).values(stretches=broken))
        assert _replays(desk, monkeypatch) > 0
        _same_as_full(desk)


def test_kept_stretches_read_back_as_they_were_written() -> None:
    """Closed and open-ended stretches, with and without a deadline or microseconds, read back
    from `_dump`'s text; the same list written by another JSON writer reads the same."""
    import json
    from datetime import UTC, datetime

    from deskapp.domain.indicators import Stretch
    from deskapp.services.reports.memo import _dump, _stretches

    def at(day: int, hour: int, micro: int = 0) -> datetime:
        return datetime(2026, 11, day, hour, 0, 0, micro, tzinfo=UTC)

    now = at(30, 8)
    closed = (Stretch(at(1, 1), at(1, 5), None), Stretch(at(2, 1, 500), at(3, 2), at(2, 3)))
    open_ended = (*closed, Stretch(at(4, 1), now, at(4, 2)))
    for stretches, handled in ((closed, False), (open_ended, True), ((), False)):
        text = _dump(stretches, handled, now)
        assert text is not None
        assert _stretches(text, now) == stretches
        compact = json.dumps(json.loads(text), separators=(",", ":"))
        assert _stretches(compact, now) == stretches
    # an open-ended stretch read back at a moment before it starts is dropped, as replayed
    text = _dump(open_ended, True, now)
    assert text is not None
    assert _stretches(text, at(3, 12)) == closed


def _stretch_lists():  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from hypothesis import strategies as st

    from deskapp.domain.indicators import Stretch

    moments = st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    )
    one = st.builds(Stretch, moments, moments, st.none() | moments)
    return st.lists(one, max_size=6), moments


_LISTS, _MOMENTS = _stretch_lists()


@given(_LISTS, _MOMENTS)
def test_any_kept_stretches_read_back_as_written(stretches: list, now: datetime) -> None:
    """Any stretches a closed ticket keeps read back as they were (the separators split, not
    JSON, issue 22), whatever their times' microseconds."""
    from deskapp.services.reports.memo import _dump, _stretches

    # (a closed stretch never ends before it starts; one that did would read back as it is)
    text = _dump(stretches, False, now)
    assert text is not None
    assert _stretches(text, now) == tuple(stretches)
