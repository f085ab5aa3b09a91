"""问责数据 (issue 17) and the batch complaints (issue 18) in the report: 压单 amounts per
handler, department and hall with their ticket list, the repeat grading, the own-staff
complaints, the return visits and the batches. What "overdue", "a further day", "the n-th
time" and "an overdue visit" mean is deskapp/domain/accountability.py's; this module reads what
it needs beyond the report's rows (small sets: the overdue tickets, the repeats, the closed
tickets' visits) and lays the tables out.

The 压单 amounts and the own-staff complaints per staff member are the hall's managers' own
review (`see_accountability`, docs/permissions.md): `restricted_tables` says which tables a
report leaves out for whom."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from deskapp.domain import accountability as acc
from deskapp.domain.deadlines import ClockKind, TimeUnit, due
from deskapp.domain.enums import Status
from deskapp.domain.indicators import Stretch
from deskapp.domain.phone import mask_phone
from deskapp.domain.repeat import matter_of
from deskapp.domain.replay import CLOSED_STATES
from deskapp.domain.responsibility import ResponsibleKind
from deskapp.domain.timefmt import format_local
from deskapp.i18n import t
from deskapp.services.desk import Desk
from deskapp.services.reports.model import Column, Kind, Report, Table
from deskapp.services.reports.queries import _Row
from deskapp.store.models import BatchIncident, Complaint, ComplaintEvent

_CHUNK = 500

# The "department" of a ticket a third party was held responsible for at its closing
THIRD_PARTY = "@third_party"

# The tables only the hall's managers see (see_accountability); their figures are the people's.
RESTRICTED_TABLES = ("accountability", "overdue_list", "own_staff")


def _cols(prefix: str, spec: Sequence[tuple[str, Kind]]) -> tuple[Column, ...]:
    return tuple(Column(key, t(f"reports.{prefix}.{key}"), kind) for key, kind in spec)


def _basis(key: str, report: Report, **params: Any) -> str:
    p = report.period
    return t(f"reports.basis.{key}", first=f"{p.first:%Y-%m-%d}", last=f"{p.last:%Y-%m-%d}",
             **params)  # fmt: skip


def _chunks(ids: Sequence[str]) -> list[Sequence[str]]:
    return [ids[i : i + _CHUNK] for i in range(0, len(ids), _CHUNK)]


# ------------------------------------------------------------------------------ 压单 amounts


@dataclass(frozen=True)
class Pending:
    """What the accountability tables are built from, kept on a report built for a viewer
    who may see them until they are asked for (`build.add_accountability`)."""

    late: list[_Row]  # the tickets overdue at some moment of the period
    received: list[_Row]
    stretches: dict[str, tuple[Stretch, ...]]
    window_end: datetime
    events: dict[str, list[Any]]  # the events the replay read, of the late tickets
    staff: dict[str, tuple[str, str]]


@dataclass(frozen=True)
class Overdue:
    """One ticket overdue in the period: its working days overdue and the rulebook's amount."""

    row: _Row
    days: int
    amount: Decimal
    department: str  # a department code, or "" (the hall's own)


def overdue_tickets(
    desk: Desk, rows: Sequence[_Row], stretches: dict[str, tuple[Stretch, ...]],
    start: datetime, end: datetime, events: Mapping[str, Sequence[Any]] | None = None,
) -> list[Overdue]:  # fmt: skip
    """The tickets overdue inside `[start, end)` (cut at now by the caller's `end`); `events`:
    tickets' events already read (their dispatches are not read again)."""
    calendar = desk.refdata.work_calendar_for(desk.tz)
    penalties = desk.refdata.accountability
    index = acc.WorkingDays(calendar, calendar.local_date(start), calendar.local_date(end))
    found = []
    for row in rows:
        spans = acc.overdue_spans(stretches[row.id], start, end)
        days = acc.overdue_days(spans, calendar, index)
        if days:
            found.append((row, days, acc.amount(days, penalties)))
    departments = _departments(desk, [row for row, _, _ in found], events or {})
    return [Overdue(row, days, amount, departments.get(row.id, "")) for row, days, amount in found]


def _departments(
    desk: Desk, rows: Sequence[_Row], events: Mapping[str, Sequence[Any]]
) -> dict[str, str]:
    """Each ticket's department: for a closed ticket the one held responsible at its closing
    (责任界定), else the one it was last dispatched to; none for a ticket the hall kept."""
    ids = [r.id for r in rows]
    closed = [r.id for r in rows if r.status in CLOSED_STATES]
    found: dict[str, str] = {}
    for cid in ids:
        for event in events.get(cid, ()):  # in order: the last dispatch wins
            if event.kind == "dispatch":
                department = json.loads(event.data or "{}").get("department")
                if department:
                    found[cid] = department
    unread = [cid for cid in ids if cid not in events]
    responsible = sa.select(
        col(Complaint.id), col(Complaint.responsible_kind), col(Complaint.responsible_ref)
    ).where(
        col(Complaint.responsible_kind).in_(
            (ResponsibleKind.DEPARTMENT.value, ResponsibleKind.THIRD_PARTY.value)
        )
    )
    # (the department read by SQLite from the event's JSON: thousands of tickets in a month)
    dispatches = sa.select(
        col(ComplaintEvent.complaint_id),
        sa.func.json_extract(col(ComplaintEvent.data), "$.department"),
    ).where(col(ComplaintEvent.kind) == "dispatch").order_by(
        col(ComplaintEvent.at), col(ComplaintEvent.id)
    )  # fmt: skip
    with desk.read() as session:
        for chunk in _chunks(unread):
            for cid, department in session.execute(
                dispatches.where(col(ComplaintEvent.complaint_id).in_(chunk))
            ):
                if department:
                    found[cid] = department
        for chunk in _chunks(closed):
            for cid, kind, ref in session.execute(responsible.where(col(Complaint.id).in_(chunk))):
                if kind == ResponsibleKind.THIRD_PARTY.value:
                    found[cid] = THIRD_PARTY  # outside the company: not the hall's own
                elif ref:
                    found[cid] = ref
    return found


def _department_name(departments: Mapping[str, Any], code: str) -> str:
    if code == THIRD_PARTY:
        return t("reports.acc.third_party")
    return departments[code].name if code in departments else (code or t("reports.acc.own"))


def accountability_tables(
    desk: Desk, report: Report, overdue: list[Overdue], staff: dict[str, tuple[str, str]]
) -> list[Table]:
    """压单 per handler (the ticket's current owner), per department and per hall, with the
    list of the overdue tickets."""
    columns = _cols("acc_col", [
        ("group", Kind.TEXT), ("unit", Kind.TEXT), ("tickets", Kind.INT), ("days", Kind.INT),
        ("further", Kind.INT), ("amount", Kind.DECIMAL),
    ])  # fmt: skip
    p = desk.refdata.accountability
    summary = Table("accountability", t("reports.table.accountability"),
                    _basis("accountability", report, per_ticket=f"{p.per_ticket:g}",
                           per_day=f"{p.per_further_day:g}"), columns)  # fmt: skip

    def line(group: str, unit: str, items: list[Overdue]) -> tuple[Any, ...]:
        days = sum(o.days for o in items)
        return (group, unit, len(items), days, sum(acc.further_days(o.days) for o in items),
                sum((o.amount for o in items), Decimal("0.00")))  # fmt: skip

    def grouped(label: str, key: Any, name: Any) -> None:
        groups: dict[str, list[Overdue]] = defaultdict(list)
        for o in overdue:
            groups[key(o)].append(o)
        for unit in sorted(groups, key=lambda u: (name(u), u)):
            summary.rows.append(line(label, name(unit), groups[unit]))

    departments = desk.refdata.departments
    grouped(t("reports.acc.by_handler"), lambda o: o.row.owner_id,
            lambda i: " ".join(staff.get(i, (i, ""))).strip())  # fmt: skip
    grouped(t("reports.acc.by_department"), lambda o: o.department,
            lambda c: _department_name(departments, c))  # fmt: skip
    grouped(t("reports.acc.by_hall"), lambda o: o.row.hall_code, lambda h: h)
    summary.total_rows.add(len(summary.rows))
    summary.rows.append(line(t("reports.total"), "", overdue))

    listing = Table(
        "overdue_list", t("reports.table.overdue_list"), _basis("overdue_list", report),
        _cols("od_col", [("ticket", Kind.TEXT), ("handler", Kind.TEXT),
                         ("department", Kind.TEXT), ("hall", Kind.TEXT),
                         ("received", Kind.TEXT), ("batch", Kind.TEXT), ("days", Kind.INT),
                         ("amount", Kind.DECIMAL)]),
    )  # fmt: skip
    yes, no = t("reports.yes"), t("reports.no")
    for o in sorted(overdue, key=lambda o: (-o.days, o.row.ticket_no)):
        listing.rows.append((
            o.row.ticket_no, staff.get(o.row.owner_id, ("", o.row.owner_id))[1],
            _department_name(departments, o.department),
            o.row.hall_code, format_local(o.row.received_at, report.tz),
            yes if o.row.is_batch else no, o.days, o.amount,
        ))  # fmt: skip
    return [summary, listing]


# --------------------------------------------------------------------------- repeat grading


def _repeat_links(desk: Desk, ids: Sequence[str]) -> dict[str, tuple[str | None, str, str, str,
                                                                       datetime]]:  # fmt: skip
    """Each ticket's repeat link, number, phone and first-level cause, for `ids` and every
    ticket up their chains (read level by level: a chain is a few tickets long)."""
    stmt = sa.select(
        col(Complaint.id), col(Complaint.repeat_of_id), col(Complaint.ticket_no),
        col(Complaint.contact_phone), col(Complaint.cause_code), col(Complaint.received_at),
    )  # fmt: skip
    found: dict[str, tuple[str | None, str, str, str, datetime]] = {}
    todo = list(dict.fromkeys(ids))
    with desk.read() as session:
        while todo:
            for chunk in _chunks(todo):
                for cid, parent, no, phone, cause, at in session.execute(
                    stmt.where(col(Complaint.id).in_(chunk))
                ):
                    found[cid] = (parent, no, phone, cause, at)
            todo = [p for p, *_ in found.values() if p is not None and p not in found]
            todo = list(dict.fromkeys(todo))
    return found


def repeat_table(desk: Desk, report: Report, received: list[_Row]) -> Table:
    """同一问题被投诉三次以上: the repeat chains whose complaint received in the period is the
    n-th time (n ≥ the grade) for the same matter, one row a chain."""
    penalties = desk.refdata.accountability
    columns = _cols("rep_col", [
        ("first", Kind.TEXT), ("latest", Kind.TEXT), ("phone", Kind.TEXT),
        ("matter", Kind.TEXT), ("times", Kind.INT), ("in_period", Kind.INT),
    ])  # fmt: skip
    basis = _basis("repeat_grade", report, times=penalties.repeat_times)
    table = Table("repeat_grade", t("reports.table.repeat_grade"), basis, columns)
    repeats = [r.id for r in received if r.is_repeat]
    if not repeats:
        return table
    links = _repeat_links(desk, repeats)
    parent = {cid: link[0] for cid, link in links.items()}
    chains: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for cid in repeats:
        root, times = acc.repeat_times(cid, parent)
        chains[root].append((times, cid))
    roots = desk.refdata.causes
    graded = [(root, items) for root, items in chains.items()
              if acc.graded(max(items)[0], penalties)]  # fmt: skip
    for root, items in sorted(graded, key=lambda g: (-max(g[1])[0], links[g[0]][1])):
        times, latest = max(items)
        _, first_no, phone, cause, _ = links[root]
        matter = matter_of(cause)
        name = roots.path(matter).label if matter in roots else matter
        table.rows.append((first_no, links[latest][1], mask_phone(phone), name, times,
                           len(items)))  # fmt: skip
    table.total_rows.add(len(table.rows))
    table.rows.append((t("reports.total"), "", "", "", len(graded), None))
    return table


# ----------------------------------------------------------------------- own-staff complaints


def own_staff_table(
    report: Report, received: list[_Row], staff: dict[str, tuple[str, str]]
) -> Table:
    """本厅员工被投诉: complaints received in the period about a member of the hall's staff
    (the accused staff member of recusal, deskapp/domain/recusal.py), per hall and per staff
    member."""
    columns = _cols("own_col", [("group", Kind.TEXT), ("unit", Kind.TEXT), ("count", Kind.INT)])
    table = Table("own_staff", t("reports.table.own_staff"), _basis("own_staff", report),
                  columns)  # fmt: skip
    accused = [r for r in received if r.accused_staff_id]
    by_hall = Counter(r.hall_code for r in accused)
    for hall in sorted(by_hall):
        table.rows.append((t("reports.acc.by_hall"), hall, by_hall[hall]))
    by_staff = Counter(r.accused_staff_id for r in accused)
    for sid in sorted(by_staff, key=lambda s: (staff.get(s or "", (s, ""))[0], s)):
        work_no, name = staff.get(sid or "", (sid, ""))
        table.rows.append((t("reports.own.by_staff"), f"{work_no} {name}".strip(), by_staff[sid]))
    table.total_rows.add(len(table.rows))
    table.rows.append((t("reports.total"), "", len(accused)))
    return table


# ------------------------------------------------------------------------------ return visits


@dataclass(frozen=True)
class Visits:
    due: int  # closed in the period, not solved on the spot: a visit is owed
    visited: int  # of those, visited now (已回访)
    overdue: int  # of those, visited after the deadline, or not and the deadline passed


def visit_figures(
    desk: Desk, closed: list[_Row], now: datetime, read: Mapping[str, list[datetime]] | None = None
) -> Visits:
    """回访率 and overdue visits over the tickets closed in the period (still closed), not
    solved on the spot: the visit owed after the ticket's (last) closing, 7 working days by
    default (data/time_limits.toml `return_visit`). `read`: the visits of (at least) these
    tickets, already read (queries._load_marks)."""
    owed = [r for r in closed if not r.solved_on_spot and r.closed_at is not None]
    visits: Mapping[str, list[datetime]]
    visits = _visits(desk, [r.id for r in owed]) if read is None else read
    calendar = desk.refdata.work_calendar_for(desk.tz)
    limits = desk.refdata.time_limits
    # "By the close of the N-th working day after the day the clock starts, whatever the
    # hour" (data/time_limits.toml): one deadline a closing day, computed once.
    by_day = limits[ClockKind.RETURN_VISIT].unit is TimeUnit.WHOLE_WORKING_DAYS
    deadlines: dict[object, datetime] = {}
    overdue = 0
    for r in owed:
        assert r.closed_at is not None
        # The visit after the last closing (an earlier one reopened the ticket: another is
        # owed); a ticket not 已回访 has had none since.
        after = [at for at in visits.get(r.id, ()) if at >= r.closed_at]
        visited_at = min(after) if after and r.status == Status.VISITED.value else None
        key = calendar.local_date(r.closed_at) if by_day else r.closed_at
        deadline = deadlines.get(key)
        if deadline is None:
            deadline = deadlines[key] = due(ClockKind.RETURN_VISIT, r.closed_at, calendar,
                                            limits).at  # fmt: skip
        overdue += acc.visit_overdue(visited_at, deadline, now)
    return Visits(len(owed), sum(r.status == Status.VISITED.value for r in owed), overdue)


def _visits(desk: Desk, ids: Sequence[str]) -> dict[str, list[datetime]]:
    visits: dict[str, list[datetime]] = defaultdict(list)
    stmt = sa.select(col(ComplaintEvent.complaint_id), col(ComplaintEvent.at)).where(
        col(ComplaintEvent.kind) == "visit"
    )
    with desk.read() as session:
        for chunk in _chunks(ids):
            for cid, at in session.execute(stmt.where(col(ComplaintEvent.complaint_id).in_(chunk))):
                visits[cid].append(at)
    return visits


# ------------------------------------------------------------------------------------ batches


def batch_table(desk: Desk, report: Report, received: list[_Row]) -> Table:
    """批量投诉 by batch: the complaints received in the period linked to each incident, how
    many of them are still being handled; tickets flagged 批量 without an incident apart."""
    columns = _cols("batch_col", [
        ("batch", Kind.TEXT), ("cause", Kind.TEXT), ("state", Kind.TEXT), ("count", Kind.INT),
        ("open", Kind.INT),
    ])  # fmt: skip
    table = Table("batches", t("reports.table.batches"), _basis("batches", report), columns)
    ids = [r.id for r in received if r.is_batch]
    if not ids:
        table.total_rows.add(0)
        table.rows.append((t("reports.total"), "", "", 0, 0))
        return table
    status = {r.id: r.status for r in received}
    of_ticket: dict[str, str | None] = {}
    with desk.read() as session:
        for chunk in _chunks(ids):
            for cid, bid in session.execute(
                sa.select(col(Complaint.id), col(Complaint.batch_id)).where(
                    col(Complaint.id).in_(chunk)
                )
            ):
                of_ticket[cid] = bid
        batch_ids = sorted({b for b in of_ticket.values() if b})
        batches = {
            b.id: b
            for b in session.execute(
                sa.select(BatchIncident).where(col(BatchIncident.id).in_(batch_ids))
            ).scalars()
        }
    groups: dict[str, list[str]] = defaultdict(list)
    for cid in ids:
        groups[of_ticket.get(cid) or ""].append(cid)

    def line(label: str, cause: str, state: str, members: list[str]) -> tuple[Any, ...]:
        return (label, cause, state, len(members),
                sum(status[c] not in CLOSED_STATES for c in members))  # fmt: skip

    ordered = sorted((b for b in groups if b in batches),
                     key=lambda b: (batches[b].started_at, b))  # fmt: skip
    for bid in ordered:
        b = batches[bid]
        table.rows.append(line(b.title, b.cause_code, t(f"reports.batch_state.{b.status}"),
                               groups[bid]))  # fmt: skip
    loose = [c for b, members in groups.items() if b not in batches for c in members]
    if loose:
        table.rows.append(line(t("reports.batch_unlinked"), "", "", loose))
    table.total_rows.add(len(table.rows))
    table.rows.append(line(t("reports.total"), "", "", ids))
    return table
