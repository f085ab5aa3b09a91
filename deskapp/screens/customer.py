"""客户历史: the customer in front of the counter, one key away from intake (Ctrl+Y once the
phone is typed) and from any ticket's detail (H). Newest first, a page at a time read from SQL
(N / P); the watch-list entry on top, unless the signed-in staff member is the one this
customer's complaints accuse (the service decides: deskapp/services/customer.py)."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import events, on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable
from textual.worker import Worker

from deskapp.domain.clean_input import printable
from deskapp.domain.phone import mask_phone
from deskapp.domain.timefmt import format_local
from deskapp.i18n import t
from deskapp.incidents import Fault
from deskapp.screens.boundary import WorkBoundary, desk_work
from deskapp.screens.desk_app import desk_app
from deskapp.screens.keys import keyed
from deskapp.screens.textual_private import screen_stacks, styles_are_current, styles_current
from deskapp.screens.widgets.desk_footer import DeskFooter
from deskapp.screens.widgets.plain import Static
from deskapp.screens.widgets.plain_table import PlainTable
from deskapp.screens.widgets.status_line import StatusLine
from deskapp.services.customer import HISTORY_PAGE, HistoryPage, WatchView, customer_history
from deskapp.services.desk import Actor, Desk


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

    def __init__(self, key_text: str = "", *also: str) -> None:
        super().__init__()
        self.key_text = key_text
        self.also = tuple(also)  # the customer's other numbers (the service number)
        self.accused: str | None = None  # intake's form's accused staff member (当事人回避)
        self.start = 0
        self.current: HistoryPage | None = None
        self._ready: HistoryPage | None = None  # read before the screen was mounted

    @property
    def desk(self) -> Desk:
        return desk_app(self).desk

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        # Shown again (open_history): restyled only if the app's styles changed meanwhile
        # (a theme chosen); otherwise Textual restyles every widget of it on each show.
        if styles_are_current(self, self.app):
            event.refresh_styles = False
        else:
            styles_current(self, self.app)

    def compose(self) -> ComposeResult:
        yield StatusLine()
        yield Static("", id="history-head")
        yield Static("", id="history-watch")
        table: DataTable[str] = PlainTable(
            id="history-table", cursor_type="row", zebra_stripes=True
        )
        yield table
        yield Static("", id="history-more")
        yield DeskFooter()

    def on_mount(self) -> None:
        table = self.query_one("#history-table", DataTable)
        for key in ("col_at", "col_kind", "col_ticket", "col_text"):
            table.add_column(t(f"customer.{key}"), key=key)
        self.query_one("#history-watch").display = False
        self._first()

    def show_customer(
        self,
        key_text: str,
        *also: str,
        page: HistoryPage | None = None,
        accused: str | None = None,
    ) -> None:
        """This screen kept (open_history) and shown for another customer: the last one's
        page never shown under the new number. `page`: the first page read already (intake
        reads it as the phone is typed), shown at once, before the screen is drawn."""
        self.key_text, self.also, self.accused = key_text, tuple(also), accused
        self.start, self.current, self._ready = 0, None, page
        if self.is_mounted:
            self._first()

    def _first(self) -> None:
        page, self._ready = self._ready, None
        if page is None:
            self.query_one("#history-head", Static).update(t("app.loading"))
            self.query_one("#history-watch").display = False
            self.query_one("#history-table", DataTable).clear()
            self.query_one("#history-more", Static).update("")
            self.load(0)
            return
        self._show(page)
        # Read again once it is drawn (not competing with the drawing): shown again only if
        # something changed since the phone was typed (_show compares).
        self.call_after_refresh(self._read_again, page)

    def _read_again(self, page: HistoryPage) -> None:
        if self.current is page:  # not paged or shown for another customer meanwhile
            self.load(0)

    @desk_work(exclusive=True, group="history")
    def load(self, offset: int) -> None:
        actor = desk_app(self).actor
        if actor is None:
            return
        numbers = (self.key_text, *self.also)
        page = read_page(self.desk, actor, numbers, offset, accused=self.accused)
        self.app.call_from_thread(self._show, page)

    def _show(self, page: HistoryPage | None) -> None:
        if page is not None and page == self.current:
            return  # read again, unchanged: nothing to draw
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
        kinds = {kind: t(f"customer.kind_{kind}") for kind in {item.kind for item in page.items}}
        # In one go: the table measures and lays out once, not once a row.
        # Text, not str: a str cell is read as markup (a complaint typed "[/b]" stopped the
        # table drawing), and parsing it was part of the time to the first page.
        table.add_rows(
            (Text(format_local(item.at, tz)), Text(kinds[item.kind]), Text(item.ticket_no or "—"),
             Text(printable(item.text).replace("\n", " ")))
            for item in page.items
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


def read_page(
    desk: Desk,
    actor: Actor,
    numbers: tuple[str, ...],
    offset: int = 0,
    accused: str | None = None,
) -> HistoryPage | None:
    """A page as the history screen shows it (intake reads the first one ahead, in a worker,
    as the phone is typed): `numbers`, the customer's (the phone first); `accused`, intake's
    form's accused staff member."""
    return customer_history(desk, actor, numbers[0], offset, HISTORY_PAGE, also=numbers[1:],
                            accused=accused)  # fmt: skip


HISTORY_SCREEN = "customer-history"


def open_history(
    app: App[Any],
    key_text: str,
    *also: str,
    page: HistoryPage | None = None,
    accused: str | None = None,
) -> None:
    """Ctrl+Y at intake, H on a ticket: the customer's history. One screen is kept for the
    app (installed) and shown again for each customer: building it anew each time (its
    widgets, their styles, the table) was most of the time from the key to the first page
    (bench/customer.py). A second one only while the kept one is already in a stack (the
    history → a ticket → H again)."""
    if not app.is_screen_installed(HISTORY_SCREEN):
        app.install_screen(CustomerHistoryScreen(), HISTORY_SCREEN)
    screen = app.get_screen(HISTORY_SCREEN)
    if any(screen is shown for shown in screen_stacks(app)):
        screen = CustomerHistoryScreen()
    assert isinstance(screen, CustomerHistoryScreen)
    screen.show_customer(key_text, *also, page=page, accused=accused)
    app.push_screen(screen)


async def forget_history(app: App[Any]) -> None:
    """Signed out: the kept screen, with the last customer it showed, goes with the handler
    (called once no stack holds it)."""
    if app.is_screen_installed(HISTORY_SCREEN):
        screen = app.get_screen(HISTORY_SCREEN)
        app.uninstall_screen(HISTORY_SCREEN)
        if screen.is_running:
            await screen.remove()
