"""Building a report: read the rows of its scope and period, replay each ticket's events
(deskapp/domain/replay.py), compute the figures, then the tables."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import datetime
from typing import Any

from deskapp.collector import collector_paused
from deskapp.domain.actor import Actor
from deskapp.domain.deadlines import ClockKind, due
from deskapp.domain.enums import Satisfaction, Severity
from deskapp.domain.indicators import (
    Period,
    Ratio,
    buckets,
    count_into,
    escalated_by_customer,
    overdue_within,
    per_10k,
    prorated,
    reported_up,
    ticket_days,
)
from deskapp.domain.permissions import Permission, allowed
from deskapp.domain.refund import paid_late
from deskapp.domain.replay import CLOSED_STATES, History
from deskapp.services.audit import enforce
from deskapp.services.customer_base import customer_base
from deskapp.services.desk import Desk
from deskapp.services.reports import accountability as acc
from deskapp.services.reports import memo
from deskapp.services.reports.history import lower_bound_calendar, ticket_history
from deskapp.services.reports.model import (
    Figures,
    Report,
    ReportRequest,
    Scope,
    Trend,
)
from deskapp.services.reports.queries import (
    _load_events,
    _load_marks,
    _load_payments,
    _load_refunds,
    _load_rows,
    _load_rows_with,
    _RefundRow,
    _Row,
    _staff,
)
from deskapp.services.reports.scope import resolve_scope
from deskapp.services.reports.tables import (
    _causes_table,
    _control_table,
    _indicator_table,
    _levels_table,
    _process_table,
    _refunds_table,
    _reopens_table,
    _team_tables,
    _timeliness_table,
    _trend_table,
)


def build_report(
    desk: Desk, request: ReportRequest, now: datetime | None = None, *, memo_on: bool = True
) -> Report:
    """The report. With `memo` (always, but for the test and the benchmark that compare them
    with the full computation) closed tickets' histories are read from the memo where it is
    still valid (services/reports/memo.py) instead of being replayed from their events."""
    with collector_paused():
        return _build_report(desk, request, now, memo_on)


def _build_report(
    desk: Desk, request: ReportRequest, now: datetime | None, memo_on: bool
) -> Report:
    now = now or desk.clock.now()
    tz = desk.tz
    period = request.period
    start, end = period.bounds(tz)
    scope = resolve_scope(desk, request)
    if memo_on:
        extra, join = memo.memo_columns()
        with_memo = _load_rows_with(desk, scope, start, end, extra, join)
        rows = [row for row, _ in with_memo]
        stamps, kept = memo.kept_histories(desk, with_memo, now)
    else:
        rows, stamps, kept = _load_rows(desk, scope, start, end), {}, {}
    received = [r for r in rows if start <= r.received_at < end]
    closed = [
        r for r in rows
        if r.status in CLOSED_STATES and r.closed_at is not None and start <= r.closed_at < end
    ]  # fmt: skip
    events: dict[str, list[Any]] = {}  # the events the replay read (reused for departments)
    histories = _histories(desk, rows, now, stamps, kept, events)
    window_end = min(end, now)
    overdue = {r.id: overdue_within(histories[r.id].stretches, start, window_end) for r in rows}
    floors = {channel.value: s for channel, s in desk.refdata.settings.severity_floor.items()}
    figures = _figures(scope, period, received, closed, histories, overdue, floors)
    marks = _load_marks(desk, scope, start, end)
    visits = acc.visit_figures(desk, closed, now, marks.visits)
    by_id = {r.id: r for r in rows}
    figures = replace(
        figures, visits_due=visits.due, visited=visits.visited, visits_overdue=visits.overdue,
        batch_closed=sum(r.is_batch for r in closed),
        batch_overdue=sum(by_id[i].is_batch for i, span in overdue.items() if span),
    )  # fmt: skip
    grid = buckets(period, tz)
    trend = Trend(
        [b.label for b in grid],
        count_into((r.received_at for r in received), grid),
        count_into((r.closed_at for r in closed if r.closed_at), grid),
    )
    staff = _staff(desk)
    base = customer_base(desk.refdata.data_dir)
    report = Report(period, scope, start, end, now, tz, figures, trend, [])
    report.tables = [
        _indicator_table(report),
        _control_table(report, received),
        _causes_table(desk, report, received),
        _process_table(desk, report, received),
        _trend_table(report),
        _levels_table(desk, report, closed, histories),
        *_team_tables(desk, report, closed, histories, staff, base),
    ]
    refunds = _load_refunds(desk, scope, start, end)
    report.tables.append(_refunds_table(desk, report, refunds, _paid_late(desk, refunds, now),
                                        _load_payments(desk, refunds)))  # fmt: skip
    report.tables.append(_reopens_table(report, marks.reopen_causes))
    report.tables.append(_timeliness_table(report, closed, histories, marks.extended))
    _accountability(desk, request, report, rows, received, histories, overdue, staff, window_end,
                    events)  # fmt: skip
    return report


def _accountability(
    desk: Desk,
    request: ReportRequest,
    report: Report,
    rows: list[_Row],
    received: list[_Row],
    histories: dict[str, History],
    overdue: dict[str, Any],
    staff: dict[str, tuple[str, str]],
    window_end: datetime,
    events: dict[str, list[Any]],
) -> None:
    """Issue 18's repeat grading and batches for everyone; issue 17's 压单 amounts and
    own-staff complaints only for a viewer allowed to see them (docs/permissions.md), and only
    when asked for (`add_accountability`): the month's figures show first, these follow."""
    report.tables.append(acc.repeat_table(desk, report, received))
    report.tables.append(acc.batch_table(desk, report, received))
    viewer = request.viewer
    if viewer is None or allowed(viewer, Permission.SEE_ACCOUNTABILITY):
        late = [r for r in rows if overdue[r.id]]
        report.pending = acc.Pending(
            late, received, {r.id: histories[r.id].stretches for r in late}, window_end,
            {r.id: events[r.id] for r in late if r.id in events}, staff,
        )  # fmt: skip
    else:
        report.withheld = acc.RESTRICTED_TABLES


def add_accountability(desk: Desk, actor: Actor | None, report: Report) -> Report:
    """The accountability tables (压单 per handler, department and hall, the overdue list, the
    own-staff complaints) added to a report built for a viewer who may see them; `actor` None
    is the machine's administrator (`deskapp report`), anyone else is checked
    (see_accountability: refused in words and audited)."""
    if actor is not None:
        enforce(desk, actor, Permission.SEE_ACCOUNTABILITY, subject="report")
    pending = report.pending
    if pending is None:
        return report
    assert isinstance(pending, acc.Pending)
    with collector_paused():  # (thousands of overdue tickets: as build_report)
        found = acc.overdue_tickets(desk, pending.late, pending.stretches, report.start,
                                    pending.window_end, pending.events)  # fmt: skip
        report.tables.extend(acc.accountability_tables(desk, report, found, pending.staff))
        report.tables.append(acc.own_staff_table(report, pending.received, pending.staff))
    report.pending = None
    return report


def accountability_report(
    desk: Desk, actor: Actor, request: ReportRequest, now: datetime | None = None
) -> Report:
    """The report with the accountability figures, for a person allowed to see them
    (see_accountability: the duty and hall managers); anyone else is refused in words and the
    refusal audited (docs/permissions.md), before anything is read."""
    enforce(desk, actor, Permission.SEE_ACCOUNTABILITY, subject="report")
    return add_accountability(desk, None, build_report(desk, replace(request, viewer=actor), now))


def _paid_late(desk: Desk, refunds: list[_RefundRow], now: datetime) -> dict[str, bool]:
    """Each refund paid after its pay clock's deadline (data/time_limits.toml), or unpaid
    past it now."""
    calendar = desk.refdata.work_calendar_for(desk.tz)
    limits = desk.refdata.time_limits
    return {
        r.id: paid_late(r.paid_at, due(ClockKind.REFUND_PAYMENT, r.verified_at, calendar,
                                       limits).at, now)
        for r in refunds
    }  # fmt: skip


def _histories(
    desk: Desk,
    rows: list[_Row],
    now: datetime,
    stamps: dict[str, str],
    kept: dict[str, History],
    read: dict[str, list[Any]] | None = None,
) -> dict[str, History]:
    """Each ticket's history: kept, or replayed from its events (and then kept, if stamped);
    `read` receives the events read for the replay."""
    todo = [r for r in rows if r.id not in kept]
    events = _load_events(desk, [r.id for r in todo])
    if read is not None:
        read.update((r.id, events.get(r.id, [])) for r in todo)
    rough = lower_bound_calendar(desk)
    replayed = {r.id: ticket_history(desk, r, events.get(r.id, []), now, rough) for r in todo}
    if stamps:
        status = {r.id: r.status for r in todo}
        memo.keep(desk, ((i, status[i], stamps[i], h) for i, h in replayed.items()), now)
    return {**kept, **replayed}


def _figures(
    scope: Scope,
    period: Period,
    received: list[_Row],
    closed: list[_Row],
    histories: dict[str, History],
    overdue: dict[str, Any],
    floors: dict[str, Severity],
) -> Figures:
    control = prorated(scope.control, period)
    timely = [histories[r.id].timely for r in closed]
    judged = [v for v in timely if v is not None]
    sat = Counter(r.satisfaction or "none" for r in closed)
    good = sat[Satisfaction.SATISFIED] + sat[Satisfaction.BASICALLY_SATISFIED]
    spans = [v for v in overdue.values() if v]
    return Figures(
        received=len(received),
        customers=scope.customers,
        per_10k=per_10k(len(received), scope.customers),
        per_10k_control=prorated(scope.per_10k, period),
        control=control,
        control_reached=Ratio(len(received), control or 0),
        on_spot=Ratio(sum(r.solved_on_spot for r in received), len(received)),
        closed=len(closed),
        timely=Ratio(sum(judged), len(judged)),
        timeliness_unknown=len(timely) - len(judged),
        satisfaction=Ratio(good, good + sat[Satisfaction.UNSATISFIED]),
        satisfaction_counts={key: sat[key] for key in (*(s.value for s in Satisfaction), "none")},
        repeat=sum(r.is_repeat for r in received),
        escalated=sum(
            escalated_by_customer(r.severity, r.claimed_to, r.channel, floors) for r in received
        ),
        reported_up=sum(reported_up(r.escalation_level) for r in received),
        batch=sum(r.is_batch for r in received),
        reopened=sum(r.reopen_count > 0 for r in received),
        reopen_times=sum(r.reopen_count for r in received),
        overdue_tickets=len(spans),
        overdue_days=ticket_days(spans),
    )
