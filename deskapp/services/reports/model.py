"""The report's types and how its cells read: the request, the scope, the tables, the figures
and the report itself (what each figure counts: deskapp/services/reports/__init__.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from deskapp.domain.actor import Actor
from deskapp.domain.indicators import Period, PeriodKind, Ratio, percent
from deskapp.i18n import t
from deskapp.services.customer_base import Unit

SCREEN_LIST_LIMIT = 500  # rows of the closed-ticket list the screen shows (exports: all)


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
    # who reads it: the accountability tables are left out for a role without
    # see_accountability; None is the machine's administrator (`deskapp report`, benchmarks)
    viewer: Actor | None = None


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
    # issue 17: return visits owed (closed in the period, not on the spot), made, overdue
    visits_due: int = 0
    visited: int = 0
    visits_overdue: int = 0
    # issue 18: the batch complaints among the closed and the overdue tickets (among the
    # received: `batch`), so each indicator says how many batch complaints it includes
    batch_closed: int = 0
    batch_overdue: int = 0

    @property
    def visit_rate(self) -> Ratio:
        return Ratio(self.visited, self.visits_due)

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
    withheld: tuple[str, ...] = ()  # tables left out for this viewer (see_accountability)
    # the accountability tables' inputs until they are added (services/reports/build.py
    # `add_accountability`); never exported
    pending: Any = None

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
