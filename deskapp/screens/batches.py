"""批量投诉: the batch incidents, for the duty and hall managers (F11). A opens one (an outage,
a bad promotion, or in advance with a marketing campaign and its scripts); Enter closes the one
under the cursor with one outcome, written onto each of its tickets still being handled
through the ordinary close (the service says which the rules kept open, and why)."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Static
from textual.worker import Worker

from deskapp.domain.clean_input import printable
from deskapp.domain.timefmt import format_local
from deskapp.i18n import t
from deskapp.incidents import Fault
from deskapp.screens.boundary import WorkBoundary, desk_work
from deskapp.screens.desk_app import desk_app, signed_in_actor
from deskapp.screens.keys import keyed
from deskapp.screens.queue_actions import responsible_fields
from deskapp.screens.widgets.action_dialog import ActionDialog, DialogSpec, FieldSpec
from deskapp.screens.widgets.desk_footer import DeskFooter
from deskapp.screens.widgets.status_line import StatusLine
from deskapp.services.batches import (
    BatchForm,
    BatchView,
    Responsible,
    batches,
    close_batch,
    open_batch,
)
from deskapp.services.desk import Desk


class BatchScreen(WorkBoundary, Screen[None]):
    TITLE_KEY = "batch.title"
    BINDINGS: ClassVar[list[BindingType]] = keyed(
        "batch",
        [
            Binding("escape,q", "app.pop_screen", t("customer.close")),
            Binding("a", "open_batch", t("batch.open")),
        ],
    )
    DEFAULT_CSS = """
    BatchScreen #batch-table { height: 1fr; }
    BatchScreen #batch-line { padding: 0 1; color: $text-muted; height: auto; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.views: list[BatchView] = []

    @property
    def desk(self) -> Desk:
        return desk_app(self).desk

    def compose(self) -> ComposeResult:
        yield StatusLine()
        table: DataTable[str] = DataTable(id="batch-table", cursor_type="row", zebra_stripes=True)
        yield table
        yield Static(t("batch.hint"), id="batch-line")
        yield DeskFooter()

    def on_mount(self) -> None:
        table = self.query_one("#batch-table", DataTable)
        for key in ("col_status", "col_title", "col_tickets", "col_cause", "col_area",
                    "col_started"):  # fmt: skip
            table.add_column(t(f"batch.{key}"), key=key)
        self.load()

    @desk_work(exclusive=True, group="batches")
    def load(self) -> None:
        views = batches(self.desk)
        self.app.call_from_thread(self._show, views)

    def _show(self, views: list[BatchView]) -> None:
        self.views = views
        causes = self.desk.refdata.causes
        table = self.query_one("#batch-table", DataTable)
        table.clear()
        for i, v in enumerate(views):
            b = v.batch
            cause = causes.path(b.cause_code).label if b.cause_code in causes else b.cause_code
            status = t(f"batch.status_{b.status}") + (f" · {t('batch.campaign')}" if b.campaign
                                                       else "")  # fmt: skip
            table.add_row(status, printable(b.title),
                          t("batch.tickets", total=v.tickets, open=v.open_tickets), cause,
                          printable(b.area), format_local(b.started_at, self.desk.tz),
                          key=str(i))  # fmt: skip
        table.focus()

    def action_open_batch(self) -> None:
        desk, actor = self.desk, signed_in_actor(self)
        fields = [
            FieldSpec("title", t("batch.field_title"), max_length=80),
            FieldSpec("cause_code", t("batch.field_cause"), placeholder="NET.OUTAGE",
                      max_length=80),
            FieldSpec("area", t("batch.field_area"), max_length=200),
            FieldSpec("started_at", t("batch.field_started"), placeholder="2026-11-24 08:00",
                      max_length=20),
            FieldSpec("description", t("batch.field_description"), "area"),
            FieldSpec("scripts", t("batch.field_scripts"), "area"),
            FieldSpec("campaign", t("batch.field_campaign"), "check", default=False),
        ]  # fmt: skip

        def submit(values: dict[str, Any]) -> None:
            open_batch(desk, actor, BatchForm(
                title=values["title"], cause_code=values["cause_code"].strip().upper(),
                area=values["area"], started_at=values["started_at"],
                description=values["description"], scripts=values["scripts"],
                campaign=bool(values["campaign"])))  # fmt: skip

        spec = DialogSpec(t("batch.open"), fields, intro=t("batch.open_intro"))
        self.app.push_screen(ActionDialog(spec, submit), self._after)

    @on(DataTable.RowSelected, "#batch-table")
    def _close(self) -> None:
        table = self.query_one("#batch-table", DataTable)
        if not self.views or table.cursor_row >= len(self.views):
            return
        view = self.views[table.cursor_row]
        batch = view.batch
        if batch.status != "open" and not view.open_tickets:
            return  # a closed batch is opened again only for the tickets it left open
        desk, actor = self.desk, signed_in_actor(self)
        outcome: dict[str, Any] = {}

        def submit(values: dict[str, Any]) -> None:
            party = Responsible(
                values["responsible_kind"],
                values["responsible_department"],
                values["responsible_staff"],
                values["responsible_note"],
            )
            outcome["result"] = close_batch(desk, actor, batch.id, values["outcome"], party)

        def done(closed: bool | None) -> None:
            result = outcome.get("result")
            if closed and result is not None:
                text = t("batch.closed", closed=len(result.closed), kept=len(result.skipped))
                if result.kept:
                    text += t("batch.kept", tickets="、".join(
                        f"{no}({t(key)})" for no, key in result.kept))  # fmt: skip
                self.notify(text, timeout=15)
            self._after(closed)

        spec = DialogSpec(t("batch.close", title=printable(batch.title)),
                          [FieldSpec("outcome", t("batch.field_outcome"), "area"),
                           *responsible_fields(desk)],
                          intro=t("batch.close_intro"))  # fmt: skip
        self.app.push_screen(ActionDialog(spec, submit), done)

    def _after(self, done: bool | None) -> None:
        if done:
            self.load()

    def work_failed(self, worker: Worker[object], fault: Fault) -> bool:
        if worker.group == "batches":
            self.query_one("#batch-line", Static).update(fault.message)
            return True
        return False
