"""客户历史: the customer in front of the counter, one key away from intake (Ctrl+Y once the
phone is typed) and from any ticket's detail (H). Newest first, a page at a time read from SQL
(N / P); the watch-list entry on top, unless the signed-in staff member is the one this
customer's complaints accuse (the service decides: deskapp/services/customer.py)."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Static
from textual.worker import Worker

from deskapp.domain.clean_input import printable
from deskapp.domain.phone import mask_phone
from deskapp.domain.timefmt import format_local
from deskapp.i18n import t
from deskapp.incidents import Fault
from deskapp.screens.boundary import WorkBoundary, desk_work
from deskapp.screens.desk_app import desk_app
from deskapp.screens.keys import keyed
from deskapp.screens.widgets.desk_footer import DeskFooter
from deskapp.screens.widgets.status_line import StatusLine
from deskapp.services.customer import HISTORY_PAGE, HistoryPage, WatchView, customer_history
from deskapp.services.desk import Desk


def watch_lines(watch: WatchView, *, full: bool) -> list[str]:
    """The watch-list entry in the handler's words: what to do and whom to call; with
    `full`, also what was solved and what was refused (两解、两不理)."""
    lines = [
        t("customer.watch", kind=t(f"watch_kind.{watch.kind}"), advice=printable(watch.advice))
    ]
    if full:
        if watch.solved:
            lines.append(t("customer.watch_solved", text=printable(watch.solved)))
        if watch.refused:
            lines.append(t("customer.watch_refused", text=printable(watch.refused)))
        lines.append(
            t("customer.watch_meta", handler=watch.designated_handler or "—",
              review_on=watch.review_on)
        )  # fmt: skip
    return lines


class CustomerHistoryScreen(WorkBoundary, Screen[None]):
    TITLE_KEY = "customer.screen"
    BINDINGS: ClassVar[list[BindingType]] = keyed(
        "customer",
        [
            Binding("escape,q", "app.pop_screen", t("customer.close")),
            Binding("n", "page(1)", t("customer.next")),
            Binding("p", "page(-1)", t("customer.previous")),
        ],
    )
    DEFAULT_CSS = """
    CustomerHistoryScreen #history-head { padding: 0 1; text-style: bold; }
    CustomerHistoryScreen #history-watch { padding: 0 1; color: $warning; height: auto; }
    CustomerHistoryScreen #history-table { height: 1fr; }
    CustomerHistoryScreen #history-more { padding: 0 1; color: $text-muted; }
    """

    def __init__(self, key_text: str, *also: str) -> None:
        super().__init__()
        self.key_text = key_text
        self.also = tuple(also)  # the customer's other numbers (the service number)
        self.start = 0
        self.current: HistoryPage | None = None

    @property
    def desk(self) -> Desk:
        return desk_app(self).desk

    def compose(self) -> ComposeResult:
        yield StatusLine()
        yield Static("", id="history-head")
        yield Static("", id="history-watch")
        table: DataTable[str] = DataTable(id="history-table", cursor_type="row", zebra_stripes=True)
        yield table
        yield Static("", id="history-more")
        yield DeskFooter()

    def on_mount(self) -> None:
        table = self.query_one("#history-table", DataTable)
        for key in ("col_at", "col_kind", "col_ticket", "col_text"):
            table.add_column(t(f"customer.{key}"), key=key)
        self.query_one("#history-watch").display = False
        self.load(0)

    @desk_work(exclusive=True, group="history")
    def load(self, offset: int) -> None:
        actor = desk_app(self).actor
        if actor is None:
            return
        page = customer_history(
            self.desk, actor, self.key_text, offset, HISTORY_PAGE, also=self.also
        )
        self.app.call_from_thread(self._show, page)

    def _show(self, page: HistoryPage | None) -> None:
        self.current = page
        head = self.query_one("#history-head", Static)
        table = self.query_one("#history-table", DataTable)
        table.clear()
        if page is None:
            head.update(t("intake.history_needs_number"))
            return
        self.start = page.offset
        head.update(
            t("customer.title", number=mask_phone(page.key)) + "  "
            + t("customer.summary", tickets=page.tickets, repeats=page.repeats)
        )  # fmt: skip
        watch = self.query_one("#history-watch", Static)
        watch.display = page.watch is not None
        if page.watch is not None:
            watch.update("\n".join(watch_lines(page.watch, full=True)))
        tz = self.desk.tz
        for i, item in enumerate(page.items):
            table.add_row(
                format_local(item.at, tz), t(f"customer.kind_{item.kind}"), item.ticket_no or "—",
                printable(item.text).replace("\n", " "), key=str(i),
            )  # fmt: skip
        more = self.query_one("#history-more", Static)
        if page.items:
            more.update(t("customer.more", first=page.offset + 1,
                          last=page.offset + len(page.items)))  # fmt: skip
        else:
            more.update(t("customer.empty"))
        table.focus()

    def action_page(self, step: int) -> None:
        page = self.current
        if page is None:
            return
        if step > 0 and page.has_more:
            self.load(self.start + HISTORY_PAGE)
        elif step < 0 and self.start > 0:
            self.load(max(0, self.start - HISTORY_PAGE))

    @on(DataTable.RowSelected, "#history-table")
    def _open(self) -> None:
        """Enter on a row: its ticket's detail (an opinion-book entry has none)."""
        from deskapp.screens.detail import DetailScreen

        table = self.query_one("#history-table", DataTable)
        page = self.current
        if page is None or not page.items or table.cursor_row >= len(page.items):
            return
        item = page.items[table.cursor_row]
        if item.kind != "opinion":
            self.app.push_screen(DetailScreen(item.ref_id))

    def work_failed(self, worker: Worker[object], fault: Fault) -> bool:
        self.query_one("#history-more", Static).update(fault.message)
        return True
