"""The report's tables, built from its figures and the rows it read: 指标, 控制量, 原因TOP10,
服务过程, 趋势, 已结案投诉级别统计表, 班组结案汇总 and 班组结案清单."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from deskapp.domain.enums import RefundMethod, Satisfaction, Severity
from deskapp.domain.indicators import (
    Ratio,
    escalated_by_customer,
    grain_of,
    per_10k,
    prorated,
    timeliness_split,
    top,
)
from deskapp.domain.money import from_fen
from deskapp.domain.phone import mask_phone
from deskapp.domain.replay import History
from deskapp.domain.timefmt import format_local
from deskapp.domain.visits import ReopenCause
from deskapp.i18n import t
from deskapp.services.customer_base import CustomerBase
from deskapp.services.desk import Desk
from deskapp.services.reports.model import (
    OVER_MARK,
    Column,
    Figures,
    Kind,
    Report,
    ScopeKind,
    Table,
)
from deskapp.services.reports.queries import _RefundRow, _Row


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
        ("control", Kind.DECIMAL), ("flag", Kind.FLAG), ("batch", Kind.TEXT),
        ("basis", Kind.TEXT),
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
        ("visit_rate", f.visit_rate.value, f.visited, f.visits_due, None, "",
         _basis("visit_rate", report), {1: Kind.PERCENT}),
        ("visits_overdue", f.visits_overdue, None, f.visits_due, None, "",
         _basis("visits_overdue", report), {}),
    ]  # fmt: skip
    for index, (key, value, num, den, control, flag, basis, kinds) in enumerate(rows):
        batch = _batch_included(key, f)
        table.rows.append((t(f"reports.ind.{key}"), value, num, den, control, flag, batch, basis))
        for col, kind in kinds.items():
            table.cell_kinds[(index, col)] = kind
    return table


# Which tickets each indicator counts (the package's R, C and being-handled sets), so that it
# says how many batch complaints (批量投诉, issue 18) it includes; the customer base counts none.
_RECEIVED_BASED = ("received", "per_10k", "control", "on_spot", "repeat", "escalated",
                   "reported_up", "batch", "reopened")  # fmt: skip
_CLOSED_BASED = ("closed", "timely", "satisfaction", "visit_rate", "visits_overdue")
_HANDLED_BASED = ("overdue_tickets", "overdue_days")


def _batch_included(key: str, f: Figures) -> str:
    """Whether an indicator includes batch complaints, and how many of its tickets are."""
    if key in _RECEIVED_BASED:
        return t("reports.batch_included", n=f.batch)
    if key in _CLOSED_BASED:
        return t("reports.batch_included", n=f.batch_closed)
    if key in _HANDLED_BASED:
        return t("reports.batch_included", n=f.batch_overdue)
    return t("reports.batch_not_applicable")


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
             per10k: float | None) -> tuple[Any, ...]:  # fmt: skip
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


def _timely_and_rated(
    rows: list[_Row], histories: dict[str, History]
) -> tuple[list[bool], int, int]:
    """The timeliness of the rows that can be judged, and of the customers who gave a verdict
    the satisfied (满意 + 基本满意) and all (with 不满意): the definitions of the package."""
    judged = [h.timely for h in (histories[r.id] for r in rows) if h.timely is not None]
    good = sum(r.satisfaction in (Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED)
               for r in rows)  # fmt: skip
    rated = good + sum(r.satisfaction == Satisfaction.UNSATISFIED for r in rows)
    return judged, good, rated


def _levels_table(
    desk: Desk, report: Report, closed: list[_Row], histories: dict[str, History]
) -> Table:
    columns = _cols("lvl_col", [
        ("level", Kind.TEXT), ("closed", Kind.INT), ("share", Kind.PERCENT),
        ("on_spot", Kind.INT), ("timely", Kind.INT), ("judged", Kind.INT),
        ("timely_rate", Kind.PERCENT), ("rated", Kind.INT), ("satisfied", Kind.INT),
        ("satisfaction_rate", Kind.PERCENT), ("repeat", Kind.INT), ("escalated", Kind.INT),
        ("reopened", Kind.INT),
    ])  # fmt: skip
    floors = {channel.value: s for channel, s in desk.refdata.settings.severity_floor.items()}
    due_day = report.period.report_due
    due_text = t("reports.due", day=f"{due_day:%Y-%m-%d}") if due_day else ""
    table = Table("levels", t("reports.table.levels"),
                  _basis("levels", report) + due_text, columns)  # fmt: skip

    def line(label: str, rows: list[_Row]) -> tuple[Any, ...]:
        judged, good, rated = _timely_and_rated(rows, histories)
        return (label, len(rows), Ratio(len(rows), len(closed)).value,
                sum(r.solved_on_spot for r in rows), sum(judged), len(judged),
                Ratio(sum(judged), len(judged)).value, rated, good, Ratio(good, rated).value,
                sum(r.is_repeat for r in rows),
                sum(escalated_by_customer(r.severity, r.claimed_to, r.channel, floors)
                    for r in rows),
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
    # The words of the list, looked up once a report, not once a row (issue 22)
    timely_word = {None: t("reports.unknown"), True: t("reports.yes"), False: t("reports.no")}
    words: dict[str, str] = {}

    def word(key: str) -> str:
        found = words.get(key)
        if found is None:
            found = words[key] = t(key)
        return found

    causes: dict[str, str] = {}
    for name in names:
        rows = sorted(teams[name], key=lambda r: (r.closed_at, r.ticket_no))
        judged, good, rated = _timely_and_rated(rows, histories)
        summary.rows.append((name, len(rows), sum(judged), len(judged),
                             Ratio(sum(judged), len(judged)).value, rated,
                             Ratio(good, rated).value))  # fmt: skip
        for r in rows:
            cause = causes.get(r.cause_code)
            if cause is None:
                cause = causes[r.cause_code] = _cause_label(desk, r.cause_code)
            listing.rows.append((
                name, staff.get(r.owner_id, ("", r.owner_id))[1], r.ticket_no,
                format_local(r.received_at, tz), format_local(r.closed_at, tz), r.customer_name,
                mask_phone(r.contact_phone), word(f"severity.{r.severity}"), cause, r.outcome,
                word(f"satisfaction.{r.satisfaction}") if r.satisfaction else "",
                timely_word[histories[r.id].timely],
            ))  # fmt: skip
    return [summary, listing]


def _refunds_table(
    desk: Desk,
    report: Report,
    refunds: list[_RefundRow],
    late: dict[str, bool],
    payments: list[_RefundRow] | None = None,
) -> Table:
    """退费: count, total, paid late (after the pay clock, or unpaid past it), in all, by error
    type (data/refund_errors.toml) and by how it was paid (unpaid ones apart). By how it was
    paid counts the payments actually made (`payments`, queries._load_payments): a refund paid
    twice on two terminals counts twice there."""
    payments = [r for r in refunds if r.paid_at is not None] if payments is None else payments
    columns = _cols("ref_col", [
        ("group", Kind.TEXT), ("item", Kind.TEXT), ("count", Kind.INT), ("total", Kind.DECIMAL),
        ("late", Kind.INT),
    ])  # fmt: skip
    table = Table("refunds", t("reports.table.refunds"), _basis("refunds", report), columns)

    def line(group: str, item: str, rows: list[_RefundRow]) -> tuple[Any, ...]:
        return (group, item, len(rows), from_fen(sum(r.amount_fen for r in rows)),
                sum(late[r.id] for r in rows))  # fmt: skip

    table.total_rows.add(0)
    table.rows.append(line(t("reports.refunds.all"), t("reports.total"), refunds))
    types = desk.refdata.refund_errors
    by_type = t("reports.refunds.by_type")
    for code, kind in types.items():
        table.rows.append(line(by_type, kind.name, [r for r in refunds if r.error_type == code]))
    untyped = [r for r in refunds if r.error_type not in types]
    if untyped:
        table.rows.append(line(by_type, t("reports.refunds.untyped"), untyped))
    by_method = t("reports.refunds.by_method")
    for method in RefundMethod:
        paid = [r for r in payments if r.method == method.value]
        table.rows.append(line(by_method, t(f"refund_method.{method.value}"), paid))
    unpaid = [r for r in refunds if r.paid_at is None]
    table.rows.append(line(by_method, t("reports.refunds.unpaid"), unpaid))
    return table


def _reopens_table(report: Report, reopened: list[str]) -> Table:
    """重启工单 by cause (issue 17): every reopening in the period, by the cause its visit gave
    (none recorded: apart)."""
    columns = _cols("reopen_col", [("cause", Kind.TEXT), ("count", Kind.INT)])
    table = Table("reopens", t("reports.table.reopens"), _basis("reopens", report), columns)
    counts = Counter(reopened)
    table.rows.extend(
        (t(f"reopen_cause.{cause.value}"), counts[cause.value]) for cause in ReopenCause
    )
    table.rows.append((t("reports.reopen_unrecorded"), counts[""]))
    table.total_rows.add(len(table.rows))
    table.rows.append((t("reports.total"), len(reopened)))
    return table


def _timeliness_table(
    report: Report, closed: list[_Row], histories: dict[str, History], extended: set[str]
) -> Table:
    """及时率 three ways (issue 17): closed on time, on time after an approved extension, late;
    each with its share of the judged tickets, those not judged apart."""
    split = timeliness_split((histories[r.id].timely, r.id in extended) for r in closed)
    columns = _cols("timely_col", [("item", Kind.TEXT), ("count", Kind.INT),
                                   ("rate", Kind.PERCENT)])  # fmt: skip
    table = Table("timeliness", t("reports.table.timeliness"), _basis("timeliness", report),
                  columns)  # fmt: skip
    for key, count in (("on_time", split.on_time), ("on_time_extended", split.on_time_extended),
                       ("late", split.late)):  # fmt: skip
        table.rows.append((t(f"reports.timely.{key}"), count, split.rate(count).value))
    table.total_rows.add(len(table.rows))
    table.rows.append((t("reports.timely.judged"), split.judged, None))
    table.rows.append((t("reports.timely.unknown"), split.unknown, None))
    return table
