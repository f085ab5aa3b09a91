"""待跟进: every complaint still on its clocks, earliest deadline first. Overdue rows are red
with ⚠ and the overdue time, rows due within the hour amber with ◷, paused rows say until
when (‖). Colour never stands alone: each state has its mark and words.

The columns fit the window, what is due first: time left, ticket, customer, severity and the
masked phone always (80 columns), the next clock's name and the cause as the width allows; never
a column cut short or scrolled off sideways. The line under the table shows the highlighted
ticket in full: phone, cause path, deadline, first responder (首问) and current owner."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Input

from deskapp.domain.enums import Severity
from deskapp.domain.phone import mask_phone
from deskapp.domain.severity import chain_level, requires_major_report
from deskapp.domain.timefmt import format_local
from deskapp.i18n import t
from deskapp.screens.boundary import desk_work
from deskapp.screens.desk_app import SignedIn
from deskapp.screens.detail import DetailScreen
from deskapp.screens.keys import keyed
from deskapp.screens.major_report import MajorReportScreen
from deskapp.screens.queue_actions import ACTIONS, ACTIONS_BY_NAME, late_approval
from deskapp.screens.themes import severity_text
from deskapp.screens.widgets.action_dialog import ActionDialog
from deskapp.screens.widgets.deadline_text import clock_text
from deskapp.screens.widgets.desk_footer import DeskFooter
from deskapp.screens.widgets.filter_dialog import ask_filter, filter_words
from deskapp.screens.widgets.mode_screen import ModeScreen
from deskapp.screens.widgets.plain import Static
from deskapp.screens.widgets.plain_table import PlainTable
from deskapp.screens.widgets.status_line import StatusLine
from deskapp.services.day_lock import locked_for
from deskapp.services.deadlines import clock_mark
from deskapp.services.extensions import ExtensionMark, extension_marks
from deskapp.services.queue import (
    PAGE_SIZE,
    QueuePage,
    QueueRow,
    Scope,
    jump_target,
    jump_targets,
    queue_counts,
    queue_page,
)
from deskapp.services.staff import list_staff
from deskapp.services.ticket_filter import NO_FILTER, TicketFilter

REFRESH_SECONDS = 30  # time left changes even when nothing is written


@dataclass(frozen=True)
class Column:
    key: str
    width: int


# Widths hold the longest value: "‖ 暂停至 11-26 10:00", a ticket number, "部门首次响应",
# a four-character name, "一般". A cell takes its width plus one cell of padding either side.
CLOCK = Column("col_clock", 12)
ALWAYS = (
    Column("col_mark", 20),
    Column("col_ticket", 22),
    CLOCK,
    Column("col_customer", 8),
    Column("col_severity", 4),
)
PHONE = Column("col_phone", 11)
CAUSE_WIDTH, CAUSE_MIN = 18, 8  # the longest level-3 cause is 9 characters
SCROLLBAR = 2


def fit_columns(width: int) -> tuple[Column, ...]:
    """The columns a table `width` cells wide shows in full: the fixed ones and the masked
    phone (how the counter tells one customer from another), giving up the next clock's name
    for it when both do not fit (the line under the table names it); then the cause (cut to
    what is left, never below CAUSE_MIN)."""
    columns = list(ALWAYS)
    spare = width - SCROLLBAR - sum(c.width + 2 for c in columns)
    if spare < PHONE.width + 2:
        columns.remove(CLOCK)
        spare += CLOCK.width + 2
    if spare >= PHONE.width + 2:
        columns.append(PHONE)
        spare -= PHONE.width + 2
    if spare >= CAUSE_MIN + 2:
        columns.append(Column("col_cause", min(CAUSE_WIDTH, spare - 2)))
    return tuple(columns)


class QueueScreen(SignedIn, ModeScreen):
    TITLE_KEY = "queue.title"
    # DEFAULT_CSS, not a CSS_PATH: a screen's CSS file is parsed when the screen is first
    # shown, and Textual then restyles every widget of every mode (the intake form's many)
    # once more before the queue can draw: ~100 ms of the first F4 (bench/queue.py).
    DEFAULT_CSS = """
    /* Two lines when a long filter is said beside the counts (at 80 columns). */
    QueueScreen #queue-info { height: auto; max-height: 2; padding: 0 1; text-style: bold; }
    QueueScreen #queue-provisional { height: auto; padding: 0 1; color: $warning; }
    QueueScreen #queue { height: 1fr; }
    QueueScreen #queue-jump { display: none; margin: 0 1; }
    QueueScreen #queue-jump.-open { display: block; }
    /* The highlighted ticket in full: phone, cause path, deadline, first responder, owner. */
    QueueScreen #queue-row {
        height: auto; max-height: 2; padding: 0 1; background: $boost; color: $text-muted;
    }
    """
    AUTO_FOCUS = "#queue"
    BINDINGS: ClassVar[list[BindingType]] = keyed(
        "queue",
        [
            *(Binding(a.key, f"act('{a.name}')", a.label, show=a.show) for a in ACTIONS),
            Binding("m", "major_report", t("action.major_report"), show=False),
            # Priority: the focused table has its own Enter (select the row), which would hide
            # this one from the footer; both open the ticket.
            Binding("enter", "open_detail", t("key.detail"), priority=True),
            Binding("ctrl+r", "toggle_scope", t("queue.toggle_scope")),
            Binding("ctrl+l", "filter", t("filter.title"), show=False),  # in F1 and Ctrl+P
            Binding("pagedown", "more", t("key.more"), show=False),
            Binding("slash", "jump", t("queue.jump"), show=False),
        ],
    )

    def __init__(self) -> None:
        super().__init__()
        self.scope = Scope.MINE
        self.filters = NO_FILTER  # 筛选 (Ctrl+L): severity, escalation level, flag, channel
        self.rows: list[QueueRow] = []
        self._has_more = False
        self._columns: tuple[Column, ...] = ()
        self._now: datetime | None = None
        self._names: dict[str, str] = {}
        self._extensions: dict[str, ExtensionMark] = {}  # 延期申请 of the rows read

    def compose(self) -> ComposeResult:
        yield StatusLine()
        yield Static("", id="queue-info")
        yield Static("", id="queue-provisional")
        table: DataTable[Any] = PlainTable(id="queue", cursor_type="row", zebra_stripes=True)
        yield table
        # Typing a digit or a name on the table opens this box and jumps as it is typed.
        # (Not selected on focus: the key that opened it is its first character.)
        yield Input(id="queue-jump", placeholder=t("queue.jump_hint"), compact=True,
                    select_on_focus=False, max_length=40)  # fmt: skip
        yield Static("", id="queue-row")
        yield DeskFooter()

    def on_mount(self) -> None:
        # The duty manager, the hall manager and the supervisors open on what is escalated to
        # them (督办); a handler on their own tickets.
        self.scope = self._scopes()[0]
        self._set_columns(fit_columns(self.size.width or self.app.size.width))
        self.set_interval(REFRESH_SECONDS, self.reload)
        # The first page is read here, before the first frame: two index reads of 50 rows
        # (~5-15 ms on 100,000 tickets). From a worker the empty table was drawn first and
        # again with its rows, and the thread fought the drawing for the GIL: ~60 ms more
        # to the first F4 (bench/queue.py). Later reads stay in the worker. When this read
        # fails (a damaged page, a locked store), the worker reads again, and its failure
        # reaches the desk's boundary, which says it in words: the desk does not close.
        try:
            first = self._read(0)
        except Exception:  # sorted and shown by the boundary, from the worker's own attempt
            self.fetch(0)
            return
        self._show(*first)

    def on_resize(self, event: events.Resize) -> None:
        columns = fit_columns(event.size.width)
        if columns != self._columns:
            self._set_columns(columns)
            if self._now is not None:
                self._fill(self.rows, self._now, keep=self._current())

    def _set_columns(self, columns: tuple[Column, ...]) -> None:
        table = self.query_one("#queue", DataTable)
        table.clear(columns=True)
        for column in columns:
            table.add_column(t(f"queue.{column.key}"), width=column.width, key=column.key)
        self._columns = columns

    def reload_on_return(self) -> None:
        self.reload()  # what was done on the other screen or dialog may have moved tickets

    def reload(self) -> None:
        self.fetch(0)

    @desk_work(exclusive=True, group="queue")
    def fetch(self, offset: int) -> None:
        self.app.call_from_thread(self._show, *self._read(offset))

    def _read(self, offset: int) -> tuple[QueuePage, tuple[int, int] | None, datetime]:
        now = self.desk.clock.now()
        filters = self.filters
        page = queue_page(self.desk, self.actor, self.scope, offset, PAGE_SIZE, filters)
        marks = extension_marks(self.desk, [r.id for r in page.rows])
        self._extensions = marks if offset == 0 else {**self._extensions, **marks}
        counts = (
            queue_counts(self.desk, self.actor, self.scope, now, filters) if offset == 0 else None
        )
        if not self._names:
            self._names = {s.id: s.name for s in list_staff(self.desk, active_only=False)}
        return page, counts, now

    def _mark(self, row: QueueRow, now: datetime) -> Text:
        mark = clock_mark(self.desk, row.next_due_at, row.paused_until, row.provisional, now)
        text = clock_text(mark, align=True)
        # 延期: a request waiting (⧗) or the deadline shown is an extended one (延), where the
        # column has room; the line under the table always says it.
        suffix = self._extension_word(row, short=True)
        if suffix and text.cell_len + 1 + cell_len(suffix) <= ALWAYS[0].width:
            text.append(" " + suffix, style="bold")
        return text

    def _extension_word(self, row: QueueRow, *, short: bool = False) -> str:
        mark = self._extensions.get(row.id)
        if mark is None:
            return ""
        if mark.pending:
            return (
                t("extension.queue_pending").split()[0] if short else t("extension.queue_pending")
            )
        return t("extension.queue_extended") if row.next_due_at in mark.extended_dues else ""

    def _cells(self, row: QueueRow, now: datetime) -> list[Text | str]:
        causes = self.desk.refdata.causes
        values: dict[str, Text | str] = {
            "col_mark": self._mark(row, now),
            "col_ticket": row.ticket_no,
            "col_clock": t(f"clock.{row.next_clock}") if row.next_clock else "",
            "col_customer": row.customer_name,
            "col_severity": severity_text(row.severity),
            "col_phone": mask_phone(row.contact_phone),
            "col_cause": causes.path(row.cause_code).name if row.cause_code in causes else "",
        }
        return [values[c.key] for c in self._columns]

    def _show(self, page: QueuePage, counts: tuple[int, int] | None, now: datetime) -> None:
        if page.offset == 0:
            self._fill(page.rows, now, keep=self._current())
        else:
            self._fill([*self.rows, *page.rows], now, keep=None, start=len(self.rows))
        self._has_more = page.has_more
        if counts is not None:
            scope = t(f"queue.scope_{self.scope.value}")
            total, overdue = counts
            info = t("queue.summary", scope=scope, total=total, overdue=overdue)
            info = info if total else f"{scope} · {t('queue.empty')}"
            words = filter_words(self.desk, self.filters)  # the filter in force, always said
            self.query_one("#queue-info", Static).update(f"{info} · {words}" if words else info)
        provisional_years = sorted(
            {row.next_due_at.astimezone(self.desk.tz).year for row in self.rows if row.provisional}
        )
        hint = self.query_one("#queue-provisional", Static)
        hint.update(
            t("queue.provisional_hint", years="、".join(map(str, provisional_years)))
            if provisional_years
            else ""
        )
        hint.display = bool(provisional_years)

    def _fill(
        self, rows: list[QueueRow], now: datetime, *, keep: QueueRow | None, start: int = 0
    ) -> None:
        """Show `rows`; those before `start` are on the table already. After a reload the
        cursor stays on the ticket it was on, wherever its new deadline has put it: the next
        key the handler presses acts on the ticket they were looking at."""
        table = self.query_one("#queue", DataTable)
        cursor = table.cursor_row
        if start == 0:
            table.clear()
        for row in rows[start:]:
            table.add_row(*self._cells(row, now), key=row.id)
        self.rows = list(rows)
        self._now = now
        if start == 0 and self.rows:
            same = (i for i, r in enumerate(self.rows) if keep is not None and r.id == keep.id)
            table.move_cursor(row=next(same, min(max(cursor, 0), len(self.rows) - 1)))
        self._show_row(self._current())

    def _show_row(self, row: QueueRow | None) -> None:
        """The highlighted ticket in full, under the table."""
        line = self.query_one("#queue-row", Static)
        if row is None:
            line.update("")
            return
        causes, tz = self.desk.refdata.causes, self.desk.tz
        cause = causes.path(row.cause_code).label if row.cause_code in causes else ""
        clock = t(f"clock.{row.next_clock}") if row.next_clock else ""
        parts = [
            f"{row.customer_name} {mask_phone(row.contact_phone)}",
            cause,
            f"{clock} {format_local(row.next_due_at, tz)[5:]} {t('queue.col_due')}",
            f"{t('detail.first_responder')} {self._names.get(row.first_responder_id, '')}",
        ]
        if row.owner_id != row.first_responder_id:
            parts.append(f"{t('detail.owner')} {self._names.get(row.owner_id, '')}")
        if word := self._extension_word(row):
            parts.append(word)
        line.update(" · ".join(p for p in parts if p))

    @on(DataTable.RowHighlighted, "#queue")
    def _near_end(self, event: DataTable.RowHighlighted) -> None:
        self._show_row(self._current())
        if self._has_more and event.cursor_row >= len(self.rows) - 5:
            self._has_more = False
            self.fetch(len(self.rows))

    def action_more(self) -> None:
        if self._has_more:
            self._has_more = False
            self.fetch(len(self.rows))
        self.query_one("#queue", DataTable).action_page_down()

    def _scopes(self) -> list[Scope]:
        """Mine and the hall's; "supervised by me" first for a role with a level of the chain
        above the handler's (reference data only: no store read on mount)."""
        chain = [level.role for level in self.desk.refdata.escalation]
        if not chain_level(chain, self.actor.role.value):
            return [Scope.MINE, Scope.HALL]
        return [Scope.SUPERVISED, Scope.MINE, Scope.HALL]

    def action_toggle_scope(self) -> None:
        scopes = self._scopes()
        at = scopes.index(self.scope) if self.scope in scopes else -1
        self.scope = scopes[(at + 1) % len(scopes)]
        self.reload()

    def action_filter(self) -> None:
        """筛选: a dialog of four choices; applied, the queue reads its first page again."""

        def apply(chosen: TicketFilter) -> None:
            self.filters = chosen
            self.reload()

        ask_filter(self.app, self.desk, self.filters, apply)

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
        if action.refused is not None and (key := action.refused(desk, row)):
            self.notify(t(key), severity="warning")
            return
        intro = self._intro(name, row)
        late = locked_for(
            desk,
            row.id,
            rewrites_registered_day=action.rewrites_registered_day,
            rewrites_closed_day=action.rewrites_closed_day,
        )

        def submit(values: dict[str, Any]) -> None:
            action.call(desk, actor, row.id, late_approval(values))

        def done(saved: bool | None) -> None:
            if not saved:
                return
            self.notify(t("queue.done", action=action.label, ticket=row.ticket_no))
            self.reload()
            if name == "escalate" and requires_major_report(Severity(row.severity)):
                self.app.push_screen(MajorReportScreen(row.id))

        dialog = ActionDialog(action.dialog(desk, row, intro, late=late), submit)
        self.app.push_screen(dialog, done)

    def _intro(self, name: str, row: QueueRow) -> str:
        clock = t(f"clock.{row.next_clock}") if row.next_clock else ""
        due = format_local(row.next_due_at, self.desk.tz)
        return t(
            "queue.intro",
            customer=row.customer_name,
            phone=mask_phone(row.contact_phone),
            clock=clock,
            due=due,
        )

    def action_major_report(self) -> None:
        row = self._current()
        if row is None:
            return
        if not requires_major_report(Severity(row.severity)):
            # the form is the 重大 complaint's (DOMAIN.md): said, not printed for another level
            self.notify(t("error.report.not_major"), severity="warning")
            return
        self.app.push_screen(MajorReportScreen(row.id))

    # ---------------------------------------------------------------- jump to a ticket

    def action_jump(self, typed: str = "") -> None:
        box = self.query_one("#queue-jump", Input)
        if box.has_class("-open"):
            # A burst (an input method's commit, a paste) arrives before the box has the
            # focus: each key is added to what is there, never in its place.
            typed = box.value + typed
        box.add_class("-open")
        box.value = typed
        box.cursor_position = len(typed)
        box.focus()

    def _close_jump(self) -> None:
        box = self.query_one("#queue-jump", Input)
        box.remove_class("-open")
        box.value = ""
        self.query_one("#queue", DataTable).focus()

    def on_key(self, event: events.Key) -> None:
        table = self.query_one("#queue", DataTable)
        char = event.character
        if self.focused is table and char and (char.isdigit() or not char.isascii()):
            if char.isprintable():  # a ticket's digits, a phone's last four, a name
                event.stop()
                self.action_jump(char)
        elif self.focused is self.query_one("#queue-jump") and event.key == "escape":
            event.stop()
            self._close_jump()
        elif self.focused is self.query_one("#queue-jump") and event.key in ("down", "up"):
            event.stop()  # the next (previous) ticket that matches: several share a tail
            self._step_jump(1 if event.key == "down" else -1)

    def _step_jump(self, step: int) -> None:
        found = jump_targets(self.rows, self.query_one("#queue-jump", Input).value)
        if not found:
            return
        table = self.query_one("#queue", DataTable)
        at = found.index(table.cursor_row) if table.cursor_row in found else -step
        table.move_cursor(row=found[(at + step) % len(found)])
        self._show_row(self._current())

    @on(Input.Changed, "#queue-jump")
    def _jump_typed(self, event: Input.Changed) -> None:
        target = jump_target(self.rows, event.value)
        box = event.input
        box.set_class(bool(event.value.strip()) and target is None, "-invalid")
        if target is not None:
            self.query_one("#queue", DataTable).move_cursor(row=target)
            self._show_row(self._current())
        elif event.value.strip():  # said where the highlighted ticket is shown, not a toast
            self.query_one("#queue-row", Static).update(
                t("queue.jump_none", typed=event.value.strip())
            )

    @on(DataTable.RowSelected, "#queue")
    def action_open_detail(self) -> None:
        if self.focused is self.query_one("#queue-jump"):
            self._close_jump()  # Enter in the jump box: stay on the ticket jumped to
            return
        row = self._current()
        if row is not None:
            self.app.push_screen(DetailScreen(row.id))
