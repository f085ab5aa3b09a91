"""重点客户名单: the watch list of B-class, difficult and sensitive customers, for the duty and
hall managers (e.g. before 3·15). F10's mode (managers only; Esc goes back to the screen it
was opened from); entries past their review date first, flagged ⚠ with the word; A adds,
Enter changes (or retires) the entry under the cursor, E exports the list. The service refuses
anyone else, and audits each change. Shown again (F10 after another key, a dialog closed),
it reads the list again, the cursor kept on its entry."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable
from textual.worker import Worker

from deskapp.domain.clean_input import printable
from deskapp.domain.timefmt import local_day
from deskapp.domain.watch import WatchKind, review_example, review_latest
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
from deskapp.services.customer import (
    EditedMeanwhile,
    WatchForm,
    WatchView,
    export_watch_list,
    save_watch_entry,
    watch_list,
)
from deskapp.services.desk import Desk
from deskapp.services.staff import list_staff

# The review date's example: a quarter ahead (the entries are reviewed before each 3·15 and
# at the quarter's meeting).


class WatchListScreen(ModeScreen):
    TITLE_KEY = "watch.title"
    BINDINGS: ClassVar[list[BindingType]] = keyed(
        "watch",
        [
            # Its id from before F10 was a mode (users' keymaps name it).
            Binding("escape,q", "app.leave_mode", t("customer.close"), id="watch.app_pop_screen"),
            Binding("a", "add", t("watch.add")),
            Binding("e", "export", t("watch.export")),
        ],
    )
    DEFAULT_CSS = """
    WatchListScreen #watch-table { height: 1fr; }
    WatchListScreen #watch-line { padding: 0 1; color: $text-muted; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[WatchView] = []
        self.staff: list[tuple[str, str]] = []

    @property
    def desk(self) -> Desk:
        return desk_app(self).desk

    def compose(self) -> ComposeResult:
        yield StatusLine()
        table: DataTable[str] = PlainTable(id="watch-table", cursor_type="row", zebra_stripes=True)
        yield table
        yield Static(t("watch.hint"), id="watch-line")
        yield DeskFooter()

    def on_mount(self) -> None:
        table = self.query_one("#watch-table", DataTable)
        for key in ("col_review", "col_number", "col_kind", "col_name", "col_handler",
                    "col_advice"):  # fmt: skip
            table.add_column(t(f"watch.{key}"), key=key)
        self.load()

    def reload_on_return(self) -> None:
        """Back on F10 after another key, or a dialog closed: another desk or a sync may
        have changed the list meanwhile (it was read afresh each time F10 made it)."""
        self.load()

    def synchronized(self) -> None:
        """Another desk on this store (or a sync) listed, changed or retired an entry while
        F10 is on screen: read again, the cursor on its entry (DeskApp._brought_changes)."""
        self.load()

    @desk_work(exclusive=True, group="watch")
    def load(self) -> None:
        actor = signed_in_actor(self)
        entries = watch_list(self.desk, actor)
        staff = [(f"{s.work_no} {s.name}", s.id) for s in list_staff(self.desk)]
        self.app.call_from_thread(self._show, entries, staff)

    def _show(self, entries: list[WatchView], staff: list[tuple[str, str]]) -> None:
        table = self.query_one("#watch-table", DataTable)
        at = table.cursor_row
        current = self.entries[at].id if 0 <= at < len(self.entries) else None
        self.entries, self.staff = entries, staff
        table.clear()
        for i, v in enumerate(entries):
            review = f"⚠ {t('watch.due')} {v.review_on}" if v.review_due else v.review_on
            number = (
                v.customer_key if v.in_force else f"{v.customer_key} ⚠ {t('watch.not_in_force')}"
            )
            table.add_row(
                review, number, t(f"watch_kind.{v.kind}"), printable(v.customer_name),
                v.designated_handler or "—", printable(v.advice).replace("\n", " ")[:40],
                key=str(i),
            )  # fmt: skip
        ids = [v.id for v in entries]
        if current in ids:  # read again: the cursor stays on its entry
            table.move_cursor(row=ids.index(current))
        line = self.query_one("#watch-line", Static)
        line.update(t("watch.count", count=len(entries)) + "  " + t("watch.hint"))
        table.focus()

    def _dialog(self, entry: WatchView | None) -> ActionDialog:
        kinds = [(t(f"watch_kind.{k.value}"), k.value) for k in WatchKind]
        fields = [
            FieldSpec("customer", t("watch.customer"), placeholder=t("watch.customer_example"),
                      default=entry.customer_key if entry else ""),
            FieldSpec("kind", t("watch.kind"), "select", kinds, allow_blank=False,
                      default=entry.kind if entry else WatchKind.DIFFICULT.value),
            FieldSpec("customer_name", t("watch.customer_name"), max_length=80,
                      default=entry.customer_name if entry else ""),
            FieldSpec("designated_handler", t("watch.handler"), "select", self.staff,
                      default=entry.designated_handler_id if entry else None),
            FieldSpec("advice", t("watch.advice"), "area", default=entry.advice if entry else ""),
            FieldSpec("solved", t("watch.solved"), "area", default=entry.solved if entry else ""),
            FieldSpec("refused", t("watch.refused"), "area",
                      default=entry.refused if entry else ""),
            FieldSpec("review_on", t("watch.review_on"), placeholder=self._review_example(),
                      max_length=10, default=entry.review_on if entry else ""),
            FieldSpec("active", t("watch.active"), "check", default=True),
        ]  # fmt: skip
        desk, actor = self.desk, signed_in_actor(self)
        entry_id = entry.id if entry else None
        seen = [entry]  # the version the change is made from (the service refuses a stale one)

        def submit(values: dict[str, Any]) -> None:
            form = WatchForm(
                customer=values["customer"], kind=values["kind"],
                customer_name=values["customer_name"],
                designated_handler_id=values["designated_handler"], advice=values["advice"],
                solved=values["solved"], refused=values["refused"],
                review_on=values["review_on"], active=bool(values["active"]),
            )  # fmt: skip
            try:
                save_watch_entry(desk, actor, form, entry_id, seen=seen[0])
            except EditedMeanwhile as meanwhile:
                # Changed at another desk since this dialog opened: what was typed stays, the
                # fields left as they were take the other's values, the next Ctrl+S saves
                # over the version now shown (the refusal's words say who, when and what).
                seen[0] = meanwhile.current
                self.app.call_from_thread(_take_theirs, dialog, meanwhile)
                raise

        title = t("watch.change" if entry else "watch.add")
        spec = DialogSpec(title, fields, intro=t("watch.intro"))
        dialog = ActionDialog(spec, submit)
        return dialog

    def _review_example(self) -> str:
        """Today-relative, like every date field: a fixed date read as a value already filled
        in, and became one the service refuses once it had passed."""
        today = local_day(self.desk.clock.now(), self.desk.tz)
        return t("watch.review_example", example=review_example(today),
                 latest=review_latest(today).isoformat())  # fmt: skip

    def _after(self, done: bool | None) -> None:
        if done:
            self.load()

    def action_add(self) -> None:
        self.app.push_screen(self._dialog(None), self._after)

    @on(DataTable.RowSelected, "#watch-table")
    def _change(self) -> None:
        table = self.query_one("#watch-table", DataTable)
        if self.entries and table.cursor_row < len(self.entries):
            self.app.push_screen(self._dialog(self.entries[table.cursor_row]), self._after)

    def action_export(self) -> None:
        self._export()

    @desk_work(group="export")
    def _export(self) -> None:
        path = export_watch_list(self.desk, signed_in_actor(self), desk_app(self).export_dir)
        self.app.call_from_thread(self.notify, t("watch.exported", path=str(path)), timeout=10)

    def work_failed(self, worker: Worker[object], fault: Fault) -> bool:
        if worker.group == "watch":
            self.query_one("#watch-line", Static).update(fault.message)
            return True
        return False


def _take_theirs(dialog: ActionDialog, meanwhile: EditedMeanwhile) -> None:
    """The fields only the other manager changed, put in the dialog as they are now."""
    now = meanwhile.current
    theirs = {
        "customer": now.customer_key, "kind": now.kind, "customer_name": now.customer_name,
        "designated_handler": now.designated_handler_id, "advice": now.advice,
        "solved": now.solved, "refused": now.refused, "review_on": now.review_on,
        "active": now.active,
    }  # fmt: skip
    for name in meanwhile.taken:
        dialog.set_value(name, theirs[name])
