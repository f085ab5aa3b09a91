"""意见簿: transcribe entries from the paper book, answer them, turn a complaint into a ticket.
Today's unprocessed entries come first; earlier ones still unprocessed are flagged overdue."""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import DataTable, Input, Select

from deskapp.domain.errors import RuleViolation
from deskapp.domain.timefmt import local_day
from deskapp.i18n import error_text, t
from deskapp.screens.boundary import desk_work
from deskapp.screens.desk_app import SignedIn, hall_today
from deskapp.screens.keys import keyed
from deskapp.screens.widgets.action_dialog import ActionDialog, DialogSpec, FieldSpec
from deskapp.screens.widgets.desk_footer import DeskFooter
from deskapp.screens.widgets.mode_screen import ModeScreen
from deskapp.screens.widgets.plain import Static
from deskapp.screens.widgets.plain_table import PlainTable
from deskapp.screens.widgets.status_line import StatusLine
from deskapp.services import opinion_book
from deskapp.services.intake import IntakeForm
from deskapp.services.opinion_book import EntryForm, EntryKind, EntryRow

KINDS = [(t(f"opinion.kind_{k.value}"), k.value) for k in EntryKind]


SCROLLBAR = 2
CONTENT_MIN = 10


class OpinionBookScreen(SignedIn, ModeScreen):
    TITLE_KEY = "opinion.title"
    AUTO_FOCUS = "#entries"
    BINDINGS: ClassVar[list[BindingType]] = keyed(
        "opinion",
        [
            Binding("n", "new_entry", t("opinion.new")),
            Binding("p", "process", t("opinion.process")),
            Binding("c", "to_complaint", t("opinion.to_complaint")),
            Binding("ctrl+f", "filter", t("key.focus_search"), show=False),
        ],
    )
    DEFAULT_CSS = """
    OpinionBookScreen #opinion-filter { height: 1; margin: 1 1 0 1; }
    OpinionBookScreen #opinion-filter Input { width: 1fr; margin-right: 1; }
    OpinionBookScreen #opinion-filter Select { width: 16; }
    OpinionBookScreen #opinion-info { height: 1; padding: 0 1; color: $text-muted; }
    OpinionBookScreen #entries { height: 1fr; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[EntryRow] = []
        self._more = False

    def compose(self) -> ComposeResult:
        yield StatusLine()
        with Horizontal(id="opinion-filter"):
            yield Input(placeholder=t("opinion.filter_words"), id="f-words", compact=True)
            yield Select(KINDS, id="f-kind", compact=True, prompt=t("opinion.col_kind"))
            yield Input(
                placeholder=f"{t('opinion.filter_from')} "
                f"{t('shift.date_hint', example=f'{hall_today(self).replace(day=1)}')}",
                id="f-from",
                compact=True,
                max_length=10,
            )
            yield Input(
                placeholder=f"{t('opinion.filter_to')} "
                f"{t('shift.date_hint', example=f'{hall_today(self)}')}",
                id="f-to",
                compact=True,
                max_length=10,
            )
        yield Static("", id="opinion-info")
        yield PlainTable(id="entries", cursor_type="row", zebra_stripes=True)
        yield DeskFooter()

    def on_mount(self) -> None:
        table = self.query_one("#entries", DataTable)
        # The content takes what the others leave, so the reply stays in view at 80 columns
        # (an auto-sized content column pushed it off to the right).
        fixed = (("col_mark", 13), ("col_ref", 11), ("col_kind", 4), ("col_reply", 18))
        spare = (self.size.width or self.app.size.width) - SCROLLBAR
        content = max(CONTENT_MIN, spare - sum(w + 2 for _, w in fixed) - 2)
        widths = dict(fixed) | {"col_content": content}
        for key in ("col_mark", "col_ref", "col_kind", "col_content", "col_reply"):
            table.add_column(t(f"opinion.{key}"), width=widths[key], key=key)
        self.reload()

    def reload_on_return(self) -> None:
        self.reload()

    @on(Input.Changed, "#opinion-filter Input")
    @on(Select.Changed, "#f-kind")
    def reload(self) -> None:
        kind = self.query_one("#f-kind", Select).value
        self.fetch(
            self.query_one("#f-words", Input).value,
            "" if kind is Select.NULL else str(kind),
            self.query_one("#f-from", Input).value.strip(),
            self.query_one("#f-to", Input).value.strip(),
            0,
        )

    @desk_work(exclusive=True, group="entries")
    def fetch(self, words: str, kind: str, since: str, until: str, offset: int) -> None:
        try:
            rows, more = opinion_book.list_entries(
                self.desk, since=since, until=until, kind=kind, words=words, offset=offset
            )
        except RuleViolation as refused:  # a filter no stored text could match: say why
            self.app.call_from_thread(self._refused, refused)
            return
        today = local_day(self.desk.clock.now(), self.desk.tz)
        tickets = {}
        if any(r.complaint_id for r in rows):
            from deskapp.services.search import complaint_detail

            for r in rows:
                if r.complaint_id:
                    detail = complaint_detail(self.desk, r.complaint_id)
                    tickets[r.complaint_id] = detail.complaint.ticket_no if detail else ""
        self.app.call_from_thread(self._show, rows, more, offset, today, tickets)

    def _show(
        self, rows: list[EntryRow], more: bool, offset: int, today: date, tickets: dict[str, str]
    ) -> None:
        table = self.query_one("#entries", DataTable)
        if offset == 0:
            table.clear()
            self.rows = []
        for row in rows:
            if row.processed:
                mark = Text(t("opinion.processed"), style="green")
            elif row.written_on < today.isoformat():
                mark = Text(t("opinion.overdue"), style="bold red")
            else:
                mark = Text(t("opinion.today_unprocessed"), style="bold yellow")
            reply = (
                t("opinion.linked", ticket=tickets.get(row.complaint_id, ""))
                if row.complaint_id
                else row.reply
            )
            table.add_row(
                mark,
                f"{row.written_on[5:]} {row.page}/{row.line}",
                t(f"opinion.kind_{row.kind}"),
                row.content.replace("\n", " "),
                reply,
                key=row.id,
            )
            self.rows.append(row)
        self._more = more
        open_rows = [r for r in self.rows if not r.processed]
        overdue = [r for r in open_rows if r.written_on < today.isoformat()]
        self.query_one("#opinion-info", Static).update(
            t("opinion.summary", count=len(self.rows), open=len(open_rows), overdue=len(overdue))
        )

    def _refused(self, refused: RuleViolation) -> None:
        self.query_one("#entries", DataTable).clear()
        self.rows = []
        self._more = False
        self.query_one("#opinion-info", Static).update(f"✗ {error_text(refused.errors[0])}")

    def _current(self) -> EntryRow | None:
        table = self.query_one("#entries", DataTable)
        if not self.rows or not 0 <= table.cursor_row < len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def action_filter(self) -> None:
        self.query_one("#f-words", Input).focus()

    def action_new_entry(self) -> None:
        desk, actor = self.desk, self.actor
        spec = DialogSpec(t("opinion.new"), [
            FieldSpec("written_on", t("opinion.written_on"), max_length=10,
                      placeholder=t("opinion.written_hint", example=f"{hall_today(self)}")),
            FieldSpec("page", t("opinion.page"), max_length=5),
            FieldSpec("line", t("opinion.line"), max_length=5),
            FieldSpec("kind", t("opinion.col_kind"), "select", KINDS, default="opinion"),
            FieldSpec("content", t("opinion.content"), "area"),
            FieldSpec("customer_name", t("opinion.customer_name"), max_length=40),
            FieldSpec("contact", t("opinion.contact"), max_length=30),
        ])  # fmt: skip

        def submit(values: dict[str, Any]) -> None:
            entry = opinion_book.add_entry(desk, actor, EntryForm(**values))
            self.app.call_from_thread(
                self.notify, t("opinion.added", page=entry.page, line=entry.line)
            )

        self.app.push_screen(ActionDialog(spec, submit), lambda ok: ok and self.reload())

    def action_process(self) -> None:
        row = self._current()
        if row is None:
            return
        desk, actor = self.desk, self.actor
        spec = DialogSpec(
            f"{t('opinion.process')} · {row.written_on} {row.page}/{row.line}",
            [FieldSpec("reply", t("opinion.reply"), "area", default=row.reply)],
            intro=row.content,
        )

        def submit(values: dict[str, Any]) -> None:
            opinion_book.process_entry(desk, actor, row.id, values["reply"])

        self.app.push_screen(ActionDialog(spec, submit), lambda ok: ok and self.reload())

    def action_to_complaint(self) -> None:
        """Open the intake form prefilled from the entry; saving links entry and ticket."""
        row = self._current()
        if row is None or row.complaint_id:
            return
        form = IntakeForm(
            channel="opinion_book",
            content=row.content,
            customer_name=row.customer_name,
            contact_phone=row.contact,
            opinion_entry_id=row.id,
        )
        app = self.app
        app.switch_mode("intake")

        def prefill() -> None:
            from deskapp.screens.intake import IntakeScreen

            screen = app.screen
            if isinstance(screen, IntakeScreen):
                screen.write_form(form)
                screen.notify(t("opinion.to_intake"))

        app.call_after_refresh(prefill)
