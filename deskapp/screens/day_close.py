"""结束营业: the day's checklist from the records (each gap with Enter to go and fix it), the
daily work record, and the duty manager's sign-off with their PIN."""

from __future__ import annotations

import time
from datetime import date
from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import DataTable
from textual.worker import Worker

from deskapp.domain.enums import Satisfaction
from deskapp.domain.timefmt import local_day
from deskapp.i18n import t
from deskapp.screens.boundary import desk_work
from deskapp.screens.desk_app import SignedIn, desk_app
from deskapp.screens.keys import keyed
from deskapp.screens.widgets.action_dialog import ActionDialog, DialogSpec, FieldSpec
from deskapp.screens.widgets.desk_footer import DeskFooter
from deskapp.screens.widgets.mode_screen import ModeScreen
from deskapp.screens.widgets.plain import Static
from deskapp.screens.widgets.plain_table import PlainTable
from deskapp.screens.widgets.status_line import StatusLine
from deskapp.services import day_close
from deskapp.services.day_close import Checklist, Gap, WorkRecord

MAX_GAP_LINES = 10  # more gaps than this scroll inside the table


class DayCloseScreen(SignedIn, ModeScreen):
    TITLE_KEY = "day.title"
    AUTO_FOCUS = "#gaps"
    BINDINGS: ClassVar[list[BindingType]] = keyed(
        "day",
        [
            Binding("enter", "fix", t("key.detail"), show=False),
            Binding("ctrl+b", "sign", t("day.sign")),
            Binding("ctrl+e", "export", t("day.export")),
            Binding("ctrl+r", "reload", t("key.more"), show=False),
        ],
    )
    DEFAULT_CSS = """
    DayCloseScreen #day { padding: 0 1; }
    DayCloseScreen #day-rules { padding-top: 1; }
    DayCloseScreen #day-state { padding: 1 0 0 0; text-style: bold; }
    DayCloseScreen #day-record { padding-top: 1; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.listing: Checklist | None = None

    @property
    def day(self) -> date:
        return local_day(self.desk.clock.now(), self.desk.tz)

    def compose(self) -> ComposeResult:
        yield StatusLine()
        with VerticalScroll(id="day", can_focus=False):
            yield Static(id="day-rules")
            yield Static("", id="day-state")
            yield PlainTable(id="gaps", cursor_type="row", show_header=False)
            yield Static(id="day-record")
        yield DeskFooter()

    def on_mount(self) -> None:
        self.query_one("#gaps", DataTable).add_columns("", "")
        self.action_reload()

    def reload_on_return(self) -> None:
        self.action_reload()

    def action_reload(self) -> None:
        self.load(self.day)

    @desk_work(exclusive=True, group="day")
    def load(self, day: date) -> None:
        listing = day_close.checklist(self.desk, day)
        record = day_close.work_record(self.desk, day)
        signed = day_close.signed_off(self.desk, day)
        names = {}
        if signed is not None:
            from deskapp.services.staff import list_staff

            names = {s.id: s.name for s in list_staff(self.desk, active_only=False)}
        self.app.call_from_thread(self._show, listing, record, signed, names)

    def _show(
        self, listing: Checklist, record: WorkRecord, signed: Any, names: dict[str, str]
    ) -> None:
        self.listing = listing
        rules = Table.grid(padding=(0, 1))
        for rule, ok in listing.rules_ok().items():
            mark = Text("✓", style="green") if ok else Text("✗", style="bold red")
            rules.add_row(mark, t(f"day.rule_{rule}"))
        self.query_one("#day-rules", Static).update(rules)
        state = self.query_one("#day-state", Static)
        if signed is not None:
            state.update(
                Text(
                    t(
                        "day.signed",
                        day=listing.day.isoformat(),
                        name=names.get(signed.signed_off_by, ""),
                    ),
                    style="green",
                )
            )
        elif listing.complete:
            state.update(Text(t("day.complete"), style="green"))
        else:
            state.update(Text(t("day.incomplete", count=len(listing.gaps)), style="yellow"))
        table = self.query_one("#gaps", DataTable)
        table.clear()
        for gap in listing.gaps:
            table.add_row(
                Text("✗", style="bold red"), t(f"error.day.gap_{gap.rule}", label=gap.label)
            )
        table.display = bool(listing.gaps)
        # One line per gap, set here rather than `height: auto`: the table learns its own
        # height only when idle, and a frame drawn before that showed it empty.
        table.styles.height = min(len(listing.gaps), MAX_GAP_LINES)
        summary = Table.grid(padding=(0, 2))
        summary.add_column(style="bold")
        summary.add_column()
        summary.add_row(t("day.taken"), f"{record.taken}({t('day.on_spot')} {record.on_spot})")
        summary.add_row(t("day.closed"), str(record.closed))
        summary.add_row(
            t("day.refunds"), t("day.refund_total", count=record.refunds, total=record.refund_total)
        )
        summary.add_row(t("day.escalations"), str(record.escalations))
        summary.add_row(t("day.visits"), str(record.visits))
        summary.add_row(t("day.opinion_entries"), str(record.opinion_entries))
        summary.add_row(
            t("day.by_channel"),
            "、".join(f"{t(f'channel.{k}')} {v}" for k, v in sorted(record.by_channel.items()))
            or "—",
        )
        summary.add_row(
            t("day.by_severity"),
            "、".join(f"{t(f'severity.{k}')} {v}" for k, v in sorted(record.by_severity.items()))
            or "—",
        )
        self.query_one("#day-record", Static).update(summary)

    def _gap(self) -> Gap | None:
        table = self.query_one("#gaps", DataTable)
        if self.listing is None or not self.listing.gaps:
            return None
        if not 0 <= table.cursor_row < len(self.listing.gaps):
            return None
        return self.listing.gaps[table.cursor_row]

    @on(DataTable.RowSelected, "#gaps")
    def action_fix(self) -> None:
        """Go to the record that needs completing, or complete it here."""
        gap = self._gap()
        if gap is None:
            return
        if gap.rule in ("satisfaction", "outcome"):
            self._complete(gap)
        elif gap.target == "complaint":
            from deskapp.screens.detail import DetailScreen

            self.app.push_screen(DetailScreen(gap.target_id))
        elif gap.target == "opinion_book":
            self.app.switch_mode("opinion")
        elif gap.target == "shift":
            self.app.switch_mode("shift")
        elif gap.target == "sync":
            self._sync_then_reload()

    def _sync_then_reload(self) -> None:
        """The sync runs as the app's (one at a time, its outcome said by the app); once it
        ends, the list is read again, so a gap it closed leaves the screen."""
        worker = desk_app(self).sync_now()
        self.query_one("#gaps", DataTable).loading = True  # Textual's LoadingIndicator
        self._reload_after(worker)

    @desk_work(group="sync-then-reload")
    def _reload_after(self, worker: Worker[None]) -> None:
        while not worker.is_finished:  # (the app's worker: its outcome is the app's to say)
            time.sleep(0.05)
        self.app.call_from_thread(self._synced)

    def _synced(self) -> None:
        self.query_one("#gaps", DataTable).loading = False
        self.action_reload()

    def _complete(self, gap: Gap) -> None:
        desk, actor = self.desk, self.actor
        options = [(t(f"satisfaction.{s.value}"), s.value) for s in Satisfaction]
        fields = [FieldSpec("satisfaction", t("intake.satisfaction"), "select", options)]
        if gap.rule == "outcome":
            fields.insert(0, FieldSpec("outcome", t("intake.outcome"), "area"))

        def submit(values: dict[str, Any]) -> None:
            day_close.complete_record(
                desk,
                actor,
                gap.target_id,
                satisfaction=values["satisfaction"],
                outcome=values.get("outcome", ""),
            )

        spec = DialogSpec(f"{t('day.complete_title')} · {gap.label}", fields)
        # (Read again when the dialog closes: reload_on_return.)
        self.app.push_screen(ActionDialog(spec, submit))

    def action_sign(self) -> None:
        """The checklist is read again first: with gaps left the duty manager sees them (and
        is not asked for a PIN only to be refused); complete, the PIN is asked."""
        self._check_then_sign(self.day)

    @desk_work(exclusive=True, group="sign-check")
    def _check_then_sign(self, day: date) -> None:
        listing = day_close.checklist(self.desk, day)
        self.app.call_from_thread(self._sign_or_show_gaps, listing)

    def _sign_or_show_gaps(self, listing: Checklist) -> None:
        if not listing.complete:
            self.action_reload()
            self.notify(t("day.gaps_first", count=len(listing.gaps)), severity="warning")
            self.query_one("#gaps", DataTable).focus()
            return
        self._ask_pin()

    def _ask_pin(self) -> None:
        desk, day = self.desk, self.day
        spec = DialogSpec(f"{t('day.sign')} · {day.isoformat()}", [
            FieldSpec("work_no", t("shift.work_no"), max_length=16),
            FieldSpec("pin", t("shift.pin"), max_length=12, password=True),
        ])  # fmt: skip

        def submit(values: dict[str, Any]) -> None:
            day_close.sign_off(desk, day, values["work_no"], values["pin"])

        # (Read again when the dialog closes: reload_on_return.)
        self.app.push_screen(ActionDialog(spec, submit))

    def action_export(self) -> None:
        self._export(self.day)

    @desk_work(group="export")
    def _export(self, day: date) -> None:
        path = day_close.export_work_record(self.desk, day, desk_app(self).export_dir)
        self.app.call_from_thread(self.notify, t("day.exported", path=str(path)), timeout=10)
