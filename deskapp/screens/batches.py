"""批量投诉: the batch incidents, for the duty and hall managers (F11's mode; Esc goes back to
the screen it was opened from). A opens one (an outage,
a bad promotion, or in advance with a marketing campaign and its scripts; the cause picked by
its words, as at intake); Enter closes the one under the cursor with one outcome, written onto
each of its tickets still being handled through the ordinary close, in the background with
the count and the time left on screen (the service says which the rules kept open, and why).
Below the list, the batch under the cursor in full (area, start, description, scripts)."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import timedelta
from typing import Any, ClassVar

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable
from textual.worker import Worker

from deskapp.domain.clean_input import printable
from deskapp.domain.errors import RuleViolation
from deskapp.domain.timefmt import format_local
from deskapp.i18n import t
from deskapp.incidents import Fault
from deskapp.screens.boundary import desk_work
from deskapp.screens.desk_app import desk_app, signed_in_actor
from deskapp.screens.keys import keyed
from deskapp.screens.queue_actions import responsible_fields
from deskapp.screens.search import fit
from deskapp.screens.textual_private import screen_stacks
from deskapp.screens.widgets.action_dialog import ActionDialog, DialogSpec, FieldSpec
from deskapp.screens.widgets.desk_footer import DeskFooter
from deskapp.screens.widgets.mode_screen import ModeScreen
from deskapp.screens.widgets.plain import Static
from deskapp.screens.widgets.plain_table import PlainTable
from deskapp.screens.widgets.status_line import StatusLine
from deskapp.services.batches import (
    BatchClosed,
    BatchForm,
    BatchView,
    batches,
    check_close,
    claim_close,
    close_batch,
    close_settled,
    closing_now,
    kept_party,
    open_batch,
)
from deskapp.services.desk import Actor, Desk
from deskapp.services.followup import ClosingFacts
from deskapp.services.staff import list_staff


class BatchScreen(ModeScreen):
    TITLE_KEY = "batch.title"
    BINDINGS: ClassVar[list[BindingType]] = keyed(
        "batch",
        [
            # Its id from before F11 was a mode (users' keymaps name it).
            Binding("escape,q", "app.leave_mode", t("customer.close"), id="batch.app_pop_screen"),
            Binding("a", "open_batch", t("batch.open")),
        ],
    )
    # The table's columns fit 80 columns (titles and causes cut with …, the batch in full
    # below): wider, the table grew a horizontal scroll bar, a dark bar above the hint line.
    DEFAULT_CSS = """
    BatchScreen #batch-table { height: 1fr; overflow-x: hidden; }
    BatchScreen #batch-detail { padding: 0 1; height: auto; max-height: 4; }
    BatchScreen #batch-progress { padding: 0 1; color: $warning; height: auto; }
    BatchScreen #batch-line { padding: 0 1; color: $text-muted; height: auto; }
    """
    TITLE_WIDTH = 16
    CAUSE_WIDTH = 12

    def __init__(self) -> None:
        super().__init__()
        self.views: list[BatchView] = []

    @property
    def desk(self) -> Desk:
        return desk_app(self).desk

    def compose(self) -> ComposeResult:
        yield StatusLine()
        table: DataTable[str] = PlainTable(id="batch-table", cursor_type="row", zebra_stripes=True)
        yield table
        yield Static("", id="batch-detail")
        progress = Static("", id="batch-progress")
        progress.display = False
        yield progress
        yield Static(t("batch.hint"), id="batch-line")
        yield DeskFooter()

    def on_mount(self) -> None:
        table = self.query_one("#batch-table", DataTable)
        for key in ("col_status", "col_title", "col_tickets", "col_cause", "col_started"):
            table.add_column(t(f"batch.{key}"), key=key)
        self.load()

    def synchronized(self) -> None:
        """Another desk on this store (or a sync) opened or closed a batch, or linked
        tickets: read again (DeskApp._brought_changes, as every screen that follows them)."""
        self.load()

    def reload_on_return(self) -> None:
        """A dialog was on top, or another mode shown: what others did meanwhile was not
        followed (ModeScreen calls it on each return)."""
        self.load()

    @desk_work(exclusive=True, group="batches")
    def load(self) -> None:
        views = batches(self.desk)
        self.app.call_from_thread(self._show, views)

    def _show(self, views: list[BatchView]) -> None:
        table = self.query_one("#batch-table", DataTable)
        at = table.cursor_row
        current = self.views[at].batch.id if 0 <= at < len(self.views) else None
        self.views = views
        table.clear()
        for i, v in enumerate(views):
            b = v.batch
            status = t(f"batch.status_{b.status}") + (f"·{t('batch.campaign_short')}" if b.campaign
                                                      else "")  # fmt: skip
            table.add_row(status, fit(printable(b.title), self.TITLE_WIDTH),
                          t("batch.tickets", total=v.tickets, open=v.open_tickets),
                          fit(self._cause(b.cause_code, full=False), self.CAUSE_WIDTH),
                          format_local(b.started_at, self.desk.tz)[5:],
                          key=str(i))  # fmt: skip
        ids = [v.batch.id for v in views]
        if current in ids:  # read again: the cursor stays on its batch
            table.move_cursor(row=ids.index(current))
        self._detail()
        table.focus()

    def _cause(self, code: str, *, full: bool) -> str:
        causes = self.desk.refdata.causes
        if code not in causes:
            return code
        path = causes.path(code)
        return path.label if full else path.label.split(" › ")[-1]

    @on(DataTable.RowHighlighted, "#batch-table")
    def _detail(self) -> None:
        """The batch under the cursor in full: what the cut columns leave out."""
        detail = self.query_one("#batch-detail", Static)
        row = self.query_one("#batch-table", DataTable).cursor_row
        if not self.views or not 0 <= row < len(self.views):
            detail.update(t("batch.none"))
            return
        b = self.views[row].batch
        parts = [
            f"{printable(b.title)} · {self._cause(b.cause_code, full=True)}",
            t("batch.detail_started", at=format_local(b.started_at, self.desk.tz)),
        ]
        if b.area:
            parts.append(t("batch.detail_area", area=printable(b.area)))
        lines = ["  ".join(parts)]
        if b.description:
            lines.append(printable(b.description).replace("\n", " "))
        if b.scripts:
            lines.append(t("batch.detail_scripts", text=printable(b.scripts).replace("\n", " ")))
        if b.outcome:
            lines.append(t("batch.detail_outcome", text=printable(b.outcome).replace("\n", " ")))
        detail.update("\n".join(lines))

    def action_open_batch(self) -> None:
        desk, actor = self.desk, signed_in_actor(self)
        fields = [
            FieldSpec("title", t("batch.field_title"), max_length=80),
            FieldSpec("cause_code", t("batch.field_cause"), "cause",
                      placeholder=t("batch.cause_placeholder")),
            FieldSpec("area", t("batch.field_area"), max_length=200),
            FieldSpec("started_at", t("batch.field_started"), placeholder=self._start_example(),
                      max_length=20),
            FieldSpec("description", t("batch.field_description"), "area"),
            FieldSpec("scripts", t("batch.field_scripts"), "area"),
            FieldSpec("campaign", t("batch.field_campaign"), "check", default=False),
        ]  # fmt: skip

        def submit(values: dict[str, Any]) -> None:
            open_batch(desk, actor, BatchForm(
                title=values["title"], cause_code=values["cause_code"],
                area=values["area"], started_at=values["started_at"],
                description=values["description"], scripts=values["scripts"],
                campaign=bool(values["campaign"])))  # fmt: skip

        spec = DialogSpec(t("batch.open"), fields, intro=t("batch.open_intro"),
                          causes=desk.refdata.causes)  # fmt: skip
        self.app.push_screen(ActionDialog(spec, submit), self._after)

    def _start_example(self) -> str:
        """Today-relative, like every time field: an hour ago, and today's 时:分 form."""
        example = self.desk.clock.now().astimezone(self.desk.tz) - timedelta(hours=1)
        return t("batch.started_example", example=example.strftime("%Y-%m-%d %H:00"),
                 short=example.strftime("%H:00"))  # fmt: skip

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
        # Desk-wide, not this screen's: a second desk on the store, or a new screen after
        # signing out and in while the close runs on, would write the tickets again.
        if closing_now(desk, batch.id):
            self.notify(t("batch.busy"), timeout=6)
            return
        checked: dict[str, str] = {}
        party: dict[str, ClosingFacts] = {}
        # A stored outcome no ticket has taken (a close refused or killed before its first
        # ticket) is asked again, offered in its fields: the manager may correct it.
        settled = close_settled(desk, batch.id)
        revise = bool(batch.outcome) and not settled

        def submit(values: dict[str, Any]) -> None:
            # Refusals (permission, outcome, the responsible party) are said in the dialog;
            # the close itself runs after it, in the background, with its progress here.
            party["party"] = ClosingFacts.of_fields(values)
            checked["typed"] = values.get("outcome", "")
            checked["outcome"] = check_close(desk, actor, batch.id, values.get("outcome", ""),
                                             party["party"], revise=revise)  # fmt: skip

        def done(confirmed: bool | None) -> None:
            if confirmed and "outcome" in checked:
                try:
                    claim_close(desk, batch.id)
                except RuleViolation:
                    self.notify(t("batch.busy"), timeout=6)
                else:
                    self._progress(0, view.open_tickets, 0.0)
                    self.close_tickets(actor, batch.id, checked["outcome"], party["party"],
                                       typed=checked["typed"], revise=revise)  # fmt: skip
            self.query_one("#batch-table", DataTable).focus()  # the list, while it runs

        if revise:
            kept = kept_party(batch)
            fields = [
                FieldSpec("outcome", t("batch.field_outcome"), "area", default=batch.outcome),
                *_offered(responsible_fields(desk), kept),
            ]
            intro = t("batch.close_intro") + "\n" + t("batch.outcome_unsettled")
        elif batch.outcome:
            # Closed before, or a close interrupted: its outcome is the batch's, shown and
            # written onto the tickets left open, not asked again; its party too (rules18c:
            # one incident, one party), asked only of a batch closed before it was kept.
            kept = kept_party(batch)
            fields = [] if kept else responsible_fields(desk)
            intro = (
                t("batch.close_intro")
                + "\n"
                + t("batch.outcome_kept", text=printable(batch.outcome).replace("\n", " "))
            )
            if kept:
                intro += "\n" + t("batch.party_kept", text=_party_words(desk, kept))
        else:
            fields = [
                FieldSpec("outcome", t("batch.field_outcome"), "area"),
                *responsible_fields(desk),
            ]
            intro = t("batch.close_intro")
        spec = DialogSpec(t("batch.close", title=printable(batch.title)), fields,
                          intro=intro)  # fmt: skip
        self.app.push_screen(ActionDialog(spec, submit), done)

    @desk_work(group="batch-close")
    def close_tickets(
        self,
        actor: Actor,
        batch_id: str,
        outcome: str,
        responsible: ClosingFacts,
        typed: str = "",
        revise: bool = False,
    ) -> None:
        """The close, off the screen's thread: the list and its keys answer meanwhile."""
        started = time.perf_counter()
        # The app, not self.app: Esc leaves this screen while the close goes on, and a screen
        # no longer shown has no app to reach.
        app, desk = self.app, self.desk

        def told(step: str, done: int, total: int | None) -> None:
            app.call_from_thread(self._progress, done, total or 0,
                                 time.perf_counter() - started)  # fmt: skip

        result = close_batch(desk, actor, batch_id, outcome, responsible, progress=told,
                             claimed=True, revise=revise)  # fmt: skip
        app.call_from_thread(self._tickets_closed, app, result, outcome if typed else "")

    def _progress(self, done: int, total: int, elapsed: float) -> None:
        if not self.is_attached:  # left with Esc: the close goes on, its count is not shown
            return
        line = self.query_one("#batch-progress", Static)
        line.display = True
        if done and total > done:
            left = t("batch.left", seconds=max(1, round(elapsed / done * (total - done))))
        else:
            left = t("batch.left_unknown") if total > done else ""
        line.update(t("batch.progress", done=done, total=total, left=left))

    def _tickets_closed(self, app: App[Any], result: BatchClosed, asked: str = "") -> None:
        """`asked`: the batch's outcome, when the dialog asked for one (the batch was open
        then): a close on another desk meanwhile is said, and that the words typed here
        were not applied (the counts alone, 0 and 0, said nothing of it)."""
        text = ""
        if asked and result.closed_before:
            text = t("batch.closed_elsewhere", outcome=printable(asked).replace("\n", " "))
        text += t("batch.closed", closed=len(result.closed), kept=len(result.skipped))
        if result.kept:
            text += t("batch.kept", tickets="、".join(
                f"{no}({t(why.key, **why.params)})" for no, why in result.kept))  # fmt: skip
        app.notify(text, timeout=15)  # said on whichever screen is shown now
        if self.is_attached:
            self.query_one("#batch-progress", Static).display = False
        # Every batch list open now, not only this one (F11 is one mode's screen now, but a
        # list read before the close ended must not show the batch open until revisited).
        for screen in screen_stacks(app):
            if isinstance(screen, BatchScreen) and screen.is_attached:
                screen.load()

    def _after(self, done: bool | None) -> None:
        if done:
            self.load()

    def work_failed(self, worker: Worker[object], fault: Fault) -> bool:
        if worker.group == "batch-close":
            # Not closed, or only in part (the tickets closed so far stay closed): said, and
            # Enter on the batch again closes the rest.
            self.query_one("#batch-progress", Static).update(fault.message)
            self.load()
            return True
        if worker.group == "batches":
            self.query_one("#batch-line", Static).update(fault.message)
            return True
        return False


def _party_words(desk: Desk, party: ClosingFacts) -> str:
    """The responsible party as the close dialog's fields would have named it."""
    words = [t(f"responsible_kind.{party.responsible}")] if party.responsible else []
    if party.department:
        found = desk.refdata.departments.get(party.department)
        words.append(found.name if found else party.department)
    if party.staff:
        words.append(next((f"{s.work_no} {s.name}" for s in list_staff(desk)
                           if s.id == party.staff), party.staff))  # fmt: skip
    if party.note:
        words.append(printable(party.note).replace("\n", " "))
    return " ".join(words)


def _offered(fields: list[FieldSpec], party: ClosingFacts | None) -> list[FieldSpec]:
    """The responsible party's fields holding the stored party, offered to be corrected."""
    if party is None:
        return fields
    stored = {
        "responsible_kind": party.responsible,
        "responsible_department": party.department,
        "responsible_staff": party.staff,
        "responsible_note": party.note,
    }
    return [replace(f, default=stored[f.name] or None) if f.name in stored else f for f in fields]
