"""查询投诉: one box for ticket number, phone, last four digits, name or content words.
Rows are read a page at a time from SQL; the table never holds a whole large result."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar
from zoneinfo import ZoneInfo

from rich.cells import cell_len
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.timer import Timer
from textual.widgets import DataTable, Input

from deskapp.domain.enums import Status
from deskapp.domain.errors import RuleViolation
from deskapp.domain.phone import mask_phone
from deskapp.i18n import error_text, t
from deskapp.screens.boundary import desk_work
from deskapp.screens.desk_app import desk_app
from deskapp.screens.detail import DetailScreen
from deskapp.screens.keys import keyed
from deskapp.screens.widgets.desk_footer import DeskFooter
from deskapp.screens.widgets.filter_dialog import ask_filter, filter_words
from deskapp.screens.widgets.mode_screen import ModeScreen
from deskapp.screens.widgets.plain import Static
from deskapp.screens.widgets.plain_table import PlainTable
from deskapp.screens.widgets.status_line import StatusLine
from deskapp.services.desk import Desk
from deskapp.services.search import PAGE_SIZE, SearchPage, search
from deskapp.services.ticket_filter import NO_FILTER, TicketFilter

SEARCH_DELAY = 0.25  # seconds after the last key before querying
CUSTOMER_WIDTH = 6  # three Chinese characters: most names; longer ones end in …


def short_time(moment: datetime, tz: ZoneInfo, this_year: int) -> str:
    """11-24 10:05 this year, 2025-11-24 before: the list is for recognising, not reading."""
    local = moment.astimezone(tz)
    return local.strftime("%m-%d %H:%M" if local.year == this_year else "%Y-%m-%d")


def fit(text: str, width: int) -> str:
    """The text in `width` cells, ending in … when cut (never half a Chinese character)."""
    if cell_len(text) <= width:
        return text
    kept = ""
    for char in text:
        if cell_len(kept + char) > width - 1:
            break
        kept += char
    return kept + "…"


class SearchScreen(ModeScreen):
    TITLE_KEY = "search.title"
    CSS_PATH = "search.tcss"
    AUTO_FOCUS = "#query"
    BINDINGS: ClassVar[list[BindingType]] = keyed(
        "search",
        [
            Binding("ctrl+f", "focus_query", t("key.focus_search")),
            Binding("ctrl+l", "filter", t("filter.title"), show=False),  # in F1 and Ctrl+P
            # F3 on F3: back to the search box, what was typed selected for the next search.
            Binding(
                "f3", "focus_query", t("key.focus_search"), show=False, id="search.focus_query_f3"
            ),
            Binding("pagedown", "more", t("key.more"), show=False),
            Binding("enter", "open_detail", t("key.detail")),
        ],
    )

    def __init__(self) -> None:
        super().__init__()
        self._query = ""
        self._offset = 0
        self._has_more = False
        self._ids: list[str] = []
        self._timer: Timer | None = None
        self.filters = NO_FILTER  # 筛选 (Ctrl+L): severity, escalation level, flag, channel

    @property
    def desk(self) -> Desk:
        return desk_app(self).desk

    def compose(self) -> ComposeResult:
        yield StatusLine()
        yield Input(placeholder=t("search.placeholder"), id="query", max_length=100)
        yield Static("", id="search-info")
        table: DataTable[str] = PlainTable(id="results", cursor_type="row", zebra_stripes=True)
        yield table
        yield DeskFooter()

    def on_mount(self) -> None:
        table = self.query_one("#results", DataTable)
        # Fixed columns fit 78 cells (80 minus the scroll bar); the content snippet takes what
        # is left and is cut at the edge (no sideways scrolling: the detail shows it all).
        status_width = max(cell_len(t(f"status.{s.value}")) for s in Status)
        for key, width in (
            ("col_ticket", 22),
            ("col_received", 11),
            ("col_customer", CUSTOMER_WIDTH),
            ("col_phone", 13),
            ("col_severity", 4),
            ("col_status", status_width),
            ("col_content", None),
        ):
            table.add_column(t(f"search.{key}"), width=width, key=key)
        self.run_search("")

    def reload_on_return(self) -> None:
        self.run_search(self._query)  # a complaint may have been taken meanwhile
        if self._detail_open:  # back from a ticket's detail: on the row it was opened from
            self._detail_open = False
        else:  # back to F3 from another screen: the cursor in the box, to type the next one
            self.action_focus_query()

    _detail_open = False

    @on(Input.Changed, "#query")
    def _typed(self, event: Input.Changed) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(SEARCH_DELAY, lambda: self.run_search(event.value))

    @on(Input.Submitted, "#query")
    def _submitted(self, event: Input.Submitted) -> None:
        if self._timer is not None:
            self._timer.stop()
        self.run_search(event.value)
        # To the results once they are there; a search that found nothing keeps the cursor in
        # the box, to correct the query (`_show`).
        self._results_wanted = True

    _results_wanted = False  # Enter was pressed in the box: focus follows the results

    def run_search(self, query: str) -> None:
        self._query = query
        self._offset = 0
        self.fetch(query, 0)

    @desk_work(exclusive=True, group="search")
    def fetch(self, query: str, offset: int) -> None:
        try:
            page = search(self.desk, query, offset=offset, limit=PAGE_SIZE, filters=self.filters)
        except RuleViolation as refused:  # a query no stored text could hold: say why
            self.app.call_from_thread(self._refused, query, refused)
            return
        self.app.call_from_thread(self._show, query, page)

    def _refused(self, query: str, refused: RuleViolation) -> None:
        if query != self._query:
            return
        self.query_one("#results", DataTable).clear()
        self._ids = []
        self._has_more = False
        self._results_wanted = False  # the cursor stays in the box, to correct the query
        self.query_one("#search-info", Static).update(f"✗ {error_text(refused.errors[0])}")

    def _show(self, query: str, page: SearchPage) -> None:
        if query != self._query:
            return
        table = self.query_one("#results", DataTable)
        tz = self.desk.tz
        this_year = self.desk.clock.now().astimezone(tz).year
        if page.offset == 0:
            table.clear()
            self._ids = []
        for row in page.rows:
            severity = t(f"severity.{row.severity}")
            table.add_row(
                row.ticket_no,
                short_time(row.received_at, tz, this_year),
                fit(row.customer_name, CUSTOMER_WIDTH),
                mask_phone(row.contact_phone),
                severity,
                t(f"status.{row.status}"),
                row.content.replace("\n", " "),
                key=row.id,
            )
            self._ids.append(row.id)
        self._offset = page.offset + len(page.rows)
        self._has_more = page.has_more
        kind = t(f"search.kind_{page.kind.value}")
        if not self._ids:
            info = f"{kind} · {t('search.no_results')}"
        elif page.has_more:
            info = f"{kind} · {t('search.more', count=len(self._ids))}"
        else:
            info = f"{kind} · {t('search.count', count=len(self._ids))}"
        words = filter_words(self.desk, self.filters)  # the filter in force, always said
        self.query_one("#search-info", Static).update(f"{info} · {words}" if words else info)
        if page.offset == 0 and self._results_wanted:
            self._results_wanted = False
            self.query_one("#results" if self._ids else "#query").focus()

    @on(DataTable.RowHighlighted, "#results")
    def _near_end(self, event: DataTable.RowHighlighted) -> None:
        # Load the next page as the cursor approaches the end (never the whole result).
        if self._has_more and event.cursor_row >= len(self._ids) - 5:
            self._has_more = False
            self.fetch(self._query, self._offset)

    def action_more(self) -> None:
        table = self.query_one("#results", DataTable)
        if self._has_more:
            self._has_more = False
            self.fetch(self._query, self._offset)
        table.action_page_down()

    def action_filter(self) -> None:
        """筛选: a dialog of four choices; applied, the search runs again under it."""

        def apply(chosen: TicketFilter) -> None:
            self.filters = chosen
            self.run_search(self._query)

        ask_filter(self.app, self.desk, self.filters, apply)

    def action_focus_query(self) -> None:
        box = self.query_one("#query", Input)
        box.focus()
        box.select_all()

    @on(DataTable.RowSelected, "#results")
    def action_open_detail(self) -> None:
        table = self.query_one("#results", DataTable)
        if not self._ids or table.cursor_row < 0:
            return
        self._detail_open = True
        self.app.push_screen(DetailScreen(self._ids[table.cursor_row]))
