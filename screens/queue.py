"""待跟进: every complaint still on its clocks, earliest deadline first. Overdue rows are red
with ⚠ and the overdue time, rows due within the hour amber with ◷, paused rows say until
when (⏸). Colour never stands alone: each state has its mark and words."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Static

from deskapp.domain.phone import mask_phone
from deskapp.domain.timefmt import format_duration, format_local
from deskapp.i18n import t
from deskapp.services.desk import Actor, Desk
from deskapp.services.queue import PAGE_SIZE, QueuePage, QueueRow, Scope, queue_counts, queue_page
from screens.detail import DetailScreen
from screens.major_report import MajorReportScreen
from screens.queue_actions import ACTIONS, ACTIONS_BY_NAME
from screens.widgets.action_dialog import ActionDialog
from screens.widgets.desk_footer import DeskFooter
from screens.widgets.status_line import StatusLine

REFRESH_SECONDS = 30  # time left changes even when nothing is written


class QueueScreen(Screen[None]):
    TITLE_KEY = "queue.title"
    CSS_PATH = "queue.tcss"
    AUTO_FOCUS = "#queue"
    BINDINGS: ClassVar[list[BindingType]] = [
        *(Binding(a.key, f"act('{a.name}')", a.label, show=a.show) for a in ACTIONS),
        Binding("m", "major_report", t("action.major_report"), show=False),
        Binding("enter", "open_detail", t("key.detail")),
        Binding("ctrl+r", "toggle_scope", t("queue.toggle_scope")),
        Binding("pagedown", "more", t("key.more"), show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.scope = Scope.MINE
        self.rows: list[QueueRow] = []
        self._has_more = False

    @property
    def desk(self) -> Desk:
        return self.app.desk  # type: ignore[attr-defined]

    @property
    def actor(self) -> Actor:
        return self.app.actor  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        yield StatusLine()
        yield Static("", id="queue-info")
        yield Static("", id="queue-provisional")
        table: DataTable[Any] = DataTable(id="queue", cursor_type="row", zebra_stripes=True)
        yield table
        yield DeskFooter()

    def on_mount(self) -> None:
        table = self.query_one("#queue", DataTable)
        # What is due comes first: at 80 columns the phone and cause scroll off, not the clock.
        for key, width in (("col_mark", 20), ("col_ticket", 22), ("col_clock", 10),
                           ("col_customer", 6), ("col_severity", 4), ("col_phone", 11),
                           ("col_cause", None)):
            table.add_column(t(f"queue.{key}"), width=width, key=key)
        self.set_interval(REFRESH_SECONDS, self.reload)
        self.reload()

    def on_screen_resume(self) -> None:
        if self.is_mounted:
            self.reload()

    def reload(self) -> None:
        self.fetch(0)

    @work(thread=True, exclusive=True, group="queue")
    def fetch(self, offset: int) -> None:
        now = self.desk.clock.now()
        page = queue_page(self.desk, self.actor, self.scope, offset, PAGE_SIZE)
        counts = queue_counts(self.desk, self.actor, self.scope, now) if offset == 0 else None
        self.app.call_from_thread(self._show, page, counts, now)

    def _mark(self, row: QueueRow, now: datetime) -> Text:
        tz = self.desk.tz
        if row.paused_until is not None and row.paused_until > now:
            return Text(t("queue.paused", until=format_local(row.paused_until, tz)[5:]),
                        style="italic")
        left = row.next_due_at - now
        suffix = t("queue.provisional") if row.provisional else ""
        if left.total_seconds() < 0:
            return Text(t("queue.overdue", time=format_duration(left)) + suffix,
                        style="bold red")
        if left <= self.desk.refdata.time_limits.highlight:
            return Text(t("queue.due_soon", time=format_duration(left)) + suffix,
                        style="bold yellow")
        return Text(t("queue.left", time=format_duration(left)) + suffix)

    def _show(self, page: QueuePage, counts: tuple[int, int] | None, now: datetime) -> None:
        table = self.query_one("#queue", DataTable)
        causes = self.desk.refdata.causes
        cursor = table.cursor_row
        if page.offset == 0:
            table.clear()
            self.rows = []
        provisional_years: set[int] = set()
        for row in page.rows:
            cause = causes.path(row.cause_code).name if row.cause_code in causes else ""
            clock = t(f"clock.{row.next_clock}") if row.next_clock else ""
            severity = Text(t(f"severity.{row.severity}"),
                            style={"major": "bold red", "serious": "yellow"}.get(row.severity, ""))
            table.add_row(self._mark(row, now), row.ticket_no, clock, row.customer_name,
                          severity, mask_phone(row.contact_phone), cause, key=row.id)
            self.rows.append(row)
            if row.provisional:
                provisional_years.add(row.next_due_at.astimezone(self.desk.tz).year)
        self._has_more = page.has_more
        if counts is not None:
            scope = t(f"queue.scope_{self.scope.value}")
            total, overdue = counts
            info = t("queue.summary", scope=scope, total=total, overdue=overdue)
            self.query_one("#queue-info", Static).update(info if total else
                                                         f"{scope} · {t('queue.empty')}")
        hint = self.query_one("#queue-provisional", Static)
        hint.update(t("queue.provisional_hint", years="、".join(map(str, sorted(
            provisional_years)))) if provisional_years else "")
        hint.display = bool(provisional_years)
        if page.offset == 0 and self.rows:
            table.move_cursor(row=min(max(cursor, 0), len(self.rows) - 1))

    @on(DataTable.RowHighlighted, "#queue")
    def _near_end(self, event: DataTable.RowHighlighted) -> None:
        if self._has_more and event.cursor_row >= len(self.rows) - 5:
            self._has_more = False
            self.fetch(len(self.rows))

    def action_more(self) -> None:
        if self._has_more:
            self._has_more = False
            self.fetch(len(self.rows))
        self.query_one("#queue", DataTable).action_page_down()

    def action_toggle_scope(self) -> None:
        self.scope = Scope.HALL if self.scope is Scope.MINE else Scope.MINE
        self.reload()

    def _current(self) -> QueueRow | None:
        table = self.query_one("#queue", DataTable)
        if not self.rows or not 0 <= table.cursor_row < len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def action_act(self, name: str) -> None:
        row = self._current()
        if row is None:
            return
        action = ACTIONS_BY_NAME[name]
        desk, actor = self.desk, self.actor
        intro = self._intro(name, row)

        def submit(values: dict[str, Any]) -> None:
            action.call(desk, actor, row.id, values)

        def done(saved: bool | None) -> None:
            if not saved:
                return
            self.notify(t("queue.done", action=action.label, ticket=row.ticket_no))
            self.reload()
            if name == "escalate" and row.severity == "major":
                self.app.push_screen(MajorReportScreen(row.id))

        self.app.push_screen(ActionDialog(action.dialog(desk, row, intro), submit), done)

    def _intro(self, name: str, row: QueueRow) -> str:
        clock = t(f"clock.{row.next_clock}") if row.next_clock else ""
        due = format_local(row.next_due_at, self.desk.tz)
        return t("queue.intro", customer=row.customer_name, phone=mask_phone(row.contact_phone),
                 clock=clock, due=due)

    def action_major_report(self) -> None:
        row = self._current()
        if row is not None:
            self.app.push_screen(MajorReportScreen(row.id))

    @on(DataTable.RowSelected, "#queue")
    def action_open_detail(self) -> None:
        row = self._current()
        if row is not None:
            self.app.push_screen(DetailScreen(row.id))
