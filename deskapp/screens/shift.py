"""交接班: write this shift's handover (a note for every open item and for the shift), take
over or file a colleague's handover with a PIN, and look up past shifts."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any, ClassVar, TypeVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import (
    Button,
    DataTable,
    Input,
    TabbedContent,
    TabPane,
    TextArea,
)
from textual.worker import Worker

from deskapp.domain.deadlines import ClockStatus
from deskapp.domain.errors import RuleViolation
from deskapp.domain.phone import mask_phone
from deskapp.domain.timefmt import format_local, read_local
from deskapp.i18n import error_text, t
from deskapp.incidents import Fault
from deskapp.screens.boundary import desk_work
from deskapp.screens.desk_app import SignedIn, desk_app, hall_today
from deskapp.screens.handover import HandoverScreen
from deskapp.screens.keys import keyed
from deskapp.screens.textual_private import withdraw_notifications
from deskapp.screens.widgets.action_dialog import ActionDialog, DialogSpec, FieldSpec
from deskapp.screens.widgets.deadline_text import clock_text, handover_item_line
from deskapp.screens.widgets.desk_footer import DeskFooter
from deskapp.screens.widgets.desk_text_area import DeskTextArea
from deskapp.screens.widgets.draft_keeper import DraftKeeper
from deskapp.screens.widgets.mode_screen import ModeScreen
from deskapp.screens.widgets.plain import Static
from deskapp.screens.widgets.plain_table import PlainTable
from deskapp.screens.widgets.status_line import StatusLine
from deskapp.services import shifts
from deskapp.services.deadlines import clock_mark
from deskapp.services.staff import list_staff

DRAFT_FORM = "handover"


def pin_fields(note: bool = False) -> list[FieldSpec]:
    fields = [
        FieldSpec("work_no", t("shift.work_no"), max_length=16),
        FieldSpec("pin", t("shift.pin"), max_length=12, password=True),
    ]
    if note:
        fields.append(FieldSpec("note", t("field.note")))
    return fields


Row = TypeVar("Row")  # a row of one of the tables: a shift, a conflict, a quarantined change


class ShiftScreen(SignedIn, ModeScreen):
    TITLE_KEY = "shift.title"
    CSS_PATH = "shift.tcss"
    BINDINGS: ClassVar[list[BindingType]] = keyed(
        "shift",
        [
            Binding("ctrl+s", "close_shift", t("shift.close"), priority=True),
            # Priority: the keys the Footer shows work while the cursor is in a note, where an
            # Input would otherwise take Ctrl+A (home), Ctrl+E (end) and Ctrl+K (delete to the end).
            Binding("ctrl+a", "acknowledge", t("shift.acknowledge"), priority=True),
            Binding("ctrl+b", "file", t("shift.file"), priority=True),
            Binding("ctrl+e", "export", t("shift.export"), show=False, priority=True),
            Binding("ctrl+k", "settle", t("shift.settle"), priority=True),
            # F5 again moves through the tabs (the tab bar's own ←/→ need it focused first).
            Binding("f5", "next_tab", t("shift.next_tab")),
            Binding("shift+f5", "next_tab(-1)", t("shift.prev_tab"), show=False),
        ],
    )

    def __init__(self) -> None:
        super().__init__()
        self.items: list[shifts.OpenItem] = []
        self.waiting: list[shifts.ShiftRow] = []
        self.history: list[shifts.ShiftRow] = []
        self.conflicts: list[Any] = []
        self.quarantined: list[Any] = []
        self._staff_names: dict[str, str] = {}
        self._history_more = False
        self.drafts = DraftKeeper(self, DRAFT_FORM, lambda: self.desk)
        # (Not `_closing`: that is Textual's own flag of a message pump shutting down.)
        self._handing_over = False
        self._cursor_placed = False

    def compose(self) -> ComposeResult:
        yield StatusLine()
        with TabbedContent(id="shift-tabs"):
            with (
                TabPane(t("shift.tab_current"), id="tab-current"),
                VerticalScroll(id="current", can_focus=False),
            ):
                yield Static("", id="shift-summary")
                yield Vertical(id="items")
                yield Static(t("shift.note"), classes="label")
                yield DeskTextArea(id="shift-note", tab_behavior="focus", soft_wrap=True)
                yield Static("", id="shift-note-error", classes="field-error")
                yield Button(
                    f"{t('shift.close')} (Ctrl+S)", id="close", variant="primary", compact=True
                )
            with TabPane(t("shift.tab_waiting"), id="tab-waiting"):
                yield Static("", id="waiting-info")
                yield PlainTable(id="waiting", cursor_type="row")
            with TabPane(t("shift.tab_history"), id="tab-history"):
                with Horizontal(id="history-filter"):
                    yield Input(placeholder=t("shift.search_staff"), id="h-staff", compact=True)
                    yield Input(
                        placeholder=f"{t('shift.search_from')} {self._date_hint(-7)}",
                        id="h-from",
                        compact=True,
                        max_length=10,
                    )
                    yield Input(
                        placeholder=f"{t('shift.search_to')} {self._date_hint(0)}",
                        id="h-to",
                        compact=True,
                        max_length=10,
                    )
                yield Static("", id="history-error", classes="field-error")
                yield PlainTable(id="history", cursor_type="row", zebra_stripes=True)
            with TabPane(t("shift.tab_conflicts"), id="tab-conflicts"):
                yield Static("", id="conflicts-info")
                yield PlainTable(id="conflicts", cursor_type="row")
                # the highlighted row's reason and what the duty manager does about it
                yield Static("", id="conflict-detail")
        yield DeskFooter()

    def on_mount(self) -> None:
        for table_id in ("waiting", "history"):
            table = self.query_one(f"#{table_id}", DataTable)
            for key, width in (
                ("col_handler", 10),
                ("col_opened", 16),
                ("col_closed", 16),
                ("col_status", 8),
                ("col_incoming", 10),
                ("col_items", 6),
            ):
                table.add_column(t(f"shift.{key}"), width=width, key=key)
        conflicts = self.query_one("#conflicts", DataTable)
        for key, width in (
            ("conflict_record", 22),
            ("sync.conflict_field", 8),
            ("sync.conflict_a", 18),
            ("sync.conflict_b", 18),
            ("sync.conflict_current", 8),
        ):
            label = t(key) if "." in key else t(f"shift.{key}")
            conflicts.add_column(label, width=width, key=key)
        wanted = desk_app(self).shift_tab_wanted
        if wanted:  # signing in said a handover waits: F5 opens where it is taken or filed
            desk_app(self).shift_tab_wanted = None
            # Said, and now in front of them: the notice would cover the PIN dialogs' buttons.
            withdraw_notifications(self.app, {desk_app(self).handover_notice})
            self._cursor_placed = True
            self.query_one(TabbedContent).active = wanted
            self.call_after_refresh(self._focus_in_tab, wanted)
        self.load_current()
        self.load_waiting()
        self.load_history()
        self.load_conflicts()

    def _date_hint(self, days: int) -> str:
        """An example date `days` from today (never a fixed date that has passed)."""
        return t("shift.date_hint", example=f"{hall_today(self) + timedelta(days=days)}")

    def action_next_tab(self, step: int = 1) -> None:
        tabs = self.query_one(TabbedContent)
        panes = [pane.id for pane in tabs.query(TabPane) if pane.id]
        tabs.active = panes[(panes.index(tabs.active) + step) % len(panes)]
        self._focus_in_tab(tabs.active)

    def _focus_in_tab(self, pane: str) -> None:
        """The cursor where that tab is worked in: the first note to write, the tables, the
        history's staff filter."""
        if pane == "tab-current":
            notes = self.query(".item Input")
            (notes.first() if notes else self.query_one("#shift-note")).focus()
        else:
            first = {"tab-waiting": "#waiting", "tab-history": "#h-staff"}
            self.query_one(first.get(pane, "#conflicts")).focus()

    def reload_on_return(self) -> None:
        self.load_current()
        self.load_waiting()
        self.load_conflicts()

    def synchronized(self) -> None:
        """A sync brought other terminals' changes (a handover to take over, a conflict):
        the tabs that show them read again; this shift's tab, where notes are being typed,
        is left as it is."""
        self.load_waiting()
        self.load_conflicts()

    # ---------------------------------------------------------------- this shift

    @desk_work(exclusive=True, group="current")
    def load_current(self) -> None:
        desk, actor = self.desk, self.actor
        shift = shifts.current_shift(desk, actor)
        items = shifts.open_items(desk, actor)
        counts = (
            shifts.shift_counts(desk, actor.id, shift.opened_at, desk.clock.now())
            if shift
            else None
        )
        draft = self.drafts.load(actor.id)
        saved = json.loads(draft.data) if draft else {}
        # (awaited in the app's loop: the worker ends once the notes are mounted and focused;
        # mypy reads Textual's `T | Awaitable[T]` callback type as Awaitable[Never])
        self.app.call_from_thread(self._show_current, shift, items, counts, saved)  # type: ignore[arg-type]

    async def _show_current(
        self, shift: Any, items: list[shifts.OpenItem], counts: Any, saved: dict[str, Any]
    ) -> None:
        tz = self.desk.tz
        summary = self.query_one("#shift-summary", Static)
        if shift is None:
            summary.update(t("shift.not_open"))
        else:
            summary.update(
                f"{t('shift.opened_at')} {format_local(shift.opened_at, tz)} · "
                + t("shift.counts", **counts.__dict__)
            )
        known = {item.complaint_id for item in self.items}
        typed = {
            cid: self.query_one(f"#note-{cid}", Input).value
            for cid in known
            if self.query(f"#note-{cid}")
        }
        notes = {**saved.get("items", {}), **{k: v for k, v in typed.items() if v}}
        self.items = items
        box = self.query_one("#items", Vertical)
        await box.remove_children()
        shown: list[Widget] = []
        if not items:
            shown.append(Static(t("shift.no_items"), classes="hint"))
        now = self.desk.clock.now()
        for item in items:
            clock = t(f"clock.{item.next_clock}") if item.next_clock else ""
            line = Text()
            # Overdue, due soon or paused in words, as the queue says it (one function decides).
            mark = clock_mark(self.desk, item.next_due_at, item.paused_until,
                              item.provisional, now)  # fmt: skip
            if mark.status is not ClockStatus.OK:
                line.append_text(clock_text(mark))
                line.append(" · ")
            line.append(
                f"{item.ticket_no} · {item.customer_name} "
                f"{mask_phone(item.contact_phone)} · {clock} "
                f"{format_local(item.next_due_at, tz)[5:]}"
            )
            shown.append(Vertical(
                Static(line, classes="item-line"),
                Input(notes.get(item.complaint_id, ""), id=f"note-{item.complaint_id}",
                      placeholder=t("shift.item_hint"), compact=True, max_length=1000),
                Static("", id=f"error-{item.complaint_id}", classes="field-error"),
                classes="item",
            ))  # fmt: skip
        # Mounted before the worker ends, so the cursor is in the first note before any key
        # typed after F5 is read (no key lands on the tab bar while the notes are on their way).
        await box.mount_all(shown)
        note = self.query_one("#shift-note", TextArea)
        if not note.text and saved.get("shift_note"):
            note.text = saved["shift_note"]
        if not self._cursor_placed:
            # First shown: the first keys typed land in the first note, not on the tab bar.
            # (With no shift in progress, a duty manager's, there is nothing to write.)
            self._cursor_placed = True
            if shift is not None and self.query_one(TabbedContent).active == "tab-current":
                self._focus_in_tab("tab-current")

    def _notes(self) -> dict[str, str]:
        return {
            item.complaint_id: self.query_one(f"#note-{item.complaint_id}", Input).value
            for item in self.items
        }

    @on(Input.Changed, ".item Input")
    @on(TextArea.Changed, "#shift-note")
    def _typed(self) -> None:
        self.drafts.schedule(self._save_draft)

    def _save_draft(self) -> None:
        data = json.dumps(
            {"items": self._notes(), "shift_note": self.query_one("#shift-note", TextArea).text},
            ensure_ascii=False,
        )
        self.drafts.save(self.actor.id, data)

    def action_close_shift(self) -> None:
        """Ctrl+S, a priority binding, arrives before the keys typed just before it reach the
        focused note: the notes are read from that note's queue, after them (case18g)."""
        focused = self.app.focused
        if focused is not None:
            focused.call_later(self._close_now)
        else:
            self._close_now()

    @on(Button.Pressed, "#close")
    def _close_now(self) -> None:
        if self._handing_over:
            return
        self._handing_over = True
        self.query_one("#close", Button).disabled = True
        self._submit_handover(self._notes(), self.query_one("#shift-note", TextArea).text)

    @desk_work(exclusive=True, group="close")
    def _submit_handover(self, notes: dict[str, str], shift_note: str) -> None:
        desk, actor = self.desk, self.actor
        shift = shifts.close_shift(desk, actor, notes, shift_note)
        self.drafts.discard_now(actor.id)
        self.app.call_from_thread(self._handover_written, shift, len(notes))

    def work_failed(self, worker: Worker[object], fault: Fault) -> bool:
        if worker.group == "close":
            # Not written: every note stays as typed, Ctrl+S tries again.
            self._handover_refused(fault.violation or RuleViolation([]), fault.message)
            return True
        return self.drafts.failed(worker, fault)

    def _handover_refused(self, violation: RuleViolation, general: str = "") -> None:
        self._handing_over = False
        self.query_one("#close", Button).disabled = False
        for static in self.query(".field-error").results(Static):
            static.update("")
            static.remove_class("-shown")
        first = None
        for error in violation.errors:
            general_line = error.field in ("shift_note", "shift")  # "shift": none in progress
            target = "shift-note-error" if general_line else f"error-{error.field}"
            found = self.query(f"#{target}")
            if found:
                found.first(Static).update(f"✗ {error_text(error)}")
                found.first(Static).add_class("-shown")
                first = first or error.field
        if general and not violation.errors:
            line = self.query_one("#shift-note-error", Static)
            line.update(f"✗ {general}")
            line.add_class("-shown")
            # Below the open tickets on a small terminal: brought into view (the focus, and
            # what was typed there, stay where they are).
            self.call_after_refresh(line.scroll_visible, animate=False)
        if first and first not in ("shift_note", "shift"):
            self.query_one(f"#note-{first}", Input).focus()
        elif first:
            self.query_one("#shift-note", TextArea).focus()

    def _handover_written(self, shift: Any, count: int) -> None:
        self._handing_over = False
        self.query_one("#close", Button).disabled = False
        self.query_one("#shift-note", TextArea).text = ""
        self.notify(t("shift.closed_ok", count=count), timeout=8)
        desk_app(self).after_handover(shift)
        self.load_current()
        self.load_waiting()
        self.load_history()

    # ------------------------------------------------------- waiting for others

    @desk_work(exclusive=True, group="waiting")
    def load_waiting(self) -> None:
        rows, _ = shifts.list_shifts(self.desk, waiting=True)
        self.app.call_from_thread(self._show_table, "waiting", rows, 0)

    def _show_table(self, table_id: str, rows: list[shifts.ShiftRow], offset: int) -> None:
        table = self.query_one(f"#{table_id}", DataTable)
        tz = self.desk.tz
        highlighted = None
        if offset == 0:
            if table.row_count:  # read again (a sync): the cursor stays on its handover
                highlighted = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
            table.clear()
        for row in rows:
            table.add_row(
                f"{row.staff_work_no} {row.staff_name}",
                format_local(row.opened_at, tz),
                format_local(row.closed_at, tz),
                t(f"shift_status.{row.status}"),
                row.incoming_name or "",
                str(row.items),
                key=row.id,
            )
        if highlighted is not None and highlighted in table.rows:
            table.move_cursor(row=table.get_row_index(highlighted))
        if table_id == "waiting":
            self.waiting = rows
            info = self.query_one("#waiting-info", Static)
            info.update("" if rows else t("shift.nothing_waiting"))
            info.display = not rows
        else:
            self.history = (self.history if offset else []) + rows

    def _selected(self, table_id: str, rows: list[Row]) -> Row | None:
        table = self.query_one(f"#{table_id}", DataTable)
        if not rows or not 0 <= table.cursor_row < len(rows):
            return None
        return rows[table.cursor_row]

    def _target(self) -> shifts.ShiftRow | None:
        active = self.query_one(TabbedContent).active
        if active == "tab-history":
            return self._selected("history", self.history)
        return self._selected("waiting", self.waiting)

    def action_acknowledge(self) -> None:
        self.query_one(TabbedContent).active = "tab-waiting"
        row = self._selected("waiting", self.waiting)
        if row is None:
            return
        self._ask_acknowledge(row)

    def _intro(self, view: shifts.HandoverView) -> str:
        """What is being taken over or filed (the shift's note, each item with its clock as
        it stands, its deadline and its note), shown above the PIN: the PIN confirms what was
        read."""
        now = self.desk.clock.now()
        lines = [f"{t('shift.note')}:{view.shift.note}", t("shift.items", count=len(view.items))]
        for item, ticket, customer, _phone in view.items:
            clock = view.clocks.get(item.complaint_id)
            line = handover_item_line(self.desk, item, ticket, customer, "", clock, now)
            lines.append(f"· {line.plain} → {item.note}")
        return "\n".join(lines)

    @desk_work(exclusive=True, group="acknowledge")
    def _ask_acknowledge(self, row: shifts.ShiftRow) -> None:
        desk = self.desk
        intro = self._intro(shifts.handover_view(desk, row.id))
        spec = DialogSpec(f"{t('shift.acknowledge')} · {row.staff_name}", pin_fields(), intro)

        def submit(values: dict[str, Any]) -> None:
            shifts.acknowledge(desk, row.id, values["work_no"], values["pin"])

        self.app.call_from_thread(
            self.app.push_screen, ActionDialog(spec, submit), self._after_pin_action
        )

    def action_file(self) -> None:
        self.query_one(TabbedContent).active = "tab-waiting"
        row = self._selected("waiting", self.waiting)
        if row is None:
            return
        self._ask_file(row)

    @desk_work(exclusive=True, group="file")
    def _ask_file(self, row: shifts.ShiftRow) -> None:
        desk = self.desk
        intro = self._intro(shifts.handover_view(desk, row.id))
        spec = DialogSpec(f"{t('shift.file')} · {row.staff_name}", pin_fields(note=True), intro)

        def submit(values: dict[str, Any]) -> None:
            shifts.file_handover(desk, row.id, values["work_no"], values["pin"], values["note"])

        self.app.call_from_thread(
            self.app.push_screen, ActionDialog(spec, submit), self._after_pin_action
        )

    def _after_pin_action(self, done: bool | None) -> None:
        if done:
            self.notify(t("queue.finished"))
            # Acknowledged or filed: the other terminals (and the outgoing handler) must know.
            desk_app(self).after_handover(None)
            self.load_waiting()
            self.load_history()
            self.load_current()

    @on(DataTable.RowSelected)
    def _open(self, event: DataTable.RowSelected) -> None:
        row = self._target()
        if row is not None:
            self.app.push_screen(HandoverScreen(row.id))

    def action_export(self) -> None:
        row = self._target()
        if row is None:
            return
        self._export(row.id)

    @desk_work(group="export")
    def _export(self, shift_id: str) -> None:
        path = shifts.export_handover(self.desk, shift_id, desk_app(self).export_dir)
        self.app.call_from_thread(self.notify, t("shift.exported", path=str(path)), timeout=10)

    # ------------------------------------------------------------------ history

    @on(Input.Changed, "#history-filter Input")
    def _filter(self) -> None:
        self.load_history()

    def _range(self) -> tuple[datetime | None, datetime | None]:
        desk = self.desk
        now = desk.clock.now()
        bounds: list[datetime | None] = []
        error = ""
        for field in ("h-from", "h-to"):
            text = self.query_one(f"#{field}", Input).value.strip()
            moment, refused = (
                read_local(field, f"{text} 00:00", desk.tz, now) if text else (None, None)
            )
            if refused is not None:
                error = error_text(refused)
            bounds.append(moment)
        static = self.query_one("#history-error", Static)
        static.update(f"✗ {error}" if error else "")
        static.set_class(bool(error), "-shown")
        since, until = bounds
        return since, (until + timedelta(days=1) if until else None)

    def load_history(self, offset: int = 0) -> None:
        since, until = self._range()
        self._fetch_history(self.query_one("#h-staff", Input).value, since, until, offset)

    @desk_work(exclusive=True, group="history")
    def _fetch_history(
        self, staff: str, since: datetime | None, until: datetime | None, offset: int
    ) -> None:
        try:
            rows, more = shifts.list_shifts(
                self.desk, since=since, until=until, staff=staff, offset=offset
            )
        except RuleViolation as refused:  # a handler filter no name could match: say why
            self.app.call_from_thread(self._history_refused, refused)
            return
        self._history_more = more
        self.app.call_from_thread(self._show_table, "history", rows, offset)

    def _history_refused(self, refused: RuleViolation) -> None:
        static = self.query_one("#history-error", Static)
        static.update(f"✗ {error_text(refused.errors[0])}")
        static.set_class(True, "-shown")

    @on(DataTable.RowHighlighted, "#history")
    def _near_end(self, event: DataTable.RowHighlighted) -> None:
        if self._history_more and event.cursor_row >= len(self.history) - 5:
            self._history_more = False
            self.load_history(len(self.history))

    # ----------------------------------------------------------- sync conflicts

    @desk_work(exclusive=True, group="conflicts")
    def load_conflicts(self) -> None:
        from deskapp.services.conflicts import list_conflicts, list_quarantined

        conflicts = list_conflicts(self.desk)
        held = list_quarantined(self.desk)
        names = {s.id: s.name for s in list_staff(self.desk, active_only=False)}
        self.app.call_from_thread(self._show_conflicts, conflicts, names, held)

    def _show_conflicts(
        self, conflicts: list[Any], names: dict[str, str], held: list[Any] | None = None
    ) -> None:
        self.conflicts = conflicts
        self.quarantined = held or []
        self._staff_names = names
        table = self.query_one("#conflicts", DataTable)
        # Read again after any desk's commit: the cursor stays on its conflict (Ctrl+K acts
        # on the one under it), not back on the first row.
        current = None
        if table.row_count and 0 <= table.cursor_row < table.row_count:
            current = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        table.clear()
        tz = self.desk.tz
        for c in conflicts:
            sides = [
                f"{self._value(c.field, side.value)} {side.actor_name} "
                f"{format_local(side.at, tz)[11:]}"
                for side in (c.a, c.b)
            ]
            field = t(f"conflict_field.{c.field}")
            field = c.field if field.startswith("conflict_field.") else field
            table.add_row(c.label, field, *sides, self._value(c.field, c.current), key=c.id)
        for q in self.quarantined:  # changes kept aside by the sync, after the conflicts
            held_at = format_local(q.held_at, tz)[5:]
            table.add_row(q.label, t("sync.quarantine_field"), q.reason_text, held_at, "",
                          key=f"q:{q.node_id}:{q.seq}")  # fmt: skip
        count = len(conflicts) + len(self.quarantined)
        keys = [c.id for c in conflicts] + [f"q:{q.node_id}:{q.seq}" for q in self.quarantined]
        if current in keys:
            table.move_cursor(row=keys.index(current))
        self.query_one("#conflicts-info", Static).update(
            t("shift.conflicts_hint", count=count) if count else t("shift.no_conflicts")
        )
        self._show_detail(table.cursor_row if count else -1)

    @on(DataTable.RowHighlighted, "#conflicts")
    def _conflict_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail(event.cursor_row)

    def _show_detail(self, row: int) -> None:
        """Below the table: what the highlighted row is about and what to do."""
        text = ""
        if 0 <= row < len(self.conflicts):
            c = self.conflicts[row]
            field = t(f"conflict_field.{c.field}")
            what = f"{c.label} · {c.field if field.startswith('conflict_field.') else field}"
            tz = self.desk.tz
            sides = t(
                "sync.conflict_sides",
                a=self._value(c.field, c.a.value), a_by=c.a.actor_name,
                a_at=format_local(c.a.at, tz)[5:16],
                b=self._value(c.field, c.b.value), b_by=c.b.actor_name,
                b_at=format_local(c.b.at, tz)[5:16],
            )  # fmt: skip
            text = t("sync.conflict_detail", what=f"{what}({sides})", todo=t(c.todo))
        elif 0 <= row - len(self.conflicts) < len(self.quarantined):
            q = self.quarantined[row - len(self.conflicts)]
            todo = t(q.todo, minutes=round(q.drift_ms / 60000))
            text = t("sync.quarantine_detail", reason=q.reason_text, todo=todo)
        self.query_one("#conflict-detail", Static).update(text)

    def _value(self, field: str, value: Any) -> str:
        """A field's value as the handler reads it: labels for codes, names for staff."""
        if field in ("severity", "status", "satisfaction", "channel") and value:
            return t(f"{field}.{value}")
        if field == "complaint_id" and value:
            tickets = {k: v for c in self.conflicts for k, v in c.tickets.items()}
            return tickets.get(value, str(value))
        if field.endswith("_id") and value:
            return self._staff_names.get(value, str(value))
        if field in ("work_no", "ticket_no") and value and "~" in str(value):
            # NUMBER~record id: the number a record gave up in a collision (sync/unique.py)
            return t("sync.value_yielded", value=str(value).split("~", 1)[0])
        return "" if value is None else str(value)

    def action_settle(self) -> None:
        """同步冲突: the duty manager keeps one of the two concurrent values."""
        self.query_one(TabbedContent).active = "tab-conflicts"
        row = self._selected("conflicts", self.conflicts)
        if row is None:
            if self.quarantined:  # a change kept aside: the sync retries it, nothing to choose
                self.notify(t("sync.quarantine_no_choice"))
            return
        desk, actor = self.desk, self.actor
        options = [
            (f"{t(label)}:{self._value(row.field, side.value)}({side.actor_name})", choice)
            for side, choice, label in (
                (row.a, "a", "sync.conflict_a"),
                (row.b, "b", "sync.conflict_b"),
            )
        ]
        if row.todo != "conflict_todo.value":  # a unique value: merged already, to review
            options = [(t("sync.conflict_reviewed"), "a")]
        spec = DialogSpec(
            f"{t('sync.conflict_title')} · {row.label}",
            [FieldSpec("choice", t("sync.conflict_keep"), "select", options)],
        )

        def submit(values: dict[str, Any]) -> None:
            from deskapp.services.conflicts import settle_conflict

            settle_conflict(desk, actor, row.id, values["choice"])

        def done(settled: bool | None) -> None:
            if settled:
                self.notify(t("sync.conflict_settled"))
                self.load_conflicts()

        self.app.push_screen(ActionDialog(spec, submit), done)
