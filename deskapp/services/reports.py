"""统计报表: the hall's figures for a day, week, month or range of days, for this terminal,
the hall, or an area of several halls (on a synchronized store), as tables that the screen
shows and deskapp/services/exports.py writes to xlsx, csv and json.

Which tickets each figure counts (also stated beside every figure, on screen and in exports):

* **受理 received** (R): received in the period (`received_at` in `[start, end)`), whatever
  their state now. Counts, per 10,000 customers, control attainment, on-site resolution,
  repeat / escalated / batch / reopened counts, TOP10 causes, the service-process breakdown
  and the received line of the trend count R.
* **结案 closed** (C): closed in the period (`closed_at` in `[start, end)`) and still closed
  now (状态 已结案 or 已回访; a ticket reopened since has no closing time until it is closed
  again). Timeliness, satisfaction, the 已结案投诉级别统计表, the team tables and the closed line
  of the trend count C.
* **处理中 being handled**: any time of the period during which a ticket was open, dispatched
  or replied (not yet closed). Overdue tickets and ticket-days count those stretches.

**Timeliness (及时率: closed within all limits)**, computed from each ticket's events: the
ticket was registered within the registration limit (10 minutes after receiving, clock time)
and, at no moment between its registration and its closing, was any of its running deadlines
past (dispatch, first contact, progress contact, department response and updates, internal
investigation, promises to the customer; pauses move them as the follow-up queue does). In
other words: the follow-up queue never showed it overdue (压单) before it was closed. Replayed
with deskapp/services/clocks.py `ticket_facts` and the time limits of data/time_limits.toml,
so it is the same judgement the queue made at the time. Imported tickets: one that arrived
closed cannot be judged (its handling happened elsewhere) and is left out of the rate, which
says how many were left out; one that arrived open is judged from its arrival on this desk,
without the registration limit.

**Satisfaction (满意率)**: of the tickets in C whose customer gave a verdict, the share
satisfied or basically satisfied: (满意 + 基本满意) / (满意 + 基本满意 + 不满意). "客户未表态"
and tickets without a verdict yet (closed, return visit not made) are left out, and counted.

**Overdue ticket-days (超时工单·天)**: for each ticket, the time inside the period during which
it was being handled and past a running deadline, summed over tickets, in days of 24 hours.
The return visit and the care follow-ups after closing are not counted here (they are not
handling); imported tickets count from their arrival on this desk.

**Teams**: a ticket belongs to the team of its current owner (处理人), from the `[[team]]`
lists of data/customer_base.toml; an owner in no team is a team of one.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from deskapp.domain.clean_input import year_error, year_in_range
from deskapp.domain.clocks import ClockKind, TimeLimits, due
from deskapp.domain.enums import Satisfaction, Severity, Status
from deskapp.domain.errors import RuleViolation
from deskapp.domain.indicators import (
    Period,
    PeriodKind,
    Ratio,
    Stretch,
    buckets,
    count_into,
    escalated_by_customer,
    grain_of,
    kept_every_limit,
    overdue_within,
    per_10k,
    percent,
    period_of,
    prorated,
    reported_up,
    ticket_days,
    top,
)
from deskapp.domain.phone import mask_phone
from deskapp.domain.status import ACTIVE
from deskapp.domain.ticket_clocks import TicketFacts, active_clocks
from deskapp.domain.timefmt import format_local
from deskapp.domain.worktime import WorkCalendar, WorkInstant, hours_delta
from deskapp.i18n import t
from deskapp.services.clocks import clocks_for, ticket_facts
from deskapp.services.customer_base import CustomerBase, Unit, customer_base
from deskapp.services.desk import Desk
from deskapp.store.models import Complaint, ComplaintEvent, Staff

CLOSED_STATES = (Status.CLOSED.value, Status.VISITED.value)
SCREEN_LIST_LIMIT = 500  # rows of the closed-ticket list the screen shows (exports: all)
_CHUNK = 500  # ids per IN (...) when reading events


class ScopeKind(StrEnum):
    TERMINAL = "terminal"
    HALL = "hall"
    AREA = "area"


@dataclass(frozen=True)
class ReportRequest:
    period: Period
    scope: ScopeKind = ScopeKind.HALL
    hall: str | None = None  # hall scope: default this terminal's hall
    area: str | None = None  # area scope: default the area of this terminal's hall
    customers: int | None = None  # overrides the customer base of data/
    control: float | None = None  # overrides the monthly control amount
    per_10k_control: float | None = None  # overrides the monthly control per 10,000


@dataclass(frozen=True)
class Scope:
    kind: ScopeKind
    code: str
    name: str
    halls: tuple[str, ...]
    terminal: str | None  # terminal scope: this terminal's code
    customers: int | None
    customers_from: str  # "data" | "option" | "none"
    control: float | None  # monthly
    per_10k: float | None  # monthly
    units: tuple[Unit, ...]  # the rows of the control table (an area: its halls)

    @property
    def label(self) -> str:
        return f"{t(f'reports.scope.{self.kind.value}')} {self.code} {self.name}".strip()


# ---------------------------------------------------------------------------------- tables


class Kind(StrEnum):
    TEXT = "text"
    INT = "int"
    PERCENT = "percent"  # a fraction, shown as a percentage
    DECIMAL = "decimal"  # two places
    DAYS = "days"  # one place
    FLAG = "flag"  # text; "▲..." marks a figure over its limit


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    kind: Kind = Kind.TEXT


@dataclass
class Table:
    """One table of the report: what it counts (`basis`), its columns and rows. A cell's kind
    is its column's, unless `cell_kinds[(row, column)]` says otherwise (the indicators table
    holds counts, rates and days in one column)."""

    key: str
    title: str
    basis: str
    columns: tuple[Column, ...]
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    cell_kinds: dict[tuple[int, int], Kind] = field(default_factory=dict)
    total_rows: set[int] = field(default_factory=set)  # indices of 合计 rows (bold)

    def kind(self, row: int, col: int) -> Kind:
        return self.cell_kinds.get((row, col), self.columns[col].kind)


OVER_MARK = "▲"


def format_cell(value: Any, kind: Kind) -> str:
    """A cell as the screen and the plain-text table show it."""
    if value is None:
        return "—"
    if kind is Kind.PERCENT:
        return percent(value)
    if kind is Kind.DECIMAL:
        return f"{value:.2f}"
    if kind is Kind.DAYS:
        return f"{value:.1f}"
    if kind is Kind.INT:
        return f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"
    return str(value)


# ---------------------------------------------------------------------------------- figures


@dataclass(frozen=True)
class Figures:
    received: int
    customers: int | None
    per_10k: float | None
    per_10k_control: float | None  # prorated to the period
    control: float | None  # prorated to the period
    control_reached: Ratio
    on_spot: Ratio
    closed: int
    timely: Ratio
    timeliness_unknown: int
    satisfaction: Ratio
    satisfaction_counts: dict[str, int]  # satisfied, basically_satisfied, ... , none
    repeat: int
    escalated: int  # by the customer (the indicator)
    reported_up: int  # reported up the hall's own chain
    batch: int
    reopened: int
    reopen_times: int
    overdue_tickets: int
    overdue_days: float

    @property
    def per_10k_over(self) -> bool:
        return (
            self.per_10k is not None
            and self.per_10k_control is not None
            and self.per_10k > self.per_10k_control
        )


@dataclass(frozen=True)
class Trend:
    labels: list[str]
    received: list[int]
    closed: list[int]


@dataclass
class Report:
    period: Period
    scope: Scope
    start: datetime
    end: datetime
    generated_at: datetime
    tz: ZoneInfo
    figures: Figures
    trend: Trend
    tables: list[Table]

    def table(self, key: str) -> Table:
        return next(tb for tb in self.tables if tb.key == key)

    @property
    def period_label(self) -> str:
        return period_label(self.period)

    @property
    def title(self) -> str:
        kind = t(f"reports.period.{self.period.kind.value}")
        return t("reports.heading", kind=kind, period=self.period_label, scope=self.scope.label)


def period_label(period: Period) -> str:
    if period.kind is PeriodKind.DAY:
        return f"{period.first:%Y-%m-%d}"
    if period.kind is PeriodKind.MONTH:
        return t("reports.month_label", year=period.first.year, month=period.first.month)
    first, last = f"{period.first:%Y-%m-%d}", f"{period.last:%Y-%m-%d}"
    label = t("reports.range_label", first=first, last=last)
    if period.kind is PeriodKind.WEEK:
        label += t("reports.week_no", week=period.first.isocalendar().week)
    return label


# ------------------------------------------------------------------------------------ scope


def resolve_scope(desk: Desk, request: ReportRequest) -> Scope:
    base = customer_base(desk.refdata.data_dir)
    terminal = desk.terminal()
    if request.scope is ScopeKind.AREA:
        area = base.areas.get(request.area) if request.area else base.area_of(terminal.hall_code)
        if area is None:
            raise RuleViolation.single(
                "area", "error.report.area_unknown", area=request.area or terminal.hall_code
            )
        units = tuple(base.halls[h] for h in area.halls)
        return _scope(request, ScopeKind.AREA, area.code, area.name, area.halls, None, area, units)
    hall_code = (request.hall or terminal.hall_code).upper()
    hall = base.halls.get(hall_code)
    unit = hall or Unit(hall_code, "", None, None, _default_per_10k(base), (hall_code,))
    if request.scope is ScopeKind.TERMINAL:
        code = f"{terminal.hall_code}-{terminal.terminal_code}"
        mine = base.halls.get(terminal.hall_code) or Unit(
            terminal.hall_code, "", None, None, _default_per_10k(base), (terminal.hall_code,)
        )
        return _scope(
            request, ScopeKind.TERMINAL, code, mine.name, (terminal.hall_code,),
            terminal.terminal_code, mine, (mine,),
        )  # fmt: skip
    return _scope(request, ScopeKind.HALL, hall_code, unit.name, (hall_code,), None, unit, (unit,))


def _default_per_10k(base: CustomerBase) -> float | None:
    return next((u.per_10k for u in base.halls.values()), None) or 25.0


def _scope(
    request: ReportRequest,
    kind: ScopeKind,
    code: str,
    name: str,
    halls: tuple[str, ...],
    terminal: str | None,
    unit: Unit,
    units: tuple[Unit, ...],
) -> Scope:
    customers, source = unit.customers, "data" if unit.customers else "none"
    if request.customers is not None:
        customers, source = request.customers, "option"
    return Scope(
        kind=kind,
        code=code,
        name=name,
        halls=halls,
        terminal=terminal,
        customers=customers,
        customers_from=source,
        control=request.control if request.control is not None else unit.control,
        per_10k=request.per_10k_control if request.per_10k_control is not None else unit.per_10k,
        units=units,
    )


# ------------------------------------------------------------------------------------- rows


@dataclass(frozen=True)
class _Row:
    id: str
    ticket_no: str
    hall_code: str
    received_at: datetime
    registered_at: datetime
    closed_at: datetime | None
    status: str
    solved_on_spot: bool
    satisfaction: str | None
    is_repeat: bool
    is_batch: bool
    escalation_level: int
    reopen_count: int
    cause_code: str
    severity: str
    channel: str
    accused_staff_id: str | None
    owner_id: str
    customer_name: str
    outcome: str
    contact_phone: str
    internal: bool
    hidden_risk: bool
    claimed_to: str


_COLUMNS = (
    Complaint.id, Complaint.ticket_no, Complaint.hall_code, Complaint.received_at,
    Complaint.registered_at, Complaint.closed_at, Complaint.status, Complaint.solved_on_spot,
    Complaint.satisfaction, Complaint.is_repeat, Complaint.is_batch, Complaint.escalation_level,
    Complaint.reopen_count, Complaint.cause_code, Complaint.severity, Complaint.channel,
    Complaint.accused_staff_id, Complaint.owner_id, Complaint.customer_name,
    sa.func.substr(Complaint.outcome, 1, 80), Complaint.contact_phone, Complaint.internal,
    Complaint.hidden_risk, Complaint.claimed_to,
)  # fmt: skip


def _load_rows(desk: Desk, scope: Scope, start: datetime, end: datetime) -> list[_Row]:
    """Every ticket of the scope that was received, closed or being handled in the period:
    received before its end and not closed before its start."""
    stmt = sa.select(*_COLUMNS).where(
        Complaint.hall_code.in_(scope.halls),
        Complaint.received_at < end,
        sa.or_(Complaint.closed_at.is_(None), Complaint.closed_at >= start),
    )
    if scope.terminal is not None:
        stmt = stmt.where(Complaint.terminal_code == scope.terminal)
    with desk.read() as session:
        return [_Row(*r) for r in session.execute(stmt)]


@dataclass(frozen=True)
class _Event:
    kind: str
    at: datetime
    data: str
    id: str


def _load_events(desk: Desk, ids: Sequence[str]) -> dict[str, list[_Event]]:
    found: dict[str, list[_Event]] = defaultdict(list)
    stmt = sa.select(
        ComplaintEvent.complaint_id, ComplaintEvent.kind, ComplaintEvent.at,
        ComplaintEvent.data, ComplaintEvent.id,
    )  # fmt: skip
    with desk.read() as session:
        for i in range(0, len(ids), _CHUNK):
            chunk = ids[i : i + _CHUNK]
            for cid, kind, at, data, eid in session.execute(
                stmt.where(ComplaintEvent.complaint_id.in_(chunk))
            ):
                found[cid].append(_Event(kind, at, data, eid))
    for events in found.values():
        events.sort(key=lambda e: (e.at, e.id))
    return found


# ---------------------------------------------------------------------------------- history


class _LowerBoundCalendar:
    """Stands in for the working-time calendar in a first, cheap pass over a ticket's clocks:
    every working-time deadline becomes a lower bound of itself (working time never runs faster
    than the clock, and N working days hold at least N of the shortest working day), while
    clock-time deadlines and promises stay exact. When an exact deadline comes no later than
    every bound, it is the earliest deadline, and the real calendar is not needed: this is what
    keeps a month's report over a large store within its second (most open tickets have a
    30-minute dispatch clock running). Pauses always take the real calendar."""

    def __init__(self, calendar: WorkCalendar, shortest_day: timedelta) -> None:
        self.tz = calendar.tz
        self.hours_per_day = Fraction(int(shortest_day.total_seconds()), 3600)

    def add_working_hours(self, start: datetime, hours: Any) -> WorkInstant:
        return WorkInstant(start + hours_delta(hours) - _SLACK, False)

    def add_working_days(self, start: datetime, days: Any) -> WorkInstant:
        return WorkInstant(start + hours_delta(Fraction(days) * self.hours_per_day) - _SLACK,
                           False)  # fmt: skip

    def end_of_working_day(self, start: datetime, n: int) -> WorkInstant:
        return WorkInstant(start, False)


_SLACK = timedelta(seconds=1)  # rounding of the bounds: always on the early side


def _shortest_working_day(desk: Desk) -> timedelta:
    hours = desk.refdata.opening_hours
    lengths = [
        sum((datetime.combine(date.min, p.end) - datetime.combine(date.min, p.start)
             for p in day), timedelta())
        for day in hours.week[:5]
        if day
    ]  # fmt: skip
    return min(lengths)


def lower_bound_calendar(desk: Desk) -> _LowerBoundCalendar:
    return _LowerBoundCalendar(desk.refdata.work_calendar_for(desk.tz),
                               _shortest_working_day(desk))  # fmt: skip


def _uses_calendar(kind: ClockKind, limits: TimeLimits) -> bool:
    return kind is not ClockKind.PROMISE and limits[kind].unit.uses_calendar


def earliest_deadline(
    desk: Desk, facts: TicketFacts, rough: _LowerBoundCalendar | None = None
) -> datetime | None:
    """The earliest deadline of the clocks running on `facts` (the first of `clocks_for`)."""
    limits = desk.refdata.time_limits
    if rough is not None and not facts.pauses:
        clocks = active_clocks(facts, rough, limits)  # type: ignore[arg-type]
        if not clocks:
            return None
        exact = [c for c in clocks if not _uses_calendar(c.kind, limits)]
        bounds = [c for c in clocks if _uses_calendar(c.kind, limits)]
        if exact and (not bounds or exact[0].deadline.at <= bounds[0].deadline.at):
            return exact[0].deadline.at
    clocks = clocks_for(desk, facts)
    return clocks[0].deadline.at if clocks else None


@dataclass(frozen=True)
class History:
    """What the events say about one ticket: its handling stretches and its timeliness."""

    stretches: tuple[Stretch, ...]
    timely: bool | None  # None: cannot be judged (imported already closed) or not closed


@dataclass
class _AsOf:
    """The fields of a complaint that `ticket_facts` reads, as they stood at one moment."""

    status: str
    registered_at: datetime
    solved_on_spot: bool
    channel: str
    accused_staff_id: str | None
    closed_at: datetime | None
    received_at: datetime
    severity: str
    internal: bool
    hidden_risk: bool
    claimed_to: str


_STATUS_AFTER = {
    "registered": Status.OPEN,
    "dispatch": Status.DISPATCHED,
    "department_reply": Status.REPLIED,
    "closed": Status.CLOSED,
    "reopened": Status.OPEN,
}


def ticket_history(
    desk: Desk,
    row: Any,
    events: Sequence[Any],
    now: datetime,
    rough: _LowerBoundCalendar | None = None,
) -> History:
    """Replay a ticket's events: after each moment at which something happened, which clocks
    ran and which deadline came first, until the next moment (or `now`).

    `row` needs received_at, registered_at, solved_on_spot, channel, accused_staff_id,
    status, closed_at, severity, internal, hidden_risk and claimed_to; `events` kind, at,
    data and id, in order."""
    imported: dict[str, Any] = {}
    for event in events:
        if event.kind == "registered":
            imported = json.loads(event.data or "{}")
            break
    arrived_at: datetime | None = None
    if imported.get("imported"):
        arrived_at = datetime.fromisoformat(imported["imported_at"])
    state = _AsOf(Status.OPEN.value, row.registered_at, row.solved_on_spot, row.channel,
                  row.accused_staff_id, None, row.received_at, row.severity, row.internal,
                  row.hidden_risk, row.claimed_to)  # fmt: skip
    stretches: list[Stretch] = []
    i, n = 0, len(events)
    while i < n:
        at = events[i].at
        while i < n and events[i].at == at:
            event = events[i]
            after = _STATUS_AFTER.get(event.kind)
            if event.kind == "visit":
                move = json.loads(event.data or "{}").get("move")
                after = Status.VISITED if move == "visit" else None
            if after is not None:
                state.status = after.value
                if after is Status.CLOSED:
                    state.closed_at = event.at
                elif after is Status.OPEN:
                    state.closed_at = None
            i += 1
        until = events[i].at if i < n else now
        if Status(state.status) not in ACTIVE or until <= at:
            continue
        start = at if arrived_at is None else max(at, arrived_at)
        if start < until:
            facts = ticket_facts(state, list(events[:i]))  # type: ignore[arg-type]
            stretches.append(Stretch(start, until, earliest_deadline(desk, facts, rough)))
    timely: bool | None = None
    if row.status in CLOSED_STATES and row.closed_at is not None:
        if arrived_at is not None and imported.get("imported_status") in CLOSED_STATES:
            timely = None
        else:
            in_time = True
            if arrived_at is None:
                calendar = desk.refdata.work_calendar_for(desk.tz)
                limit = due(ClockKind.REGISTER, row.received_at, calendar, desk.refdata.time_limits)
                in_time = row.registered_at <= limit.at
            timely = kept_every_limit(stretches, in_time)
    return History(tuple(stretches), timely)


# ----------------------------------------------------------------------------------- report


def build_report(desk: Desk, request: ReportRequest, now: datetime | None = None) -> Report:
    now = now or desk.clock.now()
    tz = desk.tz
    period = request.period
    start, end = period.bounds(tz)
    scope = resolve_scope(desk, request)
    rows = _load_rows(desk, scope, start, end)
    received = [r for r in rows if start <= r.received_at < end]
    closed = [
        r for r in rows
        if r.status in CLOSED_STATES and r.closed_at is not None and start <= r.closed_at < end
    ]  # fmt: skip
    events = _load_events(desk, [r.id for r in rows])
    rough = lower_bound_calendar(desk)
    histories = {r.id: ticket_history(desk, r, events.get(r.id, []), now, rough) for r in rows}
    window_end = min(end, now)
    overdue = {r.id: overdue_within(histories[r.id].stretches, start, window_end) for r in rows}
    figures = _figures(scope, period, received, closed, histories, overdue)
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
        _levels_table(report, closed, histories),
        *_team_tables(desk, report, closed, histories, staff, base),
    ]
    return report


def _figures(
    scope: Scope,
    period: Period,
    received: list[_Row],
    closed: list[_Row],
    histories: dict[str, History],
    overdue: dict[str, Any],
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
        escalated=sum(escalated_by_customer(r.severity, r.claimed_to) for r in received),
        reported_up=sum(reported_up(r.escalation_level) for r in received),
        batch=sum(r.is_batch for r in received),
        reopened=sum(r.reopen_count > 0 for r in received),
        reopen_times=sum(r.reopen_count for r in received),
        overdue_tickets=len(spans),
        overdue_days=ticket_days(spans),
    )


def _staff(desk: Desk) -> dict[str, tuple[str, str]]:
    with desk.read() as session:
        return {
            i: (w, n) for i, w, n in session.execute(sa.select(Staff.id, Staff.work_no, Staff.name))
        }


# ------------------------------------------------------------------------------ the tables


def _cols(prefix: str, spec: Iterable[tuple[str, Kind]]) -> tuple[Column, ...]:
    return tuple(Column(key, t(f"reports.{prefix}.{key}"), kind) for key, kind in spec)


def _basis(key: str, report: Report, **params: Any) -> str:
    p = report.period
    return t(f"reports.basis.{key}", first=f"{p.first:%Y-%m-%d}", last=f"{p.last:%Y-%m-%d}",
             **params)  # fmt: skip


def _over_flag(ratio_over: bool | None) -> str:
    if ratio_over is None:
        return ""
    return OVER_MARK + t("reports.over") if ratio_over else t("reports.within")


def _indicator_table(report: Report) -> Table:
    f = report.figures
    columns = _cols("ind_col", [
        ("name", Kind.TEXT), ("value", Kind.INT), ("num", Kind.INT), ("den", Kind.INT),
        ("control", Kind.DECIMAL), ("flag", Kind.FLAG), ("basis", Kind.TEXT),
    ])  # fmt: skip
    table = Table("indicators", t("reports.table.indicators"), _basis("indicators", report),
                  columns)  # fmt: skip
    source = t(f"reports.customers_from.{report.scope.customers_from}")
    sat = f.satisfaction_counts
    rows: list[tuple[str, Any, Any, Any, Any, str, str, dict[int, Kind]]] = [
        ("received", f.received, None, None, None, "", _basis("received", report), {}),
        ("customers", f.customers, None, None, None, "",
         _basis("customers", report, source=source), {}),
        ("per_10k", f.per_10k, f.received, f.customers, f.per_10k_control,
         _over_flag(f.per_10k_over if f.per_10k is not None else None),
         _basis("per_10k", report), {1: Kind.DECIMAL}),
        ("control", f.control_reached.value, f.received, f.control, f.control,
         _over_flag(f.control_reached.over if f.control_reached.value is not None else None),
         _basis("control", report), {1: Kind.PERCENT, 3: Kind.DECIMAL}),
        ("on_spot", f.on_spot.value, f.on_spot.num, f.on_spot.den, None, "",
         _basis("on_spot", report), {1: Kind.PERCENT}),
        ("closed", f.closed, None, None, None, "", _basis("closed", report), {}),
        ("timely", f.timely.value, f.timely.num, f.timely.den, None, "",
         _basis("timely", report, unknown=f.timeliness_unknown), {1: Kind.PERCENT}),
        ("satisfaction", f.satisfaction.value, f.satisfaction.num, f.satisfaction.den, None, "",
         _basis("satisfaction", report, declined=sat["declined"], none=sat["none"]),
         {1: Kind.PERCENT}),
        ("repeat", f.repeat, None, None, None, "", _basis("repeat", report), {}),
        ("escalated", f.escalated, None, None, None, "", _basis("escalated", report), {}),
        ("reported_up", f.reported_up, None, None, None, "", _basis("reported_up", report), {}),
        ("batch", f.batch, None, None, None, "", _basis("batch", report), {}),
        ("reopened", f.reopened, f.reopen_times, None, None, "", _basis("reopened", report), {}),
        ("overdue_tickets", f.overdue_tickets, None, None, None, "",
         _basis("overdue_tickets", report), {}),
        ("overdue_days", f.overdue_days, None, None, None, "", _basis("overdue_days", report),
         {1: Kind.DAYS}),
    ]  # fmt: skip
    for index, (key, value, num, den, control, flag, basis, kinds) in enumerate(rows):
        table.rows.append((t(f"reports.ind.{key}"), value, num, den, control, flag, basis))
        for col, kind in kinds.items():
            table.cell_kinds[(index, col)] = kind
    return table


def _control_table(report: Report, received: list[_Row]) -> Table:
    scope, period = report.scope, report.period
    columns = _cols("ctl_col", [
        ("unit", Kind.TEXT), ("customers", Kind.INT), ("count", Kind.INT),
        ("per_10k", Kind.DECIMAL), ("per_10k_control", Kind.DECIMAL), ("control", Kind.DECIMAL),
        ("reached", Kind.PERCENT), ("flag", Kind.FLAG),
    ])  # fmt: skip
    table = Table("control", t("reports.table.control"), _basis("control_table", report), columns)
    by_hall = Counter(r.hall_code for r in received)

    def line(label: str, customers: int | None, count: int, control: float | None,
             per10k: float | None) -> tuple:  # fmt: skip
        amount = prorated(control, period)
        reached = Ratio(count, amount or 0)
        ten_k = per_10k(count, customers)
        limit = prorated(per10k, period)
        over = reached.over if reached.value is not None else None
        if over is None and ten_k is not None and limit is not None:
            over = ten_k > limit
        return (label, customers, count, ten_k, limit, amount, reached.value, _over_flag(over))

    if scope.kind is ScopeKind.AREA:
        for unit in scope.units:
            table.rows.append(line(f"{unit.code} {unit.name}", unit.customers,
                                   by_hall[unit.code], unit.control, unit.per_10k))  # fmt: skip
        table.total_rows.add(len(table.rows))
        table.rows.append(
            line(
                f"{t('reports.total')} {scope.code} {scope.name}",
                scope.customers,
                len(received),
                scope.control,
                scope.per_10k,
            )
        )
    else:
        table.rows.append(line(f"{scope.code} {scope.name}".strip(), scope.customers,
                               len(received), scope.control, scope.per_10k))  # fmt: skip
    return table


def _cause_label(desk: Desk, code: str) -> str:
    causes = desk.refdata.causes
    return causes.path(code).label if code in causes else code


def _causes_table(desk: Desk, report: Report, received: list[_Row]) -> Table:
    columns = _cols("cause_col", [("rank", Kind.INT), ("cause", Kind.TEXT), ("code", Kind.TEXT),
                                  ("count", Kind.INT), ("share", Kind.PERCENT)])  # fmt: skip
    table = Table("causes", t("reports.table.causes"), _basis("causes", report), columns)
    counts = Counter(r.cause_code for r in received)
    for rank, (code, count) in enumerate(top(dict(counts)), start=1):
        table.rows.append((rank, _cause_label(desk, code), code, count,
                           Ratio(count, len(received)).value))  # fmt: skip
    return table


def _process_table(desk: Desk, report: Report, received: list[_Row]) -> Table:
    columns = _cols("proc_col", [("process", Kind.TEXT), ("code", Kind.TEXT),
                                 ("count", Kind.INT), ("share", Kind.PERCENT)])  # fmt: skip
    table = Table("process", t("reports.table.process"), _basis("process", report), columns)
    counts = Counter(r.cause_code.split(".", 1)[0] for r in received)
    roots = desk.refdata.causes.roots()
    known = {root.code for root in roots}
    for root in roots:
        table.rows.append((root.name, root.code, counts[root.code],
                           Ratio(counts[root.code], len(received)).value))  # fmt: skip
    for code in sorted(set(counts) - known):  # a code retired from the tree: still counted
        table.rows.append((code, code, counts[code], Ratio(counts[code], len(received)).value))
    table.total_rows.add(len(table.rows))
    table.rows.append((t("reports.total"), "", len(received), 1.0 if received else None))
    return table


def _trend_table(report: Report) -> Table:
    grain = grain_of(report.period)
    columns = (
        Column("bucket", t(f"reports.grain.{grain.value}")),
        Column("received", t("reports.trend_col.received"), Kind.INT),
        Column("closed", t("reports.trend_col.closed"), Kind.INT),
    )
    table = Table("trend", t("reports.table.trend"), _basis("trend", report), columns)
    tr = report.trend
    table.rows.extend(zip(tr.labels, tr.received, tr.closed, strict=True))
    return table


def _levels_table(report: Report, closed: list[_Row], histories: dict[str, History]) -> Table:
    columns = _cols("lvl_col", [
        ("level", Kind.TEXT), ("closed", Kind.INT), ("share", Kind.PERCENT),
        ("on_spot", Kind.INT), ("timely", Kind.INT), ("judged", Kind.INT),
        ("timely_rate", Kind.PERCENT), ("rated", Kind.INT), ("satisfied", Kind.INT),
        ("satisfaction_rate", Kind.PERCENT), ("repeat", Kind.INT), ("escalated", Kind.INT),
        ("reopened", Kind.INT),
    ])  # fmt: skip
    due_day = report.period.report_due
    due_text = t("reports.due", day=f"{due_day:%Y-%m-%d}") if due_day else ""
    table = Table("levels", t("reports.table.levels"),
                  _basis("levels", report) + due_text, columns)  # fmt: skip

    def line(label: str, rows: list[_Row]) -> tuple:
        judged = [histories[r.id].timely for r in rows if histories[r.id].timely is not None]
        good = sum(r.satisfaction in (Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED)
                   for r in rows)  # fmt: skip
        rated = good + sum(r.satisfaction == Satisfaction.UNSATISFIED for r in rows)
        return (label, len(rows), Ratio(len(rows), len(closed)).value,
                sum(r.solved_on_spot for r in rows), sum(judged), len(judged),
                Ratio(sum(judged), len(judged)).value, rated, good, Ratio(good, rated).value,
                sum(r.is_repeat for r in rows),
                sum(escalated_by_customer(r.severity, r.claimed_to) for r in rows),
                sum(r.reopen_count > 0 for r in rows))  # fmt: skip

    for level in Severity:
        table.rows.append(line(t(f"severity.{level.value}"),
                               [r for r in closed if r.severity == level.value]))  # fmt: skip
    table.total_rows.add(len(table.rows))
    table.rows.append(line(t("reports.total"), closed))
    return table


def _team_of(owner_id: str, staff: dict[str, tuple[str, str]], base: CustomerBase) -> str:
    work_no, name = staff.get(owner_id, (owner_id, owner_id))
    return base.teams.get(work_no) or name


def _team_tables(
    desk: Desk,
    report: Report,
    closed: list[_Row],
    histories: dict[str, History],
    staff: dict[str, tuple[str, str]],
    base: CustomerBase,
) -> list[Table]:
    order = {name: i for i, name in enumerate(base.team_order)}
    teams: dict[str, list[_Row]] = defaultdict(list)
    for row in closed:
        teams[_team_of(row.owner_id, staff, base)].append(row)
    names = sorted(teams, key=lambda n: (order.get(n, len(order)), n))
    summary = Table(
        "teams", t("reports.table.teams"), _basis("teams", report),
        _cols("team_col", [("team", Kind.TEXT), ("closed", Kind.INT), ("timely", Kind.INT),
                           ("judged", Kind.INT), ("timely_rate", Kind.PERCENT),
                           ("rated", Kind.INT), ("satisfaction_rate", Kind.PERCENT)]),
    )  # fmt: skip
    listing = Table(
        "closed_list", t("reports.table.closed_list"), _basis("closed_list", report),
        _cols("list_col", [("team", Kind.TEXT), ("owner", Kind.TEXT), ("ticket", Kind.TEXT),
                           ("received", Kind.TEXT), ("closed", Kind.TEXT),
                           ("customer", Kind.TEXT), ("phone", Kind.TEXT),
                           ("severity", Kind.TEXT), ("cause", Kind.TEXT),
                           ("outcome", Kind.TEXT), ("satisfaction", Kind.TEXT),
                           ("timely", Kind.TEXT)]),
    )  # fmt: skip
    tz = report.tz
    for name in names:
        rows = sorted(teams[name], key=lambda r: (r.closed_at, r.ticket_no))
        judged = [histories[r.id].timely for r in rows if histories[r.id].timely is not None]
        good = sum(r.satisfaction in (Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED)
                   for r in rows)  # fmt: skip
        rated = good + sum(r.satisfaction == Satisfaction.UNSATISFIED for r in rows)
        summary.rows.append((name, len(rows), sum(judged), len(judged),
                             Ratio(sum(judged), len(judged)).value, rated,
                             Ratio(good, rated).value))  # fmt: skip
        for r in rows:
            timely = histories[r.id].timely
            listing.rows.append((
                name, staff.get(r.owner_id, ("", r.owner_id))[1], r.ticket_no,
                format_local(r.received_at, tz), format_local(r.closed_at, tz), r.customer_name,
                mask_phone(r.contact_phone), t(f"severity.{r.severity}"),
                _cause_label(desk, r.cause_code), r.outcome,
                t(f"satisfaction.{r.satisfaction}") if r.satisfaction else "",
                t("reports.unknown") if timely is None
                else (t("reports.yes") if timely else t("reports.no")),
            ))  # fmt: skip
    return [summary, listing]


# ----------------------------------------------------------------------------- arguments


def parse_day(text: str, field: str = "from") -> date:
    """2026-11-24 (also 2026/11/24, 20261124) or 2026-11 (the month's first day)."""
    raw = text.strip().replace("/", "-").replace(".", "-")
    day = None
    try:
        if len(raw) == 8 and raw.isdigit():
            day = date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
        else:
            parts = [int(p) for p in raw.split("-")]
            if len(parts) == 2:
                day = date(parts[0], parts[1], 1)
            elif len(parts) == 3:
                day = date(*parts)
    except ValueError:
        pass
    if day is None:
        raise RuleViolation.single(field, "error.report.date")
    if not year_in_range(day.year):  # (year 1: the period's bounds would overflow)
        raise RuleViolation([year_error(field)])
    return day


def period_from_args(
    kind: PeriodKind | str, first: str | None, last: str | None, today: date
) -> Period:
    """The period the command line or the range dialog asks for: `first` defaults to today
    (the period containing it); a range needs both ends."""
    kind = PeriodKind(kind)
    start = parse_day(first, "from") if first else today
    if kind is PeriodKind.RANGE:
        if not last:
            raise RuleViolation.single("to", "error.report.range_needs_to")
        end = parse_day(last, "to")
        if end < start:
            raise RuleViolation.single("to", "error.report.range_order")
        return period_of(kind, start, end)
    return period_of(kind, start)
