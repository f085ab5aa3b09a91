"""《重大投诉处理申报表》 on screen, with a key to export it as a printable file."""

from __future__ import annotations

from typing import ClassVar

from rich import box
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen

from deskapp.i18n import t
from deskapp.screens.boundary import WorkBoundary, desk_work
from deskapp.screens.desk_app import desk_app, signed_in_actor
from deskapp.screens.keys import keyed
from deskapp.screens.widgets.desk_footer import DeskFooter
from deskapp.screens.widgets.plain import PlainGrid, Static
from deskapp.screens.widgets.status_line import StatusLine
from deskapp.services.major_report import MajorReport, build_major_report, export_major_report


class MajorReportScreen(WorkBoundary, Screen[None]):
    TITLE_KEY = "report.title"
    BINDINGS: ClassVar[list[BindingType]] = keyed(
        "report_form",
        [
            Binding("ctrl+e", "export", t("report.export")),
            Binding("escape,q", "app.pop_screen", t("detail.close")),
        ],
    )
    DEFAULT_CSS = """
    MajorReportScreen #report { padding: 0 1; }
    MajorReportScreen #report-title { text-style: bold; content-align: center middle;
        width: 100%; padding: 0; margin-bottom: 1; }
    MajorReportScreen .section { text-style: bold; color: $accent; padding-top: 1; }
    """

    def __init__(self, complaint_id: str) -> None:
        super().__init__()
        self.complaint_id = complaint_id
        self.report: MajorReport | None = None

    def compose(self) -> ComposeResult:
        yield StatusLine()
        with VerticalScroll(id="report"):
            yield Static(t("report.title"), id="report-title")
            yield Static(id="report-fields")
            yield Static(t("report.opinions"), classes="section")
            yield Static(id="report-opinions")
            yield Static(t("report.history"), classes="section")
            yield Static(id="report-history")
        yield DeskFooter()

    def on_mount(self) -> None:
        self.load()

    @desk_work()
    def load(self) -> None:
        app = desk_app(self)
        report = build_major_report(app.desk, self.complaint_id, signed_in_actor(self))
        app.call_from_thread(self._show, report)

    def _show(self, report: MajorReport) -> None:
        self.report = report
        # No edge lines: at 80×24 the whole form and the start of its history fit on screen.
        fields = PlainGrid(show_header=False, expand=True, box=box.SIMPLE, show_edge=False)
        fields.add_column(style="bold", width=14)
        fields.add_column(ratio=1)
        for label, value in report.fields:
            fields.add_row(label, value)
        fields.add_row(t("report.filled_by"), report.filled_by)
        fields.add_row(t("report.filled_at"), report.filled_at)
        self.query_one("#report-fields", Static).update(fields)
        opinions = PlainGrid(expand=True, box=box.SIMPLE, show_edge=False)
        for key in ("level_col", "signed_by", "signed_at", "opinion"):
            opinions.add_column(t(f"report.{key}"), ratio=2 if key == "opinion" else None)
        for row in report.opinions:
            opinions.add_row(*row)
        outcome = report.outcome if report.filed else t("report.not_filed")
        opinions.add_row(t("report.outcome"), "", "", outcome)
        if report.compensation:
            opinions.add_row(t("report.compensation"), "", "", report.compensation)
        self.query_one("#report-opinions", Static).update(opinions)
        history = PlainGrid.grid(padding=(0, 2))
        for row in report.history:
            history.add_row(*row)
        self.query_one("#report-history", Static).update(history)

    def action_export(self) -> None:
        if self.report is None:
            return
        self._export(self.report)

    @desk_work(group="export")
    def _export(self, report: MajorReport) -> None:
        app = desk_app(self)
        actor = signed_in_actor(self)
        path = export_major_report(report, app.export_dir, app.desk, actor)
        self.app.call_from_thread(self.notify, t("report.exported", path=str(path)), timeout=10)
