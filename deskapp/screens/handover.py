"""One handover as the duty manager reviews it: items with their notes, the shift's figures,
acknowledgement and filing, later annotations; printable."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen

from deskapp.domain.timefmt import format_local
from deskapp.i18n import t
from deskapp.screens.boundary import WorkBoundary, desk_work
from deskapp.screens.desk_app import desk_app, signed_in_actor
from deskapp.screens.keys import keyed
from deskapp.screens.widgets.action_dialog import ActionDialog, DialogSpec, FieldSpec
from deskapp.screens.widgets.deadline_text import handover_item_line
from deskapp.screens.widgets.desk_footer import DeskFooter
from deskapp.screens.widgets.plain import PlainGrid, Static
from deskapp.screens.widgets.status_line import StatusLine
from deskapp.services import shifts
from deskapp.services.desk import Desk


class HandoverScreen(WorkBoundary, Screen[None]):
    TITLE_KEY = "shift.detail"
    BINDINGS: ClassVar[list[BindingType]] = keyed(
        "handover",
        [
            Binding("n", "annotate", t("shift.annotate")),
            Binding("ctrl+e", "export", t("shift.export")),
            Binding("escape,q", "app.pop_screen", t("detail.close")),
        ],
    )
    DEFAULT_CSS = """
    HandoverScreen #handover { padding: 0 1; }
    HandoverScreen .section { text-style: bold; color: $accent; padding-top: 1; }
    """

    def __init__(self, shift_id: str) -> None:
        super().__init__()
        self.shift_id = shift_id

    @property
    def desk(self) -> Desk:
        return desk_app(self).desk

    def compose(self) -> ComposeResult:
        yield StatusLine()
        with VerticalScroll(id="handover"):
            yield Static(id="handover-head")
            yield Static("", classes="section", id="handover-items-title")
            yield Static(id="handover-items")
            yield Static(t("shift.events"), classes="section")
            yield Static(id="handover-events")
        yield DeskFooter()

    def on_mount(self) -> None:
        self.load()

    @desk_work(exclusive=True)
    def load(self) -> None:
        view = shifts.handover_view(self.desk, self.shift_id)
        self.app.call_from_thread(self._show, view)

    def _show(self, view: shifts.HandoverView) -> None:
        tz, names, shift = self.desk.tz, view.staff_names, view.shift
        head = PlainGrid.grid(padding=(0, 2))
        head.add_column(style="bold", no_wrap=True)
        head.add_column()
        for label, value in (
            (t("shift.handler"), names.get(shift.staff_id, "")),
            (t("shift.terminal"), f"{shift.hall_code}-{shift.terminal_code}"),
            (t("shift.opened_at"), format_local(shift.opened_at, tz)),
            (t("shift.closed_at"), format_local(shift.closed_at, tz)),
            (t("shift.status"), t(f"shift_status.{shift.status}")),
            (t("shift.incoming"), names.get(shift.incoming_staff_id or "", "")),
            (t("shift.counts_label"), t("shift.counts", **view.counts.__dict__)),
            (t("shift.note"), shift.note),
        ):
            head.add_row(label, value)
        self.query_one("#handover-head", Static).update(head)
        self.query_one("#handover-items-title", Static).update(
            t("shift.items", count=len(view.items))
        )
        # Each item on two lines, its note on the second at the full width: the note is what
        # the next person reads, and a table column for it folds to a few characters at 80.
        lines: list[Text] = []
        now = self.desk.clock.now()
        for item, ticket, customer, phone in view.items:
            clock = view.clocks.get(item.complaint_id)
            lines.append(handover_item_line(self.desk, item, ticket, customer, phone, clock, now))
            lines.append(Text(f"  → {item.note}"))
        self.query_one("#handover-items", Static).update(Group(*lines))
        events = PlainGrid.grid(padding=(0, 2))
        for event in view.events:
            events.add_row(
                format_local(event.at, tz),
                t(f"shift_event.{event.kind}"),
                names.get(event.actor_id, event.actor_id),
                event.note,
            )
        self.query_one("#handover-events", Static).update(events)

    def action_annotate(self) -> None:
        desk, actor = self.desk, signed_in_actor(self)
        spec = DialogSpec(t("shift.annotate"), [FieldSpec("note", t("field.note"), "area")])

        def submit(values: dict[str, Any]) -> None:
            shifts.annotate(desk, actor, self.shift_id, values["note"])

        def load_if_done(done: bool | None) -> None:
            if done:
                self.load()

        self.app.push_screen(ActionDialog(spec, submit), load_if_done)

    def action_export(self) -> None:
        self._export()

    @desk_work(group="export")
    def _export(self) -> None:
        path = shifts.export_handover(self.desk, self.shift_id, desk_app(self).export_dir)
        self.app.call_from_thread(self.notify, t("shift.exported", path=str(path)), timeout=10)
