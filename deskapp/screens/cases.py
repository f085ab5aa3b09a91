"""案例库: the cases managers marked (K in a closed ticket's detail), for everyone to learn
from and for the morning meeting (早班会案例分析). Found by category (the cause tree's first
two levels) and words, a page at a time read from SQL; the case under the cursor shows its
summary, its lesson and the ticket's facts, as the page prints them (never what was typed on
the ticket). A case whose stored text holds personal data is marked (⚠) and its text withheld
until a manager edits it (E). Ctrl+E writes the meeting's page to the export folder (a duty
or hall manager's: the service refuses and audits anyone else)."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import DataTable, Input, Select
from textual.worker import Worker

from deskapp.domain.categories import SEPARATOR
from deskapp.domain.clean_input import printable
from deskapp.domain.errors import RuleViolation
from deskapp.domain.permissions import Permission, allowed
from deskapp.domain.timefmt import format_local
from deskapp.i18n import error_text, t
from deskapp.incidents import Fault
from deskapp.screens.boundary import desk_work
from deskapp.screens.case_dialog import case_dialog
from deskapp.screens.desk_app import desk_app, signed_in_actor
from deskapp.screens.keys import keyed
from deskapp.screens.search import fit
from deskapp.screens.widgets.action_dialog import ActionDialog
from deskapp.screens.widgets.confirm import ConfirmScreen
from deskapp.screens.widgets.desk_footer import DeskFooter
from deskapp.screens.widgets.mode_screen import ModeScreen
from deskapp.screens.widgets.plain import Static
from deskapp.screens.widgets.plain_table import PlainTable
from deskapp.screens.widgets.status_line import StatusLine
from deskapp.services.cases import (
    CASE_PAGE,
    CaseEditedMeanwhile,
    CasePage,
    CaseView,
    case_categories,
    case_facts,
    case_page,
    edit_case,
    export_cases,
    retire_case,
    shown_text,
    warm_checker,
)
from deskapp.services.desk import Desk

WORDS_LIMIT = 100


class CasesScreen(ModeScreen):
    TITLE_KEY = "cases.title"
    AUTO_FOCUS = "#cases-table"
    BINDINGS: ClassVar[list[BindingType]] = keyed(
        "cases",
        [
            # Ctrl+E exports on every desk screen; the words box's own Ctrl+E (to the end)
            # is also its End key.
            Binding("ctrl+e", "export", t("cases.export"), priority=True),
            Binding("ctrl+n", "page(1)", t("cases.next")),
            Binding("ctrl+b", "page(-1)", t("cases.previous")),
            # A manager takes the case under the cursor out of the library (kept, never
            # deleted; the ticket may be marked again): the second of two cases of one ticket
            # marked on two terminals apart, which the conflicts tab points here for.
            Binding("ctrl+d", "retire", t("cases.retire")),
            # A manager rewrites the summary and lesson of the case under the cursor (a case
            # marked before the summary existed, or one whose text the page withholds).
            Binding("e", "edit", t("cases.edit")),
        ],
    )
    # The managers' keys: hidden from a handler (check_action), and said whose they are when
    # a handler presses one (DeskApp.run_action), as F10 and F11 are.
    ROLE_ACTIONS: ClassVar[dict[str, tuple[Permission, str]]] = {
        "export": (Permission.MARK_CASE, "cases.export"),
        "retire": (Permission.MARK_CASE, "cases.retire"),
        "edit": (Permission.MARK_CASE, "cases.edit"),
    }
    DEFAULT_CSS = """
    CasesScreen #cases-filters { height: 3; }
    CasesScreen #cases-category { width: 30; }
    CasesScreen #cases-words { width: 1fr; }
    CasesScreen #cases-table { height: 1fr; }
    CasesScreen #cases-detail { height: auto; max-height: 9; padding: 0 1; }
    CasesScreen #cases-line { padding: 0 1; color: $text-muted; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.category = ""
        self.words = ""
        self.current: CasePage | None = None

    @property
    def desk(self) -> Desk:
        return desk_app(self).desk

    def compose(self) -> ComposeResult:
        yield StatusLine()
        with Horizontal(id="cases-filters"):
            yield Select[str]([], prompt=t("cases.all_categories"), id="cases-category")
            yield Input(placeholder=t("cases.words"), id="cases-words", max_length=WORDS_LIMIT)
        table: DataTable[str] = PlainTable(id="cases-table", cursor_type="row", zebra_stripes=True)
        yield table
        yield Static("", id="cases-detail")
        yield Static("", id="cases-line")
        yield DeskFooter()

    def on_mount(self) -> None:
        table = self.query_one("#cases-table", DataTable)
        for key, width in (("col_received", 10), ("col_category", 10), ("col_cause", 22),
                           ("col_lesson", None)):  # fmt: skip
            table.add_column(t(f"cases.{key}"), width=width, key=key)
        warm_checker()  # the page's texts are checked with jieba (a first load takes ~2 s)
        self.load(0, with_categories=True)

    def reload_on_return(self) -> None:
        self.load(self.current.offset if self.current else 0)  # a case may have been marked

    @desk_work(exclusive=True, group="cases")
    def load(self, offset: int, *, with_categories: bool = False) -> None:
        # Shown while the page is read: the first one waits on jieba, the table was blank.
        self.app.call_from_thread(self._loading, True)
        if with_categories:  # the cause tree (reference data), read off the screen's thread
            categories = case_categories(self.desk)
            self.app.call_from_thread(
                self.query_one("#cases-category", Select).set_options, categories
            )
        try:
            page = case_page(self.desk, self.category, self.words, offset, CASE_PAGE)
        except RuleViolation as refused:  # words no stored text could hold: say why
            self.app.call_from_thread(self._refused, refused)
            return
        self.app.call_from_thread(self._show, page)

    def _loading(self, loading: bool) -> None:
        self.query_one("#cases-table", DataTable).loading = loading

    def _refused(self, refused: RuleViolation) -> None:
        """Said under the list, the words kept in their box to be corrected."""
        self._loading(False)
        self.query_one("#cases-line", Static).update(f"✗ {error_text(refused.errors[0])}")

    def _show(self, page: CasePage) -> None:
        self._loading(False)
        self.current = page
        table = self.query_one("#cases-table", DataTable)
        table.clear()
        for i, case in enumerate(page.rows):
            # The cause below its category (the category has a column of its own).
            below = case.cause.partition(SEPARATOR)[2] or case.cause
            table.add_row(
                format_local(case.received_at, self.desk.tz)[:10], fit(case.category, 10),
                fit(below, 22), ("" if case.in_force else t("cases.not_in_force"))
                + (t("cases.withheld_mark") if case.withheld else "")
                + printable(shown_text(case, "lesson")).replace("\n", " "), key=str(i),
            )  # fmt: skip
        line = self.query_one("#cases-line", Static)
        if page.rows:
            where = t("cases.more", first=page.offset + 1, last=page.offset + len(page.rows))
        else:
            where = t("cases.empty")
        hint = "cases.hint" if self.check_action("export", ()) else "cases.hint_read"
        line.update(f"{where}  {t(hint)}")
        self._describe(page.rows[0] if page.rows else None)

    def _describe(self, case: CaseView | None) -> None:
        detail = self.query_one("#cases-detail", Static)
        detail.display = case is not None
        if case is not None:
            detail.update("\n".join((
                t("cases.summary", text=printable(shown_text(case, "summary"))),
                t("cases.lesson", text=printable(shown_text(case, "lesson"))),
                *case_facts(self.desk, case),
            )))  # fmt: skip

    @on(DataTable.RowHighlighted, "#cases-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        page = self.current
        if page is not None and 0 <= event.cursor_row < len(page.rows):
            self._describe(page.rows[event.cursor_row])

    @on(Select.Changed, "#cases-category")
    def _category(self, event: Select.Changed) -> None:
        value = event.value
        self.category = value if isinstance(value, str) else ""
        self.load(0)

    @on(Input.Submitted, "#cases-words")
    def _words(self, event: Input.Submitted) -> None:
        self.words = event.value
        self.load(0)
        self.query_one("#cases-table", DataTable).focus()

    def action_page(self, step: int) -> None:
        page = self.current
        if page is None:
            return
        if step > 0 and page.has_more:
            self.load(page.offset + CASE_PAGE)
        elif step < 0 and page.offset > 0:
            self.load(max(0, page.offset - CASE_PAGE))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.ROLE_ACTIONS:  # the managers' (the service says so too)
            actor = desk_app(self).actor
            return actor is not None and allowed(actor, self.ROLE_ACTIONS[action][0])
        return True

    def action_export(self) -> None:
        self._export()

    @desk_work(group="export")
    def _export(self) -> None:
        path = export_cases(self.desk, signed_in_actor(self), desk_app(self).export_dir,
                            self.category, self.words)  # fmt: skip
        self.app.call_from_thread(self.notify, t("cases.exported", path=str(path)), timeout=10)

    def action_retire(self) -> None:
        page = self.current
        row = self.query_one("#cases-table", DataTable).cursor_row
        if page is None or not 0 <= row < len(page.rows):
            return
        case = page.rows[row]

        def answer(yes: bool | None) -> None:
            if yes:
                self._retire(case.id)

        # Asked first (issue 18): one key used to take the case out of the library at once.
        body = t("cases.confirm_retire", ticket_no=case.ticket_no, lesson=printable(case.lesson))
        self.app.push_screen(ConfirmScreen(t("cases.retire"), body), answer)

    def action_edit(self) -> None:
        """E: the summary and the lesson of the case under the cursor, in the dialog K marks
        with (checked when saved; Esc asks before dropping what was typed)."""
        page = self.current
        row = self.query_one("#cases-table", DataTable).cursor_row
        if page is None or not 0 <= row < len(page.rows):
            return
        case = page.rows[row]
        desk, actor = self.desk, signed_in_actor(self)
        spec = case_dialog(t("cases.edit"), case.summary, case.lesson)
        seen = [(case.summary, case.lesson)]  # the version the edit is made from

        def submit(values: dict[str, str]) -> None:
            try:
                edit_case(desk, actor, case.id, values["summary"], values["lesson"],
                          seen=seen[0])  # fmt: skip
            except CaseEditedMeanwhile as meanwhile:
                # Changed at another desk since the dialog opened: what was typed stays, a
                # text left as read takes the other's, the next Ctrl+S saves over what is shown.
                seen[0] = meanwhile.current
                now = dict(zip(("summary", "lesson"), meanwhile.current, strict=True))
                for part in meanwhile.taken:
                    self.app.call_from_thread(dialog.set_value, part, now[part])
                raise

        def done(saved: bool | None) -> None:
            if saved:
                self.notify(t("cases.edited"))
                self.reload_on_return()

        dialog = ActionDialog(spec, submit)
        self.app.push_screen(dialog, done)

    # Its own group: the screen's read on coming back from the question is exclusive in
    # "cases" and would cancel a retirement started in that group before it ran.
    @desk_work(group="retire")
    def _retire(self, case_id: str) -> None:
        retire_case(self.desk, signed_in_actor(self), case_id)
        self.app.call_from_thread(self.notify, t("cases.retired"))
        self.app.call_from_thread(self.reload_on_return)

    def work_failed(self, worker: Worker[object], fault: Fault) -> bool:
        if worker.group in ("cases", "retire"):
            self._loading(False)
            self.query_one("#cases-line", Static).update(fault.message)
            return True
        return False
