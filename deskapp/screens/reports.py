"""统计报表 (F6): the hall's figures for a day, week, month or range, for this terminal, the
hall or its area, read in a thread worker and shown table by table, with the trend as a chart.
Each table says what it counts (统计口径) above it; on the indicators tab the basis of the
highlighted figure is shown in full under the table. Over-limit figures are red and marked ▲."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.console import JustifyMethod
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, TabbedContent, TabPane
from textual.worker import Worker
from textual_plotext import PlotextPlot

from deskapp.domain.indicators import Period, PeriodKind, period_of
from deskapp.domain.permissions import Permission, allowed
from deskapp.domain.timefmt import format_local
from deskapp.i18n import t
from deskapp.incidents import Fault
from deskapp.screens.boundary import desk_work
from deskapp.screens.desk_app import desk_app, signed_in_actor
from deskapp.screens.keys import keyed
from deskapp.screens.widgets.action_dialog import ActionDialog, DialogSpec, FieldSpec
from deskapp.screens.widgets.desk_footer import DeskFooter
from deskapp.screens.widgets.mode_screen import ModeScreen
from deskapp.screens.widgets.plain import Static
from deskapp.screens.widgets.plain_table import PlainTable
from deskapp.screens.widgets.status_line import StatusLine
from deskapp.services import exports
from deskapp.services.desk import Desk
from deskapp.services.reports import (
    OVER_MARK,
    SCREEN_LIST_LIMIT,
    Kind,
    Report,
    ReportRequest,
    ScopeKind,
    Table,
    add_accountability,
    build_report,
    format_cell,
    period_from_args,
)

TABLES = (
    "indicators", "control", "causes", "process", "levels", "teams", "closed_list", "refunds",
    "reopens", "accountability", "overdue_list", "repeat_grade", "own_staff", "batches",
    "timeliness",
)  # fmt: skip
TABS = (
    "indicators", "control", "causes", "process", "trend", "levels", "teams", "closed_list",
    "refunds", "reopens", "accountability", "overdue_list", "repeat_grade", "own_staff",
    "batches", "timeliness",
)  # fmt: skip
# The tab keys: digits for the first ten, then a letter each (the period and scope keys keep
# d w m r s e c).
TAB_KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "a", "l", "g", "o", "b", "t")
# The hall's managers' own review (see_accountability): not shown to other roles.
RESTRICTED_TABS = ("accountability", "overdue_list", "own_staff")
SCOPES = (ScopeKind.TERMINAL, ScopeKind.HALL, ScopeKind.AREA)
RECEIVED_COLOR, CLOSED_COLOR = "cyan", "green"
# Columns the screen leaves out (the full text is in the exports and under the table).
HIDDEN = {"indicators": {"basis"}, "causes": {"code"}, "process": {"code"}}


class ReportsScreen(ModeScreen):
    TITLE_KEY = "reports.title"
    CSS_PATH = "reports.tcss"
    AUTO_FOCUS = "#table-indicators"
    BINDINGS: ClassVar[list[BindingType]] = keyed(
        "reports",
        [
            Binding("d", "period('day')", t("reports.key.day")),
            Binding("w", "period('week')", t("reports.key.week")),
            Binding("m", "period('month')", t("reports.key.month")),
            Binding("r", "choose_range", t("reports.key.range")),
            Binding("left_square_bracket", "shift(-1)", t("reports.key.previous")),
            Binding("right_square_bracket", "shift(1)", t("reports.key.next")),
            Binding("s", "cycle_scope", t("reports.key.scope")),
            Binding("e", "export('xlsx')", t("reports.key.export_xlsx")),
            Binding("c", "export('csv')", t("reports.key.export_csv"), show=False),
            Binding("ctrl+r", "reload", t("reports.key.refresh"), show=False),
            *(
                Binding(k, f"show_tab('{key}')", t(f"reports.table.{key}"), show=False)
                for k, key in zip(TAB_KEYS, TABS, strict=True)
            ),
        ],
    )

    def __init__(self) -> None:
        super().__init__()
        self.period: Period | None = None
        self.scope = ScopeKind.HALL
        self.report: Report | None = None

    @property
    def desk(self) -> Desk:
        return desk_app(self).desk

    def compose(self) -> ComposeResult:
        yield StatusLine()
        yield Static("", id="report-heading")
        yield Static(t("reports.loading"), id="report-info")
        with TabbedContent(id="report-tabs"):
            for key in TABS:
                with TabPane(t(f"reports.table.{key}"), id=f"tab-{key}"):
                    yield Static("", id=f"basis-{key}", classes="basis")
                    if key == "trend":
                        yield Static("", id="chart-legend")
                        yield PlotextPlot(id="chart")
                    else:
                        table: DataTable[Any] = PlainTable(
                            id=f"table-{key}", cursor_type="row", zebra_stripes=True
                        )
                        yield table
                    if key == "indicators":
                        yield Static("", id="indicator-basis", classes="basis")
                    if key == "closed_list":
                        yield Static("", id="list-note", classes="basis")
        yield DeskFooter()

    @property
    def sees_accountability(self) -> bool:
        return allowed(signed_in_actor(self), Permission.SEE_ACCOUNTABILITY)

    def on_mount(self) -> None:
        today = self.desk.clock.now().astimezone(self.desk.tz).date()
        self.period = period_of(PeriodKind.MONTH, today)
        if not self.sees_accountability:
            tabs = self.query_one("#report-tabs", TabbedContent)
            for key in RESTRICTED_TABS:
                tabs.hide_tab(f"tab-{key}")
        self.reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "show_tab" and parameters and parameters[0] in RESTRICTED_TABS:
            return self.sees_accountability
        return True

    def reload_on_return(self) -> None:
        if self.report is not None:
            self.reload()

    # -- loading ---------------------------------------------------------------------------

    def action_reload(self) -> None:
        self.reload()

    def reload(self) -> None:
        assert self.period is not None
        self.query_one("#report-info", Static).update(t("reports.loading"))
        self.query_one("#report-tabs").loading = True  # Textual's LoadingIndicator, over it
        self.load(ReportRequest(self.period, self.scope, viewer=signed_in_actor(self)))

    @desk_work(exclusive=True, group="reports")
    def load(self, request: ReportRequest) -> None:
        viewer = request.viewer
        report = build_report(self.desk, request)
        self.app.call_from_thread(self._show, report)
        if viewer is not None and report.pending is not None:
            # the hall's managers' figures follow the month's (see_accountability)
            add_accountability(self.desk, viewer, report)
            self.app.call_from_thread(self._show, report)

    def work_failed(self, worker: Worker[object], fault: Fault) -> bool:
        if worker.group == "reports":  # the figures could not be read: said where they go
            self._failed(fault.message)
            return fault.kind != "unexpected"
        return False  # an export: the app's notification says why

    def _failed(self, message: str) -> None:
        self.query_one("#report-tabs").loading = False
        self.query_one("#report-info", Static).update(Text(f"✗ {message}", style="bold red"))

    def _show(self, report: Report) -> None:
        self.report = report
        self.query_one("#report-tabs").loading = False
        self.query_one("#report-heading", Static).update(report.title)
        at = format_local(report.generated_at, report.tz)
        self.query_one("#report-info", Static).update(
            t("reports.generated", at=at) + "  " + self._summary(report)
        )
        present = {tb.key for tb in report.tables}
        for key in TABLES:
            if key in present:  # (the accountability tables follow, or are withheld)
                self._fill(report.table(key))
        trend = report.table("trend")
        self.query_one("#basis-trend", Static).update(trend.basis)
        self._chart(report)
        listing = report.table("closed_list")
        note = self.query_one("#list-note", Static)
        cut = len(listing.rows) > SCREEN_LIST_LIMIT
        note.update(t("reports.list_cut", shown=SCREEN_LIST_LIMIT, total=len(listing.rows))
                    if cut else "")  # fmt: skip
        note.display = cut
        self._indicator_basis(0)

    def _summary(self, report: Report) -> str:
        f = report.figures
        parts = [
            f"{t('reports.ind.received')} {f.received}",
            f"{t('reports.ind.closed')} {f.closed}",
            f"{t('reports.ind.timely')} {format_cell(f.timely.value, Kind.PERCENT)}",
            f"{t('reports.ind.satisfaction')} {format_cell(f.satisfaction.value, Kind.PERCENT)}",
        ]
        return " · ".join(parts)

    def _fill(self, table: Table) -> None:
        widget = self.query_one(f"#table-{table.key}", DataTable)
        self.query_one(f"#basis-{table.key}", Static).update(table.basis)
        cursor = widget.cursor_row
        widget.clear(columns=True)
        hidden = HIDDEN.get(table.key, set())
        shown = [i for i, c in enumerate(table.columns) if c.key not in hidden]
        for i in shown:
            column = table.columns[i]
            widget.add_column(column.title, key=column.key)
        for r, row in enumerate(table.rows[:SCREEN_LIST_LIMIT]):
            cells = []
            for c in shown:
                kind = table.kind(r, c)
                text = format_cell(row[c], kind)
                style = ""
                if (kind is Kind.FLAG and text.startswith(OVER_MARK)) or (
                    kind is Kind.PERCENT and table.key == "control" and (row[c] or 0) > 1
                ):
                    style = "bold red"
                elif r in table.total_rows:
                    style = "bold"
                justify: JustifyMethod = "left" if kind in (Kind.TEXT, Kind.FLAG) else "right"
                cells.append(Text(text, style=style, justify=justify))
            widget.add_row(*cells)
        if table.rows:
            widget.move_cursor(row=min(max(cursor, 0), len(table.rows) - 1))

    def _chart(self, report: Report) -> None:
        chart = self.query_one("#chart", PlotextPlot)
        plt = chart.plt
        plt.clear_data()
        plt.clear_figure()
        trend = report.trend
        xs: list[float] = list(range(1, len(trend.labels) + 1))  # (ints: plotext says float)
        # Side by side bars per day (hour, month): received and closed.
        plt.multiple_bar(xs, [trend.received, trend.closed],
                         color=[RECEIVED_COLOR, CLOSED_COLOR],  # type: ignore[arg-type]  # a colour a set
                         width=0.8)  # fmt: skip
        step = max(1, len(xs) // 8)
        plt.xticks(xs[::step], trend.labels[::step])
        top = max([*trend.received, *trend.closed, 1])
        step = max(1, -(-top // 5))  # whole complaints on the axis, about five marks
        ticks: list[float] = list(range(0, top + step, step))
        plt.yticks(ticks, [str(v) for v in ticks])
        plt.ylim(0, ticks[-1])
        chart.refresh()
        legend = Text()
        legend.append("██ ", style=f"bold {RECEIVED_COLOR}")
        legend.append(f"{t('reports.chart_received')} {sum(trend.received)}   ")
        legend.append("██ ", style=f"bold {CLOSED_COLOR}")
        legend.append(f"{t('reports.chart_closed')} {sum(trend.closed)}")
        self.query_one("#chart-legend", Static).update(legend)

    @on(DataTable.RowHighlighted, "#table-indicators")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._indicator_basis(event.cursor_row)

    def _indicator_basis(self, row: int) -> None:
        if self.report is None:
            return
        table = self.report.table("indicators")
        if 0 <= row < len(table.rows):
            name, basis = table.rows[row][0], table.rows[row][-1]  # (the basis is last)
            self.query_one("#indicator-basis", Static).update(
                f"{t('reports.export.basis')}({name}):{basis}"
            )

    # -- actions ---------------------------------------------------------------------------

    def action_period(self, kind: str) -> None:
        """Another kind of period around the same days: the one holding today when the
        current period does, else the one holding the current period's first day."""
        assert self.period is not None
        today = self.desk.clock.now().astimezone(self.desk.tz).date()
        inside = self.period.first <= today <= self.period.last
        self.period = period_of(PeriodKind(kind), today if inside else self.period.first)
        self.reload()

    def action_shift(self, steps: int) -> None:
        assert self.period is not None
        self.period = self.period.shifted(steps)
        self.reload()

    def action_cycle_scope(self) -> None:
        self.scope = SCOPES[(SCOPES.index(self.scope) + 1) % len(SCOPES)]
        self.reload()

    def action_show_tab(self, key: str) -> None:
        self.query_one("#report-tabs", TabbedContent).active = f"tab-{key}"
        if key != "trend":
            self.query_one(f"#table-{key}", DataTable).focus()

    def action_choose_range(self) -> None:
        assert self.period is not None
        today = self.desk.clock.now().astimezone(self.desk.tz).date()
        chosen: list[Period] = []
        spec = DialogSpec(
            t("reports.range_title"),
            [
                FieldSpec("from", t("reports.range_from"), default=f"{self.period.first}",
                          placeholder=t("reports.range_hint", example=f"{today}"), max_length=10),
                FieldSpec("to", t("reports.range_to"), default=f"{self.period.last}",
                          placeholder=t("reports.range_hint", example=f"{today}"), max_length=10),
            ],
        )  # fmt: skip

        def submit(values: dict[str, Any]) -> None:
            chosen.append(period_from_args(PeriodKind.RANGE, values["from"] or None,
                                           values["to"] or None, today))  # fmt: skip

        def done(ok: bool | None) -> None:
            if ok and chosen:
                self.period = chosen[-1]
                self.reload()

        self.app.push_screen(ActionDialog(spec, submit), done)

    def action_export(self, fmt: str) -> None:
        if self.report is not None:
            self.export(self.report, fmt)

    @desk_work(group="export")
    def export(self, report: Report, fmt: str) -> None:
        app = desk_app(self)
        path = exports.export_as(self.desk, signed_in_actor(self), report, fmt, app.export_dir)
        app.call_from_thread(self.notify, t("reports.exported", path=path))
